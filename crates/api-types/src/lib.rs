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

// --- time and billing --------------------------------------------------------------------------

/// A time entry as logged. `minutes` is the exact duration; dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeEntryDto {
    pub id: i64,
    pub user_id: i64,
    pub project_code: String,
    pub activity: String,
    pub date: String,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
    /// Set once the entry is on an invoice (draft or issued).
    pub invoice_id: Option<i64>,
}

/// A manual entry. `duration` reads `1:30`, `90m` or `1.5h`; `user_id` (producers only) logs
/// for someone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeEntryInputDto {
    pub project_code: String,
    pub activity_id: i64,
    pub date: String,
    pub duration: String,
    #[serde(default = "yes")]
    pub billable: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub task_key: String,
    #[serde(default)]
    pub user_id: Option<i64>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimerDto {
    pub project_code: String,
    pub activity_id: i64,
    pub note: String,
    /// RFC 3339
    pub started_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimerStartDto {
    pub project_code: String,
    pub activity_id: i64,
    #[serde(default)]
    pub note: String,
}

/// A person's week from Monday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimesheetDto {
    pub user_id: i64,
    pub week_start: String,
    /// Minutes per day, Monday first.
    pub per_day: Vec<i64>,
    pub total_minutes: i64,
    /// Approved weeks are locked.
    pub approved: bool,
    pub entries: Vec<TimeEntryDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateDto {
    pub id: i64,
    /// sell or cost
    pub kind: String,
    /// hour or day
    pub unit: String,
    pub person_id: Option<i64>,
    pub role: Option<String>,
    pub activity: Option<String>,
    pub room_id: Option<i64>,
    /// Decimal, e.g. `150.00`.
    pub amount: String,
    pub currency: String,
    pub effective_from: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateCardDto {
    pub id: i64,
    pub name: String,
    pub client_id: Option<i64>,
    pub rates: Vec<RateDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateCardInputDto {
    pub name: String,
    #[serde(default)]
    pub client_id: Option<i64>,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateInputDto {
    pub kind: String,
    pub unit: String,
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub activity: String,
    #[serde(default)]
    pub room_id: Option<i64>,
    pub amount: String,
    pub effective_from: String,
}

/// One budget against its actuals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetLineDto {
    pub name: String,
    pub budget_minutes: Option<i64>,
    pub budget_sell: Option<String>,
    pub actual_minutes: i64,
    pub actual_sell: String,
    pub actual_cost: String,
    pub hours_percent: Option<i64>,
    pub money_percent: Option<i64>,
    pub forecast_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetDto {
    pub project_code: String,
    pub lines: Vec<BudgetLineDto>,
    /// 80 % / 100 % of a budget, revision rounds beyond the included ones.
    pub alerts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetInputDto {
    /// A stage key of the plan, or `*` for the whole project.
    pub stage: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub sell: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLineDto {
    pub position: i64,
    pub description: String,
    /// Hours (two decimals), days or pieces, as printed.
    pub quantity: String,
    /// h, day or pc
    pub unit: String,
    pub unit_price: String,
    pub discount_bp: i64,
    pub tax_bp: i64,
    pub net: String,
    pub tax: String,
    pub gross: String,
}

/// The VAT breakdown: the taxable amount and tax of one rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxGroupDto {
    pub tax_bp: i64,
    pub taxable: String,
    pub tax: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceDto {
    pub id: i64,
    /// Assigned at issue; `None` on a draft.
    pub number: Option<String>,
    /// invoice or credit_note
    pub kind: String,
    /// draft, issued or paid
    pub state: String,
    pub credit_of: Option<i64>,
    pub currency: String,
    pub issue_date: Option<String>,
    pub supply_date: Option<String>,
    pub due_date: Option<String>,
    pub seller_name: String,
    pub seller_tax_id: String,
    pub buyer_name: String,
    pub buyer_tax_id: String,
    pub net: String,
    pub tax: String,
    pub gross: String,
    pub lines: Vec<InvoiceLineDto>,
    pub tax_groups: Vec<TaxGroupDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstalmentDto {
    pub label: String,
    /// Share of the fee in percent, e.g. `50`.
    pub percent: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftRequestDto {
    pub project_code: String,
    pub series_code: String,
    /// The period's first day (`YYYY-MM-DD`); with a milestone it may be left out: the day
    /// after the project's last invoiced period.
    #[serde(default)]
    pub from: String,
    /// The period's last day; left out with a milestone.
    #[serde(default)]
    pub to: String,
    /// Bill up to this reached milestone (task key or kind, `picture_lock`) instead of `to`.
    #[serde(default)]
    pub milestone: Option<String>,
    #[serde(default)]
    pub instalments: Vec<InstalmentDto>,
    #[serde(default)]
    pub due_days: Option<i64>,
}

/// A line typed by a producer: `unit` is hour, day or piece; `tax` and `discount` in percent
/// (empty tax: the client's rate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineInputDto {
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    #[serde(default)]
    pub discount: String,
    #[serde(default)]
    pub tax: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueDto {
    /// YYYY-MM-DD; empty: today.
    #[serde(default)]
    pub issue_date: String,
}

// --- what-if plans (scenarios) -----------------------------------------------------------

/// A task in a scenario: its current forecast and its proposed dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScenarioTaskDto {
    pub project: String,
    pub task_id: i64,
    pub task_key: String,
    pub task: String,
    pub resource_kind: Option<String>,
    pub current_start: String,
    pub current_end: String,
    pub proposed_start: String,
    pub proposed_end: String,
    /// Working days later (positive) or earlier (negative) than now.
    pub shift_days: i64,
}

/// A planning booking the scenario would write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScenarioBookingDto {
    pub resource: i64,
    pub resource_name: String,
    pub project: String,
    pub task_id: i64,
    pub task: String,
    /// RFC 3339.
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScenarioProjectDto {
    pub project: String,
    pub due: Option<String>,
    pub current_finish: Option<String>,
    pub proposed_finish: Option<String>,
}

/// A saved what-if plan: proposed, applied or discarded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScenarioDto {
    pub id: i64,
    /// proposed, applied or discarded
    pub status: String,
    pub created_at: String,
    pub projects: Vec<ScenarioProjectDto>,
    /// Only the tasks whose dates change.
    pub moved: Vec<ScenarioTaskDto>,
    pub bookings: Vec<ScenarioBookingDto>,
    pub notes: Vec<String>,
    pub makespan_days: i64,
    pub lower_bound_days: i64,
}

/// A job in the queue (`GET /api/v1/jobs`, `GET /api/v1/jobs/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobDto {
    pub id: i64,
    /// proxy, review_copy, noop, …
    pub kind: String,
    /// queued, running, succeeded, failed or cancelled.
    pub state: String,
    /// The project's code; `null` for a studio-wide job.
    pub project: Option<String>,
    pub priority: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    /// Per mille, 0–1000.
    pub progress: i64,
    /// Seconds left at the rate so far (running jobs with progress only).
    pub eta_seconds: Option<i64>,
    /// The worker's last message (a failure's reason).
    pub message: Option<String>,
    pub cancel_requested: bool,
    pub lease_owner: Option<String>,
    /// The kind's payload, as queued.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The last log lines, oldest first (only on `GET /api/v1/jobs/{id}`).
    #[serde(default)]
    pub log: Vec<String>,
}

/// A job to queue (`POST /api/v1/jobs`): `proxy` with `{"source", "dest_dir"?, "scale"?:
/// "1/2"|"1/4", "codec"?: "prores_proxy"|"prores_lt"|"dnxhr_lb"|"h264", "lut_id"?}` or
/// `review_copy` with `{"source", "dest_dir"?, "height"?, "watermark"?, "lut_id"?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewJobDto {
    pub kind: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    /// Project code; absent: studio-wide.
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub priority: i64,
    #[serde(default)]
    pub max_attempts: Option<i64>,
}

/// A LUT of a project's library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LutDto {
    pub id: i64,
    pub name: String,
    /// camera, creative or delivery.
    pub kind: String,
    /// 1 or 3.
    pub dimension: i64,
    pub size: i64,
    pub created_at: String,
}

/// A `.cube` upload (`POST /api/v1/projects/{code}/luts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LutUploadDto {
    /// Empty: the file name's stem.
    #[serde(default)]
    pub name: String,
    /// camera, creative or delivery.
    pub kind: String,
    #[serde(default)]
    pub file_name: String,
    /// The `.cube` text.
    pub text: String,
}

// --- resources and bookings ------------------------------------------------------------------

/// A bookable resource (`GET /api/v1/resources`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceDto {
    pub id: i64,
    pub name: String,
    /// edit_bay, color_suite, mix_theater, vfx_seat, ingest_station, person, … (data).
    pub kind: String,
    /// Bookings it holds at once.
    pub capacity: i64,
    pub skills: Vec<String>,
    /// studio (the studio's week, holidays and the person's days off) or always.
    pub calendar: String,
    /// The person it is, by user id.
    pub user_id: Option<i64>,
    pub archived: bool,
    /// Per hour in integer minor units; only for those who may see rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_rate_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_currency: Option<String>,
}

/// A booking (`GET/POST /api/v1/bookings`, `PATCH/DELETE /api/v1/bookings/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingDto {
    pub id: i64,
    pub resource: i64,
    /// The project's code; absent when the caller may not see the project.
    pub project: Option<String>,
    pub task: Option<i64>,
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
    /// planning, preliminary or confirmed.
    pub status: String,
    pub units: i64,
    pub note: String,
}

