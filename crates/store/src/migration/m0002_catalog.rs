//! The media catalog: volumes, files, their copies and the ingest/verification log.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_catalog"
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Volumes {
    Table,
    Id,
    Label,
    Kind,
    MediaType,
    Location,
    CapacityBytes,
    Notes,
    CreatedAt,
}
#[derive(DeriveIden)]
enum MediaFiles {
    Table,
    Id,
    FileKey,
    ProjectId,
    Path,
    NameLower,
    Size,
    Modified,
    Checksums,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum FileCopies {
    Table,
    Id,
    FileId,
    VolumeId,
    PathOnVolume,
    Status,
    VerifiedAt,
    CheckedAt,
}
#[derive(DeriveIden)]
enum CatalogEvents {
    Table,
    Id,
    Kind,
    At,
    UserId,
    Who,
    ProjectId,
    Source,
    Destinations,
    Files,
    Bytes,
    VerifiedCopies,
    FailedCopies,
    Complete,
    Report,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Volumes::Table)
                    .col(id_pk(Volumes::Id))
                    .col(text(Volumes::Label).unique_key().take())
                    .col(text(Volumes::Kind))
                    .col(text(Volumes::MediaType))
                    .col(text(Volumes::Location))
                    .col(int64_null(Volumes::CapacityBytes))
                    .col(text_null(Volumes::Notes))
                    .col(at(Volumes::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MediaFiles::Table)
                    .col(id_pk(MediaFiles::Id))
                    // "<project id or 0>:<path>": one row per file per project, portable
                    // uniqueness without relying on how each database treats NULL in an index.
                    .col(text(MediaFiles::FileKey).unique_key().take())
                    .col(int64_null(MediaFiles::ProjectId))
                    .col(text(MediaFiles::Path))
                    .col(text(MediaFiles::NameLower))
                    .col(int64(MediaFiles::Size))
                    .col(at_null(MediaFiles::Modified))
                    .col(text(MediaFiles::Checksums))
                    .col(at(MediaFiles::CreatedAt))
                    .col(at(MediaFiles::UpdatedAt))
                    .foreign_key(&mut fk_to(
                        MediaFiles::Table,
                        MediaFiles::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FileCopies::Table)
                    .col(id_pk(FileCopies::Id))
                    .col(int64(FileCopies::FileId))
                    .col(int64(FileCopies::VolumeId))
                    .col(text(FileCopies::PathOnVolume))
                    .col(text(FileCopies::Status))
                    .col(at_null(FileCopies::VerifiedAt))
                    .col(at(FileCopies::CheckedAt))
                    .foreign_key(&mut fk_to(
                        FileCopies::Table,
                        FileCopies::FileId,
                        MediaFiles::Table,
                        MediaFiles::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk_to(
                        FileCopies::Table,
                        FileCopies::VolumeId,
                        Volumes::Table,
                        Volumes::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CatalogEvents::Table)
                    .col(id_pk(CatalogEvents::Id))
                    .col(text(CatalogEvents::Kind))
                    .col(at(CatalogEvents::At))
                    .col(int64_null(CatalogEvents::UserId))
                    .col(text(CatalogEvents::Who))
                    .col(int64_null(CatalogEvents::ProjectId))
                    .col(text(CatalogEvents::Source))
                    .col(text(CatalogEvents::Destinations))
                    .col(int64(CatalogEvents::Files))
                    .col(int64(CatalogEvents::Bytes))
                    .col(int64(CatalogEvents::VerifiedCopies))
                    .col(int64(CatalogEvents::FailedCopies))
                    .col(flag(CatalogEvents::Complete))
                    .col(ColumnDef::new(CatalogEvents::Report).text().not_null())
                    .foreign_key(&mut fk_to(
                        CatalogEvents::Table,
                        CatalogEvents::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk_to(
                        CatalogEvents::Table,
                        CatalogEvents::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_file_copies_file_volume")
                    .table(FileCopies::Table)
                    .col(FileCopies::FileId)
                    .col(FileCopies::VolumeId)
                    .unique()
                    .take(),
            )
            .await?;
        for (name, table, col) in [
            (
                "idx_file_copies_volume",
                FileCopies::Table.into_iden(),
                FileCopies::VolumeId.into_iden(),
            ),
            (
                "idx_media_files_project",
                MediaFiles::Table.into_iden(),
                MediaFiles::ProjectId.into_iden(),
            ),
            (
                "idx_media_files_path",
                MediaFiles::Table.into_iden(),
                MediaFiles::Path.into_iden(),
            ),
            (
                "idx_catalog_events_project",
                CatalogEvents::Table.into_iden(),
                CatalogEvents::ProjectId.into_iden(),
            ),
        ] {
            manager
                .create_index(Index::create().name(name).table(table).col(col).take())
                .await?;
        }
        Ok(())
    }
}
