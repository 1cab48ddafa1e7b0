pub mod catalog;
pub mod ingest;
pub mod qc;
pub mod server;
