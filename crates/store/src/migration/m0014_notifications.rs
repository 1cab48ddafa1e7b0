//! The in-app inbox: one row per person told about something, read or not.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_notifications"
    }
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Title,
    Body,
    Link,
    CreatedAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(id_pk(Notifications::Id))
                    .col(int64(Notifications::UserId))
                    .col(text(Notifications::Title))
                    .col(ColumnDef::new(Notifications::Body).text().not_null())
                    .col(text(Notifications::Link))
                    .col(at(Notifications::CreatedAt))
                    .col(at_null(Notifications::ReadAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::ReadAt)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
