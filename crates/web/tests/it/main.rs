//! The web crate's integration tests, one binary: each module was its own test file.
//! One binary links the dependency graph once instead of once per file, which keeps a
//! fresh build's disk use and link time small; nextest still runs every test in its own process.
#[macro_use]
mod common;
mod api_errors;
mod billing;
mod billing_browser;
mod bookings_api;
mod bookings_browser;
mod browser;
mod channels_api;
mod channels_browser;
mod exports;
mod feeds;
mod gantt_svg;
mod jobs_api;
mod jobs_browser;
mod live_browser;
mod live_events;
mod lut_upload;
mod mail;
mod media;
mod plan_api;
mod plan_browser;
mod portal_browser;
mod portal_routes;
mod project_pages;
mod qc_gate;
mod quotes_api;
mod quotes_browser;
mod scenarios_browser;
mod schemathesis;
mod security_browser;
mod security_login;
mod security_pages;
mod web_flow;
mod webhooks;
