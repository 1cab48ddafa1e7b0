//! Cards that carry an MHL, and the source's own history (`--source-mhl`): the card is checked
//! against its record during the one read, its `ascmhl/` history continues on every
//! destination, and the reference tool reads and verifies what we wrote, on real files.
use crate::ingest_common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ascmhl_run(args: &[&str], path: &Path) -> Output {
    Command::new(ascmhl())
        .args(args)
        .arg(path)
        .output()
        .expect("ascmhl runs")
}

/// `ascmhl info` lists exactly generations 1..=n.
fn assert_info_lists(path: &Path, n: usize) {
    let o = ascmhl_run(&["info"], path);
    assert!(o.status.success(), "ascmhl info: {}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for g in 1..=n {
        assert!(out.contains(&format!("Generation {g} ")), "{g} in {out}");
    }
    assert!(!out.contains(&format!("Generation {} ", n + 1)), "{out}");
}

/// `ascmhl create` on `path` verifies every file as OK against the history (it appends a
/// generation of its own).
fn assert_reference_verifies(path: &Path, files: usize) {
    let o = ascmhl_run(&["create", "-v", "-h", "xxh64"], path);
    assert!(o.status.success(), "ascmhl create: {}", text(&o));
    let log = String::from_utf8_lossy(&o.stdout);
    assert!(
        !log.contains("ERROR") && !log.contains("created original"),
        "{log}"
    );
    assert_eq!(log.matches("verified ").count(), files, "{log}");
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn file<'a>(j: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in the report"))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn chain_of(folder: &Path) -> String {
    read(&folder.join("ascmhl/ascmhl_chain.xml"))
}

/// The `<hashlist>` entries of a chain file, in order.
fn chain_entries(folder: &Path) -> Vec<String> {
    chain_of(folder)
        .split("<hashlist ")
        .skip(1)
        .map(|e| e.split("</hashlist>").next().unwrap().to_string())
        .collect()
}

fn copy_fixture(rel: &str, to: &Path) -> PathBuf {
    let from = fixtures().join("scenarios").join(rel);
    let name = from.file_name().unwrap().to_owned();
    std::fs::create_dir_all(to).unwrap();
    let st = Command::new("cp")
        .arg("-rp")
        .arg(&from)
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
    let card = to.join(name);
    assert!(Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&card)
        .status()
        .unwrap()
        .success());
    card
}

