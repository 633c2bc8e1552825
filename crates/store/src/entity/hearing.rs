//! The `hearings` table: one row per hearing (听证会) of a consultation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hearings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultation_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub held_at: DateTimeUtc,
    /// JSON of the hearing, participants' names left out.
    pub document: String,
    /// The participants' names, a JSON map from participant id to name, sealed under
    /// `private_key_id`.
    pub participant_names: String,
    pub private_key_id: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
