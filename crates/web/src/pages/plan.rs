//! Plans on the web: a project's plan (Gantt, milestones, the table, the forms that change it),
//! a task's page, the studio schedule with its calendar, and each person's "My work".
//! Every change goes through `app::plan`; a refused form comes back with its input and the
//! reason beside the field.
use super::{confirm_page, confirmed, render_status, Chrome, FieldErrors};
use crate::auth::{redirect_with_flash, CurrentUser, Posted};
use crate::charts::gantt::{render_gantt, GanttChart, GanttLink, GanttRow};
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{Duration, NaiveDate};
use postflow_app::plan::{self, PlanView, ProgressDraft, TaskDraft, TaskView, TemplateChoice};
use postflow_app::AppError as UseCaseError;
use postflow_core::access::{can, Action, Actor};
use postflow_core::plan::{DependencyKind, MilestoneKind, TaskStatus};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{code}/plan", get(plan_page))
        .route("/projects/{code}/plan/template", post(from_template))
        .route("/projects/{code}/plan/tasks", post(add_task))
        .route(
            "/projects/{code}/plan/tasks/{key}",
            get(task_page).post(update_task),
        )
        .route("/projects/{code}/plan/tasks/{key}/move", post(move_task))
        .route("/projects/{code}/plan/tasks/{key}/progress", post(progress))
        .route(
            "/projects/{code}/plan/tasks/{key}/delete",
            post(delete_task),
        )
        .route("/projects/{code}/plan/move", post(move_chosen_task))
        .route("/projects/{code}/plan/dependencies", post(add_dependency))
        .route(
            "/projects/{code}/plan/dependencies/{id}/remove",
            post(remove_dependency),
        )
        .route("/projects/{code}/plan/lock", post(lock))
        .route("/projects/{code}/plan/unlock", post(unlock))
        .route("/projects/{code}/plan/settings", post(settings))
        .route("/projects/{code}/plan/save-template", post(save_template))
        .route("/schedule", get(schedule_page))
        .route("/schedule/week", post(set_week))
        .route("/schedule/hours", post(set_hours))
        .route("/schedule/days-off", post(add_day_off))
        .route("/my-work", get(my_work))
        .route("/my-work/days-off", post(add_my_day_off))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

type Form = HashMap<String, String>;

fn field<'a>(form: &'a Form, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("")
}

fn version(form: &Form) -> Option<i64> {
    field(form, "version").trim().parse().ok()
}

/// A refused form: which one, what was typed, and why.
#[derive(Default)]
struct Refusal {
    form: &'static str,
    input: Form,
    errors: FieldErrors,
    message: Option<String>,
}

/// Turns a use case's refusal into the page shown again with the form's input; anything else
/// (not found, forbidden, store) stays an error page.
fn refusal(
    form: &'static str,
    input: Form,
    e: UseCaseError,
) -> Result<(StatusCode, Refusal), AppError> {
    match e {
        UseCaseError::Invalid(errors) => Ok((
            StatusCode::BAD_REQUEST,
            Refusal {
                form,
                input,
                message: errors.summary(),
                errors,
            },
        )),
        UseCaseError::Conflict(m) => Ok((
            StatusCode::CONFLICT,
            Refusal {
                form,
                input,
                errors: FieldErrors::default(),
                message: Some(m),
            },
        )),
        other => Err(other.into()),
    }
}

// --- the project's plan ------------------------------------------------------------------------

struct MilestoneRow {
    name: String,
    kind: &'static str,
    planned: String,
    forecast: String,
    actual: String,
    slip: String,
    late: bool,
}

