//! Channels and search under `/api/v1`: a project's messages (`?channel=internal|client`),
//! posting (replies, mentions, attachments), editing one's own message, promoting a message to
//! a decision or a plan task, and search over what the token's user may see. The checks are
//! `postflow_app::channels`' and `search`'s, as on the pages.
use crate::api_error::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use postflow_api_types::{
    DecisionDto, EditMessageDto, MessageDto, MessageTaskDto, MessageTaskResultDto, NewDecisionDto,
    NewMessageDto, SearchHitDto,
};
use postflow_app::channels::{self, ChannelKind, MessageView, PostInput};
use postflow_app::search;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_messages, post_message))
        .routes(routes!(edit_message))
        .routes(routes!(record_decision))
        .routes(routes!(make_task))
        .routes(routes!(search_hits))
}

fn message_dto(m: &MessageView, code: &str, kind: ChannelKind) -> MessageDto {
    MessageDto {
        id: m.message.id,
        project_code: code.to_string(),
        channel: kind.as_str().to_string(),
        author: m.author.clone(),
        author_id: m.message.author_id,
        body: m.message.body.clone(),
        reply_to: m.message.reply_to,
        created_at: m.message.created_at.to_rfc3339(),
        edited_at: m.message.edited_at.map(|t| t.to_rfc3339()),
        edits: m.edits,
        mentions: m.mentions.clone(),
        attachments: m.attachments.clone(),
    }
}

/// `?channel=` (default `internal`).
fn channel_of(query: &HashMap<String, String>) -> Result<ChannelKind, ApiError> {
    let raw = query.get("channel").map(|s| s.trim()).unwrap_or("");
    if raw.is_empty() {
        return Ok(ChannelKind::Internal);
    }
    ChannelKind::parse(raw).ok_or_else(|| {
        ApiError::from(postflow_app::AppError::field(
            "channel",
            format!("{raw:?} is no channel: use internal or client"),
        ))
    })
}

/// The channel's latest 200 messages, oldest first.
#[utoipa::path(get, path = "/projects/{code}/messages",
    params(("code" = String, Path, description = "Project code"),
           ("channel" = Option<String>, Query, description = "internal (default) or client")),
    responses((status = 200, body = Vec<MessageDto>), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn list_messages(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<MessageDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let kind = channel_of(&query)?;
    let view = channels::view(&state.app(), &actor, &code, kind).await?;
    Ok(Json(
        view.messages
            .iter()
            .map(|m| message_dto(m, &view.project.code, kind))
            .collect(),
    ))
}

/// Posts a message (a reply with `reply_to`). A mention naming nobody, or someone who cannot
/// read the channel, and an attachment that is no catalogued file of the project are refused
/// (400, by field) and nothing is saved.
#[utoipa::path(post, path = "/projects/{code}/messages",
    params(("code" = String, Path, description = "Project code"),
           ("channel" = Option<String>, Query, description = "internal (default) or client")),
    request_body = NewMessageDto,
    responses((status = 201, body = MessageDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn post_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    Query(query): Query<HashMap<String, String>>,
    ApiJson(input): ApiJson<NewMessageDto>,
) -> Result<(StatusCode, Json<MessageDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let kind = channel_of(&query)?;
    let posted = channels::post(
        &state.app(),
        &actor,
        &code,
        kind,
        &PostInput {
            body: input.body,
            reply_to: input.reply_to,
            attachments: input.attachments,
        },
    )
    .await?;
    let (m, kind, project) = channels::message_at(&state.app(), &actor, posted.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(message_dto(&m, &project.code, kind)),
    ))
}

/// Edits one's own message; the earlier body is kept in its history.
#[utoipa::path(patch, path = "/messages/{id}", params(("id" = i64, Path, description = "Message id")),
    request_body = EditMessageDto,
    responses((status = 200, body = MessageDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn edit_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<EditMessageDto>,
) -> Result<Json<MessageDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    channels::edit(&state.app(), &actor, id, &input.body).await?;
    let (m, kind, project) = channels::message_at(&state.app(), &actor, id).await?;
    Ok(Json(message_dto(&m, &project.code, kind)))
}

/// Records the message as a decision of its project (the studio's people on it).
#[utoipa::path(post, path = "/messages/{id}/decision", params(("id" = i64, Path, description = "Message id")),
    request_body = NewDecisionDto,
    responses((status = 201, body = DecisionDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn record_decision(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewDecisionDto>,
) -> Result<(StatusCode, Json<DecisionDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let d = channels::decide(&state.app(), &actor, id, &input.text).await?;
    let (_, _, project) = channels::message_at(&state.app(), &actor, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(DecisionDto {
            id: d.id,
            project_code: project.code,
            message_id: d.message_id,
            decided_by: d.decided_by,
            decided_at: d.decided_at.to_rfc3339(),
            text: d.text,
        }),
    ))
}

/// Makes the message a task of its project's plan (who may edit the plan).
#[utoipa::path(post, path = "/messages/{id}/task", params(("id" = i64, Path, description = "Message id")),
    request_body = MessageTaskDto,
    responses((status = 201, body = MessageTaskResultDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn make_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MessageTaskDto>,
) -> Result<(StatusCode, Json<MessageTaskResultDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let draft = postflow_app::plan::TaskDraft {
        key: input.key,
        name: input.name,
        stage: input.stage,
        duration: input.duration,
        ..Default::default()
    };
    let task_id = channels::promote_to_task(&state.app(), &actor, id, draft).await?;
    let (_, _, project) = channels::message_at(&state.app(), &actor, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageTaskResultDto {
            task_id,
            project_code: project.code,
            message_id: id,
        }),
    ))
}

/// Messages, decisions, tasks and their notes matching `q` (every word; the last one as a
/// prefix), best first (BM25), top 20, with highlighted snippets. Clients find only their
/// projects' client channels.
#[utoipa::path(get, path = "/search",
    params(("q" = Option<String>, Query, description = "The words to find")),
    responses((status = 200, body = Vec<SearchHitDto>), (status = 401, body = ErrorDto)))]
async fn search_hits(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<SearchHitDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let q = query.get("q").cloned().unwrap_or_default();
    let hits = search::search(&state.app(), &actor, &q).await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| SearchHitDto {
                kind: h.kind,
                id: h.id,
                project_code: h.project_code,
                link: h.link,
                snippet_html: h.snippet_html,
                score: h.score,
            })
            .collect(),
    ))
}
