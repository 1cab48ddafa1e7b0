//! postflow-testkit: what the test suites share, so each exists once. A dev-dependency only
//! (`publish = false`); nothing in a shipped binary links it.
//!
//! - [`postgres`]: a throwaway PostgreSQL cluster from the system binaries.
//! - [`store`]: a fresh store per backend, and [`backends!`] — one test per case per backend.
//! - [`python`]: PyPI reference tools in a virtualenv under `target/` (icalendar, …).
//! - [`smtp`]: a real SMTP server (`aiosmtpd` from PyPI) writing to a Maildir.
//! - [`media`]: test signals made by ffmpeg (`lavfi`), for the QC, web and CLI tests.
//! - `server` (feature `server`): the real app served on 127.0.0.1:0 over a seeded store, and
//!   the HTTP helpers to sign in and post forms.
pub mod media;
pub mod postgres;
pub mod python;
#[cfg(feature = "server")]
pub mod server;
pub mod smtp;
pub mod store;

pub use postgres::TempPostgres;
