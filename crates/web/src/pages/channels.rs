//! Project channels and search: `/projects/{code}/channel` (the studio's internal channel) and
//! `/projects/{code}/client-channel` (the client too) with threaded replies, the post form
//! (input kept, refusals shown by field), attachments picked from the project's catalogued
//! media, "Record as decision" and "Make a task" for the staff, the channel's decisions;
//! `/messages/{id}` (edit and earlier versions); `/search?q=` (ranked, highlighted hits of what
//! the reader may see). Every check is `postflow_app::channels`' / `search`'s.
use super::{render, render_status, Chrome, FieldErrors};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use postflow_app::channels::{self, ChannelKind, ChannelView, MessageView, PostInput};
use postflow_app::search;
use postflow_core::access::{can, Action, Actor};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{code}/channel",
            get(internal_page).post(post_internal),
        )
        .route(
            "/projects/{code}/client-channel",
            get(client_page).post(post_client),
        )
        .route("/messages/{id}", get(message_page))
        .route("/messages/{id}/edit", post(edit_message))
        .route("/messages/{id}/decision", post(record_decision))
        .route("/messages/{id}/task", post(make_task))
        .route("/search", get(search_page))
}

/// A message as the channel lists it.
struct MessageRow {
    id: i64,
    author: String,
    at: String,
    body: String,
    edited: bool,
    edits: usize,
    mentions: String,
    attachments: Vec<(i64, String)>,
    mine: bool,
    decided: bool,
}

/// A message and the replies under it, oldest first.
struct Thread {
    message: MessageRow,
    replies: Vec<MessageRow>,
}

struct DecisionRow {
    text: String,
    who: String,
    at: String,
    message_id: Option<i64>,
}

/// The post form as typed (kept when it is refused).
#[derive(Default)]
struct PostForm {
    body: String,
    reply_to: String,
    attachments: Vec<i64>,
}

#[derive(Template)]
#[template(path = "channel.html")]
struct ChannelPage {
    chrome: Chrome,
    code: String,
    project_name: String,
    /// `internal` or `client`.
    kind: &'static str,
    page: &'static str,
    /// The other channel's page, when the reader may open it.
    other: Option<(&'static str, &'static str)>,
    threads: Vec<Thread>,
    decisions: Vec<DecisionRow>,
    media: Vec<(i64, String)>,
    may_decide: bool,
    may_task: bool,
    form: PostForm,
    errors: FieldErrors,
}

impl ChannelPage {
    fn title(&self) -> &'static str {
        if self.kind == "client" {
            "Client channel"
        } else {
            "Internal channel"
        }
    }

    fn attached(&self, id: &i64) -> bool {
        self.form.attachments.contains(id)
    }
}

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// The catalogued files of the project, by id, named by their path on the volume.
async fn media_of(state: &AppState, project_id: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state
        .store
        .project_media(project_id)
        .await?
        .into_iter()
        .map(|e| (e.file.id, e.file.path))
        .collect())
}

fn message_row(
    m: &MessageView,
    actor: &Actor,
    media: &HashMap<i64, String>,
    decided: &[i64],
) -> MessageRow {
    MessageRow {
        id: m.message.id,
        author: m.author.clone(),
        at: at(m.message.created_at),
        body: m.message.body.clone(),
        edited: m.message.edited_at.is_some(),
        edits: m.edits,
        mentions: m.mentions.join(", "),
        attachments: m
            .attachments
            .iter()
            .map(|id| {
                (
                    *id,
                    media
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| format!("file {id}")),
                )
            })
            .collect(),
        mine: m.message.author_id == Some(actor.user_id),
        decided: decided.contains(&m.message.id),
    }
}

