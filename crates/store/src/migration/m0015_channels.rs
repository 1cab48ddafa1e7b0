//! Project channels (one internal and one client channel per project), their messages, edit
//! history, mentions, attachments and decisions; and the search index — an inverted index in
//! ordinary tables, so search runs the same queries on SQLite and PostgreSQL.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_channels"
    }
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    ProjectId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ChannelId,
    ProjectId,
    AuthorId,
    Body,
    ReplyTo,
    CreatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum MessageEdits {
    Table,
    Id,
    MessageId,
    EditorId,
    PreviousBody,
    EditedAt,
}

#[derive(DeriveIden)]
enum MessageMentions {
    Table,
    Id,
    MessageId,
    UserId,
    Department,
}

#[derive(DeriveIden)]
enum MessageAttachments {
    Table,
    Id,
    MessageId,
    MediaFileId,
}

#[derive(DeriveIden)]
enum Decisions {
    Table,
    Id,
    ProjectId,
    MessageId,
    DecidedBy,
    DecidedAt,
    Text,
}

#[derive(DeriveIden)]
enum SearchDocs {
    Table,
    Id,
    DocKind,
    DocId,
    ProjectId,
    Audience,
    Length,
}

#[derive(DeriveIden)]
enum SearchPostings {
    Table,
    Id,
    Term,
    DocKind,
    DocId,
    ProjectId,
    Audience,
    Tf,
    DocLen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Channels::Table)
                    .col(id_pk(Channels::Id))
                    .col(int64(Channels::ProjectId))
                    .col(text(Channels::Kind))
                    .col(at(Channels::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_channels_project_kind")
                    .table(Channels::Table)
                    .col(Channels::ProjectId)
                    .col(Channels::Kind)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(id_pk(Messages::Id))
                    .col(int64(Messages::ChannelId))
                    .col(int64(Messages::ProjectId))
                    .col(int64_null(Messages::AuthorId))
                    .col(ColumnDef::new(Messages::Body).text().not_null())
                    .col(int64_null(Messages::ReplyTo))
                    .col(at(Messages::CreatedAt))
                    .col(at_null(Messages::EditedAt))
                    .foreign_key(&mut fk(
                        Messages::Table,
                        Messages::ChannelId,
                        Channels::Table,
                        Channels::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_channel")
                    .table(Messages::Table)
                    .col(Messages::ChannelId)
                    .col(Messages::Id)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MessageEdits::Table)
                    .col(id_pk(MessageEdits::Id))
                    .col(int64(MessageEdits::MessageId))
                    .col(int64_null(MessageEdits::EditorId))
                    .col(ColumnDef::new(MessageEdits::PreviousBody).text().not_null())
                    .col(at(MessageEdits::EditedAt))
                    .foreign_key(&mut fk(
                        MessageEdits::Table,
                        MessageEdits::MessageId,
                        Messages::Table,
                        Messages::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MessageMentions::Table)
                    .col(id_pk(MessageMentions::Id))
                    .col(int64(MessageMentions::MessageId))
                    .col(int64_null(MessageMentions::UserId))
                    .col(text_null(MessageMentions::Department))
                    .foreign_key(&mut fk(
                        MessageMentions::Table,
                        MessageMentions::MessageId,
                        Messages::Table,
                        Messages::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MessageAttachments::Table)
                    .col(id_pk(MessageAttachments::Id))
                    .col(int64(MessageAttachments::MessageId))
                    .col(int64(MessageAttachments::MediaFileId))
                    .foreign_key(&mut fk(
                        MessageAttachments::Table,
                        MessageAttachments::MessageId,
                        Messages::Table,
                        Messages::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Decisions::Table)
                    .col(id_pk(Decisions::Id))
                    .col(int64(Decisions::ProjectId))
                    .col(int64_null(Decisions::MessageId))
                    .col(int64_null(Decisions::DecidedBy))
                    .col(at(Decisions::DecidedAt))
                    .col(ColumnDef::new(Decisions::Text).text().not_null())
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SearchDocs::Table)
                    .col(id_pk(SearchDocs::Id))
                    .col(text(SearchDocs::DocKind))
                    .col(int64(SearchDocs::DocId))
                    .col(int64(SearchDocs::ProjectId))
                    .col(text(SearchDocs::Audience))
                    .col(int64(SearchDocs::Length))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_docs_doc")
                    .table(SearchDocs::Table)
                    .col(SearchDocs::DocKind)
                    .col(SearchDocs::DocId)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SearchPostings::Table)
                    .col(id_pk(SearchPostings::Id))
                    .col(text(SearchPostings::Term))
                    .col(text(SearchPostings::DocKind))
                    .col(int64(SearchPostings::DocId))
                    .col(int64(SearchPostings::ProjectId))
                    .col(text(SearchPostings::Audience))
                    .col(int64(SearchPostings::Tf))
                    .col(int64(SearchPostings::DocLen))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_postings_term")
                    .table(SearchPostings::Table)
                    .col(SearchPostings::Term)
                    .col(SearchPostings::ProjectId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_postings_doc")
                    .table(SearchPostings::Table)
                    .col(SearchPostings::DocKind)
                    .col(SearchPostings::DocId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