struct TaskRow {
    key: String,
    name: String,
    stage: String,
    status: &'static str,
    status_label: &'static str,
    duration: String,
    start: String,
    end: String,
    planned_end: String,
    total_float: i64,
    free_float: i64,
    critical: bool,
    late: bool,
    milestone: bool,
    percent: i64,
    assignees: String,
    resource: String,
    position: i64,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    code: String,
    name: String,
    plan_version: i64,
    empty: bool,
    gantt_svg: String,
    milestones: Vec<MilestoneRow>,
    tasks: Vec<TaskRow>,
    task_keys: Vec<(String, String)>,
    stages: Vec<(String, String)>,
    dependencies: Vec<(i64, String, String, &'static str, i64, bool)>,
    templates: Vec<TemplateChoice>,
    start: String,
    due: String,
    planned_finish: String,
    forecast_finish: String,
    at_risk: bool,
    risk: Vec<String>,
    critical_names: String,
    revision_buffer_percent: i64,
    owner: String,
    producers: Vec<(i64, String, bool)>,
    locked: Option<String>,
    lock_key: Option<String>,
    lock_checklist: Vec<(usize, String, bool)>,
    lock_history: Vec<(String, String, String, String)>,
    can_edit: bool,
    can_report: bool,
    can_lock: bool,
    kinds: Vec<(&'static str, &'static str)>,
    milestone_kinds: Vec<(&'static str, &'static str)>,
    refused: Refusal,
}

impl PlanPage {
    /// The value a refused form had, so it comes back as typed.
    fn kept(&self, form: &str, name: &str) -> &str {
        if self.refused.form == form {
            field(&self.refused.input, name)
        } else {
            ""
        }
    }
    fn err(&self, form: &str, name: &str) -> &str {
        if self.refused.form == form {
            self.refused.errors.get(name)
        } else {
            ""
        }
    }
    fn message(&self, form: &str) -> &str {
        match (&self.refused.message, self.refused.form == form) {
            (Some(m), true) => m,
            _ => "",
        }
    }
}

fn duration_text(t: &TaskView) -> String {
    let base = match t.duration_hours {
        Some(h) => format!("{h} h"),
        None => format!("{} d", t.duration_days),
    };
    if t.buffer_days > 0 {
        format!("{base} + {} d buffer", t.buffer_days)
    } else {
        base
    }
}

/// The plan as the Gantt draws it: forecast bars, planned dates as the baseline.
fn gantt_of(view: &PlanView, move_urls: bool) -> GanttChart {
    let stage_name: HashMap<&str, &str> = view
        .stages
        .iter()
        .map(|(k, n)| (k.as_str(), n.as_str()))
        .collect();
    let exclusive = |start: NaiveDate, end: NaiveDate, milestone: bool| {
        if milestone {
            start
        } else {
            end + Duration::days(1)
        }
    };
    let rows: Vec<GanttRow> = view
        .tasks
        .iter()
        .map(|t| {
            let milestone = t.milestone.is_some();
            GanttRow {
                id: t.key.clone(),
                label: t.name.clone(),
                group: Some(
                    stage_name
                        .get(t.stage.as_str())
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| t.stage.clone()),
                ),
                start: t.forecast.start,
                finish: exclusive(t.forecast.start, t.forecast.end, milestone),
                late_finish: exclusive(t.forecast.late_start, t.forecast.late_end, milestone),
                critical: t.forecast.critical,
                milestone,
                late: t.late(),
                progress_percent: t.percent_complete.clamp(0, 100) as u8,
                status: t.status.as_str().to_string(),
                href: Some(format!("/projects/{}/plan/tasks/{}", view.code, t.key)),
                move_url: move_urls
                    .then(|| format!("/projects/{}/plan/tasks/{}/move", view.code, t.key)),
                baseline: Some((
                    t.planned.start,
                    exclusive(t.planned.start, t.planned.end, milestone),
                )),
            }
        })
        .collect();
    let links = view
        .dependencies
        .iter()
        .map(|d| GanttLink {
            from: d.from.clone(),
            to: d.to.clone(),
            kind: d.kind,
            critical: d.critical,
        })
        .collect();
    GanttChart {
        title: format!("{} — plan", view.name),
        today: Some(view.today),
        due: view.due,
        non_working: non_working_days(view),
        rows,
        links,
    }
}

fn non_working_days(view: &PlanView) -> Vec<NaiveDate> {
    let Some(first) = view
        .tasks
        .iter()
        .map(|t| t.forecast.start.min(t.planned.start))
        .min()
    else {
        return Vec::new();
    };
    let last = view
        .tasks
        .iter()
        .map(|t| t.forecast.late_end.max(t.planned.end))
        .max()
        .unwrap_or(first)
        .max(view.due.unwrap_or(first));
    let mut out = Vec::new();
    let mut d = first;
    // Bounded: a plan longer than three years is shaded only for its first three.
    while d <= last && out.len() < 1200 {
        if !view.calendar.is_working_day(d) {
            out.push(d);
        }
        d += Duration::days(1);
    }
    out
}

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|k| (code(*k), label(*k))).collect()
}

async fn plan_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    show_plan(&state, &who, &code, StatusCode::OK, Refusal::default()).await
}

