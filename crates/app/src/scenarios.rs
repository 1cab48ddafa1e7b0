//! What-if plans: "propose a plan" schedules every open project at once against the studio's
//! resources (core::plan::rcpsp), saves the result as a scenario the producer compares with the
//! current forecast — which tasks move, which dates change, which bookings would be made — and
//! then applies (in one transaction) or discards.
//!
//! How the studio becomes one scheduling problem:
//! - time is the studio's working days from today (day 0 = the first working day on or after
//!   today); holidays and weekends are skipped by the calendar, not modelled as capacity;
//! - every unfinished task is an activity with its forecast duration (revision buffer included);
//!   work already started is released at its forecast start and ranked first, so it stays put;
//!   the project's start and "start no earlier than" become a release, the project's due date (or the task's
//!   finish-by) a soft due date;
//! - each resource *kind* (edit_bay, color_suite, …) is one renewable resource whose capacity is
//!   the sum of its resources' capacities, less what confirmed bookings already hold each day;
//!   a task that names a kind needs one unit of it. A kind nobody has is reported, not invented;
//! - dependencies keep their kind and lag.
//!
//! Applying a scenario sets each moved task's "start no earlier than" to its proposed start and
//! writes *planning* bookings on concrete resources of the kind (the first one free on all the
//! task's days, 09:00–18:00 studio time), claiming every touched plan's version: a plan edited
//! since the proposal makes the apply a conflict ("propose again"), never a silent overwrite.
use crate::access::{self, audited_user};
use crate::audit::{self, AuditEvent};
use crate::plan::{self, PlanSummary};
use crate::{AppError, Context, Result};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use postflow_core::access::{Action, Actor};
use postflow_core::booking::{kind_key, BookingStatus};
use postflow_core::plan::rcpsp::{self, Activity, Options, Problem, Resource};
use postflow_core::plan::Dependency;
use postflow_store::bookings::{BookingFilter, NewBooking};
use postflow_store::plan::TaskInput;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Schedules the GA may generate for a proposal (deterministic; the studio case takes well under
/// a second at this budget).
pub const PROPOSAL_SCHEDULES: u64 = 400;

/// One task in the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskMove {
    pub project_id: i64,
    pub code: String,
    pub task_id: i64,
    pub task_key: String,
    pub task_name: String,
    pub resource_kind: Option<String>,
    pub current_start: NaiveDate,
    pub current_end: NaiveDate,
    pub proposed_start: NaiveDate,
    pub proposed_end: NaiveDate,
    /// Proposed minus current start, in working days (positive: later).
    pub shift_days: i64,
}

/// A booking the scenario would write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedBooking {
    pub resource_id: i64,
    pub resource_name: String,
    pub project_id: i64,
    pub code: String,
    pub task_id: i64,
    pub task_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A project's finish, now and as proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFinish {
    pub project_id: i64,
    pub code: String,
    pub plan_version: i64,
    pub due: Option<NaiveDate>,
    pub current_finish: Option<NaiveDate>,
    pub proposed_finish: Option<NaiveDate>,
}

/// What a scenario proposes (stored as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub today: NaiveDate,
    pub projects: Vec<ProjectFinish>,
    /// Every scheduled task (moved or not), by proposed start.
    pub tasks: Vec<TaskMove>,
    pub bookings: Vec<ProposedBooking>,
    /// Things the producer should know (a kind nobody has, a task no resource could take).
    pub notes: Vec<String>,
    pub makespan_days: i64,
    pub lower_bound_days: i64,
    pub schedules: u64,
}

impl Proposal {
    pub fn moved(&self) -> impl Iterator<Item = &TaskMove> {
        self.tasks.iter().filter(|t| t.shift_days != 0)
    }
}

/// A saved scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub id: i64,
    /// proposed, applied or discarded.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub proposal: Proposal,
}

fn scenario_of(row: postflow_store::scenarios::PlanScenario) -> Result<Scenario> {
    let proposal = serde_json::from_str(&row.proposal).map_err(|e| {
        AppError::Store(postflow_store::StoreError::Corrupt(format!(
            "scenario {}: {e}",
            row.id
        )))
    })?;
    Ok(Scenario {
        id: row.id,
        status: row.status,
        created_at: row.created_at,
        proposal,
    })
}

