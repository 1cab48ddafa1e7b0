//! postflow-ingest: verified copies of camera cards and sound rolls, ASC MHL histories, naming
//! conventions and folder templates.
//!
//! Invariant: knows files and hashes, never the store or HTTP. It reports what it did as plain
//! structs; the binary records them in the catalog.
//!
//! Code map: [`hash`] (streaming hashes in MHL spelling), [`dirhash`] (pure directory hashes),
//! [`mhl`] (XML model, writer, readers), [`history`] (ascmhl folders on disk, integrity checks,
//! new generations, carrying a card's history onto a copy), [`copy`] (the verified
//! multi-destination copy, which also checks a card against the MHL it carries and can extend
//! the source's own history), [`verify`], [`naming`], [`scaffold`], [`report`] (result structs
//! and the HTML report).
pub mod copy;
pub mod dirhash;
mod fault;
pub mod fsutil;
pub mod hash;
pub mod history;
pub mod mhl;
pub mod naming;
pub mod report;
pub mod scaffold;
pub mod scan;
pub mod verify;

pub use copy::{ingest, IngestError, IngestOptions, NoProgress, Progress};
pub use hash::{HashAlgorithm, HashValue};
pub use report::{
    CardRecord, CopyResult, DestinationReport, DestinationStatus, FileReport, IngestReport,
    SourceHistoryReport,
};
pub use verify::{
    verify, FileStatus, SampleReport, VerifiedFile, VerifyError, VerifyOptions, VerifyReport,
};
