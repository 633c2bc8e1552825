//! The `feedback_report_parts` table: a published version's canonical JSON, one row per
//! published comment or adopted change plus the text around the lists, in `seq` order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_report_parts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultation_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// `consult_domain::report::PartKind` code.
    pub kind: i16,
    /// The comment a comment part publishes.
    pub comment_id: Option<String>,
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
