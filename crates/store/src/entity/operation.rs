//! The `operations` table: long-running operations (AIP-151), one row each, claimed by the
//! replica that runs it under a lease.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "operations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `OperationKind` code.
    pub kind: String,
    pub consultation_id: String,
    pub requested_by: String,
    /// The requesting `Actor` as JSON: the work runs with its rights.
    pub actor: String,
    /// The request message, protobuf-encoded.
    pub request: Vec<u8>,
    pub done: bool,
    pub cancel_requested: bool,
    pub progress_done: i64,
    pub progress_total: i64,
    /// `OperationOutcome` as JSON, once done well.
    pub outcome: Option<String>,
    pub error_code: Option<i32>,
    pub error_message: Option<String>,
    /// An encoded `google.rpc.Status` with its details, once failed.
    pub error_details: Option<Vec<u8>>,
    pub owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
