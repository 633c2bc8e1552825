//! Hearings (听证会): each a row holding the hearing as a JSON document, its participants'
//! names sealed apart (they are private; the document and its audit events carry none).
//!
//! Every change takes the consultation's row lock first, as a change of the consultation
//! does: changes of one consultation's hearings, the opinions recorded from them and the
//! deliberation gate that reads them are serialised by the database, on any number of
//! replicas.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use consult_domain::hearing::Hearing;
use consult_domain::{Comment, Consultation, DomainError, NewComment};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::audit::{self, AuditRecord};
use crate::comments::{
    Submission, insert_new, load_stored, new_comment, resolve, submission_event,
};
use crate::consultations::from_row as consultation_from_row;
use crate::counting::{CountChanges, comment_key};
use crate::entity::{comment, hearing};
use crate::private_data::{PrivateDataKeys, PrivateField};
use crate::write::{RowLock, WriteTxn, lock_consultations};
use crate::{Store, StoreError, corrupt};

fn not_found(consultation_id: &str, id: &str) -> StoreError {
    StoreError::Domain(DomainError::not_found(format!(
        "consultations/{consultation_id}/hearings/{id}"
    )))
}

pub(crate) fn from_row(m: hearing::Model, keys: &PrivateDataKeys) -> Result<Hearing, StoreError> {
    let name = format!("consultations/{}/hearings/{}", m.consultation_id, m.id);
    let mut h: Hearing =
        serde_json::from_str(&m.document).map_err(|e| corrupt(format!("{name}: document: {e}")))?;
    let names = keys
        .open(
            &m.private_key_id,
            &name,
            PrivateField::ParticipantNames,
            &m.participant_names,
        )
        .map_err(StoreError::Keys)?;
    let names: BTreeMap<String, String> = serde_json::from_str(&names)
        .map_err(|e| corrupt(format!("{name}: participant names: {e}")))?;
    for p in &mut h.participants {
        p.name = names.get(&p.id).cloned().unwrap_or_default();
    }
    Ok(h)
}

fn to_row(
    h: &Hearing,
    now: DateTime<Utc>,
    keys: &PrivateDataKeys,
) -> Result<hearing::ActiveModel, StoreError> {
    let names: BTreeMap<&str, &str> = h
        .participants
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    let names = serde_json::to_string(&names).map_err(|e| corrupt(e.to_string()))?;
    let sealed = keys
        .seal(&h.name(), PrivateField::ParticipantNames, &names)
        .map_err(StoreError::Keys)?;
    Ok(hearing::ActiveModel {
        consultation_id: Set(h.consultation_id.clone()),
        id: Set(h.id.clone()),
        held_at: Set(h.plan.held_at),
        document: Set(serde_json::to_string(h).map_err(|e| corrupt(e.to_string()))?),
        participant_names: Set(sealed),
        private_key_id: Set(keys.current().to_owned()),
        updated_at: Set(now),
    })
}

/// The audit event of a change: the hearing without names, before and after.
fn record(
    h: &Hearing,
    actor: &str,
    action: &'static str,
    before: Option<&Hearing>,
    now: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord {
        consultation_id: Some(h.consultation_id.clone()),
        actor: actor.to_owned(),
        action,
        subject: h.name(),
        before: before.and_then(audit::to_json),
        after: audit::to_json(h),
        occurred_at: now,
    }
}

async fn find<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
    id: &str,
) -> Result<Option<hearing::Model>, StoreError> {
    Ok(
        hearing::Entity::find_by_id((consultation_id.to_owned(), id.to_owned()))
            .one(db)
            .await?,
    )
}

/// The hearings of consultation `id`, earliest first.
pub(crate) async fn hearings_of<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
    keys: &PrivateDataKeys,
) -> Result<Vec<Hearing>, StoreError> {
    hearing::Entity::find()
        .filter(hearing::Column::ConsultationId.eq(consultation_id))
        .order_by_asc(hearing::Column::HeldAt)
        .order_by_asc(hearing::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| from_row(m, keys))
        .collect()
}

