//! Plans: a project's stages, tasks, dependencies and the picture-lock history; the studio's
//! working week and days off; owners and due dates on projects and deliverables.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_plans"
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    OwnerId,
    TemplateKey,
    RevisionBufferPercent,
    HoursPerDay,
    PictureLockedAt,
    PictureLockedBy,
    PlanVersion,
}
#[derive(DeriveIden)]
enum Deliverables {
    Table,
    OwnerId,
    DueDate,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum PlanStages {
    Table,
    Id,
    ProjectId,
    Key,
    Name,
    Position,
}
#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    ProjectId,
    Key,
    Name,
    Stage,
    Position,
    DurationDays,
    DurationHours,
    Status,
    ResourceKind,
    Skill,
    Checklist,
    Milestone,
    Editorial,
    Notes,
    PercentComplete,
    StartNoEarlier,
    FinishBy,
    ActualStart,
    ActualFinish,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum TaskAssignees {
    Table,
    TaskId,
    UserId,
}
#[derive(DeriveIden)]
enum TaskDependencies {
    Table,
    Id,
    ProjectId,
    FromTaskId,
    ToTaskId,
    Kind,
    LagDays,
}
#[derive(DeriveIden)]
enum PlanEvents {
    Table,
    Id,
    ProjectId,
    Kind,
    UserId,
    Reason,
    At,
}
#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    Id,
    UserId,
    Day,
    Label,
}
#[derive(DeriveIden)]
enum StudioSettings {
    Table,
    Key,
    Value,
}
#[derive(DeriveIden)]
enum PlanTemplates {
    Table,
    Id,
    Key,
    Name,
    Source,
    CreatedBy,
    CreatedAt,
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
        // SQLite adds one column per ALTER TABLE.
        for col in [
            int64_null(Projects::OwnerId),
            text_null(Projects::TemplateKey),
            int(Projects::RevisionBufferPercent, 25),
            int(Projects::HoursPerDay, 8),
            at_null(Projects::PictureLockedAt),
            int64_null(Projects::PictureLockedBy),
            int(Projects::PlanVersion, 0),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .add_column(&mut col)
                        .take(),
                )
                .await?;
        }
        for col in [
            int64_null(Deliverables::OwnerId),
            date_null(Deliverables::DueDate),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(Deliverables::Table)
                        .add_column(&mut col)
                        .take(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PlanStages::Table)
                    .col(id_pk(PlanStages::Id))
                    .col(int64(PlanStages::ProjectId))
                    .col(text(PlanStages::Key))
                    .col(text(PlanStages::Name))
                    .col(int64(PlanStages::Position))
                    .foreign_key(&mut fk(
                        PlanStages::Table,
                        PlanStages::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_plan_stages_key")
                    .table(PlanStages::Table)
                    .col(PlanStages::ProjectId)
                    .col(PlanStages::Key)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(id_pk(Tasks::Id))
                    .col(int64(Tasks::ProjectId))
                    .col(text(Tasks::Key))
                    .col(text(Tasks::Name))
                    .col(text(Tasks::Stage))
                    .col(int64(Tasks::Position))
                    .col(int64(Tasks::DurationDays))
                    .col(int64_null(Tasks::DurationHours))
                    .col(text(Tasks::Status))
                    .col(text_null(Tasks::ResourceKind))
                    .col(text_null(Tasks::Skill))
                    .col(ColumnDef::new(Tasks::Checklist).text().not_null())
                    .col(text_null(Tasks::Milestone))
                    .col(flag(Tasks::Editorial))
                    .col(ColumnDef::new(Tasks::Notes).text().not_null())
                    .col(int(Tasks::PercentComplete, 0))
                    .col(date_null(Tasks::StartNoEarlier))
                    .col(date_null(Tasks::FinishBy))
                    .col(date_null(Tasks::ActualStart))
                    .col(date_null(Tasks::ActualFinish))
                    .col(at(Tasks::CreatedAt))
                    .col(at(Tasks::UpdatedAt))
                    .foreign_key(&mut fk(
                        Tasks::Table,
                        Tasks::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tasks_key")
                    .table(Tasks::Table)
                    .col(Tasks::ProjectId)
                    .col(Tasks::Key)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskAssignees::Table)
                    .col(int64(TaskAssignees::TaskId))
                    .col(int64(TaskAssignees::UserId))
                    .primary_key(
                        Index::create()
                            .col(TaskAssignees::TaskId)
                            .col(TaskAssignees::UserId),
                    )
                    .foreign_key(&mut fk(
                        TaskAssignees::Table,
                        TaskAssignees::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .foreign_key(&mut fk(
                        TaskAssignees::Table,
                        TaskAssignees::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskDependencies::Table)
                    .col(id_pk(TaskDependencies::Id))
                    .col(int64(TaskDependencies::ProjectId))
                    .col(int64(TaskDependencies::FromTaskId))
                    .col(int64(TaskDependencies::ToTaskId))
                    .col(text(TaskDependencies::Kind))
                    .col(int(TaskDependencies::LagDays, 0))
                    .foreign_key(&mut fk(
                        TaskDependencies::Table,
                        TaskDependencies::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .foreign_key(&mut fk(
                        TaskDependencies::Table,
                        TaskDependencies::FromTaskId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .foreign_key(&mut fk(
                        TaskDependencies::Table,
                        TaskDependencies::ToTaskId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_task_dependencies_pair")
                    .table(TaskDependencies::Table)
                    .col(TaskDependencies::FromTaskId)
                    .col(TaskDependencies::ToTaskId)
                    .col(TaskDependencies::Kind)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlanEvents::Table)
                    .col(id_pk(PlanEvents::Id))
                    .col(int64(PlanEvents::ProjectId))
                    .col(text(PlanEvents::Kind))
                    .col(int64_null(PlanEvents::UserId))
                    .col(ColumnDef::new(PlanEvents::Reason).text().not_null())
                    .col(at(PlanEvents::At))
                    .foreign_key(&mut fk(
                        PlanEvents::Table,
                        PlanEvents::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarDays::Table)
                    .col(id_pk(CalendarDays::Id))
                    .col(int64_null(CalendarDays::UserId))
                    .col(ColumnDef::new(CalendarDays::Day).date().not_null())
                    .col(text(CalendarDays::Label))
                    .foreign_key(&mut fk(
                        CalendarDays::Table,
                        CalendarDays::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StudioSettings::Table)
                    .col(
                        ColumnDef::new(StudioSettings::Key)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(StudioSettings::Value).text().not_null())
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlanTemplates::Table)
                    .col(id_pk(PlanTemplates::Id))
                    .col(
                        ColumnDef::new(PlanTemplates::Key)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(text(PlanTemplates::Name))
                    .col(ColumnDef::new(PlanTemplates::Source).text().not_null())
                    .col(int64_null(PlanTemplates::CreatedBy))
                    .col(at(PlanTemplates::CreatedAt))
                    .take(),
            )
            .await
    }
}