/// Whoever may book the studio's resources may propose and apply whole-studio plans.
fn permit(actor: &Actor) -> Result<()> {
    access::studio(actor, Action::ManageBookings)?;
    Ok(())
}

/// 09:00 and 18:00 of a date in the studio's zone, as UTC instants.
fn working_hours(
    tz: chrono_tz::Tz,
    first: NaiveDate,
    last: NaiveDate,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |d: NaiveDate, h: u32| {
        let local = d.and_hms_opt(h, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| local.and_utc())
    };
    (at(first, 9), at(last, 18))
}

/// Schedules every open plan against the studio's resources and saves the result as a proposed
/// scenario.
pub async fn propose(ctx: &Context, actor: &Actor, today: NaiveDate) -> Result<Scenario> {
    permit(actor)?;
    let plans = plan::studio(ctx, actor, today).await?;
    let calendar = plan::studio_calendar(&ctx.store, today).await?;
    let resources = ctx.store.resources(false).await?;
    let tz = crate::feeds::studio_time_zone(ctx).await?;
    let horizon_end = calendar.date_of_day(730);
    let confirmed = ctx
        .store
        .list_bookings(&BookingFilter {
            from: Some(working_hours(tz, today, today).0 - Duration::days(1)),
            to: Some(working_hours(tz, horizon_end, horizon_end).1),
            limit: Some(100_000),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|b| b.booking_status().ok() == Some(BookingStatus::Confirmed))
        .collect::<Vec<_>>();
    let proposal = build_proposal(&plans, &calendar, &resources, &confirmed, tz, today)?;
    let tx = ctx.store.begin().await?;
    let json = serde_json::to_string(&proposal).map_err(|e| AppError::Conflict(e.to_string()))?;
    let row = tx.insert_scenario(json, audited_user(actor)).await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!(
                "proposed plan scenario {}: {} tasks move, {} bookings",
                row.id,
                proposal.moved().count(),
                proposal.bookings.len()
            ),
        },
    )
    .await?;
    tx.commit().await?;
    scenario_of(row)
}

