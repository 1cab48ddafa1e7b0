use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use postflow_store::StoreError;

/// What can go wrong while answering a request; each maps to one status and one sentence.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("you do not have permission to do that")]
    Forbidden,
    #[error("the form has expired or was not sent by this site; reload the page and try again")]
    BadCsrf,
    #[error("{0}")]
    BadRequest(String),
    /// Refused input, field by field (the application layer's validation).
    #[error("{}", .0.summary().unwrap_or_default())]
    Invalid(postflow_app::FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("sign in first")]
    Unauthorized,
    /// Too many password checks are already running or waiting; try again in a moment.
    #[error("the server is busy checking other sign-ins; try again in a moment")]
    Busy,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Duplicate { .. } => AppError::Conflict(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<postflow_app::AppError> for AppError {
    fn from(e: postflow_app::AppError) -> Self {
        use postflow_app::AppError as E;
        match e {
            E::NotFound(_) => AppError::NotFound,
            E::Forbidden(_) => AppError::Forbidden,
            E::Invalid(fields) => AppError::Invalid(fields),
            E::Conflict(m) => AppError::Conflict(m),
            E::Store(s) => s.into(),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::BadCsrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code API clients branch on (`code` in the error body).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::BadCsrf => "bad_csrf",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Unauthorized => "unauthorized",
            AppError::Busy => "busy",
            AppError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let status = self.status();
        let message = match &self {
            AppError::Internal(_) => {
                "Something went wrong on the server; the error has been logged.".to_string()
            }
            other => other.to_string(),
        };
        let mut page = error_page(status, &message);
        if let AppError::Busy = self {
            page.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        page
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: String,
    message: &'a str,
}

/// The page shown for an error (the sign-in page when not signed in).
fn error_page(status: StatusCode, message: &str) -> Response {
    if status == StatusCode::UNAUTHORIZED {
        return axum::response::Redirect::to("/login").into_response();
    }
    let page = ErrorPage {
        status: format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
        message,
    };
    match askama::Template::render(&page) {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}
