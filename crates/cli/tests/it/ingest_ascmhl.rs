//! Interoperability with the ASC MHL reference tool and schemas: it reads our histories and
//! verifies our copies; we verify its scenario folders; our files validate against the XSDs.
use crate::ingest_common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
    let st = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
}

/// A card with a very deep folder chain, spaces, Unicode and empty files.
fn awkward_card(root: &Path) -> PathBuf {
    let card = make_card(root, "B002R3CD");
    let mut deep = card.join("deep");
    for i in 0..40 {
        deep = deep.join(format!("level {i:02} ü"));
    }
    write(&deep.join("bottom clip.mov"), &bytes(9, 1234));
    write(&deep.join("empty too.txt"), b"");
    write(&card.join("日本語 フォルダ/名前.wav"), &bytes(10, 777));
    card
}

#[test]
fn the_reference_tool_reads_our_histories_and_verifies_our_copy() {
    let ascmhl = ascmhl();
    let t = tempfile::tempdir().unwrap();
    let card = awkward_card(t.path());
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    let o = ingest(&card, &[&d], &["--hash", "xxh64, md5"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let copy = d.join("B002R3CD");
    assert_eq!(code(&run(&["verify", s(&copy)])), 0);

    let info = Command::new(&ascmhl)
        .arg("info")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(info.status.success(), "{}", text(&info));
    let out = String::from_utf8_lossy(&info.stdout);
    assert!(
        out.contains("Generation 1") && out.contains("Generation 2"),
        "{out}"
    );

    let create = Command::new(&ascmhl)
        .args(["create", "-v", "-h", "xxh64"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        create.status.success(),
        "ascmhl create failed on our copy: {}",
        text(&create)
    );
    let log = String::from_utf8_lossy(&create.stdout);
    assert!(
        !log.contains("ERROR") && !log.contains("created original"),
        "{log}"
    );
    assert_eq!(log.matches("verified ").count(), tree(&card).len(), "{log}");

    // and we accept the generation the reference tool appended
    let v = run(&["verify", s(&copy)]);
    assert_eq!(code(&v), 0, "{}", text(&v));
}

#[test]
fn our_directory_hashes_equal_the_reference_tools() {
    let ascmhl = ascmhl();
    let t = tempfile::tempdir().unwrap();
    let card = awkward_card(t.path());
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(code(&ingest(&card, &[&d], &["--hash", "c4"], None)), 0);
    let copy = d.join("B002R3CD");
    let ours = std::fs::read_to_string(&mhl_files(&copy)[0]).unwrap();
    let create = Command::new(&ascmhl)
        .args(["create", "-v", "-h", "c4"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(create.status.success(), "{}", text(&create));
    let theirs = std::fs::read_to_string(&mhl_files(&copy)[1]).unwrap();
    let roothash = |xml: &str| {
        let start = xml.find("<roothash>").unwrap();
        let end = xml.find("</roothash>").unwrap();
        xml[start..end]
            .lines()
            .filter_map(|l| {
                l.split('>')
                    .nth(1)
                    .map(|v| v.split('<').next().unwrap().to_string())
            })
            .filter(|v| v.starts_with("c4"))
            .collect::<Vec<_>>()
    };
    assert_eq!(roothash(&ours).len(), 2);
    assert_eq!(roothash(&ours), roothash(&theirs));
}

#[test]
fn we_verify_the_reference_scenarios() {
    let t = tempfile::tempdir().unwrap();
    let scenarios = t.path().join("scenarios");
    copy_dir(&fixtures().join("scenarios"), &scenarios);
    let ok = [
        "scenario_01/travel_01/A002R2EC",
        "scenario_02/travel_01/A002R2EC",
        "scenario_02/file_server/A002R2EC",
        "scenario_03/travel_01/A002R2EC",
        "scenario_03/file_server/A002R2EC",
        "scenario_04/travel_01/A002R2EC",
        "scenario_05/travel_01/Reels",
        "scenario_05/file_server/Reels",
    ];
    for rel in ok {
        let o = run(&["verify", s(&scenarios.join(rel)), "--json"]);
        assert_eq!(code(&o), 0, "{rel}: {}", text(&o));
        assert!(
            json(&o)["history_problems"].as_array().unwrap().is_empty(),
            "{rel}"
        );
    }
    // the reference root hash of scenario 05 is reproduced in our new generation
    let reels = scenarios.join("scenario_05/file_server/Reels");
    let ours = std::fs::read_to_string(mhl_files(&reels).pop().unwrap()).unwrap();
    assert!(
        ours.contains(">92950bc8fda076ec<") && ours.contains(">2c2ce52605558158<"),
        "{ours}"
    );
    // scenario 04 is the corrupted Sidecar.txt: we name it
    let o = run(&[
        "verify",
        s(&scenarios.join("scenario_04/file_server/A002R2EC")),
    ]);
    assert_eq!(code(&o), 1);
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("changed: Sidecar.txt (xxh64 recorded 3ab5a4166b9bde44, now 70d2cf31aaa3eac4)"));
}

#[test]
fn our_mhl_and_chain_files_validate_against_the_xsds() {
    let t = tempfile::tempdir().unwrap();
    let card = awkward_card(t.path());
    let d = t.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    let o = ingest(
        &card,
        &[&d],
        &[
            "--hash",
            "xxh64, xxh3, xxh128, md5, sha1, c4",
            "--project",
            "ACME",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let copy = d.join("B002R3CD");
    assert_eq!(code(&run(&["verify", s(&copy), "--sample", "50"])), 0);
    // nested histories, as in scenario 05
    let scenarios = t.path().join("scenarios");
    copy_dir(&fixtures().join("scenarios"), &scenarios);
    let reels = scenarios.join("scenario_05/file_server/Reels");
    assert_eq!(code(&run(&["verify", s(&reels)])), 0);
    let mut files = mhl_files(&copy);
    files.extend(mhl_files(&reels));
    files.extend(mhl_files(&reels.join("A002R2EC")));
    xmllint(&fixtures().join("ASCMHL.xsd"), &files);
    let chains = vec![
        copy.join("ascmhl/ascmhl_chain.xml"),
        reels.join("ascmhl/ascmhl_chain.xml"),
        reels.join("A003R2EC/ascmhl/ascmhl_chain.xml"),
    ];
    xmllint(&directory_xsd(t.path()), &chains);
}
