//! Media integrity: volumes and the 3-2-1 rule, computed from verified facts.
//!
//! A project is compliant when every one of its files has at least 3 verified copies, on at least
//! 2 media types, with at least 1 copy off-site. Only verified copies count: a copy whose last
//! verification failed, or that went missing, is not a copy.
use serde::{Deserialize, Serialize};

/// What a volume physically is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeKind {
    Drive,
    Lto,
    Nas,
    Cloud,
}

impl VolumeKind {
    pub const ALL: [VolumeKind; 4] = [
        VolumeKind::Drive,
        VolumeKind::Lto,
        VolumeKind::Nas,
        VolumeKind::Cloud,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VolumeKind::Drive => "drive",
            VolumeKind::Lto => "lto",
            VolumeKind::Nas => "nas",
            VolumeKind::Cloud => "cloud",
        }
    }

    pub fn parse(s: &str) -> Option<VolumeKind> {
        let s = s.trim().to_ascii_lowercase();
        VolumeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The media type a volume of this kind most likely is, when nobody said.
    pub fn default_media(self) -> MediaType {
        MediaType(
            match self {
                VolumeKind::Drive => "hdd",
                VolumeKind::Lto => "lto",
                VolumeKind::Nas => "hdd",
                VolumeKind::Cloud => "cloud",
            }
            .to_string(),
        )
    }
}

/// Where a volume is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    Onsite,
    Offsite,
}

impl Site {
    pub fn as_str(self) -> &'static str {
        match self {
            Site::Onsite => "onsite",
            Site::Offsite => "offsite",
        }
    }

    pub fn parse(s: &str) -> Option<Site> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "onsite" => Some(Site::Onsite),
            "offsite" => Some(Site::Offsite),
            _ => None,
        }
    }
}

/// A storage medium such as `hdd`, `ssd`, `lto` or `cloud`: lower-case letters, digits and `-`,
/// 1–32 characters. Two copies on the same media type share its failure modes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MediaType(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("media type {0:?} is not usable; use a short word such as hdd, ssd, lto or cloud")]
pub struct BadMediaType(pub String);

