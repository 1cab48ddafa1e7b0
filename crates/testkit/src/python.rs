//! Reference tools from PyPI for cross-checks (`icalendar`, `standardwebhooks`, …): one
//! virtualenv per tool set under `target/`, created once under a file lock so parallel test
//! processes do not race.
use std::path::{Path, PathBuf};
use std::process::Command;

/// The python of `target/venv-<name>` with `packages` installed (pip, on first use).
pub fn venv_python(name: &str, packages: &[&str]) -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = workspace.join(format!("target/venv-{name}"));
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let marker = venv.join(".postflow-installed");
    let script = format!(
        "test -f {m} || (python3 -m venv {v} && {v}/bin/pip install -q {p} && touch {m})",
        v = venv.display(),
        m = marker.display(),
        p = packages.join(" ")
    );
    let lock = format!("{}.lock", venv.display());
    let out = Command::new("flock")
        .args([lock.as_str(), "sh", "-c", script.as_str()])
        .output()
        .expect("flock and python3 are needed to install the reference tools");
    assert!(
        out.status.success(),
        "installing {} into {} failed: {}",
        packages.join(" "),
        venv.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    venv.join("bin/python")
}

/// Runs `script` (python source) with `args` in that virtualenv; returns stdout, panicking
/// with stderr when it fails.
pub fn run(python: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "the python check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
