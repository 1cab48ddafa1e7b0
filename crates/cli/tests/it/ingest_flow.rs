//! `postflow ingest`, `verify` and `project scaffold` on real trees: the happy paths, the JSON
//! shape, history growth, naming, and the history checks stricter than the reference tool.
use crate::ingest_common::*;

#[test]
fn ingest_to_two_destinations_copies_verifies_and_reports() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "A001R1AB");
    let (d1, d2) = (t.path().join("d1"), t.path().join("d2"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    let report = t.path().join("report.html");
    let o = ingest(
        &card,
        &[&d1, &d2],
        &["--hash", "xxh64, md5, c4", "--json", "--report", s(&report)],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["schema"], "postflow.ingest.v1");
    assert_eq!(j["complete"], true);
    assert_eq!(j["totals"]["files"], 6);
    assert_eq!(j["totals"]["verified_copies"], 12);
    assert_eq!(j["destinations"][0]["status"], "complete");
    let clip = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "Clips/A001C001_260410_R1AB.mov")
        .unwrap();
    assert_eq!(clip["size"], 300_000);
    assert_eq!(clip["hashes"][0]["algorithm"], "xxh64");
    assert_eq!(clip["copies"][1]["verified"], true);
    assert!(clip["copies"][1]["verified_at"].is_string());

    let src_tree = tree(&card);
    for d in [&d1, &d2] {
        let copy = d.join("A001R1AB");
        assert_eq!(tree(&copy), src_tree);
        assert!(copy.join("Empty folder").is_dir());
        // modification times preserved
        let a = std::fs::metadata(card.join("Clips/A001C001_260410_R1AB.mov")).unwrap();
        let b = std::fs::metadata(copy.join("Clips/A001C001_260410_R1AB.mov")).unwrap();
        assert_eq!(a.modified().unwrap(), b.modified().unwrap());
        let mhl = mhl_files(&copy);
        assert_eq!(mhl.len(), 1);
        let name = mhl[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("0001_A001R1AB_") && name.ends_with("Z.mhl"),
            "{name}"
        );
        let xml = std::fs::read_to_string(&mhl[0]).unwrap();
        assert!(xml.contains("<process>transfer</process>"));
        assert!(xml.contains("é à ü — take 1.txt"));
        assert!(xml.contains("<roothash>"));
    }
    let html = std::fs::read_to_string(t.path().join("report.html")).unwrap();
    assert!(html.contains("A001C001_260410_R1AB.mov") && html.contains("COMPLETE"));
    let j2: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(j2["totals"], j["totals"]);

    // verify the copy: OK, and a new generation recording it
    let v = run(&["verify", s(&d2.join("A001R1AB")), "--json"]);
    assert_eq!(code(&v), 0, "{}", text(&v));
    let vj = json(&v);
    assert_eq!(vj["ok"], true);
    assert!(vj["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["status"] == "ok"));
    assert_eq!(mhl_files(&d2.join("A001R1AB")).len(), 2);
}

#[test]
fn second_ingest_extends_the_history_and_reuses_verified_copies() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "SOUND_01");
    let d1 = t.path().join("d1");
    std::fs::create_dir_all(&d1).unwrap();
    let first = ingest(&card, &[&d1], &["--json"], None);
    assert_eq!(code(&first), 0, "{}", text(&first));
    let gen1 = std::fs::read(&mhl_files(&d1.join("SOUND_01"))[0]).unwrap();
    let o = ingest(&card, &[&d1], &["--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    assert!(j["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["copies"][0]["reused"] == true));
    let mhl = mhl_files(&d1.join("SOUND_01"));
    assert_eq!(mhl.len(), 2);
    // the first generation is never rewritten; the second verifies against it
    assert_eq!(std::fs::read(&mhl[0]).unwrap(), gen1);
    let xml2 = std::fs::read_to_string(&mhl[1]).unwrap();
    assert!(xml2.contains("action=\"verified\"") && !xml2.contains("action=\"original\""));
    let chain = std::fs::read_to_string(d1.join("SOUND_01/ascmhl/ascmhl_chain.xml")).unwrap();
    assert!(chain.contains("sequencenr=\"2\""));
}

