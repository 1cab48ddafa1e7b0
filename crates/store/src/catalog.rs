//! The media catalog: volumes, the files a studio holds, which volume holds a copy of which file
//! and how that copy last verified, and the log of every ingest and verification.
//!
//! Recording is one transaction: either every fact of a report lands, or none does, so a failed
//! write can never leave a copy marked verified that was not. Recording the same report twice
//! updates the same rows (files are keyed by project and path, copies by file and volume); only
//! the event log grows, one entry per run.
use crate::entities::{catalog_event, file_copy, media_file, project, volume};
use crate::{map_unique, now, Repo, Result, StoreError};
use chrono::{DateTime, Utc};
use postflow_core::integrity::{
    three_two_one, CopyFact, CopyState, FileFacts, MediaType, RuleStatus, Site, VolumeKind,
    VolumeLabel,
};
use postflow_core::project::Code;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub use crate::entities::catalog_event::Model as CatalogEvent;
pub use crate::entities::file_copy::Model as FileCopy;
pub use crate::entities::media_file::Model as MediaFile;
pub use crate::entities::volume::Model as Volume;

/// A volume as registered by people (`postflow volume add`, or the API).
#[derive(Debug, Clone)]
pub struct VolumeInput {
    pub label: VolumeLabel,
    pub kind: VolumeKind,
    pub media: MediaType,
    pub site: Site,
    pub capacity_bytes: Option<i64>,
    pub notes: Option<String>,
}

impl Volume {
    pub fn kind(&self) -> VolumeKind {
        VolumeKind::parse(&self.kind).unwrap_or(VolumeKind::Drive)
    }
    pub fn media(&self) -> MediaType {
        MediaType::parse(&self.media_type).unwrap_or_else(|_| self.kind().default_media())
    }
    /// An unreadable location counts as on-site: the rule must never over-claim an off-site copy.
    pub fn site(&self) -> Site {
        Site::parse(&self.location).unwrap_or(Site::Onsite)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Ingest,
    Verify,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Ingest => "ingest",
            EventKind::Verify => "verify",
        }
    }
}