/// Published (not hidden) opinions recorded from each meeting of the consultation, by the
/// meeting's name.
pub(crate) async fn opinions_by_meeting<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
) -> Result<BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(Option<String>, i64)> = comment::Entity::find()
        .select_only()
        .column(comment::Column::Meeting)
        .column_as(comment::Column::Id.count(), "n")
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .filter(comment::Column::Meeting.is_not_null())
        .filter(comment::Column::HideReason.is_null())
        .group_by(comment::Column::Meeting)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, n)| Some((m?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// Stores an opinion voiced at a meeting, in a transaction that holds its consultation's row:
/// a retry of the same request (the actor's request id) answers with the stored comment;
/// otherwise `admit` decides, and the comment is inserted with its count and audit event. The
/// caller commits.
pub(crate) async fn store_voiced(
    txn: &WriteTxn,
    s: &Submission,
    keys: &PrivateDataKeys,
    admit: impl FnOnce() -> Result<(), DomainError>,
) -> Result<Comment, StoreError> {
    let key = (s.actor.id.clone(), s.request_id.clone());
    let stored_under_key = || std::iter::once((key.0.as_str(), key.1.as_str()));
    if let Some(existing) = load_stored(txn, stored_under_key(), keys).await?.get(&key) {
        return resolve(s, existing, keys);
    }
    admit()?;
    let mut ids = ulid::Generator::new();
    let comment = new_comment(s, &mut ids);
    let digest = crate::comments::digest(s, keys, Some(keys.current()))?;
    let fresh = [(comment, digest)];
    // The consultation's row lock serialises this with every other meeting opinion, but a
    // submission of the same request id through the writer takes only a shared lock: the
    // unique key decides between them, as between two replicas' batches.
    let inserted = insert_new(txn, &fresh, keys).await?;
    let [(comment, digest)] = fresh;
    if !inserted.contains(&comment.id) {
        return match load_stored(txn, stored_under_key(), keys).await?.get(&key) {
            Some(existing) => resolve(s, existing, keys),
            None => Err(crate::Constraint::ReceiptCode.conflict()),
        };
    }
    let mut counts = CountChanges::default();
    counts.add(&comment.consultation_id, comment_key(&comment), 1);
    counts.write(txn).await?;
    audit::append(&**txn, submission_event(&comment, &digest)).await?;
    Ok(comment)
}

impl Store {
    /// A write transaction holding consultation `id`'s row for a change, and the consultation.
    pub(crate) async fn lock_consultation(
        &self,
        consultation_id: &str,
    ) -> Result<(WriteTxn, Consultation), StoreError> {
        let txn = self.begin_write().await?;
        let row = lock_consultations(&txn, [consultation_id], RowLock::Update)
            .await?
            .pop()
            .ok_or_else(|| DomainError::not_found(format!("consultations/{consultation_id}")))?;
        let c = consultation_from_row(row)?;
        Ok((txn, c))
    }

    /// Stores the hearing `plan` makes of the consultation, with its `hearing.plan` event;
    /// `ALREADY_EXISTS` if the consultation has a hearing of that id.
    pub async fn plan_hearing<F>(
        &self,
        consultation_id: &str,
        id: &str,
        actor: &str,
        now: DateTime<Utc>,
        plan: F,
    ) -> Result<Hearing, StoreError>
    where
        F: FnOnce(&Consultation) -> Result<Hearing, DomainError>,
    {
        let (txn, c) = self.lock_consultation(consultation_id).await?;
        let h = plan(&c)?;
        if find(&*txn, consultation_id, id).await?.is_some() {
            return Err(DomainError::AlreadyExists {
                resource: h.name(),
                description: format!("听证会 {id} 已存在 (the hearing exists already)"),
            }
            .into());
        }
        hearing::Entity::insert(to_row(&h, now, &self.keys)?)
            .exec_without_returning(&*txn)
            .await?;
        audit::append(&*txn, record(&h, actor, "hearing.plan", None, now)).await?;
        txn.commit().await?;
        Ok(h)
    }

    /// Applies `change` to hearing `id` of the consultation, with its audit event `action`,
    /// atomically; if it fails, nothing is written.
    pub async fn change_hearing<F>(
        &self,
        consultation_id: &str,
        id: &str,
        actor: &str,
        action: &'static str,
        now: DateTime<Utc>,
        change: F,
    ) -> Result<Hearing, StoreError>
    where
        F: FnOnce(&Consultation, &mut Hearing) -> Result<(), DomainError>,
    {
        let (txn, c) = self.lock_consultation(consultation_id).await?;
        let row = find(&*txn, consultation_id, id)
            .await?
            .ok_or_else(|| not_found(consultation_id, id))?;
        let before = from_row(row, &self.keys)?;
        let mut after = before.clone();
        change(&c, &mut after)?;
        hearing::Entity::update(to_row(&after, now, &self.keys)?)
            .exec(&*txn)
            .await?;
        audit::append(&*txn, record(&after, actor, action, Some(&before), now)).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// The keys hearings' participant names are sealed with.
    pub(crate) async fn hearing_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(hearing::Entity::find()
            .select_only()
            .column(hearing::Column::PrivateKeyId)
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// Re-seals the participant names of every hearing sealed under an older key with the
    /// current one (hearings are few: one transaction), with an audit event; returns how many.
    pub async fn reseal_hearings(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let current = self.keys.current().to_owned();
        let txn = self.begin_write().await?;
        let rows = hearing::Entity::find()
            .filter(hearing::Column::PrivateKeyId.ne(current.clone()))
            .all(&*txn)
            .await?;
        let n = rows.len() as u64;
        if n == 0 {
            return Ok(0);
        }
        let mut from: BTreeMap<String, u64> = BTreeMap::new();
        for row in rows {
            *from.entry(row.private_key_id.clone()).or_default() += 1;
            let updated_at = row.updated_at;
            let h = from_row(row, &self.keys)?;
            hearing::Entity::update(to_row(&h, updated_at, &self.keys)?)
                .exec(&*txn)
                .await?;
        }
        audit::append(
            &*txn,
            crate::resealing::reseal_event("hearings", &from, &current, n, now),
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }

    /// Hearing `id` of the consultation, or `NOT_FOUND`.
    pub async fn hearing(&self, consultation_id: &str, id: &str) -> Result<Hearing, StoreError> {
        let row = find(&self.db, consultation_id, id)
            .await?
            .ok_or_else(|| not_found(consultation_id, id))?;
        from_row(row, &self.keys)
    }

    /// The consultation's hearings, earliest first.
    pub async fn hearings(&self, consultation_id: &str) -> Result<Vec<Hearing>, StoreError> {
        hearings_of(&self.db, consultation_id, &self.keys).await
    }

    /// Records an opinion voiced at hearing `hearing_id` as a comment linked to it: `voiced`
    /// makes the submitted comment the hearing's, `admit` decides on the consultation and the
    /// hearing. A retry of the same request (the actor's request id) answers with the stored
    /// comment, as a submission does, even once the hearing no longer admits opinions.
    pub async fn record_hearing_opinion<V, A>(
        &self,
        hearing_id: &str,
        submission: Submission,
        admit: A,
        voiced: V,
    ) -> Result<Comment, StoreError>
    where
        A: FnOnce(&Consultation, &Hearing) -> Result<(), DomainError>,
        V: FnOnce(&Hearing, NewComment) -> Result<NewComment, DomainError>,
    {
        let mut s = submission;
        let (txn, c) = self.lock_consultation(&s.consultation_id).await?;
        let row = find(&*txn, &s.consultation_id, hearing_id)
            .await?
            .ok_or_else(|| not_found(&s.consultation_id, hearing_id))?;
        let h = from_row(row, &self.keys)?;
        s.comment = voiced(&h, s.comment)?;
        let comment = store_voiced(&txn, &s, &self.keys, || admit(&c, &h)).await?;
        txn.commit().await?;
        Ok(comment)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use consult_domain::hearing::HearingPlan;
    use consult_domain::{Channel, ConsultationKind, DraftChanges, SubmitterCategory};
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;
    use crate::comments::tests::temp_database;

    fn at(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, 2, 0, 0).unwrap()
    }

    fn keys(current: &str, ids: &[&str]) -> PrivateDataKeys {
        PrivateDataKeys::new(
            current,
            ids.iter()
                .map(|id| ((*id).to_owned(), vec![id.as_bytes()[0]; 32])),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn participants_names_are_sealed_resealed_under_a_new_key_and_never_stored_plain() {
        let (_dir, url) = temp_database("hearings");
        let store = Store::open(&url, keys("a", &["a"])).await.unwrap();
        let c = Consultation::create(
            "c1".into(),
            "fgw".into(),
            ConsultationKind::Rule,
            DraftChanges {
                title: Some("南昌市公共停车场收费管理办法（征求意见稿）".into()),
                draft_text: Some("第一条 为了……".into()),
                basis: Some("《价格法》".into()),
                channels: Some(vec![Channel::Portal]),
                ..Default::default()
            },
            "officer-1",
            at(3, 1),
        )
        .unwrap();
        store.create_consultation(&c, "officer-1").await.unwrap();
        store
            .plan_hearing("c1", "h1", "officer-1", at(3, 2), |c| {
                Hearing::plan(
                    c,
                    "h1".into(),
                    HearingPlan {
                        held_at: at(5, 10),
                        place: "市政府第一会议室".into(),
                        matters: "收费标准".into(),
                        selection_method: "随机抽取".into(),
                    },
                    at(3, 2),
                )
            })
            .await
            .unwrap();
        store
            .change_hearing(
                "c1",
                "h1",
                "officer-1",
                "hearing.add_participant",
                at(3, 3),
                |_, h| {
                    h.add_participant(SubmitterCategory::Citizen, "王小明", at(3, 3))
                        .map(|_| ())
                },
            )
            .await
            .unwrap();
        let raw = |store: &Store| {
            let db = store.db.clone();
            async move {
                db.query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT document, participant_names, private_key_id FROM hearings",
                ))
                .await
                .unwrap()
                .unwrap()
            }
        };
        let row = raw(&store).await;
        let stored = format!(
            "{}{}",
            row.try_get::<String>("", "document").unwrap(),
            row.try_get::<String>("", "participant_names").unwrap()
        );
        assert!(
            !stored.contains("王小明"),
            "a name stored in clear: {stored}"
        );
        assert_eq!(
            store.hearing("c1", "h1").await.unwrap().participants[0].name,
            "王小明"
        );
        store.close().await.unwrap();

        // Without key a, the service refuses to start rather than fail on every read.
        assert!(matches!(
            Store::open(&url, keys("b", &["b"])).await,
            Err(StoreError::Keys(_))
        ));
        let rotated = Store::open(&url, keys("b", &["a", "b"])).await.unwrap();
        assert_eq!(rotated.reseal_hearings(at(3, 4)).await.unwrap(), 1);
        assert_eq!(rotated.reseal_hearings(at(3, 4)).await.unwrap(), 0);
        assert_eq!(
            raw(&rotated)
                .await
                .try_get::<String>("", "private_key_id")
                .unwrap(),
            "b"
        );
        rotated.close().await.unwrap();
        // Key a retired: the names still open.
        let retired = Store::open(&url, keys("b", &["b"])).await.unwrap();
        assert_eq!(
            retired.hearing("c1", "h1").await.unwrap().participants[0].name,
            "王小明"
        );
    }
}
