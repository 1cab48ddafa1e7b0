pub mod catalog;
pub mod ingest;
pub mod plan;
pub mod qc;
pub mod server;
pub mod worker;
