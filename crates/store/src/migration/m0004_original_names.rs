//! The name a file had on the card before it was renamed into the project's naming convention,
//! so the catalog can answer "where did A001C003.mov come from" as the MHL's previousPath does.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_original_names"
    }
}

#[derive(DeriveIden)]
enum MediaFiles {
    Table,
    OriginalPath,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MediaFiles::Table)
                    .add_column(text_null(MediaFiles::OriginalPath))
                    .take(),
            )
            .await
    }
}
