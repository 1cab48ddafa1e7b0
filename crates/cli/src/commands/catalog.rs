//! The media catalog from the command line: `postflow volume add|list`, and recording what
//! `postflow ingest` and `postflow verify` established, either straight into a store
//! (`--data-dir`, `--database-url`) or through a server's JSON API (`--server URL --token T`).
//!
//! The catalog is written after the copies are verified and never claims more than the report
//! says: a copy is recorded as verified only when it re-read as identical. A failed catalog write
//! changes nothing (the store records a report in one transaction) and leaves the copies on disk
//! as they are.
use super::server::StoreArgs;
use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Subcommand};
use postflow_api_types::{VolumeDto, VolumeInputDto};
use postflow_core::integrity::{CopyState, VolumeLabel};
use postflow_ingest::{FileStatus, IngestReport, VerifyReport};
use postflow_store::catalog::{
    CatalogRecord, EventKind, RecordOutcome, RecordedCopy, RecordedFile, VolumeRef,
};
use std::path::Path;
use std::process::ExitCode;

/// A postflow server to record through, instead of a local store.
#[derive(Debug, Args, Clone)]
pub struct ServerArgs {
    /// Record through this postflow server's API (e.g. https://postflow.studio.lan) instead of a
    /// local store.
    #[arg(long, env = "POSTFLOW_SERVER")]
    pub server: Option<String>,
    /// Personal API token (create one on your account page; producer or admin).
    #[arg(long, env = "POSTFLOW_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// The flags `ingest` and `verify` take to record into the catalog.
#[derive(Debug, Args, Clone)]
pub struct CatalogFlags {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
    /// Volume label of each destination, in --dest order (default: the destination folder's
    /// name). For verify: the volume holding PATH (default: the name of PATH's parent folder).
    #[arg(long = "volume")]
    pub volume: Vec<String>,
}

/// [`CatalogFlags`] plus whether a store was actually asked for: the store flags have a default
/// data directory, but ingest must record nothing unless told where.
#[derive(Debug, Clone)]
pub struct CatalogArgs {
    pub flags: CatalogFlags,
    pub store_given: bool,
}

impl clap::FromArgMatches for CatalogArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let flags = CatalogFlags::from_arg_matches(m)?;
        let given = |id: &str| {
            matches!(
                m.value_source(id),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
        };
        Ok(CatalogArgs {
            store_given: given("data_dir") || given("database_url"),
            flags,
        })
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for CatalogArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        CatalogFlags::augment_args(cmd)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        CatalogFlags::augment_args_for_update(cmd)
    }
}

/// Exit code of an `ingest` or `verify` whose copies were fine but whose catalog record could
/// not be written (store or server unreachable, the record refused): the media is safe on
/// disk as reported, only the catalog does not know it yet. Copy failures keep exit code 1.
pub const EXIT_CATALOG_NOT_UPDATED: u8 = 3;

/// Where catalog facts go.
#[derive(Debug, Clone)]
pub enum Target {
    Store(StoreArgs),
    Server { url: String, token: String },
}

fn server_target(remote: &ServerArgs) -> anyhow::Result<Option<Target>> {
    match (&remote.server, &remote.token) {
        (Some(url), Some(token)) if !url.trim().is_empty() && !token.trim().is_empty() => {
            Ok(Some(Target::Server {
                url: url.trim().trim_end_matches('/').to_string(),
                token: token.trim().to_string(),
            }))
        }
        (Some(url), _) if !url.trim().is_empty() => bail!(
            "--server {url} needs --token TOKEN (or POSTFLOW_TOKEN); create a token on your account page"
        ),
        (_, Some(t)) if !t.trim().is_empty() => {
            bail!("--token was given without --server URL; add the server's address")
        }
        _ => Ok(None),
    }
}

impl CatalogArgs {
    /// Where to record, or `None` when the user asked for no catalog. Checked before the copy
    /// starts, so a bad flag costs nothing.
    pub fn target(&self) -> anyhow::Result<Option<Target>> {
        let remote = server_target(&self.flags.remote)?;
        match (remote, self.store_given) {
            (Some(_), true) => bail!(
                "give either --server (record through the server) or --data-dir/--database-url (record into a store), not both"
            ),
            (Some(t), false) => Ok(Some(t)),
            (None, true) => Ok(Some(Target::Store(self.flags.store.clone()))),
            (None, false) => {
                if !self.flags.volume.is_empty() {
                    bail!("--volume only matters when recording; add --data-dir DIR, --database-url URL or --server URL --token T")
                }
                Ok(None)
            }
        }
    }
}

