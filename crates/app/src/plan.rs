//! Plans: a project's tasks, dependencies and milestones, the picture-lock gate and the studio's
//! working calendar. The schedule is never stored: every read computes it with `core::plan`
//! twice — *planned* (the plan as drawn) and *forecast* (the plan with today's progress) — so the
//! dates on every page are always true. Every change runs in one transaction that first claims
//! the plan's version (a stale page is refused; concurrent edits of one plan queue up), then
//! checks the whole network again (no cycle is ever saved) and writes its audit event.
use crate::access::{self, project_in};
use crate::audit::{record, AuditEvent};
use crate::templates::{self, DependencyTemplate, PlanTemplate, StageTemplate, TaskTemplate};
use crate::{AppError, Context, FieldErrors, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use postflow_core::access::{Action, Actor, Permit};
use postflow_core::plan::{
    schedule, Dependency, DependencyKind, MilestoneKind, PlanError, PlanTask, Schedule,
    TaskDuration, TaskSchedule, TaskStatus, WorkingCalendar,
};
use postflow_store::plan::{PlanRows, Task, TaskInput};
use postflow_store::studio::Project;
use postflow_store::{ConnectionTrait, Repo, StoreError, Tx};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The studio setting that holds the working week, e.g. `mon,tue,wed,thu,fri`.
pub const WORKING_WEEK_SETTING: &str = "working_week";
const DEFAULT_WEEK: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// One item of a task's checklist and who ticked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub text: String,
    pub done: bool,
    #[serde(default)]
    pub done_by: Option<i64>,
    #[serde(default)]
    pub done_at: Option<DateTime<Utc>>,
}

fn checklist_of(task: &Task) -> Result<Vec<ChecklistItem>> {
    serde_json::from_str(&task.checklist).map_err(|e| {
        AppError::Store(StoreError::Corrupt(format!(
            "the checklist of task {} cannot be read ({e})",
            task.key
        )))
    })
}

fn checklist_json(items: &[ChecklistItem]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A person as plans show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

/// A task's dates in one schedule: working-day offsets and the dates people read.
/// `end` and `late_end` are the last working day of the work (inclusive; a milestone's is its day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dates {
    pub es_day: i64,
    pub ef_day: i64,
    pub ls_day: i64,
    pub lf_day: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub late_start: NaiveDate,
    pub late_end: NaiveDate,
    pub total_float_days: i64,
    pub free_float_days: i64,
    pub critical: bool,
}

