use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// ingest or verify
    pub kind: String,
    pub at: DateTimeUtc,
    pub user_id: Option<i64>,
    /// Who ran it, as shown to people (account email, or the machine user for a local CLI).
    pub who: String,
    pub project_id: Option<i64>,
    pub source: String,
    /// JSON array of `{ label, path }`.
    pub destinations: String,
    pub files: i64,
    pub bytes: i64,
    pub verified_copies: i64,
    pub failed_copies: i64,
    pub complete: bool,
    /// The full ingest or verify report as JSON.
    #[sea_orm(column_type = "Text")]
    pub report: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
