//! The signed-in person's own page: password and personal API tokens.
use super::{render, render_status, token_rows, Chrome, FieldErrors, TokenRow};
use crate::auth::{self, CurrentUser, Posted};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
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

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    /// What was refused in the password form, beside its field; the first errored field
    /// gets the focus.
    password_errors: FieldErrors,
    /// The new password typed, kept when only the current one was wrong.
    kept_new_password: String,
    token_error: Option<String>,
}

impl AccountPage {
    fn err(&self, field: &str) -> &str {
        self.password_errors.get(field)
    }
    fn has_err(&self, field: &str) -> bool {
        !self.password_errors.get(field).is_empty()
    }
    fn focus(&self, field: &str) -> bool {
        ["current", "new_password"]
            .into_iter()
            .find(|f| self.has_err(f))
            == Some(field)
    }
}

/// What a re-rendered account page shows besides the token list.
#[derive(Default)]
struct Shown {
    new_token: Option<String>,
    password_errors: FieldErrors,
    kept_new_password: String,
    token_error: Option<String>,
}

async fn page(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let tokens = token_rows(state, who.user.id).await?;
    let p = AccountPage {
        chrome: Chrome::new(who, ""),
        name: who.user.name.clone(),
        email: who.user.email.clone(),
        tokens,
        new_token: shown.new_token,
        password_errors: shown.password_errors,
        kept_new_password: shown.kept_new_password,
        token_error: shown.token_error,
    };
    if status == StatusCode::OK {
        render(&p)
    } else {
        render_status(status, &p)
    }
}

async fn account(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    page(&state, &who, StatusCode::OK, Shown::default()).await
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
    let mut errors = FieldErrors::default();
    if let Some(problem) = postflow_app::accounts::password_problem(&form.new_password) {
        errors.add("new_password", problem);
    }
    let stored = postflow_app::accounts::stored_password(&state.app(), who.user.id).await?;
    let ok = match stored {
        Some(stored) if form.current.len() <= postflow_app::accounts::MAX_PASSWORD_BYTES => {
            state
                .passwords
                .verify(form.current.clone(), stored.into_phc())
                .await?
        }
        _ => false,
    };
    if !ok {
        errors.add("current", "the current password is wrong");
    }
    if !errors.is_empty() {
        // A good new password is kept so only the wrong field has to be typed again.
        let kept_new_password = if errors.get("new_password").is_empty() {
            form.new_password
        } else {
            String::new()
        };
        let shown = Shown {
            password_errors: errors,
            kept_new_password,
            ..Default::default()
        };
        return page(&state, &who, StatusCode::BAD_REQUEST, shown).await;
    }
    let hash = state.passwords.hash(form.new_password).await?;
    let revoked = state
        .store
        .set_own_password_hash(who.user.id, hash, &who.session_hash)
        .await?;
    state
        .store
        .audit(
            Some(who.user.id),
            "update",
            "user",
            Some(who.user.id),
            format!(
                "{} changed their password ({revoked} API tokens revoked)",
                who.user.email
            ),
        )
        .await?;
    let message = match revoked {
        0 => "Password changed. Your other sessions have ended.".to_string(),
        1 => "Password changed. Your other sessions have ended and your API token was revoked."
            .to_string(),
        n => format!(
            "Password changed. Your other sessions have ended and your {n} API tokens were revoked."
        ),
    };
    Ok(auth::redirect_with_flash(
        "/account",
        &message,
        state.config.secure_cookies,
    ))
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
        let shown = Shown {
            token_error: Some("Give the token a name so you can recognise it later.".into()),
            ..Default::default()
        };
        return page(&state, &who, StatusCode::BAD_REQUEST, shown).await;
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
    let shown = Shown {
        new_token: Some(token),
        ..Default::default()
    };
    page(&state, &who, StatusCode::OK, shown).await
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = crate::guard::actor_for(&state, &posted.who.user).await?;
    postflow_app::accounts::revoke_token(&state.app(), &actor, posted.who.user.id, id).await?;
    Ok(auth::redirect_with_flash(
        "/account",
        "API token revoked.",
        state.config.secure_cookies,
    ))
}
