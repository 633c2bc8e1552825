//! The `answering_counts` table: how many comments of a consultation stand in each answering
//! status, per category and channel; absent keys are `''`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "answering_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultation_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hide_reason: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub outcome: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub submitter_category: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
