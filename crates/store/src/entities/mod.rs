//! sea-orm entities: one definition per table, used unchanged on SQLite and PostgreSQL.
pub mod api_token;
pub mod audit;
pub mod client;
pub mod login_throttle;
pub mod project;
pub mod project_member;
pub mod resource;
pub mod session;
pub mod store_meta;
pub mod user;
