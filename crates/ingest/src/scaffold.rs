//! Project folder templates (F2). A template is text, one folder per line (`/`-separated,
//! `#` starts a comment, `{PROJECT}` is replaced by the project code).
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The tree from the studio workflow guide.
pub const DEFAULT_TEMPLATE: &str = "\
RAW_FOOTAGE/CAMERA_A
RAW_FOOTAGE/CAMERA_B
RAW_FOOTAGE/ARCHIVES
AUDIO/LOCATION_SOUND
AUDIO/NARRATION
AUDIO/MUSIC
GRAPHICS/LOGOS
GRAPHICS/LOWER_THIRDS
GRAPHICS/MOTION_GRAPHICS
VFX/CG
VFX/COMPOSITING
VFX/ARCHIVES
EDIT_FILES/EDITOR_NAME
DELIVERABLES
";

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "project code `{0}` is not valid; use 2–16 upper-case letters, digits or `_`, e.g. ACME"
    )]
    BadCode(String),
    #[error("template line {line} (`{text}`) is not a relative folder path without `..`")]
    BadLine { line: usize, text: String },
    #[error("could not create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Serialize)]
pub struct ScaffoldReport {
    pub root: String,
    pub created: Vec<String>,
    pub existing: Vec<String>,
}

pub fn validate_code(code: &str) -> Result<(), ScaffoldError> {
    let ok = (2..=16).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ScaffoldError::BadCode(code.to_string()))
    }
}

/// The folders a template lists, validated, in order.
pub fn template_folders(template: &str, code: &str) -> Result<Vec<String>, ScaffoldError> {
    let mut out = Vec::new();
    for (i, raw) in template.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let line = line.replace("{PROJECT}", code);
        let line = line.trim_end_matches('/').to_string();
        let bad = line.starts_with('/')
            || line
                .split('/')
                .any(|p| p.is_empty() || p == ".." || p == ".");
        if bad {
            return Err(ScaffoldError::BadLine {
                line: i + 1,
                text: raw.to_string(),
            });
        }
        out.push(line);
    }
    Ok(out)
}

/// Creates `dir/CODE/<folders>`; folders that exist are left as they are.
pub fn scaffold(code: &str, dir: &Path, template: &str) -> Result<ScaffoldReport, ScaffoldError> {
    validate_code(code)?;
    let folders = template_folders(template, code)?;
    let root = dir.join(code);
    let mut report = ScaffoldReport {
        root: root.display().to_string(),
        created: Vec::new(),
        existing: Vec::new(),
    };
    for f in folders {
        let p = crate::scan::join_rel(&root, &f);
        if p.is_dir() {
            report.existing.push(f);
            continue;
        }
        std::fs::create_dir_all(&p).map_err(|source| ScaffoldError::Io {
            path: p.clone(),
            source,
        })?;
        report.created.push(f);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_template_is_valid() {
        let f = template_folders(DEFAULT_TEMPLATE, "ACME").unwrap();
        assert!(f.contains(&"RAW_FOOTAGE/CAMERA_A".to_string()));
        assert!(f.contains(&"DELIVERABLES".to_string()));
        assert!(template_folders("../x", "ACME").is_err());
        assert!(validate_code("acme").is_err());
    }
}
