pub mod ingest;
pub mod qc;
