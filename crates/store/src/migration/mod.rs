//! Portable migrations (sea-orm-migration): written once, run on SQLite and PostgreSQL at start-up.
//! Each later capability adds a module here and a line to [`Migrator::migrations`].
use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_catalog;
mod m0003_delivery;
mod m0004_original_names;
mod m0005_account_security;
mod m0006_plans;
mod m0007_jobs;
mod m0008_bookings;
mod m0009_media;
mod m0010_billing;
mod m0011_feeds;
mod m0012_scenarios;
mod m0013_webhooks;
mod m0014_notifications;
mod m0015_channels;
mod m0016_mail;
mod m0017_portal;
mod m0018_quotes;
mod m0019_search_speed;
mod m0020_facility_billing;

/// The schema generation this build writes. A store stamped with a higher one was written by a
/// newer postflow and is refused rather than risked.
pub const SCHEMA_GENERATION: i64 = 20;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_catalog::Migration),
            Box::new(m0003_delivery::Migration),
            Box::new(m0004_original_names::Migration),
            Box::new(m0005_account_security::Migration),
            Box::new(m0006_plans::Migration),
            Box::new(m0007_jobs::Migration),
            Box::new(m0008_bookings::Migration),
            Box::new(m0009_media::Migration),
            Box::new(m0010_billing::Migration),
            Box::new(m0011_feeds::Migration),
            Box::new(m0012_scenarios::Migration),
            Box::new(m0013_webhooks::Migration),
            Box::new(m0014_notifications::Migration),
            Box::new(m0015_channels::Migration),
            Box::new(m0016_mail::Migration),
            Box::new(m0017_portal::Migration),
            Box::new(m0018_quotes::Migration),
            Box::new(m0019_search_speed::Migration),
            Box::new(m0020_facility_billing::Migration),
        ]
    }
}

/// Column helpers so every table reads the same way.
pub(crate) fn id_pk(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}
pub(crate) fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().not_null().take()
}
pub(crate) fn text_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().null().take()
}
pub(crate) fn int64(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}
pub(crate) fn int64_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().take()
}
pub(crate) fn flag(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(false)
        .take()
}
pub(crate) fn at(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}
pub(crate) fn at_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}
pub(crate) fn date_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).date().null().take()
}

/// A foreign key that deletes dependent rows with their parent.
pub(crate) fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    fk_to(
        from_table,
        from_col,
        to_table,
        to_col,
        ForeignKeyAction::Cascade,
    )
}

pub(crate) fn fk_to(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .take()
}