#[test]
fn naming_check_warns_and_rename_keeps_the_original_name() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("DAY01");
    write(&card.join("ACME_SC01_01_20260410.MOV"), b"conforming");
    write(&card.join("sc01-02 20260410.mov"), b"fixable");
    write(&card.join("A001C003_260410_R1AB.mov"), b"camera original");
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    let o = ingest(
        &card,
        &[&d],
        &["--project", "ACME", "--rename", "--json"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    let warnings = j["warnings"].to_string();
    assert!(
        warnings.contains("A001C003_260410_R1AB.mov does not follow the camera naming convention"),
        "{warnings}"
    );
    assert!(
        !warnings.contains("ACME_SC01_01_20260410.MOV does not"),
        "{warnings}"
    );
    let renamed = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["original_path"] == "sc01-02 20260410.mov")
        .expect("renamed file reported");
    assert_eq!(renamed["path"], "ACME_SC01_02_20260410.MOV");
    assert_eq!(
        std::fs::read(d.join("DAY01/ACME_SC01_02_20260410.MOV")).unwrap(),
        b"fixable"
    );
    let xml = std::fs::read_to_string(&mhl_files(&d.join("DAY01"))[0]).unwrap();
    assert!(
        xml.contains("<previousPath>sc01-02 20260410.mov</previousPath>"),
        "{xml}"
    );
}

