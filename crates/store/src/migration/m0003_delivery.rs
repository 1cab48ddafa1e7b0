//! Deliverables, their QC runs and the signed manual checklist items.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_delivery"
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
enum Deliverables {
    Table,
    Id,
    ProjectId,
    Name,
    Profiles,
    Layout,
    CreatedAt,
    QcPassedAt,
    QcPassedBy,
}
#[derive(DeriveIden)]
enum QcRuns {
    Table,
    Id,
    DeliverableId,
    FileName,
    Status,
    ReportJson,
    CreatedAt,
    CreatedBy,
}
#[derive(DeriveIden)]
enum QcSignoffs {
    Table,
    Id,
    QcRunId,
    CheckId,
    SignedBy,
    SignedAt,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Deliverables::Table)
                    .col(id_pk(Deliverables::Id))
                    .col(int64(Deliverables::ProjectId))
                    .col(text(Deliverables::Name))
                    .col(text(Deliverables::Profiles))
                    .col(text_null(Deliverables::Layout))
                    .col(at(Deliverables::CreatedAt))
                    .col(at_null(Deliverables::QcPassedAt))
                    .col(int64_null(Deliverables::QcPassedBy))
                    .foreign_key(&mut fk(
                        Deliverables::Table,
                        Deliverables::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QcRuns::Table)
                    .col(id_pk(QcRuns::Id))
                    .col(int64(QcRuns::DeliverableId))
                    .col(text(QcRuns::FileName))
                    .col(text(QcRuns::Status))
                    .col(ColumnDef::new(QcRuns::ReportJson).text().not_null())
                    .col(at(QcRuns::CreatedAt))
                    .col(int64_null(QcRuns::CreatedBy))
                    .foreign_key(&mut fk(
                        QcRuns::Table,
                        QcRuns::DeliverableId,
                        Deliverables::Table,
                        Deliverables::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QcSignoffs::Table)
                    .col(id_pk(QcSignoffs::Id))
                    .col(int64(QcSignoffs::QcRunId))
                    .col(text(QcSignoffs::CheckId))
                    .col(int64(QcSignoffs::SignedBy))
                    .col(at(QcSignoffs::SignedAt))
                    .col(text(QcSignoffs::Note))
                    .foreign_key(&mut fk(
                        QcSignoffs::Table,
                        QcSignoffs::QcRunId,
                        QcRuns::Table,
                        QcRuns::Id,
                    ))
                    .foreign_key(&mut fk(
                        QcSignoffs::Table,
                        QcSignoffs::SignedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_qc_signoff_unique")
                    .table(QcSignoffs::Table)
                    .col(QcSignoffs::QcRunId)
                    .col(QcSignoffs::CheckId)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliverables_project")
                    .table(Deliverables::Table)
                    .col(Deliverables::ProjectId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