impl Dates {
    fn of(s: &TaskSchedule, cal: &WorkingCalendar) -> Dates {
        let end = |es: i64, ef: i64| {
            if ef > es {
                cal.last_working_date(ef)
            } else {
                cal.date_of_day(es)
            }
        };
        Dates {
            es_day: s.es,
            ef_day: s.ef,
            ls_day: s.ls,
            lf_day: s.lf,
            start: cal.date_of_day(s.es),
            end: end(s.es, s.ef),
            late_start: cal.date_of_day(s.ls),
            late_end: end(s.ls, s.lf),
            total_float_days: s.total_float,
            free_float_days: s.free_float,
            critical: s.critical,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskView {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub stage: String,
    pub position: i64,
    pub status: TaskStatus,
    /// Working days as planned, before the revision buffer.
    pub duration_days: i64,
    pub duration_hours: Option<i64>,
    /// Days the project's revision buffer adds (editorial tasks only).
    pub buffer_days: i64,
    pub resource_kind: Option<String>,
    pub skill: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    pub milestone: Option<MilestoneKind>,
    pub editorial: bool,
    pub notes: String,
    pub percent_complete: i64,
    pub start_no_earlier: Option<NaiveDate>,
    pub finish_by: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
    pub assignees: Vec<Person>,
    pub planned: Dates,
    pub forecast: Dates,
    /// Predecessors (keys) not yet done: what the task waits on.
    pub waiting_on: Vec<String>,
}

impl TaskView {
    /// Negative float in the forecast: the task makes a fixed date impossible.
    pub fn late(&self) -> bool {
        self.forecast.total_float_days < 0
    }
    /// Forecast finish later than planned, in working days.
    pub fn slip_days(&self) -> i64 {
        self.forecast.ef_day - self.planned.ef_day
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencyView {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub kind: DependencyKind,
    pub lag_days: i64,
    /// Both ends critical in the forecast and the link drives its successor.
    pub critical: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneView {
    pub kind: MilestoneKind,
    pub name: String,
    pub task_key: String,
    pub planned: NaiveDate,
    pub forecast: NaiveDate,
    pub actual: Option<NaiveDate>,
    /// Forecast minus planned, in working days (positive: later than planned).
    pub slip_days: i64,
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockEventView {
    pub kind: String,
    pub by: Option<String>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A project's plan with both schedules computed, ready for a page or the API.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub project_id: i64,
    /// With `project_id`, what the permission rules need (`PlanView::scope`).
    pub client_id: i64,
    pub code: String,
    pub name: String,
    pub plan_version: i64,
    pub template_key: Option<String>,
    pub revision_buffer_percent: i64,
    pub hours_per_day: i64,
    pub start: NaiveDate,
    pub due: Option<NaiveDate>,
    pub today: NaiveDate,
    pub stages: Vec<(String, String)>,
    pub tasks: Vec<TaskView>,
    pub dependencies: Vec<DependencyView>,
    pub milestones: Vec<MilestoneView>,
    /// Last working day of the plan as drawn, and as forecast from progress.
    pub planned_finish: Option<NaiveDate>,
    pub forecast_finish: Option<NaiveDate>,
    pub at_risk: bool,
    /// Why the project is at risk, in sentences a producer reads.
    pub risk: Vec<String>,
    /// The forecast's critical tasks, in schedule order.
    pub critical_path: Vec<String>,
    pub picture_locked: Option<(DateTime<Utc>, Option<String>)>,
    pub lock_history: Vec<LockEventView>,
    pub owner: Option<Person>,
    #[serde(skip)]
    pub calendar: WorkingCalendar,
}

impl PlanView {
    /// The project's scope for further permission checks (may this actor also edit it?).
    pub fn scope(&self) -> postflow_core::access::ProjectScope {
        postflow_core::access::ProjectScope {
            project_id: self.project_id,
            client_id: self.client_id,
        }
    }
    pub fn task(&self, key: &str) -> Option<&TaskView> {
        self.tasks.iter().find(|t| t.key == key)
    }
    /// The next milestone not reached yet, by forecast date.
    pub fn next_milestone(&self) -> Option<&MilestoneView> {
        self.milestones
            .iter()
            .filter(|m| m.actual.is_none())
            .min_by_key(|m| m.forecast)
    }
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// The calendar

/// The studio's working week and holidays, anchored at `start`.
pub async fn studio_calendar<C: ConnectionTrait>(
    repo: &Repo<C>,
    start: NaiveDate,
) -> Result<WorkingCalendar> {
    let week = working_week(repo).await?;
    let holidays: Vec<NaiveDate> = repo
        .calendar_days(false)
        .await?
        .into_iter()
        .map(|d| d.day)
        .collect();
    WorkingCalendar::new(start, &week, &holidays)
        .map_err(|e| AppError::Store(StoreError::Corrupt(format!("the studio calendar: {e}"))))
}

pub async fn working_week<C: ConnectionTrait>(repo: &Repo<C>) -> Result<Vec<Weekday>> {
    let Some(text) = repo.studio_setting(WORKING_WEEK_SETTING).await? else {
        return Ok(DEFAULT_WEEK.to_vec());
    };
    parse_week(&text).map_err(|e| {
        AppError::Store(StoreError::Corrupt(format!(
            "the studio's working week {text:?}: {e}"
        )))
    })
}

fn parse_week(text: &str) -> std::result::Result<Vec<Weekday>, String> {
    let mut days = Vec::new();
    for part in text.split([',', ' ']).filter(|s| !s.trim().is_empty()) {
        let d = WorkingCalendar::parse_weekday(part.trim()).map_err(|e| e.to_string())?;
        if !days.contains(&d) {
            days.push(d);
        }
    }
    if days.is_empty() {
        return Err("choose at least one working day".into());
    }
    days.sort_by_key(|d| d.num_days_from_monday());
    Ok(days)
}

pub fn week_text(days: &[Weekday]) -> String {
    days.iter()
        .map(|d| d.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// Sets the studio's working week (`mon,tue,…`).
pub async fn set_working_week(ctx: &Context, actor: &Actor, days: &str) -> Result<()> {
    let permit = access::studio(actor, Action::ManageCalendar)?;
    let week = parse_week(days).map_err(|e| AppError::field("working_days", e))?;
    let tx = ctx.store.begin().await?;
    tx.set_studio_setting(WORKING_WEEK_SETTING, &week_text(&week))
        .await?;
    let event = AuditEvent::CalendarChanged {
        detail: format!("working week set to {}", week_text(&week)),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a studio holiday (`user_id` None) or a person's day off.
pub async fn add_day_off(
    ctx: &Context,
    actor: &Actor,
    user_id: Option<i64>,
    day: &str,
    label: &str,
) -> Result<()> {
    // A person may record their own days off; the studio's holidays are the producers'.
    let own = user_id == Some(actor.user_id);
    let permit = if own {
        access::studio(actor, Action::ViewStudio)?
    } else {
        access::studio(actor, Action::ManageCalendar)?
    };
    let day = parse_date("day", day)?.ok_or_else(|| AppError::field("day", "give a date"))?;
    let tx = ctx.store.begin().await?;
    tx.add_calendar_day(user_id, day, label.trim()).await?;
    let who = match user_id {
        None => "studio holiday".to_string(),
        Some(id) => format!("day off of user {id}"),
    };
    let event = AuditEvent::CalendarChanged {
        detail: format!("{who} on {day} added"),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading a plan

/// The project's plan with its planned and forecast schedules as of `today`.
pub async fn view(ctx: &Context, actor: &Actor, code: &str, today: NaiveDate) -> Result<PlanView> {
    let (project, _permit) = access::project(ctx, actor, code, Action::ViewPlan).await?;
    let rows = ctx.store.plans_of(&[project.id]).await?;
    let people = people_names(&ctx.store).await?;
    let events = ctx.store.plan_events(project.id).await?;
    let mut view = compute(&ctx.store, &project, rows, &people, today).await?;
    view.lock_history = events
        .into_iter()
        .map(|e| LockEventView {
            kind: e.kind,
            by: e.user_id.and_then(|id| people.get(&id).cloned()),
            reason: e.reason,
            at: e.at,
        })
        .collect();
    Ok(view)
}

/// A project's plan for the client portal, read on a permit to see the project: the same two
/// schedules, without people's names (the portal shows milestones and dates, never tasks or
/// who does them).
pub(crate) async fn view_for_portal(
    ctx: &Context,
    permit: &Permit,
    project: &Project,
    today: NaiveDate,
) -> Result<PlanView> {
    permit.covers(Action::ViewProject, Some(project.id))?;
    let rows = ctx.store.plans_of(&[project.id]).await?;
    compute(&ctx.store, project, rows, &HashMap::new(), today).await
}

async fn people_names(repo: &Repo<postflow_store::Connection>) -> Result<HashMap<i64, String>> {
    Ok(repo
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// The day the plan starts: the project's start date, else the day it was created.
fn plan_start(project: &Project) -> NaiveDate {
    project
        .start_date
        .unwrap_or_else(|| project.created_at.date_naive())
}

/// Working days the revision buffer adds to an editorial task.
fn buffer_days(task: &Task, percent: i64) -> i64 {
    if task.editorial && task.milestone.is_none() && percent > 0 {
        (task.duration_days * percent + 99) / 100
    } else {
        0
    }
}

/// The network core schedules, as planned (`progress` None) or forecast from progress.
fn network(
    project: &Project,
    tasks: &[Task],
    deps: &[(String, String, DependencyKind, i64)],
    cal: &WorkingCalendar,
    progress_today: Option<NaiveDate>,
    away: &HashMap<String, i64>,
) -> (Vec<PlanTask>, Vec<Dependency>) {
    let due_day = project.due_date.map(|d| cal.finish_day_by(d));
    let has_delivery = tasks
        .iter()
        .any(|t| t.milestone.as_deref() == Some(MilestoneKind::Delivered.as_str()));
    let has_successor: std::collections::HashSet<&str> =
        deps.iter().map(|d| d.0.as_str()).collect();
    let today_day = progress_today.map(|t| cal.day_on_or_after(t).max(0));
    let plan_tasks = tasks
        .iter()
        .map(|t| {
            let planned = t.duration_days
                + buffer_days(t, project.revision_buffer_percent)
                + away.get(&t.key).copied().unwrap_or(0);
            let mut duration = planned;
            let mut start_no_earlier = t.start_no_earlier.map(|d| cal.day_on_or_after(d));
            if let Some(today) = today_day {
                let status = TaskStatus::parse(&t.status).unwrap_or(TaskStatus::NotStarted);
                if status.is_done() {
                    if let Some(started) = t.actual_start {
                        start_no_earlier = Some(cal.day_on_or_after(started));
                        if let Some(finished) = t.actual_finish {
                            duration = cal
                                .working_days_between(started, finished + Duration::days(1))
                                .max(0);
                        }
                    }
                } else {
                    // Work not done yet cannot happen before today; what is done is subtracted.
                    let remaining = (planned * (100 - t.percent_complete.clamp(0, 100)) + 99) / 100;
                    duration = remaining;
                    start_no_earlier = Some(start_no_earlier.unwrap_or(0).max(today));
                }
            }
            let mut finish_by = t.finish_by.map(|d| cal.finish_day_by(d));
            let bound_by_due = if has_delivery {
                t.milestone.as_deref() == Some(MilestoneKind::Delivered.as_str())
            } else {
                !has_successor.contains(t.key.as_str())
            };
            if bound_by_due {
                if let Some(due) = due_day {
                    finish_by = Some(finish_by.map_or(due, |f| f.min(due)));
                }
            }
            PlanTask {
                id: t.key.clone(),
                duration,
                start_no_earlier,
                finish_by,
            }
        })
        .collect();
    let plan_deps = deps
        .iter()
        .map(|(from, to, kind, lag)| Dependency::new(from.clone(), to.clone(), *kind, *lag))
        .collect();
    (plan_tasks, plan_deps)
}

fn plan_error(e: PlanError) -> AppError {
    let field = match &e {
        PlanError::Cycle(_) | PlanError::SelfDependency(_) => "dependency",
        PlanError::NegativeDuration { .. } => "duration",
        _ => "task",
    };
    AppError::field(field, e.to_string())
}

/// Computes both schedules of one project's rows.
async fn compute<C: ConnectionTrait>(
    repo: &Repo<C>,
    project: &Project,
    rows: PlanRows,
    people: &HashMap<i64, String>,
    today: NaiveDate,
) -> Result<PlanView> {
    let cal = studio_calendar(repo, plan_start(project)).await?;
    let away = days_off(repo).await?;
    compute_with(&cal, project, rows, people, &away, today)
}

/// Working days each task's assignees are away while it runs (the most of any one of them).
fn absences(
    tasks: &[Task],
    sched: &Schedule,
    cal: &WorkingCalendar,
    assigned: &HashMap<i64, Vec<i64>>,
    days_off: &DaysOff,
) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    if days_off.is_empty() {
        return out;
    }
    for (t, s) in tasks.iter().zip(&sched.tasks) {
        let Some(users) = assigned.get(&t.id) else {
            continue;
        };
        if s.ef <= s.es {
            continue;
        }
        let (from, to) = (cal.date_of_day(s.es), cal.date_of_day(s.ef));
        let away = users
            .iter()
            .filter_map(|u| days_off.get(u))
            .map(|days| {
                days.iter()
                    .filter(|d| **d >= from && **d < to && cal.is_working_day(**d))
                    .count() as i64
            })
            .max()
            .unwrap_or(0);
        if away > 0 {
            out.insert(t.key.clone(), away);
        }
    }
    out
}

/// People's days off (not studio holidays), by user id.
pub type DaysOff = HashMap<i64, Vec<NaiveDate>>;

async fn days_off<C: ConnectionTrait>(repo: &Repo<C>) -> Result<DaysOff> {
    let mut out: DaysOff = HashMap::new();
    for d in repo.calendar_days(true).await? {
        if let Some(u) = d.user_id {
            out.entry(u).or_default().push(d.day);
        }
    }
    Ok(out)
}

fn compute_with(
    cal: &WorkingCalendar,
    project: &Project,
    rows: PlanRows,
    people: &HashMap<i64, String>,
    days_off: &DaysOff,
    today: NaiveDate,
) -> Result<PlanView> {
    let key_of: HashMap<i64, &str> = rows.tasks.iter().map(|t| (t.id, t.key.as_str())).collect();
    let mut deps = Vec::new();
    let mut dep_ids = Vec::new();
    for d in &rows.dependencies {
        let (Some(from), Some(to)) = (key_of.get(&d.from_task_id), key_of.get(&d.to_task_id))
        else {
            continue;
        };
        let kind = DependencyKind::parse(&d.kind).ok_or_else(|| {
            AppError::Store(StoreError::Corrupt(format!(
                "dependency {} has the unknown type {:?}",
                d.id, d.kind
            )))
        })?;
        deps.push((from.to_string(), to.to_string(), kind, d.lag_days));
        dep_ids.push(d.id);
    }
    let mut assigned: HashMap<i64, Vec<i64>> = HashMap::new();
    for (task_id, user_id) in &rows.assignees {
        assigned.entry(*task_id).or_default().push(*user_id);
    }
    let solve = |progress: Option<NaiveDate>| -> Result<Schedule> {
        // A person's days off lengthen the work they are assigned to. The days that fall inside
        // a task depend on when it runs, so the schedule is solved again with them (twice:
        // the lengthened task may reach further days off).
        let mut away: HashMap<String, i64> = HashMap::new();
        for _ in 0..3 {
            let (t, d) = network(project, &rows.tasks, &deps, cal, progress, &away);
            let s = schedule(&t, &d).map_err(plan_error)?;
            let next = absences(&rows.tasks, &s, cal, &assigned, days_off);
            if next == away {
                return Ok(s);
            }
            away = next;
        }
        let (t, d) = network(project, &rows.tasks, &deps, cal, progress, &away);
        schedule(&t, &d).map_err(plan_error)
    };
    let planned = solve(None)?;
    let forecast = solve(Some(today))?;

    let mut assignees: HashMap<i64, Vec<Person>> = HashMap::new();
    for (task_id, user_id) in &rows.assignees {
        assignees.entry(*task_id).or_default().push(Person {
            id: *user_id,
            name: people
                .get(user_id)
                .cloned()
                .unwrap_or_else(|| format!("user {user_id}")),
        });
    }
    let status_of: HashMap<&str, TaskStatus> = rows
        .tasks
        .iter()
        .map(|t| {
            (
                t.key.as_str(),
                TaskStatus::parse(&t.status).unwrap_or(TaskStatus::NotStarted),
            )
        })
        .collect();
    let mut tasks = Vec::with_capacity(rows.tasks.len());
    for (i, t) in rows.tasks.iter().enumerate() {
        let status = TaskStatus::parse(&t.status).ok_or_else(|| {
            AppError::Store(StoreError::Corrupt(format!(
                "task {} has the unknown status {:?}",
                t.key, t.status
            )))
        })?;
        let milestone = match &t.milestone {
            None => None,
            Some(m) => Some(MilestoneKind::parse(m).ok_or_else(|| {
                AppError::Store(StoreError::Corrupt(format!(
                    "task {} is the unknown milestone {m:?}",
                    t.key
                )))
            })?),
        };
        let mut forecast_dates = Dates::of(&forecast.tasks[i], cal);
        if let Some(started) = t.actual_start {
            // Work already begun shows from the day it began.
            forecast_dates.start = forecast_dates.start.min(started);
        }
        let waiting_on = deps
            .iter()
            .filter(|d| d.1 == t.key && !status_of.get(d.0.as_str()).is_some_and(|s| s.is_done()))
            .map(|d| d.0.clone())
            .collect();
        tasks.push(TaskView {
            id: t.id,
            key: t.key.clone(),
            name: t.name.clone(),
            stage: t.stage.clone(),
            position: t.position,
            status,
            duration_days: t.duration_days,
            duration_hours: t.duration_hours,
            buffer_days: buffer_days(t, project.revision_buffer_percent),
            resource_kind: t.resource_kind.clone(),
            skill: t.skill.clone(),
            checklist: checklist_of(t)?,
            milestone,
            editorial: t.editorial,
            notes: t.notes.clone(),
            percent_complete: t.percent_complete,
            start_no_earlier: t.start_no_earlier,
            finish_by: t.finish_by,
            actual_start: t.actual_start,
            actual_finish: t.actual_finish,
            assignees: assignees.remove(&t.id).unwrap_or_default(),
            planned: Dates::of(&planned.tasks[i], cal),
            forecast: forecast_dates,
            waiting_on,
        });
    }
    let dependencies = deps
        .iter()
        .zip(&dep_ids)
        .map(|((from, to, kind, lag), id)| {
            let crit = forecast
                .task(to)
                .is_some_and(|s| s.critical && s.driving.iter().any(|d| d == from))
                && forecast.task(from).is_some_and(|s| s.critical);
            DependencyView {
                id: *id,
                from: from.clone(),
                to: to.clone(),
                kind: *kind,
                lag_days: *lag,
                critical: crit,
            }
        })
        .collect::<Vec<_>>();
    let milestones = tasks
        .iter()
        .filter_map(|t| {
            let kind = t.milestone?;
            Some(MilestoneView {
                kind,
                name: t.name.clone(),
                task_key: t.key.clone(),
                planned: t.planned.end,
                forecast: t.forecast.end,
                actual: t.actual_finish,
                slip_days: t.slip_days(),
                late: t.late(),
            })
        })
        .collect::<Vec<_>>();
    let finish_of =
        |s: &Schedule| (!s.tasks.is_empty()).then(|| cal.last_working_date(s.finish.max(1)));
    let planned_finish = finish_of(&planned);
    let forecast_finish = finish_of(&forecast);
    let risk = if forecast.is_late() {
        risk_reasons(project, &tasks, &milestones, &forecast, forecast_finish)
    } else {
        Vec::new()
    };
    Ok(PlanView {
        project_id: project.id,
        client_id: project.client_id,
        code: project.code.clone(),
        name: project.name.clone(),
        plan_version: project.plan_version,
        template_key: project.template_key.clone(),
        revision_buffer_percent: project.revision_buffer_percent,
        hours_per_day: project.hours_per_day,
        start: cal.date_of_day(0),
        due: project.due_date,
        today,
        stages: rows
            .stages
            .iter()
            .map(|s| (s.key.clone(), s.name.clone()))
            .collect(),
        at_risk: forecast.is_late(),
        risk,
        critical_path: forecast.critical_path.clone(),
        tasks,
        dependencies,
        milestones,
        planned_finish,
        forecast_finish,
        picture_locked: project.picture_locked_at.map(|at| {
            (
                at,
                project
                    .picture_locked_by
                    .and_then(|id| people.get(&id).cloned()),
            )
        }),
        lock_history: Vec::new(),
        owner: project.owner_id.map(|id| Person {
            id,
            name: people
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("user {id}")),
        }),
        calendar: cal.clone(),
    })
}

/// Why a plan cannot meet its date, in the few sentences a producer needs: by how much, which
/// chain decides it, and where that chain slipped (or that the plan as drawn is too long).
fn risk_reasons(
    project: &Project,
    tasks: &[TaskView],
    milestones: &[MilestoneView],
    forecast: &Schedule,
    forecast_finish: Option<NaiveDate>,
) -> Vec<String> {
    let mut risk = Vec::new();
    let delivery = milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::Delivered)
        .map(|m| m.forecast)
        .or(forecast_finish);
    let worst = forecast
        .tasks
        .iter()
        .map(|t| t.total_float)
        .min()
        .unwrap_or(0);
    match (project.due_date, delivery) {
        (Some(due), Some(when)) => risk.push(format!(
            "The forecast delivery, {when}, is {} working day{} after the due date, {due}.",
            -worst,
            if worst == -1 { "" } else { "s" }
        )),
        _ => risk.push(format!(
            "A fixed date cannot be met: the plan is {} working day{} too long.",
            -worst,
            if worst == -1 { "" } else { "s" }
        )),
    }
    let mut chain: Vec<&TaskView> = tasks
        .iter()
        .filter(|t| t.forecast.total_float_days == worst)
        .collect();
    chain.sort_by_key(|t| (t.forecast.es_day, t.forecast.ef_day, t.position));
    if let (Some(first), Some(last)) = (chain.first(), chain.last()) {
        risk.push(format!(
            "The chain that decides it runs through {} task{}, from {} to {} (hatched in red on the Gantt).",
            chain.len(),
            if chain.len() == 1 { "" } else { "s" },
            first.name,
            last.name
        ));
    }
    match chain.iter().find(|t| t.slip_days() > 0) {
        Some(t) => risk.push(format!(
            "It slipped at {}: forecast to finish {}, planned {} (+{} working day{}); everything after it on the chain moves with it.",
            t.name,
            t.forecast.end,
            t.planned.end,
            t.slip_days(),
            if t.slip_days() == 1 { "" } else { "s" }
        )),
        None => risk.push(
            "Nothing slipped: the plan as drawn is too long for the date. Shorten or overlap tasks on the chain, or move the due date."
                .to_string(),
        ),
    }
    for t in chain.iter().filter(|t| t.start_no_earlier.is_some()) {
        if let Some(d) = t.start_no_earlier {
            risk.push(format!("{} is held: it may not start before {d}.", t.name));
        }
    }
    risk
}

// ---------------------------------------------------------------------------------------------
// Studio-wide reads

/// One project's plan at a glance, for the dashboard and the studio Gantt.
#[derive(Debug, Clone, Serialize)]
pub struct PlanSummary {
    pub plan: PlanView,
    /// The next milestone's forecast is past today and it is not reached.
    pub overdue: bool,
}

/// Every open project the actor sees, each with its plan computed (one batch of queries).
pub async fn studio(ctx: &Context, actor: &Actor, today: NaiveDate) -> Result<Vec<PlanSummary>> {
    access::studio(actor, Action::ViewStudio)?;
    let projects: Vec<Project> = access::visible_projects(ctx, actor, false)
        .await?
        .into_iter()
        .filter(|p| postflow_core::access::can(actor, Action::ViewPlan, Some(access::scope(p))))
        .collect();
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let rows = ctx.store.plans_of(&ids).await?;
    let people = people_names(&ctx.store).await?;
    let mut by_project: BTreeMap<i64, PlanRows> = BTreeMap::new();
    for s in rows.stages {
        by_project.entry(s.project_id).or_default().stages.push(s);
    }
    let project_of: HashMap<i64, i64> = rows.tasks.iter().map(|t| (t.id, t.project_id)).collect();
    for t in rows.tasks {
        by_project.entry(t.project_id).or_default().tasks.push(t);
    }
    for d in rows.dependencies {
        by_project
            .entry(d.project_id)
            .or_default()
            .dependencies
            .push(d);
    }
    for (task_id, user_id) in rows.assignees {
        if let Some(p) = project_of.get(&task_id) {
            by_project
                .entry(*p)
                .or_default()
                .assignees
                .push((task_id, user_id));
        }
    }
    let week = working_week(&ctx.store).await?;
    let holidays: Vec<NaiveDate> = ctx
        .store
        .calendar_days(false)
        .await?
        .into_iter()
        .map(|d| d.day)
        .collect();
    let away = days_off(&ctx.store).await?;
    let mut out = Vec::new();
    for p in &projects {
        let cal = WorkingCalendar::new(plan_start(p), &week, &holidays)
            .map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())))?;
        let plan = compute_with(
            &cal,
            p,
            by_project.remove(&p.id).unwrap_or_default(),
            &people,
            &away,
            today,
        )?;
        let overdue = plan.next_milestone().is_some_and(|m| m.forecast < today)
            || plan.due.is_some_and(|d| {
                d < today
                    && plan
                        .milestones
                        .iter()
                        .any(|m| m.kind == MilestoneKind::Delivered && m.actual.is_none())
            });
        out.push(PlanSummary { plan, overdue });
    }
    // At risk and overdue first, then by the next milestone's date.
    out.sort_by_key(|s| {
        (
            !(s.plan.at_risk || s.overdue),
            s.plan.next_milestone().map(|m| m.forecast),
            s.plan.code.clone(),
        )
    });
    Ok(out)
}

/// A task on someone's "My work" list.
#[derive(Debug, Clone, Serialize)]
pub struct MyTask {
    pub code: String,
    pub project_name: String,
    pub task: TaskView,
    /// Names of the unfinished tasks it waits on.
    pub waiting_on: Vec<String>,
}

/// The actor's assigned tasks that are not approved yet, by forecast finish.
pub async fn my_work(ctx: &Context, actor: &Actor, today: NaiveDate) -> Result<Vec<MyTask>> {
    access::studio(actor, Action::ViewStudio)?;
    let mine: std::collections::HashSet<i64> = ctx
        .store
        .task_ids_assigned_to(actor.user_id)
        .await?
        .into_iter()
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for summary in studio(ctx, actor, today).await? {
        for t in summary.plan.tasks.iter().filter(|t| mine.contains(&t.id)) {
            if t.status.is_done() {
                continue;
            }
            let waiting_on = t
                .waiting_on
                .iter()
                .map(|k| {
                    summary
                        .plan
                        .task(k)
                        .map(|w| w.name.clone())
                        .unwrap_or_else(|| k.clone())
                })
                .collect();
            out.push(MyTask {
                code: summary.plan.code.clone(),
                project_name: summary.plan.name.clone(),
                task: t.clone(),
                waiting_on,
            });
        }
    }
    out.sort_by_key(|m| (m.task.forecast.end, m.code.clone(), m.task.position));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Changing a plan

/// A change in progress: the transaction, the project as locked by it and the permit.
struct Change {
    tx: Tx,
    project: Project,
    permit: Permit,
    /// The milestones before the change, to tell people which ones it moved or reached.
    milestones_before: Vec<MilestoneView>,
}

async fn begin(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    action: Action,
    expected_version: Option<i64>,
) -> Result<Change> {
    let tx = ctx.store.begin().await?;
    let (_, permit) = project_in(&tx, actor, code, action).await?;
    let project_id = permit.project_id().unwrap_or_default();
    tx.claim_plan_version(project_id, expected_version).await?;
    let project = tx
        .project_by_id(project_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("project {code:?}")))?;
    let mut change = Change {
        tx,
        project,
        permit,
        milestones_before: Vec::new(),
    };
    change.milestones_before = change
        .check()
        .await
        .map(|v| v.milestones)
        .unwrap_or_default();
    Ok(change)
}

impl Change {
    /// The plan as this transaction has changed it, scheduled: a cycle or an unknown task in
    /// the network is refused here, before anything commits.
    async fn check(&self) -> Result<PlanView> {
        let rows = self.tx.plans_of(&[self.project.id]).await?;
        let cal = studio_calendar(&self.tx, plan_start(&self.project)).await?;
        compute_with(
            &cal,
            &self.project,
            rows,
            &HashMap::new(),
            &HashMap::new(),
            cal.start(),
        )
    }

    /// Tells who is downstream of moved or reached milestones, writes the audit event and
    /// commits (`after` is [`Change::check`]'s plan).
    async fn commit(self, after: &PlanView, event: AuditEvent) -> Result<()> {
        let user = access::audited_user(self.permit.actor());
        crate::notifications::milestones_changed(
            &self.tx,
            &self.project,
            &self.milestones_before,
            &after.milestones,
            user,
        )
        .await?;
        record(&self.tx, user, event).await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Re-checks the whole network, writes the audit event, commits.
    async fn finish(self, event: AuditEvent) -> Result<()> {
        let after = self.check().await?;
        self.commit(&after, event).await
    }

    async fn task(&self, key: &str) -> Result<Task> {
        self.tx
            .task_by_key(self.project.id, key.trim())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("task {:?}", key.trim())))
    }

    /// Editorial work is frozen once picture is locked.
    fn refuse_if_locked(&self, task: &Task) -> Result<()> {
        if task.editorial && self.project.picture_locked_at.is_some() {
            return Err(AppError::Conflict(format!(
                "picture is locked, so the editorial task {} cannot change; a producer must unlock picture (with a reason) first",
                task.name
            )));
        }
        Ok(())
    }
}

fn parse_date(field: &'static str, text: &str) -> Result<Option<NaiveDate>> {
    crate::date_input(text).map_err(|e| AppError::field(field, e))
}

/// A task as typed into a form or sent by a client program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TaskDraft {
    pub key: String,
    pub name: String,
    pub stage: String,
    /// `3` or `3d` for working days, `4h` for hours.
    pub duration: String,
    pub status: String,
    pub resource_kind: String,
    pub skill: String,
    pub notes: String,
    pub milestone: String,
    pub editorial: bool,
    pub start_no_earlier: String,
    pub finish_by: String,
    /// One checklist item per line (used when the task is created).
    pub checklist: String,
    pub assignees: Vec<i64>,
}

impl TaskDraft {
    pub fn of(t: &TaskView) -> TaskDraft {
        let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        TaskDraft {
            key: t.key.clone(),
            name: t.name.clone(),
            stage: t.stage.clone(),
            duration: match t.duration_hours {
                Some(h) => format!("{h}h"),
                None => t.duration_days.to_string(),
            },
            status: t.status.as_str().to_string(),
            resource_kind: t.resource_kind.clone().unwrap_or_default(),
            skill: t.skill.clone().unwrap_or_default(),
            notes: t.notes.clone(),
            milestone: t
                .milestone
                .map(|m| m.as_str().to_string())
                .unwrap_or_default(),
            editorial: t.editorial,
            start_no_earlier: d(t.start_no_earlier),
            finish_by: d(t.finish_by),
            checklist: t
                .checklist
                .iter()
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            assignees: t.assignees.iter().map(|p| p.id).collect(),
        }
    }
}

/// Parses `3`, `3d` (working days) or `4h` (hours).
pub fn parse_duration(
    text: &str,
    hours_per_day: i64,
) -> std::result::Result<(i64, Option<i64>), String> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err("give a duration in working days (3) or hours (4h)".into());
    }
    let (number, hours) = if let Some(n) = t.strip_suffix('h') {
        (n.trim(), true)
    } else {
        (t.strip_suffix('d').unwrap_or(&t).trim(), false)
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write working days (3) or hours (4h)"))?;
    if n < 0 {
        return Err(format!("a duration cannot be negative ({text})"));
    }
    if n > 5000 {
        return Err(format!("{text} is longer than any plan; use at most 5000"));
    }
    if hours {
        let days = TaskDuration::Hours(n as u32).working_days(hours_per_day.max(1) as u32);
        Ok((days, Some(n)))
    } else {
        Ok((n, None))
    }
}

fn valid_key(key: &str) -> std::result::Result<(), String> {
    match templates::key_problem(key) {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

/// Validates a draft into a task row (the checklist and progress kept from `existing`).
fn task_input(
    draft: &TaskDraft,
    project: &Project,
    stages: &[String],
    existing: Option<&Task>,
) -> Result<TaskInput> {
    let mut errors = FieldErrors::default();
    let key = draft.key.trim().to_string();
    if let Err(e) = valid_key(&key) {
        errors.add("key", e);
    }
    let name = draft.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "give the task a name");
    } else if name.chars().count() > 200 {
        errors.add("name", "use at most 200 characters");
    }
    let stage = draft.stage.trim().to_string();
    if !stages.is_empty() && !stages.contains(&stage) {
        errors.add(
            "stage",
            format!("choose one of the plan's stages ({})", stages.join(", ")),
        );
    }
    let milestone = match draft.milestone.trim() {
        "" => None,
        m => match MilestoneKind::parse(m) {
            Some(k) => Some(k),
            None => {
                errors.add("milestone", format!("{m:?} is not a milestone kind"));
                None
            }
        },
    };
    let duration = match parse_duration(&draft.duration, project.hours_per_day) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.add("duration", e);
            None
        }
    };
    if let (Some((days, _)), None) = (duration, milestone) {
        if days == 0 {
            errors.add(
                "duration",
                "only a milestone takes no time; give the task at least 1 working day or 1 hour",
            );
        }
    }
    if let (Some((days, _)), Some(_)) = (duration, milestone) {
        if days != 0 {
            errors.add(
                "duration",
                "a milestone takes no time; set its duration to 0",
            );
        }
    }
    let status = match draft.status.trim() {
        "" => existing
            .and_then(|t| TaskStatus::parse(&t.status))
            .unwrap_or(TaskStatus::NotStarted),
        s => TaskStatus::parse(s).unwrap_or_else(|| {
            errors.add("status", format!("{s:?} is not a task status"));
            TaskStatus::NotStarted
        }),
    };
    let start_no_earlier = crate::date_input(&draft.start_no_earlier)
        .map_err(|e| errors.add("start_no_earlier", e))
        .ok()
        .flatten();
    let finish_by = crate::date_input(&draft.finish_by)
        .map_err(|e| errors.add("finish_by", e))
        .ok()
        .flatten();
    if let (Some(s), Some(start)) = (start_no_earlier, project.start_date) {
        if s < start {
            errors.add(
                "start_no_earlier",
                format!("{s} is before the project starts ({start})"),
            );
        }
    }
    let checklist = match existing {
        Some(t) => t.checklist.clone(),
        None => checklist_json(
            &draft
                .checklist
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| ChecklistItem {
                    text: l.to_string(),
                    done: false,
                    done_by: None,
                    done_at: None,
                })
                .collect::<Vec<_>>(),
        ),
    };
    let opt = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    };
    errors.into_result()?;
    let (duration_days, duration_hours) = duration.unwrap_or((0, None));
    Ok(TaskInput {
        key,
        name,
        stage,
        position: existing.map(|t| t.position).unwrap_or(0),
        duration_days,
        duration_hours,
        status: status.as_str().to_string(),
        resource_kind: opt(&draft.resource_kind),
        skill: opt(&draft.skill),
        checklist_json: checklist,
        milestone: milestone.map(|m| m.as_str().to_string()),
        editorial: draft.editorial,
        notes: draft.notes.trim().to_string(),
        percent_complete: existing.map(|t| t.percent_complete).unwrap_or(0),
        start_no_earlier,
        finish_by,
        actual_start: existing.and_then(|t| t.actual_start),
        actual_finish: existing.and_then(|t| t.actual_finish),
    })
}

async fn stage_keys<C: ConnectionTrait>(repo: &Repo<C>, project_id: i64) -> Result<Vec<String>> {
    Ok(repo
        .plans_of(&[project_id])
        .await?
        .stages
        .into_iter()
        .map(|s| s.key)
        .collect())
}

pub async fn add_task(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    expected_version: Option<i64>,
    draft: &TaskDraft,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, expected_version).await?;
    let stages = stage_keys(&change.tx, change.project.id).await?;
    let mut input = task_input(draft, &change.project, &stages, None)?;
    let rows = change.tx.plans_of(&[change.project.id]).await?;
    input.position = rows.tasks.iter().map(|t| t.position).max().unwrap_or(0) + 1;
    if input.editorial && change.project.picture_locked_at.is_some() {
        return Err(AppError::Conflict(
            "picture is locked, so no editorial task can be added; a producer must unlock picture (with a reason) first".into(),
        ));
    }
    let task = change
        .tx
        .insert_task(change.project.id, input)
        .await
        .map_err(key_taken)?;
    crate::search::index_task(&change.tx, &task).await?;
    change
        .tx
        .set_task_assignees(task.id, &draft.assignees)
        .await?;
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!("added task {} to {}", task.name, change.project.code),
    };
    change.finish(event).await
}

fn key_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate { value, .. } => {
            AppError::field("key", format!("{value} is already a task of this plan"))
        }
        other => other.into(),
    }
}

