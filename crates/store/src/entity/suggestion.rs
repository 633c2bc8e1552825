//! The `suggestions` table: suggested concentrated opinions.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub consultation_id: String,
    /// Code of its state.
    pub state: String,
    pub members: i64,
    pub representative_id: String,
    pub similarity_low: f64,
    pub similarity_median: f64,
    /// JSON array of comment ids.
    pub outlier_ids: String,
    pub opinion_group_id: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
