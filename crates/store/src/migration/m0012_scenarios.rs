//! What-if plans: a proposed whole-studio schedule saved for the producer to compare with the
//! current one, then apply or discard.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_scenarios"
    }
}

#[derive(DeriveIden)]
enum PlanScenarios {
    Table,
    Id,
    Status,
    Proposal,
    CreatedBy,
    CreatedAt,
    DecidedBy,
    DecidedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanScenarios::Table)
                    .col(id_pk(PlanScenarios::Id))
                    .col(text(PlanScenarios::Status))
                    .col(ColumnDef::new(PlanScenarios::Proposal).text().not_null())
                    .col(int64_null(PlanScenarios::CreatedBy))
                    .col(at(PlanScenarios::CreatedAt))
                    .col(int64_null(PlanScenarios::DecidedBy))
                    .col(at_null(PlanScenarios::DecidedAt))
                    .take(),
            )
            .await?;
        Ok(())
    }
}
