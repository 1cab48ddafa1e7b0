//! The in-app inbox: what people were told (picture locked or unlocked upstream of their work),
//! unread first, with mark-read; `/inbox/unread` feeds the count beside every page's name.
use super::{render, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use postflow_app::notifications;
use postflow_store::notifications::Notification;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox_page))
        .route("/inbox/unread", get(unread))
        .route("/inbox/read", post(mark_read))
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    items: Vec<Notification>,
    unread: usize,
}

impl InboxPage {
    fn at(&self, n: &Notification) -> String {
        n.created_at.format("%Y-%m-%d %H:%M").to_string()
    }
}

async fn inbox_page(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let items = notifications::inbox(&state.app(), &actor).await?;
    let unread = items.iter().filter(|n| n.read_at.is_none()).count();
    render(&InboxPage {
        chrome: Chrome::new(&who, ""),
        items,
        unread,
    })
}

async fn unread(
    State(state): State<AppState>,
    who: CurrentUser,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let n = notifications::unread(&state.app(), &actor).await?;
    Ok(Json(serde_json::json!({ "unread": n })))
}

/// `id` marks one read; without it, all of them.
async fn mark_read(
    State(state): State<AppState>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let id = form.get("id").and_then(|v| v.parse().ok());
    let n = notifications::mark_read(&state.app(), &actor, id).await?;
    Ok(auth::redirect_with_flash(
        "/inbox",
        &format!("{n} marked read."),
        state.config.secure_cookies,
    ))
}