async fn show_plan(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    status: StatusCode,
    refused: Refusal,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let view = plan::view(&state.app(), &actor, code, today()).await?;
    let scope = Some(view.scope());
    let can_edit = can(&actor, Action::EditPlan, scope);
    let can_report = can(&actor, Action::ReportProgress, scope);
    let can_lock = can(&actor, Action::LockPicture, scope);
    let gantt_svg = render_gantt(&gantt_of(&view, can_edit));
    let milestones = view
        .milestones
        .iter()
        .map(|m| MilestoneRow {
            name: m.name.clone(),
            kind: m.kind.as_str(),
            planned: m.planned.to_string(),
            forecast: m.forecast.to_string(),
            actual: m
                .actual
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
            slip: match m.slip_days {
                0 => "on plan".into(),
                n if n > 0 => format!("+{n} d"),
                n => format!("{n} d"),
            },
            late: m.late,
        })
        .collect();
    let tasks = view
        .tasks
        .iter()
        .map(|t| TaskRow {
            key: t.key.clone(),
            name: t.name.clone(),
            stage: view
                .stages
                .iter()
                .find(|(k, _)| *k == t.stage)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| t.stage.clone()),
            status: t.status.as_str(),
            status_label: t.status.label(),
            duration: duration_text(t),
            start: t.forecast.start.to_string(),
            end: t.forecast.end.to_string(),
            planned_end: t.planned.end.to_string(),
            total_float: t.forecast.total_float_days,
            free_float: t.forecast.free_float_days,
            critical: t.forecast.critical,
            late: t.late(),
            milestone: t.milestone.is_some(),
            percent: t.percent_complete,
            assignees: t
                .assignees
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            resource: [t.resource_kind.as_deref(), t.skill.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            position: t.position,
        })
        .collect();
    let lock_task = view
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::PictureLock)
        .and_then(|m| view.task(&m.task_key));
    let users = state.store.list_users().await?;
    let producers = users
        .iter()
        .filter(|u| {
            !u.disabled
                && matches!(
                    u.role(),
                    postflow_core::access::Role::Producer | postflow_core::access::Role::Admin
                )
        })
        .map(|u| {
            (
                u.id,
                u.name.clone(),
                view.owner.as_ref().is_some_and(|o| o.id == u.id),
            )
        })
        .collect();
    let page = PlanPage {
        chrome: Chrome::new(who, "Projects"),
        code: view.code.clone(),
        name: view.name.clone(),
        plan_version: view.plan_version,
        empty: view.is_empty(),
        gantt_svg,
        milestones,
        tasks,
        task_keys: view
            .tasks
            .iter()
            .map(|t| (t.key.clone(), t.name.clone()))
            .collect(),
        stages: view.stages.clone(),
        dependencies: view
            .dependencies
            .iter()
            .map(|d| {
                let name = |k: &str| view.task(k).map(|t| t.name.clone()).unwrap_or_default();
                (
                    d.id,
                    name(&d.from),
                    name(&d.to),
                    d.kind.as_str(),
                    d.lag_days,
                    d.critical,
                )
            })
            .collect(),
        templates: plan::template_choices(&state.app()).await?,
        start: view.start.to_string(),
        due: view
            .due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        planned_finish: view
            .planned_finish
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        forecast_finish: view
            .forecast_finish
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        at_risk: view.at_risk,
        risk: view.risk.clone(),
        critical_names: view
            .critical_path
            .iter()
            .filter_map(|k| view.task(k).map(|t| t.name.as_str()))
            .collect::<Vec<_>>()
            .join(" → "),
        revision_buffer_percent: view.revision_buffer_percent,
        owner: view
            .owner
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_else(|| "—".into()),
        producers,
        locked: view.picture_locked.as_ref().map(|(at, by)| {
            format!(
                "{} by {}",
                at.format("%Y-%m-%d %H:%M UTC"),
                by.clone().unwrap_or_else(|| "the system".into())
            )
        }),
        lock_key: lock_task.map(|t| t.key.clone()),
        lock_checklist: lock_task
            .map(|t| {
                t.checklist
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i, c.text.clone(), c.done))
                    .collect()
            })
            .unwrap_or_default(),
        lock_history: view
            .lock_history
            .iter()
            .map(|e| {
                (
                    e.at.format("%Y-%m-%d %H:%M").to_string(),
                    if e.kind == "picture_locked" {
                        "Locked"
                    } else {
                        "Unlocked"
                    }
                    .to_string(),
                    e.by.clone().unwrap_or_else(|| "—".into()),
                    e.reason.clone(),
                )
            })
            .collect(),
        can_edit,
        can_report,
        can_lock,
        kinds: options(
            &DependencyKind::ALL,
            DependencyKind::as_str,
            DependencyKind::label,
        ),
        milestone_kinds: options(
            &MilestoneKind::ALL,
            MilestoneKind::as_str,
            MilestoneKind::label,
        ),
        refused,
    };
    render_status(status, &page)
}

