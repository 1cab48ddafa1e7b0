//! `postflow verify` on real copies: files added after the offload, samples, read-only copies
//! and checking without writing a generation.
use crate::ingest_common::*;
use std::path::Path;
use std::process::{Command, Output};

/// Every generation file's text in the copy's `ascmhl/` folder.
fn generations_text(copy: &Path) -> String {
    mhl_files(copy)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn offload(t: &Path, name: &str) -> std::path::PathBuf {
    let card = make_card(t, name);
    let d = t.join("d");
    std::fs::create_dir_all(&d).unwrap();
    let o = ingest(&card, &[&d], &[], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    d.join(name)
}

#[test]
fn a_file_added_after_the_offload_keeps_failing_until_accepted() {
    let t = tempfile::tempdir().unwrap();
    let copy = offload(t.path(), "A010");
    assert_eq!(code(&run(&["verify", s(&copy)])), 0);
    write(&copy.join("Clips/added later.mov"), b"not from the card");

    for run_no in 1..=3 {
        let o = run(&["verify", s(&copy), "--json"]);
        assert_eq!(code(&o), 1, "run {run_no}: {}", text(&o));
        let j = json(&o);
        assert_eq!(j["ok"], false, "run {run_no}");
        let extra = j["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "Clips/added later.mov")
            .unwrap_or_else(|| panic!("run {run_no}: not reported: {j}"));
        assert_eq!(extra["status"], "extra", "run {run_no}");
        assert!(
            !generations_text(&copy).contains("added later.mov"),
            "run {run_no}: the extra file was sealed into a generation"
        );
    }
    let o = run(&["verify", s(&copy)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("extra: Clips/added later.mov") && err.contains("verify --create"),
        "{}",
        text(&o)
    );

    // A person accepts it explicitly: recorded once, fine from then on.
    let o = run(&["verify", s(&copy), "--create"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(generations_text(&copy).contains("added later.mov"));
    let o = run(&["verify", s(&copy)]);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[test]
fn a_sampled_verify_says_it_was_a_sample_and_how_much_it_checked() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("CARD");
    for i in 0..20 {
        write(&card.join(format!("f{i:02}.bin")), &bytes(i, 100));
    }
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(code(&ingest(&card, &[&d], &[], None)), 0);
    let copy = d.join("CARD");

    let o = run(&["verify", s(&copy), "--sample", "25"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let summary = out.lines().next().unwrap();
    assert!(summary.starts_with("OK "), "{summary}");
    assert!(
        summary.contains("sample only: 5 of 20 recorded files checked"),
        "{summary}"
    );

    let o = run(&["verify", s(&copy), "--sample", "25", "--json"]);
    let j = json(&o);
    assert_eq!(j["sampled"], true);
    assert_eq!(j["sample"]["checked"], 5, "{j}");
    assert_eq!(j["sample"]["recorded"], 20, "{j}");
    assert_eq!(j["sample"]["percent"], 25.0, "{j}");
    // A full run says nothing of a sample.
    let j = json(&run(&["verify", s(&copy), "--json"]));
    assert_eq!(j["sampled"], false);
    assert!(j["sample"].is_null(), "{j}");
    let o = run(&["verify", s(&copy)]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("sample"));
}

/// Runs `postflow verify COPY ARGS…` with the copy read-only: on a read-only bind mount in an
/// unprivileged user and mount namespace where the kernel allows one, else through the
/// `read-only-copy` fault point. Returns the output and whether a real mount was used.
fn verify_read_only(copy: &Path, extra: &[&str]) -> (Output, bool) {
    let mut script = format!(
        "mount --bind '{c}' '{c}' || exit 98; mount -o remount,bind,ro '{c}' '{c}' || exit 98; \
         if touch '{c}/probe' 2>/dev/null; then exit 97; fi; exec '{bin}' verify '{c}'",
        c = s(copy),
        bin = env!("CARGO_BIN_EXE_postflow")
    );
    for e in extra {
        script.push_str(&format!(" '{e}'"));
    }
    let mounted = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output();
    match mounted {
        Ok(o) if code(&o) != 98 && !String::from_utf8_lossy(&o.stderr).starts_with("unshare:") => {
            assert_ne!(
                code(&o),
                97,
                "the bind mount did not make the copy read-only"
            );
            (o, true)
        }
        _ => {
            let mut args = vec!["verify", s(copy)];
            args.extend_from_slice(extra);
            (run_env(&args, "POSTFLOW_FAULT", "read-only-copy"), false)
        }
    }
}

#[test]
fn an_intact_read_only_copy_is_reported_intact_with_a_warning_that_its_history_was_not_written() {
    let t = tempfile::tempdir().unwrap();
    let copy = offload(t.path(), "A011");
    let generations = mhl_files(&copy).len();

    let (o, mounted) = verify_read_only(&copy, &["--json"]);
    eprintln!(
        "read-only via {}",
        if mounted {
            "a read-only mount"
        } else {
            "the fault point"
        }
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["ok"], true, "{j}");
    assert_eq!(j["record_requested"], true);
    assert!(
        j["not_recorded"].as_str().unwrap().contains("read-only"),
        "{}",
        j["not_recorded"]
    );
    assert!(j["errors"].as_array().unwrap().is_empty(), "{j}");
    let w = j["warnings"].to_string();
    assert!(w.contains("was not written into the copy's history"), "{w}");
    assert!(w.contains("--no-record"), "{w}");
    assert_eq!(mhl_files(&copy).len(), generations);

    // Human output: the verdict, then the history warning apart from it.
    let (o, _) = verify_read_only(&copy, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("OK "),
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("warning: this verification was not written"),
        "{}",
        text(&o)
    );

    // --no-record checks without trying to write: no warning, no generation.
    let (o, _) = verify_read_only(&copy, &["--no-record", "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["ok"], true);
    assert_eq!(j["record_requested"], false);
    assert!(j["not_recorded"].is_null());
    assert!(j["warnings"].as_array().unwrap().is_empty(), "{j}");
    assert!(j["generations_written"].as_array().unwrap().is_empty());
}

#[test]
fn no_record_writes_no_generation_but_still_finds_damage() {
    let t = tempfile::tempdir().unwrap();
    let copy = offload(t.path(), "A012");
    let before = mhl_files(&copy);
    let o = run(&["verify", s(&copy), "--no-record"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(mhl_files(&copy), before);
    let clip = copy.join("Clips/A001C002_260410_R1AB.mov");
    let mut b = std::fs::read(&clip).unwrap();
    b[7] ^= 1;
    std::fs::write(&clip, b).unwrap();
    let o = run(&["verify", s(&copy), "--no-record"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("changed: Clips/A001C002_260410_R1AB.mov"));
    assert_eq!(mhl_files(&copy), before);
    // --create writes a history, so it cannot be combined with --no-record.
    let o = run(&["verify", s(&copy), "--no-record", "--create"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
}
