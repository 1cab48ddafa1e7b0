use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_feeds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of the token in the feed's URL; the URL is shown once at creation.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// person, room or project.
    pub subject_kind: String,
    /// The user, resource or project the feed shows.
    pub subject_id: i64,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub last_fetched_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