/// Runs a plan change; success redirects to `back` with `done`, a refusal shows the plan page
/// again with the form as typed.
async fn after(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    form_name: &'static str,
    input: Form,
    result: Result<(), UseCaseError>,
    done: &str,
    back: Option<String>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &back.unwrap_or_else(|| format!("/projects/{code}/plan")),
            done,
            state.config.secure_cookies,
        )),
        Err(e) => {
            let (status, refused) = refusal(form_name, input, e)?;
            show_plan(state, who, code, status, refused).await
        }
    }
}

async fn from_template(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    let result = plan::plan_from_template(
        &state.app(),
        &actor,
        &code,
        field(f, "template"),
        field(f, "start"),
        today(),
    )
    .await;
    let done = format!("Planned from the {} template.", field(f, "template"));
    after(
        &state,
        &posted.who,
        &code,
        "template",
        posted.form.clone(),
        result,
        &done,
        None,
    )
    .await
}

fn task_draft(f: &Form) -> TaskDraft {
    let mut assignees: Vec<i64> = f
        .iter()
        .filter(|(k, v)| k.starts_with("assignee_") && !v.is_empty())
        .filter_map(|(k, _)| k.trim_start_matches("assignee_").parse().ok())
        .collect();
    assignees.sort_unstable();
    TaskDraft {
        key: field(f, "key").to_string(),
        name: field(f, "name").to_string(),
        stage: field(f, "stage").to_string(),
        duration: field(f, "duration").to_string(),
        status: field(f, "status").to_string(),
        resource_kind: field(f, "resource_kind").to_string(),
        skill: field(f, "skill").to_string(),
        notes: field(f, "notes").to_string(),
        milestone: field(f, "milestone").to_string(),
        editorial: !field(f, "editorial").is_empty(),
        start_no_earlier: field(f, "start_no_earlier").to_string(),
        finish_by: field(f, "finish_by").to_string(),
        checklist: field(f, "checklist").to_string(),
        assignees,
    }
}

async fn add_task(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let draft = task_draft(&posted.form);
    let result = plan::add_task(&state.app(), &actor, &code, version(&posted.form), &draft).await;
    let done = format!("Task {} added.", draft.name.trim());
    after(
        &state,
        &posted.who,
        &code,
        "task",
        posted.form.clone(),
        result,
        &done,
        None,
    )
    .await
}

async fn move_task(
    State(state): State<AppState>,
    Path((code, key)): Path<(String, String)>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let mut form = posted.form.clone();
    form.insert("task".into(), key);
    move_with(&state, &posted.who, &code, form).await
}

async fn move_chosen_task(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    move_with(&state, &posted.who, &code, posted.form.clone()).await
}

/// Moves a task (its earliest start and/or duration), from the Gantt's drag or the move form.
async fn move_with(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    form: Form,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let key = field(&form, "task").to_string();
    let duration = if form.contains_key("duration_days") {
        field(&form, "duration_days")
    } else {
        field(&form, "duration")
    };
    let result = plan::move_task(
        &state.app(),
        &actor,
        code,
        &key,
        version(&form),
        field(&form, "start"),
        duration,
    )
    .await;
    after(
        state,
        who,
        code,
        "move",
        form.clone(),
        result,
        "Task moved; the plan is recomputed.",
        None,
    )
    .await
}

async fn add_dependency(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    let result = plan::add_dependency(
        &state.app(),
        &actor,
        &code,
        version(f),
        field(f, "from"),
        field(f, "to"),
        field(f, "type"),
        field(f, "lag_days"),
    )
    .await;
    after(
        &state,
        &posted.who,
        &code,
        "dependency",
        posted.form.clone(),
        result,
        "Dependency added.",
        None,
    )
    .await
}

async fn remove_dependency(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result =
        plan::remove_dependency(&state.app(), &actor, &code, version(&posted.form), id).await;
    after(
        &state,
        &posted.who,
        &code,
        "dependencies",
        posted.form.clone(),
        result,
        "Dependency removed.",
        None,
    )
    .await
}

