//! Admin → Webhooks: add an endpoint (its signing secret shown once), enable/disable it, read its
//! delivery log and replay a delivery.
use super::{render, render_status, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use postflow_app::webhooks;
use postflow_store::webhooks::{WebhookDelivery, WebhookEndpoint};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(list_page).post(create))
        .route("/admin/webhooks/{id}", get(endpoint_page))
        .route("/admin/webhooks/{id}/active", post(set_active))
        .route("/admin/webhooks/deliveries/{id}/replay", post(replay))
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListPage {
    chrome: Chrome,
    endpoints: Vec<WebhookEndpoint>,
    families: String,
    new_secret: Option<(i64, String)>,
    errors: postflow_app::FieldErrors,
    kept_url: String,
    kept_events: String,
    kept_description: String,
}

impl ListPage {
    fn err(&self, field: &str) -> &str {
        self.errors.get(field)
    }
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct EndpointPage {
    chrome: Chrome,
    endpoint: WebhookEndpoint,
    deliveries: Vec<WebhookDelivery>,
}

impl EndpointPage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
    fn status(&self, d: &WebhookDelivery) -> String {
        d.last_status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into())
    }
}

#[derive(Default)]
struct Shown {
    new_secret: Option<(i64, String)>,
    errors: postflow_app::FieldErrors,
    kept_url: String,
    kept_events: String,
    kept_description: String,
}

async fn page(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let endpoints = webhooks::endpoints(&state.app(), &actor).await?;
    let p = ListPage {
        chrome: Chrome::new(who, "Admin"),
        endpoints,
        families: webhooks::EVENT_FAMILIES.join(", "),
        new_secret: shown.new_secret,
        errors: shown.errors,
        kept_url: shown.kept_url,
        kept_events: if shown.kept_events.is_empty() {
            "*".into()
        } else {
            shown.kept_events
        },
        kept_description: shown.kept_description,
    };
    if status == StatusCode::OK {
        render(&p)
    } else {
        render_status(status, &p)
    }
}

async fn list_page(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    page(&state, &who, StatusCode::OK, Shown::default()).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: String,
    #[serde(default)]
    description: String,
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<CreateForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let origin = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    match webhooks::create_endpoint(
        &state.app(),
        &actor,
        &form.url,
        &form.events,
        &form.description,
        origin.as_deref(),
    )
    .await
    {
        Ok(created) => {
            let shown = Shown {
                new_secret: Some((created.endpoint.id, created.secret)),
                ..Default::default()
            };
            page(&state, &who, StatusCode::OK, shown).await
        }
        Err(postflow_app::AppError::Invalid(errors)) => {
            let shown = Shown {
                errors,
                kept_url: form.url,
                kept_events: form.events,
                kept_description: form.description,
                ..Default::default()
            };
            page(&state, &who, StatusCode::BAD_REQUEST, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn endpoint_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let app = state.app();
    let deliveries = webhooks::deliveries(&app, &actor, id).await?;
    let endpoint = state.store.webhook_endpoint(id).await?;
    render(&EndpointPage {
        chrome: Chrome::new(&who, "Admin"),
        endpoint,
        deliveries,
    })
}

async fn set_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let active = form.get("active").map(String::as_str) == Some("yes");
    webhooks::set_active(&state.app(), &actor, id, active).await?;
    Ok(auth::redirect_with_flash(
        &format!("/admin/webhooks/{id}"),
        if active {
            "Endpoint enabled."
        } else {
            "Endpoint disabled: nothing more is sent to it."
        },
        state.config.secure_cookies,
    ))
}

async fn replay(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    let d = webhooks::replay(&state.app(), &actor, id).await?;
    Ok(auth::redirect_with_flash(
        &format!("/admin/webhooks/{}", d.endpoint_id),
        &format!("Delivery {} queued again.", d.message_id),
        state.config.secure_cookies,
    ))
}
