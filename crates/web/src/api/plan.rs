//! The plan under `/api/v1`: create a project from a template, read the computed schedule and
//! milestones, change tasks and dependencies. Every change answers with the recomputed plan.
use crate::api_error::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use postflow_app::plan::{self, Dates, PlanView, ProgressDraft, TaskDraft};
use postflow_app::projects::{self, ProjectDraft};
use postflow_core::plan::WorkingCalendar;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(templates))
        .routes(routes!(create_project))
        .routes(routes!(read_plan))
        .routes(routes!(plan_from_template))
        .routes(routes!(add_task))
        .routes(routes!(update_task, delete_task))
        .routes(routes!(move_task))
        .routes(routes!(report_progress))
        .routes(routes!(add_dependency))
        .routes(routes!(remove_dependency))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// One schedule of a task: working-day offsets from the plan's day 0 and the same as dates
/// (the working day at each offset, so `ef`/`lf` are the first working day after the work).
#[derive(Serialize, ToSchema)]
pub struct ScheduleDto {
    pub es_day: i64,
    pub ef_day: i64,
    pub ls_day: i64,
    pub lf_day: i64,
    pub es: String,
    pub ef: String,
    pub ls: String,
    pub lf: String,
    /// Last working day of the work (inclusive), as people read a finish date.
    pub finish_date: String,
    pub total_float_days: i64,
    pub free_float_days: i64,
    pub critical: bool,
}