#[test]
fn source_mhl_writes_the_cards_own_history_which_every_copy_continues() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "A001R1AB");
    let n_files = tree(&card).len();
    let (d1, d2) = (t.path().join("d1"), t.path().join("d2"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();

    let o = ingest(&card, &[&d1], &["--source-mhl", "--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    let sh = &j["source_history"];
    assert_eq!(sh["carried"], "none");
    assert_eq!(sh["requested"], true);
    assert_eq!(sh["written"], true, "{sh}");
    assert!(sh["not_written"].is_null());
    let written = strings(&sh["generations_written"]);
    assert_eq!(written.len(), 1);
    let src_gen = mhl_files(&card);
    assert_eq!(src_gen.len(), 1);
    assert_eq!(written[0], src_gen[0].display().to_string());
    let gen1 = read(&src_gen[0]);
    assert!(gen1.contains("<process>in-place</process>"), "{gen1}");
    assert!(gen1.contains("action=\"original\"") && gen1.contains("<roothash>"));
    // the source generation records the hashes of the one read, as reported
    let clip = file(&j, "Clips/A001C001_260410_R1AB.mov");
    let xxh64 = clip["hashes"][0]["value"].as_str().unwrap();
    assert!(gen1.contains(&format!(">{xxh64}</xxh64>")), "{gen1}");

    // the copy holds the card's generation unchanged, then its own, in one chain
    let copy = d1.join("A001R1AB");
    let copy_gens = mhl_files(&copy);
    assert_eq!(copy_gens.len(), 2);
    assert_eq!(read(&copy_gens[0]), gen1);
    assert!(read(&copy_gens[1]).contains("<process>transfer</process>"));
    assert_eq!(chain_entries(&copy)[0], chain_entries(&card)[0]);
    assert_eq!(chain_entries(&copy).len(), 2);

    // schema-valid, and the reference tool reads both histories and verifies the card
    let mut all = src_gen.clone();
    all.extend(copy_gens.iter().cloned());
    xmllint(&fixtures().join("ASCMHL.xsd"), &all);
    xmllint(
        &directory_xsd(t.path()),
        &[
            card.join("ascmhl/ascmhl_chain.xml"),
            copy.join("ascmhl/ascmhl_chain.xml"),
        ],
    );
    assert_info_lists(&card, 1);
    assert_info_lists(&copy, 2);
    assert_reference_verifies(&card, n_files);

    // a second ingest verifies the card's history (now with the reference tool's generation)
    // and extends it; nothing earlier is rewritten
    let o = ingest(&card, &[&d2], &["--source-mhl", "--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["source_history"]["carried"], "ascmhl");
    assert_eq!(j["source_history"]["generations"], 2);
    assert_eq!(
        j["source_history"]["files_matched"].as_u64().unwrap() as usize,
        n_files
    );
    assert_eq!(
        j["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        j["warnings"]
    );
    let src_gens = mhl_files(&card);
    assert_eq!(src_gens.len(), 3);
    assert_eq!(read(&src_gens[0]), gen1);
    let gen3 = read(&src_gens[2]);
    assert!(
        gen3.contains("action=\"verified\"") && !gen3.contains("action=\"original\""),
        "{gen3}"
    );
    let copy2 = d2.join("A001R1AB");
    assert_info_lists(&copy2, 4);
    assert_eq!(chain_entries(&copy2)[..3], chain_entries(&card)[..]);
    assert_reference_verifies(&copy2, n_files);
    assert_eq!(code(&run(&["verify", s(&copy2)])), 0);

    // the first copy's history and the card's have each grown since: they diverged, the
    // copy's is kept and extended, and it stays consistent
    let o = ingest(&card, &[&d1], &["--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let w = json(&o)["warnings"].to_string();
    assert!(w.contains("diverged after generation 1"), "{w}");
    assert_eq!(mhl_files(&copy).len(), 3);
    let v = run(&["verify", s(&copy), "--json"]);
    assert_eq!(code(&v), 0, "{}", text(&v));
}

/// Runs an ingest with the card read-only: on a read-only bind mount in an unprivileged user
/// and mount namespace (`unshare -rm`) where the kernel allows one, else through the
/// `read-only-source` fault point. Returns the output and whether a real mount was used.
fn ingest_read_only(card: &Path, dest: &Path, extra: &[&str]) -> (Output, bool) {
    let mut script = format!(
        "mount --bind '{c}' '{c}' || exit 98; mount -o remount,bind,ro '{c}' '{c}' || exit 98; \
         if touch '{c}/probe' 2>/dev/null; then exit 97; fi; exec '{bin}' ingest '{c}' --dest '{d}'",
        c = s(card),
        d = s(dest),
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
                "the bind mount did not make the card read-only"
            );
            (o, true)
        }
        _ => (
            ingest(card, &[dest], extra, Some("read-only-source")),
            false,
        ),
    }
}

fn assert_read_only_run(o: &Output, card: &Path, how: &str) {
    assert_eq!(code(o), 0, "{how}: {}", text(o));
    let j = json(o);
    assert_eq!(j["complete"], true, "{how}");
    let sh = &j["source_history"];
    assert_eq!(sh["requested"], true);
    assert_eq!(sh["written"], false, "{how}: {sh}");
    assert!(
        sh["not_written"].as_str().unwrap().contains("read-only"),
        "{how}: {sh}"
    );
    assert!(
        j["warnings"]
            .to_string()
            .contains("the source's own ASC MHL history was not written"),
        "{how}: {}",
        j["warnings"]
    );
    assert!(
        !card.join("probe").exists(),
        "{how}: the card was writable after all"
    );
}

#[test]
fn a_read_only_card_is_copied_and_the_report_says_its_history_was_not_written() {
    let t = tempfile::tempdir().unwrap();
    // a card without a history, and one sealed by the reference tool
    let plain = make_card(t.path(), "A001R1AB");
    let sealed = copy_fixture("scenario_01/travel_01/A002R2EC", &t.path().join("cards"));
    let sealed_before = tree(&sealed.join("ascmhl"));

    for (card, via_fault) in [(&plain, false), (&sealed, false), (&plain, true)] {
        let d = t.path().join(format!(
            "d-{}-{via_fault}",
            card.file_name().unwrap().to_string_lossy()
        ));
        std::fs::create_dir_all(&d).unwrap();
        let (o, mounted) = if via_fault {
            let o = ingest(
                card,
                &[&d],
                &["--source-mhl", "--json"],
                Some("read-only-source"),
            );
            (o, false)
        } else {
            ingest_read_only(card, &d, &["--source-mhl", "--json"])
        };
        let how = if mounted {
            "read-only mount"
        } else {
            "fault point"
        };
        eprintln!("{}: read-only via the {how}", card.display());
        assert_read_only_run(&o, card, how);
        let copy = d.join(card.file_name().unwrap());
        assert_eq!(tree(&copy), tree(card), "{how}");
        if card == &sealed {
            // the existing history was verified (every file matched) and left as it was
            let j = json(&o);
            assert_eq!(j["source_history"]["files_matched"], 3, "{how}");
            assert_eq!(tree(&sealed.join("ascmhl")), sealed_before, "{how}");
            assert_info_lists(&copy, 2);
        } else {
            assert!(!card.join("ascmhl").exists(), "{how}: history half-written");
        }
        assert_eq!(code(&run(&["verify", s(&copy)])), 0, "{how}");
    }
}

#[test]
fn a_card_sealed_by_the_reference_tool_continues_on_the_copy_as_in_its_scenarios() {
    let t = tempfile::tempdir().unwrap();
    // scenario 02: the card was sealed on the travel drive; our ingest to the file server must
    // produce what the reference tool's second generation there records
    let card = copy_fixture(
        "scenario_01/travel_01/A002R2EC",
        &t.path().join("travel_01"),
    );
    let server = t.path().join("file_server");
    std::fs::create_dir_all(&server).unwrap();
    let card_gen1 = read(&mhl_files(&card)[0]);
    // md5 was not recorded on the card: xxh64 is computed in the same read to check it
    let o = ingest(&card, &[&server], &["--hash", "md5", "--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["source_history"]["carried"], "ascmhl");
    assert_eq!(j["source_history"]["files_matched"], 3);
    assert_eq!(
        j["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        j["warnings"]
    );
    let sidecar = file(&j, "Sidecar.txt");
    assert_eq!(sidecar["card_record"]["status"], "matched");
    assert_eq!(sidecar["card_record"]["algorithm"], "xxh64");
    assert_eq!(sidecar["hashes"][0]["algorithm"], "md5");
    assert_eq!(sidecar["hashes"][1]["value"], "3ab5a4166b9bde44");

    let copy = server.join("A002R2EC");
    let gens = mhl_files(&copy);
    assert_eq!(gens.len(), 2);
    assert_eq!(read(&gens[0]), card_gen1);
    let reference = read(&fixtures().join(
        "scenarios/scenario_02/file_server/A002R2EC/ascmhl/0002_A002R2EC_2020-01-17_143000Z.mhl",
    ));
    let ours = read(&gens[1]);
    for value in ["0ea03b369a463d9d", "7680e5f98f4a80fd", "3ab5a4166b9bde44"] {
        assert!(
            reference.contains(value) && ours.contains(value),
            "{value}: {ours}"
        );
    }
    assert_eq!(ours.matches("action=\"verified\"").count(), 3 * 2, "{ours}");
    assert!(!ours.contains("action=\"original\""), "{ours}");
    assert_eq!(
        chain_entries(&copy)[0],
        chain_entries(&fixtures().join("scenarios/scenario_02/file_server/A002R2EC"))[0]
    );
    xmllint(&fixtures().join("ASCMHL.xsd"), &gens);
    assert_info_lists(&copy, 2);
    assert_reference_verifies(&copy, 3);

    // the same ingest again, in the card's format: the copy's history goes on, nothing to
    // warn about, and the directory hashes are the reference tool's
    let o = ingest(&card, &[&server], &["--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(
        json(&o)["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        text(&o)
    );
    assert_info_lists(&copy, 4);
    let gen4 = read(&mhl_files(&copy)[3]);
    for value in [
        "4c226b42e27d7af3",
        "906faa843d591a9f",
        "8d02114c32e28cbe",
        "f557f8ca8e5a88ef",
    ] {
        assert!(
            reference.contains(value) && gen4.contains(value),
            "{value}: {gen4}"
        );
    }
    assert_eq!(code(&run(&["verify", s(&copy)])), 0);
}

#[test]
fn a_card_that_is_not_what_its_history_sealed_is_named_and_never_verified() {
    let t = tempfile::tempdir().unwrap();
    let card = make_card(t.path(), "B001R1AB");
    // sealed by the reference tool, then damaged: a bit flips, a clip goes missing
    let o = ascmhl_run(&["create", "-h", "xxh64"], &card);
    assert!(o.status.success(), "{}", text(&o));
    let victim = card.join("Clips/A001C002_260410_R1AB.mov");
    let mut data = std::fs::read(&victim).unwrap();
    data[1000] ^= 0x01;
    std::fs::write(&victim, data).unwrap();
    std::fs::remove_file(card.join("Metadata/A001C001.xml")).unwrap();
    let (d1, d2) = (t.path().join("d1"), t.path().join("d2"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();

    let report = t.path().join("report.html");
    let o = ingest(
        &card,
        &[&d1, &d2],
        &["--hash", "md5", "--json", "--report", s(&report)],
        None,
    );
    assert_eq!(code(&o), 1, "{}", text(&o));
    let html = read(&report);
    assert!(
        html.contains("Card history") && html.contains("Metadata/A001C001.xml"),
        "{html}"
    );
    let j = json(&o);
    assert_eq!(j["complete"], false);
    let errors = j["errors"].to_string();
    assert!(
        errors.contains("Clips/A001C002_260410_R1AB.mov on the source does not match the card's ASC MHL history (xxh64 recorded"),
        "{errors}"
    );
    assert!(
        errors.contains("Metadata/A001C001.xml is recorded in the card's ASC MHL history but missing from the card"),
        "{errors}"
    );
    // named once, not once per destination
    assert_eq!(
        errors.matches("A001C002_260410_R1AB.mov").count(),
        1,
        "{errors}"
    );
    let sh = &j["source_history"];
    assert_eq!(
        strings(&sh["mismatched"]),
        ["Clips/A001C002_260410_R1AB.mov"]
    );
    assert_eq!(strings(&sh["missing"]), ["Metadata/A001C001.xml"]);
    let bad = file(&j, "Clips/A001C002_260410_R1AB.mov");
    assert_eq!(bad["card_record"]["status"], "mismatch");
    assert_eq!(bad["card_record"]["algorithm"], "xxh64");
    for c in bad["copies"].as_array().unwrap() {
        assert_eq!(c["verified"], false, "{c}");
        assert_eq!(c["identical"], true, "{c}");
        assert!(c["verified_at"].is_null());
    }
    let good = file(&j, "Clips/A001C001_260410_R1AB.mov");
    assert_eq!(good["copies"][0]["verified"], true);
    for (i, d) in [&d1, &d2].into_iter().enumerate() {
        assert_eq!(j["destinations"][i]["status"], "incomplete");
        let copy = d.join("B001R1AB");
        // the copy's history continues the card's and records the failure
        assert_info_lists(&copy, 2);
        let ours = read(&mhl_files(&copy)[1]);
        assert!(ours.contains("action=\"failed\""), "{ours}");
        let v = run(&["verify", s(&copy)]);
        assert_eq!(code(&v), 1);
        let err = String::from_utf8_lossy(&v.stderr).into_owned();
        assert!(
            err.contains("changed: Clips/A001C002_260410_R1AB.mov")
                && err.contains("missing: Metadata/A001C001.xml"),
            "{err}"
        );
        // and the reference tool says the same
        let r = ascmhl_run(&["create", "-h", "xxh64"], &copy);
        assert!(!r.status.success());
        let log = text(&r);
        assert!(
            log.contains("hash mismatch") && log.contains("A001C002_260410_R1AB.mov"),
            "{log}"
        );
    }
}

#[test]
fn a_card_with_mhl_v1_lists_is_checked_while_it_is_read() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("OLD");
    write(&card.join("Clips/A.mov"), b"hello");
    write(&card.join("B.wav"), b"world");
    write(&card.join("new.txt"), b"added later");
    // Pomfort style: xxh64 big-endian for A, an md5 of B that does not match, a lost file
    let v1 = r#"<?xml version="1.0" encoding="UTF-8"?>
<hashlist version="1.1">
  <creatorinfo><name>DIT</name><tool>Silverstack</tool></creatorinfo>
  <hash><file>Clips/A.mov</file><size>5</size><xxhash64be>26c7827d889f6da3</xxhash64be></hash>
  <hash><file>B.wav</file><size>5</size><md5>00000000000000000000000000000000</md5></hash>
  <hash><file>C.wav</file><size>5</size><md5>7d793037a0760186574b0282f2f435e7</md5></hash>
</hashlist>
"#;
    write(&card.join("OLD_2019-01-01_000000.mhl"), v1.as_bytes());
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    let o = ingest(&card, &[&d], &["--json"], None);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let j = json(&o);
    let sh = &j["source_history"];
    assert_eq!(sh["carried"], "mhl_v1");
    assert_eq!(strings(&sh["v1_lists"]), ["OLD_2019-01-01_000000.mhl"]);
    assert_eq!(sh["files_matched"], 1);
    assert_eq!(strings(&sh["mismatched"]), ["B.wav"]);
    assert_eq!(strings(&sh["missing"]), ["C.wav"]);
    assert_eq!(strings(&sh["not_recorded"]), ["new.txt"]);
    let errors = j["errors"].to_string();
    assert!(
        errors.contains("B.wav on the source does not match the card's MHL v1 list (md5 recorded 00000000000000000000000000000000, read 7d793037a0760186574b0282f2f435e7)"),
        "{errors}"
    );
    assert!(errors.contains("C.wav is recorded in the card's MHL v1 list but missing"));
    assert!(j["warnings"]
        .to_string()
        .contains("new.txt is not recorded"));
    // the md5 was computed in the same read, next to the requested xxh64
    let b = file(&j, "B.wav");
    assert_eq!(b["hashes"][0]["algorithm"], "xxh64");
    assert_eq!(b["hashes"][1]["algorithm"], "md5");
    assert_eq!(b["copies"][0]["verified"], false);
    assert_eq!(file(&j, "Clips/A.mov")["copies"][0]["verified"], true);
    // the list is copied with the card, as a file, and not checked against itself
    assert!(file(&j, "OLD_2019-01-01_000000.mhl")["card_record"].is_null());
    assert_eq!(
        std::fs::read(d.join("OLD/OLD_2019-01-01_000000.mhl")).unwrap(),
        v1.as_bytes()
    );
}

#[test]
fn a_file_renamed_into_the_convention_continues_its_record_from_the_card() {
    let t = tempfile::tempdir().unwrap();
    let card = t.path().join("DAY01");
    write(&card.join("ACME_SC01_01_20260410.MOV"), b"conforming");
    write(&card.join("sc01-02 20260410.mov"), b"fixable");
    let o = ascmhl_run(&["create", "-h", "xxh64"], &card);
    assert!(o.status.success(), "{}", text(&o));
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
    // checked against the card under its name on the card
    let renamed = file(&j, "ACME_SC01_02_20260410.MOV");
    assert_eq!(renamed["original_path"], "sc01-02 20260410.mov");
    assert_eq!(renamed["card_record"]["status"], "matched");
    assert_eq!(j["source_history"]["missing"].as_array().unwrap().len(), 0);
    let copy = d.join("DAY01");
    let ours = read(&mhl_files(&copy)[1]);
    assert!(
        ours.contains("<previousPath>sc01-02 20260410.mov</previousPath>"),
        "{ours}"
    );
    // the old name is not missing, for us or for the reference tool
    assert_reference_verifies(&copy, 2);
    let v = run(&["verify", s(&copy)]);
    assert_eq!(code(&v), 0, "{}", text(&v));
}

#[test]
fn nested_card_histories_are_checked_extended_and_continued_on_the_copy() {
    let t = tempfile::tempdir().unwrap();
    // scenario 05: a Reels folder with its own history and one per card inside
    let reels = copy_fixture("scenario_05/file_server/Reels", &t.path().join("src"));
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    let o = ingest(&reels, &[&d], &["--source-mhl", "--json"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let j = json(&o);
    let sh = &j["source_history"];
    assert_eq!(sh["files_matched"], 7, "{sh}");
    // one new generation per history on the source, children first
    let written = strings(&sh["generations_written"]);
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(
        written[2].contains("/Reels/ascmhl/0002_Reels_"),
        "{written:?}"
    );
    let copy = d.join("Reels");
    for (folder, n) in [("", 3), ("A002R2EC", 4), ("A003R2EC", 4)] {
        assert_eq!(mhl_files(&copy.join(folder)).len(), n, "{folder}");
        assert_eq!(
            chain_entries(&copy.join(folder))[..n - 1],
            chain_entries(&reels.join(folder))[..],
            "{folder}"
        );
    }
    let ours = read(&mhl_files(&copy).pop().unwrap());
    assert!(
        ours.contains(">92950bc8fda076ec<") && ours.contains(">2c2ce52605558158<"),
        "{ours}"
    );
    let info = ascmhl_run(&["info"], &copy);
    assert!(info.status.success(), "{}", text(&info));
    let out = String::from_utf8_lossy(&info.stdout);
    assert!(
        out.contains("Generation 3 ") && out.matches("Child History").count() == 2,
        "{out}"
    );
    assert_reference_verifies(&copy, 7);
    assert_eq!(code(&run(&["verify", s(&copy)])), 0);
}