/// A booking to make (`POST /api/v1/bookings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewBookingDto {
    pub resource: i64,
    /// The project's code.
    pub project: String,
    #[serde(default)]
    pub task: Option<i64>,
    /// RFC 3339.
    pub start: String,
    pub end: String,
    /// planning, preliminary (default) or confirmed.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub units: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A change to a booking (`PATCH /api/v1/bookings/{id}`); absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingPatchDto {
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub units: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The 409 answer to a booking that would over-commit a resource: the error body plus the
/// confirmed bookings it collides with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingConflictDto {
    /// `conflict`.
    pub code: String,
    pub message: String,
    pub fields: std::collections::BTreeMap<String, String>,
    pub error: String,
    /// The ids of the bookings it collides with.
    pub conflicts_with: Vec<i64>,
}

/// Something to resolve on the board (`GET /api/v1/bookings/conflicts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingIssueDto {
    /// over_booked, not_a_working_day, before_predecessors or missing_skill.
    pub kind: String,
    pub resource: Option<i64>,
    pub task: Option<i64>,
    pub bookings: Vec<i64>,
    pub problem: String,
    pub fix: String,
}

/// A worker asking for a job (`POST /api/v1/worker/claim`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerClaimDto {
    /// The worker's name; every later report must carry it.
    pub worker: String,
    /// The kinds it can run.
    pub kinds: Vec<String>,
    pub lease_secs: u64,
}

