//! Accounts, sessions, client companies, projects, resources, audit log.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

#[derive(DeriveIden)]
enum StoreMeta {
    Table,
    Key,
    Value,
}
#[derive(DeriveIden)]
enum ClientCompanies {
    Table,
    Id,
    Code,
    Name,
    ContactEmail,
    Archived,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Code,
    Name,
    ClientId,
    Status,
    StartDate,
    DueDate,
    Archived,
    Version,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    Role,
    ClientId,
    Title,
    PasswordHash,
    Disabled,
    CreatedAt,
}
#[derive(DeriveIden)]
enum ProjectMembers {
    Table,
    ProjectId,
    UserId,
}
#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}
#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}
#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    LastFailureAt,
    LockedUntil,
}
#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    Name,
    Kind,
    Notes,
    Archived,
}
#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    UserId,
    Action,
    Entity,
    EntityId,
    Detail,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StoreMeta::Table)
                    .col(
                        ColumnDef::new(StoreMeta::Key)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(StoreMeta::Value))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientCompanies::Table)
                    .col(id_pk(ClientCompanies::Id))
                    .col(text(ClientCompanies::Code).unique_key().take())
                    .col(text(ClientCompanies::Name))
                    .col(text_null(ClientCompanies::ContactEmail))
                    .col(flag(ClientCompanies::Archived))
                    .col(at(ClientCompanies::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(id_pk(Projects::Id))
                    .col(text(Projects::Code).unique_key().take())
                    .col(text(Projects::Name))
                    .col(int64(Projects::ClientId))
                    .col(text(Projects::Status))
                    .col(date_null(Projects::StartDate))
                    .col(date_null(Projects::DueDate))
                    .col(flag(Projects::Archived))
                    .col(
                        ColumnDef::new(Projects::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(at(Projects::CreatedAt))
                    .col(at(Projects::UpdatedAt))
                    .foreign_key(&mut fk(
                        Projects::Table,
                        Projects::ClientId,
                        ClientCompanies::Table,
                        ClientCompanies::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id_pk(Users::Id))
                    .col(text(Users::Email).unique_key().take())
                    .col(text(Users::Name))
                    .col(text(Users::Role))
                    .col(int64_null(Users::ClientId))
                    .col(text_null(Users::Title))
                    .col(text(Users::PasswordHash))
                    .col(flag(Users::Disabled))
                    .col(at(Users::CreatedAt))
                    .foreign_key(&mut fk(
                        Users::Table,
                        Users::ClientId,
                        ClientCompanies::Table,
                        ClientCompanies::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectMembers::Table)
                    .col(int64(ProjectMembers::ProjectId))
                    .col(int64(ProjectMembers::UserId))
                    .primary_key(
                        Index::create()
                            .col(ProjectMembers::ProjectId)
                            .col(ProjectMembers::UserId),
                    )
                    .foreign_key(&mut fk(
                        ProjectMembers::Table,
                        ProjectMembers::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .foreign_key(&mut fk(
                        ProjectMembers::Table,
                        ProjectMembers::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(
                        ColumnDef::new(Sessions::IdHash)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(int64(Sessions::UserId))
                    .col(text(Sessions::CsrfToken))
                    .col(at(Sessions::CreatedAt))
                    .col(at(Sessions::ExpiresAt))
                    .foreign_key(&mut fk(
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id_pk(ApiTokens::Id))
                    .col(int64(ApiTokens::UserId))
                    .col(text(ApiTokens::Name))
                    .col(text(ApiTokens::TokenHash).unique_key().take())
                    .col(at(ApiTokens::CreatedAt))
                    .col(at_null(ApiTokens::LastUsedAt))
                    .col(at_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut fk(
                        ApiTokens::Table,
                        ApiTokens::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(
                        ColumnDef::new(LoginThrottle::Key)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginThrottle::Failures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at(LoginThrottle::LastFailureAt))
                    .col(at_null(LoginThrottle::LockedUntil))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Resources::Table)
                    .col(id_pk(Resources::Id))
                    .col(text(Resources::Name))
                    .col(text(Resources::Kind))
                    .col(text_null(Resources::Notes))
                    .col(flag(Resources::Archived))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id_pk(AuditLog::Id))
                    .col(at(AuditLog::At))
                    .col(int64_null(AuditLog::UserId))
                    .col(text(AuditLog::Action))
                    .col(text(AuditLog::Entity))
                    .col(int64_null(AuditLog::EntityId))
                    .col(text(AuditLog::Detail))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_projects_client")
                    .table(Projects::Table)
                    .col(Projects::ClientId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
