//! The outbox: events for other systems, written by [`crate::audit::append_all`] in the
//! transaction of the change they report (the audited actions `EventType::of_action` names),
//! and read by watchers from a position. Positions come from `event_head`, moved while the
//! audit chain's lock is held, so they are gap-free in commit order on any number of replicas.

use chrono::{DateTime, Utc};
use consult_domain::ConsultationState;
use consult_domain::outbox::{
    CommentCount, CountAnnounced, EventDataV1, EventType, OutboxEvent, Retained, comments_counted,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

use crate::entity::{answering_count, comment_count, consultation, event};
use crate::{Store, StoreError, corrupt};

/// An event about to be written with the audit event of its change.
pub(crate) struct PendingEvent {
    pub(crate) event_type: EventType,
    pub(crate) subject: String,
    pub(crate) consultation_id: Option<String>,
    pub(crate) time: DateTime<Utc>,
    /// For comments received: the count.
    pub(crate) comments: Option<CommentCount>,
}

/// Writes `pending` at the next positions. The caller holds the audit chain's lock (or
/// SQLite's write lock) until it commits.
pub(crate) async fn append<C: ConnectionTrait>(
    db: &C,
    pending: Vec<PendingEvent>,
) -> Result<(), StoreError> {
    if pending.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(pending.len());
    for p in pending {
        let c = match &p.consultation_id {
            Some(id) => consultation::Entity::find_by_id(id.clone()).one(db).await?,
            None => None,
        };
        // A consultation published to open at once has opened too: say so right after.
        let opened_now = p.event_type == EventType::ConsultationPublished
            && c.as_ref().is_some_and(|c| {
                c.state == ConsultationState::Scheduled.code()
                    && c.opens_at.is_some_and(|o| o <= p.time)
            });
        let data = EventDataV1 {
            resource: p.subject.clone(),
            consultation: c.as_ref().map(|c| format!("consultations/{}", c.id)),
            title: c.as_ref().map(|c| c.title.clone()).unwrap_or_default(),
            department: c.as_ref().map(|c| c.department.clone()).unwrap_or_default(),
            state: c.as_ref().map(|c| c.state.clone()),
            closes_at: c.as_ref().and_then(|c| c.closes_at),
            comments: p.comments,
        };
        let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".into());
        rows.push((
            p.event_type,
            p.subject.clone(),
            data.department.clone(),
            p.time,
            json.clone(),
        ));
        if opened_now {
            rows.push((
                EventType::ConsultationOpened,
                p.subject,
                data.department,
                p.time,
                json,
            ));
        }
    }
    let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    move_head(db, n).await?;
    let first = head(db).await? - n + 1;
    let rows = rows.into_iter().zip(first..).map(
        |((event_type, subject, department, time, data), position)| event::ActiveModel {
            position: Set(position),
            id: Set(ulid::Ulid::new().to_string()),
            event_type: Set(event_type.code().to_owned()),
            subject: Set(subject),
            department: Set(department),
            time: Set(time),
            data: Set(data),
        },
    );
    event::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Moves the newest position on by `n`.
async fn move_head<C: ConnectionTrait>(db: &C, n: i64) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DbBackend::Postgres => {
                "UPDATE event_head SET position = position + $1 WHERE id = 1"
            }
            _ => "UPDATE event_head SET position = position + ? WHERE id = 1",
        },
        [n.into()],
    ))
    .await?;
    Ok(())
}

async fn head<C: ConnectionTrait>(db: &C) -> Result<i64, StoreError> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT position FROM event_head WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| corrupt("event_head: no row"))?;
    Ok(row.try_get::<i64>("", "position")?)
}

fn from_row(m: event::Model) -> Result<OutboxEvent, StoreError> {
    Ok(OutboxEvent {
        event_type: EventType::from_code(&m.event_type)
            .ok_or_else(|| corrupt(format!("events/{}: type {}", m.position, m.event_type)))?,
        position: m.position,
        id: m.id,
        subject: m.subject,
        department: m.department,
        time: m.time,
        data: m.data,
    })
}

/// Which events a watcher reads.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only these types (all when empty).
    pub types: Vec<EventType>,
    /// Only this department's (all when `None`).
    pub department: Option<String>,
}

