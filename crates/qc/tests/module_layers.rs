//! The detection settings live in their own module, below everything that uses them: the
//! decoder, the report and the profiles do not reach into the analysis for them (that made
//! cycles analysis → report → analysis, analysis → decode → analysis, analysis → profile →
//! analysis). The old paths stay public.
use std::path::Path;

fn source(module: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/{module}.rs"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn decode_report_and_profiles_do_not_depend_on_the_analysis() {
    for module in ["decode", "report", "profile", "detection"] {
        let text = source(module);
        assert!(
            !text.contains("crate::analysis"),
            "src/{module}.rs refers to crate::analysis"
        );
    }
    let detection = source("detection");
    for higher in [
        "crate::profile",
        "crate::report",
        "crate::decode",
        "crate::checks",
    ] {
        assert!(
            !detection.contains(higher),
            "src/detection.rs refers to {higher}"
        );
    }
}

#[test]
fn the_settings_stay_reachable_where_they_were() {
    let d: postflow_qc::analysis::DetectSettings = postflow_qc::DetectSettings::default();
    assert_eq!(d, postflow_qc::detection::DetectSettings::default());
    assert_eq!(
        postflow_qc::analysis::SETTINGS.len(),
        postflow_qc::detection::SETTINGS.len()
    );
    let (merged, set_by) = postflow_qc::DetectSettings::for_profiles(&d, &[]);
    assert_eq!(merged, d);
    assert!(set_by.is_empty());
}
