//! Media that jobs made, as people read it: a project's relink list (each proxy beside the
//! original it stands for, with both checksums) and its export as CSV for the edit suite.
//!
//! The LUT library: `.cube` files stored per project with their use (camera, creative,
//! delivery), parsed by `core::lut` on the way in (a file that does not parse, or whose domain
//! ffmpeg would read differently, is refused naming the line), applied by proxy and review-copy
//! jobs through ffmpeg's `lut3d`/`lut1d`.
//!
//! Who may: the relink list and the LUT library name studio paths and looks, so reading needs
//! `ViewInternal` on the project; adding a LUT needs `EditProject`.
use crate::audit::{record, AuditEvent};
use crate::{AppError, Context, FieldErrors, Result};
use postflow_core::access::{Action, Actor};
use postflow_core::lut::{parse_cube, LutKind, LutUse};
use postflow_store::media::{Lut, NewLut, Relink};
use postflow_store::StoreError;

/// A LUT as uploaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LutDraft {
    /// Shown in the library and job forms; unique in the project. Empty: the file name's stem.
    pub name: String,
    /// camera, creative or delivery.
    pub kind: String,
    /// The uploaded file's name (for error messages and the default name).
    pub file_name: String,
    /// The `.cube` text.
    pub text: String,
}

/// The largest `.cube` accepted (a 65³ table is about 7 MB of text).
pub const LUT_MAX_BYTES: usize = 16 * 1024 * 1024;

impl LutDraft {
    fn validate(&self) -> Result<(String, LutUse, postflow_core::lut::Lut)> {
        let mut errors = FieldErrors::default();
        let file_name = if self.file_name.trim().is_empty() {
            "the uploaded LUT".to_string()
        } else {
            self.file_name.trim().to_string()
        };
        let name = if self.name.trim().is_empty() {
            std::path::Path::new(&file_name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            self.name.trim().to_string()
        };
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errors.add("name", "give the LUT a name of up to 100 characters");
        }
        let kind = LutUse::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", "choose camera, creative or delivery");
        }
        let lut = if self.text.len() > LUT_MAX_BYTES {
            errors.add("file", format!("{file_name} is larger than 16 MB"));
            None
        } else {
            match parse_cube(&file_name, &self.text) {
                Ok(lut) if !lut.ffmpeg_reads_domain_alike() => {
                    errors.add(
                        "file",
                        format!(
                            "{file_name}: its DOMAIN_MIN/DOMAIN_MAX is not 0..1 (or wider from 0), which ffmpeg reads differently from the file; export it with a 0..1 domain"
                        ),
                    );
                    None
                }
                Ok(lut) => Some(lut),
                Err(e) => {
                    errors.add("file", e.to_string());
                    None
                }
            }
        };
        errors.into_result()?;
        Ok((name, kind.expect("checked"), lut.expect("checked")))
    }
}

/// Adds a `.cube` LUT to a project's library.
pub async fn add_lut(
    ctx: &Context,
    actor: &Actor,
    project_code: &str,
    draft: &LutDraft,
) -> Result<Lut> {
    let (name, kind, lut) = draft.validate()?;
    let tx = ctx.store.begin().await?;
    let (project, permit) =
        crate::access::project_in(&tx, actor, project_code, Action::EditProject).await?;
    let (dimension, size) = match lut.kind {
        LutKind::OneD { size } => (1, size),
        LutKind::ThreeD { size } => (3, size),
    };
    let user = crate::access::audited_user(permit.actor());
    let stored = tx
        .add_lut(NewLut {
            project_id: project.id,
            name: name.clone(),
            kind: kind.as_str().into(),
            dimension,
            size: size as i64,
            // Written back from the parsed table: what ffmpeg reads is what was checked.
            body: lut.to_cube_string(),
            created_by: user,
        })
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => AppError::field(
                "name",
                format!("{} already has a LUT named {name:?}", project.code),
            ),
            other => other.into(),
        })?;
    let event = AuditEvent::LutAdded {
        project_id: project.id,
        code: project.code.clone(),
        name,
        kind: kind.as_str().into(),
    };
    record(&tx, user, event).await?;
    tx.commit().await?;
    Ok(stored)
}

/// A project's LUT library, by name.
pub async fn luts(ctx: &Context, actor: &Actor, project_code: &str) -> Result<Vec<Lut>> {
    let (project, _) =
        crate::access::project(ctx, actor, project_code, Action::ViewInternal).await?;
    Ok(ctx.store.luts(project.id).await?)
}

/// A project's relink list (by code), ordered by original path.
pub async fn relinks(ctx: &Context, actor: &Actor, project_code: &str) -> Result<Vec<Relink>> {
    let (project, _) =
        crate::access::project(ctx, actor, project_code, Action::ViewInternal).await?;
    Ok(ctx.store.relinks(Some(project.id)).await?)
}

/// The columns of [`relinks_csv`], in order.
pub const RELINK_CSV_HEADER: [&str; 11] = [
    "original_path",
    "original_checksum",
    "proxy_path",
    "proxy_checksum",
    "start_timecode",
    "reel",
    "kind",
    "codec",
    "width",
    "height",
    "created_at",
];

/// The relink list as CSV (header line first, CRLF line ends), for an NLE's or a script's
/// relink step.
pub fn relinks_csv(rows: &[Relink]) -> String {
    postflow_core::csv::document(
        &RELINK_CSV_HEADER,
        rows.iter().map(|r| {
            vec![
                r.original_path.clone(),
                r.original_checksum.clone().unwrap_or_default(),
                r.proxy_path.clone(),
                r.proxy_checksum.clone(),
                r.start_timecode.clone().unwrap_or_default(),
                r.reel.clone().unwrap_or_default(),
                r.kind.clone(),
                r.codec.clone(),
                r.width.to_string(),
                r.height.to_string(),
                r.created_at.to_rfc3339(),
            ]
        }),
    )
}

/// Proxy codecs the `proxy` kind knows (its worker refuses others too).
pub const PROXY_CODECS: [&str; 4] = ["prores_proxy", "prores_lt", "dnxhr_lb", "h264"];
/// Proxy sizes.
pub const PROXY_SCALES: [&str; 2] = ["1/2", "1/4"];

/// Why a `proxy` or `review_copy` payload cannot run, in one sentence, before it is queued
/// (so a typo is refused at once instead of failing on a worker later).
pub fn media_payload_problem(kind: &str, payload: &serde_json::Value) -> Option<String> {
    let source_given = payload
        .get("source")
        .and_then(|s| s.as_str())
        .is_some_and(|s| !s.trim().is_empty());
    if !source_given {
        return Some(
            "the payload needs \"source\": the path of the original on the worker's machine".into(),
        );
    }
    let text = |key: &str| payload.get(key).and_then(|v| v.as_str());
    if kind == "proxy" {
        if let Some(c) = text("codec").filter(|c| !PROXY_CODECS.contains(c)) {
            return Some(format!(
                "codec {c:?} is not one of {}",
                PROXY_CODECS.join(", ")
            ));
        }
        if let Some(s) = text("scale").filter(|s| !PROXY_SCALES.contains(s)) {
            return Some(format!("scale {s:?} is not one of 1/2, 1/4"));
        }
    }
    if let Some(v) = payload.get("lut_id") {
        if !v.is_i64() {
            return Some("lut_id must be the number of a LUT in the project's library".into());
        }
    }
    None
}
