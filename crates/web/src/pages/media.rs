//! Media: volumes, a project's files with their copies, search by file name, and the 3-2-1
//! status per project computed from verified copies (never declared).
use super::{render, Chrome};
use crate::auth::CurrentUser;
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use postflow_core::access::{can, Action, Actor};
use postflow_core::integrity::{RuleStatus, Standing};
use postflow_store::catalog::{MediaEntry, VolumeSummary};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/media", get(index))
        .route("/projects/{code}/media", get(project_media))
}

/// The most search results one page shows.
const SEARCH_LIMIT: u64 = 200;

pub(crate) fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

pub(crate) fn human_bytes(b: i64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = b.max(0) as f64;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

/// The 3-2-1 standing as pages show it.
pub(crate) struct RuleView {
    /// ok, bad or none (CSS class)
    pub class: &'static str,
    pub label: &'static str,
    pub files: usize,
    pub failing: Vec<(String, String)>,
}

impl RuleView {
    pub fn from(s: &RuleStatus) -> RuleView {
        let (class, label) = match s.standing {
            Standing::Compliant => ("ok", "3-2-1 met"),
            Standing::NotCompliant => ("bad", "3-2-1 not met"),
            Standing::NoMedia => ("none", "no media catalogued"),
        };
        RuleView {
            class,
            label,
            files: s.files,
            failing: s
                .failing
                .iter()
                .map(|f| {
                    let why: Vec<String> = f.reasons.iter().map(|r| r.to_string()).collect();
                    (f.path.clone(), why.join("; "))
                })
                .collect(),
        }
    }
}

pub(crate) struct VolumeRow {
    pub label: String,
    pub kind: &'static str,
    pub media: String,
    pub site: &'static str,
    pub capacity: String,
    pub files_held: u64,
    pub last_verified: String,
    pub notes: String,
}

fn volume_row(v: &VolumeSummary) -> VolumeRow {
    VolumeRow {
        label: v.volume.label.clone(),
        kind: v.volume.kind().as_str(),
        media: v.volume.media().to_string(),
        site: v.volume.site().as_str(),
        capacity: v
            .volume
            .capacity_bytes
            .map(human_bytes)
            .unwrap_or_else(|| "—".into()),
        files_held: v.files_held,
        last_verified: when(v.last_verified),
        notes: v.volume.notes.clone().unwrap_or_default(),
    }
}

pub(crate) struct CopyRow {
    pub volume: String,
    pub state: &'static str,
    pub site: &'static str,
    pub media: String,
    pub last_verified: String,
    pub checked: String,
}

pub(crate) struct FileRow {
    pub path: String,
    /// Empty unless postflow renamed the file at ingest.
    pub original_path: String,
    pub project: String,
    pub size: String,
    pub checksums: String,
    pub copies: Vec<CopyRow>,
    pub verified_copies: usize,
}

fn file_rows(
    entries: &[MediaEntry],
    project_codes: &std::collections::HashMap<i64, String>,
) -> Vec<FileRow> {
    entries
        .iter()
        .map(|e| FileRow {
            path: e.file.path.clone(),
            original_path: e.file.original_path.clone().unwrap_or_default(),
            project: e
                .file
                .project_id
                .and_then(|p| project_codes.get(&p).cloned())
                .unwrap_or_default(),
            size: human_bytes(e.file.size),
            checksums: e
                .checksums()
                .iter()
                .map(|(a, v)| format!("{a}:{v}"))
                .collect::<Vec<_>>()
                .join(" "),
            verified_copies: e
                .copies
                .iter()
                .filter(|c| c.state() == postflow_core::integrity::CopyState::Verified)
                .count(),
            copies: e
                .copies
                .iter()
                .map(|c| CopyRow {
                    volume: c.volume.label.clone(),
                    state: c.state().as_str(),
                    site: c.volume.site().as_str(),
                    media: c.volume.media().to_string(),
                    last_verified: when(c.copy.verified_at),
                    checked: when(Some(c.copy.checked_at)),
                })
                .collect(),
        })
        .collect()
}

pub(crate) struct ProjectRuleRow {
    pub code: String,
    pub name: String,
    pub rule: RuleView,
}

#[derive(Template)]
#[template(path = "media_index.html")]
struct IndexPage {
    chrome: Chrome,
    q: String,
    searched: bool,
    results: Vec<FileRow>,
    projects: Vec<ProjectRuleRow>,
    volumes: Vec<VolumeRow>,
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Which projects' files a search may show: everything for those who run the studio, the
/// visible projects otherwise.
fn search_scope(actor: &Actor, visible: &[i64]) -> Option<Vec<i64>> {
    (!postflow_core::access::sees_every_project(actor)).then(|| visible.to_vec())
}

async fn index(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    guard::require(&actor, Action::ViewStudio)?;
    let projects = guard::visible_projects(&state, &actor, false).await?;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let codes = projects.iter().map(|p| (p.id, p.code.clone())).collect();
    let statuses = state.store.project_statuses(&ids).await?;
    let project_rows = projects
        .iter()
        .map(|p| ProjectRuleRow {
            code: p.code.clone(),
            name: p.name.clone(),
            rule: RuleView::from(
                &statuses
                    .get(&p.id)
                    .cloned()
                    .unwrap_or_else(|| postflow_core::integrity::three_two_one(&[])),
            ),
        })
        .collect();
    let q = query.q.trim().to_string();
    let searched = !q.is_empty();
    let results = if searched {
        let scope = search_scope(&actor, &ids);
        let found = state
            .store
            .search_media(&q, scope.as_deref(), SEARCH_LIMIT)
            .await?;
        file_rows(&found, &codes)
    } else {
        Vec::new()
    };
    let volumes = state
        .store
        .list_volumes()
        .await?
        .iter()
        .map(volume_row)
        .collect();
    render(&IndexPage {
        chrome: Chrome::new(&who, "Media"),
        q,
        searched,
        results,
        projects: project_rows,
        volumes,
    })
}

pub(crate) struct EventRow {
    pub kind: String,
    pub at: String,
    pub who: String,
    pub source: String,
    pub files: i64,
    pub verified: i64,
    pub failed: i64,
    pub complete: bool,
}

#[derive(Template)]
#[template(path = "media_project.html")]
struct ProjectPage {
    chrome: Chrome,
    code: String,
    name: String,
    rule: RuleView,
    files: Vec<FileRow>,
    /// Files, copies and their volumes (staff on the project); a client sees the status only.
    internal: bool,
    show_log: bool,
    events: Vec<EventRow>,
}

async fn project_media(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let project = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    let entries = state.store.project_media(project.id).await?;
    let facts: Vec<_> = entries.iter().map(MediaEntry::facts).collect();
    let status = postflow_core::integrity::three_two_one(&facts);
    let codes = [(project.id, project.code.clone())].into();
    // Who ran which offload is the studio's business, not the client's.
    let show_log = can(&actor, Action::ViewInternal, Some(guard::scope(&project)));
    // Volume names and paths on studio storage are the studio's business, too.
    let internal = can(
        &actor,
        Action::ViewInternalPaths,
        Some(guard::scope(&project)),
    );
    let events = if show_log {
        state
            .store
            .catalog_events(Some(project.id), 20)
            .await?
            .into_iter()
            .map(|e| EventRow {
                kind: e.kind,
                at: when(Some(e.at)),
                who: e.who,
                source: e.source,
                files: e.files,
                verified: e.verified_copies,
                failed: e.failed_copies,
                complete: e.complete,
            })
            .collect()
    } else {
        Vec::new()
    };
    let section = if can(&actor, Action::ViewStudio, None) {
        "Media"
    } else {
        "Projects"
    };
    render(&ProjectPage {
        chrome: Chrome::new(&who, section),
        code: project.code.clone(),
        name: project.name.clone(),
        rule: {
            let mut rule = RuleView::from(&status);
            if !internal {
                rule.failing.clear();
            }
            rule
        },
        files: if internal {
            file_rows(&entries, &codes)
        } else {
            Vec::new()
        },
        internal,
        show_log,
        events,
    })
}