pub async fn update_task(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    key: &str,
    expected_version: Option<i64>,
    draft: &TaskDraft,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, expected_version).await?;
    let task = change.task(key).await?;
    change.refuse_if_locked(&task)?;
    let stages = stage_keys(&change.tx, change.project.id).await?;
    let input = task_input(draft, &change.project, &stages, Some(&task))?;
    if input.editorial {
        change.refuse_if_locked(&Task {
            editorial: true,
            ..task.clone()
        })?;
    }
    let saved = change
        .tx
        .update_task(task.id, input)
        .await
        .map_err(key_taken)?;
    crate::search::index_task(&change.tx, &saved).await?;
    change
        .tx
        .set_task_assignees(task.id, &draft.assignees)
        .await?;
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!("changed task {} of {}", saved.name, change.project.code),
    };
    change.finish(event).await
}

/// Moves a task on the Gantt: it may not start before `start` (empty: as early as its
/// dependencies allow) and takes `duration` working days (empty: unchanged).
pub async fn move_task(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    key: &str,
    expected_version: Option<i64>,
    start: &str,
    duration: &str,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, expected_version).await?;
    let task = change.task(key).await?;
    change.refuse_if_locked(&task)?;
    let mut input = TaskInput::of(&task);
    let mut errors = FieldErrors::default();
    match crate::date_input(start) {
        Ok(d) => input.start_no_earlier = d,
        Err(e) => errors.add("start", e),
    }
    if let (Some(s), Some(begin)) = (input.start_no_earlier, change.project.start_date) {
        if s < begin {
            errors.add(
                "start",
                format!("{s} is before the project starts ({begin})"),
            );
        }
    }
    if !duration.trim().is_empty() {
        match parse_duration(duration, change.project.hours_per_day) {
            Ok((days, hours)) => {
                if task.milestone.is_some() && days != 0 {
                    errors.add("duration", "a milestone takes no time");
                } else if task.milestone.is_none() && days == 0 {
                    errors.add("duration", "give the task at least 1 working day");
                } else {
                    input.duration_days = days;
                    input.duration_hours = hours;
                }
            }
            Err(e) => errors.add("duration", e),
        }
    }
    errors.into_result()?;
    change.tx.update_task(task.id, input).await?;
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!(
            "moved task {} of {} (start no earlier than {}, {} d)",
            task.name,
            change.project.code,
            if start.trim().is_empty() {
                "its dependencies"
            } else {
                start.trim()
            },
            if duration.trim().is_empty() {
                task.duration_days.to_string()
            } else {
                duration.trim().to_string()
            }
        ),
    };
    change.finish(event).await
}

