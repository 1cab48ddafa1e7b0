//! Deliverables and the QC gate as the application sees them: a stored run's report read back
//! (its verdict recomputed, never taken from the upload) and what still blocks "QC passed".
//! Pages and the API show the same [`GateState`]; the store's atomic mark asks [`gate_blockers`].
use crate::audit::{record, AuditEvent};
use crate::{access, FieldErrors};
use crate::{AppError, Context, Result};
use postflow_core::access::{Action, Actor};
use postflow_core::qc_gate::{qc_passed_blockers, GateBlocker};
use postflow_qc_model::{CheckStatus, QcReport};
use postflow_store::delivery::{Deliverable, DeliverableInput, QcRun};
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
    let mut report = QcReport::from_json(&run.report_json).map_err(|e| {
        AppError::Store(StoreError::Corrupt(format!(
            "stored QC report {} unreadable: {e}",
            run.id
        )))
    })?;
    report.tally();
    Ok(report)
}

/// What blocks "QC passed" for `d` given its latest run's report and the items signed on it:
/// the run must have been evaluated against every profile of the deliverable, with every check
/// each profile defines for that file.
pub fn gate_blockers(d: &Deliverable, report: &QcReport, signed: &[String]) -> Vec<GateBlocker> {
    let facts = postflow_qc_model::gate::run_facts(report);
    let set = postflow_qc_model::ProfileSet::builtin();
    // The checks the profiles define (the declared mix format adds no required check).
    match postflow_qc_model::gate::requirements(&d.profile_names(), &set, report, None) {
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

/// The mix formats a deliverable may declare.
pub const LAYOUTS: &[&str] = &["stereo", "5.1", "7.1", "stereo+5.1"];

/// A deliverable as typed into the project page's form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliverableDraft {
    pub name: String,
    pub profile: String,
    pub layout: String,
    /// The person who sees it through (a user id; empty: nobody yet).
    pub owner_id: String,
    /// YYYY-MM-DD, or empty.
    pub due_date: String,
}

/// Adds a deliverable to the project, checked against the delivery profiles this build knows.
pub async fn add_deliverable(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    draft: &DeliverableDraft,
) -> Result<Deliverable> {
    let mut errors = FieldErrors::default();
    let name = draft.name.trim();
    if name.is_empty() {
        errors.add(
            "name",
            "give the deliverable a name, e.g. \"Broadcast master\"",
        );
    } else if name.chars().count() > 200 {
        errors.add("name", "use at most 200 characters");
    }
    if postflow_qc_model::ProfileSet::builtin()
        .get(draft.profile.trim())
        .is_err()
    {
        errors.add(
            "profile",
            format!("{:?} is not a known delivery profile", draft.profile.trim()),
        );
    }
    let layout = match draft.layout.trim() {
        "" => None,
        l if LAYOUTS.contains(&l) => Some(l.to_string()),
        l => {
            errors.add(
                "layout",
                format!("{l:?} is not one of {}", LAYOUTS.join(", ")),
            );
            None
        }
    };
    let owner_id = match draft.owner_id.trim() {
        "" => None,
        o => match o.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("owner_id", "choose a person");
                None
            }
        },
    };
    let due_date = crate::date_input(&draft.due_date)
        .map_err(|e| errors.add("due_date", e))
        .ok()
        .flatten();
    let tx = ctx.store.begin().await?;
    let (project, permit) = access::project_in(&tx, actor, code, Action::EditProject).await?;
    if let Some(id) = owner_id {
        match tx.user_by_id(id).await? {
            Some(u) if u.role().is_staff() && !u.disabled => {}
            _ => errors.add("owner_id", "choose a person of the studio"),
        }
    }
    errors.into_result()?;
    let d = tx
        .create_deliverable(DeliverableInput {
            project_id: project.id,
            name: name.to_string(),
            profiles: vec![draft.profile.trim().to_string()],
            layout,
        })
        .await?;
    if owner_id.is_some() || due_date.is_some() {
        tx.set_deliverable_owner_and_due(d.id, owner_id, due_date)
            .await?;
    }
    let event = AuditEvent::DeliverableAdded {
        deliverable_id: d.id,
        name: d.name.clone(),
        code: project.code.clone(),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(d)
}

/// A QC run as recorded, with the project's code as stored (for links).
#[derive(Debug)]
pub struct RecordedQcRun {
    pub code: String,
    pub deliverable: Deliverable,
    pub run: QcRun,
}

/// Attaches a QC run (its report, verdict recomputed from the checks) to a deliverable of the
/// project. The run, the re-opened milestone and the audit line are one transaction.
pub async fn record_qc_run(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    deliverable_id: i64,
    mut report: QcReport,
) -> Result<RecordedQcRun> {
    report.tally();
    let passed = report.status == postflow_qc_model::Verdict::Pass;
    let file_name = std::path::Path::new(&report.file)
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| report.file.clone());
    let tx = ctx.store.begin().await?;
    let (project, permit) = access::project_in(&tx, actor, code, Action::UploadQc).await?;
    let d = tx
        .deliverable_in(project.id, deliverable_id)
        .await?
        .ok_or_else(|| AppError::NotFound("deliverable".into()))?;
    let by = access::audited_user(permit.actor());
    let run = tx
        .record_qc_run(d.id, file_name, passed, report.to_json(), by)
        .await?;
    let event = AuditEvent::QcRunRecorded {
        deliverable_id: d.id,
        name: d.name.clone(),
        code: project.code.clone(),
        status: run.status.clone(),
    };
    record(&tx, by, event).await?;
    tx.commit().await?;
    Ok(RecordedQcRun {
        code: project.code,
        deliverable: d,
        run,
    })
}

/// What a delivery encode needs of its deliverable: where it belongs, how its audio is laid
/// out, and its profiles (in the deliverable's order; the first one's `[encode]` decides the
/// settings, every one judges the result).
#[derive(Debug, Clone)]
pub struct EncodeTarget {
    pub code: String,
    pub deliverable_id: i64,
    pub name: String,
    pub layout: Option<String>,
    pub profiles: Vec<postflow_qc_model::Profile>,
}

/// The deliverable `deliverable_id` of the project `project_id` as a delivery encode job sees
/// it. The workers' machinery (a job of the project asks), so no actor: the job's queueing was
/// the person's decision.
pub async fn encode_target(
    ctx: &Context,
    project_id: i64,
    deliverable_id: i64,
) -> Result<EncodeTarget> {
    let project = ctx
        .store
        .project_by_id(project_id)
        .await?
        .ok_or_else(|| AppError::NotFound("project".into()))?;
    let d = ctx
        .store
        .deliverable_in(project_id, deliverable_id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!("deliverable {deliverable_id} of {}", project.code))
        })?;
    let set = postflow_qc_model::ProfileSet::builtin();
    let mut names = d.profile_names();
    if names.is_empty() {
        names.push("basic".into());
    }
    let mut profiles = Vec::new();
    for name in &names {
        profiles.push(
            set.get(name)
                .map_err(|e| AppError::Conflict(e.to_string()))?
                .clone(),
        );
    }
    Ok(EncodeTarget {
        code: project.code.to_string(),
        deliverable_id: d.id,
        name: d.name.clone(),
        layout: d.layout.clone(),
        profiles,
    })
}