impl MediaType {
    pub fn parse(s: &str) -> Result<MediaType, BadMediaType> {
        let t = s.trim().to_ascii_lowercase();
        let ok = !t.is_empty()
            && t.len() <= 32
            && t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(MediaType(t))
        } else {
            Err(BadMediaType(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MediaType {
    type Error = BadMediaType;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        MediaType::parse(&s)
    }
}

impl From<MediaType> for String {
    fn from(m: MediaType) -> String {
        m.0
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A volume's label as written on the drive or tape: 1–64 characters, no control characters,
/// no leading or trailing spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VolumeLabel(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "volume label {0:?} is not usable; use 1 to 64 visible characters, e.g. RAID-01 or LTO-000123"
)]
pub struct BadVolumeLabel(pub String);

impl VolumeLabel {
    pub fn parse(s: &str) -> Result<VolumeLabel, BadVolumeLabel> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 64 || t.chars().any(char::is_control) {
            return Err(BadVolumeLabel(s.to_string()));
        }
        Ok(VolumeLabel(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for VolumeLabel {
    type Error = BadVolumeLabel;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        VolumeLabel::parse(&s)
    }
}

impl From<VolumeLabel> for String {
    fn from(l: VolumeLabel) -> String {
        l.0
    }
}

impl std::fmt::Display for VolumeLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The state of one copy as last recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    /// Re-read from the medium and matched the recorded checksum.
    Verified,
    /// Re-read and did not match, or could not be read.
    Failed,
    /// Not found on the volume at the last verification.
    Missing,
}

impl CopyState {
    pub fn as_str(self) -> &'static str {
        match self {
            CopyState::Verified => "verified",
            CopyState::Failed => "failed",
            CopyState::Missing => "missing",
        }
    }

    pub fn parse(s: &str) -> Option<CopyState> {
        [CopyState::Verified, CopyState::Failed, CopyState::Missing]
            .into_iter()
            .find(|c| c.as_str() == s.trim())
    }
}

/// One copy of a file, with the facts the rule needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFact {
    pub volume: String,
    pub media: MediaType,
    pub site: Site,
    pub state: CopyState,
}

/// A file and every copy the catalog knows of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub path: String,
    pub copies: Vec<CopyFact>,
}

/// Why a file falls short of 3-2-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Shortfall {
    /// Fewer than 3 verified copies.
    TooFewCopies { verified: usize },
    /// Verified copies on fewer than 2 media types.
    TooFewMediaTypes { media_types: usize },
    /// No verified copy off-site.
    NoOffsiteCopy,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shortfall::TooFewCopies { verified } => {
                write!(f, "{verified} verified copies, needs 3")
            }
            Shortfall::TooFewMediaTypes { media_types } => {
                write!(f, "{media_types} media type(s), needs 2")
            }
            Shortfall::NoOffsiteCopy => f.write_str("no verified off-site copy"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailingFile {
    pub path: String,
    pub reasons: Vec<Shortfall>,
}

/// A project's 3-2-1 standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Every file has 3 verified copies on 2 media types with 1 off-site.
    Compliant,
    /// At least one file falls short.
    NotCompliant,
    /// The catalog holds no file for the project: nothing is proven.
    NoMedia,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleStatus {
    pub standing: Standing,
    pub files: usize,
    pub failing: Vec<FailingFile>,
}

impl RuleStatus {
    pub fn compliant(&self) -> bool {
        self.standing == Standing::Compliant
    }
}

/// What one file lacks, from its verified copies only (empty = it meets 3-2-1).
pub fn file_shortfalls(file: &FileFacts) -> Vec<Shortfall> {
    let verified: Vec<&CopyFact> = file
        .copies
        .iter()
        .filter(|c| c.state == CopyState::Verified)
        .collect();
    // Two records of the same volume are one copy.
    let mut volumes: Vec<&str> = verified.iter().map(|c| c.volume.as_str()).collect();
    volumes.sort_unstable();
    volumes.dedup();
    let mut media: Vec<&MediaType> = verified.iter().map(|c| &c.media).collect();
    media.sort_unstable();
    media.dedup();
    let mut out = Vec::new();
    if volumes.len() < 3 {
        out.push(Shortfall::TooFewCopies {
            verified: volumes.len(),
        });
    }
    if media.len() < 2 {
        out.push(Shortfall::TooFewMediaTypes {
            media_types: media.len(),
        });
    }
    if !verified.iter().any(|c| c.site == Site::Offsite) {
        out.push(Shortfall::NoOffsiteCopy);
    }
    out
}

/// The 3-2-1 status of a set of files (one project's media).
pub fn three_two_one(files: &[FileFacts]) -> RuleStatus {
    let failing: Vec<FailingFile> = files
        .iter()
        .filter_map(|f| {
            let reasons = file_shortfalls(f);
            (!reasons.is_empty()).then(|| FailingFile {
                path: f.path.clone(),
                reasons,
            })
        })
        .collect();
    let standing = if files.is_empty() {
        Standing::NoMedia
    } else if failing.is_empty() {
        Standing::Compliant
    } else {
        Standing::NotCompliant
    };
    RuleStatus {
        standing,
        files: files.len(),
        failing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(volume: &str, media: &str, site: Site, state: CopyState) -> CopyFact {
        CopyFact {
            volume: volume.into(),
            media: MediaType::parse(media).unwrap(),
            site,
            state,
        }
    }

    fn file(path: &str, copies: Vec<CopyFact>) -> FileFacts {
        FileFacts {
            path: path.into(),
            copies,
        }
    }

    use CopyState::*;
    use Site::*;

    #[test]
    fn three_copies_two_media_one_offsite_is_compliant() {
        let f = file(
            "A001/C001.mov",
            vec![
                copy("RAID-1", "hdd", Onsite, Verified),
                copy("SHUTTLE-1", "ssd", Onsite, Verified),
                copy("LTO-0001", "lto", Offsite, Verified),
            ],
        );
        let s = three_two_one(&[f]);
        assert_eq!(s.standing, Standing::Compliant);
        assert!(s.compliant());
        assert!(s.failing.is_empty());
    }

    #[test]
    fn two_onsite_drives_fail_every_rule_with_reasons() {
        let f = file(
            "A001/C001.mov",
            vec![
                copy("RAID-1", "hdd", Onsite, Verified),
                copy("RAID-2", "hdd", Onsite, Verified),
            ],
        );
        let s = three_two_one(&[f]);
        assert_eq!(s.standing, Standing::NotCompliant);
        assert_eq!(
            s.failing[0].reasons,
            vec![
                Shortfall::TooFewCopies { verified: 2 },
                Shortfall::TooFewMediaTypes { media_types: 1 },
                Shortfall::NoOffsiteCopy
            ]
        );
        assert_eq!(
            s.failing[0].reasons[0].to_string(),
            "2 verified copies, needs 3"
        );
    }

    #[test]
    fn failed_and_missing_copies_do_not_count() {
        let f = file(
            "A001/C001.mov",
            vec![
                copy("RAID-1", "hdd", Onsite, Verified),
                copy("SHUTTLE-1", "ssd", Onsite, Verified),
                copy("LTO-0001", "lto", Offsite, Failed),
                copy("CLOUD-1", "cloud", Offsite, Missing),
            ],
        );
        assert_eq!(
            file_shortfalls(&f),
            vec![
                Shortfall::TooFewCopies { verified: 2 },
                Shortfall::NoOffsiteCopy
            ]
        );
    }

    #[test]
    fn the_same_volume_twice_is_one_copy() {
        let f = file(
            "x",
            vec![
                copy("RAID-1", "hdd", Onsite, Verified),
                copy("RAID-1", "hdd", Onsite, Verified),
                copy("LTO-1", "lto", Offsite, Verified),
            ],
        );
        assert_eq!(
            file_shortfalls(&f),
            vec![Shortfall::TooFewCopies { verified: 2 }]
        );
    }

    #[test]
    fn one_short_file_makes_the_project_red_and_is_listed_alone() {
        let good = file(
            "A001/C001.mov",
            vec![
                copy("RAID-1", "hdd", Onsite, Verified),
                copy("SHUTTLE-1", "ssd", Onsite, Verified),
                copy("LTO-1", "lto", Offsite, Verified),
            ],
        );
        let short = file(
            "A001/C002.mov",
            vec![
                copy("RAID-1", "hdd", Onsite, Verified),
                copy("SHUTTLE-1", "ssd", Onsite, Verified),
                copy("RAID-2", "hdd", Onsite, Verified),
            ],
        );
        let s = three_two_one(&[good, short]);
        assert_eq!(s.standing, Standing::NotCompliant);
        assert_eq!(s.files, 2);
        assert_eq!(s.failing.len(), 1);
        assert_eq!(s.failing[0].path, "A001/C002.mov");
        assert_eq!(s.failing[0].reasons, vec![Shortfall::NoOffsiteCopy]);
    }

    #[test]
    fn no_files_is_no_media_not_compliant() {
        let s = three_two_one(&[]);
        assert_eq!(s.standing, Standing::NoMedia);
        assert!(!s.compliant());
    }

    #[test]
    fn parses_volume_words() {
        assert_eq!(VolumeKind::parse(" LTO "), Some(VolumeKind::Lto));
        assert_eq!(VolumeKind::parse("tape"), None);
        assert_eq!(Site::parse("off-site"), Some(Site::Offsite));
        assert_eq!(Site::parse("Onsite"), Some(Site::Onsite));
        assert_eq!(Site::parse("home"), None);
        assert_eq!(MediaType::parse("SSD").unwrap().as_str(), "ssd");
        assert!(MediaType::parse("").is_err());
        assert!(MediaType::parse("hard disk").is_err());
        assert_eq!(CopyState::parse("missing"), Some(CopyState::Missing));
        assert_eq!(VolumeKind::Lto.default_media().as_str(), "lto");
        assert_eq!(VolumeLabel::parse(" RAID-01 ").unwrap().as_str(), "RAID-01");
        assert!(VolumeLabel::parse("  ").is_err());
        assert!(VolumeLabel::parse("a\nb").is_err());
    }
}