/// A job as a worker runs it (the claim's answer; `null` when there is nothing to do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerJobDto {
    pub id: i64,
    pub kind: String,
    /// The payload's JSON text, as queued.
    pub payload: String,
    pub project_id: Option<i64>,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// A worker's report on a job it holds (`POST /api/v1/worker/jobs/{id}/{report}`, report one
/// of heartbeat, log, complete, fail, release, cancelled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerReportDto {
    pub worker: String,
    /// heartbeat: the lease to extend to.
    #[serde(default)]
    pub lease_secs: u64,
    /// heartbeat: per mille.
    #[serde(default)]
    pub progress: i64,
    /// heartbeat: a short message; log: the line; fail: the reason.
    #[serde(default)]
    pub message: Option<String>,
    /// fail: whether another attempt may help.
    #[serde(default)]
    pub retry: bool,
}

/// What a report did: `held` is false when the worker no longer holds the job (its result is
/// not recorded); `outcome` says what happened (kept, recorded, retrying, failed, lost).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerAnswerDto {
    pub held: bool,
    #[serde(default)]
    pub cancel_requested: bool,
    pub outcome: String,
}

/// What a media job wrote, for the relink list (`POST /api/v1/worker/jobs/{id}/relink`); the
/// server adds the job's project and the catalog's checksum of the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerRelinkDto {
    pub worker: String,
    pub kind: String,
    pub original_path: String,
    pub proxy_path: String,
    pub proxy_checksum: String,
    pub start_timecode: Option<String>,
    pub reel: Option<String>,
    pub codec: String,
    pub width: i64,
    pub height: i64,
}

/// A LUT of the job's project, for ffmpeg (`POST /api/v1/worker/jobs/{id}/lut`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerLutDto {
    pub worker: String,
    pub lut_id: i64,
    /// In the answer: 1 or 3.
    #[serde(default)]
    pub dimension: i64,
    /// In the answer: the `.cube` text.
    #[serde(default)]
    pub body: String,
}

