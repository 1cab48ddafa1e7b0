//! A numbering series with its seller; `next_number` is its gap-free counter.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_series")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub prefix: String,
    pub next_number: i64,
    pub seller_name: String,
    #[sea_orm(column_type = "Text")]
    pub seller_address: String,
    pub seller_tax_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
