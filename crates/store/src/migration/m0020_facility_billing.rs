//! Facility time on invoices: a confirmed room booking is billed once, so it remembers the
//! invoice that bills it, as a time entry does.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0020_facility_billing"
    }
}

#[derive(DeriveIden)]
enum Bookings {
    Table,
    InvoiceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Bookings::Table)
                    .add_column(int64_null(Bookings::InvoiceId))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_bookings_invoice")
                    .table(Bookings::Table)
                    .col(Bookings::InvoiceId)
                    .take(),
            )
            .await
    }
}