#[test]
fn naming_file_overrides_the_defaults() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("ROLL");
    write(&card.join("ACME-S001-3.WAV"), b"x");
    write(&card.join("ACME_SC01_LAV_20260410.WAV"), b"y");
    let rules = t.path().join("naming.toml");
    std::fs::write(
        &rules,
        "[tokens]\nSCENE = \"S[0-9]{3}\"\n[[rule]]\nkind = \"audio\"\nextensions = [\"WAV\"]\npattern = \"{PROJECT}-{SCENE}-{TAKE}\"\n",
    )
    .unwrap();
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    let o = ingest(
        &card,
        &[&d],
        &["--project", "ACME", "--naming", s(&rules), "--json"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let w = json(&o)["warnings"].to_string();
    assert!(
        w.contains("ACME_SC01_LAV_20260410.WAV does not follow the audio"),
        "{w}"
    );
    assert!(!w.contains("ACME-S001-3.WAV"), "{w}");
    std::fs::write(&rules, "[[rule]]\nkind = 3\n").unwrap();
    let bad = ingest(&card, &[&d], &["--naming", s(&rules)], None);
    assert_eq!(code(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("naming.toml"));
}

#[test]
fn scaffold_creates_the_default_tree_and_a_template() {
    let t = tempfile::tempdir().unwrap();
    let o = run(&["project", "scaffold", "ACME", s(t.path())]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    for d in [
        "RAW_FOOTAGE/CAMERA_A",
        "RAW_FOOTAGE/CAMERA_B",
        "AUDIO/LOCATION_SOUND",
        "GRAPHICS/LOWER_THIRDS",
        "VFX/COMPOSITING",
        "EDIT_FILES",
        "DELIVERABLES",
    ] {
        assert!(t.path().join("ACME").join(d).is_dir(), "{d}");
    }
    // idempotent
    let again = run(&["project", "scaffold", "ACME", s(t.path()), "--json"]);
    assert_eq!(json(&again)["created"].as_array().unwrap().len(), 0);
    let tpl = t.path().join("tpl.txt");
    std::fs::write(&tpl, "# custom\nSHOOT/{PROJECT}_CARDS\nMIX\n").unwrap();
    let o = run(&[
        "project",
        "scaffold",
        "DOC1",
        s(t.path()),
        "--template",
        s(&tpl),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(t.path().join("DOC1/SHOOT/DOC1_CARDS").is_dir());
    let bad = run(&["project", "scaffold", "acme corp", s(t.path())]);
    assert_eq!(code(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("project code"));
}

#[test]
fn verify_sample_hashes_part_and_still_finds_missing_files() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("CARD");
    for i in 0..20 {
        write(&card.join(format!("f{i:02}.bin")), &bytes(i, 100));
    }
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(code(&ingest(&card, &[&d], &[], None)), 0);
    let copy = d.join("CARD");
    let o = run(&["verify", s(&copy), "--sample", "25", "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["sampled"], true);
    let files = j["files"].as_array().unwrap();
    assert_eq!(files.iter().filter(|f| f["status"] == "ok").count(), 5);
    assert_eq!(
        files
            .iter()
            .filter(|f| f["status"] == "not_sampled")
            .count(),
        15
    );
    std::fs::remove_file(copy.join("f07.bin")).unwrap();
    let o = run(&["verify", s(&copy), "--sample", "10"]);
    assert_eq!(code(&o), 1);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("missing: f07.bin"),
        "{}",
        text(&o)
    );
    let bad = run(&["verify", s(&copy), "--sample", "0"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn verify_names_missing_extra_and_broken_history() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "A002");
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(code(&ingest(&card, &[&d], &[], None)), 0);
    let copy = d.join("A002");
    assert_eq!(code(&run(&["verify", s(&copy)])), 0);
    assert_eq!(code(&run(&["verify", s(&copy)])), 0);
    std::fs::remove_file(copy.join("Metadata/A001C001.xml")).unwrap();
    write(&copy.join("stray.txt"), b"not from the card");
    // break the history: drop generation 2, duplicate sequence 3, edit generation 1
    let mhl = mhl_files(&copy);
    assert_eq!(mhl.len(), 3);
    std::fs::remove_file(&mhl[1]).unwrap();
    let dup = mhl[2].with_file_name("0003_A002_2020-01-01_000000Z.mhl");
    std::fs::copy(&mhl[2], &dup).unwrap();
    let mut g1 = std::fs::read_to_string(&mhl[0]).unwrap();
    g1 = g1.replace("<hostname>", "<hostname>edited-");
    std::fs::write(&mhl[0], g1).unwrap();
    let o = run(&["verify", s(&copy)]);
    assert_eq!(code(&o), 1);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    for needle in [
        "missing: Metadata/A001C001.xml",
        "extra: stray.txt",
        "generation 0002 is missing",
        "sequence number 0003 is used more than once",
        "was changed after it was written",
    ] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
}

#[test]
fn verify_reads_mhl_v1_lists() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("OLD");
    write(&card.join("Clips/A.mov"), b"hello");
    write(&card.join("B.wav"), b"world");
    // a Pomfort-style v1 list: xxh64 big-endian for A, md5 for B, and a file that is gone
    let v1 = r#"<?xml version="1.0" encoding="UTF-8"?>
<hashlist version="1.1">
  <creatorinfo><name>DIT</name><tool>Silverstack</tool></creatorinfo>
  <hash><file>Clips/A.mov</file><size>5</size><xxhash64be>26c7827d889f6da3</xxhash64be><hashdate>2019-01-01T00:00:00Z</hashdate></hash>
  <hash><file>B.wav</file><size>5</size><md5>7d793037a0760186574b0282f2f435e7</md5></hash>
  <hash><file>C.wav</file><size>5</size><md5>00000000000000000000000000000000</md5></hash>
</hashlist>
"#;
    write(&card.join("OLD_2019-01-01_000000.mhl"), v1.as_bytes());
    let o = run(&["verify", s(&card), "--json"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let j = json(&o);
    let status = |p: &str| {
        j["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .map(|f| f["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("Clips/A.mov").as_deref(), Some("ok"));
    assert_eq!(status("B.wav").as_deref(), Some("ok"));
    assert_eq!(status("C.wav").as_deref(), Some("missing"));
    assert_eq!(status("OLD_2019-01-01_000000.mhl"), None);
}

#[test]
fn bad_arguments_exit_2_with_one_clear_sentence() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "C");
    let o = ingest(&card, &[&t.path().join("nope")], &[], None);
    assert_eq!(code(&o), 2);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.starts_with("error: destination") && e.contains("nope") && e.contains("mount"),
        "{e}"
    );
    let o = run(&["ingest", s(&card), "--dest", s(t.path()), "--hash", "crc32"]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown hash format `crc32`"));
    let o = run(&["verify", s(&card)]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no ASC MHL history"));
}

#[test]
fn an_empty_source_is_refused_and_nothing_is_copied() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("EMPTY");
    std::fs::create_dir_all(card.join("Clips")).unwrap();
    std::fs::create_dir_all(card.join("Metadata/deeper")).unwrap();
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    for extra in [&[][..], &["--json"][..]] {
        let o = ingest(&card, &[&d], extra, None);
        assert_eq!(code(&o), 2, "{}", text(&o));
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            e.starts_with("error: source") && e.contains("has no files") && e.contains("mounted"),
            "{e}"
        );
        assert!(!String::from_utf8_lossy(&o.stdout).contains("COMPLETE"));
        assert!(!d.join("EMPTY").exists(), "a destination folder was made");
    }
}