pub async fn delete_task(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    key: &str,
    expected_version: Option<i64>,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, expected_version).await?;
    let task = change.task(key).await?;
    change.refuse_if_locked(&task)?;
    change.tx.delete_task(task.id).await?;
    change.tx.unindex_document("task", task.id).await?;
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!("removed task {} from {}", task.name, change.project.code),
    };
    change.finish(event).await
}

/// Adds `to` depends on `from`. A dependency that would close a cycle is refused with the cycle
/// named, and nothing is saved.
pub async fn add_dependency(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    expected_version: Option<i64>,
    from: &str,
    to: &str,
    kind: &str,
    lag_days: &str,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, expected_version).await?;
    let mut errors = FieldErrors::default();
    let kind = match kind.trim() {
        "" => Some(DependencyKind::FinishToStart),
        k => DependencyKind::parse(k).or_else(|| {
            errors.add(
                "type",
                format!("{k:?} is not a dependency type; use FS, SS or FF"),
            );
            None
        }),
    };
    let lag = match lag_days.trim() {
        "" => Some(0),
        l => l
            .parse::<i64>()
            .ok()
            .filter(|l| l.abs() <= 5000)
            .or_else(|| {
                errors.add("lag_days", format!("{l:?} is not a number of working days"));
                None
            }),
    };
    if from.trim() == to.trim() && !from.trim().is_empty() {
        errors.add(
            "to",
            format!("task {} cannot depend on itself", from.trim()),
        );
    }
    let from_task = change
        .tx
        .task_by_key(change.project.id, from.trim())
        .await?;
    let to_task = change.tx.task_by_key(change.project.id, to.trim()).await?;
    if from_task.is_none() {
        errors.add(
            "from",
            format!("{:?} is not a task of this plan", from.trim()),
        );
    }
    if to_task.is_none() {
        errors.add("to", format!("{:?} is not a task of this plan", to.trim()));
    }
    errors.into_result()?;
    let (Some(from_task), Some(to_task), Some(kind), Some(lag)) = (from_task, to_task, kind, lag)
    else {
        return Err(AppError::field("from", "choose two tasks"));
    };
    change.refuse_if_locked(&to_task)?;
    change
        .tx
        .insert_dependency(
            change.project.id,
            from_task.id,
            to_task.id,
            kind.as_str(),
            lag,
        )
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => AppError::field(
                "to",
                format!(
                    "{} already depends on {} ({kind})",
                    to_task.name, from_task.name
                ),
            ),
            other => other.into(),
        })?;
    // Checked on the plan as changed (a cycle is refused here), the same one schedule.
    let view = change.check().await?;
    if lag < 0 {
        // A lead may overlap work, never reach back before the project starts.
        if let (Some(a), Some(b)) = (view.task(&from_task.key), view.task(&to_task.key)) {
            let length = b.planned.ef_day - b.planned.es_day;
            let start = match kind {
                DependencyKind::FinishToStart => a.planned.ef_day + lag,
                DependencyKind::StartToStart => a.planned.es_day + lag,
                DependencyKind::FinishToFinish => a.planned.ef_day + lag - length,
            };
            if start < 0 {
                return Err(AppError::field(
                    "lag_days",
                    format!(
                        "a lead of {} working days from {} would start {} {} working day{} before the project starts; use a lead of at most {}",
                        -lag,
                        from_task.name,
                        to_task.name,
                        -start,
                        if start == -1 { "" } else { "s" },
                        -lag + start
                    ),
                ));
            }
        }
    }
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!(
            "{} now depends on {} ({kind} {lag:+} d) in {}",
            to_task.key, from_task.key, change.project.code
        ),
    };
    change.commit(&view, event).await
}

