//! E-mail settings: `/account/notifications` (one's own choice per category: right away, in the
//! daily digest, or not by e-mail; a refused choice re-shows the form with what was chosen) and
//! `/admin/mail` (admins: the outbox — queued, sent and failed mails with the last SMTP error).
use super::{render, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use postflow_app::mail;
use postflow_store::mail::OutboxMail;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/account/notifications",
            get(preferences_page).post(save_preferences),
        )
        .route("/admin/mail", get(outbox_page))
}

pub(crate) struct Row {
    pub category: &'static str,
    pub label: &'static str,
    pub mode: String,
}

#[derive(Template)]
#[template(path = "notification_prefs.html")]
struct PreferencesPage {
    chrome: Chrome,
    rows: Vec<Row>,
    modes: &'static [(&'static str, &'static str)],
    error: Option<String>,
}

async fn preferences_page(
    State(state): State<AppState>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let rows = mail::preferences(&state.app(), &actor)
        .await?
        .into_iter()
        .map(|p| Row {
            category: p.category,
            label: p.label,
            mode: p.mode,
        })
        .collect();
    render(&PreferencesPage {
        chrome: Chrome::new(&who, ""),
        rows,
        modes: mail::MODES,
        error: None,
    })
}

async fn save_preferences(
    State(state): State<AppState>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let choices: Vec<(String, String)> = mail::CATEGORIES
        .iter()
        .filter_map(|(c, _)| form.get(*c).map(|m| (c.to_string(), m.trim().to_string())))
        .collect();
    match mail::set_preferences(&state.app(), &actor, &choices).await {
        Ok(()) => Ok(auth::redirect_with_flash(
            "/account/notifications",
            "Your e-mail preferences are saved.",
            state.config.secure_cookies,
        )),
        Err(postflow_app::AppError::Invalid(errors)) => {
            let rows = mail::CATEGORIES
                .iter()
                .map(|(c, label)| Row {
                    category: c,
                    label,
                    mode: form.get(*c).cloned().unwrap_or_else(|| "immediate".into()),
                })
                .collect();
            let error = errors.0.values().cloned().collect::<Vec<_>>().join("; ");
            let mut response = render(&PreferencesPage {
                chrome: Chrome::new(&who, ""),
                rows,
                modes: mail::MODES,
                error: Some(format!("Nothing was saved: {error}.")),
            })?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct OutboxPage {
    chrome: Chrome,
    mails: Vec<OutboxMail>,
}

impl OutboxPage {
    fn next(&self, m: &OutboxMail) -> String {
        m.next_attempt_at.format("%Y-%m-%d %H:%M:%S").to_string()
    }
    fn sent(&self, m: &OutboxMail) -> String {
        m.sent_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    }
    fn error(&self, m: &OutboxMail) -> String {
        m.last_error.clone().unwrap_or_default()
    }
}

async fn outbox_page(
    State(state): State<AppState>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let mails = mail::outbox(&state.app(), &actor, 200).await?;
    render(&OutboxPage {
        chrome: Chrome::new(&who, "Admin"),
        mails,
    })
}