impl ScheduleDto {
    fn of(d: &Dates, cal: &WorkingCalendar) -> ScheduleDto {
        let date = |day: i64| cal.date_of_day(day).to_string();
        ScheduleDto {
            es_day: d.es_day,
            ef_day: d.ef_day,
            ls_day: d.ls_day,
            lf_day: d.lf_day,
            es: date(d.es_day),
            ef: date(d.ef_day),
            ls: date(d.ls_day),
            lf: date(d.lf_day),
            finish_date: d.end.to_string(),
            total_float_days: d.total_float_days,
            free_float_days: d.free_float_days,
            critical: d.critical,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanTaskDto {
    pub key: String,
    pub name: String,
    pub stage: String,
    /// not_started, in_progress, in_review, approved, blocked
    pub status: String,
    pub duration_days: i64,
    pub duration_hours: Option<i64>,
    /// Working days the project's revision buffer adds (editorial tasks).
    pub buffer_days: i64,
    pub resource_kind: Option<String>,
    pub skill: Option<String>,
    /// picture_lock, color_finish, sound_delivered, vfx_final, qc_passed, delivered, archived, custom
    pub milestone: Option<String>,
    pub editorial: bool,
    pub percent_complete: i64,
    pub start_no_earlier: Option<String>,
    pub finish_by: Option<String>,
    pub actual_start: Option<String>,
    pub actual_finish: Option<String>,
    pub assignee_ids: Vec<i64>,
    /// The checklist items and whether each is done.
    pub checklist: Vec<ChecklistItemDto>,
    /// The plan as drawn (its ES/EF/LS/LF, float and critical flag).
    #[serde(flatten)]
    pub planned: ScheduleDto,
    /// The plan with today's progress: what will really happen if nothing changes.
    pub forecast: ScheduleDto,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistItemDto {
    pub text: String,
    pub done: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DependencyDto {
    pub id: i64,
    pub from: String,
    pub to: String,
    /// FS, SS or FF
    #[serde(rename = "type")]
    pub kind: String,
    pub lag_days: i64,
    pub critical: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneDto {
    pub kind: String,
    pub name: String,
    pub task: String,
    pub planned: String,
    pub forecast: String,
    pub actual: Option<String>,
    pub slip_days: i64,
    pub late: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    pub code: String,
    /// Send back unchanged with a change; a stale version is refused (409).
    pub plan_version: i64,
    pub template: Option<String>,
    pub revision_buffer_percent: i64,
    pub start: String,
    pub due: Option<String>,
    pub planned_finish: Option<String>,
    pub forecast_finish: Option<String>,
    pub at_risk: bool,
    pub risk: Vec<String>,
    /// Keys of the forecast's critical tasks, in schedule order.
    pub critical_path: Vec<String>,
    pub picture_locked_at: Option<String>,
    pub tasks: Vec<PlanTaskDto>,
    pub dependencies: Vec<DependencyDto>,
    pub milestones: Vec<MilestoneDto>,
}

fn plan_dto(v: &PlanView) -> PlanDto {
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    PlanDto {
        code: v.code.clone(),
        plan_version: v.plan_version,
        template: v.template_key.clone(),
        revision_buffer_percent: v.revision_buffer_percent,
        start: v.start.to_string(),
        due: d(v.due),
        planned_finish: d(v.planned_finish),
        forecast_finish: d(v.forecast_finish),
        at_risk: v.at_risk,
        risk: v.risk.clone(),
        critical_path: v.critical_path.clone(),
        picture_locked_at: v.picture_locked.as_ref().map(|(at, _)| at.to_rfc3339()),
        tasks: v
            .tasks
            .iter()
            .map(|t| PlanTaskDto {
                key: t.key.clone(),
                name: t.name.clone(),
                stage: t.stage.clone(),
                status: t.status.as_str().into(),
                duration_days: t.duration_days,
                duration_hours: t.duration_hours,
                buffer_days: t.buffer_days,
                resource_kind: t.resource_kind.clone(),
                skill: t.skill.clone(),
                milestone: t.milestone.map(|m| m.as_str().to_string()),
                editorial: t.editorial,
                percent_complete: t.percent_complete,
                start_no_earlier: d(t.start_no_earlier),
                finish_by: d(t.finish_by),
                actual_start: d(t.actual_start),
                actual_finish: d(t.actual_finish),
                assignee_ids: t.assignees.iter().map(|p| p.id).collect(),
                checklist: t
                    .checklist
                    .iter()
                    .map(|c| ChecklistItemDto {
                        text: c.text.clone(),
                        done: c.done,
                    })
                    .collect(),
                planned: ScheduleDto::of(&t.planned, &v.calendar),
                forecast: ScheduleDto::of(&t.forecast, &v.calendar),
            })
            .collect(),
        dependencies: v
            .dependencies
            .iter()
            .map(|x| DependencyDto {
                id: x.id,
                from: x.from.clone(),
                to: x.to.clone(),
                kind: x.kind.as_str().into(),
                lag_days: x.lag_days,
                critical: x.critical,
            })
            .collect(),
        milestones: v
            .milestones
            .iter()
            .map(|m| MilestoneDto {
                kind: m.kind.as_str().into(),
                name: m.name.clone(),
                task: m.task_key.clone(),
                planned: m.planned.to_string(),
                forecast: m.forecast.to_string(),
                actual: d(m.actual),
                slip_days: m.slip_days,
                late: m.late,
            })
            .collect(),
    }
}

async fn answer(
    state: &AppState,
    actor: &postflow_core::access::Actor,
    code: &str,
) -> Result<Json<PlanDto>, ApiError> {
    let view = plan::view(&state.app(), actor, code, today()).await?;
    Ok(Json(plan_dto(&view)))
}

#[derive(Serialize, ToSchema)]
pub struct TemplateDto {
    pub key: String,
    pub name: String,
    pub description: String,
    pub typical_length: String,
    pub tasks: usize,
    /// Shipped with postflow (true) or saved by the studio.
    pub builtin: bool,
}

#[utoipa::path(get, path = "/templates", responses((status = 200, body = Vec<TemplateDto>), (status = 401, body = ErrorDto)))]
async fn templates(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<TemplateDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    guard::require(&actor, postflow_core::access::Action::ViewStudio)?;
    Ok(Json(
        plan::template_choices(&state.app())
            .await?
            .into_iter()
            .map(|t| TemplateDto {
                key: t.key,
                name: t.name,
                description: t.description,
                typical_length: t.typical_length,
                tasks: t.tasks,
                builtin: t.builtin,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewProjectDto {
    pub code: String,
    pub name: String,
    pub client_id: i64,
    /// bidding (default), ingest, editorial, locked, finishing, delivered
    #[serde(default)]
    pub status: Option<String>,
    /// YYYY-MM-DD; the plan starts here (today when absent).
    #[serde(default)]
    pub start_date: Option<String>,
    /// YYYY-MM-DD; the delivery milestone must be met by this day.
    #[serde(default)]
    pub due_date: Option<String>,
    /// A template key (GET /templates) to lay out the plan from.
    #[serde(default)]
    pub template: Option<String>,
}

/// Creates a project and, with `template`, lays out its plan.
#[utoipa::path(post, path = "/projects", request_body = NewProjectDto,
    responses((status = 201, body = PlanDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn create_project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<NewProjectDto>,
) -> Result<(StatusCode, Json<PlanDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let app = state.app();
    // The template is checked before anything is written, so a typo creates nothing.
    if let Some(t) = &input.template {
        let known = plan::template_choices(&app).await?;
        if !known.iter().any(|c| &c.key == t) {
            return Err(postflow_app::AppError::field(
                "template",
                format!(
                    "there is no template {t:?}; choose one of {}",
                    known
                        .iter()
                        .map(|c| c.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into());
        }
    }
    let draft = ProjectDraft {
        code: input.code.clone(),
        name: input.name.clone(),
        client_id: input.client_id.to_string(),
        status: input.status.clone().unwrap_or_else(|| "bidding".into()),
        start_date: input
            .start_date
            .clone()
            .unwrap_or_else(|| today().to_string()),
        due_date: input.due_date.clone().unwrap_or_default(),
    };
    let project = projects::create(&app, &actor, &draft).await?;
    if let Some(t) = &input.template {
        plan::plan_from_template(&app, &actor, &project.code, t, "", today()).await?;
    }
    let Json(dto) = answer(&state, &actor, &project.code).await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

#[utoipa::path(get, path = "/projects/{code}/plan", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = PlanDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn read_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PlanDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    answer(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
pub struct FromTemplateDto {
    pub template: String,
    /// YYYY-MM-DD; default the project's start date.
    #[serde(default)]
    pub start: Option<String>,
}

#[utoipa::path(post, path = "/projects/{code}/plan", params(("code" = String, Path, description = "Project code")), request_body = FromTemplateDto,
    responses((status = 201, body = PlanDto), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn plan_from_template(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<FromTemplateDto>,
) -> Result<(StatusCode, Json<PlanDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    plan::plan_from_template(
        &state.app(),
        &actor,
        &code,
        &input.template,
        input.start.as_deref().unwrap_or(""),
        today(),
    )
    .await?;
    let Json(dto) = answer(&state, &actor, &code).await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TaskInputDto {
    pub key: String,
    pub name: String,
    pub stage: String,
    /// Working days (`3`) or hours (`"4h"`).
    pub duration: serde_json::Value,
    pub status: String,
    pub resource_kind: String,
    pub skill: String,
    pub notes: String,
    pub milestone: String,
    pub editorial: bool,
    pub start_no_earlier: String,
    pub finish_by: String,
    /// One item per entry (used when the task is created).
    pub checklist: Vec<String>,
    pub assignee_ids: Vec<i64>,
    /// The plan_version this change was made from; a stale one is refused.
    pub plan_version: Option<i64>,
}

impl TaskInputDto {
    fn draft(&self) -> TaskDraft {
        TaskDraft {
            key: self.key.clone(),
            name: self.name.clone(),
            stage: self.stage.clone(),
            duration: match &self.duration {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            },
            status: self.status.clone(),
            resource_kind: self.resource_kind.clone(),
            skill: self.skill.clone(),
            notes: self.notes.clone(),
            milestone: self.milestone.clone(),
            editorial: self.editorial,
            start_no_earlier: self.start_no_earlier.clone(),
            finish_by: self.finish_by.clone(),
            checklist: self.checklist.join("\n"),
            assignees: self.assignee_ids.clone(),
        }
    }
}

#[utoipa::path(post, path = "/projects/{code}/plan/tasks", params(("code" = String, Path, description = "Project code")), request_body = TaskInputDto,
    responses((status = 201, body = PlanDto), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn add_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<TaskInputDto>,
) -> Result<(StatusCode, Json<PlanDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    plan::add_task(
        &state.app(),
        &actor,
        &code,
        input.plan_version,
        &input.draft(),
    )
    .await?;
    let Json(dto) = answer(&state, &actor, &code).await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

/// Replaces a task's fields (send every field, as read from the plan).
#[utoipa::path(put, path = "/projects/{code}/plan/tasks/{key}", params(("code" = String, Path, description = "Project code"), ("key" = String, Path, description = "Task key")), request_body = TaskInputDto,
    responses((status = 200, body = PlanDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn update_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, key)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<TaskInputDto>,
) -> Result<Json<PlanDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    plan::update_task(
        &state.app(),
        &actor,
        &code,
        &key,
        input.plan_version,
        &input.draft(),
    )
    .await?;
    answer(&state, &actor, &code).await
}

#[derive(Deserialize, IntoParams)]
pub struct VersionQuery {
    /// The plan_version the change was made from.
    pub plan_version: Option<i64>,
}

#[utoipa::path(delete, path = "/projects/{code}/plan/tasks/{key}", params(("code" = String, Path, description = "Project code"), ("key" = String, Path, description = "Task key"), VersionQuery),
    responses((status = 200, body = PlanDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn delete_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, key)): ApiPath<(String, String)>,
    Query(v): Query<VersionQuery>,
) -> Result<Json<PlanDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    plan::delete_task(&state.app(), &actor, &code, &key, v.plan_version).await?;
    answer(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MoveDto {
    /// YYYY-MM-DD: the task may not start before this day; null or absent: as early as its dependencies allow.
    pub start: Option<String>,
    /// New duration in working days; absent: unchanged.
    pub duration_days: Option<i64>,
    pub plan_version: Option<i64>,
}

#[utoipa::path(post, path = "/projects/{code}/plan/tasks/{key}/move", params(("code" = String, Path, description = "Project code"), ("key" = String, Path, description = "Task key")), request_body = MoveDto,
    responses((status = 200, body = PlanDto), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn move_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, key)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<MoveDto>,
) -> Result<Json<PlanDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    plan::move_task(
        &state.app(),
        &actor,
        &code,
        &key,
        input.plan_version,
        input.start.as_deref().unwrap_or(""),
        &input
            .duration_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    )
    .await?;
    answer(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ProgressDto {
    pub status: Option<String>,
    pub percent_complete: Option<i64>,
    /// Indices (from 0) of the checklist items that are done; the others are not.
    pub checklist_done: Option<Vec<usize>>,
}

#[utoipa::path(post, path = "/projects/{code}/plan/tasks/{key}/progress", params(("code" = String, Path, description = "Project code"), ("key" = String, Path, description = "Task key")), request_body = ProgressDto,
    responses((status = 200, body = PlanDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn report_progress(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, key)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<ProgressDto>,
) -> Result<Json<PlanDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let draft = ProgressDraft {
        status: input.status.unwrap_or_default(),
        percent_complete: input
            .percent_complete
            .map(|p| p.to_string())
            .unwrap_or_default(),
        checklist_done: input.checklist_done,
    };
    plan::report_progress(&state.app(), &actor, &code, &key, &draft, today()).await?;
    answer(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyInputDto {
    pub from: String,
    pub to: String,
    /// FS (default), SS or FF
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Working days; negative is a lead.
    #[serde(default)]
    pub lag_days: Option<i64>,
    #[serde(default)]
    pub plan_version: Option<i64>,
}

/// Adds a dependency; one that would close a cycle is refused (400) with the cycle named.
#[utoipa::path(post, path = "/projects/{code}/plan/dependencies", params(("code" = String, Path, description = "Project code")), request_body = DependencyInputDto,
    responses((status = 201, body = PlanDto), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn add_dependency(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<DependencyInputDto>,
) -> Result<(StatusCode, Json<PlanDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    plan::add_dependency(
        &state.app(),
        &actor,
        &code,
        input.plan_version,
        &input.from,
        &input.to,
        input.kind.as_deref().unwrap_or(""),
        &input.lag_days.map(|l| l.to_string()).unwrap_or_default(),
    )
    .await?;
    let Json(dto) = answer(&state, &actor, &code).await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

#[utoipa::path(delete, path = "/projects/{code}/plan/dependencies/{id}", params(("code" = String, Path, description = "Project code"), ("id" = i64, Path, description = "Dependency id"), VersionQuery),
    responses((status = 200, body = PlanDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn remove_dependency(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, id)): ApiPath<(String, i64)>,
    Query(v): Query<VersionQuery>,
) -> Result<Json<PlanDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    plan::remove_dependency(&state.app(), &actor, &code, v.plan_version, id).await?;
    answer(&state, &actor, &code).await
}
