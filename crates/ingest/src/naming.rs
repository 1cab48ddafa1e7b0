//! Naming conventions (F1) as pure functions over file names.
//!
//! A rule names the asset kind, the extensions it applies to and a pattern of `{TOKEN}`s
//! joined by literal text, e.g. `{PROJECT}_{SCENE}_{TAKE}_{DATE}`. Each token is a regular
//! expression; defaults below, overridable per project in a TOML file:
//!
//! ```toml
//! [tokens]
//! SCENE = "SC[0-9]{2,3}"
//!
//! [[rule]]
//! kind = "camera"
//! extensions = ["MOV", "MXF"]
//! pattern = "{PROJECT}_{SCENE}_{TAKE}_{DATE}"
//! ```
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum NamingError {
    #[error("naming file is not valid TOML: {0}")]
    Toml(String),
    #[error("pattern `{pattern}` of rule `{kind}` is invalid: {reason}")]
    Pattern {
        kind: String,
        pattern: String,
        reason: String,
    },
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct RuleSpec {
    pub kind: String,
    pub extensions: Vec<String>,
    pub pattern: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct FileSpec {
    #[serde(default)]
    tokens: BTreeMap<String, String>,
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Clone, Debug)]
struct Rule {
    spec: RuleSpec,
    regex: Regex,
}

/// Compiled conventions for one project.
#[derive(Clone, Debug)]
pub struct NamingConventions {
    rules: Vec<Rule>,
}

/// A name that does not follow its kind's convention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NamingViolation {
    pub path: String,
    pub kind: String,
    pub expected: String,
}

fn default_tokens(project: Option<&str>) -> BTreeMap<String, String> {
    let mut t = BTreeMap::new();
    let project = project
        .map(regex::escape)
        .unwrap_or_else(|| "[A-Z0-9]{2,16}".into());
    t.insert("PROJECT".into(), project);
    t.insert("SCENE".into(), "[A-Z0-9]+".into());
    t.insert("TAKE".into(), "[0-9]{1,3}".into());
    t.insert(
        "DATE".into(),
        "(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])".into(),
    );
    t.insert("MIC".into(), "[A-Z0-9]+".into());
    t.insert("ASSET".into(), "[A-Z0-9]+(?:_[A-Z0-9]+)*?".into());
    t.insert("TYPE".into(), "[A-Z0-9]+".into());
    t.insert("VERSION".into(), "V[0-9]{2,3}".into());
    t.insert("SHOT".into(), "[A-Z0-9]+".into());
    t.insert("EFFECT".into(), "[A-Z0-9]+".into());
    t
}

fn default_rules() -> Vec<RuleSpec> {
    let r = |kind: &str, ext: &[&str], pattern: &str| RuleSpec {
        kind: kind.into(),
        extensions: ext.iter().map(|s| s.to_string()).collect(),
        pattern: pattern.into(),
    };
    vec![
        r(
            "camera",
            &["MOV", "MP4", "MXF", "R3D", "BRAW", "ARI", "CRM"],
            "{PROJECT}_{SCENE}_{TAKE}_{DATE}",
        ),
        r(
            "audio",
            &["WAV", "BWF", "AIF", "AIFF"],
            "{PROJECT}_{SCENE}_{MIC}_{DATE}",
        ),
        r(
            "graphics",
            &["PSD", "AI", "PNG"],
            "{PROJECT}_{ASSET}_{TYPE}_{VERSION}",
        ),
        r(
            "vfx",
            &["EXR", "DPX"],
            "{PROJECT}_{SHOT}_{EFFECT}_{VERSION}",
        ),
    ]
}

fn compile(spec: RuleSpec, tokens: &BTreeMap<String, String>) -> Result<Rule, NamingError> {
    let bad = |reason: String| NamingError::Pattern {
        kind: spec.kind.clone(),
        pattern: spec.pattern.clone(),
        reason,
    };
    let mut re = String::from("^");
    let mut rest = spec.pattern.as_str();
    while let Some(start) = rest.find('{') {
        re.push_str(&regex::escape(&rest[..start]));
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| bad("a `{` is not closed".into()))?;
        let token = &rest[start + 1..start + end];
        let tre = tokens
            .get(token)
            .ok_or_else(|| bad(format!("unknown token {{{token}}}")))?;
        re.push_str(&format!("(?:{tre})"));
        rest = &rest[start + end + 1..];
    }
    re.push_str(&regex::escape(rest));
    let exts: Vec<String> = spec.extensions.iter().map(|e| regex::escape(e)).collect();
    re.push_str(&format!("\\.(?:{})$", exts.join("|")));
    let regex = Regex::new(&re).map_err(|e| bad(e.to_string()))?;
    Ok(Rule { spec, regex })
}