pub async fn remove_dependency(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    expected_version: Option<i64>,
    dependency_id: i64,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, expected_version).await?;
    if !change
        .tx
        .delete_dependency(change.project.id, dependency_id)
        .await?
    {
        return Err(AppError::NotFound(format!("dependency {dependency_id}")));
    }
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!(
            "removed dependency {dependency_id} from {}",
            change.project.code
        ),
    };
    change.finish(event).await
}

/// Progress as reported by the person doing the work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ProgressDraft {
    pub status: String,
    pub percent_complete: String,
    /// Indices of the checklist items that are done (the others are not).
    pub checklist_done: Option<Vec<usize>>,
}

pub async fn report_progress(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    key: &str,
    draft: &ProgressDraft,
    today: NaiveDate,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::ReportProgress, None).await?;
    let task = change.task(key).await?;
    let mut input = TaskInput::of(&task);
    let mut errors = FieldErrors::default();
    let old_status = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::NotStarted);
    let status = match draft.status.trim() {
        "" => old_status,
        s => TaskStatus::parse(s).unwrap_or_else(|| {
            errors.add("status", format!("{s:?} is not a task status"));
            old_status
        }),
    };
    let is_lock = task.milestone.as_deref() == Some(MilestoneKind::PictureLock.as_str());
    if is_lock && status != old_status && (status.is_done() || old_status.is_done()) {
        errors.add(
            "status",
            "picture lock is reached by a producer's sign-off (and left by an unlock with a reason), not by a status change",
        );
    }
    if status != old_status && old_status.is_done() && task.editorial {
        change.refuse_if_locked(&task)?;
    }
    let percent = match draft.percent_complete.trim() {
        "" => task.percent_complete,
        p => match p.trim_end_matches('%').trim().parse::<i64>() {
            Ok(n) if (0..=100).contains(&n) => n,
            _ => {
                errors.add(
                    "percent_complete",
                    format!("{p:?} is not a percentage from 0 to 100"),
                );
                task.percent_complete
            }
        },
    };
    let mut checklist = checklist_of(&task)?;
    if let Some(done) = &draft.checklist_done {
        if let Some(bad) = done.iter().find(|i| **i >= checklist.len()) {
            errors.add(
                "checklist",
                format!("the checklist has no item {}", bad + 1),
            );
        }
        for (i, item) in checklist.iter_mut().enumerate() {
            let now_done = done.contains(&i);
            if now_done && !item.done {
                item.done_by = Some(actor.user_id);
                item.done_at = Some(Utc::now());
            }
            if !now_done {
                item.done_by = None;
                item.done_at = None;
            }
            item.done = now_done;
        }
    }
    errors.into_result()?;
    if status.is_done() && !checklist.iter().all(|c| c.done) {
        let open: Vec<&str> = checklist
            .iter()
            .filter(|c| !c.done)
            .map(|c| c.text.as_str())
            .collect();
        return Err(AppError::field(
            "status",
            format!("the checklist is not done: {}", open.join("; ")),
        ));
    }
    input.status = status.as_str().to_string();
    input.percent_complete = if status.is_done() { 100 } else { percent };
    if status != TaskStatus::NotStarted && input.actual_start.is_none() {
        input.actual_start = Some(today);
    }
    if status == TaskStatus::NotStarted {
        input.actual_start = None;
    }
    input.actual_finish = if status.is_done() {
        task.actual_finish.or(Some(today))
    } else {
        None
    };
    input.checklist_json = checklist_json(&checklist);
    change.tx.update_task(task.id, input).await?;
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!(
            "progress on {} of {}: {} {}%",
            task.name,
            change.project.code,
            status.label(),
            if status.is_done() { 100 } else { percent }
        ),
    };
    change.finish(event).await
}