/// A delivery encode's deliverable as its worker needs it
/// (`POST /api/v1/worker/jobs/{id}/deliverable`): the worker sends `worker` and
/// `deliverable_id`, the server answers with the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerDeliverableDto {
    pub worker: String,
    pub deliverable_id: i64,
    /// In the answer: the job's project, where the QC run is attached
    /// (`POST /api/v1/projects/{code}/deliverables/{id}/qc-runs`).
    #[serde(default)]
    pub project_code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub layout: Option<String>,
    /// In the answer: the deliverable's delivery profiles in order, as the server has them
    /// (the first one's `encode` table decides the settings).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub profiles: Vec<serde_json::Value>,
}

// --- webhooks -------------------------------------------------------------------------------

/// A webhook endpoint. `secret` is present only in the answer to its creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDto {
    pub id: i64,
    pub url: String,
    /// Comma-separated event families (`booking,plan`) or `*`.
    pub events: String,
    pub description: String,
    pub active: bool,
    pub created_at: String,
    /// The Standard Webhooks signing secret (`whsec_…`), returned once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhookDto {
    /// http(s) URL of the receiver (not this server).
    pub url: String,
    /// Comma-separated event families, or `*` for every event.
    pub events: String,
    #[serde(default)]
    pub description: String,
}

/// One delivery of the log: what was sent, how often, what the endpoint answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryDto {
    pub id: i64,
    pub message_id: String,
    pub event_type: String,
    /// pending, sending, delivered or failed
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
    /// The JSON body as sent.
    pub payload: String,
}

// --- billing set-up ---------------------------------------------------------------------------

/// A numbering series with the seller its invoices name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceSeriesInputDto {
    pub code: String,
    pub prefix: String,
    pub seller_name: String,
    #[serde(default)]
    pub seller_address: String,
    pub seller_tax_id: String,
}

/// A client's billing details; `tax` in percent (`19`, `7.7`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientBillingInputDto {
    pub legal_name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub tax_id: String,
    pub currency: String,
    pub tax: String,
    #[serde(default)]
    pub rate_card_id: Option<i64>,
}

/// A project's terms: `kind` is time_and_materials, fixed_fee or fixed_fee_with_overflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermsInputDto {
    pub kind: String,
    #[serde(default)]
    pub fee: String,
    #[serde(default)]
    pub included_hours: String,
    #[serde(default)]
    pub included_rounds: u32,
    #[serde(default)]
    pub extra_round_price: String,
    #[serde(default)]
    pub rounds_used: u32,
}

// --- channels and search ----------------------------------------------------------------------

/// A message of a project channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageDto {
    pub id: i64,
    pub project_code: String,
    /// `internal` or `client`.
    pub channel: String,
    pub author: String,
    pub author_id: Option<i64>,
    pub body: String,
    pub reply_to: Option<i64>,
    pub created_at: String,
    /// Set once the message was edited (its earlier bodies are kept).
    pub edited_at: Option<String>,
    /// How often it was edited.
    #[serde(default)]
    pub edits: usize,
    /// The people (names) and departments it mentions.
    #[serde(default)]
    pub mentions: Vec<String>,
    /// Catalogued media file ids.
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// A new message (a reply when `reply_to` is set). Mentions are written in the body
/// (`@alice`, `@"Jane Doe"`, `@color`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMessageDto {
    pub body: String,
    #[serde(default)]
    pub reply_to: Option<i64>,
    /// Catalogued media file ids of the project.
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// A message's new body (only its author may edit it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditMessageDto {
    pub body: String,
}

/// What was decided: empty `text` records the message itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDecisionDto {
    #[serde(default)]
    pub text: String,
}

/// A decision of a project: who, when, what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionDto {
    pub id: i64,
    pub project_code: String,
    pub message_id: Option<i64>,
    pub decided_by: Option<i64>,
    pub decided_at: String,
    pub text: String,
}

/// The task a message becomes; empty fields are filled from the message (key `msg-<id>`, the
/// first line as name, one working day, the plan's first stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageTaskDto {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub duration: String,
}

/// The task made from a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageTaskResultDto {
    pub task_id: i64,
    pub project_code: String,
    pub message_id: i64,
}

/// One search result, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHitDto {
    /// `message`, `decision` or `task`.
    pub kind: String,
    pub id: i64,
    pub project_code: String,
    /// The page that shows it.
    pub link: String,
    /// HTML: the escaped text around the match with the matching words in `<mark>`.
    pub snippet_html: String,
    /// BM25 score (higher is better).
    pub score: f64,
}
