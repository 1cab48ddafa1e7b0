//! Faults that must lose nothing, each on real files: a kill at several moments, a
//! destination that starts failing or disappears, a bit flipped after the copy, a source file
//! still being written, an unreadable file, symlinks and special files.
use crate::ingest_common::*;
use std::path::Path;
use std::process::Command;

/// A card with one file of several 4 MiB chunks, so a kill can land inside a file.
fn card_with_big_clip(root: &Path) -> std::path::PathBuf {
    let card = make_card(root, "CARD");
    write(
        &card.join("Clips/A001C004_260410_R1AB.mov"),
        &bytes(4, 9 * 1024 * 1024 + 7),
    );
    card
}

fn dests(root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (d1, d2) = (root.join("d1"), root.join("d2"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    (d1, d2)
}

fn partials(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if e
                .file_name()
                .to_string_lossy()
                .ends_with(".postflow-partial")
            {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}

/// Every file under its final name is a complete, correct copy, and every file an MHL
/// generation lists is there and matches.
fn assert_nothing_partial_or_false(card: &Path, copy: &Path) {
    let src = tree(card);
    for (rel, content) in tree(copy) {
        if rel.ends_with(".postflow-partial")
            || rel.contains("/.postflow-")
            || rel.starts_with(".postflow-")
        {
            continue;
        }
        assert_eq!(
            src.get(&rel),
            Some(&content),
            "{rel} under its final name differs from the source"
        );
    }
    for mhl in mhl_files(copy) {
        let xml = std::fs::read_to_string(&mhl).unwrap();
        for part in xml.split("<path").skip(1) {
            let Some(start) = part.find('>') else {
                continue;
            };
            let Some(end) = part.find("</path>") else {
                continue;
            };
            let rel = &part[start + 1..end];
            if part[..start].contains("size=") {
                let rel = rel.replace("&amp;", "&");
                assert_eq!(
                    tree(copy).get(&rel),
                    src.get(&rel),
                    "{rel} is recorded in {} but not correct on disk",
                    mhl.display()
                );
            }
        }
    }
}

#[test]
fn killed_at_any_moment_the_rerun_resumes_and_nothing_false_is_left() {
    for fault in [
        "kill-after-chunks=1",
        "kill-after-chunks=4",
        "kill-at=before-mhl",
        "kill-at=after-generation",
    ] {
        let t = tempfile::tempdir().unwrap();
        let card = card_with_big_clip(t.path());
        let (d1, d2) = dests(t.path());
        let args = [
            "ingest",
            s(&card),
            "--dest",
            s(&d1),
            "--dest",
            s(&d2),
            "--jobs",
            "1",
        ];
        let killed = run_env(&args, "POSTFLOW_FAULT", fault);
        assert_eq!(
            killed.status.code(),
            None,
            "{fault}: expected a kill, got {}",
            text(&killed)
        );
        for d in [&d1, &d2] {
            assert_nothing_partial_or_false(&card, &d.join("CARD"));
        }
        let o = run(&[&args[..], &["--json"]].concat());
        assert_eq!(code(&o), 0, "{fault}: {}", text(&o));
        assert_eq!(json(&o)["complete"], true);
        for d in [&d1, &d2] {
            let copy = d.join("CARD");
            assert!(partials(&copy).is_empty(), "{fault}: {:?}", partials(&copy));
            assert_eq!(tree(&copy), tree(&card), "{fault}");
            let v = run(&["verify", s(&copy)]);
            assert_eq!(code(&v), 0, "{fault}: {}", text(&v));
        }
    }
}

fn make_immutable(dir: &Path, on: bool) {
    // root ignores permission bits, but not the immutable attribute
    if is_root() {
        let st = Command::new("chattr")
            .arg(if on { "+i" } else { "-i" })
            .arg(dir)
            .status()
            .unwrap();
        assert!(st.success(), "chattr is needed for this test (e2fsprogs)");
    } else {
        let mode = if on { "555" } else { "755" };
        assert!(Command::new("chmod")
            .arg(mode)
            .arg(dir)
            .status()
            .unwrap()
            .success());
    }
}

#[test]
fn a_destination_that_starts_failing_is_named_and_the_other_completes() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "CARD");
    let (d1, d2) = dests(t.path());
    // Clips copy fine on d2, then its Metadata folder refuses new files
    let blocked = d2.join("CARD/Metadata");
    std::fs::create_dir_all(&blocked).unwrap();
    make_immutable(&blocked, true);
    let o = ingest(&card, &[&d1, &d2], &["--jobs", "1", "--json"], None);
    make_immutable(&blocked, false);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["complete"], false);
    assert_eq!(j["destinations"][0]["status"], "complete");
    assert_eq!(j["destinations"][1]["status"], "failed");
    let errors = j["errors"].to_string();
    assert!(
        errors.contains(&format!("destination {} failed", d2.display())),
        "{errors}"
    );
    assert!(
        j["destinations"][1]["files_verified"].as_u64().unwrap() >= 1,
        "some files before the failure"
    );
    assert_eq!(tree(&d1.join("CARD")), tree(&card));
    assert_nothing_partial_or_false(&card, &d2.join("CARD"));
    assert!(partials(&d2).is_empty());
    // once the drive works again the same command finishes the job
    let o = ingest(&card, &[&d1, &d2], &[], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(tree(&d2.join("CARD")), tree(&card));
}

#[test]
fn a_destination_that_disappears_is_named_and_not_recreated() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "CARD");
    let (d1, d2) = dests(t.path());
    let fault = format!("remove-dir-after-files=2:{}", d2.display());
    let o = ingest(&card, &[&d1, &d2], &["--jobs", "1", "--json"], Some(&fault));
    assert_eq!(code(&o), 1, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["destinations"][0]["status"], "complete");
    assert_eq!(j["destinations"][1]["status"], "failed");
    assert!(j["destinations"][1]["error"]
        .as_str()
        .unwrap()
        .contains("disappeared"));
    assert!(!d2.exists(), "a vanished destination must not be recreated");
    let v = run(&["verify", s(&d1.join("CARD"))]);
    assert_eq!(code(&v), 0, "{}", text(&v));
}

