//! The audit log: who did what to which resource, with the state before and after.
//! Appended inside the transaction of the change it records, never updated.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use consult_domain::audit::{
    BrokenLink, ChainHeads, ChainVerifier, EventContent, Links, stored_time,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
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

/// An event as stored, with its chain links (the same record archives carry).
pub use consult_domain::archive::ArchivedEvent as AuditEvent;

pub(crate) fn to_json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

fn content(r: &AuditRecord) -> EventContent<'_> {
    EventContent {
        consultation_id: r.consultation_id.as_deref(),
        actor: &r.actor,
        action: r.action,
        subject: &r.subject,
        before: r.before.as_deref(),
        after: r.after.as_deref(),
        occurred_at: r.occurred_at,
    }
}

fn stored_content(m: &audit_event::Model) -> EventContent<'_> {
    EventContent {
        consultation_id: m.consultation_id.as_deref(),
        actor: &m.actor,
        action: &m.action,
        subject: &m.subject,
        before: m.before.as_deref(),
        after: m.after.as_deref(),
        occurred_at: m.occurred_at,
    }
}

fn stored_links(m: &audit_event::Model) -> Links {
    Links {
        prev_hash: m.prev_hash.clone(),
        global_prev_hash: m.global_prev_hash.clone(),
        hash: m.hash.clone(),
    }
}

/// The advisory lock that serialises appends on PostgreSQL (an arbitrary constant of this
/// schema). Held from reading the heads until the transaction ends, so chain order is commit
/// order; SQLite's write transactions already hold its single write lock.
const CHAIN_LOCK: i64 = 0x636f_6e73_756c_7402;

