//! postflow-web: the web application (server-rendered pages) and the JSON API.
//!
//! Invariant: every request that touches a project goes through [`guard`], the one place that
//! turns a session or API token into an [`postflow_core::access::Actor`] and asks
//! `postflow_core::access::can`. Handlers never query projects around it. Templates, CSS and
//! JavaScript are compiled into the binary; nothing is loaded from disk or the network at runtime.

pub mod api;
mod api_error;
pub mod auth;
pub mod charts;
/// The demo studio (seeded by the application layer).
pub mod demo {
    pub use postflow_app::demo::*;
}
mod error;
pub mod guard;
mod pages;
mod security;
mod statics;
pub mod webhooks;

use axum::http::{HeaderName, Request};
use axum::Router;
use postflow_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::AppError;

/// Everything the web app is configured with, passed explicitly.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Set the `Secure` flag on cookies (when postflow is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_hours: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the login throttle and
    /// logs). Empty: the peer address is the client, and the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Password checks (argon2) at once, and how many more sign-ins may wait for one; `None`:
    /// one per core, and eight times that waiting.
    pub password_checks: Option<(usize, usize)>,
    /// The first webhook retry waits this long; each further one twice as long (at most an hour).
    pub webhook_retry_base: std::time::Duration,
    /// How often the webhook sender looks for due deliveries.
    pub webhook_poll: std::time::Duration,
    /// Where mail goes; `None`: no mail is sent (it waits in the outbox).
    pub smtp: Option<postflow_app::mail::SmtpSettings>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_hours: 12,
            trusted_proxies: Vec::new(),
            password_checks: None,
            webhook_retry_base: std::time::Duration::from_secs(5),
            webhook_poll: std::time::Duration::from_secs(1),
            smtp: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    /// The one bound on concurrent password hashing, shared by sign-in, password change and reset.
    pub passwords: Arc<auth::PasswordGate>,
}

impl AppState {
    /// The application layer's context: every use case runs against it.
    pub fn app(&self) -> postflow_app::Context {
        postflow_app::Context::new(self.store.clone())
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as one router.
pub fn app(store: Store, config: WebConfig) -> Router {
    let passwords = match config.password_checks {
        Some((checks, queue)) => auth::PasswordGate::new(checks, queue),
        None => auth::PasswordGate::for_this_machine(),
    };
    let state = AppState {
        store,
        config: Arc::new(config),
        passwords: Arc::new(passwords),
    };
    Router::new()
        .merge(pages::routes())
        .merge(api::router())
        .merge(statics::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Serves until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    config: WebConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sender = tokio::spawn(webhooks::run_sender(
        store.clone(),
        config.webhook_retry_base,
        config.webhook_poll,
    ));
    let mailer = config
        .smtp
        .clone()
        .map(|smtp| tokio::spawn(postflow_app::mail::run_sender(store.clone(), smtp)));
    let app = app(store, config);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    // A delivery cut off mid-send stays claimed until its lease expires and is sent again.
    sender.abort();
    if let Some(m) = mailer {
        // A mail cut off mid-send is claimed again after its lease.
        m.abort();
    }
    served
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