#[test]
fn a_bit_flipped_after_ingest_is_found_and_named() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "CARD");
    let (d1, _) = dests(t.path());
    assert_eq!(code(&ingest(&card, &[&d1], &[], None)), 0);
    let victim = d1.join("CARD/Clips/A001C002_260410_R1AB.mov");
    let mut data = std::fs::read(&victim).unwrap();
    data[75_000] ^= 0x10;
    std::fs::write(&victim, data).unwrap();
    let o = run(&["verify", s(&d1.join("CARD"))]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("changed: Clips/A001C002_260410_R1AB.mov (xxh64 recorded"),
        "{err}"
    );
    let latest = mhl_files(&d1.join("CARD")).pop().unwrap();
    let xml = std::fs::read_to_string(latest).unwrap();
    assert!(
        xml.contains("action=\"failed\""),
        "the failed verification is recorded"
    );
}

#[test]
fn a_source_file_still_being_written_is_detected_and_not_copied() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "CARD");
    let (d1, d2) = dests(t.path());
    let o = ingest(
        &card,
        &[&d1, &d2],
        &["--json"],
        Some("append-source=Clips/A001C001_260410_R1AB.mov"),
    );
    assert_eq!(code(&o), 1, "{}", text(&o));
    let j = json(&o);
    let f = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "Clips/A001C001_260410_R1AB.mov")
        .unwrap();
    assert!(
        f["error"]
            .as_str()
            .unwrap()
            .contains("changed while it was being copied"),
        "{f}"
    );
    assert_eq!(f["copies"][0]["verified"], false);
    for d in [&d1, &d2] {
        assert!(!d.join("CARD/Clips/A001C001_260410_R1AB.mov").exists());
        assert!(d.join("CARD/Clips/A001C002_260410_R1AB.mov").exists());
        assert!(partials(d).is_empty());
    }
    let o = ingest(&card, &[&d1, &d2], &[], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[test]
fn an_unreadable_source_file_is_named_and_the_rest_is_copied() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "CARD");
    let (d1, _) = dests(t.path());
    let rel = "Metadata/A001C001.xml";
    let o = if is_root() {
        // root reads anything; the real fault left is a file gone between listing and reading
        ingest(
            &card,
            &[&d1],
            &["--json"],
            Some(&format!("vanish-source={rel}")),
        )
    } else {
        assert!(Command::new("chmod")
            .arg("000")
            .arg(card.join(rel))
            .status()
            .unwrap()
            .success());
        ingest(&card, &[&d1], &["--json"], None)
    };
    assert_eq!(code(&o), 1, "{}", text(&o));
    let j = json(&o);
    assert!(
        j["errors"]
            .to_string()
            .contains(&format!("cannot read {}", card.join(rel).display())),
        "{}",
        j["errors"]
    );
    assert!(d1.join("CARD/Clips/A001C001_260410_R1AB.mov").exists());
    let xml = std::fs::read_to_string(&mhl_files(&d1.join("CARD"))[0]).unwrap();
    assert!(
        !xml.contains("A001C001.xml"),
        "an uncopied file is not recorded"
    );
}