async fn lock(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = plan::lock_picture(&state.app(), &actor, &code, today()).await;
    after(
        &state,
        &posted.who,
        &code,
        "lock",
        posted.form.clone(),
        result,
        "Picture is locked. Color, sound and VFX work from this cut.",
        None,
    )
    .await
}

async fn unlock(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result =
        plan::unlock_picture(&state.app(), &actor, &code, field(&posted.form, "reason")).await;
    after(
        &state,
        &posted.who,
        &code,
        "unlock",
        posted.form.clone(),
        result,
        "Picture is unlocked; the reason is in the history.",
        None,
    )
    .await
}

async fn settings(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    let owner = field(f, "owner_id").trim().parse::<i64>().ok();
    let result = plan::set_settings(
        &state.app(),
        &actor,
        &code,
        version(f),
        field(f, "revision_buffer_percent"),
        owner,
    )
    .await;
    after(
        &state,
        &posted.who,
        &code,
        "settings",
        posted.form.clone(),
        result,
        "Plan settings saved.",
        None,
    )
    .await
}

async fn save_template(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    let result = plan::save_as_template(
        &state.app(),
        &actor,
        &code,
        field(f, "key"),
        field(f, "name"),
    )
    .await;
    let done = format!("Saved as template {}.", field(f, "key").trim());
    after(
        &state,
        &posted.who,
        &code,
        "save_template",
        posted.form.clone(),
        result,
        &done,
        None,
    )
    .await
}

// --- one task ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    chrome: Chrome,
    code: String,
    project_name: String,
    plan_version: i64,
    task: TaskView,
    draft: TaskDraft,
    stages: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    milestone_kinds: Vec<(&'static str, &'static str)>,
    people: Vec<(i64, String, bool)>,
    predecessors: Vec<(i64, String, String, &'static str, i64)>,
    successors: Vec<(i64, String, String, &'static str, i64)>,
    can_edit: bool,
    can_report: bool,
    refused: Refusal,
}

impl TaskPage {
    fn kept<'a>(&'a self, form: &str, name: &str, current: &'a str) -> &'a str {
        if self.refused.form == form {
            field(&self.refused.input, name)
        } else {
            current
        }
    }
    fn err(&self, form: &str, name: &str) -> &str {
        if self.refused.form == form {
            self.refused.errors.get(name)
        } else {
            ""
        }
    }
    fn message(&self, form: &str) -> &str {
        match (&self.refused.message, self.refused.form == form) {
            (Some(m), true) => m,
            _ => "",
        }
    }
}

async fn task_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((code, key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    show_task(
        &state,
        &who,
        &code,
        &key,
        StatusCode::OK,
        Refusal::default(),
    )
    .await
}

async fn show_task(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    key: &str,
    status: StatusCode,
    refused: Refusal,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let view = plan::view(&state.app(), &actor, code, today()).await?;
    let task = view.task(key).cloned().ok_or(AppError::NotFound)?;
    let scope = Some(view.scope());
    let members = state.store.project_member_ids(view.project_id).await?;
    let people = if can(&actor, Action::ViewTeam, scope) {
        state
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled && u.role().is_staff())
            .filter(|u| members.contains(&u.id) || u.role() != postflow_core::access::Role::Artist)
            .map(|u| {
                (
                    u.id,
                    u.name.clone(),
                    task.assignees.iter().any(|a| a.id == u.id),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let name = |k: &str| view.task(k).map(|t| t.name.clone()).unwrap_or_default();
    let predecessors = view
        .dependencies
        .iter()
        .filter(|d| d.to == task.key)
        .map(|d| {
            (
                d.id,
                d.from.clone(),
                name(&d.from),
                d.kind.as_str(),
                d.lag_days,
            )
        })
        .collect();
    let successors = view
        .dependencies
        .iter()
        .filter(|d| d.from == task.key)
        .map(|d| (d.id, d.to.clone(), name(&d.to), d.kind.as_str(), d.lag_days))
        .collect();
    let page = TaskPage {
        chrome: Chrome::new(who, "Projects"),
        code: view.code.clone(),
        project_name: view.name.clone(),
        plan_version: view.plan_version,
        draft: TaskDraft::of(&task),
        task,
        stages: view.stages.clone(),
        statuses: options(&TaskStatus::ALL, TaskStatus::as_str, TaskStatus::label),
        milestone_kinds: options(
            &MilestoneKind::ALL,
            MilestoneKind::as_str,
            MilestoneKind::label,
        ),
        people,
        predecessors,
        successors,
        can_edit: can(&actor, Action::EditPlan, scope),
        can_report: can(&actor, Action::ReportProgress, scope),
        refused,
    };
    render_status(status, &page)
}

async fn after_task(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    key: &str,
    form_name: &'static str,
    input: Form,
    result: Result<(), UseCaseError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/projects/{code}/plan/tasks/{key}"),
            done,
            state.config.secure_cookies,
        )),
        Err(e) => {
            let (status, refused) = refusal(form_name, input, e)?;
            show_task(state, who, code, key, status, refused).await
        }
    }
}

async fn update_task(
    State(state): State<AppState>,
    Path((code, key)): Path<(String, String)>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let draft = task_draft(&posted.form);
    let result = plan::update_task(
        &state.app(),
        &actor,
        &code,
        &key,
        version(&posted.form),
        &draft,
    )
    .await;
    // A renamed key moves the page.
    let new_key = if result.is_ok() && !draft.key.trim().is_empty() {
        draft.key.trim().to_string()
    } else {
        key.clone()
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/projects/{code}/plan/tasks/{new_key}"),
            "Task saved.",
            state.config.secure_cookies,
        )),
        Err(e) => {
            let (status, refused) = refusal("edit", posted.form.clone(), e)?;
            show_task(&state, &posted.who, &code, &key, status, refused).await
        }
    }
}

