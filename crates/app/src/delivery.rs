//! Deliverables and the QC gate as the application sees them: a stored run's report read back
//! (its verdict recomputed, never taken from the upload) and what still blocks "QC passed".
//! Pages and the API show the same [`GateState`]; the store's atomic mark asks [`gate_blockers`].
use crate::{AppError, Context, Result};
use postflow_core::qc_gate::{qc_passed_blockers, GateBlocker};
use postflow_qc::{CheckStatus, QcReport};
use postflow_store::delivery::{Deliverable, QcRun};
use postflow_store::StoreError;
use std::collections::HashMap;

/// The parsed latest run and what still blocks "QC passed".
pub struct GateState {
    pub run: Option<(QcRun, QcReport)>,
    pub manual: Vec<String>,
    pub signed: Vec<(String, String, String)>,
    pub blockers: Vec<GateBlocker>,
}

pub async fn gate_state(ctx: &Context, d: &Deliverable) -> Result<GateState> {
    let Some(latest) = ctx.store.latest_qc_run(d.id).await? else {
        return Ok(GateState {
            run: None,
            manual: vec![],
            signed: vec![],
            blockers: qc_passed_blockers(None, &[], &[]),
        });
    };
    let report = stored_report(&latest)?;
    let mut manual: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Manual)
        .map(|c| c.id.clone())
        .collect();
    manual.dedup();
    let names: HashMap<i64, String> = ctx
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let signoffs = ctx.store.signoffs_of(latest.id).await?;
    let signed_ids: Vec<String> = signoffs.iter().map(|s| s.check_id.clone()).collect();
    let blockers = gate_blockers(d, &report, &signed_ids);
    let signed = signoffs
        .into_iter()
        .map(|s| {
            (
                s.check_id,
                names.get(&s.signed_by).cloned().unwrap_or_default(),
                s.signed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            )
        })
        .collect();
    Ok(GateState {
        run: Some((latest, report)),
        manual,
        signed,
        blockers,
    })
}

/// A stored run's report, its verdict recomputed from its checks (never taken from the upload).
pub fn stored_report(run: &QcRun) -> Result<QcReport> {
    let mut report = QcReport::from_json(&run.report_json)
        .map_err(|e| AppError::Store(StoreError::Corrupt(format!("stored QC report {} unreadable: {e}", run.id))))?;
    report.tally();
    Ok(report)
}

/// What blocks "QC passed" for `d` given its latest run's report and the items signed on it:
/// the run must have been evaluated against every profile of the deliverable, with every check
/// each profile defines for that file.
pub fn gate_blockers(d: &Deliverable, report: &QcReport, signed: &[String]) -> Vec<GateBlocker> {
    let facts = postflow_qc::gate::run_facts(report);
    let set = postflow_qc::ProfileSet::builtin();
    // The checks the profiles define (the declared mix format adds no required check).
    match postflow_qc::gate::requirements(&d.profile_names(), &set, report, None) {
        Ok(required) => qc_passed_blockers(Some(&facts), &required, signed),
        // A profile this build does not know: nothing can say the run covers it.
        Err(_) => d
            .profile_names()
            .into_iter()
            .filter(|p| set.get(p).is_err())
            .map(|profile| GateBlocker::ProfileNotEvaluated { profile })
            .collect(),
    }
}

