//! Jobs: the durable queue workers claim from (proxies, review copies, delivery encodes, …) and
//! each job's log lines.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_jobs"
    }
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    ProjectId,
    Priority,
    State,
    Attempts,
    MaxAttempts,
    RunAfter,
    LeaseOwner,
    LeaseExpiresAt,
    HeartbeatAt,
    CancelRequested,
    Progress,
    Message,
    CreatedAt,
    StartedAt,
    FinishedAt,
    CreatedBy,
}
#[derive(DeriveIden)]
enum JobLogs {
    Table,
    Id,
    JobId,
    At,
    Line,
}
#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

fn int(name: impl IntoIden, default: i64) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(default)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(id_pk(Jobs::Id))
                    .col(text(Jobs::Kind))
                    .col(ColumnDef::new(Jobs::Payload).text().not_null())
                    .col(int64_null(Jobs::ProjectId))
                    .col(int(Jobs::Priority, 0))
                    .col(text(Jobs::State))
                    .col(int(Jobs::Attempts, 0))
                    .col(int(Jobs::MaxAttempts, 3))
                    .col(at(Jobs::RunAfter))
                    .col(text_null(Jobs::LeaseOwner))
                    .col(at_null(Jobs::LeaseExpiresAt))
                    .col(at_null(Jobs::HeartbeatAt))
                    .col(flag(Jobs::CancelRequested))
                    .col(int(Jobs::Progress, 0))
                    .col(ColumnDef::new(Jobs::Message).text().null())
                    .col(at(Jobs::CreatedAt))
                    .col(at_null(Jobs::StartedAt))
                    .col(at_null(Jobs::FinishedAt))
                    .col(int64_null(Jobs::CreatedBy))
                    .foreign_key(&mut fk(
                        Jobs::Table,
                        Jobs::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        // The claim walks queued jobs in its order (priority first, then age) and stops at the
        // first it can lock, so a long queue costs no sort; expired leases are found by expiry.
        manager
            .create_index(
                Index::create()
                    .name("idx_jobs_claim")
                    .table(Jobs::Table)
                    .col(Jobs::State)
                    .col((Jobs::Priority, IndexOrder::Desc))
                    .col(Jobs::CreatedAt)
                    .col(Jobs::Id)
                    .take(),
            )
            .await?;
        for (name, cols) in [
            ("idx_jobs_lease", vec![Jobs::State, Jobs::LeaseExpiresAt]),
            ("idx_jobs_project", vec![Jobs::ProjectId]),
        ] {
            let mut index = Index::create().name(name).table(Jobs::Table).take();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(JobLogs::Table)
                    .col(id_pk(JobLogs::Id))
                    .col(int64(JobLogs::JobId))
                    .col(at(JobLogs::At))
                    .col(ColumnDef::new(JobLogs::Line).text().not_null())
                    .foreign_key(&mut fk(
                        JobLogs::Table,
                        JobLogs::JobId,
                        Jobs::Table,
                        Jobs::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_logs_job")
                    .table(JobLogs::Table)
                    .col(JobLogs::JobId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
