use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `<project id or 0>:<path>`, unique.
    #[sea_orm(unique)]
    pub file_key: String,
    pub project_id: Option<i64>,
    /// Relative to the volume folder the card was copied into: `A001/Clips/A001C001.mov`.
    pub path: String,
    /// Lower-cased file name, for search on every database alike.
    pub name_lower: String,
    pub size: i64,
    pub modified: Option<DateTimeUtc>,
    /// JSON object `{ "xxh64": "…", "md5": "…" }`.
    pub checksums: String,
    /// The path on the card before postflow renamed it into the naming convention.
    pub original_path: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
