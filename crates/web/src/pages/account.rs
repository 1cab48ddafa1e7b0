//! The signed-in person's own page: password and personal API tokens.
use super::admin::hash_blocking;
use super::{render, render_status, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/password", post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    password_error: Option<String>,
}

async fn page(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    new_token: Option<String>,
    password_error: Option<String>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    let tokens = state
        .store
        .list_api_tokens(who.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: fmt(t.created_at),
            last_used: t.last_used_at.map(fmt).unwrap_or_else(|| "never".into()),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let chrome = Chrome::new(who, "").with_flash(flash);
    let p = AccountPage {
        chrome,
        name: who.user.name.clone(),
        email: who.user.email.clone(),
        tokens,
        new_token,
        password_error,
    };
    if status == StatusCode::OK {
        render(&p)
    } else {
        render_status(status, &p)
    }
}

async fn account(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    page(&state, &who, StatusCode::OK, None, None, None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    posted: Posted<PasswordForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let hash = who.user.password_hash.clone();
    let current = form.current.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&current, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !ok {
        return page(
            &state,
            &who,
            StatusCode::BAD_REQUEST,
            None,
            Some("current: the current password is wrong".into()),
            None,
        )
        .await;
    }
    if form.new_password.chars().count() < 10 {
        return page(
            &state,
            &who,
            StatusCode::BAD_REQUEST,
            None,
            Some("new_password: use at least 10 characters".into()),
            None,
        )
        .await;
    }
    state
        .store
        .set_password_hash(who.user.id, hash_blocking(form.new_password).await?)
        .await?;
    state
        .store
        .audit(
            Some(who.user.id),
            "update",
            "user",
            Some(who.user.id),
            format!("{} changed their password", who.user.email),
        )
        .await?;
    // Changing the password ended every session, this one included.
    Ok(Redirect::to("/login").into_response())
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    posted: Posted<TokenForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let name = form.name.trim();
    if name.is_empty() {
        return page(
            &state,
            &who,
            StatusCode::BAD_REQUEST,
            None,
            None,
            Some("name: give the token a name so you can recognise it later".into()),
        )
        .await;
    }
    let token = format!("pft_{}", auth::random_token(32));
    state
        .store
        .create_api_token(who.user.id, name.to_string(), auth::sha256_hex(&token))
        .await?;
    state
        .store
        .audit(
            Some(who.user.id),
            "create",
            "api_token",
            None,
            format!("{} created API token {name:?}", who.user.email),
        )
        .await?;
    page(&state, &who, StatusCode::OK, Some(token), None, None).await
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    state.store.revoke_api_token(posted.who.user.id, id).await?;
    state
        .store
        .audit(
            Some(posted.who.user.id),
            "revoke",
            "api_token",
            Some(id),
            format!("{} revoked API token {id}", posted.who.user.email),
        )
        .await?;
    Ok(Redirect::to("/account").into_response())
}