/// Waits until this transaction may append to the chains.
async fn lock_chains<C: ConnectionTrait>(db: &C) -> Result<(), StoreError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [CHAIN_LOCK.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The newest hashes overall and of the given consultations. Callers hold the chain lock (or
/// SQLite's write lock), so no other append can slip between reading the heads and writing
/// after them; the unique indexes on the links would refuse it if one did.
async fn heads<C: ConnectionTrait>(
    db: &C,
    consultations: BTreeSet<&str>,
) -> Result<ChainHeads, StoreError> {
    let newest = || {
        audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::Hash)
            .order_by_desc(audit_event::Column::Id)
            .limit(1)
    };
    let mut heads = ChainHeads {
        global: newest()
            .into_tuple::<String>()
            .one(db)
            .await?
            .unwrap_or_default(),
        ..ChainHeads::default()
    };
    for c in consultations {
        if let Some(h) = newest()
            .filter(audit_event::Column::ConsultationId.eq(c))
            .into_tuple::<String>()
            .one(db)
            .await?
        {
            heads.by_consultation.insert(c.to_owned(), h);
        }
    }
    Ok(heads)
}

/// Appends events in order, each chained after the ones before it.
pub(crate) async fn append_all<C: ConnectionTrait>(
    db: &C,
    records: Vec<AuditRecord>,
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    lock_chains(db).await?;
    let mut heads = heads(
        db,
        records
            .iter()
            .filter_map(|r| r.consultation_id.as_deref())
            .collect(),
    )
    .await?;
    let rows: Vec<audit_event::ActiveModel> = records
        .into_iter()
        .map(|mut r| {
            r.occurred_at = stored_time(r.occurred_at);
            let links = heads.append(&content(&r));
            audit_event::ActiveModel {
                consultation_id: Set(r.consultation_id),
                actor: Set(r.actor),
                action: Set(r.action.to_owned()),
                subject: Set(r.subject),
                before: Set(r.before),
                after: Set(r.after),
                occurred_at: Set(r.occurred_at),
                prev_hash: Set(links.prev_hash),
                global_prev_hash: Set(links.global_prev_hash),
                hash: Set(links.hash),
                ..Default::default()
            }
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        // Keeps each statement under SQLite's limit of bound variables.
        let chunk: Vec<_> = rows.by_ref().take(1000).collect();
        audit_event::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

pub(crate) async fn append<C: ConnectionTrait>(db: &C, r: AuditRecord) -> Result<(), StoreError> {
    append_all(db, vec![r]).await
}

/// Chains events written before the log was hash-chained, in their original order.
pub(crate) async fn seal_unchained<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    // Only a log that was never chained is sealed: once any event carries a hash, an event
    // without one is a tampered event for verification to report, not one to re-seal.
    let chained = audit_event::Entity::find()
        .filter(audit_event::Column::Hash.ne(""))
        .count(db)
        .await?;
    let unsealed = audit_event::Entity::find()
        .filter(audit_event::Column::Hash.eq(""))
        .count(db)
        .await?;
    if chained > 0 || unsealed == 0 {
        return Ok(0);
    }
    let mut heads = ChainHeads::default();
    let mut after = 0i64;
    loop {
        let page = audit_event::Entity::find()
            .filter(audit_event::Column::Id.gt(after))
            .order_by_asc(audit_event::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for m in page {
            if m.hash.is_empty() {
                let mut m = m;
                m.occurred_at = stored_time(m.occurred_at);
                let links = heads.append(&stored_content(&m));
                audit_event::ActiveModel {
                    id: Set(m.id),
                    occurred_at: Set(m.occurred_at),
                    prev_hash: Set(links.prev_hash),
                    global_prev_hash: Set(links.global_prev_hash),
                    hash: Set(links.hash),
                    ..Default::default()
                }
                .update(db)
                .await?;
            } else {
                heads.global = m.hash.clone();
                if let Some(c) = &m.consultation_id {
                    heads.by_consultation.insert(c.clone(), m.hash.clone());
                }
            }
        }
    }
    Ok(unsealed)
}

/// Events read per query while walking the log.
const PAGE: u64 = 2000;

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this consultation's events.
    pub consultation_id: Option<String>,
    /// Only this principal's.
    pub actor: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
}

/// The outcome of walking the chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Events whose links held.
    pub checked: u64,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
}

pub(crate) fn event(m: audit_event::Model) -> AuditEvent {
    AuditEvent {
        id: m.id,
        consultation_id: m.consultation_id,
        actor: m.actor,
        action: m.action,
        subject: m.subject,
        before: m.before,
        after: m.after,
        occurred_at: m.occurred_at,
        prev_hash: m.prev_hash,
        global_prev_hash: m.global_prev_hash,
        hash: m.hash,
    }
}

impl Store {
    /// The audit events of one consultation, oldest first.
    pub async fn audit_events(&self, consultation_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::ConsultationId.eq(consultation_id))
            .order_by_asc(audit_event::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(event).collect())
    }

    /// One page of events matching `filter`, oldest first, after the event `after`.
    pub async fn list_audit_events(
        &self,
        filter: &AuditFilter,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let mut q = audit_event::Entity::find();
        if let Some(c) = &filter.consultation_id {
            q = q.filter(audit_event::Column::ConsultationId.eq(c.clone()));
        }
        if let Some(a) = &filter.actor {
            q = q.filter(audit_event::Column::Actor.eq(a.clone()));
        }
        if let Some(t) = filter.from {
            q = q.filter(audit_event::Column::OccurredAt.gte(t));
        }
        if let Some(t) = filter.until {
            q = q.filter(audit_event::Column::OccurredAt.lt(t));
        }
        if let Some(a) = after {
            q = q.filter(audit_event::Column::Id.gt(a));
        }
        let rows = q
            .order_by_asc(audit_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(event).collect())
    }

    /// Walks the whole log (or one consultation's events) and checks every link; stops at the
    /// first broken one.
    pub async fn verify_audit(
        &self,
        consultation_id: Option<&str>,
    ) -> Result<AuditVerification, StoreError> {
        let mut verifier = ChainVerifier::new(consultation_id.is_none());
        let mut after = 0i64;
        loop {
            let mut q = audit_event::Entity::find().filter(audit_event::Column::Id.gt(after));
            if let Some(c) = consultation_id {
                q = q.filter(audit_event::Column::ConsultationId.eq(c));
            }
            let page = q
                .order_by_asc(audit_event::Column::Id)
                .limit(PAGE)
                .all(&self.db)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for m in &page {
                if let Err(broken) = verifier.check(m.id, &stored_content(m), &stored_links(m)) {
                    return Ok(AuditVerification {
                        checked: verifier.checked(),
                        broken: Some(broken),
                    });
                }
            }
        }
        Ok(AuditVerification {
            checked: verifier.checked(),
            broken: None,
        })
    }
}