/// The project a recording run records to, named and found in the catalog before any byte is
/// copied or hashed. A file's identity in the catalog includes its project, so a recording
/// without one could not say whose files these are.
pub fn project_for_recording(
    target: &Target,
    project: Option<&str>,
    verb: &str,
) -> anyhow::Result<String> {
    let Some(given) = project.map(str::trim).filter(|p| !p.is_empty()) else {
        bail!(
            "recording this {verb} in the catalog needs --project CODE: the catalog keeps each project's files apart, so it must know whose files these are (leave out --data-dir/--database-url/--server to {verb} without recording)"
        );
    };
    let code = postflow_core::project::Code::parse(given)
        .map_err(|e| anyhow::anyhow!("--project {given:?}: {e}"))?;
    let found = match target {
        Target::Store(store) => runtime()?.block_on(async {
            let s = store.open().await.with_context(|| {
                format!("cannot open the catalog to check project {code} before the {verb}; nothing was done")
            })?;
            let found = s
                .project_by_code(&code)
                .await
                .map_err(|e| anyhow::anyhow!("cannot look up project {code} in the catalog: {e}"))?;
            s.close().await.ok();
            anyhow::Ok(found.is_some())
        })?,
        Target::Server { url, token } => {
            let resp = http()?
                .get(format!("{url}/api/v1/projects/{code}"))
                .bearer_auth(token)
                .send();
            match resp {
                Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => false,
                other => {
                    let _: serde_json::Value = api_result(url, other).with_context(|| {
                        format!("cannot check project {code} on the server before the {verb}; nothing was done")
                    })?;
                    true
                }
            }
        }
    };
    if !found {
        bail!(
            "project {code} is not in the catalog (or not visible to you); check the code, or create the project first — nothing was done"
        );
    }
    Ok(code.as_str().to_string())
}

/// The label of each destination: `--volume` in order, else the destination folder's name.
pub fn destination_labels(
    dests: &[std::path::PathBuf],
    given: &[String],
) -> anyhow::Result<Vec<VolumeLabel>> {
    if !given.is_empty() && given.len() != dests.len() {
        bail!(
            "{} --volume labels for {} --dest folders; give one label per destination, in the same order",
            given.len(),
            dests.len()
        );
    }
    dests
        .iter()
        .enumerate()
        .map(|(i, d)| match given.get(i) {
            Some(l) => VolumeLabel::parse(l).map_err(|e| anyhow::anyhow!("{e}")),
            None => folder_label(d),
        })
        .collect()
}

fn folder_label(dir: &Path) -> anyhow::Result<VolumeLabel> {
    let resolved = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    resolved
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| VolumeLabel::parse(n).ok())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "cannot name a volume after {}; give it a label with --volume LABEL",
                dir.display()
            )
        })
}

/// What an ingest established, as catalog facts.
pub fn ingest_record(
    report: &IngestReport,
    labels: &[VolumeLabel],
) -> anyhow::Result<CatalogRecord> {
    let label_of = |dest: &str| {
        report
            .destinations
            .iter()
            .position(|d| d.path == dest)
            .and_then(|i| labels.get(i).cloned())
    };
    let volumes = report
        .destinations
        .iter()
        .zip(labels)
        .map(|(d, l)| VolumeRef {
            label: l.clone(),
            path: d.path.clone(),
        })
        .collect();
    let mut files = Vec::new();
    for f in &report.files {
        let mut copies = Vec::new();
        for c in &f.copies {
            let Some(volume) = label_of(&c.destination) else {
                continue;
            };
            let target = report
                .destinations
                .iter()
                .find(|d| d.path == c.destination)
                .map(|d| d.target.clone())
                .unwrap_or_else(|| c.destination.clone());
            copies.push(RecordedCopy {
                volume,
                path_on_volume: format!("{target}/{}", f.path),
                // Only a copy that re-read as identical is verified.
                state: if c.verified {
                    CopyState::Verified
                } else {
                    CopyState::Failed
                },
                verified_at: if c.verified { c.verified_at } else { None },
            });
        }
        files.push(RecordedFile {
            path: format!("{}/{}", report.folder, f.path),
            size: Some(f.size),
            modified: Some(f.modified),
            checksums: checksum_map(&f.hashes),
            original_path: f
                .original_path
                .as_ref()
                .map(|o| format!("{}/{o}", report.folder)),
            copies,
        });
    }
    Ok(CatalogRecord {
        kind: EventKind::Ingest,
        project: report.project.clone(),
        source: report.source.clone(),
        at: report.finished_at,
        volumes,
        files,
        complete: report.complete,
        report: serde_json::to_value(report)?,
    })
}

