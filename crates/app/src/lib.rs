//! postflow-app: every use case of the studio, once.
//!
//! Invariant: a use case is `fn(ctx, permit-or-actor, input) -> Result<output, AppError>`; it
//! authorises through `core::access` (a [`Permit`] it is handed or obtains), validates, makes the
//! change and writes its typed [`audit::AuditEvent`] in **one transaction**. Pages, the JSON API
//! and the CLI call these functions and never write to the store around them; this crate knows
//! nothing of HTTP, HTML or terminals.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod billing;
pub mod bookings;
pub mod budget_alerts;
pub mod catalog;
pub mod channels;
pub mod clients;
pub mod dashboard;
pub mod delivery;
pub mod demo;
pub mod feeds;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod media;
pub mod notifications;
pub mod plan;
pub mod portal;
pub mod projects;
pub mod quotes;
pub mod resources;
pub mod scenarios;
pub mod search;
pub mod storage;
pub mod templates;
pub mod time;
pub mod webhooks;

use postflow_core::access::{Action, Denied};
pub use postflow_core::access::{Actor, Permit};
use postflow_store::{Store, StoreError};
use std::collections::BTreeMap;

/// What every use case runs against.
#[derive(Clone, Debug)]
pub struct Context {
    pub store: Store,
}

impl Context {
    pub fn new(store: Store) -> Context {
        Context { store }
    }
}

/// Why a use case did not happen. Each maps to one status in the API and one sentence on a page.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or the actor may not know it exists.
    #[error("{0} not found")]
    NotFound(String),
    #[error("you may not {}", .0.phrase())]
    Forbidden(Action),
    /// The input was refused; each field says why.
    #[error("{}", .0.summary().unwrap_or_else(|| "the input was refused".into()))]
    Invalid(FieldErrors),
    /// Someone else changed it first, or it clashes with what exists.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => AppError::Store(other),
        }
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Hidden => AppError::NotFound("project".into()),
            Denied::Forbidden(a) => AppError::Forbidden(a),
        }
    }
}

impl AppError {
    /// A refusal of one field.
    pub fn field(field: &'static str, message: impl Into<String>) -> AppError {
        let mut f = FieldErrors::default();
        f.add(field, message);
        AppError::Invalid(f)
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// A date typed into a form: empty is `None`; anything but `YYYY-MM-DD` is refused with the
/// words every form shows.
pub(crate) fn date_input(text: &str) -> std::result::Result<Option<chrono::NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("{t:?} is not a date; use YYYY-MM-DD"))
}

/// Field-level refusals, shown next to the fields on pages and as `fields` in API errors.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<&'static str, String>);

impl FieldErrors {
    /// Keeps the first message of each field.
    pub fn add(&mut self, field: &'static str, msg: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| msg.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    /// The first field in error (where a form moves focus).
    pub fn first(&self) -> Option<&'static str> {
        self.0.keys().next().copied()
    }
    pub fn summary(&self) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        let fields: Vec<&str> = self.0.keys().copied().collect();
        Some(format!(
            "Please correct: {}.",
            fields.join(", ").replace('_', " ")
        ))
    }
    /// `Ok(())` when nothing was refused.
    pub fn into_result(self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}
