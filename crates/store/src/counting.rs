//! Answering counted by the database: one `GROUP BY` over the answering index, the groups'
//! outcomes and a few example ids, from which the domain makes its [`AnsweringTally`], whatever
//! the number of comments.

use std::collections::HashMap;

use consult_domain::answering::tally::{AnsweringTally, StoredCount};
use consult_domain::answering::{HideReason, LISTED_IDS, Outcome};
use consult_domain::{Channel, SubmitterCategory};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{comment, opinion_group};
use crate::{Store, StoreError, corrupt};

/// The visible, ungrouped, unanswered comments: exactly the condition of the partial index
/// `idx_comments_unanswered`, which a query must repeat to use it.
pub(crate) fn unanswered_condition() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(comment::Column::HideReason.is_null())
        .add(comment::Column::GroupId.is_null())
        .add(comment::Column::Outcome.is_null())
}

fn code<T>(parse: fn(&str) -> Option<T>, code: &str) -> Result<T, StoreError> {
    parse(code).ok_or_else(|| corrupt(format!("unknown code {code}")))
}

fn optional<T>(parse: fn(&str) -> Option<T>, c: Option<String>) -> Result<Option<T>, StoreError> {
    c.map(|c| code(parse, &c)).transpose()
}

/// Counts the comments of `consultation_id` by answering status.
pub(crate) async fn tally<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
) -> Result<AnsweringTally, StoreError> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
    );
    // Grouped by the index's own column order, so that it is read in order and never sorted.
    let rows: Vec<Row> = comment::Entity::find()
        .select_only()
        .column(comment::Column::HideReason)
        .column(comment::Column::GroupId)
        .column(comment::Column::Outcome)
        .column(comment::Column::SubmitterCategory)
        .column(comment::Column::Channel)
        .column_as(comment::Column::Id.count(), "n")
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .group_by(comment::Column::HideReason)
        .group_by(comment::Column::GroupId)
        .group_by(comment::Column::Outcome)
        .group_by(comment::Column::SubmitterCategory)
        .group_by(comment::Column::Channel)
        .into_tuple()
        .all(db)
        .await?;
    let mut group_outcomes = HashMap::new();
    for (id, outcome) in opinion_group::Entity::find()
        .select_only()
        .column(opinion_group::Column::Id)
        .column(opinion_group::Column::Outcome)
        .filter(opinion_group::Column::ConsultationId.eq(consultation_id))
        .into_tuple::<(String, Option<String>)>()
        .all(db)
        .await?
    {
        group_outcomes.insert(id, optional(Outcome::from_code, outcome)?);
    }

    let mut stored = Vec::with_capacity(rows.len());
    for (hide_reason, group_id, own_outcome, category, channel, n) in rows {
        stored.push(StoredCount {
            hide_reason: optional(HideReason::from_code, hide_reason)?,
            group_id,
            own_outcome: optional(Outcome::from_code, own_outcome)?,
            submitter_category: code(SubmitterCategory::from_code, &category)?,
            channel: code(Channel::from_code, &channel)?,
            count: u64::try_from(n).map_err(corrupt)?,
        });
    }
    let unanswered_sample = comment::Entity::find()
        .select_only()
        .column(comment::Column::Id)
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .filter(unanswered_condition())
        .order_by_asc(comment::Column::Id)
        .limit(LISTED_IDS as u64 + 1)
        .into_tuple::<String>()
        .all(db)
        .await?;

    Ok(AnsweringTally::count(
        stored,
        &group_outcomes,
        unanswered_sample,
    ))
}

impl Store {
    /// A consultation's comments counted by answering status.
    pub async fn answering_tally(
        &self,
        consultation_id: &str,
    ) -> Result<AnsweringTally, StoreError> {
        tally(&self.db, consultation_id).await
    }
}
