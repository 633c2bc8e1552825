//! Meetings other than hearings: each a row holding the meeting as a JSON document (everything
//! in it is public: attendees by category, names only with consent). Recording one and
//! recording its opinions take the consultation's row lock, as hearings do.

use chrono::{DateTime, Utc};
use consult_domain::meeting::Meeting;
use consult_domain::{Comment, Consultation, DomainError, NewComment};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::audit::{self, AuditRecord};
use crate::comments::Submission;
use crate::entity::meeting;
use crate::hearings::store_voiced;
use crate::{Store, StoreError, corrupt};

fn from_row(m: meeting::Model) -> Result<Meeting, StoreError> {
    serde_json::from_str(&m.document).map_err(|e| {
        corrupt(format!(
            "consultations/{}/meetings/{}: {e}",
            m.consultation_id, m.id
        ))
    })
}

fn not_found(consultation_id: &str, id: &str) -> StoreError {
    StoreError::Domain(DomainError::not_found(format!(
        "consultations/{consultation_id}/meetings/{id}"
    )))
}

async fn find<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
    id: &str,
) -> Result<Option<meeting::Model>, StoreError> {
    Ok(
        meeting::Entity::find_by_id((consultation_id.to_owned(), id.to_owned()))
            .one(db)
            .await?,
    )
}

/// The meetings of consultation `consultation_id`, earliest first.
pub(crate) async fn meetings_of<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
) -> Result<Vec<Meeting>, StoreError> {
    meeting::Entity::find()
        .filter(meeting::Column::ConsultationId.eq(consultation_id))
        .order_by_asc(meeting::Column::HeldAt)
        .order_by_asc(meeting::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

impl Store {
    /// Stores the meeting `record` makes of the consultation, with its `meeting.record`
    /// event; `ALREADY_EXISTS` if the consultation has a meeting of that id.
    pub async fn record_meeting<F>(
        &self,
        consultation_id: &str,
        id: &str,
        actor: &str,
        now: DateTime<Utc>,
        record: F,
    ) -> Result<Meeting, StoreError>
    where
        F: FnOnce(&Consultation) -> Result<Meeting, DomainError>,
    {
        let (txn, c) = self.lock_consultation(consultation_id).await?;
        let m = record(&c)?;
        if find(&*txn, consultation_id, id).await?.is_some() {
            return Err(DomainError::AlreadyExists {
                resource: m.name(),
                description: format!("会议 {id} 已登记 (the meeting is recorded already)"),
            }
            .into());
        }
        meeting::Entity::insert(meeting::ActiveModel {
            consultation_id: Set(m.consultation_id.clone()),
            id: Set(m.id.clone()),
            kind: Set(m.kind.code().to_owned()),
            department: Set(c.department.clone()),
            held_at: Set(m.held_at),
            document: Set(serde_json::to_string(&m).map_err(|e| corrupt(e.to_string()))?),
            updated_at: Set(now),
        })
        .exec_without_returning(&*txn)
        .await?;
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: Some(m.consultation_id.clone()),
                actor: actor.to_owned(),
                action: "meeting.record",
                subject: m.name(),
                before: None,
                after: audit::to_json(&m),
                occurred_at: now,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(m)
    }

    /// Meeting `id` of the consultation, or `NOT_FOUND`.
    pub async fn meeting(&self, consultation_id: &str, id: &str) -> Result<Meeting, StoreError> {
        find(&self.db, consultation_id, id)
            .await?
            .ok_or_else(|| not_found(consultation_id, id))
            .and_then(from_row)
    }

    /// The consultation's meetings, earliest first.
    pub async fn meetings(&self, consultation_id: &str) -> Result<Vec<Meeting>, StoreError> {
        meetings_of(&self.db, consultation_id).await
    }

    /// Records an opinion voiced at meeting `meeting_id` as a comment linked to it, as
    /// [`Store::record_hearing_opinion`] does for a hearing.
    pub async fn record_meeting_opinion<V, A>(
        &self,
        meeting_id: &str,
        submission: Submission,
        admit: A,
        voiced: V,
    ) -> Result<Comment, StoreError>
    where
        A: FnOnce(&Consultation, &Meeting) -> Result<(), DomainError>,
        V: FnOnce(&Meeting, NewComment) -> Result<NewComment, DomainError>,
    {
        let mut s = submission;
        let (txn, c) = self.lock_consultation(&s.consultation_id).await?;
        let m = find(&*txn, &s.consultation_id, meeting_id)
            .await?
            .ok_or_else(|| not_found(&s.consultation_id, meeting_id))
            .and_then(from_row)?;
        s.comment = voiced(&m, s.comment)?;
        let comment = store_voiced(&txn, &s, &self.keys, || admit(&c, &m)).await?;
        txn.commit().await?;
        Ok(comment)
    }
}
