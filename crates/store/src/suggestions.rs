//! Suggested concentrated opinions kept in the database: computed from scratch by reading a
//! consultation's comments a page at a time (texts are turned into signatures as they are read
//! and dropped), stored as `suggestions` rows with each member's `comments.suggestion_id`, and
//! decided on by officers with set-based statements — accepting a campaign of any size reads
//! counts and ids, never whole comments.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use consult_domain::answering::OpinionGroup;
use consult_domain::answering::bulk::{Affected, AffectedDigest};
use consult_domain::events::AuditPayload;
use consult_domain::similarity::{self, Phrases, Signature};
use consult_domain::suggestion::{
    MemberCensus, SUGGESTION_MIN_MEMBERS, SUGGESTION_OUTLIERS, Suggestion, SuggestionState,
};
use consult_domain::{Comment, Consultation, DomainError};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::answering::{group_from_row, group_to_row};
use crate::audit::{self, AuditRecord};
use crate::bulk::record_revisions;
use crate::comments::from_row as comment_from_row;
use crate::consultations::from_row as consultation_from_row;
use crate::counting::{CountChanges, key_of};
use crate::entity::{comment, consultation, opinion_group, suggestion};
use crate::operations::{OperationOutcome, OperationRun};
use crate::write::{RowLock, lock_consultations};
use crate::{Store, StoreError, corrupt};

/// Comments read per statement while computing, and ids per page while digesting.
pub(crate) const PAGE: u64 = 5_000;
/// Ids bound per statement.
pub(crate) const CHUNK: usize = 500;

/// What a computation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuggestionsComputed {
    /// Comments compared.
    pub compared: u64,
    /// Suggestions found.
    pub suggestions: u64,
    /// Comments in them.
    pub suggested: u64,
}

/// A suggestion with what an officer needs to judge it.
#[derive(Debug, Clone)]
pub struct SuggestionDetail {
    /// The suggestion.
    pub suggestion: Suggestion,
    /// Its representative comment, if still there.
    pub representative: Option<Comment>,
    /// The members least like it.
    pub outliers: Vec<Comment>,
    /// Visible members per channel code.
    pub channels: Vec<(String, u64)>,
    /// Visible members per submitter category code.
    pub categories: Vec<(String, u64)>,
    /// Texts carried identically by several visible members from one submitter, most repeated
    /// first (at most [`REPEATED_SHOWN`]).
    pub repeated: Vec<RepeatedText>,
    /// Contacts shared by several visible members, the most shared first (at most
    /// [`REPEATED_SHOWN`]); the contacts themselves stay sealed.
    pub shared_contacts: Vec<SharedContact>,
}

/// Several members sent with one contact (told apart by its keyed digest, never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedContact {
    /// How many members.
    pub count: u64,
    /// When the first was received.
    pub first: DateTime<Utc>,
    /// When the last was received.
    pub last: DateTime<Utc>,
}

/// A repeated text as counted: text, submitter, count, first and last receipt.
type RepeatedRow = (String, String, i64, DateTime<Utc>, DateTime<Utc>);

/// Repeated texts shown per suggestion.
const REPEATED_SHOWN: u64 = 5;

/// One text carried identically by several members from one submitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedText {
    /// The text.
    pub content: String,
    /// Who submitted them (a calling system or an officer).
    pub submitted_by: String,
    /// How many.
    pub count: u64,
    /// When the first was received.
    pub first: DateTime<Utc>,
    /// When the last was received.
    pub last: DateTime<Utc>,
}

/// Where an accepted suggestion's members go.
#[derive(Debug, Clone)]
pub enum AcceptInto {
    /// A new group with this id.
    NewGroup(String),
    /// An existing group.
    Group(String),
}

