use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_postings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub term: String,
    pub doc_kind: String,
    pub doc_id: i64,
    pub project_id: i64,
    pub audience: String,
    pub tf: i64,
    pub doc_len: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
