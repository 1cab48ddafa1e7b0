//! The studio cockpit: what is happening, who is responsible, what is due next. Each open
//! project with its producer, next milestone (forecast against plan), failed QC and 3-2-1
//! shortfalls, at-risk and overdue first — from data postflow already has.
use crate::plan::{self, PlanSummary};
use crate::{Context, Result};
use chrono::NaiveDate;
use postflow_core::access::Actor;
use postflow_core::integrity::{three_two_one, Standing};

#[derive(Debug, Clone)]
pub struct CockpitRow {
    pub summary: PlanSummary,
    /// Deliverables whose latest QC run failed.
    pub failed_qc: usize,
    /// Files short of 3-2-1 (three copies, two media types, one off site).
    pub shortfalls: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Cockpit {
    pub rows: Vec<CockpitRow>,
    pub at_risk: usize,
    pub overdue: usize,
    pub failed_qc: usize,
    pub shortfalls: usize,
    /// The actor's own open tasks.
    pub my_open_tasks: usize,
    /// Booking conflicts to resolve (over-booked resources, days off, …), each with its fix.
    pub booking_conflicts: Vec<postflow_core::booking::Conflict>,
}

pub async fn cockpit(ctx: &Context, actor: &Actor, today: NaiveDate) -> Result<Cockpit> {
    let plans = plan::studio(ctx, actor, today).await?;
    let mut out = Cockpit {
        booking_conflicts: crate::bookings::conflicts_in(ctx, actor, today, &plans).await?,
        ..Cockpit::default()
    };
    for summary in plans {
        let id = summary.plan.project_id;
        let mut failed_qc = 0;
        for d in ctx.store.deliverables_of(id).await? {
            if ctx.store.latest_qc_status(d.id).await?.as_deref() == Some("fail") {
                failed_qc += 1;
            }
        }
        let facts: Vec<_> = ctx
            .store
            .project_media(id)
            .await?
            .iter()
            .map(|m| m.facts())
            .collect();
        let rule = three_two_one(&facts);
        let shortfalls = match rule.standing {
            Standing::NotCompliant => rule.failing.len(),
            _ => 0,
        };
        out.at_risk += usize::from(summary.plan.at_risk);
        out.overdue += usize::from(summary.overdue);
        out.failed_qc += failed_qc;
        out.shortfalls += shortfalls;
        out.rows.push(CockpitRow {
            summary,
            failed_qc,
            shortfalls,
        });
    }
    // The actor's open tasks, counted in the plans already computed above.
    out.my_open_tasks = out
        .rows
        .iter()
        .flat_map(|r| &r.summary.plan.tasks)
        .filter(|t| !t.status.is_done() && t.assignees.iter().any(|p| p.id == actor.user_id))
        .count();
    Ok(out)
}
