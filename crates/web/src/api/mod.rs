//! JSON API under `/api/v1`, authenticated by personal API tokens (`Authorization: Bearer …`),
//! with the same permission checks as the pages (through [`crate::guard`]).
//!
//! One module per area, each with its handlers and its `routes()`: [`projects`] (the signed-in
//! user, projects, clients), [`catalog`] (volumes, media, catalog records), [`qc`]
//! (deliverables and QC runs), [`tokens`] (API tokens), [`plan`] (plans: projects from templates, the schedule, tasks and dependencies). A new
//! area adds its module here and merges its `routes()` below.
use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

mod billing;
mod catalog;
mod channels;
mod jobs;
mod mail;
mod plan;
mod portal;
mod projects;
mod qc;
mod quotes;
mod resources;
mod scenarios;
mod tokens;
mod webhooks;

/// The API's routes. Each handler is registered with `routes!`, which reads its
/// `#[utoipa::path]`: the router and the OpenAPI document are collected from the same
/// annotations, so no route can be missing from the document or documented without a route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(projects::routes())
        .merge(catalog::routes())
        .merge(qc::routes())
        .merge(plan::routes())
        .merge(webhooks::routes())
        .merge(resources::routes())
        .merge(scenarios::routes())
        .merge(billing::routes())
        .merge(quotes::routes())
        .merge(jobs::routes())
        .merge(mail::routes())
        .merge(jobs::worker_routes())
        .merge(portal::routes())
        .merge(channels::routes())
}

/// The OpenAPI document's frame; the paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(title = "postflow API", version = "1", description = "Projects, clients and the signed-in user. Authenticate with a personal API token: `Authorization: Bearer pft_…`."),
    components(schemas(ErrorDto)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole API: its router and its OpenAPI document (served at /api/v1/openapi.json), both
/// built from the handlers' annotations.
pub fn router() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes().merge(tokens::routes()))
        .split_for_parts();
    let mut doc = doc;
    document_common_errors(&mut doc);
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}

/// Every route can answer with the one error body for reasons no single handler declares: no or
/// a revoked token (401), a path segment that does not parse (400), a body that is not JSON,
/// too large or of the wrong shape (413, 415, 422), and the permission and existence checks
/// (403, 404) and conflicts (409) of the use cases. They are added to each operation of the
/// document so clients (and schemathesis) know the whole contract.
fn document_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorDto")))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let mut codes = vec![
                ("400", "The path or the input is not valid"),
                ("401", "No valid API token"),
                ("403", "Not allowed for this token's user"),
                ("404", "Not found, or not visible to this user"),
                ("409", "In conflict with the current state"),
            ];
            if op.request_body.is_some() {
                codes.extend([
                    ("413", "The body is too large"),
                    ("415", "The body is not JSON"),
                    ("422", "The JSON does not have the documented shape"),
                ]);
            }
            for (code, description) in codes {
                op.responses
                    .responses
                    .entry(code.to_string())
                    .or_insert_with(|| error(description).into());
            }
        }
    }
}

use crate::api_error::not_found;
pub use crate::api_error::{ApiBytes, ApiError, ApiJson, ApiPath, ErrorDto};
// The bodies are shared with the CLI's client (postflow-api-types).
pub use postflow_api_types::{
    ClientDto, CopyDto, DeliverableDto, FailingDto, FileDto, MeDto, MediaDto, ProjectDto, QcRunDto,
    RecordedDto, RuleDto, VolumeDto, VolumeInputDto,
};