fn from_row(m: suggestion::Model) -> Result<Suggestion, StoreError> {
    Ok(Suggestion {
        state: SuggestionState::from_code(&m.state)
            .ok_or_else(|| corrupt(format!("suggestion {} state {}", m.id, m.state)))?,
        members: u64::try_from(m.members).unwrap_or(0),
        outlier_ids: serde_json::from_str(&m.outlier_ids).map_err(corrupt)?,
        id: m.id,
        consultation_id: m.consultation_id,
        representative_id: m.representative_id,
        similarity_low: m.similarity_low,
        similarity_median: m.similarity_median,
        opinion_group_id: m.opinion_group_id,
        decided_by: m.decided_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn to_row(s: &Suggestion) -> suggestion::ActiveModel {
    suggestion::ActiveModel {
        id: Set(s.id.clone()),
        consultation_id: Set(s.consultation_id.clone()),
        state: Set(s.state.code().to_owned()),
        members: Set(i64::try_from(s.members).unwrap_or(i64::MAX)),
        representative_id: Set(s.representative_id.clone()),
        similarity_low: Set(s.similarity_low),
        similarity_median: Set(s.similarity_median),
        outlier_ids: Set(serde_json::to_string(&s.outlier_ids).unwrap_or_else(|_| "[]".into())),
        opinion_group_id: Set(s.opinion_group_id.clone()),
        decided_by: Set(s.decided_by.clone()),
        created_at: Set(s.created_at),
        updated_at: Set(s.updated_at),
    }
}

/// Writes the decided fields of `s` (state, members, group, who, when, shape).
async fn update_row(txn: &DatabaseTransaction, s: &Suggestion) -> Result<(), StoreError> {
    suggestion::Entity::update_many()
        .col_expr(suggestion::Column::State, Expr::value(s.state.code()))
        .col_expr(
            suggestion::Column::Members,
            Expr::value(i64::try_from(s.members).unwrap_or(i64::MAX)),
        )
        .col_expr(
            suggestion::Column::OpinionGroupId,
            Expr::value(s.opinion_group_id.clone()),
        )
        .col_expr(
            suggestion::Column::DecidedBy,
            Expr::value(s.decided_by.clone()),
        )
        .col_expr(
            suggestion::Column::RepresentativeId,
            Expr::value(s.representative_id.clone()),
        )
        .col_expr(
            suggestion::Column::SimilarityLow,
            Expr::value(s.similarity_low),
        )
        .col_expr(
            suggestion::Column::SimilarityMedian,
            Expr::value(s.similarity_median),
        )
        .col_expr(
            suggestion::Column::OutlierIds,
            Expr::value(serde_json::to_string(&s.outlier_ids).map_err(corrupt)?),
        )
        .col_expr(suggestion::Column::UpdatedAt, Expr::value(s.updated_at))
        .filter(suggestion::Column::Id.eq(s.id.clone()))
        .exec(txn)
        .await?;
    Ok(())
}

/// The column counting officers' changes to a consultation's suggestions (migration 22; not in
/// the entity, which the rest of the store reads and writes whole).
pub(crate) const SUGGESTIONS_REVISION: &str = "suggestions_revision";

/// A page of the comments of `consultation_id` that suggestions compare (visible, ungrouped),
/// after the id `after`, in id order: id, text and suggestion. With `compared_only`, those
/// awaiting comparison are left out.
pub(crate) async fn comparable_page<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
    after: Option<&str>,
    compared_only: bool,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let mut q = comment::Entity::find()
        .select_only()
        .column(comment::Column::Id)
        .column(comment::Column::Content)
        .column(comment::Column::SuggestionId)
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .filter(comment::Column::HideReason.is_null())
        .filter(comment::Column::GroupId.is_null());
    if compared_only {
        q = q.filter(comment::Column::AwaitingComparison.eq(false));
    }
    if let Some(a) = after {
        q = q.filter(comment::Column::Id.gt(a));
    }
    Ok(q.order_by_asc(comment::Column::Id)
        .limit(PAGE)
        .into_tuple()
        .all(db)
        .await?)
}

/// Counts an officer's change to the suggestions of `consultation_id` (see
/// [`Store::suggestions_revision`]).
pub(crate) async fn revised(
    txn: &DatabaseTransaction,
    consultation_id: &str,
) -> Result<(), StoreError> {
    let update = Query::update()
        .table(consultation::Entity)
        .value(
            sea_orm::sea_query::Alias::new(SUGGESTIONS_REVISION),
            Expr::cust(format!("{SUGGESTIONS_REVISION} + 1")),
        )
        .and_where(consultation::Column::Id.eq(consultation_id))
        .to_owned();
    txn.execute(&update).await?;
    Ok(())
}

pub(crate) async fn locked(
    txn: &DatabaseTransaction,
    consultation_id: &str,
) -> Result<Consultation, StoreError> {
    let row = lock_consultations(txn, [consultation_id], RowLock::Update)
        .await?
        .pop()
        .ok_or_else(|| DomainError::not_found(format!("consultations/{consultation_id}")))?;
    consultation_from_row(row)
}

async fn load<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
    id: &str,
) -> Result<Suggestion, StoreError> {
    let row = suggestion::Entity::find_by_id(id.to_owned())
        .filter(suggestion::Column::ConsultationId.eq(consultation_id))
        .one(db)
        .await?
        .ok_or_else(|| {
            DomainError::not_found(format!("consultations/{consultation_id}/suggestions/{id}"))
        })?;
    from_row(row)
}

#[derive(Debug, FromQueryResult)]
struct CensusRow {
    members: i64,
    hidden: Option<i64>,
    grouped: Option<i64>,
    conflicting: Option<i64>,
}

/// Counts what became of the members of `suggestion_id`; `conflicting` against `outcome`.
async fn census(
    txn: &DatabaseTransaction,
    suggestion_id: &str,
    outcome: Option<&str>,
) -> Result<MemberCensus, StoreError> {
    // `outcome` is a code of the closed vocabulary, never input: written in place.
    let conflicting = match outcome {
        Some(o) if o.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') => Expr::cust(format!(
            "SUM(CASE WHEN outcome IS NOT NULL AND outcome <> '{o}' AND hide_reason IS NULL \
             AND group_id IS NULL THEN 1 ELSE 0 END)"
        )),
        Some(o) => return Err(corrupt(format!("outcome code {o}"))),
        None => Expr::cust("CAST(0 AS BIGINT)"),
    };
    let row = comment::Entity::find()
        .select_only()
        .expr_as(Expr::cust("COUNT(*)"), "members")
        .expr_as(
            Expr::cust("SUM(CASE WHEN hide_reason IS NOT NULL THEN 1 ELSE 0 END)"),
            "hidden",
        )
        .expr_as(
            Expr::cust(
                "SUM(CASE WHEN hide_reason IS NULL AND group_id IS NOT NULL THEN 1 ELSE 0 END)",
            ),
            "grouped",
        )
        .expr_as(conflicting, "conflicting")
        .filter(comment::Column::SuggestionId.eq(suggestion_id))
        .into_model::<CensusRow>()
        .one(txn)
        .await?
        .ok_or_else(|| corrupt("census without a row"))?;
    let n = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
    Ok(MemberCensus {
        members: n(Some(row.members)),
        hidden: n(row.hidden),
        grouped: n(row.grouped),
        conflicting: n(row.conflicting),
    })
}