async fn progress(
    State(state): State<AppState>,
    Path((code, key)): Path<(String, String)>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    // The checklist form always posts `checklist=1`, so unticking every item is seen.
    let checklist_done = f.contains_key("checklist").then(|| {
        let mut done: Vec<usize> = f
            .keys()
            .filter_map(|k| k.strip_prefix("done_").and_then(|i| i.parse().ok()))
            .collect();
        done.sort_unstable();
        done
    });
    let draft = ProgressDraft {
        status: field(f, "status").to_string(),
        percent_complete: field(f, "percent_complete").to_string(),
        checklist_done,
    };
    let result = plan::report_progress(&state.app(), &actor, &code, &key, &draft, today()).await;
    if field(f, "back") == "plan" {
        return after(
            &state,
            &posted.who,
            &code,
            "lock",
            posted.form.clone(),
            result,
            "Checklist saved.",
            None,
        )
        .await;
    }
    after_task(
        &state,
        &posted.who,
        &code,
        &key,
        "progress",
        posted.form.clone(),
        result,
        "Progress saved.",
    )
    .await
}

async fn delete_task(
    State(state): State<AppState>,
    Path((code, key)): Path<(String, String)>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    if !confirmed(&posted.form) {
        return confirm_page(
            &posted.who,
            "Projects",
            "Remove task".into(),
            format!("Remove task {key} and its dependencies from the plan of {code}?"),
            format!("/projects/{code}/plan/tasks/{key}/delete"),
            "Remove task",
            format!("/projects/{code}/plan/tasks/{key}"),
        );
    }
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = plan::delete_task(&state.app(), &actor, &code, &key, version(&posted.form)).await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/projects/{code}/plan"),
            "Task removed.",
            state.config.secure_cookies,
        )),
        Err(e) => {
            let (status, refused) = refusal("delete", posted.form.clone(), e)?;
            show_task(&state, &posted.who, &code, &key, status, refused).await
        }
    }
}

// --- the studio schedule -----------------------------------------------------------------------

