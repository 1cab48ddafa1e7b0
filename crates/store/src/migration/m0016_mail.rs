//! E-mail: the durable outbox (written on the notifying change's own transaction, sent later
//! with backoff), per-person preferences per category, and items waiting for the daily digest.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_mail"
    }
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    UserId,
    ToAddress,
    Subject,
    Body,
    Link,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum MailPreferences {
    Table,
    Id,
    UserId,
    Category,
    Mode,
}

#[derive(DeriveIden)]
enum MailDigestItems {
    Table,
    Id,
    UserId,
    Category,
    Subject,
    Body,
    Link,
    CreatedAt,
    MailId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .col(id_pk(MailOutbox::Id))
                    .col(int64_null(MailOutbox::UserId))
                    .col(text(MailOutbox::ToAddress))
                    .col(text(MailOutbox::Subject))
                    .col(ColumnDef::new(MailOutbox::Body).text().not_null())
                    .col(ColumnDef::new(MailOutbox::Link).text().null())
                    .col(text(MailOutbox::Status))
                    .col(int64(MailOutbox::Attempts))
                    .col(at(MailOutbox::NextAttemptAt))
                    .col(at_null(MailOutbox::LeaseUntil))
                    .col(ColumnDef::new(MailOutbox::LastError).text().null())
                    .col(at(MailOutbox::CreatedAt))
                    .col(at_null(MailOutbox::SentAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_outbox_due")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::Status)
                    .col(MailOutbox::NextAttemptAt)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailPreferences::Table)
                    .col(id_pk(MailPreferences::Id))
                    .col(int64(MailPreferences::UserId))
                    .col(text(MailPreferences::Category))
                    .col(text(MailPreferences::Mode))
                    .foreign_key(&mut fk(
                        MailPreferences::Table,
                        MailPreferences::UserId,
                        Alias::new("users"),
                        Alias::new("id"),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_preferences_user_category")
                    .table(MailPreferences::Table)
                    .col(MailPreferences::UserId)
                    .col(MailPreferences::Category)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailDigestItems::Table)
                    .col(id_pk(MailDigestItems::Id))
                    .col(int64(MailDigestItems::UserId))
                    .col(text(MailDigestItems::Category))
                    .col(text(MailDigestItems::Subject))
                    .col(ColumnDef::new(MailDigestItems::Body).text().not_null())
                    .col(ColumnDef::new(MailDigestItems::Link).text().null())
                    .col(at(MailDigestItems::CreatedAt))
                    .col(int64_null(MailDigestItems::MailId))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_digest_items_waiting")
                    .table(MailDigestItems::Table)
                    .col(MailDigestItems::MailId)
                    .col(MailDigestItems::UserId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
