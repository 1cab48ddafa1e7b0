//! What a stored QC report tells the "QC passed" gate ([`postflow_core::qc_gate`]): the
//! profiles it was evaluated against, its checks, and every check each of the deliverable's
//! profiles defines for that file. Pure.
use crate::analysis::Analysis;
use crate::checks::{evaluate, CheckInput};
use crate::layout::DeclaredLayout;
use crate::profile::ProfileSet;
use crate::report::{CheckStatus, QcReport};
use crate::QcError;
use postflow_core::qc_gate::{CheckOutcome, Requirement, RunCheck, RunFacts};

/// The run as the gate sees it. The checks are taken as listed; the verdict is never read.
pub fn run_facts(report: &QcReport) -> RunFacts {
    RunFacts {
        profiles: report.profiles.clone(),
        checks: report
            .checks
            .iter()
            .map(|c| RunCheck {
                profile: c.profile.clone(),
                id: c.id.clone(),
                outcome: match c.status {
                    CheckStatus::Pass => CheckOutcome::Pass,
                    CheckStatus::Warn => CheckOutcome::Warn,
                    CheckStatus::Fail => CheckOutcome::Fail,
                    CheckStatus::Manual => CheckOutcome::Manual,
                },
            })
            .collect(),
    }
}

/// For each of the deliverable's `profiles`, the ids of the checks that profile defines for the
/// file the report describes: the profile evaluated again over the report's own measurements
/// (so a report that dropped a check, or lists none, is caught). An unknown profile is an error.
pub fn requirements(
    profiles: &[String],
    set: &ProfileSet,
    report: &QcReport,
    declared_layout: Option<&DeclaredLayout>,
) -> Result<Vec<Requirement>, QcError> {
    let analysis = Analysis {
        audio: report.audio.clone(),
        video: report.video.clone(),
        events: report.events.clone(),
        programme: report.programme,
    };
    let input = CheckInput {
        probe: &report.probe,
        analysis: &analysis,
        decode_errors: &report.decode_errors,
        declared_layout,
        expected_duration_s: None,
        timecode_track: report.timecode_track.as_ref(),
    };
    profiles
        .iter()
        .map(|name| {
            let profile = set.get(name)?;
            let mut check_ids: Vec<String> = evaluate(profile, &input)
                .into_iter()
                .map(|c| c.id)
                .collect();
            check_ids.dedup();
            Ok(Requirement {
                profile: name.clone(),
                check_ids,
            })
        })
        .collect()
}