/// The volume a verified copy lives on: `--volume`, else its parent folder's name.
/// Hashes as the catalog keeps them: algorithm name → value.
fn checksum_map(
    hashes: &[postflow_ingest::HashValue],
) -> std::collections::BTreeMap<String, String> {
    hashes
        .iter()
        .map(|h| (h.algorithm.to_string(), h.value.clone()))
        .collect()
}

pub fn verify_label(root: &Path, given: &[String]) -> anyhow::Result<VolumeLabel> {
    match given {
        [] => {
            let resolved = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            match resolved.parent() {
                Some(parent) => folder_label(parent),
                None => bail!(
                    "cannot tell which volume holds {}; give --volume LABEL",
                    root.display()
                ),
            }
        }
        [one] => VolumeLabel::parse(one).map_err(|e| anyhow::anyhow!("{e}")),
        _ => bail!("verify checks one copy on one volume; give --volume once"),
    }
}

/// What a verification established, as catalog facts.
pub fn verify_record(
    report: &VerifyReport,
    root: &Path,
    label: &VolumeLabel,
    project: Option<String>,
) -> anyhow::Result<CatalogRecord> {
    let resolved = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let folder = resolved
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no folder name to catalogue its files under",
                root.display()
            )
        })?
        .to_string();
    let mut files = Vec::new();
    for f in &report.files {
        let (state, verified_at) = match &f.status {
            FileStatus::Ok => (
                CopyState::Verified,
                f.verified_at.or(Some(report.started_at)),
            ),
            FileStatus::Changed { .. } | FileStatus::Unreadable { .. } => (CopyState::Failed, None),
            FileStatus::Missing => (CopyState::Missing, None),
            // Not part of the history, or not re-read this time: nothing was established.
            FileStatus::Extra | FileStatus::NotSampled => continue,
        };
        files.push(RecordedFile {
            path: format!("{folder}/{}", f.path),
            size: f.size,
            modified: None,
            // Present only for a file that hashed as recorded (or was newly recorded).
            checksums: checksum_map(&f.hashes),
            original_path: None,
            copies: vec![RecordedCopy {
                volume: label.clone(),
                path_on_volume: resolved.join(&f.path).display().to_string(),
                state,
                verified_at,
            }],
        });
    }
    Ok(CatalogRecord {
        kind: EventKind::Verify,
        project,
        source: report.root.clone(),
        at: report.started_at,
        volumes: vec![VolumeRef {
            label: label.clone(),
            path: resolved
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        }],
        files,
        // A sample vouches only for the files it re-read: never a complete verification.
        complete: report.ok && !report.sampled,
        report: serde_json::to_value(report)?,
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    if host.is_empty() {
        format!("{user} (postflow cli)")
    } else {
        format!("{user}@{host} (postflow cli)")
    }
}

pub(crate) fn http() -> anyhow::Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .context("cannot set up the HTTP client")
}

/// Turns a non-success API answer into one sentence naming the server.
pub(crate) fn api_result<T: serde::de::DeserializeOwned>(
    url: &str,
    resp: reqwest::Result<reqwest::blocking::Response>,
) -> anyhow::Result<T> {
    let resp = resp.map_err(|e| {
        anyhow::anyhow!(
            "cannot reach the postflow server at {url}: {e}; check --server and that it is running"
        )
    })?;
    let status = resp.status();
    if status.is_success() {
        return resp
            .json()
            .with_context(|| format!("the server at {url} sent an answer postflow cannot read"));
    }
    let detail = resp
        .json::<postflow_api_types::ErrorDto>()
        .ok()
        .map(|b| b.message)
        .unwrap_or_else(|| status.to_string());
    match status.as_u16() {
        401 => bail!("the server at {url} did not accept the token ({detail}); create a new token on your account page"),
        403 => bail!("the server at {url} refused: {detail}; recording needs the token of studio staff on the project (a producer, an admin or a team member)"),
        _ => bail!("the server at {url} refused the request ({status}): {detail}"),
    }
}