impl Store {
    /// Up to `limit` events after position `after` and up to `up_to`, oldest first, matching
    /// `filter`.
    pub async fn events_after(
        &self,
        after: i64,
        up_to: i64,
        limit: u64,
        filter: &EventFilter,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let mut q = event::Entity::find()
            .filter(event::Column::Position.gt(after))
            .filter(event::Column::Position.lte(up_to));
        if !filter.types.is_empty() {
            q = q.filter(event::Column::EventType.is_in(filter.types.iter().map(|t| t.code())));
        }
        if let Some(d) = &filter.department {
            q = q.filter(event::Column::Department.eq(d.as_str()));
        }
        q.order_by_asc(event::Column::Position)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// The oldest position still stored and the newest ever written.
    pub async fn events_retained(&self) -> Result<Retained, StoreError> {
        let oldest = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT MIN(position) AS oldest FROM events",
            ))
            .await?
            .map(|row| row.try_get::<Option<i64>>("", "oldest"))
            .transpose()?
            .flatten();
        Ok(Retained {
            oldest,
            newest: head(&self.db).await?,
        })
    }

    /// When the newest event still stored was written.
    pub async fn newest_event_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(event::Entity::find()
            .order_by_desc(event::Column::Position)
            .one(&self.db)
            .await?
            .map(|e| e.time))
    }

    /// Announces the consultations whose opening time has come (after `since`, at or before
    /// `now`) and that are not announced yet; returns how many. Every replica may try at
    /// once: the check is repeated under the audit chain's lock, so each is announced once.
    /// `since` keeps an opening older than the retention (whose event may be trimmed) from
    /// being announced again.
    pub async fn announce_openings(
        &self,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        // Most runs find nothing: reads, not a write transaction, tell.
        if self.openings_due(&self.db, now, since).await?.is_empty() {
            return Ok(0);
        }
        let txn = self.begin_write().await?;
        crate::audit::lock_chains(&*txn).await?;
        let due = self.openings_due(&*txn, now, since).await?;
        let n = due.len() as u64;
        append(
            &*txn,
            due.into_iter()
                .map(|(id, opens_at)| PendingEvent {
                    event_type: EventType::ConsultationOpened,
                    subject: format!("consultations/{id}"),
                    consultation_id: Some(id),
                    time: opens_at,
                    comments: None,
                })
                .collect(),
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }

    /// Scheduled consultations that opened after `since` and by `now` without an event saying
    /// so, oldest opening first.
    async fn openings_due<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let opened: Vec<(String, Option<DateTime<Utc>>)> = consultation::Entity::find()
            .select_only()
            .column(consultation::Column::Id)
            .column(consultation::Column::OpensAt)
            .filter(consultation::Column::State.eq(ConsultationState::Scheduled.code()))
            .filter(consultation::Column::OpensAt.lte(now))
            .filter(consultation::Column::OpensAt.gt(since))
            .order_by_asc(consultation::Column::OpensAt)
            .into_tuple()
            .all(db)
            .await?;
        if opened.is_empty() {
            return Ok(Vec::new());
        }
        let announced: std::collections::HashSet<String> = event::Entity::find()
            .select_only()
            .column(event::Column::Subject)
            .filter(event::Column::EventType.eq(EventType::ConsultationOpened.code()))
            .filter(
                event::Column::Subject
                    .is_in(opened.iter().map(|(id, _)| format!("consultations/{id}"))),
            )
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        Ok(opened
            .into_iter()
            .filter_map(|(id, at)| Some((id, at?)))
            .filter(|(id, _)| !announced.contains(&format!("consultations/{id}")))
            .collect())
    }

    /// The position up to which relay `name` has had every event acknowledged (0 before its
    /// first).
    pub async fn relay_cursor(&self, name: &str) -> Result<i64, StoreError> {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DbBackend::Postgres => {
                        "SELECT position FROM event_relays WHERE name = $1"
                    }
                    _ => "SELECT position FROM event_relays WHERE name = ?",
                },
                [name.into()],
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "position"))
            .transpose()?
            .unwrap_or(0))
    }

    /// Records that relay `name` has had every event up to `position` acknowledged. Never
    /// moves back: a relay that lost its lease and finishes late cannot undo its successor's
    /// progress (whatever it published again, the destination de-duplicates).
    pub async fn advance_relay_cursor(
        &self,
        name: &str,
        position: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let backend = self.db.get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => {
                "INSERT INTO event_relays (name, position, relayed_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position, \
                 relayed_at = excluded.relayed_at WHERE event_relays.position < excluded.position"
            }
            _ => {
                "INSERT INTO event_relays (name, position, relayed_at) VALUES (?, ?, ?) \
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position, \
                 relayed_at = excluded.relayed_at WHERE event_relays.position < excluded.position"
            }
        };
        let txn = self.begin_write().await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [name.into(), position.into(), now.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Announces the comments received by consultations whose count is due (see
    /// [`comments_counted`]) among those open or closing after `closing_since`; returns how
    /// many counts. Every replica may try at once: the counts are read again under the audit
    /// chain's lock, so each is announced once.
    pub async fn announce_comment_counts(
        &self,
        now: DateTime<Utc>,
        interval: chrono::Duration,
        closing_since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        // Most runs find nothing due: reads, not a write transaction, tell.
        if self
            .counts_due(&self.db, now, interval, closing_since)
            .await?
            .is_empty()
        {
            return Ok(0);
        }
        let txn = self.begin_write().await?;
        crate::audit::lock_chains(&*txn).await?;
        let due = self.counts_due(&*txn, now, interval, closing_since).await?;
        let n = due.len() as u64;
        let rows: Vec<comment_count::ActiveModel> = due
            .iter()
            .map(|(id, count)| comment_count::ActiveModel {
                consultation_id: Set(id.clone()),
                total: Set(count.comments_total),
                announced_at: Set(now),
            })
            .collect();
        append(
            &*txn,
            due.into_iter()
                .map(|(id, count)| PendingEvent {
                    event_type: EventType::CommentsReceived,
                    subject: format!("consultations/{id}"),
                    consultation_id: Some(id),
                    time: now,
                    comments: Some(count),
                })
                .collect(),
        )
        .await?;
        if !rows.is_empty() {
            comment_count::Entity::insert_many(rows)
                .on_conflict(
                    sea_orm::sea_query::OnConflict::column(comment_count::Column::ConsultationId)
                        .update_columns([
                            comment_count::Column::Total,
                            comment_count::Column::AnnouncedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&*txn)
                .await?;
        }
        txn.commit().await?;
        Ok(n)
    }

    /// The counts due now, by consultation: among the consultations open (or scheduled) and
    /// those closing after `closing_since`, the only ones comments can have come to since.
    async fn counts_due<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
        interval: chrono::Duration,
        closing_since: DateTime<Utc>,
    ) -> Result<Vec<(String, CommentCount)>, StoreError> {
        use sea_orm::Condition;
        use sea_orm::sea_query::Expr;

        let candidates: Vec<String> = consultation::Entity::find()
            .select_only()
            .column(consultation::Column::Id)
            .filter(
                Condition::any()
                    .add(consultation::Column::State.is_in([
                        ConsultationState::Open.code(),
                        ConsultationState::Scheduled.code(),
                    ]))
                    .add(consultation::Column::ClosesAt.gt(closing_since))
                    .add(consultation::Column::ClosedAt.gt(closing_since)),
            )
            .into_tuple()
            .all(db)
            .await?;
        let mut due = Vec::new();
        for chunk in candidates.chunks(500) {
            let totals: Vec<(String, i64)> = answering_count::Entity::find()
                .select_only()
                .column(answering_count::Column::ConsultationId)
                .column_as(
                    Expr::cust(r#"CAST(SUM("answering_counts"."n") AS BIGINT)"#),
                    "total",
                )
                .filter(answering_count::Column::ConsultationId.is_in(chunk.iter().cloned()))
                .group_by(answering_count::Column::ConsultationId)
                .into_tuple()
                .all(db)
                .await?;
            let announced: std::collections::HashMap<String, CountAnnounced> =
                comment_count::Entity::find()
                    .filter(comment_count::Column::ConsultationId.is_in(chunk.iter().cloned()))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|m| {
                        (
                            m.consultation_id,
                            CountAnnounced {
                                total: m.total,
                                at: m.announced_at,
                            },
                        )
                    })
                    .collect();
            due.extend(totals.into_iter().filter_map(|(id, total)| {
                let count = comments_counted(total, announced.get(&id).copied(), now, interval)?;
                Some((id, count))
            }));
        }
        Ok(due)
    }

    /// Removes events written before `before`; returns how many.
    pub async fn trim_events(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        // Most runs find nothing to remove: a read, not a write transaction, tells.
        if event::Entity::find()
            .filter(event::Column::Time.lt(before))
            .one(&self.db)
            .await?
            .is_none()
        {
            return Ok(0);
        }
        let txn = self.begin_write().await?;
        let removed = event::Entity::delete_many()
            .filter(event::Column::Time.lt(before))
            .exec(&*txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::TransactionTrait;

    use super::*;
    use crate::PrivateDataKeys;
    use crate::audit::{AuditRecord, append, append_all};
    use crate::comments::tests::temp_database;

    fn record(action: &'static str, subject: &str, second: i64) -> AuditRecord {
        AuditRecord {
            consultation_id: None,
            actor: "admin".into(),
            action,
            subject: subject.into(),
            before: None,
            after: None,
            occurred_at: DateTime::from_timestamp(1_800_000_000 + second, 0).unwrap_or_default(),
        }
    }

    #[tokio::test]
    async fn a_relay_cursor_only_moves_on() {
        let (dir, url) = temp_database("relay-cursor");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("open");
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(store.relay_cursor("nats").await.unwrap(), 0, "none yet");
        store.advance_relay_cursor("nats", 7, at).await.unwrap();
        assert_eq!(store.relay_cursor("nats").await.unwrap(), 7);
        // A relay that lost its lease and finishes a page late cannot move it back.
        store.advance_relay_cursor("nats", 3, at).await.unwrap();
        assert_eq!(store.relay_cursor("nats").await.unwrap(), 7);
        store.advance_relay_cursor("nats", 9, at).await.unwrap();
        assert_eq!(store.relay_cursor("nats").await.unwrap(), 9);
        // Each relay has its own.
        assert_eq!(store.relay_cursor("other").await.unwrap(), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn followed_changes_leave_events_at_gap_free_positions_and_a_rollback_none() {
        let (dir, url) = temp_database("outbox");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("open");
        let all = EventFilter::default();
        // Two followed changes and one not followed, in one transaction.
        let txn = store.db.begin().await.expect("begin");
        append_all(
            &txn,
            vec![
                record("catalogue.publish", "catalogues/nc-2026/versions/1", 1),
                record("catalogue.update", "catalogues/nc-2026/versions/2", 2),
                record("catalogue.publish", "catalogues/nc-2026/versions/2", 3),
            ],
        )
        .await
        .expect("append");
        txn.commit().await.expect("commit");
        // A change rolled back takes its position with it.
        let txn = store.db.begin().await.expect("begin");
        append(
            &txn,
            record("catalogue.publish", "catalogues/x/versions/1", 4),
        )
        .await
        .expect("append");
        txn.rollback().await.expect("rollback");
        append(
            &store.db,
            record("catalogue.publish", "catalogues/nc-2027/versions/1", 5),
        )
        .await
        .expect("append");

        let events = store.events_after(0, i64::MAX, 100, &all).await.unwrap();
        let seen: Vec<(i64, &str)> = events
            .iter()
            .map(|e| (e.position, e.subject.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (1, "catalogues/nc-2026/versions/1"),
                (2, "catalogues/nc-2026/versions/2"),
                (3, "catalogues/nc-2027/versions/1")
            ]
        );
        assert!(
            events
                .iter()
                .all(|e| e.event_type == EventType::CataloguePublished)
        );
        assert_eq!(
            store.events_retained().await.unwrap(),
            Retained {
                oldest: Some(1),
                newest: 3
            }
        );
        // Bounded above, filtered by department (a catalogue has none).
        assert_eq!(store.events_after(0, 2, 100, &all).await.unwrap().len(), 2);
        let fgw = EventFilter {
            department: Some("fgw".into()),
            ..EventFilter::default()
        };
        assert!(
            store
                .events_after(0, 3, 100, &fgw)
                .await
                .unwrap()
                .is_empty()
        );

        // Trimmed by time; the newest position stays, so positions never restart.
        let removed = store
            .trim_events(DateTime::from_timestamp(1_800_000_004, 0).unwrap())
            .await
            .unwrap();
        assert_eq!(removed, 2);
        assert_eq!(
            store.events_retained().await.unwrap(),
            Retained {
                oldest: Some(3),
                newest: 3
            }
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