async fn channel_page(
    state: &AppState,
    who: &CurrentUser,
    actor: &Actor,
    view: ChannelView,
    status: StatusCode,
    form: PostForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let scope = Some(guard::scope(&view.project));
    let media = media_of(state, view.project.id).await?;
    let names: HashMap<i64, String> = media.iter().cloned().collect();
    let users = channels::people_names(&state.app(), actor).await?;
    let decided: Vec<i64> = view.decisions.iter().filter_map(|d| d.message_id).collect();
    // Replies sit under the message that started their thread.
    let parent: HashMap<i64, Option<i64>> = view
        .messages
        .iter()
        .map(|m| (m.message.id, m.message.reply_to))
        .collect();
    let root = |mut id: i64| {
        for _ in 0..64 {
            match parent.get(&id) {
                Some(Some(p)) if parent.contains_key(p) => id = *p,
                _ => break,
            }
        }
        id
    };
    let mut threads: Vec<Thread> = Vec::new();
    for m in &view.messages {
        let row = message_row(m, actor, &names, &decided);
        let r = root(m.message.id);
        if r == m.message.id {
            threads.push(Thread {
                message: row,
                replies: Vec::new(),
            });
        } else if let Some(t) = threads.iter_mut().find(|t| t.message.id == r) {
            t.replies.push(row);
        }
    }
    let decisions = view
        .decisions
        .iter()
        .rev()
        .map(|d| DecisionRow {
            text: d.text.clone(),
            who: d
                .decided_by
                .and_then(|u| users.get(&u).cloned())
                .unwrap_or_else(|| "postflow".into()),
            at: at(d.decided_at),
            message_id: d.message_id,
        })
        .collect();
    let other = match view.kind {
        ChannelKind::Internal => Some(("client-channel", "Client channel")),
        ChannelKind::Client if can(actor, Action::ViewInternal, scope) => {
            Some(("channel", "Internal channel"))
        }
        ChannelKind::Client => None,
    };
    render_status(
        status,
        &ChannelPage {
            chrome: Chrome::new(who, "Projects"),
            code: view.project.code.clone(),
            project_name: view.project.name.clone(),
            kind: view.kind.as_str(),
            page: view.kind.page(),
            other,
            threads,
            decisions,
            media,
            may_decide: view.may_decide,
            may_task: can(actor, Action::EditPlan, scope),
            form,
            errors,
        },
    )
}

async fn show(
    state: AppState,
    who: CurrentUser,
    code: String,
    kind: ChannelKind,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let view = channels::view(&state.app(), &actor, &code, kind).await?;
    channel_page(
        &state,
        &who,
        &actor,
        view,
        StatusCode::OK,
        PostForm::default(),
        FieldErrors::default(),
    )
    .await
}

async fn internal_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    show(state, who, code, ChannelKind::Internal).await
}

async fn client_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    show(state, who, code, ChannelKind::Client).await
}

async fn post_internal(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    post_message(state, code, ChannelKind::Internal, posted).await
}

async fn post_client(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    post_message(state, code, ChannelKind::Client, posted).await
}

/// The post form's fields; `attachments` may repeat.
fn post_form(fields: &[(String, String)]) -> (PostForm, FieldErrors) {
    let mut form = PostForm::default();
    let mut errors = FieldErrors::default();
    for (k, v) in fields {
        match k.as_str() {
            "body" => form.body = v.clone(),
            "reply_to" => form.reply_to = v.trim().to_string(),
            "attachments" if !v.trim().is_empty() => match v.trim().parse() {
                Ok(id) => form.attachments.push(id),
                Err(_) => errors.add("attachments", format!("{v:?} is not a media file id")),
            },
            _ => {}
        }
    }
    if !form.reply_to.is_empty() && form.reply_to.parse::<i64>().is_err() {
        errors.add(
            "reply_to",
            format!("{:?} is not a message number", form.reply_to),
        );
    }
    (form, errors)
}

