use sea_orm::entity::prelude::*;

/// A notification waiting for its person's daily digest mail.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_digest_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub category: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// The page the item is about, as a path.
    pub link: Option<String>,
    pub created_at: DateTimeUtc,
    /// The digest mail that carried it; none while it waits.
    pub mail_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