impl NamingConventions {
    /// The defaults from the studio workflow guide; `project` pins `{PROJECT}` to its code.
    pub fn defaults(project: Option<&str>) -> Result<NamingConventions, NamingError> {
        let tokens = default_tokens(project);
        let rules = default_rules()
            .into_iter()
            .map(|s| compile(s, &tokens))
            .collect::<Result<_, _>>()?;
        Ok(NamingConventions { rules })
    }

    /// Conventions from a TOML file's text; tokens and rules not given keep their defaults.
    pub fn from_toml(text: &str, project: Option<&str>) -> Result<NamingConventions, NamingError> {
        let spec: FileSpec = toml::from_str(text).map_err(|e| NamingError::Toml(e.to_string()))?;
        let mut tokens = default_tokens(project);
        for (k, v) in spec.tokens {
            if k == "PROJECT" && project.is_some() {
                continue;
            }
            tokens.insert(k, v);
        }
        let mut specs = default_rules();
        for r in spec.rule {
            specs.retain(|d| d.kind != r.kind);
            specs.push(r);
        }
        let rules = specs
            .into_iter()
            .map(|s| compile(s, &tokens))
            .collect::<Result<_, _>>()?;
        Ok(NamingConventions { rules })
    }

    fn rule_for(&self, file_name: &str) -> Option<&Rule> {
        let ext = file_name.rsplit_once('.')?.1;
        self.rules.iter().find(|r| {
            r.spec
                .extensions
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext))
        })
    }

    /// Checks one path's file name. Names whose extension no rule covers are not checked.
    pub fn check(&self, path: &str) -> Option<NamingViolation> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let rule = self.rule_for(name)?;
        if rule.regex.is_match(name) {
            return None;
        }
        Some(NamingViolation {
            path: path.to_string(),
            kind: rule.spec.kind.clone(),
            expected: format!("{}.{}", rule.spec.pattern, rule.spec.extensions.join("|")),
        })
    }

    /// A conforming name for `file_name` reached by mechanical fixes only (upper case, spaces
    /// and dashes to `_`, the project code in front); `None` when that is not enough.
    pub fn suggest(&self, file_name: &str, project: Option<&str>) -> Option<String> {
        let rule = self.rule_for(file_name)?;
        let (stem, ext) = file_name.rsplit_once('.')?;
        let mut s: String = stem
            .to_uppercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        while s.contains("__") {
            s = s.replace("__", "_");
        }
        let s = s.trim_matches('_').to_string();
        let ext = rule
            .spec
            .extensions
            .iter()
            .find(|e| e.eq_ignore_ascii_case(ext))?
            .clone();
        let mut candidates = vec![format!("{s}.{ext}")];
        if let Some(p) = project {
            candidates.push(format!("{p}_{s}.{ext}"));
        }
        candidates
            .into_iter()
            .find(|c| rule.regex.is_match(c) && c != file_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_examples_conform() {
        let n = NamingConventions::defaults(Some("ACME")).unwrap();
        for ok in [
            "ACME_SC01_01_20260410.MOV",
            "ACME_SC01_LAVAUDIO_20260410.WAV",
            "ACME_LOWER_THIRD_V02.PSD",
            "ACME_SH015_PARTICLE_V01.EXR",
            "notes.txt",
        ] {
            assert_eq!(n.check(ok), None, "{ok}");
        }
        for bad in [
            "A002C006_141024_R2EC.mov",
            "OTHER_SC01_01_20260410.MOV",
            "ACME_SC01_01_20261340.MOV",
            "ACME_SH015_PARTICLE_1.EXR",
        ] {
            assert!(n.check(&format!("Clips/{bad}")).is_some(), "{bad}");
        }
    }

    #[test]
    fn suggestions_are_mechanical() {
        let n = NamingConventions::defaults(Some("ACME")).unwrap();
        assert_eq!(
            n.suggest("sc01-01 20260410.mov", Some("ACME")).as_deref(),
            Some("ACME_SC01_01_20260410.MOV")
        );
        assert_eq!(n.suggest("A002C006_141024_R2EC.mov", Some("ACME")), None);
    }

    #[test]
    fn toml_overrides() {
        let text = "[tokens]\nSCENE = \"S[0-9]{3}\"\n[[rule]]\nkind = \"camera\"\nextensions = [\"MXF\"]\npattern = \"{PROJECT}-{SCENE}-{TAKE}\"\n";
        let n = NamingConventions::from_toml(text, Some("ACME")).unwrap();
        assert_eq!(n.check("ACME-S001-3.MXF"), None);
        assert!(n.check("ACME_SC01_01_20260410.MXF").is_some());
        assert!(NamingConventions::from_toml("[[rule]]\nkind=1", None).is_err());
        assert!(NamingConventions::from_toml(
            "[[rule]]\nkind=\"x\"\nextensions=[\"A\"]\npattern=\"{NOPE}\"",
            None
        )
        .is_err());
    }
}
