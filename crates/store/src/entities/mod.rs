//! sea-orm entities: one definition per table, used unchanged on SQLite and PostgreSQL.
pub mod api_token;
pub mod audit;
pub mod catalog_event;
pub mod client;
pub mod deliverable;
pub mod file_copy;
pub mod login_throttle;
pub mod media_file;
pub mod project;
pub mod project_member;
pub mod qc_run;
pub mod qc_signoff;
pub mod resource;
pub mod session;
pub mod store_meta;
pub mod user;
pub mod volume;