async fn lock_task(change: &Change) -> Result<Task> {
    let rows = change.tx.plans_of(&[change.project.id]).await?;
    rows.tasks
        .into_iter()
        .find(|t| t.milestone.as_deref() == Some(MilestoneKind::PictureLock.as_str()))
        .ok_or_else(|| {
            AppError::Conflict("this plan has no picture-lock milestone; add one first".into())
        })
}

/// The producer's sign-off of picture lock: needs every item of the lock checklist done.
pub async fn lock_picture(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    today: NaiveDate,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::LockPicture, None).await?;
    if change.project.picture_locked_at.is_some() {
        return Err(AppError::Conflict("picture is already locked".into()));
    }
    let task = lock_task(&change).await?;
    let checklist = checklist_of(&task)?;
    let open: Vec<&str> = checklist
        .iter()
        .filter(|c| !c.done)
        .map(|c| c.text.as_str())
        .collect();
    if !open.is_empty() {
        return Err(AppError::field(
            "checklist",
            format!(
                "picture cannot lock yet: {} checklist item{} open ({})",
                open.len(),
                if open.len() == 1 { " is" } else { "s are" },
                open.join("; ")
            ),
        ));
    }
    let mut input = TaskInput::of(&task);
    input.status = TaskStatus::Approved.as_str().into();
    input.percent_complete = 100;
    input.actual_start = input.actual_start.or(Some(today));
    input.actual_finish = Some(today);
    change.tx.update_task(task.id, input).await?;
    let user = access::audited_user(change.permit.actor());
    change
        .tx
        .set_picture_lock(change.project.id, Some((Utc::now(), user)))
        .await?;
    change
        .tx
        .add_plan_event(
            change.project.id,
            "picture_locked",
            user,
            "picture-lock checklist complete",
        )
        .await?;
    // Color, sound, VFX and delivery start from the locked cut: tell them.
    crate::notifications::tell_downstream(
        &change.tx,
        change.project.id,
        task.id,
        user,
        &format!("Picture locked on {}", change.project.code),
        &format!(
            "{} {}: picture is locked; work that starts from the locked cut can begin.",
            change.project.code, change.project.name
        ),
        &format!("/projects/{}/plan", change.project.code),
    )
    .await?;
    let event = AuditEvent::PictureLock {
        project_id: change.project.id,
        code: change.project.code.clone(),
        locked: true,
        reason: String::new(),
    };
    change.finish(event).await
}