/// The members of `suggestion_id` that can join a group.
fn available(suggestion_id: &str) -> Condition {
    Condition::all()
        .add(comment::Column::SuggestionId.eq(suggestion_id))
        .add(comment::Column::HideReason.is_null())
        .add(comment::Column::GroupId.is_null())
}

/// Digests the ids matching `condition` in ascending order, a page at a time.
async fn digest(txn: &DatabaseTransaction, condition: Condition) -> Result<Affected, StoreError> {
    let mut digest = AffectedDigest::default();
    let mut after: Option<String> = None;
    loop {
        let mut q = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .filter(condition.clone());
        if let Some(a) = &after {
            q = q.filter(comment::Column::Id.gt(a.as_str()));
        }
        let ids: Vec<String> = q
            .order_by_asc(comment::Column::Id)
            .limit(PAGE)
            .into_tuple()
            .all(txn)
            .await?;
        for id in &ids {
            digest.push(id);
        }
        match ids.last() {
            Some(last) if ids.len() as u64 == PAGE => after = Some(last.clone()),
            _ => break,
        }
    }
    Ok(digest.finish())
}

/// Appends the audit event `payload` of `action` on `subject` in `txn`.
pub(crate) async fn audited(
    txn: &DatabaseTransaction,
    consultation_id: &str,
    actor: &str,
    action: &'static str,
    subject: String,
    payload: &AuditPayload,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    audit::append(
        txn,
        AuditRecord {
            consultation_id: Some(consultation_id.to_owned()),
            actor: actor.to_owned(),
            action,
            subject,
            before: None,
            after: audit::to_json(payload),
            occurred_at: now,
        },
    )
    .await
}

impl Store {
    /// Computes the suggestions of `consultation_id` from scratch: the visible, ungrouped
    /// comments that are in no dismissed suggestion are compared, and the open suggestions are
    /// replaced by what is found. `check` decides, under the consultation's lock, whether it
    /// may be done.
    pub async fn compute_suggestions<F>(
        &self,
        consultation_id: &str,
        actor: &str,
        now: DateTime<Utc>,
        run: Option<&OperationRun>,
        check: F,
    ) -> Result<SuggestionsComputed, StoreError>
    where
        F: Fn(&Consultation) -> Result<(), DomainError>,
    {
        // Refused early, before the long read.
        let row = consultation::Entity::find_by_id(consultation_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("consultations/{consultation_id}")))?;
        check(&consultation_from_row(row)?)?;

