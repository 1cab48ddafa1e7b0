//! Calendar feeds: private `.ics` URLs per person, room and project (the token is in the URL, so
//! only its SHA-256 is kept), each revocable.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_feeds"
    }
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    Id,
    TokenHash,
    SubjectKind,
    SubjectId,
    CreatedBy,
    CreatedAt,
    LastFetchedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(id_pk(CalendarFeeds::Id))
                    .col(text(CalendarFeeds::TokenHash).unique_key().take())
                    .col(text(CalendarFeeds::SubjectKind))
                    .col(int64(CalendarFeeds::SubjectId))
                    .col(int64(CalendarFeeds::CreatedBy))
                    .col(at(CalendarFeeds::CreatedAt))
                    .col(at_null(CalendarFeeds::LastFetchedAt))
                    .col(at_null(CalendarFeeds::RevokedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_calendar_feeds_subject")
                    .table(CalendarFeeds::Table)
                    .col(CalendarFeeds::SubjectKind)
                    .col(CalendarFeeds::SubjectId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
