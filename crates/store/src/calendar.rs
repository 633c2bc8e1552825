//! Holiday notices loaded at run time: stored so that every replica knows the year, and the
//! due dates that were waiting for it stored in the same transaction.

use chrono::{DateTime, Utc};
use consult_domain::calendar::Notice;
use consult_domain::{Consultation, ConsultationState};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::audit::{self, AuditRecord, to_json};
use crate::consultations::from_row;
use crate::entity::{calendar_year, consultation};
use crate::write::{RowLock, lock_consultations, update_consultation};
use crate::{Store, StoreError};

/// A notice loaded at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedYear {
    /// The year.
    pub year: i32,
    /// The notice's text.
    pub notice: String,
    /// Who loaded it.
    pub loaded_by: String,
    /// When.
    pub loaded_at: DateTime<Utc>,
}

/// What loading a year did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearLoaded {
    /// Whether it replaced a notice of the same year.
    pub replaced: bool,
    /// Decided consultations whose due date it confirmed.
    pub confirmed: Vec<String>,
}

impl Store {
    /// Stores `notice` (its text `text`) for its year, replacing an earlier one, with its
    /// `calendar.load` event; then gives every decided consultation still waiting for a due
    /// date the one `confirm` computes (with the calendar that includes the year), each with
    /// its audit event, in the same transaction.
    pub async fn load_calendar_year<F>(
        &self,
        notice: &Notice,
        text: &str,
        actor: &str,
        now: DateTime<Utc>,
        confirm: F,
    ) -> Result<YearLoaded, StoreError>
    where
        F: Fn(&mut Consultation) -> bool,
    {
        let txn = self.begin_write().await?;
        let before = calendar_year::Entity::find_by_id(notice.year)
            .one(&*txn)
            .await?;
        calendar_year::Entity::insert(calendar_year::ActiveModel {
            year: Set(notice.year),
            notice: Set(text.to_owned()),
            loaded_by: Set(actor.to_owned()),
            loaded_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(calendar_year::Column::Year)
                .update_columns([
                    calendar_year::Column::Notice,
                    calendar_year::Column::LoadedBy,
                    calendar_year::Column::LoadedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&*txn)
        .await?;
        // Decided, no due date yet: few (those decided while a year was missing).
        let waiting: Vec<String> = consultation::Entity::find()
            .filter(consultation::Column::State.eq(ConsultationState::Decided.code()))
            .filter(consultation::Column::FeedbackDueOn.is_null())
            .order_by_asc(consultation::Column::Id)
            .all(&*txn)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let mut confirmed = Vec::new();
        let mut audits = Vec::new();
        for row in
            lock_consultations(&txn, waiting.iter().map(String::as_str), RowLock::Update).await?
        {
            let before = from_row(row)?;
            let mut after = before.clone();
            if !confirm(&mut after) {
                continue;
            }
            update_consultation(&txn, &before, &after).await?;
            audits.push(AuditRecord {
                consultation_id: Some(after.id.clone()),
                actor: actor.to_owned(),
                action: "consultation.confirm_due",
                subject: format!("consultations/{}", after.id),
                before: to_json(&before),
                after: to_json(&after),
                occurred_at: now,
            });
            confirmed.push(after.id);
        }
        let mut events = vec![AuditRecord {
            consultation_id: None,
            actor: actor.to_owned(),
            action: "calendar.load",
            subject: format!("calendarYears/{}", notice.year),
            before: before.as_ref().and_then(|b| to_json(&b.notice)),
            after: to_json(&serde_json::json!({
                "year": notice.year,
                "days": notice.days.len(),
                "confirmed": confirmed,
            })),
            occurred_at: now,
        }];
        events.extend(audits);
        audit::append_all(&*txn, events).await?;
        txn.commit().await?;
        Ok(YearLoaded {
            replaced: before.is_some(),
            confirmed,
        })
    }

    /// The notices loaded at run time, by year.
    pub async fn calendar_years(&self) -> Result<Vec<LoadedYear>, StoreError> {
        Ok(calendar_year::Entity::find()
            .order_by_asc(calendar_year::Column::Year)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| LoadedYear {
                year: m.year,
                notice: m.notice,
                loaded_by: m.loaded_by,
                loaded_at: m.loaded_at,
            })
            .collect())
    }
}
