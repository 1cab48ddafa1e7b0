use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volumes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub label: String,
    /// drive, lto, nas or cloud
    pub kind: String,
    /// hdd, ssd, lto, cloud, …: copies on the same media type share its failure modes.
    pub media_type: String,
    /// onsite or offsite
    pub location: String,
    pub capacity_bytes: Option<i64>,
    pub notes: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