/// The scheduling itself, pure over what [`propose`] read.
fn build_proposal(
    plans: &[PlanSummary],
    calendar: &postflow_core::plan::calendar::WorkingCalendar,
    resources: &[postflow_store::studio::Resource],
    confirmed: &[postflow_store::bookings::Booking],
    tz: chrono_tz::Tz,
    today: NaiveDate,
) -> Result<Proposal> {
    // Resource kinds as pools.
    let mut kinds: BTreeMap<String, i64> = BTreeMap::new();
    for r in resources {
        *kinds.entry(kind_key(&r.kind)).or_default() += r.capacity.max(1);
    }
    let kind_index: HashMap<&str, usize> = kinds
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let kind_of_resource: HashMap<i64, String> = resources
        .iter()
        .map(|r| (r.id, kind_key(&r.kind)))
        .collect();
    let horizon = 730usize;
    let mut pools: Vec<Resource> = kinds
        .iter()
        .map(|(k, cap)| Resource {
            id: k.clone(),
            capacity: *cap,
            calendar: vec![*cap; horizon],
        })
        .collect();
    // What confirmed bookings already hold, by working day (a booking touching a day holds it).
    let day_of = |t: DateTime<Utc>| calendar.day_on_or_after(t.with_timezone(&tz).date_naive());
    let mut held: HashMap<(i64, i64), i64> = HashMap::new();
    for b in confirmed {
        let Some(kind) = kind_of_resource.get(&b.resource_id) else {
            continue;
        };
        let first = day_of(b.starts_at).max(0);
        let last_date = (b.ends_at - Duration::seconds(1))
            .with_timezone(&tz)
            .date_naive();
        let last = calendar.day_on_or_after(last_date + Duration::days(1)) - 1;
        for d in first..=last.min(horizon as i64 - 1) {
            *held.entry((b.resource_id, d)).or_default() += b.units;
            if let Some(&k) = kind_index.get(kind.as_str()) {
                let slot = &mut pools[k].calendar[d as usize];
                *slot = (*slot - b.units).max(0);
            }
        }
    }

    let mut notes = Vec::new();
    let mut activities = Vec::new();
    let mut dependencies = Vec::new();
    // (plan index, task index) per activity.
    let mut origin = Vec::new();
    for (p, summary) in plans.iter().enumerate() {
        let view = &summary.plan;
        let due = view.due.map(|d| calendar.finish_day_by(d));
        for (t, task) in view.tasks.iter().enumerate() {
            if task.status.is_done() {
                continue;
            }
            let duration = (task.forecast.ef_day - task.forecast.es_day).max(0);
            let mut demand = vec![0; pools.len()];
            if let Some(kind) = task
                .resource_kind
                .as_deref()
                .filter(|k| !k.trim().is_empty())
            {
                match kind_index.get(kind_key(kind).as_str()) {
                    Some(&k) if duration > 0 => demand[k] = 1,
                    Some(_) => {}
                    None => notes.push(format!(
                        "{} · {} needs a {kind} and the studio has none: it is scheduled without one",
                        view.code, task.name
                    )),
                }
            }
            let started = task.actual_start.is_some();
            let forecast_start = calendar.day_on_or_after(task.forecast.start).max(0);
            // Nothing starts before its project does, nor before its "start no earlier than".
            let project_start = calendar.day_on_or_after(view.start).max(0);
            let release = if started {
                forecast_start
            } else {
                task.start_no_earlier
                    .map(|d| calendar.day_on_or_after(d).max(0))
                    .unwrap_or(0)
                    .max(project_start)
            };
            let mut a = Activity::new(format!("{}/{}", view.code, task.key), duration, demand);
            a.release = release;
            a.due = task.finish_by.map(|d| calendar.finish_day_by(d)).or(due);
            a.priority = if started { 100 } else { 0 };
            activities.push(a);
            origin.push((p, t));
        }
        for d in &view.dependencies {
            let (from, to) = (
                format!("{}/{}", view.code, d.from),
                format!("{}/{}", view.code, d.to),
            );
            dependencies.push(Dependency {
                from,
                to,
                kind: d.kind,
                lag: d.lag_days,
            });
        }
    }
    // Dependencies on finished tasks do not constrain what is left.
    let scheduled: std::collections::HashSet<&str> =
        activities.iter().map(|a| a.id.as_str()).collect();
    dependencies
        .retain(|d| scheduled.contains(d.from.as_str()) && scheduled.contains(d.to.as_str()));
    let problem = Problem {
        activities,
        dependencies,
        resources: pools,
    };
    let solution = rcpsp::solve(
        &problem,
        Options {
            seed: 1,
            iterations: PROPOSAL_SCHEDULES,
        },
    )
    .map_err(|e| {
        AppError::Conflict(format!(
            "the studio's plans cannot be scheduled together: {e}"
        ))
    })?;

    let mut tasks = Vec::new();
    let mut finishes: HashMap<i64, NaiveDate> = HashMap::new();
    for (k, &(p, t)) in origin.iter().enumerate() {
        let view = &plans[p].plan;
        let task = &view.tasks[t];
        let start = solution.starts[k];
        let duration = problem.activities[k].duration;
        let proposed_start = calendar.date_of_day(start);
        let proposed_end = if duration > 0 {
            calendar.last_working_date(start + duration)
        } else {
            proposed_start
        };
        let current = calendar.day_on_or_after(task.forecast.start);
        let f = finishes.entry(view.project_id).or_insert(proposed_end);
        *f = (*f).max(proposed_end);
        tasks.push(TaskMove {
            project_id: view.project_id,
            code: view.code.clone(),
            task_id: task.id,
            task_key: task.key.clone(),
            task_name: task.name.clone(),
            resource_kind: task.resource_kind.clone().filter(|k| !k.is_empty()),
            current_start: task.forecast.start,
            current_end: task.forecast.end,
            proposed_start,
            proposed_end,
            shift_days: start - current.max(0),
        });
    }
    tasks.sort_by_key(|t| (t.proposed_start, t.code.clone(), t.task_key.clone()));

    // Concrete resources for tasks that need a kind: the first free on every day of the task.
    let mut bookings = Vec::new();
    for (k, &(p, t)) in origin.iter().enumerate() {
        let task = &plans[p].plan.tasks[t];
        let Some(kind) = task
            .resource_kind
            .as_deref()
            .map(kind_key)
            .filter(|k| kind_index.contains_key(k.as_str()))
        else {
            continue;
        };
        let (start, duration) = (solution.starts[k], problem.activities[k].duration);
        if duration == 0 {
            continue;
        }
        let days = start..start + duration;
        let free = resources
            .iter()
            .filter(|r| kind_key(&r.kind) == kind)
            .find(|r| {
                days.clone()
                    .all(|d| held.get(&(r.id, d)).copied().unwrap_or(0) < r.capacity.max(1))
            });
        let Some(resource) = free else {
            notes.push(format!(
                "{} · {}: no single {kind} is free on all its days; book it by hand",
                plans[p].plan.code, task.name
            ));
            continue;
        };
        for d in days.clone() {
            *held.entry((resource.id, d)).or_default() += 1;
        }
        let first = calendar.date_of_day(start);
        let last = calendar.last_working_date(start + duration);
        let (starts_at, ends_at) = working_hours(tz, first, last);
        bookings.push(ProposedBooking {
            resource_id: resource.id,
            resource_name: resource.name.clone(),
            project_id: plans[p].plan.project_id,
            code: plans[p].plan.code.clone(),
            task_id: task.id,
            task_name: task.name.clone(),
            starts_at,
            ends_at,
        });
    }
    bookings.sort_by_key(|b| (b.starts_at, b.resource_name.clone()));

    let projects = plans
        .iter()
        .map(|s| ProjectFinish {
            project_id: s.plan.project_id,
            code: s.plan.code.clone(),
            plan_version: s.plan.plan_version,
            due: s.plan.due,
            current_finish: s.plan.forecast_finish,
            proposed_finish: finishes.get(&s.plan.project_id).copied(),
        })
        .collect();
    Ok(Proposal {
        today,
        projects,
        tasks,
        bookings,
        notes,
        makespan_days: solution.makespan,
        lower_bound_days: solution.lower_bound,
        schedules: solution.schedules,
    })
}