async fn post_message(
    state: AppState,
    code: String,
    kind: ChannelKind,
    posted: Posted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let Posted { who, form: fields } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let (form, errors) = post_form(&fields);
    let outcome = if errors.is_empty() {
        let input = PostInput {
            body: form.body.clone(),
            reply_to: form.reply_to.parse().ok(),
            attachments: form.attachments.clone(),
        };
        channels::post(&state.app(), &actor, &code, kind, &input).await
    } else {
        Err(postflow_app::AppError::Invalid(errors))
    };
    match outcome {
        Ok(m) => Ok(auth::redirect_with_flash(
            &format!("/projects/{code}/{}#m{}", kind.page(), m.id),
            if m.reply_to.is_some() {
                "Reply posted."
            } else {
                "Message posted."
            },
            state.config.secure_cookies,
        )),
        Err(postflow_app::AppError::Invalid(errors)) => {
            let view = channels::view(&state.app(), &actor, &code, kind).await?;
            channel_page(
                &state,
                &who,
                &actor,
                view,
                StatusCode::BAD_REQUEST,
                form,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// --- one message: edit and history ------------------------------------------------------------

struct EditRow {
    body: String,
    who: String,
    at: String,
}

#[derive(Template)]
#[template(path = "channel_message.html")]
struct MessagePage {
    chrome: Chrome,
    code: String,
    page: &'static str,
    channel_title: &'static str,
    message: MessageRow,
    history: Vec<EditRow>,
    body: String,
    errors: FieldErrors,
}

async fn message_view(
    state: &AppState,
    who: &CurrentUser,
    id: i64,
    status: StatusCode,
    kept: Option<String>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let (m, kind, project) = channels::message_at(&state.app(), &actor, id).await?;
    let users = channels::people_names(&state.app(), &actor).await?;
    let history = channels::history(&state.app(), &actor, id)
        .await?
        .into_iter()
        .map(|e| EditRow {
            body: e.previous_body,
            who: e
                .editor_id
                .and_then(|u| users.get(&u).cloned())
                .unwrap_or_else(|| "postflow".into()),
            at: at(e.edited_at),
        })
        .collect();
    let names: HashMap<i64, String> = media_of(state, project.id).await?.into_iter().collect();
    let row = message_row(&m, &actor, &names, &[]);
    render_status(
        status,
        &MessagePage {
            chrome: Chrome::new(who, "Projects"),
            code: project.code.clone(),
            page: kind.page(),
            channel_title: match kind {
                ChannelKind::Internal => "Internal channel",
                ChannelKind::Client => "Client channel",
            },
            body: kept.unwrap_or_else(|| m.message.body.clone()),
            message: row,
            history,
            errors,
        },
    )
}

async fn message_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    message_view(
        &state,
        &who,
        id,
        StatusCode::OK,
        None,
        FieldErrors::default(),
    )
    .await
}

async fn edit_message(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let body = form.get("body").cloned().unwrap_or_default();
    match channels::edit(&state.app(), &actor, id, &body).await {
        Ok(m) => {
            let (_, kind, project) = channels::message_at(&state.app(), &actor, m.id).await?;
            Ok(auth::redirect_with_flash(
                &format!("/projects/{}/{}#m{}", project.code, kind.page(), m.id),
                "Message edited; the earlier version is kept in its history.",
                state.config.secure_cookies,
            ))
        }
        Err(postflow_app::AppError::Invalid(errors)) => {
            message_view(
                &state,
                &who,
                id,
                StatusCode::BAD_REQUEST,
                Some(body),
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn record_decision(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let text = form.get("text").cloned().unwrap_or_default();
    channels::decide(&state.app(), &actor, id, &text).await?;
    let (_, kind, project) = channels::message_at(&state.app(), &actor, id).await?;
    Ok(auth::redirect_with_flash(
        &format!("/projects/{}/{}#decisions", project.code, kind.page()),
        "Recorded as a decision.",
        state.config.secure_cookies,
    ))
}

async fn make_task(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let (_, kind, project) = channels::message_at(&state.app(), &actor, id).await?;
    let draft = postflow_app::plan::TaskDraft {
        name: form.get("name").cloned().unwrap_or_default(),
        ..Default::default()
    };
    match channels::promote_to_task(&state.app(), &actor, id, draft).await {
        Ok(_) => Ok(auth::redirect_with_flash(
            &format!("/projects/{}/plan", project.code),
            &format!("Task msg-{id} added to the plan from the message."),
            state.config.secure_cookies,
        )),
        // A refusal (the task exists already, the plan is locked) is told on the channel.
        Err(postflow_app::AppError::Invalid(errors)) => Ok(auth::redirect_with_flash(
            &format!("/projects/{}/{}#m{id}", project.code, kind.page()),
            &errors
                .first()
                .map(|f| errors.get(f).to_string())
                .unwrap_or_else(|| "the task was refused".into()),
            state.config.secure_cookies,
        )),
        Err(postflow_app::AppError::Conflict(why)) => Ok(auth::redirect_with_flash(
            &format!("/projects/{}/{}#m{id}", project.code, kind.page()),
            &why,
            state.config.secure_cookies,
        )),
        Err(e) => Err(e.into()),
    }
}

// --- search ---------------------------------------------------------------------------------

struct HitRow {
    kind: String,
    project_code: String,
    link: String,
    /// Escaped text with `<mark>`s, from `postflow_core::channels::snippet`.
    snippet_html: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    hits: Vec<HitRow>,
}

async fn search_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let q = query.get("q").cloned().unwrap_or_default();
    let hits = if q.trim().is_empty() {
        Vec::new()
    } else {
        search::search(&state.app(), &actor, &q)
            .await?
            .into_iter()
            .map(|h| HitRow {
                kind: h.kind,
                project_code: h.project_code,
                link: h.link,
                snippet_html: h.snippet_html,
            })
            .collect()
    };
    render(&SearchPage {
        chrome: Chrome::new(&who, ""),
        q,
        hits,
    })
}