        let dismissed: HashSet<String> = suggestion::Entity::find()
            .select_only()
            .column(suggestion::Column::Id)
            .filter(suggestion::Column::ConsultationId.eq(consultation_id))
            .filter(suggestion::Column::State.eq(SuggestionState::Dismissed.code()))
            .into_tuple::<String>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut ids: Vec<String> = Vec::new();
        let mut signatures: Vec<Signature> = Vec::new();
        let mut phrases: Vec<Phrases> = Vec::new();
        let mut after: Option<String> = None;
        // The last comparable comment read: everything up to it has now been compared.
        let mut read_through: Option<String> = None;
        loop {
            let rows = comparable_page(&self.db, consultation_id, after.as_deref(), false).await?;
            for (id, content, in_suggestion) in &rows {
                if in_suggestion
                    .as_ref()
                    .is_some_and(|s| dismissed.contains(s))
                {
                    continue;
                }
                let chars = similarity::normalise(content);
                signatures.push(Signature::of_normalised(&chars));
                phrases.push(Phrases::of_normalised(&chars));
                ids.push(id.clone());
            }
            if let Some(run) = run {
                run.advance_local(rows.len() as u64)?;
            }
            if let Some(last) = rows.last() {
                read_through = Some(last.0.clone());
            }
            match rows.last() {
                Some(last) if rows.len() as u64 == PAGE => after = Some(last.0.clone()),
                _ => break,
            }
        }
        // Seconds of work on every core at a million comments: off the async workers.
        let (labels, signatures) = tokio::task::spawn_blocking(move || {
            let labels = similarity::cluster_with_phrases(&signatures, &phrases);
            (labels, signatures)
        })
        .await
        .map_err(|e| match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => StoreError::Cancelled,
        })?;
        let mut clusters: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, label) in labels.iter().enumerate() {
            clusters.entry(*label).or_default().push(i);
        }
        clusters.retain(|_, members| members.len() as u64 >= SUGGESTION_MIN_MEMBERS);
        let found: Vec<(Suggestion, Vec<usize>)> = clusters
            .into_values()
            .map(|members| {
                let sigs: Vec<&Signature> = members.iter().map(|&i| &signatures[i]).collect();
                let shape = similarity::shape(&sigs, SUGGESTION_OUTLIERS);
                let s = Suggestion {
                    id: ulid::Ulid::new().to_string(),
                    consultation_id: consultation_id.to_owned(),
                    state: SuggestionState::Open,
                    members: members.len() as u64,
                    representative_id: ids[members[shape.representative]].clone(),
                    similarity_low: shape.low,
                    similarity_median: shape.median,
                    outlier_ids: shape
                        .outliers
                        .iter()
                        .map(|&k| ids[members[k]].clone())
                        .collect(),
                    opinion_group_id: None,
                    decided_by: None,
                    created_at: now,
                    updated_at: now,
                };
                (s, members)
            })
            .collect();
        drop(signatures);

        let txn = self.begin_write().await?;
        let consultation = locked(&txn, consultation_id).await?;
        check(&consultation)?;
        let open = Query::select()
            .column(suggestion::Column::Id)
            .from(suggestion::Entity)
            .and_where(suggestion::Column::ConsultationId.eq(consultation_id))
            .and_where(suggestion::Column::State.eq(SuggestionState::Open.code()))
            .to_owned();
        comment::Entity::update_many()
            .col_expr(
                comment::Column::SuggestionId,
                Expr::value(Option::<String>::None),
            )
            .filter(comment::Column::SuggestionId.in_subquery(open))
            .exec(&*txn)
            .await?;
        let replaced = suggestion::Entity::delete_many()
            .filter(suggestion::Column::ConsultationId.eq(consultation_id))
            .filter(suggestion::Column::State.eq(SuggestionState::Open.code()))
            .exec(&*txn)
            .await?
            .rows_affected;
        let mut suggested = 0u64;
        for (s, members) in &found {
            suggestion::Entity::insert(to_row(s)).exec(&*txn).await?;
            let member_ids: Vec<String> = members.iter().map(|&i| ids[i].clone()).collect();
            for chunk in member_ids.chunks(CHUNK) {
                // Comments hidden or grouped during the read stay out.
                suggested += comment::Entity::update_many()
                    .col_expr(comment::Column::SuggestionId, Expr::value(s.id.clone()))
                    .filter(comment::Column::ConsultationId.eq(consultation_id))
                    .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
                    .filter(comment::Column::HideReason.is_null())
                    .filter(comment::Column::GroupId.is_null())
                    .exec(&*txn)
                    .await?
                    .rows_affected;
            }
        }
        if suggested != found.iter().map(|(s, _)| s.members).sum::<u64>() {
            // Some changed during the read: the sizes are counted again.
            for (s, _) in &found {
                let n = comment::Entity::find()
                    .filter(comment::Column::SuggestionId.eq(s.id.clone()))
                    .count(&*txn)
                    .await?;
                let mut s = s.clone();
                s.members = n;
                update_row(&txn, &s).await?;
            }
        }
        if let Some(through) = &read_through {
            crate::assigning::mark_compared_through(&txn, consultation_id, through).await?;
        }
        let computed = SuggestionsComputed {
            compared: ids.len() as u64,
            suggestions: found.len() as u64,
            suggested,
        };
        let payload = consult_domain::suggestion::computed(
            computed.compared,
            replaced,
            computed.suggestions,
            computed.suggested,
        );
        audited(
            &txn,
            consultation_id,
            actor,
            "suggestion.compute",
            format!("consultations/{consultation_id}"),
            &payload,
            now,
        )
        .await?;
        if let Some(run) = run {
            let outcome = OperationOutcome::SuggestionsComputed {
                compared: computed.compared,
                suggestions: computed.suggestions,
                suggested: computed.suggested,
            };
            run.finish_in(&txn, &outcome, now).await?;
        }
        revised(&txn, consultation_id).await?;
        txn.commit().await?;
        Ok(computed)
    }

    /// A page of the suggestions of `consultation_id` in `state` (any when `None`), largest
    /// first, after the position `after` (members, id) of a previous page.
    pub async fn list_suggestions(
        &self,
        consultation_id: &str,
        state: Option<SuggestionState>,
        after: Option<(u64, String)>,
        limit: u64,
    ) -> Result<Vec<Suggestion>, StoreError> {
        let mut q = suggestion::Entity::find()
            .filter(suggestion::Column::ConsultationId.eq(consultation_id));
        if let Some(state) = state {
            q = q.filter(suggestion::Column::State.eq(state.code()));
        }
        if let Some((members, id)) = after {
            let members = i64::try_from(members).unwrap_or(i64::MAX);
            q = q.filter(
                Condition::any()
                    .add(suggestion::Column::Members.lt(members))
                    .add(
                        Condition::all()
                            .add(suggestion::Column::Members.eq(members))
                            .add(suggestion::Column::Id.gt(id)),
                    ),
            );
        }
        q.order_by_desc(suggestion::Column::Members)
            .order_by_asc(suggestion::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// The representative comments of `suggestions` (of one consultation), in one read.
    pub async fn suggestion_representatives(
        &self,
        consultation_id: &str,
        suggestions: &[Suggestion],
    ) -> Result<Vec<Comment>, StoreError> {
        let ids: Vec<String> = suggestions
            .iter()
            .map(|s| s.representative_id.clone())
            .collect();
        comment::Entity::find()
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(comment::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| comment_from_row(m, &self.keys))
            .collect()
    }

    /// How many suggestions of `consultation_id` are in `state` (any when `None`).
    pub async fn count_suggestions(
        &self,
        consultation_id: &str,
        state: Option<SuggestionState>,
    ) -> Result<u64, StoreError> {
        let mut q = suggestion::Entity::find()
            .filter(suggestion::Column::ConsultationId.eq(consultation_id));
        if let Some(state) = state {
            q = q.filter(suggestion::Column::State.eq(state.code()));
        }
        Ok(q.count(&self.db).await?)
    }

    /// The suggestion `id` of `consultation_id`, its representative, outliers and facets.
    pub async fn suggestion(
        &self,
        consultation_id: &str,
        id: &str,
    ) -> Result<SuggestionDetail, StoreError> {
        let suggestion = load(&self.db, consultation_id, id).await?;
        let mut wanted = vec![suggestion.representative_id.clone()];
        wanted.extend(suggestion.outlier_ids.iter().cloned());
        let mut comments: Vec<Comment> = comment::Entity::find()
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(comment::Column::Id.is_in(wanted))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| comment_from_row(m, &self.keys))
            .collect::<Result<_, _>>()?;
        let representative = comments
            .iter()
            .position(|c| c.id == suggestion.representative_id)
            .map(|i| comments.remove(i));
        let outliers = suggestion
            .outlier_ids
            .iter()
            .filter_map(|o| comments.iter().find(|c| &c.id == o).cloned())
            .collect();
        let facet = |column: comment::Column| {
            comment::Entity::find()
                .select_only()
                .column(column)
                .expr(Expr::cust("COUNT(*)"))
                .filter(comment::Column::SuggestionId.eq(id))
                .filter(comment::Column::HideReason.is_null())
                .group_by(column)
                .order_by_asc(column)
                .into_tuple::<(String, i64)>()
                .all(&self.db)
        };
        let to_counts = |rows: Vec<(String, i64)>| {
            rows.into_iter()
                .map(|(k, n)| (k, u64::try_from(n).unwrap_or(0)))
                .collect()
        };
        let repeated: Vec<RepeatedRow> = comment::Entity::find()
            .select_only()
            .column(comment::Column::Content)
            .column(comment::Column::SubmittedBy)
            .expr(Expr::cust("COUNT(*)"))
            .expr(Expr::cust("MIN(received_at)"))
            .expr(Expr::cust("MAX(received_at)"))
            .filter(comment::Column::SuggestionId.eq(id))
            .filter(comment::Column::HideReason.is_null())
            .group_by(comment::Column::Content)
            .group_by(comment::Column::SubmittedBy)
            .having(Expr::cust("COUNT(*) > 1"))
            .order_by_desc(Expr::cust("COUNT(*)"))
            .order_by_asc(comment::Column::SubmittedBy)
            .limit(REPEATED_SHOWN)
            .into_tuple()
            .all(&self.db)
            .await?;
        let repeated = repeated
            .into_iter()
            .map(|(content, submitted_by, n, first, last)| RepeatedText {
                content,
                submitted_by,
                count: u64::try_from(n).unwrap_or(0),
                first,
                last,
            })
            .collect();
        let shared: Vec<(String, i64, DateTime<Utc>, DateTime<Utc>)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ContactDigest)
            .expr(Expr::cust("COUNT(*)"))
            .expr(Expr::cust("MIN(received_at)"))
            .expr(Expr::cust("MAX(received_at)"))
            .filter(comment::Column::SuggestionId.eq(id))
            .filter(comment::Column::HideReason.is_null())
            .filter(comment::Column::ContactDigest.is_not_null())
            .filter(comment::Column::ContactDigest.ne(""))
            .group_by(comment::Column::ContactDigest)
            .having(Expr::cust("COUNT(*) > 1"))
            .order_by_desc(Expr::cust("COUNT(*)"))
            .order_by_asc(Expr::cust("MIN(received_at)"))
            .limit(REPEATED_SHOWN)
            .into_tuple()
            .all(&self.db)
            .await?;
        let shared_contacts = shared
            .into_iter()
            .map(|(_, n, first, last)| SharedContact {
                count: u64::try_from(n).unwrap_or(0),
                first,
                last,
            })
            .collect();
        let channels = to_counts(facet(comment::Column::Channel).await?);
        let categories = to_counts(facet(comment::Column::SubmitterCategory).await?);
        Ok(SuggestionDetail {
            suggestion,
            representative,
            outliers,
            channels,
            categories,
            repeated,
            shared_contacts,
        })
    }

    /// Accepts suggestion `id` into a group: `decide` gets the consultation, the suggestion, the
    /// census of its members and the existing group (for [`AcceptInto::Group`]) and returns the
    /// group they join, having accepted the suggestion. Members join with set-based statements,
    /// their own answers cleared (and recorded as revisions), with one audit event.
    pub async fn accept_suggestion<F>(
        &self,
        consultation_id: &str,
        id: &str,
        into: AcceptInto,
        actor: &str,
        now: DateTime<Utc>,
        decide: F,
    ) -> Result<(OpinionGroup, u64), StoreError>
    where
        F: FnOnce(
            &Consultation,
            &mut Suggestion,
            &MemberCensus,
            Option<&OpinionGroup>,
        ) -> Result<OpinionGroup, DomainError>,
    {
        let txn = self.begin_write().await?;
        let consultation = locked(&txn, consultation_id).await?;
        let mut suggestion = load(&*txn, consultation_id, id).await?;
        let existing = match &into {
            AcceptInto::NewGroup(_) => None,
            AcceptInto::Group(gid) => Some(group_from_row(
                opinion_group::Entity::find_by_id(gid.clone())
                    .filter(opinion_group::Column::ConsultationId.eq(consultation_id))
                    .one(&*txn)
                    .await?
                    .ok_or_else(|| {
                        DomainError::not_found(format!(
                            "consultations/{consultation_id}/opinionGroups/{gid}"
                        ))
                    })?,
            )?),
        };
        let outcome = existing
            .as_ref()
            .and_then(|g| g.disposition.as_ref())
            .map(|d| d.answer.outcome.code());
        let census = census(&txn, id, outcome).await?;
        let group = decide(&consultation, &mut suggestion, &census, existing.as_ref())?;
        let merged = existing.is_some();
        if !merged {
            opinion_group::Entity::insert(opinion_group::ActiveModel::from(group_to_row(&group)))
                .exec(&*txn)
                .await?;
        }
        let members = available(id);
        let affected = digest(&txn, members.clone()).await?;

        // Counts move per (own outcome, category, channel), counted by the database.
        let moving: Vec<(Option<String>, String, String, i64)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::Outcome)
            .column(comment::Column::SubmitterCategory)
            .column(comment::Column::Channel)
            .expr(Expr::cust("COUNT(*)"))
            .filter(members.clone())
            .group_by(comment::Column::Outcome)
            .group_by(comment::Column::SubmitterCategory)
            .group_by(comment::Column::Channel)
            .into_tuple()
            .all(&*txn)
            .await?;
        let mut counts = CountChanges::default();
        for (outcome, category, channel, n) in &moving {
            counts.add(
                consultation_id,
                key_of(None, None, outcome.as_deref(), category, channel),
                -n,
            );
            counts.add(
                consultation_id,
                key_of(None, Some(&group.id), None, category, channel),
                *n,
            );
        }
        // A member's own answer gives way to the group's: recorded as cleared.
        record_revisions(
            &txn,
            members.clone().add(comment::Column::Outcome.is_not_null()),
            "suggestion.accept",
            None,
            now,
        )
        .await?;
        comment::Entity::update_many()
            .col_expr(comment::Column::GroupId, Expr::value(group.id.clone()))
            .col_expr(
                comment::Column::Disposition,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                comment::Column::Outcome,
                Expr::value(Option::<String>::None),
            )
            .filter(members)
            .exec(&*txn)
            .await?;
        update_row(&txn, &suggestion).await?;
        let payload: AuditPayload = suggestion.accepted(&group, merged, affected.clone());
        audited(
            &txn,
            consultation_id,
            actor,
            "suggestion.accept",
            suggestion.name(),
            &payload,
            now,
        )
        .await?;
        counts.write(&txn).await?;
        let in_group = comment::Entity::find()
            .filter(comment::Column::GroupId.eq(group.id.clone()))
            .filter(comment::Column::HideReason.is_null())
            .count(&*txn)
            .await?;
        revised(&txn, consultation_id).await?;
        txn.commit().await?;
        Ok((group, in_group))
    }

    /// Splits the comments `ids` off suggestion `id` into a new one: `decide` gets the
    /// consultation, the suggestion and how many of the ids are its members, and returns the
    /// new suggestion.
    pub async fn split_suggestion<F>(
        &self,
        consultation_id: &str,
        id: &str,
        ids: &[String],
        actor: &str,
        now: DateTime<Utc>,
        decide: F,
    ) -> Result<(Suggestion, Suggestion), StoreError>
    where
        F: FnOnce(&Consultation, &mut Suggestion, u64) -> Result<Suggestion, DomainError>,
    {
        let txn = self.begin_write().await?;
        let consultation = locked(&txn, consultation_id).await?;
        let mut suggestion = load(&*txn, consultation_id, id).await?;
        let mut found = 0u64;
        for chunk in ids.chunks(CHUNK) {
            found += comment::Entity::find()
                .filter(comment::Column::SuggestionId.eq(id))
                .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
                .count(&*txn)
                .await?;
        }
        let mut part = decide(&consultation, &mut suggestion, found)?;
        for chunk in ids.chunks(CHUNK) {
            comment::Entity::update_many()
                .col_expr(comment::Column::SuggestionId, Expr::value(part.id.clone()))
                .filter(comment::Column::SuggestionId.eq(id))
                .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
                .exec(&*txn)
                .await?;
        }
        // Each part is shown from its own members: the part split off from all of them (at
        // most as many as a request lists), the rest from its first pages.
        self.reshape(&txn, &mut part).await?;
        self.reshape(&txn, &mut suggestion).await?;
        suggestion::Entity::insert(to_row(&part))
            .exec(&*txn)
            .await?;
        update_row(&txn, &suggestion).await?;
        let affected = digest(
            &txn,
            Condition::all().add(comment::Column::SuggestionId.eq(part.id.clone())),
        )
        .await?;
        let payload = suggestion.split_off(&part, affected);
        audited(
            &txn,
            consultation_id,
            actor,
            "suggestion.split",
            suggestion.name(),
            &payload,
            now,
        )
        .await?;
        revised(&txn, consultation_id).await?;
        txn.commit().await?;
        Ok((suggestion, part))
    }

    /// Recomputes the representative, spread and outliers of `s` from (at most the first
    /// 10,000 of) its members.
    async fn reshape(
        &self,
        txn: &DatabaseTransaction,
        s: &mut Suggestion,
    ) -> Result<(), StoreError> {
        let rows: Vec<(String, String)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .column(comment::Column::Content)
            .filter(comment::Column::SuggestionId.eq(s.id.clone()))
            .order_by_asc(comment::Column::Id)
            .limit(10_000)
            .into_tuple()
            .all(txn)
            .await?;
        let signatures: Vec<Signature> = rows.iter().map(|(_, t)| Signature::of(t)).collect();
        let refs: Vec<&Signature> = signatures.iter().collect();
        let shape = similarity::shape(&refs, SUGGESTION_OUTLIERS);
        if let Some((rep, _)) = rows.get(shape.representative) {
            s.representative_id = rep.clone();
        }
        s.similarity_low = shape.low;
        s.similarity_median = shape.median;
        s.outlier_ids = shape.outliers.iter().map(|&k| rows[k].0.clone()).collect();
        Ok(())
    }

    /// Dismisses suggestion `id`: `decide` changes it and returns its audit payload.
    pub async fn dismiss_suggestion<F>(
        &self,
        consultation_id: &str,
        id: &str,
        actor: &str,
        now: DateTime<Utc>,
        decide: F,
    ) -> Result<Suggestion, StoreError>
    where
        F: FnOnce(&Consultation, &mut Suggestion) -> Result<AuditPayload, DomainError>,
    {
        let txn = self.begin_write().await?;
        let consultation = locked(&txn, consultation_id).await?;
        let mut suggestion = load(&*txn, consultation_id, id).await?;
        let payload = decide(&consultation, &mut suggestion)?;
        update_row(&txn, &suggestion).await?;
        audited(
            &txn,
            consultation_id,
            actor,
            "suggestion.dismiss",
            suggestion.name(),
            &payload,
            now,
        )
        .await?;
        revised(&txn, consultation_id).await?;
        txn.commit().await?;
        Ok(suggestion)
    }
}