/// Unlocks picture: only a producer, only with a reason, and the history keeps both.
pub async fn unlock_picture(ctx: &Context, actor: &Actor, code: &str, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        // Checked before the transaction so a refused unlock costs nothing.
        access::project(ctx, actor, code, Action::LockPicture).await?;
        return Err(AppError::field(
            "reason",
            "say why picture must unlock; the history keeps it",
        ));
    }
    let change = begin(ctx, actor, code, Action::LockPicture, None).await?;
    if change.project.picture_locked_at.is_none() {
        return Err(AppError::Conflict("picture is not locked".into()));
    }
    let task = lock_task(&change).await?;
    let mut input = TaskInput::of(&task);
    input.status = TaskStatus::InProgress.as_str().into();
    input.actual_finish = None;
    input.percent_complete = input.percent_complete.min(99);
    change.tx.update_task(task.id, input).await?;
    change.tx.set_picture_lock(change.project.id, None).await?;
    let user = access::audited_user(change.permit.actor());
    change
        .tx
        .add_plan_event(change.project.id, "picture_unlocked", user, reason)
        .await?;
    crate::notifications::tell_downstream(
        &change.tx,
        change.project.id,
        task.id,
        user,
        &format!("Picture unlocked on {}", change.project.code),
        &format!(
            "{} {}: picture was unlocked ({reason}); work based on the locked cut may change.",
            change.project.code, change.project.name
        ),
        &format!("/projects/{}/plan", change.project.code),
    )
    .await?;
    let event = AuditEvent::PictureLock {
        project_id: change.project.id,
        code: change.project.code.clone(),
        locked: false,
        reason: reason.to_string(),
    };
    change.finish(event).await
}

/// Project settings that shape the plan: the revision buffer and the producer who owns it.
pub async fn set_settings(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    expected_version: Option<i64>,
    revision_buffer_percent: &str,
    owner_id: Option<i64>,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, expected_version).await?;
    let buffer = revision_buffer_percent
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|b| (0..=100).contains(b))
        .ok_or_else(|| {
            AppError::field("revision_buffer_percent", "give a percentage from 0 to 100")
        })?;
    change
        .tx
        .set_plan_settings(
            change.project.id,
            change.project.template_key.clone(),
            buffer,
            change.project.hours_per_day,
        )
        .await?;
    change
        .tx
        .set_project_owner(change.project.id, owner_id)
        .await?;
    let event = AuditEvent::TaskChanged {
        project_id: change.project.id,
        detail: format!(
            "revision buffer of {} set to {buffer} %",
            change.project.code
        ),
    };
    change.finish(event).await
}

