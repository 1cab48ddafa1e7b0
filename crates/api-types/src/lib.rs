//! postflow-api-types: the JSON API's request and response bodies, written once for the server
//! (`postflow-web`, which documents them in the OpenAPI document with the `openapi` feature)
//! and its one client, the `postflow` CLI, which deserialises the same types. A field added
//! here is added on both sides; `--json` outputs built from these stay additive.
use serde::{Deserialize, Serialize};

/// The one error body of every API error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDto {
    /// Stable machine-readable code: not_found, forbidden, invalid, conflict, unauthorized,
    /// malformed_json, bad_path, payload_too_large, busy, internal, …
    pub code: String,
    /// One sentence for a person.
    pub message: String,
    /// Per-field refusals (empty unless `code` is `invalid`).
    pub fields: std::collections::BTreeMap<String, String>,
    /// Same as `message` (kept for first-version clients).
    pub error: String,
}

// --- the signed-in user, projects and clients ---------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeDto {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// admin, producer, artist or client
    pub role: String,
    pub client_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectDto {
    pub code: String,
    pub name: String,
    pub client_code: String,
    pub client_name: String,
    /// bidding, ingest, editorial, locked, finishing, delivered, archived
    pub status: String,
    /// ISO date (YYYY-MM-DD)
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub archived: bool,
    /// Send back unchanged when editing; a stale version is refused.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub archived: bool,
}

// --- media catalog ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumeDto {
    pub label: String,
    /// drive, lto, nas or cloud
    pub kind: String,
    /// hdd, ssd, lto, cloud, …
    pub media_type: String,
    /// onsite or offsite
    pub location: String,
    pub capacity_bytes: Option<i64>,
    pub notes: Option<String>,
    /// Files with a verified copy on this volume.
    pub files_held: u64,
    /// RFC 3339
    pub last_verified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumeInputDto {
    pub label: String,
    /// drive, lto, nas or cloud
    pub kind: String,
    /// hdd, ssd, lto, cloud, …; defaults from the kind
    pub media_type: Option<String>,
    /// onsite or offsite
    pub location: String,
    pub capacity_bytes: Option<i64>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailingDto {
    pub path: String,
    /// e.g. "2 verified copies, needs 3", "no verified off-site copy"
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleDto {
    /// compliant, not_compliant or no_media
    pub standing: String,
    pub compliant: bool,
    pub files: usize,
    pub failing: Vec<FailingDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CopyDto {
    pub volume: String,
    pub media_type: String,
    /// onsite or offsite
    pub location: String,
    /// verified, failed or missing (as of the last check)
    pub state: String,
    /// Where the copy sits on the volume; internal, so null for client users.
    pub path_on_volume: Option<String>,
    /// RFC 3339: the last time this copy re-read as identical
    pub verified_at: Option<String>,
    pub checked_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileDto {
    pub path: String,
    pub size: i64,
    pub modified: Option<String>,
    /// algorithm → value
    pub checksums: std::collections::BTreeMap<String, String>,
    /// The name on the card before it was renamed into the naming convention.
    pub original_path: Option<String>,
    pub copies: Vec<CopyDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaDto {
    pub project: String,
    pub status: RuleDto,
    pub files: Vec<FileDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedDto {
    pub event_id: i64,
    pub files: u64,
    pub verified_copies: u64,
    pub failed_copies: u64,
    /// Volume labels seen for the first time, registered as on-site hdd drives.
    pub new_volumes: Vec<String>,
}

// --- deliverables and QC -----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliverableDto {
    pub id: i64,
    pub name: String,
    pub profiles: Vec<String>,
    pub layout: Option<String>,
    /// `pass`, `fail`, or null before the first QC run.
    pub latest_qc: Option<String>,
    pub qc_passed_at: Option<String>,
    /// What still stands between the deliverable and "QC passed" (empty once it may pass).
    pub blockers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QcRunDto {
    pub run_id: i64,
    /// The verdict recomputed from the checks: `pass` or `fail`.
    pub status: String,
    /// The deliverable's page, where manual items are signed off.
    pub url: String,
}

// --- API tokens --------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenDto {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// RFC 3339
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// Set once revoked (by its owner, an admin, a password change or disabling the account).
    pub revoked_at: Option<String>,
}