/// The comment whose words stand for each opinion group of `consultation_id` in its report: the
/// representative of the suggestion it was accepted from (the member most like the others)
/// while it is a visible member, otherwise its first visible member. One comment per group,
/// read with two grouped queries.
pub(crate) async fn group_representatives<C: ConnectionTrait>(
    db: &C,
    keys: &crate::private_data::PrivateDataKeys,
    consultation_id: &str,
) -> Result<Vec<Comment>, StoreError> {
    let firsts: Vec<(String, String)> = comment::Entity::find()
        .select_only()
        .column(comment::Column::GroupId)
        .expr(Expr::cust("MIN(id)"))
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .filter(comment::Column::GroupId.is_not_null())
        .filter(comment::Column::HideReason.is_null())
        .group_by(comment::Column::GroupId)
        .into_tuple()
        .all(db)
        .await?;
    let accepted: Vec<(Option<String>, String)> = suggestion::Entity::find()
        .select_only()
        .column(suggestion::Column::OpinionGroupId)
        .column(suggestion::Column::RepresentativeId)
        .filter(suggestion::Column::ConsultationId.eq(consultation_id))
        .filter(suggestion::Column::State.eq(SuggestionState::Accepted.code()))
        .order_by_asc(suggestion::Column::CreatedAt)
        .order_by_asc(suggestion::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut wanted: Vec<String> = firsts.iter().map(|(_, id)| id.clone()).collect();
    wanted.extend(accepted.iter().map(|(_, id)| id.clone()));
    wanted.sort();
    wanted.dedup();
    let mut found: HashMap<String, Comment> = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        for m in comment::Entity::find()
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            let c = comment_from_row(m, keys)?;
            found.insert(c.id.clone(), c);
        }
    }
    let mut chosen: BTreeMap<String, Comment> = BTreeMap::new();
    for (group, id) in &accepted {
        let Some(group) = group else { continue };
        if chosen.contains_key(group) {
            continue;
        }
        if let Some(c) = found.get(id)
            && c.is_visible()
            && c.group_id.as_deref() == Some(group.as_str())
        {
            chosen.insert(group.clone(), c.clone());
        }
    }
    for (group, id) in firsts {
        if !chosen.contains_key(&group)
            && let Some(c) = found.get(&id)
        {
            chosen.insert(group, c.clone());
        }
    }
    Ok(chosen.into_values().collect())
}
