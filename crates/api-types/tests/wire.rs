//! What the server writes, the CLI reads back unchanged: every body is one type on both sides,
//! and its JSON keeps the field names documented clients (and `postflow volume list --json`)
//! rely on.
use postflow_api_types::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) -> serde_json::Value {
    let json = serde_json::to_value(&value).unwrap();
    let back: T = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, value);
    json
}

fn keys(json: &serde_json::Value) -> Vec<&str> {
    json.as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn volume_bodies_round_trip_with_their_documented_fields() {
    let v = round_trip(VolumeDto {
        label: "LTO-000123".into(),
        kind: "lto".into(),
        media_type: "lto".into(),
        location: "offsite".into(),
        capacity_bytes: Some(18_000_000_000_000),
        notes: None,
        files_held: 3,
        last_verified: Some("2026-12-02T10:00:00+00:00".into()),
    });
    let mut fields = keys(&v);
    fields.sort();
    assert_eq!(
        fields,
        [
            "capacity_bytes",
            "files_held",
            "kind",
            "label",
            "last_verified",
            "location",
            "media_type",
            "notes"
        ]
    );
    round_trip(VolumeInputDto {
        label: "RAID-1".into(),
        kind: "drive".into(),
        media_type: None,
        location: "onsite".into(),
        capacity_bytes: None,
        notes: Some("shelf 2".into()),
    });
}

#[test]
fn errors_deliverables_and_qc_runs_round_trip() {
    let e = round_trip(ErrorDto {
        code: "invalid".into(),
        message: "label: use letters".into(),
        fields: [("label".to_string(), "use letters".to_string())].into(),
        error: "label: use letters".into(),
    });
    assert_eq!(e["fields"]["label"], "use letters");
    round_trip(DeliverableDto {
        id: 3,
        name: "Web master".into(),
        profiles: vec!["youtube".into()],
        layout: Some("stereo".into()),
        latest_qc: None,
        qc_passed_at: None,
        blockers: vec!["no QC run yet".into()],
    });
    round_trip(QcRunDto {
        run_id: 9,
        status: "pass".into(),
        url: "/projects/ACME-SPRING/deliverables/3".into(),
    });
}