#[test]
fn symlinks_and_special_files_are_reported_not_followed() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "CARD");
    write(&t.path().join("outside/secret.txt"), b"outside the card");
    std::os::unix::fs::symlink(
        t.path().join("outside/secret.txt"),
        card.join("Clips/link.mov"),
    )
    .unwrap();
    std::os::unix::fs::symlink(t.path().join("outside"), card.join("outside-dir")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(card.join("pipe"))
        .status()
        .unwrap()
        .success());
    let (d1, _) = dests(t.path());
    let o = ingest(&card, &[&d1], &["--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    let w = j["warnings"].to_string();
    assert!(w.contains("Clips/link.mov is a symbolic link"), "{w}");
    assert!(w.contains("outside-dir is a symbolic link"), "{w}");
    assert!(w.contains("pipe is not a regular file"), "{w}");
    assert_eq!(j["skipped"].as_array().unwrap().len(), 3);
    let copy = d1.join("CARD");
    assert!(std::fs::symlink_metadata(copy.join("outside-dir"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(
        !tree(&copy).keys().any(|k| k.contains("secret")),
        "targets outside the card are not copied"
    );
    let xml = std::fs::read_to_string(&mhl_files(&copy)[0]).unwrap();
    assert!(!xml.contains("secret.txt") && !xml.contains("link.mov"));
}

#[test]
fn killed_while_writing_the_source_history_the_rerun_completes_both_histories() {
    for fault in ["kill-at=after-generation", "kill-at=after-source-history"] {
        let t = tempfile::tempdir().unwrap();
        let card = make_card(t.path(), "CARD");
        let (d1, _) = dests(t.path());
        let args = [
            "ingest",
            s(&card),
            "--dest",
            s(&d1),
            "--source-mhl",
            "--json",
        ];
        let killed = run_env(&args, "POSTFLOW_FAULT", fault);
        assert_eq!(killed.status.code(), None, "{fault}: {}", text(&killed));
        assert_eq!(mhl_files(&card).len(), 1, "{fault}");
        let o = run(&args);
        assert_eq!(code(&o), 0, "{fault}: {}", text(&o));
        let j = json(&o);
        assert_eq!(j["source_history"]["written"], true, "{fault}");
        assert_eq!(j["source_history"]["files_matched"], 6, "{fault}");
        if fault == "kill-at=after-generation" {
            assert!(
                j["warnings"]
                    .to_string()
                    .contains("completed the chain entry"),
                "{fault}: {}",
                j["warnings"]
            );
        }
        // the card's history: both generations chained; the copy's continues it
        let card_chain = std::fs::read_to_string(card.join("ascmhl/ascmhl_chain.xml")).unwrap();
        assert!(
            card_chain.contains("sequencenr=\"2\""),
            "{fault}: {card_chain}"
        );
        let copy = d1.join("CARD");
        assert_eq!(mhl_files(&copy).len(), 3, "{fault}");
        for root in [&copy, &card] {
            let v = run(&["verify", s(root), "--json"]);
            assert_eq!(code(&v), 0, "{fault}: {}", text(&v));
            assert!(json(&v)["history_problems"].as_array().unwrap().is_empty());
        }
    }
}
