//! The "QC passed" milestone gate: reachable only when the latest QC run was evaluated against
//! every profile of the deliverable, carries every check those profiles define, none of them
//! failed, and every manual checklist item of that run is signed off by a person.
use serde::Serialize;

/// How one check of a run came out, as far as the gate cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    Warn,
    Fail,
    /// A person has to verify and sign it off.
    Manual,
}

/// One check of a run: the profile that asked for it, its id and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCheck {
    pub profile: String,
    pub id: String,
    pub outcome: CheckOutcome,
}

/// The latest run of a deliverable: the profiles it was evaluated against and its checks (the
/// verdict is recomputed from these, never taken from the upload).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunFacts {
    pub profiles: Vec<String>,
    pub checks: Vec<RunCheck>,
}

/// A profile the deliverable must be checked against, with the ids of every check it defines
/// for the file that was run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub profile: String,
    pub check_ids: Vec<String>,
}

/// Why the milestone cannot be reached yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum GateBlocker {
    NoQcRun,
    /// The deliverable names no profile, so nothing says what "passed" means.
    NoProfile,
    ProfileNotEvaluated {
        profile: String,
    },
    CheckMissing {
        profile: String,
        check: String,
    },
    AutomatedChecksFailed {
        failed: Vec<String>,
    },
    ManualItemUnsigned {
        item: String,
    },
}

impl std::fmt::Display for GateBlocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateBlocker::NoQcRun => write!(f, "no QC run has been recorded for this deliverable"),
            GateBlocker::NoProfile => write!(f, "the deliverable names no delivery profile"),
            GateBlocker::ProfileNotEvaluated { profile } => {
                write!(
                    f,
                    "the latest run was not evaluated against profile {profile}"
                )
            }
            GateBlocker::CheckMissing { profile, check } => {
                write!(f, "the latest run lacks check {check} of profile {profile}")
            }
            GateBlocker::AutomatedChecksFailed { failed } => {
                write!(f, "automated checks failed: {}", failed.join(", "))
            }
            GateBlocker::ManualItemUnsigned { item } => {
                write!(f, "manual check {item} is not signed off")
            }
        }
    }
}

