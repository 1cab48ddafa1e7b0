//! Resources and bookings under `/api/v1`: list resources, list/make/change/cancel bookings,
//! the conflicts to resolve. A booking that would over-commit a resource answers 409 with the
//! error body plus `conflicts_with` (the colliding bookings' ids).
use crate::api_error::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use postflow_api_types::{
    BookingConflictDto, BookingDto, BookingIssueDto, BookingPatchDto, NewBookingDto, ResourceDto,
};
use postflow_app::bookings::{self, BookingDraft, BookingEdit, BookingError, BookingQuery};
use postflow_app::resources::{self, ResourceView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources))
        .routes(routes!(list_bookings, create_booking))
        .routes(routes!(change_booking, cancel_booking))
        .routes(routes!(list_conflicts))
}

fn resource_dto(v: ResourceView) -> ResourceDto {
    let r = v.resource;
    ResourceDto {
        id: r.id,
        skills: r.skill_list(),
        name: r.name,
        kind: r.kind,
        capacity: r.capacity,
        calendar: r.calendar,
        user_id: r.user_id,
        archived: r.archived,
        cost_rate_minor: v.cost_rate.map(|m| m.minor),
        cost_currency: v.cost_rate.map(|m| m.currency.code().to_string()),
    }
}

fn booking_dto(b: &postflow_store::bookings::Booking, project: Option<String>) -> BookingDto {
    BookingDto {
        id: b.id,
        resource: b.resource_id,
        project,
        task: b.task_id,
        start: b
            .starts_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        end: b.ends_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        status: b.status.clone(),
        units: b.units,
        note: b.note.clone(),
    }
}

/// A booking refusal as the API answers it: 409 with `conflicts_with`, or the usual error.
struct BookingRefusal(BookingError);

impl IntoResponse for BookingRefusal {
    fn into_response(self) -> Response {
        match self.0 {
            BookingError::Overbooked {
                message,
                conflicts_with,
            } => (
                StatusCode::CONFLICT,
                Json(BookingConflictDto {
                    code: "conflict".into(),
                    error: message.clone(),
                    message,
                    fields: Default::default(),
                    conflicts_with,
                }),
            )
                .into_response(),
            BookingError::App(e) => ApiError::from(e).into_response(),
        }
    }
}

/// The resources in use (with `?archived=true` also archived ones); rates only for those who
/// may see them.
#[utoipa::path(get, path = "/resources", params(ResourceParams),
    responses((status = 200, body = Vec<ResourceDto>), (status = 403, body = ErrorDto)))]
async fn list_resources(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<ResourceParams>,
) -> Result<Json<Vec<ResourceDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let list = resources::list(&state.app(), &actor, q.archived.unwrap_or(false)).await?;
    Ok(Json(list.into_iter().map(resource_dto).collect()))
}

#[derive(Deserialize, IntoParams)]
pub struct ResourceParams {
    /// Also archived resources.
    pub archived: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
pub struct BookingParams {
    /// A resource id.
    pub resource: Option<i64>,
    /// A project code.
    pub project: Option<String>,
    /// RFC 3339: bookings ending after this.
    pub from: Option<String>,
    /// RFC 3339: bookings starting before this.
    pub to: Option<String>,
}

/// Bookings by start time, of the projects the caller may see.
#[utoipa::path(get, path = "/bookings", params(BookingParams),
    responses((status = 200, body = Vec<BookingDto>), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn list_bookings(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<BookingParams>,
) -> Result<Json<Vec<BookingDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let query = BookingQuery {
        resource_id: q.resource,
        project_code: q.project,
        from: q.from,
        to: q.to,
    };
    let list = bookings::list(&state.app(), &actor, &query).await?;
    Ok(Json(
        list.into_iter()
            .filter_map(|v| {
                let (code, _) = v.project?;
                Some(booking_dto(&v.booking, Some(code)))
            })
            .collect(),
    ))
}

/// Books a resource: 201 with the booking, or 409 with `conflicts_with` when confirmed
/// bookings would over-commit it.
#[utoipa::path(post, path = "/bookings", request_body = NewBookingDto,
    responses((status = 201, body = BookingDto), (status = 400, body = ErrorDto),
        (status = 403, body = ErrorDto), (status = 409, body = BookingConflictDto)))]
async fn create_booking(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<NewBookingDto>,
) -> Result<(StatusCode, Json<BookingDto>), Response> {
    let actor = guard::actor_for(&state, &user)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let draft = BookingDraft {
        resource_id: input.resource,
        project_code: input.project.clone(),
        task_id: input.task,
        start: input.start,
        end: input.end,
        status: input.status.unwrap_or_default(),
        units: input.units,
        note: input.note.unwrap_or_default(),
    };
    let booking = bookings::book(&state.app(), &actor, &draft)
        .await
        .map_err(|e| BookingRefusal(e).into_response())?;
    Ok((
        StatusCode::CREATED,
        Json(booking_dto(
            &booking,
            Some(input.project.trim().to_string()),
        )),
    ))
}

/// Moves, extends or re-statuses a booking (409 with `conflicts_with` as for a new one).
#[utoipa::path(patch, path = "/bookings/{id}", request_body = BookingPatchDto,
    params(("id" = i64, Path, description = "the booking")),
    responses((status = 200, body = BookingDto), (status = 400, body = ErrorDto),
        (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = BookingConflictDto)))]
async fn change_booking(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<BookingPatchDto>,
) -> Result<Json<BookingDto>, Response> {
    let actor = guard::actor_for(&state, &user)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let edit = BookingEdit {
        start: input.start,
        end: input.end,
        status: input.status,
        units: input.units,
        note: input.note,
    };
    let app = state.app();
    let booking = bookings::change(&app, &actor, id, &edit)
        .await
        .map_err(|e| BookingRefusal(e).into_response())?;
    let code = app
        .store
        .project_by_id(booking.project_id)
        .await
        .map_err(|e| ApiError::from(e).into_response())?
        .map(|p| p.code);
    Ok(Json(booking_dto(&booking, code)))
}

/// Cancels a booking (204).
#[utoipa::path(delete, path = "/bookings/{id}",
    params(("id" = i64, Path, description = "the booking")),
    responses((status = 204), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn cancel_booking(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    bookings::cancel(&state.app(), &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The conflicts among current and future bookings, each with the fix to consider.
#[utoipa::path(get, path = "/bookings/conflicts",
    responses((status = 200, body = Vec<BookingIssueDto>), (status = 403, body = ErrorDto)))]
async fn list_conflicts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<BookingIssueDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let today = chrono::Utc::now().date_naive();
    let found = bookings::conflicts(&state.app(), &actor, today).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|c| BookingIssueDto {
                kind: c.kind.as_str().into(),
                resource: c.resource_id,
                task: c.task_id,
                bookings: c.bookings,
                problem: c.problem,
                fix: c.fix,
            })
            .collect(),
    ))
}
