//! Media made by jobs: the relink list (each proxy beside the original it stands for, with both
//! checksums, so an NLE can swap one for the other) and each project's LUT library.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_media"
    }
}

#[derive(DeriveIden)]
enum MediaRelinks {
    Table,
    Id,
    ProjectId,
    JobId,
    Kind,
    OriginalPath,
    OriginalChecksum,
    ProxyPath,
    ProxyChecksum,
    StartTimecode,
    Reel,
    Codec,
    Width,
    Height,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Luts {
    Table,
    Id,
    ProjectId,
    Name,
    Kind,
    Dimension,
    Size,
    Body,
    CreatedAt,
    CreatedBy,
}
#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MediaRelinks::Table)
                    .col(id_pk(MediaRelinks::Id))
                    .col(int64_null(MediaRelinks::ProjectId))
                    // Not a foreign key: the job row may be cleaned up, the relink line stays.
                    .col(int64_null(MediaRelinks::JobId))
                    .col(text(MediaRelinks::Kind))
                    .col(ColumnDef::new(MediaRelinks::OriginalPath).text().not_null())
                    .col(text_null(MediaRelinks::OriginalChecksum))
                    .col(ColumnDef::new(MediaRelinks::ProxyPath).text().not_null())
                    .col(text(MediaRelinks::ProxyChecksum))
                    .col(text_null(MediaRelinks::StartTimecode))
                    .col(text_null(MediaRelinks::Reel))
                    .col(text(MediaRelinks::Codec))
                    .col(int64(MediaRelinks::Width))
                    .col(int64(MediaRelinks::Height))
                    .col(at(MediaRelinks::CreatedAt))
                    .foreign_key(&mut fk(
                        MediaRelinks::Table,
                        MediaRelinks::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_media_relinks_project")
                    .table(MediaRelinks::Table)
                    .col(MediaRelinks::ProjectId)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Luts::Table)
                    .col(id_pk(Luts::Id))
                    .col(int64(Luts::ProjectId))
                    .col(text(Luts::Name))
                    .col(text(Luts::Kind))
                    .col(int64(Luts::Dimension))
                    .col(int64(Luts::Size))
                    .col(ColumnDef::new(Luts::Body).text().not_null())
                    .col(at(Luts::CreatedAt))
                    .col(int64_null(Luts::CreatedBy))
                    .foreign_key(&mut fk(
                        Luts::Table,
                        Luts::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        // A LUT is named once per project; uploading the name again is refused, not merged.
        manager
            .create_index(
                Index::create()
                    .name("idx_luts_project_name")
                    .table(Luts::Table)
                    .col(Luts::ProjectId)
                    .col(Luts::Name)
                    .unique()
                    .take(),
            )
            .await?;
        Ok(())
    }
}
