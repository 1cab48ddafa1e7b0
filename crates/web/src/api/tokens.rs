//! Admins list and revoke any user's API tokens over the JSON API (`/api/v1/users/{id}/tokens`),
//! as the Users page does; a revocation is audited like one made on the page.
use super::{ApiError, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::Json;
use postflow_core::access::Action;
use postflow_store::accounts::ApiToken;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Routes and their OpenAPI paths, collected from the handlers' annotations.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
}

/// The token as the API shows it (never its secret).
fn token_dto(t: ApiToken) -> TokenDto {
    TokenDto {
        id: t.id,
        user_id: t.user_id,
        name: t.name,
        created_at: t.created_at.to_rfc3339(),
        last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
        revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
    }
}

async fn admin_of(state: &AppState, api_user: &ApiUser) -> Result<(), ApiError> {
    let actor = guard::actor_for(state, &api_user.0).await?;
    guard::require(&actor, Action::ManageUsers)?;
    Ok(())
}

#[utoipa::path(get, path = "/users/{id}/tokens", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Vec<TokenDto>), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn list_tokens(
    State(state): State<AppState>,
    api_user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<TokenDto>>, ApiError> {
    admin_of(&state, &api_user).await?;
    state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tokens = state.store.list_api_tokens(id).await?;
    Ok(Json(tokens.into_iter().map(token_dto).collect()))
}

#[utoipa::path(post, path = "/users/{id}/tokens/{token_id}/revoke",
    params(("id" = i64, Path, description = "User id"), ("token_id" = i64, Path, description = "Token id")),
    responses((status = 200, body = TokenDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn revoke_token(
    State(state): State<AppState>,
    api_user: ApiUser,
    ApiPath((id, token_id)): ApiPath<(i64, i64)>,
) -> Result<Json<TokenDto>, ApiError> {
    admin_of(&state, &api_user).await?;
    let actor = guard::actor_for(&state, &api_user.0).await?;
    let token = postflow_app::accounts::revoke_token(&state.app(), &actor, id, token_id).await?;
    Ok(Json(token_dto(token)))
}

pub use postflow_api_types::TokenDto;