/// Records the facts; on success returns what was recorded.
pub fn record(target: &Target, rec: &CatalogRecord) -> anyhow::Result<RecordOutcome> {
    match target {
        Target::Store(store) => runtime()?.block_on(async {
            let s = store.open().await?;
            let ctx = postflow_app::Context::new(s.clone());
            let out = postflow_app::catalog::record(
                &ctx,
                &postflow_app::access::local_operator(),
                &who(),
                rec,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            s.close().await.ok();
            Ok(out)
        }),
        Target::Server { url, token } => {
            let resp = http()?
                .post(format!("{url}/api/v1/catalog/records"))
                .bearer_auth(token)
                .json(rec)
                .send();
            api_result(url, resp)
        }
    }
}

/// Records and tells the user what happened. Returns false when the catalog was not updated.
/// `rec` is the record built from the report; a record that could not be built is a catalog
/// failure like any other (the media is as reported either way).
pub fn record_and_report(target: &Target, rec: anyhow::Result<CatalogRecord>, what: &str) -> bool {
    match rec.and_then(|rec| record(target, &rec)) {
        Ok(out) => {
            eprintln!(
                "catalog: recorded {} files, {} verified and {} failed copies (entry {})",
                out.files, out.verified_copies, out.failed_copies, out.event_id
            );
            for v in &out.new_volumes {
                eprintln!(
                    "catalog: new volume {v} registered as an on-site hdd drive; if it is not, run `postflow volume add {v} --kind KIND --media TYPE --site onsite|offsite`"
                );
            }
            true
        }
        Err(e) => {
            eprintln!(
                "error: the catalog was not updated: {e:#}. Nothing was marked verified; the {what} on disk are as reported above. Run the same command again once the catalog is reachable to record them (exit code {EXIT_CATALOG_NOT_UPDATED}: catalog only)."
            );
            false
        }
    }
}

// --- postflow volume ------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Register a volume (drive, LTO tape, NAS share, cloud bucket), or update the one with this label.
    Add(VolumeAddArgs),
    /// List volumes with the files each holds a verified copy of.
    List(VolumeListArgs),
}

#[derive(Debug, Args)]
pub struct VolumeAddArgs {
    /// The label written on the drive or tape, e.g. LTO-000123.
    pub label: String,
    /// drive, lto, nas or cloud.
    #[arg(long, default_value = "drive")]
    pub kind: String,
    /// Media type: hdd, ssd, lto, cloud… (default: from --kind).
    #[arg(long)]
    pub media: Option<String>,
    /// Where the volume is kept: onsite or offsite.
    #[arg(long, default_value = "onsite")]
    pub site: String,
    /// Capacity, e.g. 18TB, 4000GB or a number of bytes.
    #[arg(long)]
    pub capacity: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

#[derive(Debug, Args)]
pub struct VolumeListArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

/// `18TB`, `4000 GB`, `1.5T`, `123456` (bytes); decimal units as drives are sold.
pub fn parse_capacity(s: &str) -> anyhow::Result<i64> {
    let t = s.trim().to_ascii_uppercase().replace(' ', "");
    let t = t.trim_end_matches('B');
    let (num, mult) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('G') => (&t[..t.len() - 1], 1e9),
        Some('T') => (&t[..t.len() - 1], 1e12),
        Some('P') => (&t[..t.len() - 1], 1e15),
        _ => (t, 1.0),
    };
    match num.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 && n * mult < 9e18 => Ok((n * mult).round() as i64),
        _ => bail!("capacity {s:?} is not a size; write it like 18TB, 4000GB or a number of bytes"),
    }
}

pub fn run_volume(cmd: VolumeCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        VolumeCommand::Add(a) => volume_add(a),
        VolumeCommand::List(a) => volume_list(a),
    }
}