pub async fn list(ctx: &Context, actor: &Actor) -> Result<Vec<Scenario>> {
    permit(actor)?;
    ctx.store
        .list_scenarios(50)
        .await?
        .into_iter()
        .map(scenario_of)
        .collect()
}

pub async fn get(ctx: &Context, actor: &Actor, id: i64) -> Result<Scenario> {
    permit(actor)?;
    scenario_of(ctx.store.scenario(id).await?)
}

/// Applies a proposed scenario in one transaction: moved tasks get their new "start no earlier
/// than", the proposed planning bookings are written, the scenario is marked applied. A plan
/// changed since the proposal refuses the whole apply.
pub async fn apply(ctx: &Context, actor: &Actor, id: i64) -> Result<Scenario> {
    permit(actor)?;
    let tx = ctx.store.begin().await?;
    let scenario = scenario_of(tx.scenario(id).await?)?;
    if scenario.status != "proposed" {
        return Err(AppError::Conflict(format!(
            "scenario {id} was already {}",
            scenario.status
        )));
    }
    let proposal = &scenario.proposal;
    for p in &proposal.projects {
        tx.claim_plan_version(p.project_id, Some(p.plan_version))
            .await
            .map_err(|_| {
                AppError::Conflict(format!(
                    "the plan of {} changed after this scenario was proposed; propose a new plan",
                    p.code
                ))
            })?;
    }
    let mut moved = 0;
    for m in proposal.moved() {
        let Some(task) = tx.task_by_key(m.project_id, &m.task_key).await? else {
            return Err(AppError::Conflict(format!(
                "{} · {} no longer exists; propose a new plan",
                m.code, m.task_name
            )));
        };
        let mut input = TaskInput::of(&task);
        input.start_no_earlier = Some(m.proposed_start);
        tx.update_task(task.id, input).await?;
        moved += 1;
    }
    for b in &proposal.bookings {
        tx.insert_booking(NewBooking {
            resource_id: b.resource_id,
            project_id: b.project_id,
            task_id: Some(b.task_id),
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            units: 1,
            status: BookingStatus::Planning,
            note: format!("plan scenario {id}"),
            created_by: audited_user(actor),
        })
        .await?
        .map_err(|refused| AppError::Conflict(refused.to_string()))?;
    }
    tx.decide_scenario(id, "applied", audited_user(actor))
        .await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!(
                "applied plan scenario {id}: {moved} tasks moved, {} planning bookings",
                proposal.bookings.len()
            ),
        },
    )
    .await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

pub async fn discard(ctx: &Context, actor: &Actor, id: i64) -> Result<()> {
    permit(actor)?;
    let tx = ctx.store.begin().await?;
    tx.decide_scenario(id, "discarded", audited_user(actor))
        .await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!("discarded plan scenario {id}"),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