// ---------------------------------------------------------------------------------------------
// Templates

/// A template to plan from: shipped with postflow or saved by the studio.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateChoice {
    pub key: String,
    pub name: String,
    pub description: String,
    pub typical_length: String,
    pub tasks: usize,
    pub builtin: bool,
}

pub async fn template_choices(ctx: &Context) -> Result<Vec<TemplateChoice>> {
    let mut out: Vec<TemplateChoice> = templates::builtin()
        .into_iter()
        .map(|t| choice(&t, true))
        .collect();
    for saved in ctx.store.saved_templates().await? {
        if let Ok(t) = templates::parse(&saved.key, &saved.source) {
            out.push(choice(&t, false));
        }
    }
    Ok(out)
}

fn choice(t: &PlanTemplate, builtin: bool) -> TemplateChoice {
    TemplateChoice {
        key: t.key.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        typical_length: t.typical_length.clone(),
        tasks: t.tasks.len(),
        builtin,
    }
}

async fn template_named<C: ConnectionTrait>(repo: &Repo<C>, key: &str) -> Result<PlanTemplate> {
    if let Some(t) = templates::builtin_named(key.trim()) {
        return Ok(t);
    }
    for saved in repo.saved_templates().await? {
        if saved.key == key.trim() {
            return templates::parse(&saved.key, &saved.source)
                .map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())));
        }
    }
    Err(AppError::field(
        "template",
        format!("there is no template {:?}", key.trim()),
    ))
}

/// Lays out a project's whole plan from a template. The project's plan must be empty; its
/// start date is `start` (or the project's, or today).
pub async fn plan_from_template(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    template_key: &str,
    start: &str,
    today: NaiveDate,
) -> Result<()> {
    let change = begin(ctx, actor, code, Action::EditPlan, None).await?;
    let template = template_named(&change.tx, template_key).await?;
    let rows = change.tx.plans_of(&[change.project.id]).await?;
    if !rows.tasks.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} already has a plan of {} tasks; a template only lays out an empty plan",
            change.project.code,
            rows.tasks.len()
        )));
    }
    let start = parse_date("start", start)?;
    if start.is_some() || change.project.start_date.is_none() {
        change
            .tx
            .set_project_start_date(change.project.id, start.unwrap_or(today))
            .await?;
    }
    change
        .tx
        .set_plan_settings(
            change.project.id,
            Some(template.key.clone()),
            i64::from(template.revision_buffer_percent),
            i64::from(template.hours_per_day),
        )
        .await?;
    for (i, s) in template.stages.iter().enumerate() {
        change
            .tx
            .add_stage(change.project.id, &s.key, &s.name, i as i64)
            .await?;
    }
    let mut ids = HashMap::new();
    for (i, t) in template.tasks.iter().enumerate() {
        let (days, hours) = match t.duration {
            TaskDuration::Days(d) => (i64::from(d), None),
            TaskDuration::Hours(h) => (
                TaskDuration::Hours(h).working_days(template.hours_per_day),
                Some(i64::from(h)),
            ),
        };
        let items: Vec<ChecklistItem> = t
            .checklist
            .iter()
            .map(|text| ChecklistItem {
                text: text.clone(),
                done: false,
                done_by: None,
                done_at: None,
            })
            .collect();
        let row = change
            .tx
            .insert_task(
                change.project.id,
                TaskInput {
                    key: t.key.clone(),
                    name: t.name.clone(),
                    stage: t.stage.clone(),
                    position: i as i64 + 1,
                    duration_days: days,
                    duration_hours: hours,
                    status: TaskStatus::NotStarted.as_str().into(),
                    resource_kind: t.resource_kind.clone(),
                    skill: t.skill.clone(),
                    checklist_json: checklist_json(&items),
                    milestone: t.milestone.map(|m| m.as_str().to_string()),
                    editorial: t.editorial,
                    notes: t.notes.clone(),
                    percent_complete: 0,
                    start_no_earlier: None,
                    finish_by: None,
                    actual_start: None,
                    actual_finish: None,
                },
            )
            .await?;
        crate::search::index_task(&change.tx, &row).await?;
        ids.insert(t.key.clone(), row.id);
    }
    for t in &template.tasks {
        for d in &t.depends_on {
            let (Some(from), Some(to)) = (ids.get(&d.task), ids.get(&t.key)) else {
                continue;
            };
            change
                .tx
                .insert_dependency(change.project.id, *from, *to, d.kind.as_str(), d.lag_days)
                .await?;
        }
    }
    let event = AuditEvent::PlanFromTemplate {
        project_id: change.project.id,
        code: change.project.code.clone(),
        template: template.key.clone(),
        tasks: template.tasks.len(),
    };
    change.finish(event).await
}

/// Saves a project's plan as a studio template (the same TOML as the shipped ones).
pub async fn save_as_template(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    key: &str,
    name: &str,
) -> Result<()> {
    let (project, permit) = access::project(ctx, actor, code, Action::EditPlan).await?;
    let key = key.trim();
    if let Err(e) = valid_key(key) {
        return Err(AppError::field("key", e));
    }
    if templates::builtin_named(key).is_some() {
        return Err(AppError::field(
            "key",
            format!("{key} is a shipped template; choose another key"),
        ));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field("name", "give the template a name"));
    }
    let rows = ctx.store.plans_of(&[project.id]).await?;
    if rows.tasks.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} has no tasks to save",
            project.code
        )));
    }
    let key_of: HashMap<i64, String> = rows.tasks.iter().map(|t| (t.id, t.key.clone())).collect();
    let mut tasks = Vec::new();
    for t in &rows.tasks {
        let depends_on = rows
            .dependencies
            .iter()
            .filter(|d| d.to_task_id == t.id)
            .filter_map(|d| {
                Some(DependencyTemplate {
                    task: key_of.get(&d.from_task_id)?.clone(),
                    kind: DependencyKind::parse(&d.kind)?,
                    lag_days: d.lag_days,
                })
            })
            .collect();
        tasks.push(TaskTemplate {
            key: t.key.clone(),
            name: t.name.clone(),
            stage: t.stage.clone(),
            duration: match t.duration_hours {
                Some(h) => TaskDuration::Hours(h.max(0) as u32),
                None => TaskDuration::Days(t.duration_days.max(0) as u32),
            },
            resource_kind: t.resource_kind.clone(),
            skill: t.skill.clone(),
            depends_on,
            checklist: checklist_of(t)?.into_iter().map(|c| c.text).collect(),
            milestone: t.milestone.as_deref().and_then(MilestoneKind::parse),
            editorial: t.editorial,
            notes: t.notes.clone(),
        });
    }
    let mut stages: Vec<StageTemplate> = rows
        .stages
        .iter()
        .map(|s| StageTemplate {
            key: s.key.clone(),
            name: s.name.clone(),
        })
        .collect();
    for t in &tasks {
        if !stages.iter().any(|s| s.key == t.stage) {
            stages.push(StageTemplate {
                key: t.stage.clone(),
                name: t.stage.clone(),
            });
        }
    }
    let template = PlanTemplate {
        key: key.to_string(),
        name: name.to_string(),
        description: format!("Saved from project {} ({})", project.code, project.name),
        typical_length: String::new(),
        revision_buffer_percent: project.revision_buffer_percent.clamp(0, 100) as u32,
        hours_per_day: project.hours_per_day.clamp(1, 24) as u32,
        stages,
        tasks,
    };
    let source = templates::to_toml(&template);
    // What is saved must load again.
    templates::parse(key, &source)
        .map_err(|e| AppError::Conflict(format!("this plan cannot be saved as a template: {e}")))?;
    let tx = ctx.store.begin().await?;
    tx.save_template(key, name, &source, access::audited_user(permit.actor()))
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { value, .. } => {
                AppError::field("key", format!("there is already a template {value}"))
            }
            other => other.into(),
        })?;
    let event = AuditEvent::TemplateSaved {
        key: key.to_string(),
        code: project.code.clone(),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(())
}
