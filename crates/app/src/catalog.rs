//! Recording an ingest or a verification in the catalog, for `POST /api/v1/catalog/records`
//! and for `postflow ingest|verify` on a store they open directly. The record's own
//! `catalog_events` row is its audit line, written in the store's recording transaction.
use crate::access;
use crate::{Context, Result};
use postflow_core::access::{authorize, Action, Actor};
use postflow_store::catalog::{CatalogRecord, RecordOutcome};

/// Records `record` as done by `who` (the name shown in the catalog's log). A project's
/// catalog is recorded by its staff (a project the actor may not see is "not found"); files of
/// no project are the studio's storage, for producers and admins.
pub async fn record(
    ctx: &Context,
    actor: &Actor,
    who: &str,
    record: &CatalogRecord,
) -> Result<RecordOutcome> {
    let permit = match record.project.as_deref() {
        Some(code) => {
            access::project(ctx, actor, code, Action::RecordCatalog)
                .await?
                .1
        }
        None => authorize(actor, Action::ManageStorage, None)?,
    };
    Ok(ctx
        .store
        .record_catalog(access::audited_user(permit.actor()), who, record)
        .await?)
}
