//! The login throttle deletes rows idle for an hour on every attempt; an index on the time of
//! the last attempt keeps that delete from scanning the table a brute-force run fills.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_account_security"
    }
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    LastFailureAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_login_throttle_last")
                    .table(LoginThrottle::Table)
                    .col(LoginThrottle::LastFailureAt)
                    .take(),
            )
            .await
    }
}