struct StudioRow {
    code: String,
    name: String,
    owner: String,
    next: String,
    next_forecast: String,
    next_planned: String,
    finish: String,
    due: String,
    at_risk: bool,
    overdue: bool,
    empty: bool,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    chrome: Chrome,
    gantt_svg: String,
    rows: Vec<StudioRow>,
    week: Vec<(&'static str, bool)>,
    /// The studio's working hours as typed (`09:00-18:00`; empty: any hour) and its time zone.
    hours: String,
    time_zone: String,
    holidays: Vec<(String, String)>,
    can_manage: bool,
    refused: Refusal,
}

impl SchedulePage {
    fn err(&self, name: &str) -> &str {
        self.refused.errors.get(name)
    }
    fn kept(&self, name: &str) -> &str {
        field(&self.refused.input, name)
    }
}

/// One row per project stage (its span), milestones as diamonds: the whole studio at a glance.
fn studio_gantt(plans: &[plan::PlanSummary], today: NaiveDate) -> GanttChart {
    let mut rows = Vec::new();
    for s in plans {
        let v = &s.plan;
        for (stage_key, stage_name) in &v.stages {
            let tasks: Vec<&TaskView> = v
                .tasks
                .iter()
                .filter(|t| &t.stage == stage_key && t.milestone.is_none())
                .collect();
            let (Some(start), Some(end)) = (
                tasks.iter().map(|t| t.forecast.start).min(),
                tasks.iter().map(|t| t.forecast.end).max(),
            ) else {
                continue;
            };
            let late_end = tasks
                .iter()
                .map(|t| t.forecast.late_end)
                .max()
                .unwrap_or(end);
            let days: i64 = tasks.iter().map(|t| t.duration_days.max(1)).sum();
            let done: i64 = tasks
                .iter()
                .map(|t| t.duration_days.max(1) * t.percent_complete / 100)
                .sum();
            rows.push(GanttRow {
                id: format!("{}-{}", v.code, stage_key),
                label: stage_name.clone(),
                group: Some(format!("{} · {}", v.code, v.name)),
                start,
                finish: end + Duration::days(1),
                late_finish: late_end + Duration::days(1),
                critical: tasks.iter().any(|t| t.forecast.critical),
                milestone: false,
                late: tasks.iter().any(|t| t.late()),
                progress_percent: (done * 100 / days.max(1)).clamp(0, 100) as u8,
                status: if tasks.iter().all(|t| t.status.is_done()) {
                    "approved".into()
                } else if tasks.iter().any(|t| t.status != TaskStatus::NotStarted) {
                    "in_progress".into()
                } else {
                    "not_started".into()
                },
                href: Some(format!("/projects/{}/plan", v.code)),
                move_url: None,
                baseline: None,
            });
        }
        for m in &v.milestones {
            rows.push(GanttRow {
                id: format!("{}-{}", v.code, m.task_key),
                label: m.name.clone(),
                group: Some(format!("{} · {}", v.code, v.name)),
                start: m.forecast,
                finish: m.forecast,
                late_finish: m.forecast,
                critical: false,
                milestone: true,
                late: m.late,
                progress_percent: if m.actual.is_some() { 100 } else { 0 },
                status: if m.actual.is_some() {
                    "approved"
                } else {
                    "not_started"
                }
                .into(),
                href: Some(format!("/projects/{}/plan", v.code)),
                move_url: None,
                baseline: None,
            });
        }
    }
    GanttChart {
        title: "Studio schedule".into(),
        today: Some(today),
        due: None,
        non_working: Vec::new(),
        rows,
        links: Vec::new(),
    }
}

async fn schedule_page(
    State(state): State<AppState>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    show_schedule(&state, &who, StatusCode::OK, Refusal::default()).await
}

async fn show_schedule(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    refused: Refusal,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let today = today();
    let plans = plan::studio(&state.app(), &actor, today).await?;
    let gantt_svg = render_gantt(&studio_gantt(&plans, today));
    let rows = plans.iter().map(studio_row).collect();
    let week = plan::working_week(&state.store).await?;
    let days = [
        ("mon", chrono::Weekday::Mon),
        ("tue", chrono::Weekday::Tue),
        ("wed", chrono::Weekday::Wed),
        ("thu", chrono::Weekday::Thu),
        ("fri", chrono::Weekday::Fri),
        ("sat", chrono::Weekday::Sat),
        ("sun", chrono::Weekday::Sun),
    ];
    let holidays = state
        .store
        .calendar_days(false)
        .await?
        .into_iter()
        .map(|d| (d.day.to_string(), d.label))
        .collect();
    let clock = postflow_app::bookings::studio_clock(&state.store).await?;
    render_status(
        status,
        &SchedulePage {
            chrome: Chrome::new(who, "Schedule"),
            gantt_svg,
            rows,
            week: days.iter().map(|(n, d)| (*n, week.contains(d))).collect(),
            hours: clock
                .hours
                .map(|h| format!("{}-{}", h.open.format("%H:%M"), h.close.format("%H:%M")))
                .unwrap_or_default(),
            time_zone: clock.tz.name().to_string(),
            holidays,
            can_manage: can(&actor, Action::ManageCalendar, None),
            refused,
        },
    )
}

fn studio_row(s: &plan::PlanSummary) -> StudioRow {
    let v = &s.plan;
    let next = v.next_milestone();
    StudioRow {
        code: v.code.clone(),
        name: v.name.clone(),
        owner: v
            .owner
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_else(|| "—".into()),
        next: next.map(|m| m.name.clone()).unwrap_or_else(|| "—".into()),
        next_forecast: next.map(|m| m.forecast.to_string()).unwrap_or_default(),
        next_planned: next.map(|m| m.planned.to_string()).unwrap_or_default(),
        finish: v
            .forecast_finish
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        due: v.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
        at_risk: v.at_risk,
        overdue: s.overdue,
        empty: v.is_empty(),
    }
}

async fn set_week(
    State(state): State<AppState>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let days: Vec<&str> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .into_iter()
        .filter(|d| posted.form.contains_key(*d))
        .collect();
    let result = plan::set_working_week(&state.app(), &actor, &days.join(",")).await;
    after_schedule(
        &state,
        &posted.who,
        "week",
        posted.form.clone(),
        result,
        "Working week saved; every plan is recomputed.",
    )
    .await
}

async fn set_hours(
    State(state): State<AppState>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = postflow_app::bookings::set_working_hours(
        &state.app(),
        &actor,
        field(&posted.form, "working_hours"),
    )
    .await
    .map(|_| ());
    after_schedule(
        &state,
        &posted.who,
        "hours",
        posted.form.clone(),
        result,
        "Working hours saved; bookings outside them are shown as conflicts.",
    )
    .await
}

async fn add_day_off(
    State(state): State<AppState>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    let result = plan::add_day_off(
        &state.app(),
        &actor,
        None,
        field(f, "day"),
        field(f, "label"),
    )
    .await;
    after_schedule(
        &state,
        &posted.who,
        "holiday",
        posted.form.clone(),
        result,
        "Holiday added; every plan is recomputed.",
    )
    .await
}

async fn after_schedule(
    state: &AppState,
    who: &CurrentUser,
    form_name: &'static str,
    input: Form,
    result: Result<(), UseCaseError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(redirect_with_flash(
            "/schedule",
            done,
            state.config.secure_cookies,
        )),
        Err(e) => {
            let (status, refused) = refusal(form_name, input, e)?;
            show_schedule(state, who, status, refused).await
        }
    }
}

