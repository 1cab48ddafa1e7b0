//! The "QC passed" milestone gate: reachable only when the latest automated QC run passed and
//! every manual checklist item of that run is signed off by a person.
use serde::Serialize;

/// The automated verdict of the latest QC run of a deliverable, as far as the gate cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutomatedVerdict {
    Pass,
    Fail,
}

/// Why the milestone cannot be reached yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum GateBlocker {
    NoQcRun,
    AutomatedChecksFailed { failed: Vec<String> },
    ManualItemUnsigned { item: String },
}

impl std::fmt::Display for GateBlocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateBlocker::NoQcRun => write!(f, "no QC run has been recorded for this deliverable"),
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
pub fn qc_passed_blockers(
    latest: Option<(AutomatedVerdict, Vec<String>)>,
    manual_items: &[String],
    signed_items: &[String],
) -> Vec<GateBlocker> {
    let Some((verdict, failed)) = latest else {
        return vec![GateBlocker::NoQcRun];
    };
    let mut blockers = Vec::new();
    if verdict == AutomatedVerdict::Fail {
        blockers.push(GateBlocker::AutomatedChecksFailed { failed });
    }
    for item in manual_items {
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

    #[test]
    fn needs_a_run() {
        assert_eq!(
            qc_passed_blockers(None, &[], &[]),
            vec![GateBlocker::NoQcRun]
        );
    }

    #[test]
    fn failed_automation_blocks_even_with_everything_signed() {
        let b = qc_passed_blockers(
            Some((AutomatedVerdict::Fail, s(&["loudness.integrated"]))),
            &s(&["captions"]),
            &s(&["captions"]),
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
        let b = qc_passed_blockers(
            Some((AutomatedVerdict::Pass, vec![])),
            &s(&["captions", "safe_area"]),
            &s(&["captions"]),
        );
        assert_eq!(
            b,
            vec![GateBlocker::ManualItemUnsigned {
                item: "safe_area".into()
            }]
        );
        assert!(qc_passed_blockers(
            Some((AutomatedVerdict::Pass, vec![])),
            &s(&["captions"]),
            &s(&["captions"])
        )
        .is_empty());
    }
}
