use sea_orm::entity::prelude::*;

/// A proxy (or review copy) made from an original: one line of the project's relink list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_relinks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: Option<i64>,
    pub job_id: Option<i64>,
    /// proxy or review_copy.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub original_path: String,
    /// `algorithm:value` from the catalog, when the catalog knows the original.
    pub original_checksum: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub proxy_path: String,
    /// `xxh64:value` of the written file.
    pub proxy_checksum: String,
    pub start_timecode: Option<String>,
    pub reel: Option<String>,
    pub codec: String,
    pub width: i64,
    pub height: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
