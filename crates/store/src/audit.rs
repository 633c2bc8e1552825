//! The audit log: who did what to which resource, with the state before and after.
//! Appended inside the transaction of the change it records, never updated.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use consult_domain::audit::{
    BrokenLink, ChainHeads, ChainVerifier, EventContent, Links, stored_time,
};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;

use crate::entity::{audit_chain_head, audit_event};
use crate::{Constraint, Store, StoreError};

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
pub(crate) async fn lock_chains<C: ConnectionTrait>(db: &C) -> Result<(), StoreError> {
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

/// The chain of the whole log in `audit_chain_heads`; a consultation's chain is its id.
const GLOBAL_CHAIN: &str = "";

/// The heads of the whole log and of the given consultations. Callers hold the chain lock (or
/// SQLite's write lock), so no other append can slip between reading the heads and moving
/// them; [`move_heads`] would refuse it if one did.
async fn heads<C: ConnectionTrait>(
    db: &C,
    consultations: BTreeSet<&str>,
) -> Result<ChainHeads, StoreError> {
    let chains = std::iter::once(GLOBAL_CHAIN).chain(consultations);
    let mut heads = ChainHeads::default();
    for row in audit_chain_head::Entity::find()
        .filter(audit_chain_head::Column::Chain.is_in(chains))
        .all(db)
        .await?
    {
        if row.chain == GLOBAL_CHAIN {
            heads.global = row.hash;
        } else {
            heads.by_consultation.insert(row.chain, row.hash);
        }
    }
    Ok(heads)
}

/// Moves the heads from `read` to `now`, each only if it still is what was read: one
/// conditional update for the chains that had a head, an insert for those that begin. Either
/// finding another writer's head (no row updated, or the chain's key taken) is a conflict and
/// the transaction rolls back, so two appends after the same head cannot both commit.
async fn move_heads<C: ConnectionTrait>(
    db: &C,
    read: &ChainHeads,
    now: &ChainHeads,
) -> Result<(), StoreError> {
    let mut moved: Vec<(&str, &str, &str)> = Vec::new();
    let mut begun: Vec<(&str, &str)> = Vec::new();
    let global = (GLOBAL_CHAIN, read.global.as_str(), now.global.as_str());
    let consultations = now.by_consultation.iter().map(|(chain, hash)| {
        let before = read.by_consultation.get(chain).map_or("", String::as_str);
        (chain.as_str(), before, hash.as_str())
    });
    for (chain, before, after) in std::iter::once(global).chain(consultations) {
        match (before, after) {
            (_, "") => {}
            (b, a) if b == a => {}
            ("", a) => begun.push((chain, a)),
            (b, a) => moved.push((chain, b, a)),
        }
    }
    if let Some(&(first, _, first_after)) = moved.first() {
        let chain_is = |chain: &str| audit_chain_head::Column::Chain.eq(chain);
        let new_hash = moved[1..].iter().fold(
            Expr::case(chain_is(first), first_after.to_owned()),
            |case, &(chain, _, after)| case.case(chain_is(chain), after.to_owned()),
        );
        let still_read = moved
            .iter()
            .fold(Condition::any(), |any, &(chain, before, _)| {
                any.add(
                    Condition::all()
                        .add(chain_is(chain))
                        .add(audit_chain_head::Column::Hash.eq(before)),
                )
            });
        let updated = audit_chain_head::Entity::update_many()
            .col_expr(audit_chain_head::Column::Hash, new_hash.into())
            .filter(still_read)
            .exec(db)
            .await?;
        if updated.rows_affected != moved.len() as u64 {
            return Err(Constraint::AuditChainHead.conflict());
        }
    }
    // Many chains begin at once only when a log written before chaining is sealed.
    for chunk in begun.chunks(1000) {
        audit_chain_head::Entity::insert_many(chunk.iter().map(|&(chain, hash)| {
            audit_chain_head::ActiveModel {
                chain: Set(chain.to_owned()),
                hash: Set(hash.to_owned()),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
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
    // Changes other systems follow leave an event beside their audit event, in this
    // transaction and under this lock (see `outbox`).
    let pending: Vec<crate::outbox::PendingEvent> = records
        .iter()
        .filter_map(|r| {
            Some(crate::outbox::PendingEvent {
                event_type: consult_domain::outbox::EventType::of_action(r.action)?,
                subject: r.subject.clone(),
                consultation_id: r.consultation_id.clone(),
                time: stored_time(r.occurred_at),
                comments: None,
            })
        })
        .collect();
    let read = heads(
        db,
        records
            .iter()
            .filter_map(|r| r.consultation_id.as_deref())
            .collect(),
    )
    .await?;
    let mut heads = read.clone();
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
    move_heads(db, &read, &heads).await?;
    crate::outbox::append(db, pending).await
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
    move_heads(db, &ChainHeads::default(), &heads).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PrivateDataKeys;
    use consult_migration::{Migrator, MigratorTrait};
    use sea_orm::TransactionTrait;

    fn temp_url() -> (std::path::PathBuf, String) {
        let dir = std::env::temp_dir().join(format!("consult-audit-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("t.db").display());
        (dir, url)
    }

    fn record(consultation: Option<&str>, n: u32) -> AuditRecord {
        AuditRecord {
            consultation_id: consultation.map(str::to_owned),
            actor: "officer-fgw".into(),
            action: "test.event",
            subject: format!("things/{n}"),
            before: None,
            after: Some(format!("{{\"n\":{n}}}")),
            occurred_at: chrono::DateTime::from_timestamp(1_800_000_000 + i64::from(n), 0)
                .unwrap_or_default(),
        }
    }

    async fn stored_heads(store: &Store) -> Vec<(String, String)> {
        let mut rows: Vec<_> = audit_chain_head::Entity::find()
            .all(&store.db)
            .await
            .expect("heads")
            .into_iter()
            .map(|h| (h.chain, h.hash))
            .collect();
        rows.sort();
        rows
    }

    /// The newest hash of each chain, read from the events themselves.
    async fn newest_hashes(store: &Store) -> Vec<(String, String)> {
        let events = audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Id)
            .all(&store.db)
            .await
            .expect("events");
        let mut newest = std::collections::BTreeMap::new();
        for e in events {
            newest.insert(String::new(), e.hash.clone());
            if let Some(c) = e.consultation_id {
                newest.insert(c, e.hash);
            }
        }
        newest.into_iter().collect()
    }

    #[tokio::test]
    async fn appends_move_the_heads_and_a_head_moved_by_another_writer_refuses_the_append() {
        let (dir, url) = temp_url();
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("store");
        let txn = store.db.begin().await.expect("begin");
        append_all(
            &txn,
            vec![record(Some("A"), 1), record(None, 2), record(Some("B"), 3)],
        )
        .await
        .expect("append");
        txn.commit().await.expect("commit");
        append(&store.db, record(Some("A"), 4))
            .await
            .expect("append");
        assert_eq!(stored_heads(&store).await, newest_hashes(&store).await);
        assert_eq!(stored_heads(&store).await.len(), 3, "the log, A and B");

        // A writer that read the heads before another writer moved them.
        let stale = ChainHeads {
            global: "a head another writer has since moved on from".into(),
            ..ChainHeads::default()
        };
        let mut moved = stale.clone();
        moved.global = "f".repeat(64);
        let refused = move_heads(&store.db, &stale, &moved).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Conflict(_, Some(Constraint::AuditChainHead)))
            ),
            "{refused:?}"
        );
        // A writer that believed it began consultation A's chain, which another began first:
        // the database's key refuses it, and the refusal is read as the same conflict.
        let mut begun = ChainHeads::default();
        begun.by_consultation.insert("A".into(), "e".repeat(64));
        let refused = move_heads(&store.db, &ChainHeads::default(), &begun).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Conflict(_, Some(Constraint::AuditChainHead)))
            ),
            "{refused:?}"
        );
        assert_eq!(stored_heads(&store).await, newest_hashes(&store).await);
        let verified = store.verify_audit(None).await.expect("verify");
        assert_eq!((verified.checked, verified.broken), (4, None));
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_migration_finds_the_heads_of_an_existing_log() {
        let (dir, url) = temp_url();
        let db = crate::pool::connect(&url).await.expect("connect");
        // Every migration before the one that creates the heads table; later ones run after.
        let before_heads_table = Migrator::migrations()
            .iter()
            .position(|m| m.name() == "m20261204_000010_audit_chain_heads")
            .expect("the heads migration") as u32;
        Migrator::up(&db, Some(before_heads_table))
            .await
            .expect("migrate");
        // The links are distinct, as the unique indexes of that schema demand.
        for (id, consultation, hash) in [
            (1, "'A'", "a1"),
            (2, "NULL", "g2"),
            (3, "'B'", "b3"),
            (4, "'A'", "a4"),
            (5, "'B'", "b5"),
            (6, "NULL", "g6"),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO audit_events (id, consultation_id, actor, action, subject, \
                 occurred_at, prev_hash, global_prev_hash, hash) \
                 VALUES ({id}, {consultation}, 'x', 'test.event', 's', \
                 '2027-01-01 00:00:00+00:00', 'p{id}', 'g{id}', '{hash}')"
            ))
            .await
            .expect("insert");
        }
        db.close().await.expect("close");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("the remaining migrations run");
        assert_eq!(
            stored_heads(&store).await,
            [
                (String::new(), "g6".to_owned()),
                ("A".to_owned(), "a4".to_owned()),
                ("B".to_owned(), "b5".to_owned()),
            ]
        );
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }
}
