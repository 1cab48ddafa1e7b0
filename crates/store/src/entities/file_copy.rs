use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_copies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_id: i64,
    pub volume_id: i64,
    pub path_on_volume: String,
    /// verified, failed or missing: the result of the last check.
    pub status: String,
    /// When the copy last re-read as identical (kept when a later check fails).
    pub verified_at: Option<DateTimeUtc>,
    pub checked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
