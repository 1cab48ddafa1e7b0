use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "qc_signoffs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub qc_run_id: i64,
    pub check_id: String,
    pub signed_by: i64,
    pub signed_at: DateTimeUtc,
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