fn volume_add(a: VolumeAddArgs) -> anyhow::Result<ExitCode> {
    let capacity = a.capacity.as_deref().map(parse_capacity).transpose()?;
    let draft = postflow_app::storage::VolumeDraft {
        label: a.label.clone(),
        kind: a.kind.clone(),
        media_type: a.media.clone(),
        location: a.site.clone(),
        capacity_bytes: capacity,
        notes: a.notes.clone(),
    };
    // The same refusals as the server gives, before anything is sent or opened.
    let input = draft.validate().map_err(volume_refusal)?;
    match server_target(&a.remote)? {
        Some(Target::Server { url, token }) => {
            let body = VolumeInputDto {
                label: input.label.as_str().to_string(),
                kind: input.kind.as_str().to_string(),
                media_type: Some(input.media.as_str().to_string()),
                location: input.site.as_str().to_string(),
                capacity_bytes: capacity,
                notes: a.notes.clone(),
            };
            let resp = http()?
                .post(format!("{url}/api/v1/volumes"))
                .bearer_auth(&token)
                .json(&body)
                .send();
            let _: VolumeDto = api_result(&url, resp)?;
        }
        _ => runtime()?.block_on(async {
            let s = a.store.open().await?;
            let ctx = postflow_app::Context::new(s.clone());
            postflow_app::storage::register_volume(
                &ctx,
                &postflow_app::access::local_operator(),
                &draft,
            )
            .await
            .map_err(volume_refusal)?;
            s.close().await.ok();
            anyhow::Ok(())
        })?,
    }
    println!(
        "volume {}: {} · {} · {}",
        input.label,
        input.kind.as_str(),
        input.media,
        input.site.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

/// A refused volume as one sentence naming the flags.
fn volume_refusal(e: postflow_app::AppError) -> anyhow::Error {
    match e {
        postflow_app::AppError::Invalid(fields) => {
            let flag = |f: &str| match f {
                "media_type" => "--media",
                "location" => "--site",
                "capacity_bytes" => "--capacity",
                "kind" => "--kind",
                _ => "LABEL",
            };
            let parts: Vec<String> = fields
                .0
                .iter()
                .map(|(f, m)| format!("{} {m}", flag(f)))
                .collect();
            anyhow::anyhow!("{}", parts.join("; "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

fn volume_list(a: VolumeListArgs) -> anyhow::Result<ExitCode> {
    let list: Vec<VolumeDto> = match server_target(&a.remote)? {
        Some(Target::Server { url, token }) => {
            let resp = http()?
                .get(format!("{url}/api/v1/volumes"))
                .bearer_auth(&token)
                .send();
            api_result(&url, resp)?
        }
        _ => runtime()?.block_on(async {
            let s = a.store.open().await?;
            let vols = s.list_volumes().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            s.close().await.ok();
            anyhow::Ok(
                vols.into_iter()
                    .map(|v| VolumeDto {
                        kind: v.volume.kind().as_str().into(),
                        media_type: v.volume.media().to_string(),
                        location: v.volume.site().as_str().into(),
                        label: v.volume.label,
                        capacity_bytes: v.volume.capacity_bytes,
                        notes: v.volume.notes,
                        files_held: v.files_held,
                        last_verified: v.last_verified.map(|t| t.to_rfc3339()),
                    })
                    .collect(),
            )
        })?,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        println!(
            "{:<20} {:<6} {:<6} {:<8} {:>10} last verified",
            "LABEL", "KIND", "MEDIA", "SITE", "FILES"
        );
        for v in &list {
            println!(
                "{:<20} {:<6} {:<6} {:<8} {:>10} {}",
                v.label,
                v.kind,
                v.media_type,
                v.location,
                v.files_held,
                v.last_verified.as_deref().unwrap_or("never")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities() {
        assert_eq!(parse_capacity("18TB").unwrap(), 18_000_000_000_000);
        assert_eq!(parse_capacity("4000 gb").unwrap(), 4_000_000_000_000);
        assert_eq!(parse_capacity("1.5T").unwrap(), 1_500_000_000_000);
        assert_eq!(parse_capacity("123").unwrap(), 123);
        assert!(parse_capacity("lots").is_err());
        assert!(parse_capacity("-1TB").is_err());
    }

    #[test]
    fn labels_follow_destinations() {
        let d = tempfile::tempdir().unwrap();
        let raid = d.path().join("RAID-1");
        std::fs::create_dir(&raid).unwrap();
        let labels = destination_labels(std::slice::from_ref(&raid), &[]).unwrap();
        assert_eq!(labels[0].as_str(), "RAID-1");
        let labels =
            destination_labels(std::slice::from_ref(&raid), &["SHUTTLE 7".into()]).unwrap();
        assert_eq!(labels[0].as_str(), "SHUTTLE 7");
        assert!(destination_labels(&[raid], &["A".into(), "B".into()]).is_err());
    }
}
