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
mod jobs;
mod plan;
mod projects;
mod qc;
mod scenarios;
mod resources;
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
        .merge(scenarios::routes())
        .merge(resources::routes())
        .merge(billing::routes())
        .merge(jobs::routes())
        .merge(jobs::worker_routes())
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
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}

use crate::api_error::not_found;
pub use crate::api_error::{ApiBytes, ApiError, ApiJson, ApiPath, ErrorDto};
// The bodies are shared with the CLI's client (postflow-api-types).
pub use postflow_api_types::{
    ClientDto, CopyDto, DeliverableDto, FailingDto, FileDto, MeDto, MediaDto, ProjectDto, QcRunDto,
    RecordedDto, RuleDto, VolumeDto, VolumeInputDto,
};
