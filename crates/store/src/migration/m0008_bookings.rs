//! Resources gain capacity, a cost rate, a linked person with skills and a working calendar;
//! bookings hold a resource for a time range for a project (and optionally a task).
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_bookings"
    }
}

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    Capacity,
    CostRateMinor,
    CostCurrency,
    UserId,
    Skills,
    Calendar,
}
#[derive(DeriveIden)]
enum Bookings {
    Table,
    Id,
    ResourceId,
    ProjectId,
    TaskId,
    StartsAt,
    EndsAt,
    Units,
    Status,
    Note,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            ColumnDef::new(Resources::Capacity)
                .big_integer()
                .not_null()
                .default(1)
                .take(),
            int64_null(Resources::CostRateMinor),
            text_null(Resources::CostCurrency),
            int64_null(Resources::UserId),
            ColumnDef::new(Resources::Skills)
                .string()
                .not_null()
                .default("")
                .take(),
            ColumnDef::new(Resources::Calendar)
                .string()
                .not_null()
                .default("studio")
                .take(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Resources::Table)
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Bookings::Table)
                    .col(id_pk(Bookings::Id))
                    .col(int64(Bookings::ResourceId))
                    .col(int64(Bookings::ProjectId))
                    .col(int64_null(Bookings::TaskId))
                    .col(at(Bookings::StartsAt))
                    .col(at(Bookings::EndsAt))
                    .col(
                        ColumnDef::new(Bookings::Units)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(text(Bookings::Status))
                    .col(ColumnDef::new(Bookings::Note).text().not_null().default(""))
                    .col(int64_null(Bookings::CreatedBy))
                    .col(at(Bookings::CreatedAt))
                    .col(at(Bookings::UpdatedAt))
                    .foreign_key(&mut fk(
                        Bookings::Table,
                        Bookings::ResourceId,
                        Resources::Table,
                        Resources::Id,
                    ))
                    .foreign_key(&mut fk(
                        Bookings::Table,
                        Bookings::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .foreign_key(&mut fk_to(
                        Bookings::Table,
                        Bookings::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        // The overlap check reads a resource's bookings by time.
        for (name, cols) in [
            (
                "idx_bookings_resource_time",
                vec![Bookings::ResourceId, Bookings::StartsAt],
            ),
            ("idx_bookings_project", vec![Bookings::ProjectId]),
        ] {
            let mut index = Index::create().name(name).table(Bookings::Table).take();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
