//! A budget threshold crossing already announced to the producer (sent once).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_alerts_sent")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    /// The stage budget's name (`*` for the whole project, `rounds` for revision rounds).
    pub budget_name: String,
    /// hours, money or rounds.
    pub measure: String,
    /// 80 or 100 (percent), or the number of rounds used.
    pub threshold: i64,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
