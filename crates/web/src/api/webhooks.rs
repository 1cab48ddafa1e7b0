//! Webhooks under `/api/v1/webhooks` (admins): add an endpoint (the signing secret is returned
//! once), list endpoints, read an endpoint's delivery log, replay a delivery.
use crate::api_error::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use postflow_api_types::{NewWebhookDto, WebhookDeliveryDto, WebhookDto};
use postflow_app::webhooks;
use postflow_store::webhooks::{WebhookDelivery, WebhookEndpoint};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(deliveries))
        .routes(routes!(replay))
}

pub fn endpoint_dto(e: &WebhookEndpoint, secret: Option<String>) -> WebhookDto {
    WebhookDto {
        id: e.id,
        url: e.url.clone(),
        events: e.event_types.clone(),
        description: e.description.clone(),
        active: e.active,
        created_at: e.created_at.to_rfc3339(),
        secret,
    }
}

pub fn delivery_dto(d: &WebhookDelivery) -> WebhookDeliveryDto {
    WebhookDeliveryDto {
        id: d.id,
        message_id: d.message_id.clone(),
        event_type: d.event_type.clone(),
        state: d.state.clone(),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at.to_rfc3339(),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        created_at: d.created_at.to_rfc3339(),
        delivered_at: d.delivered_at.map(|t| t.to_rfc3339()),
        payload: d.payload.clone(),
    }
}

/// The `host[:port]` this request reached (an endpoint may not point back at it).
pub fn own_origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
}

/// Adds an endpoint; the answer carries its signing secret, shown this once.
#[utoipa::path(post, path = "/webhooks", request_body = NewWebhookDto,
    responses((status = 201, body = WebhookDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<NewWebhookDto>,
) -> Result<(StatusCode, Json<WebhookDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let created = webhooks::create_endpoint(
        &state.app(),
        &actor,
        &input.url,
        &input.events,
        &input.description,
        own_origin(&headers).as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(endpoint_dto(&created.endpoint, Some(created.secret))),
    ))
}

#[utoipa::path(get, path = "/webhooks",
    responses((status = 200, body = Vec<WebhookDto>), (status = 403, body = ErrorDto)))]
async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<WebhookDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let all = webhooks::endpoints(&state.app(), &actor).await?;
    Ok(Json(all.iter().map(|e| endpoint_dto(e, None)).collect()))
}

/// The endpoint's delivery log, newest first.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, body = Vec<WebhookDeliveryDto>), (status = 404, body = ErrorDto)))]
async fn deliveries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<WebhookDeliveryDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let log = webhooks::deliveries(&state.app(), &actor, id).await?;
    Ok(Json(log.iter().map(delivery_dto).collect()))
}

/// Queues a delivery again from the start.
#[utoipa::path(post, path = "/webhooks/deliveries/{id}/replay", params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 200, body = WebhookDeliveryDto), (status = 404, body = ErrorDto)))]
async fn replay(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<WebhookDeliveryDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let d = webhooks::replay(&state.app(), &actor, id).await?;
    Ok(Json(delivery_dto(&d)))
}
