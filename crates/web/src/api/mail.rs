//! The signed-in person's e-mail preferences: `GET/PUT /api/v1/me/notification-preferences`
//! (per category: `immediate`, `digest` or `off`; an unknown category or mode is refused by
//! field and nothing is saved). The bodies live here while no postflow client reads them, like
//! the plan's.
use super::{ApiError, ErrorDto};
use crate::api_error::ApiJson;
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use postflow_app::mail;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_preferences, put_preferences))
}

/// How one category of news is mailed.
#[derive(Serialize, ToSchema)]
pub struct NotificationPreferenceDto {
    /// `picture_lock` or `milestones`.
    pub category: String,
    /// The category in words.
    pub label: String,
    /// `immediate`, `digest` or `off`.
    pub mode: String,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationPreferencesDto {
    pub preferences: Vec<NotificationPreferenceDto>,
}

/// One choice; categories not named keep their mode.
#[derive(Deserialize, ToSchema)]
pub struct NotificationChoiceDto {
    pub category: String,
    pub mode: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SetNotificationPreferencesDto {
    pub preferences: Vec<NotificationChoiceDto>,
}

async fn current(
    state: &AppState,
    actor: &postflow_core::access::Actor,
) -> Result<Json<NotificationPreferencesDto>, ApiError> {
    let preferences = mail::preferences(&state.app(), actor)
        .await?
        .into_iter()
        .map(|p| NotificationPreferenceDto {
            category: p.category.to_string(),
            label: p.label.to_string(),
            mode: p.mode,
        })
        .collect();
    Ok(Json(NotificationPreferencesDto { preferences }))
}

/// Your preference for every category (no choice made: `immediate`).
#[utoipa::path(get, path = "/me/notification-preferences",
    responses((status = 200, body = NotificationPreferencesDto), (status = 401, body = ErrorDto)))]
async fn get_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<NotificationPreferencesDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    current(&state, &actor).await
}

/// Sets your preferences for the categories named; answers with all of them.
#[utoipa::path(put, path = "/me/notification-preferences", request_body = SetNotificationPreferencesDto,
    responses((status = 200, body = NotificationPreferencesDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto)))]
async fn put_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<SetNotificationPreferencesDto>,
) -> Result<Json<NotificationPreferencesDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let choices: Vec<(String, String)> = input
        .preferences
        .into_iter()
        .map(|c| (c.category, c.mode))
        .collect();
    mail::set_preferences(&state.app(), &actor, &choices).await?;
    current(&state, &actor).await
}