/// Everything that stands between the deliverable and "QC passed"; empty means it may pass.
/// `required` lists every profile of the deliverable; `signed_items` the check ids signed on
/// this very run.
pub fn qc_passed_blockers(
    latest: Option<&RunFacts>,
    required: &[Requirement],
    signed_items: &[String],
) -> Vec<GateBlocker> {
    let Some(run) = latest else {
        return vec![GateBlocker::NoQcRun];
    };
    let mut blockers = Vec::new();
    if required.is_empty() {
        blockers.push(GateBlocker::NoProfile);
    }
    for req in required {
        if !run.profiles.contains(&req.profile) {
            blockers.push(GateBlocker::ProfileNotEvaluated {
                profile: req.profile.clone(),
            });
            continue;
        }
        // A profile always defines checks; a run that carries none of them proves nothing.
        let of_profile = |id: &str| {
            run.checks
                .iter()
                .any(|c| c.profile == req.profile && c.id == id)
        };
        let has_any = run.checks.iter().any(|c| c.profile == req.profile);
        if req.check_ids.is_empty() && !has_any {
            blockers.push(GateBlocker::CheckMissing {
                profile: req.profile.clone(),
                check: "any".into(),
            });
        }
        for id in &req.check_ids {
            if !of_profile(id) {
                blockers.push(GateBlocker::CheckMissing {
                    profile: req.profile.clone(),
                    check: id.clone(),
                });
            }
        }
    }
    let mut failed: Vec<String> = run
        .checks
        .iter()
        .filter(|c| c.outcome == CheckOutcome::Fail)
        .map(|c| c.id.clone())
        .collect();
    failed.dedup();
    if !failed.is_empty() {
        blockers.push(GateBlocker::AutomatedChecksFailed { failed });
    }
    let mut manual: Vec<&String> = run
        .checks
        .iter()
        .filter(|c| c.outcome == CheckOutcome::Manual)
        .map(|c| &c.id)
        .collect();
    manual.dedup();
    for item in manual {
        if !signed_items.contains(item) {
            blockers.push(GateBlocker::ManualItemUnsigned { item: item.clone() });
        }
    }
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn check(profile: &str, id: &str, outcome: CheckOutcome) -> RunCheck {
        RunCheck {
            profile: profile.into(),
            id: id.into(),
            outcome,
        }
    }

    fn run(profiles: &[&str], checks: Vec<RunCheck>) -> RunFacts {
        RunFacts {
            profiles: s(profiles),
            checks,
        }
    }

    fn req(profile: &str, ids: &[&str]) -> Requirement {
        Requirement {
            profile: profile.into(),
            check_ids: s(ids),
        }
    }

    #[test]
    fn needs_a_run() {
        assert_eq!(
            qc_passed_blockers(None, &[req("ebu_r128", &[])], &[]),
            vec![GateBlocker::NoQcRun]
        );
    }

    #[test]
    fn failed_automation_blocks_even_with_everything_signed() {
        let r = run(
            &["ebu_r128"],
            vec![
                check("ebu_r128", "loudness.integrated", CheckOutcome::Fail),
                check("ebu_r128", "manual.captions", CheckOutcome::Manual),
            ],
        );
        let b = qc_passed_blockers(
            Some(&r),
            &[req("ebu_r128", &["loudness.integrated", "manual.captions"])],
            &s(&["manual.captions"]),
        );
        assert_eq!(
            b,
            vec![GateBlocker::AutomatedChecksFailed {
                failed: s(&["loudness.integrated"])
            }]
        );
    }

    #[test]
    fn every_manual_item_must_be_signed() {
        let r = run(
            &["p"],
            vec![
                check("p", "manual.captions", CheckOutcome::Manual),
                check("p", "manual.safe_area", CheckOutcome::Manual),
            ],
        );
        let required = [req("p", &["manual.captions", "manual.safe_area"])];
        assert_eq!(
            qc_passed_blockers(Some(&r), &required, &s(&["manual.captions"])),
            vec![GateBlocker::ManualItemUnsigned {
                item: "manual.safe_area".into()
            }]
        );
        assert!(qc_passed_blockers(
            Some(&r),
            &required,
            &s(&["manual.captions", "manual.safe_area"])
        )
        .is_empty());
    }

    #[test]
    fn a_run_against_another_profile_does_not_pass_the_deliverable() {
        let r = run(
            &["basic"],
            vec![check("basic", "file.decodes", CheckOutcome::Pass)],
        );
        assert_eq!(
            qc_passed_blockers(Some(&r), &[req("ebu_r128", &["file.decodes"])], &[]),
            vec![GateBlocker::ProfileNotEvaluated {
                profile: "ebu_r128".into()
            }]
        );
    }

    #[test]
    fn a_run_without_checks_does_not_pass() {
        let empty = run(&["ebu_r128"], vec![]);
        assert_eq!(
            qc_passed_blockers(Some(&empty), &[req("ebu_r128", &["file.decodes"])], &[]),
            vec![GateBlocker::CheckMissing {
                profile: "ebu_r128".into(),
                check: "file.decodes".into()
            }]
        );
        // Even when the caller could not say which checks the profile defines.
        assert_eq!(
            qc_passed_blockers(Some(&empty), &[req("ebu_r128", &[])], &[]),
            vec![GateBlocker::CheckMissing {
                profile: "ebu_r128".into(),
                check: "any".into()
            }]
        );
    }

    #[test]
    fn every_profile_of_the_deliverable_is_required() {
        let r = run(&["a"], vec![check("a", "x", CheckOutcome::Pass)]);
        let b = qc_passed_blockers(Some(&r), &[req("a", &["x"]), req("b", &["y"])], &[]);
        assert_eq!(
            b,
            vec![GateBlocker::ProfileNotEvaluated {
                profile: "b".into()
            }]
        );
        assert_eq!(
            qc_passed_blockers(Some(&r), &[], &[]),
            vec![GateBlocker::NoProfile]
        );
    }

    #[test]
    fn a_check_of_another_profile_does_not_stand_in() {
        let r = run(
            &["a", "b"],
            vec![
                check("a", "x", CheckOutcome::Pass),
                check("b", "y", CheckOutcome::Pass),
            ],
        );
        assert_eq!(
            qc_passed_blockers(Some(&r), &[req("a", &["x", "y"]), req("b", &["y"])], &[]),
            vec![GateBlocker::CheckMissing {
                profile: "a".into(),
                check: "y".into()
            }]
        );
        assert!(
            qc_passed_blockers(Some(&r), &[req("a", &["x"]), req("b", &["y"])], &[]).is_empty()
        );
    }
}
