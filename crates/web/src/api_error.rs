//! The API's error body and the extractors whose refusals use it. Its own module so that `auth`
//! (whose bearer-token extractor refuses with it) and `api` both depend on it, not on each other.
use crate::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// API errors are JSON, always (also for malformed bodies, bad paths and unknown routes):
/// `{"code": "…", "message": "…", "fields": {field: message}, "error": "…"}` with the matching
/// status. `error` repeats `message` for clients written against the first API version.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    App(AppError),
    /// A status and message from the HTTP layer (body too large, wrong content type, …).
    Http(StatusCode, &'static str, String),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<postflow_store::StoreError> for ApiError {
    fn from(e: postflow_store::StoreError) -> Self {
        ApiError::App(e.into())
    }
}

impl From<postflow_app::AppError> for ApiError {
    fn from(e: postflow_app::AppError) -> Self {
        ApiError::App(e.into())
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as J;
        let code = match &r {
            J::JsonDataError(_) | J::JsonSyntaxError(_) => "malformed_json",
            J::MissingJsonContentType(_) => "unsupported_media_type",
            _ => "bad_request",
        };
        ApiError::Http(
            r.status(),
            code,
            format!("the request body could not be read: {}", r.body_text()),
        )
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        ApiError::Http(
            StatusCode::BAD_REQUEST,
            "bad_path",
            format!("the address is not valid: {}", r.body_text()),
        )
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(r: axum::extract::rejection::BytesRejection) -> Self {
        let code = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        ApiError::Http(r.status(), code, r.body_text())
    }
}

/// `Json<T>` whose refusals are API errors.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Path<T>` whose refusals are API errors.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The body bytes, refused as API errors when too large.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for ApiBytes {
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        Ok(ApiBytes(axum::body::Bytes::from_request(req, state).await?))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut fields = std::collections::BTreeMap::new();
        let (status, code, message) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send a valid API token as `Authorization: Bearer <token>`".to_string(),
            ),
            ApiError::App(AppError::Internal(detail)) => {
                tracing::error!(%detail, "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; it has been logged".to_string(),
                )
            }
            ApiError::App(AppError::Invalid(f)) => {
                let message = f.summary().unwrap_or_default();
                fields =
                    f.0.iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect();
                (StatusCode::BAD_REQUEST, "invalid", message)
            }
            ApiError::App(e) => (e.status(), e.code(), e.to_string()),
            ApiError::Http(status, code, message) => (status, code, message),
        };
        let body = ErrorDto {
            code: code.into(),
            error: message.clone(),
            message,
            fields,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}

/// Unknown addresses under /api/v1 answer a JSON 404 too.
pub async fn not_found() -> ApiError {
    ApiError::Http(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such API address; see /api/v1/openapi.json".into(),
    )
}

pub use postflow_api_types::ErrorDto;
