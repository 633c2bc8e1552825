//! Reading and changing consultations. A change loads the row, lets a domain closure decide,
//! writes the result and its audit event in one transaction, or writes nothing.

use chrono::{DateTime, Utc};
use consult_domain::actor::ListScope;
use consult_domain::answering::tally::AnsweringTally;
use consult_domain::hearing::Hearing;
use consult_domain::{Channel, Consultation, ConsultationKind, ConsultationState, DomainError};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};

use crate::audit::{self, AuditRecord, to_json};
use crate::entity::consultation::{self, Column};
use crate::write::{RowLock, WriteTxn, lock_consultations, update_consultation};
use crate::{Store, StoreError, corrupt};

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ConsultationFilter {
    /// Only this state, as of `now`.
    pub state: Option<ConsultationState>,
    /// Only this kind.
    pub kind: Option<ConsultationKind>,
    /// Only this department.
    pub department: Option<String>,
}

pub(crate) fn to_row(c: &Consultation) -> consultation::Model {
    let codes: Vec<&str> = c.channels.iter().map(|ch| ch.code()).collect();
    consultation::Model {
        id: c.id.clone(),
        department: c.department.clone(),
        kind: c.kind.code().to_owned(),
        title: c.title.clone(),
        draft_text: c.draft_text.clone(),
        basis: c.basis.clone(),
        explanation: c.explanation.clone(),
        channels: serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into()),
        opens_at: c.opens_at,
        closes_at: c.closes_at,
        shortened_reason: c.shortened_reason.clone(),
        state: c.stored_state.code().to_owned(),
        extensions: serde_json::to_string(&c.extensions).unwrap_or_else(|_| "[]".into()),
        withdrawal_reason: c.withdrawal_reason.clone(),
        warnings: serde_json::to_string(&c.warnings).unwrap_or_else(|_| "[]".into()),
        created_by: c.created_by.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
        published_at: c.published_at,
        closed_at: c.closed_at,
        withdrawn_at: c.withdrawn_at,
        ready_at: c.ready_at,
        decision: c
            .decision
            .as_ref()
            .and_then(|d| serde_json::to_string(d).ok()),
        feedback_due_on: c.feedback_due_on.map(|d| d.format("%Y-%m-%d").to_string()),
        feedback_version: i32::try_from(c.feedback_version).unwrap_or(i32::MAX),
        feedback_published_at: c.feedback_published_at,
        catalogue_item: c.catalogue_item.clone(),
        catalogue_item_label: c.catalogue_item_label.clone(),
    }
}

pub(crate) fn from_row(m: consultation::Model) -> Result<Consultation, StoreError> {
    let codes: Vec<String> = serde_json::from_str(&m.channels).map_err(corrupt)?;
    let channels = codes
        .iter()
        .map(|c| Channel::from_code(c).ok_or_else(|| corrupt(format!("channel {c}"))))
        .collect::<Result<_, _>>()?;
    Ok(Consultation {
        kind: ConsultationKind::from_code(&m.kind).ok_or_else(|| corrupt(&m.kind))?,
        stored_state: ConsultationState::from_code(&m.state).ok_or_else(|| corrupt(&m.state))?,
        channels,
        extensions: serde_json::from_str(&m.extensions).map_err(corrupt)?,
        warnings: serde_json::from_str(&m.warnings).map_err(corrupt)?,
        id: m.id,
        department: m.department,
        title: m.title,
        draft_text: m.draft_text,
        basis: m.basis,
        explanation: m.explanation,
        opens_at: m.opens_at,
        closes_at: m.closes_at,
        shortened_reason: m.shortened_reason,
        withdrawal_reason: m.withdrawal_reason,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
        published_at: m.published_at,
        closed_at: m.closed_at,
        withdrawn_at: m.withdrawn_at,
        ready_at: m.ready_at,
        decision: m
            .decision
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(corrupt)?,
        feedback_due_on: m
            .feedback_due_on
            .as_deref()
            .map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d"))
            .transpose()
            .map_err(corrupt)?,
        feedback_version: u32::try_from(m.feedback_version).map_err(corrupt)?,
        feedback_published_at: m.feedback_published_at,
        catalogue_item: m.catalogue_item,
        catalogue_item_label: m.catalogue_item_label,
    })
}

fn not_found(id: &str) -> StoreError {
    StoreError::Domain(DomainError::not_found(format!("consultations/{id}")))
}

