//! The figures of the yearly account of public participation (see
//! `consult_domain::accountability`), read from the consultations, their answering counts,
//! hearings and meetings of a year: never from the comments one by one.

use chrono::{DateTime, Utc};
use consult_domain::DomainError;
use consult_domain::accountability::{
    ConsultationFigures, YearlyAccount, account_year, year_bounds,
};
use consult_domain::hearing::HearingStage;
use consult_domain::meeting::MeetingKind;
use consult_domain::window::local_date;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{consultation, hearing, meeting};
use crate::{Store, StoreError, corrupt};

impl Store {
    /// The account of local year `year` as it stands at `now`: every registered department,
    /// and any other department with a consultation, hearing or meeting in the year.
    pub async fn yearly_account(
        &self,
        year: i32,
        now: DateTime<Utc>,
    ) -> Result<YearlyAccount, StoreError> {
        let (start, end) = year_bounds(year)
            .ok_or_else(|| DomainError::invalid("year", "年度无效 (the year is out of range)"))?;
        let departments: Vec<String> = self
            .departments()
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect();

        type Published = (String, String, Option<String>, Option<DateTime<Utc>>);
        let published: Vec<Published> = consultation::Entity::find()
            .select_only()
            .column(consultation::Column::Id)
            .column(consultation::Column::Department)
            .column(consultation::Column::FeedbackDueOn)
            .column(consultation::Column::FeedbackPublishedAt)
            .filter(consultation::Column::PublishedAt.gte(start))
            .filter(consultation::Column::PublishedAt.lt(end))
            .order_by_asc(consultation::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut consultations = Vec::with_capacity(published.len());
        for (id, department, due, published_at) in published {
            // A few rows per consultation, whatever its number of comments.
            let tally = crate::counting::tally(&self.db, &id).await?;
            let mut by_outcome = std::collections::BTreeMap::new();
            for r in tally.rows.iter().filter(|r| r.hide_reason.is_none()) {
                if let Some(o) = r.outcome {
                    *by_outcome.entry(o).or_default() += r.count;
                }
            }
            consultations.push(ConsultationFigures {
                department,
                received: tally.received(),
                by_outcome,
                feedback_due_on: due
                    .as_deref()
                    .map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d"))
                    .transpose()
                    .map_err(corrupt)?,
                feedback_published_at: published_at,
            });
        }

        let mut hearings_held = Vec::new();
        let held: Vec<hearing::Model> = hearing::Entity::find()
            .filter(hearing::Column::HeldAt.gte(start))
            .filter(hearing::Column::HeldAt.lt(end))
            .all(&self.db)
            .await?;
        for row in held {
            let cid = row.consultation_id.clone();
            let h = crate::hearings::from_row(row, &self.keys)?;
            if h.stage(now) >= HearingStage::Held {
                hearings_held.push(self.consultation(&cid).await?.department);
            }
        }
        let attended_meetings: Vec<String> = meeting::Entity::find()
            .select_only()
            .column(meeting::Column::Department)
            .filter(meeting::Column::Kind.eq(MeetingKind::DecisionMeeting.code()))
            .filter(meeting::Column::HeldAt.gte(start))
            .filter(meeting::Column::HeldAt.lt(end))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(account_year(
            year,
            &departments,
            &consultations,
            &hearings_held,
            &attended_meetings,
            local_date(now),
        ))
    }
}
