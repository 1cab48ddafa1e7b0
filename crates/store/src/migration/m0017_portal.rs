//! The client portal: a client's approval of a deliverable that passed QC, or their request for
//! changes, with who and when. Rows are only ever added; the newest one is the deliverable's
//! standing answer (a new "QC passed" re-opens the question).
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_portal"
    }
}

#[derive(DeriveIden)]
enum DeliverableApprovals {
    Table,
    Id,
    DeliverableId,
    Decision,
    Comment,
    UserId,
    QcPassedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deliverables {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeliverableApprovals::Table)
                    .col(id_pk(DeliverableApprovals::Id))
                    .col(int64(DeliverableApprovals::DeliverableId))
                    .col(text(DeliverableApprovals::Decision))
                    .col(
                        ColumnDef::new(DeliverableApprovals::Comment)
                            .text()
                            .not_null(),
                    )
                    .col(int64_null(DeliverableApprovals::UserId))
                    .col(at_null(DeliverableApprovals::QcPassedAt))
                    .col(at(DeliverableApprovals::CreatedAt))
                    .foreign_key(&mut fk(
                        DeliverableApprovals::Table,
                        DeliverableApprovals::DeliverableId,
                        Deliverables::Table,
                        Deliverables::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliverable_approvals_deliverable")
                    .table(DeliverableApprovals::Table)
                    .col(DeliverableApprovals::DeliverableId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
