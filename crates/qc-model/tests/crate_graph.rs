//! The web app and the application layer read, judge and render QC reports but never run
//! ffmpeg: they depend on this crate, not on the runner (`postflow-qc`). Checked on the real
//! crate graph (`cargo metadata`), counting normal dependencies only — the web's tests QC real
//! files and may use the runner.
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::process::Command;

/// The machine's target triple: the graph is resolved for it, so that `--offline` does not ask
/// for other platforms' crates that were never downloaded.
fn host_triple() -> String {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

fn normal_dependency_closure(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host_triple(), "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let start = names
        .iter()
        .find(|(_, name)| **name == package)
        .map(|(id, _)| *id)
        .unwrap_or_else(|| panic!("{package} is not in the workspace"));
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(id) = todo.pop() {
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().unwrap();
            if normal && seen.insert(names[dep_id].to_string()) {
                todo.push(dep_id);
            }
        }
    }
    seen
}

#[test]
fn web_and_app_use_the_qc_model_without_linking_the_ffmpeg_runner() {
    for package in ["postflow-web", "postflow-app"] {
        let deps = normal_dependency_closure(package);
        assert!(
            deps.contains("postflow-qc-model"),
            "{package} should read reports through postflow-qc-model: {deps:?}"
        );
        assert!(
            !deps.contains("postflow-qc"),
            "{package} links the ffmpeg runner postflow-qc"
        );
    }
}

#[test]
fn the_model_depends_on_nothing_that_runs_processes_or_stores() {
    let deps = normal_dependency_closure("postflow-qc-model");
    for forbidden in [
        "postflow-qc",
        "postflow-store",
        "tokio",
        "crossbeam-channel",
        "libc",
    ] {
        assert!(
            !deps.contains(forbidden),
            "postflow-qc-model depends on {forbidden}"
        );
    }
}