impl Store {
    /// Stores a new consultation with its `consultation.create` event.
    pub async fn create_consultation(
        &self,
        c: &Consultation,
        actor: &str,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        consultation::Entity::insert(to_row(c).into_active_model())
            .exec_without_returning(&*txn)
            .await?;
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: Some(c.id.clone()),
                actor: actor.to_owned(),
                action: "consultation.create",
                subject: format!("consultations/{}", c.id),
                before: None,
                after: to_json(c),
                occurred_at: c.created_at,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The consultation `id`, or `NOT_FOUND`.
    pub async fn consultation(&self, id: &str) -> Result<Consultation, StoreError> {
        let row = consultation::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| not_found(id))?;
        from_row(row)
    }

    /// Applies `change` to consultation `id` and records `action` by `actor`, atomically.
    /// The closure holds the domain decision (permission and rule); if it fails, nothing is written.
    pub async fn change_consultation<F>(
        &self,
        id: &str,
        actor: &str,
        action: &'static str,
        now: DateTime<Utc>,
        change: F,
    ) -> Result<Consultation, StoreError>
    where
        F: FnOnce(&mut Consultation) -> Result<(), DomainError>,
    {
        let (txn, before) = self.lock_for_change(id).await?;
        let mut after = before.clone();
        change(&mut after)?;
        record_change(txn, id, actor, action, now, &before, &after).await?;
        Ok(after)
    }

    /// Like [`Store::change_consultation`], for a change decided on the consultation's comments
    /// counted by answering status and on its hearings (the deliberation gate), both read
    /// inside the transaction.
    pub async fn change_consultation_counted<F>(
        &self,
        id: &str,
        actor: &str,
        action: &'static str,
        now: DateTime<Utc>,
        change: F,
    ) -> Result<Consultation, StoreError>
    where
        F: FnOnce(&mut Consultation, &AnsweringTally, &[Hearing]) -> Result<(), DomainError>,
    {
        let (txn, before) = self.lock_for_change(id).await?;
        let tally = crate::counting::tally(&*txn, id).await?;
        let hearings = crate::hearings::hearings_of(&*txn, id, &self.keys).await?;
        let mut after = before.clone();
        change(&mut after, &tally, &hearings)?;
        record_change(txn, id, actor, action, now, &before, &after).await?;
        Ok(after)
    }

    /// A write transaction holding consultation `id`'s row, and the consultation.
    async fn lock_for_change(&self, id: &str) -> Result<(WriteTxn, Consultation), StoreError> {
        let txn = self.begin_write().await?;
        let row = lock_consultations(&txn, [id], RowLock::Update)
            .await?
            .pop()
            .ok_or_else(|| not_found(id))?;
        Ok((txn, from_row(row)?))
    }

    /// One page of consultations visible in `scope`, newest first, after the id `after`.
    pub async fn list_consultations(
        &self,
        scope: &ListScope,
        filter: &ConsultationFilter,
        after: Option<&str>,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Consultation>, StoreError> {
        let mut q = consultation::Entity::find();
        q = match scope {
            ListScope::All => q,
            ListScope::Published => q.filter(Column::PublishedAt.is_not_null()),
            ListScope::PublishedOrDepartment(d) => q.filter(
                Condition::any()
                    .add(Column::PublishedAt.is_not_null())
                    .add(Column::Department.eq(d.clone())),
            ),
        };
        let scheduled = ConsultationState::Scheduled.code();
        q = match filter.state {
            None => q,
            // OPEN is SCHEDULED whose opening time has come (see Consultation::state).
            Some(ConsultationState::Open) => q
                .filter(Column::State.eq(scheduled))
                .filter(Column::OpensAt.lte(now)),
            Some(ConsultationState::Scheduled) => q
                .filter(Column::State.eq(scheduled))
                .filter(Column::OpensAt.gt(now)),
            Some(s) => q.filter(Column::State.eq(s.code())),
        };
        if let Some(k) = filter.kind {
            q = q.filter(Column::Kind.eq(k.code()));
        }
        if let Some(d) = &filter.department {
            q = q.filter(Column::Department.eq(d.clone()));
        }
        if let Some(a) = after {
            q = q.filter(Column::Id.lt(a.to_owned()));
        }
        let rows = q
            .order_by_desc(Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter().map(from_row).collect()
    }
}

/// Writes a changed consultation with its audit event and commits.
async fn record_change(
    txn: WriteTxn,
    id: &str,
    actor: &str,
    action: &'static str,
    now: DateTime<Utc>,
    before: &Consultation,
    after: &Consultation,
) -> Result<(), StoreError> {
    // Every column is written: the row is the domain value, not a patch.
    update_consultation(&txn, before, after).await?;
    audit::append(
        &*txn,
        AuditRecord {
            consultation_id: Some(id.to_owned()),
            actor: actor.to_owned(),
            action,
            subject: format!("consultations/{id}"),
            before: to_json(before),
            after: to_json(after),
            occurred_at: now,
        },
    )
    .await?;
    txn.commit().await
}