// --- my work -----------------------------------------------------------------------------------

struct MyRow {
    code: String,
    project: String,
    key: String,
    name: String,
    status: &'static str,
    status_label: &'static str,
    start: String,
    due: String,
    overdue: bool,
    late: bool,
    waiting_on: String,
    percent: i64,
}

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    chrome: Chrome,
    rows: Vec<MyRow>,
    days_off: Vec<(String, String)>,
    error: String,
    kept_day: String,
}

async fn add_my_day_off(
    State(state): State<AppState>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    match plan::add_day_off(
        &state.app(),
        &actor,
        Some(actor.user_id),
        field(f, "day"),
        field(f, "label"),
    )
    .await
    {
        Ok(()) => Ok(redirect_with_flash(
            "/my-work",
            "Day off recorded; your tasks are re-planned around it.",
            state.config.secure_cookies,
        )),
        Err(UseCaseError::Invalid(e)) => {
            let error = e.get("day").to_string();
            show_my_work(
                &state,
                &posted.who,
                StatusCode::BAD_REQUEST,
                error,
                field(f, "day").to_string(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn my_work(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    show_my_work(&state, &who, StatusCode::OK, String::new(), String::new()).await
}

async fn show_my_work(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    error: String,
    kept_day: String,
) -> Result<Response, AppError> {
    let state = state.clone();
    let actor: Actor = guard::actor_for(&state, &who.user).await?;
    let today = today();
    let mine = plan::my_work(&state.app(), &actor, today).await?;
    let rows = mine
        .into_iter()
        .map(|m| MyRow {
            code: m.code,
            project: m.project_name,
            key: m.task.key.clone(),
            name: m.task.name.clone(),
            status: m.task.status.as_str(),
            status_label: m.task.status.label(),
            start: m.task.forecast.start.to_string(),
            due: m.task.forecast.end.to_string(),
            overdue: m.task.forecast.end < today,
            late: m.task.late(),
            waiting_on: m.waiting_on.join(", "),
            percent: m.task.percent_complete,
        })
        .collect();
    let days_off = state
        .store
        .calendar_days(true)
        .await?
        .into_iter()
        .filter(|d| d.user_id == Some(actor.user_id) && d.day >= today)
        .map(|d| (d.day.to_string(), d.label))
        .collect();
    render_status(
        status,
        &MyWorkPage {
            chrome: Chrome::new(who, "My work"),
            rows,
            days_off,
            error,
            kept_day,
        },
    )
}
