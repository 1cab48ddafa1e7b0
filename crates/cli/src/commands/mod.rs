pub mod catalog;
pub mod ingest;
pub mod plan;
pub mod qc;
pub mod rcpsp;
pub mod server;
pub mod worker;
