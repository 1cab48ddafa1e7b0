//! postflow-ingest: verified copies of camera cards and sound rolls, ASC MHL histories, naming
//! conventions and folder templates.
//!
//! Invariant: knows files and hashes, never the store or HTTP. It reports what it did as plain
//! structs; the binary records them in the catalog.
