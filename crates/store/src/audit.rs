//! The audit log: who did what to which resource, with the state before and after.
//! Appended inside the transaction of the change it records, never updated.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

use crate::entity::audit_event;
use crate::{Store, StoreError};

/// An event about to be appended.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// The consultation concerned.
    pub consultation_id: Option<String>,
    /// The principal that acted.
    pub actor: String,
    /// What was done, e.g. `consultation.publish`.
    pub action: &'static str,
    /// Resource name of the subject.
    pub subject: String,
    /// JSON of the subject before, if it existed.
    pub before: Option<String>,
    /// JSON of the subject after.
    pub after: Option<String>,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the log.
    pub id: i64,
    /// The consultation concerned.
    pub consultation_id: Option<String>,
    /// The principal that acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// Resource name of the subject.
    pub subject: String,
    /// JSON before.
    pub before: Option<String>,
    /// JSON after.
    pub after: Option<String>,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

pub(crate) fn active(r: AuditRecord) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        consultation_id: Set(r.consultation_id),
        actor: Set(r.actor),
        action: Set(r.action.to_owned()),
        subject: Set(r.subject),
        before: Set(r.before),
        after: Set(r.after),
        occurred_at: Set(r.occurred_at),
        ..Default::default()
    }
}

pub(crate) async fn append<C: ConnectionTrait>(db: &C, r: AuditRecord) -> Result<(), StoreError> {
    audit_event::Entity::insert(active(r))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

impl Store {
    /// The audit events of one consultation, oldest first.
    pub async fn audit_events(&self, consultation_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::ConsultationId.eq(consultation_id))
            .order_by_asc(audit_event::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| AuditEvent {
                id: m.id,
                consultation_id: m.consultation_id,
                actor: m.actor,
                action: m.action,
                subject: m.subject,
                before: m.before,
                after: m.after,
                occurred_at: m.occurred_at,
            })
            .collect())
    }
}