/// What one ingest or verification established, ready to record. The CLI builds it from the
/// ingest crate's reports; the JSON API accepts it as is (`postflow.catalog.v1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogRecord {
    pub kind: EventKind,
    /// Project code the files belong to, when known.
    #[serde(default)]
    pub project: Option<String>,
    /// The card or copy that was read.
    pub source: String,
    pub at: DateTime<Utc>,
    /// The volumes written or verified, with the folder used on each.
    pub volumes: Vec<VolumeRef>,
    pub files: Vec<RecordedFile>,
    /// Every file verified everywhere and nothing skipped.
    pub complete: bool,
    /// The full ingest or verify report, kept in the log as is.
    #[serde(default)]
    pub report: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VolumeRef {
    pub label: VolumeLabel,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedFile {
    /// Relative, with the card folder first: `A001/Clips/A001C001.mov`.
    pub path: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub modified: Option<DateTime<Utc>>,
    /// Algorithm name → value, e.g. `{"xxh64": "0ea03b369a463d9d"}`.
    #[serde(default)]
    pub checksums: BTreeMap<String, String>,
    /// The path on the card before postflow renamed it into the naming convention.
    #[serde(default)]
    pub original_path: Option<String>,
    pub copies: Vec<RecordedCopy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedCopy {
    pub volume: VolumeLabel,
    pub path_on_volume: String,
    pub state: CopyState,
    /// When it re-read as identical (for a verified copy).
    #[serde(default)]
    pub verified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordOutcome {
    pub event_id: i64,
    pub files: u64,
    pub verified_copies: u64,
    pub failed_copies: u64,
    /// Labels seen for the first time, registered as on-site hdd drives until someone says otherwise.
    pub new_volumes: Vec<String>,
}

/// A volume with what it holds.
#[derive(Debug, Clone)]
pub struct VolumeSummary {
    pub volume: Volume,
    /// Files with a verified copy on this volume.
    pub files_held: u64,
    pub last_verified: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct CopyEntry {
    pub copy: FileCopy,
    pub volume: Volume,
}

impl CopyEntry {
    pub fn state(&self) -> CopyState {
        // An unknown state never counts as verified.
        CopyState::parse(&self.copy.status).unwrap_or(CopyState::Failed)
    }
}

/// A catalogued file with every copy the catalog knows of.
#[derive(Debug, Clone)]
pub struct MediaEntry {
    pub file: MediaFile,
    pub copies: Vec<CopyEntry>,
}

impl MediaEntry {
    pub fn checksums(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.file.checksums).unwrap_or_default()
    }

    pub fn facts(&self) -> FileFacts {
        FileFacts {
            path: self.file.path.clone(),
            copies: self
                .copies
                .iter()
                .map(|c| CopyFact {
                    volume: c.volume.label.clone(),
                    media: c.volume.media(),
                    site: c.volume.site(),
                    state: c.state(),
                })
                .collect(),
        }
    }
}

/// A file's identity: its project (or none) and its path. Two projects' cards with the same
/// relative path are two files, and a recording speaks only of its own project's.
fn file_key(project_id: Option<i64>, path: &str) -> String {
    format!("{}:{path}", project_id.unwrap_or(0))
}

fn name_lower(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_lowercase()
}

/// `LIKE` pattern for "contains", with `%`, `_` and the escape itself taken literally: a search
/// for `A001_C` must not match `A001XC`.
pub(crate) fn contains_pattern(needle: &str) -> sea_orm::sea_query::LikeExpr {
    let mut p = String::from("%");
    for ch in needle.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    sea_orm::sea_query::LikeExpr::new(p).escape('\\')
}

fn check_path(path: &str) -> Result<()> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(StoreError::Conflict(format!(
            "file path {path:?} is not a relative path such as A001/Clips/A001C001.mov; fix the report and send it again"
        )));
    }
    Ok(())
}

/// A copy is verified only against a hash: a record that claims one without any checksum for
/// the file proves nothing and is refused whole.
fn check_verified_has_checksum(f: &RecordedFile) -> Result<()> {
    let claims_verified = f.copies.iter().any(|c| c.state == CopyState::Verified);
    let has_checksum = f
        .checksums
        .iter()
        .any(|(alg, value)| !alg.trim().is_empty() && !value.trim().is_empty());
    if claims_verified && !has_checksum {
        return Err(StoreError::Conflict(format!(
            "the report marks a copy of {} verified but gives no checksum for it; a verified copy needs the hash it was verified against, so send the file's checksums (or record the copy as failed)",
            f.path
        )));
    }
    Ok(())
}

/// Two checksum sets disagree when any algorithm both hold has different values.
fn checksums_differ(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
    a.iter()
        .any(|(k, v)| b.get(k).is_some_and(|w| !w.eq_ignore_ascii_case(v)))
}

fn checksums_agree(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
    a.iter()
        .any(|(k, v)| b.get(k).is_some_and(|w| w.eq_ignore_ascii_case(v)))
        && !checksums_differ(a, b)
}

impl<C: ConnectionTrait + TransactionTrait> Repo<C> {
    // --- volumes ----------------------------------------------------------------------------

    /// Registers a volume, or updates the one with this label.
    pub async fn upsert_volume(&self, input: VolumeInput) -> Result<Volume> {
        let label = input.label.to_string();
        let existing = self.volume_by_label(&label).await?;
        let mut row = match existing {
            Some(v) => v.into(),
            None => volume::ActiveModel {
                label: Set(label.clone()),
                created_at: Set(now()),
                ..Default::default()
            },
        };
        row.kind = Set(input.kind.as_str().into());
        row.media_type = Set(input.media.to_string());
        row.location = Set(input.site.as_str().into());
        row.capacity_bytes = Set(input.capacity_bytes);
        row.notes = Set(input.notes);
        row.save(self.conn())
            .await
            .map_err(|e| map_unique(e, "volume label", &label))?;
        self.volume_by_label(&label)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("volume {label}")))
    }

    pub async fn volume_by_label(&self, label: &str) -> Result<Option<Volume>> {
        Ok(volume::Entity::find()
            .filter(volume::Column::Label.eq(label.trim()))
            .one(self.conn())
            .await?)
    }

    /// Every volume with the number of files it holds a verified copy of.
    pub async fn list_volumes(&self) -> Result<Vec<VolumeSummary>> {
        let volumes = volume::Entity::find()
            .order_by_asc(volume::Column::Label)
            .all(self.conn())
            .await?;
        let counts: Vec<(i64, i64, Option<DateTime<Utc>>)> = file_copy::Entity::find()
            .select_only()
            .column(file_copy::Column::VolumeId)
            .column_as(file_copy::Column::Id.count(), "held")
            .column_as(file_copy::Column::VerifiedAt.max(), "last")
            .filter(file_copy::Column::Status.eq(CopyState::Verified.as_str()))
            .group_by(file_copy::Column::VolumeId)
            .into_tuple()
            .all(self.conn())
            .await?;
        let counts: HashMap<i64, (i64, Option<DateTime<Utc>>)> =
            counts.into_iter().map(|(v, n, at)| (v, (n, at))).collect();
        Ok(volumes
            .into_iter()
            .map(|v| {
                let (n, last) = counts.get(&v.id).cloned().unwrap_or((0, None));
                VolumeSummary {
                    volume: v,
                    files_held: u64::try_from(n).unwrap_or(0),
                    last_verified: last,
                }
            })
            .collect())
    }

    // --- recording --------------------------------------------------------------------------

    /// Records what an ingest or verification established, atomically and idempotently.
    /// `who` is shown in the log; `user_id` links it to an account when there is one.
    pub async fn record_catalog(
        &self,
        user_id: Option<i64>,
        who: &str,
        rec: &CatalogRecord,
    ) -> Result<RecordOutcome> {
        for f in &rec.files {
            check_path(&f.path)?;
            if let Some(original) = &f.original_path {
                check_path(original)?;
            }
            check_verified_has_checksum(f)?;
        }
        let txn = self.conn().begin().await?;
        let project_id = match rec.project.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => {
                let parsed = Code::parse(code)
                    .map_err(|_| StoreError::NotFound(format!("project {code:?}")))?;
                let p = project::Entity::find()
                    .filter(project::Column::Code.eq(parsed.as_str()))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("project {code:?}")))?;
                Some(p.id)
            }
            _ => None,
        };

        let mut volume_ids: HashMap<String, i64> = HashMap::new();
        let mut new_volumes = Vec::new();
        // Collected first: an iterator of closures held across `.await` would make the future !Send.
        let mut labels: Vec<VolumeLabel> = rec.volumes.iter().map(|v| v.label.clone()).collect();
        for f in &rec.files {
            labels.extend(f.copies.iter().map(|c| c.volume.clone()));
        }
        for label in &labels {
            if volume_ids.contains_key(label.as_str()) {
                continue;
            }
            let found = volume::Entity::find()
                .filter(volume::Column::Label.eq(label.as_str()))
                .one(&txn)
                .await?;
            let id = match found {
                Some(v) => v.id,
                None => {
                    new_volumes.push(label.to_string());
                    let kind = VolumeKind::Drive;
                    volume::ActiveModel {
                        label: Set(label.to_string()),
                        kind: Set(kind.as_str().into()),
                        media_type: Set(kind.default_media().to_string()),
                        location: Set(Site::Onsite.as_str().into()),
                        capacity_bytes: Set(None),
                        notes: Set(Some(format!(
                            "registered automatically by {} of {}",
                            rec.kind.as_str(),
                            rec.source
                        ))),
                        created_at: Set(now()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await
                    .map_err(|e| map_unique(e, "volume label", label.as_str()))?
                    .id
                }
            };
            volume_ids.insert(label.to_string(), id);
        }

        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = rec.files.iter().find(|f| !seen.insert(f.path.as_str())) {
            return Err(StoreError::Conflict(format!(
                "the report lists {} twice; send each file once",
                dup.path
            )));
        }
        let (mut verified, mut failed, mut bytes) = (0u64, 0u64, 0u64);
        // Batches keep a 100 000-file card to a few hundred statements, and every IN list and
        // multi-row INSERT under both databases' parameter limits.
        for batch in rec.files.chunks(RECORD_BATCH) {
            let ids = upsert_files(&txn, project_id, batch).await?;
            let mut copies = Vec::new();
            for (f, file_id) in batch.iter().zip(ids) {
                bytes += f.size.unwrap_or(0);
                for c in &f.copies {
                    let Some(&volume_id) = volume_ids.get(c.volume.as_str()) else {
                        continue;
                    };
                    match c.state {
                        CopyState::Verified => verified += 1,
                        CopyState::Failed | CopyState::Missing => failed += 1,
                    }
                    copies.push(copy_row(file_id, volume_id, c, rec.at));
                }
            }
            upsert_copies(&txn, copies).await?;
        }

        let destinations = serde_json::to_string(&rec.volumes).unwrap_or_else(|_| "[]".into());
        let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let event = catalog_event::ActiveModel {
            kind: Set(rec.kind.as_str().into()),
            at: Set(rec.at),
            user_id: Set(user_id),
            who: Set(who.to_string()),
            project_id: Set(project_id),
            source: Set(rec.source.clone()),
            destinations: Set(destinations),
            files: Set(as_i64(rec.files.len() as u64)),
            bytes: Set(as_i64(bytes)),
            verified_copies: Set(as_i64(verified)),
            failed_copies: Set(as_i64(failed)),
            complete: Set(rec.complete),
            report: Set(rec.report.to_string()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(RecordOutcome {
            event_id: event.id,
            files: rec.files.len() as u64,
            verified_copies: verified,
            failed_copies: failed,
            new_volumes,
        })
    }

    // --- reading ----------------------------------------------------------------------------

    pub async fn project_media(&self, project_id: i64) -> Result<Vec<MediaEntry>> {
        let files = media_file::Entity::find()
            .filter(media_file::Column::ProjectId.eq(project_id))
            .order_by_asc(media_file::Column::Path)
            .all(self.conn())
            .await?;
        self.entries(files).await
    }

    /// Files whose name contains `name` (any case), limited to `projects` when given (files
    /// without a project are then left out), at most `limit`.
    pub async fn search_media(
        &self,
        name: &str,
        projects: Option<&[i64]>,
        limit: u64,
    ) -> Result<Vec<MediaEntry>> {
        let mut q = media_file::Entity::find()
            .filter(media_file::Column::NameLower.like(contains_pattern(name)))
            .order_by_asc(media_file::Column::Path)
            .limit(limit);
        if let Some(ids) = projects {
            q = q.filter(media_file::Column::ProjectId.is_in(ids.to_vec()));
        }
        let files = q.all(self.conn()).await?;
        self.entries(files).await
    }

    /// The 3-2-1 status of each of these projects, from the copies as last verified.
    pub async fn project_statuses(&self, project_ids: &[i64]) -> Result<HashMap<i64, RuleStatus>> {
        let mut by_project: HashMap<i64, Vec<FileFacts>> =
            project_ids.iter().map(|id| (*id, Vec::new())).collect();
        for chunk in project_ids.chunks(500) {
            let files = media_file::Entity::find()
                .filter(media_file::Column::ProjectId.is_in(chunk.to_vec()))
                .order_by_asc(media_file::Column::Path)
                .all(self.conn())
                .await?;
            for e in self.entries(files).await? {
                if let Some(pid) = e.file.project_id {
                    by_project.entry(pid).or_default().push(e.facts());
                }
            }
        }
        Ok(by_project
            .into_iter()
            .map(|(id, files)| (id, three_two_one(&files)))
            .collect())
    }

    pub async fn project_status(&self, project_id: i64) -> Result<RuleStatus> {
        Ok(self
            .project_statuses(&[project_id])
            .await?
            .remove(&project_id)
            .unwrap_or_else(|| three_two_one(&[])))
    }

    /// The latest ingests and verifications, newest first (of one project when given).
    pub async fn catalog_events(
        &self,
        project_id: Option<i64>,
        limit: u64,
    ) -> Result<Vec<CatalogEvent>> {
        let mut q = catalog_event::Entity::find()
            .order_by_desc(catalog_event::Column::At)
            .order_by_desc(catalog_event::Column::Id)
            .limit(limit);
        if let Some(p) = project_id {
            q = q.filter(catalog_event::Column::ProjectId.eq(p));
        }
        Ok(q.all(self.conn()).await?)
    }

    async fn entries(&self, files: Vec<MediaFile>) -> Result<Vec<MediaEntry>> {
        let volumes: HashMap<i64, Volume> = volume::Entity::find()
            .all(self.conn())
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        let mut copies: HashMap<i64, Vec<CopyEntry>> = HashMap::new();
        let ids: Vec<i64> = files.iter().map(|f| f.id).collect();
        // Bounded IN lists stay under every database's parameter limit.
        for chunk in ids.chunks(500) {
            let rows = file_copy::Entity::find()
                .filter(file_copy::Column::FileId.is_in(chunk.to_vec()))
                .all(self.conn())
                .await?;
            for c in rows {
                if let Some(v) = volumes.get(&c.volume_id) {
                    copies.entry(c.file_id).or_default().push(CopyEntry {
                        copy: c,
                        volume: v.clone(),
                    });
                }
            }
        }
        Ok(files
            .into_iter()
            .map(|file| {
                let mut cs = copies.remove(&file.id).unwrap_or_default();
                cs.sort_by(|a, b| a.volume.label.cmp(&b.volume.label));
                MediaEntry { file, copies: cs }
            })
            .collect())
    }
}

/// Files recorded per round trip.
const RECORD_BATCH: usize = 400;

/// The catalogued file each report line speaks of, created where there is none; ids in the
/// order of `batch`.
async fn upsert_files<C: ConnectionTrait>(
    db: &C,
    project_id: Option<i64>,
    batch: &[RecordedFile],
) -> Result<Vec<i64>> {
    let find_keys = |keys: Vec<String>| {
        media_file::Entity::find()
            .filter(media_file::Column::FileKey.is_in(keys))
            .all(db)
    };
    let mut existing: Vec<Option<MediaFile>> = Vec::with_capacity(batch.len());
    match project_id {
        Some(pid) => {
            let own: HashMap<String, MediaFile> =
                find_keys(batch.iter().map(|f| file_key(Some(pid), &f.path)).collect())
                    .await?
                    .into_iter()
                    .map(|m| (m.path.clone(), m))
                    .collect();
            // A file first seen without a project is adopted by the project named later, but
            // only when it is the same content: an unrelated file of no project with the same
            // path stays as it was, and the project gets a file of its own.
            let orphans: HashMap<String, MediaFile> = find_keys(
                batch
                    .iter()
                    .filter(|f| !own.contains_key(&f.path))
                    .map(|f| file_key(None, &f.path))
                    .collect(),
            )
            .await?
            .into_iter()
            .map(|m| (m.path.clone(), m))
            .collect();
            for f in batch {
                let same_orphan = orphans.get(&f.path).filter(|m| {
                    let stored: BTreeMap<String, String> =
                        serde_json::from_str(&m.checksums).unwrap_or_default();
                    checksums_agree(&stored, &f.checksums)
                });
                existing.push(own.get(&f.path).or(same_orphan).cloned());
            }
        }
        // A recording of no project speaks only of files of no project: a project's file with
        // the same path is another file, and is never touched.
        None => {
            let orphans: HashMap<String, MediaFile> =
                find_keys(batch.iter().map(|f| file_key(None, &f.path)).collect())
                    .await?
                    .into_iter()
                    .map(|m| (m.path.clone(), m))
                    .collect();
            for f in batch {
                existing.push(orphans.get(&f.path).cloned());
            }
        }
    }

    let t = now();
    let mut ids: Vec<Option<i64>> = Vec::with_capacity(batch.len());
    let mut new_rows = Vec::new();
    for (f, found) in batch.iter().zip(existing) {
        let size = f.size.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
        let Some(m) = found else {
            ids.push(None);
            new_rows.push(media_file::ActiveModel {
                file_key: Set(file_key(project_id, &f.path)),
                project_id: Set(project_id),
                path: Set(f.path.clone()),
                name_lower: Set(name_lower(&f.path)),
                size: Set(size.unwrap_or(0)),
                modified: Set(f.modified),
                checksums: Set(serde_json::to_string(&f.checksums).unwrap_or_else(|_| "{}".into())),
                original_path: Set(f.original_path.clone()),
                created_at: Set(t),
                updated_at: Set(t),
                ..Default::default()
            });
            continue;
        };
        ids.push(Some(m.id));
        let mut sums: BTreeMap<String, String> =
            serde_json::from_str(&m.checksums).unwrap_or_default();
        if checksums_differ(&sums, &f.checksums) {
            // New content under the same name: copies of the old content elsewhere are not
            // copies of this file any more.
            file_copy::Entity::update_many()
                .col_expr(
                    file_copy::Column::Status,
                    sea_orm::sea_query::Expr::value(CopyState::Failed.as_str()),
                )
                .filter(file_copy::Column::FileId.eq(m.id))
                .exec(db)
                .await?;
            sums.clear();
        }
        sums.extend(f.checksums.clone());
        let sums = serde_json::to_string(&sums).unwrap_or_else(|_| "{}".into());
        let adopt = project_id.is_some() && m.project_id.is_none();
        let size_changed = size.is_some_and(|s| s != m.size);
        let modified_changed = f.modified.is_some() && f.modified != m.modified;
        let original_learned = f.original_path.is_some() && f.original_path != m.original_path;
        // A verification that found everything as recorded writes no file rows at all.
        if !(adopt || size_changed || modified_changed || original_learned || sums != m.checksums) {
            continue;
        }
        let mut row: media_file::ActiveModel = m.into();
        if adopt {
            row.project_id = Set(project_id);
            row.file_key = Set(file_key(project_id, &f.path));
        }
        if let Some(s) = size {
            row.size = Set(s);
        }
        if f.modified.is_some() {
            row.modified = Set(f.modified);
        }
        if f.original_path.is_some() {
            row.original_path = Set(f.original_path.clone());
        }
        row.checksums = Set(sums);
        row.updated_at = Set(t);
        row.update(db).await?;
    }

    if !new_rows.is_empty() {
        let keys: Vec<String> = batch
            .iter()
            .zip(&ids)
            .filter(|(_, id)| id.is_none())
            .map(|(f, _)| file_key(project_id, &f.path))
            .collect();
        media_file::Entity::insert_many(new_rows).exec(db).await?;
        let created: HashMap<String, i64> = find_keys(keys)
            .await?
            .into_iter()
            .map(|m| (m.file_key, m.id))
            .collect();
        for (f, id) in batch.iter().zip(ids.iter_mut()) {
            if id.is_none() {
                *id = created.get(&file_key(project_id, &f.path)).copied();
            }
        }
    }
    ids.into_iter()
        .zip(batch)
        .map(|(id, f)| {
            id.ok_or_else(|| StoreError::NotFound(format!("media file {} after insert", f.path)))
        })
        .collect()
}

fn copy_row(
    file_id: i64,
    volume_id: i64,
    c: &RecordedCopy,
    at: DateTime<Utc>,
) -> file_copy::ActiveModel {
    let checked = c.verified_at.unwrap_or(at);
    file_copy::ActiveModel {
        file_id: Set(file_id),
        volume_id: Set(volume_id),
        path_on_volume: Set(c.path_on_volume.clone()),
        status: Set(c.state.as_str().into()),
        checked_at: Set(checked),
        verified_at: Set((c.state == CopyState::Verified).then_some(checked)),
        ..Default::default()
    }
}

/// Inserts the copies, or updates the ones a volume already holds, in one statement.
async fn upsert_copies<C: ConnectionTrait>(
    db: &C,
    rows: Vec<file_copy::ActiveModel>,
) -> Result<()> {
    use sea_orm::sea_query::{Expr, OnConflict};
    if rows.is_empty() {
        return Ok(());
    }
    let mut on_conflict =
        OnConflict::columns([file_copy::Column::FileId, file_copy::Column::VolumeId]);
    on_conflict.update_columns([
        file_copy::Column::PathOnVolume,
        file_copy::Column::Status,
        file_copy::Column::CheckedAt,
    ]);
    // A failed check keeps the date of the last good verification for the record.
    on_conflict.value(
        file_copy::Column::VerifiedAt,
        Expr::cust("COALESCE(excluded.verified_at, file_copies.verified_at)"),
    );
    file_copy::Entity::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_be_relative_and_clean() {
        assert!(check_path("A001/Clips/A001C001.mov").is_ok());
        for bad in ["", "/etc/passwd", "A001/../x", "A001//x", "a\\b", "./x"] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checksum_comparison() {
        let a: BTreeMap<String, String> = [("xxh64".to_string(), "AB".to_string())].into();
        let b: BTreeMap<String, String> = [("xxh64".to_string(), "ab".to_string())].into();
        let c: BTreeMap<String, String> = [("xxh64".to_string(), "cd".to_string())].into();
        let d: BTreeMap<String, String> = [("md5".to_string(), "ef".to_string())].into();
        assert!(checksums_agree(&a, &b));
        assert!(!checksums_differ(&a, &b));
        assert!(checksums_differ(&a, &c));
        assert!(!checksums_agree(&a, &d));
        assert!(!checksums_differ(&a, &d));
    }
}
