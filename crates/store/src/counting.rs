//! Answering counted by the database: the maintained counts of a consultation's comments per
//! answering status (a few rows, kept by every change in the same transaction), the groups'
//! outcomes and a few example ids, from which the domain makes its [`AnsweringTally`], whatever
//! the number of comments. (The e2e suite checks the kept counts against a `GROUP BY` over the
//! comments.)

use std::collections::{BTreeMap, HashMap};

use consult_domain::answering::tally::{AnsweringTally, StoredCount};
use consult_domain::answering::{HideReason, LISTED_IDS, Outcome};
use consult_domain::{Channel, Comment, SubmitterCategory};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entity::{answering_count, comment, opinion_group};
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

/// The answering columns that place a comment in [`answering_counts`]: hide reason, group,
/// own outcome, category and channel, each `''` when absent (as the table stores them).
///
/// [`answering_counts`]: crate::entity::answering_count
pub(crate) type CountKey = (String, String, String, String, String);

/// Changes to a consultation's maintained counts, gathered while a transaction changes its
/// comments and written once before it commits.
#[derive(Debug, Default)]
pub(crate) struct CountChanges(BTreeMap<(String, CountKey), i64>);

impl CountChanges {
    /// `n` more comments of `consultation_id` stand at `key` (fewer when negative).
    pub(crate) fn add(&mut self, consultation_id: &str, key: CountKey, n: i64) {
        *self.0.entry((consultation_id.to_owned(), key)).or_default() += n;
    }

    /// A comment moved from `from` to `to`.
    pub(crate) fn moved(&mut self, consultation_id: &str, from: CountKey, to: CountKey) {
        if from != to {
            self.add(consultation_id, from, -1);
            self.add(consultation_id, to, 1);
        }
    }

    /// Writes the changes, in key order: transactions that change the same counts take their
    /// row locks in one order and wait for one another instead of deadlocking. Written last in
    /// a transaction, so that the locks are held only until its commit.
    pub(crate) async fn write(self, txn: &DatabaseTransaction) -> Result<(), StoreError> {
        let changes: Vec<_> = self.0.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in changes.chunks(COUNT_ROWS_PER_STATEMENT) {
            let mut insert = Query::insert();
            insert
                .into_table(answering_count::Entity)
                .columns(KEY_COLUMNS.into_iter().chain([answering_count::Column::N]));
            for ((cid, (hide, group, outcome, category, channel)), n) in chunk {
                insert.values_panic([
                    cid.clone().into(),
                    hide.clone().into(),
                    group.clone().into(),
                    outcome.clone().into(),
                    category.clone().into(),
                    channel.clone().into(),
                    (*n).into(),
                ]);
            }
            insert.on_conflict(
                OnConflict::columns(KEY_COLUMNS)
                    .value(
                        answering_count::Column::N,
                        Expr::cust("answering_counts.n + excluded.n"),
                    )
                    .to_owned(),
            );
            let backend = txn.get_database_backend();
            txn.execute_raw(backend.build(&insert)).await?;
        }
        Ok(())
    }
}

/// The primary key of `answering_counts`, in its order.
const KEY_COLUMNS: [answering_count::Column; 6] = [
    answering_count::Column::ConsultationId,
    answering_count::Column::HideReason,
    answering_count::Column::GroupId,
    answering_count::Column::Outcome,
    answering_count::Column::SubmitterCategory,
    answering_count::Column::Channel,
];

/// Rows per upsert of counts: 7 values each, far below either database's bound-value limit.
const COUNT_ROWS_PER_STATEMENT: usize = 500;

/// The count key of a comment's stored columns.
pub(crate) fn key_of(
    hide_reason: Option<&str>,
    group_id: Option<&str>,
    outcome: Option<&str>,
    submitter_category: &str,
    channel: &str,
) -> CountKey {
    (
        hide_reason.unwrap_or_default().to_owned(),
        group_id.unwrap_or_default().to_owned(),
        outcome.unwrap_or_default().to_owned(),
        submitter_category.to_owned(),
        channel.to_owned(),
    )
}

/// The count key of a comment as the domain holds it.
pub(crate) fn comment_key(c: &Comment) -> CountKey {
    key_of(
        c.moderation.as_ref().map(|m| m.reason.code()),
        c.group_id.as_deref(),
        c.disposition.as_ref().map(|d| d.answer.outcome.code()),
        c.body.submitter_category.code(),
        c.body.channel.code(),
    )
}

fn present(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The maintained counts of `consultation_id` that are not zero.
async fn counts<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
) -> Result<Vec<(CountKey, i64)>, StoreError> {
    Ok(answering_count::Entity::find()
        .select_only()
        .column(answering_count::Column::HideReason)
        .column(answering_count::Column::GroupId)
        .column(answering_count::Column::Outcome)
        .column(answering_count::Column::SubmitterCategory)
        .column(answering_count::Column::Channel)
        .column(answering_count::Column::N)
        .filter(answering_count::Column::ConsultationId.eq(consultation_id))
        .filter(answering_count::Column::N.ne(0))
        .into_tuple::<(String, String, String, String, String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(h, g, o, cat, ch, n)| ((h, g, o, cat, ch), n))
        .collect())
}

/// Counts the comments of `consultation_id` by answering status, from the maintained counts.
pub(crate) async fn tally<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
) -> Result<AnsweringTally, StoreError> {
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

    let counted = counts(db, consultation_id).await?;
    let mut stored = Vec::with_capacity(counted.len());
    for ((hide_reason, group_id, own_outcome, category, channel), n) in counted {
        stored.push(StoredCount {
            hide_reason: optional(HideReason::from_code, present(hide_reason))?,
            group_id: present(group_id),
            own_outcome: optional(Outcome::from_code, present(own_outcome))?,
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
