//! Bulk answers and bulk hides run as set-wise SQL: the domain's plan names its comments by a
//! definition ([`BulkAnswer::condition`], [`BulkHide::condition`]), and the store digests,
//! records and updates exactly those with a few statements in one transaction, reading ids a
//! page at a time and never whole comments.

use chrono::{DateTime, Utc};
use consult_domain::answering::bulk::{
    Affected, AffectedDigest, BulkAnswer, BulkHide, CommentCondition, REPLY_LISTS_AT_MOST,
};
use consult_domain::{Comment, Consultation, DomainError};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::audit::{self, AuditRecord};
use crate::comments::{clause_condition, from_row as comment_from_row};
use crate::consultations::from_row as consultation_from_row;
use crate::counting::{CountChanges, key_of};
use crate::entity::{comment, disposition_revision};
use crate::operations::{OperationOutcome, OperationRun};
use crate::write::{RowLock, lock_consultations};
use crate::{Store, StoreError};

/// A chosen comment's id and the columns that place it in the answering counts.
type ChosenRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// Ids read per statement while digesting a selection.
const ID_PAGE: u64 = 10_000;
/// Ids bound per statement for a listed target; far below either database's limit.
const CHUNK: usize = 500;

/// What a bulk answer or hide did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkDone {
    /// How many comments, and the digest of their ids.
    pub affected: Affected,
    /// Their names, when there are at most [`REPLY_LISTS_AT_MOST`]; otherwise empty.
    pub names: Vec<String>,
}

/// A plan's comments as SQL conditions, one per statement (listed ids are cut into chunks of
/// bound ids).
fn conditions(backend: DbBackend, chosen: CommentCondition<'_>) -> Vec<Condition> {
    let mut c = Condition::all().add(comment::Column::ConsultationId.eq(chosen.consultation_id));
    if chosen.answerable {
        c = c
            .add(comment::Column::HideReason.is_null())
            .add(comment::Column::GroupId.is_null());
    }
    if let Some(s) = chosen.selection {
        if s.only_unanswered {
            c = c.add(comment::Column::Outcome.is_null());
        }
        if let Some(ch) = s.channel {
            c = c.add(comment::Column::Channel.eq(ch.code()));
        }
        if let Some(cat) = s.submitter_category {
            c = c.add(comment::Column::SubmitterCategory.eq(cat.code()));
        }
        if let Some(clause) = s.clause() {
            c = c.add(clause_condition(&clause));
        }
        if let Some(text) = &s.query {
            c = c.add(crate::search::contains_text(backend, text));
        }
    }
    match chosen.ids {
        None => vec![c],
        Some(ids) => ids
            .chunks(CHUNK)
            .map(|chunk| {
                c.clone()
                    .add(comment::Column::Id.is_in(chunk.iter().cloned()))
            })
            .collect(),
    }
}

/// The answering-count columns a change sets: `None` leaves a column as it is.
#[derive(Debug, Clone, Copy, Default)]
struct Moves<'a> {
    hide_reason: Option<&'a str>,
    outcome: Option<&'a str>,
}

/// Reads the chosen ids in ascending order, a page at a time, into the digest, and gathers
/// how the update (setting what `moves` sets) will move them between the answering counts.
async fn digest(
    txn: &DatabaseTransaction,
    consultation_id: &str,
    conditions: &[Condition],
    moves: Moves<'_>,
    run: Option<&OperationRun>,
) -> Result<(Affected, Vec<String>, CountChanges), StoreError> {
    let mut digest = AffectedDigest::default();
    let mut names = Vec::new();
    let mut counts = CountChanges::default();
    for condition in conditions {
        let mut after: Option<String> = None;
        loop {
            let mut q = comment::Entity::find()
                .select_only()
                .column(comment::Column::Id)
                .column(comment::Column::HideReason)
                .column(comment::Column::GroupId)
                .column(comment::Column::Outcome)
                .column(comment::Column::SubmitterCategory)
                .column(comment::Column::Channel)
                .filter(condition.clone());
            if let Some(a) = &after {
                q = q.filter(comment::Column::Id.gt(a.as_str()));
            }
            let rows: Vec<ChosenRow> = q
                .order_by_asc(comment::Column::Id)
                .limit(ID_PAGE)
                .into_tuple()
                .all(txn)
                .await?;
            for (id, hide, group, was, category, channel) in &rows {
                let from = key_of(
                    hide.as_deref(),
                    group.as_deref(),
                    was.as_deref(),
                    category,
                    channel,
                );
                let to = key_of(
                    moves.hide_reason.or(hide.as_deref()),
                    group.as_deref(),
                    moves.outcome.or(was.as_deref()),
                    category,
                    channel,
                );
                counts.moved(consultation_id, from, to);
                digest.push(id);
                if digest.count() <= REPLY_LISTS_AT_MOST {
                    names.push(format!("consultations/{consultation_id}/comments/{id}"));
                }
            }
            if let Some(run) = run {
                run.advance(txn, rows.len() as u64).await?;
            }
            match rows.last() {
                Some(last) if rows.len() as u64 == ID_PAGE => after = Some(last.0.clone()),
                _ => break,
            }
        }
    }
    let affected = digest.finish();
    if affected.count > REPLY_LISTS_AT_MOST {
        names.clear();
    }
    Ok((affected, names, counts))
}

/// Records, for every comment `condition` chooses, a revision of its answer to `disposition`
/// (JSON; `None` when cleared) by `action`: one `INSERT … SELECT`, whatever their number.
pub(crate) async fn record_revisions(
    txn: &DatabaseTransaction,
    condition: Condition,
    action: &'static str,
    disposition: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let select = Query::select()
        .column(comment::Column::ConsultationId)
        .expr(Expr::cust(
            "'consultations/' || consultation_id || '/comments/' || id",
        ))
        .expr(Expr::val(action))
        .expr(Expr::val(disposition))
        .expr(Expr::val(now))
        .from(comment::Entity)
        .cond_where(condition)
        .to_owned();
    let insert = Query::insert()
        .into_table(disposition_revision::Entity)
        .columns([
            disposition_revision::Column::ConsultationId,
            disposition_revision::Column::Subject,
            disposition_revision::Column::Action,
            disposition_revision::Column::Disposition,
            disposition_revision::Column::RecordedAt,
        ])
        .select_from(select)
        .map_err(|e| StoreError::Database(sea_orm::DbErr::Custom(e.to_string())))?
        .to_owned();
    let backend = txn.get_database_backend();
    txn.execute_raw(backend.build(&insert)).await?;
    Ok(())
}

impl Store {
    /// Locks consultation `consultation_id` for a set-wise change and loads the comments of it
    /// that `listed` names (those that exist).
    async fn lock_with_listed(
        &self,
        txn: &DatabaseTransaction,
        consultation_id: &str,
        listed: &[String],
    ) -> Result<(Consultation, Vec<Comment>), StoreError> {
        let row = lock_consultations(txn, [consultation_id], RowLock::Update)
            .await?
            .pop()
            .ok_or_else(|| DomainError::not_found(format!("consultations/{consultation_id}")))?;
        let consultation = consultation_from_row(row)?;
        let mut comments = Vec::with_capacity(listed.len());
        for chunk in listed.chunks(CHUNK) {
            for m in comment::Entity::find()
                .filter(comment::Column::ConsultationId.eq(consultation_id))
                .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
                .order_by_asc(comment::Column::Id)
                .all(txn)
                .await?
            {
                comments.push(comment_from_row(m, &self.keys)?);
            }
        }
        Ok((consultation, comments))
    }

    /// Runs a bulk hide on consultation `consultation_id`: `decide` gets the consultation and
    /// the comments `listed` names (none for a selection) and returns the plan, which is run
    /// with one audit event as `actor`, atomically; `run` is the operation doing it, if any.
    #[allow(clippy::too_many_arguments)]
    pub async fn bulk_hide<F>(
        &self,
        consultation_id: &str,
        listed: &[String],
        actor: &str,
        now: DateTime<Utc>,
        run: Option<&OperationRun>,
        validate_only: bool,
        decide: F,
    ) -> Result<BulkDone, StoreError>
    where
        F: FnOnce(&Consultation, &[Comment]) -> Result<BulkHide, DomainError>,
    {
        let txn = self.begin_write().await?;
        let (consultation, comments) = self.lock_with_listed(&txn, consultation_id, listed).await?;
        let plan = decide(&consultation, &comments)?;
        let conditions = conditions(txn.get_database_backend(), plan.condition());
        let moves = Moves {
            hide_reason: Some(plan.moderation.reason.code()),
            ..Moves::default()
        };
        let (affected, names, counts) =
            digest(&txn, consultation_id, &conditions, moves, run).await?;
        let hidden = OperationOutcome::Hidden {
            count: affected.count,
            names: names.clone(),
        };
        if validate_only {
            // Only the operation, if any, records what the dry run found.
            if let Some(run) = run {
                run.finish_in(&txn, &hidden, now).await?;
                txn.commit().await?;
            }
            return Ok(BulkDone { affected, names });
        }
        let moderation = audit::to_json(&plan.moderation);
        for condition in &conditions {
            comment::Entity::update_many()
                .col_expr(comment::Column::Moderation, Expr::value(moderation.clone()))
                .col_expr(
                    comment::Column::HideReason,
                    Expr::value(plan.moderation.reason.code()),
                )
                .filter(condition.clone())
                .exec(&*txn)
                .await?;
        }
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: Some(consultation_id.to_owned()),
                actor: actor.to_owned(),
                action: "comment.bulk_hide",
                subject: format!("consultations/{consultation_id}"),
                before: None,
                after: audit::to_json(&plan.audit(affected.clone())),
                occurred_at: now,
            },
        )
        .await?;
        if let Some(run) = run {
            run.finish_in(&txn, &hidden, now).await?;
        }
        counts.write(&txn).await?;
        txn.commit().await?;
        Ok(BulkDone { affected, names })
    }

    /// Runs a bulk answer on consultation `consultation_id`: `decide` gets the consultation
    /// and the comments `listed` names (none for a selection) and returns the plan, which is
    /// run with its revisions and one audit event as `actor`, atomically.
    #[allow(clippy::too_many_arguments)]
    pub async fn bulk_answer<F>(
        &self,
        consultation_id: &str,
        listed: &[String],
        actor: &str,
        now: DateTime<Utc>,
        run: Option<&OperationRun>,
        validate_only: bool,
        decide: F,
    ) -> Result<BulkDone, StoreError>
    where
        F: FnOnce(&Consultation, &[Comment]) -> Result<BulkAnswer, DomainError>,
    {
        let txn = self.begin_write().await?;
        let (consultation, comments) = self.lock_with_listed(&txn, consultation_id, listed).await?;
        let plan = decide(&consultation, &comments)?;
        let conditions = conditions(txn.get_database_backend(), plan.condition());
        let moves = Moves {
            outcome: Some(plan.disposition.answer.outcome.code()),
            ..Moves::default()
        };
        let (affected, names, counts) =
            digest(&txn, consultation_id, &conditions, moves, run).await?;
        if validate_only {
            // Only the operation, if any, records what the dry run found.
            if let Some(run) = run {
                let outcome = OperationOutcome::Answered {
                    count: affected.count,
                    names: names.clone(),
                };
                run.finish_in(&txn, &outcome, now).await?;
                txn.commit().await?;
            }
            return Ok(BulkDone { affected, names });
        }

        let disposition = audit::to_json(&plan.disposition);
        let outcome = plan.disposition.answer.outcome.code();
        for condition in &conditions {
            // Revisions first: the update may change what the condition chooses.
            record_revisions(
                &txn,
                condition.clone(),
                "comment.bulk_answer",
                disposition.clone(),
                now,
            )
            .await?;
            comment::Entity::update_many()
                .col_expr(
                    comment::Column::Disposition,
                    Expr::value(disposition.clone()),
                )
                .col_expr(comment::Column::Outcome, Expr::value(outcome))
                .filter(condition.clone())
                .exec(&*txn)
                .await?;
        }

        let event = plan.audit(affected.clone());
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: Some(consultation_id.to_owned()),
                actor: actor.to_owned(),
                action: "comment.bulk_answer",
                subject: format!("consultations/{consultation_id}"),
                before: None,
                after: audit::to_json(&event),
                occurred_at: now,
            },
        )
        .await?;
        if let Some(run) = run {
            let outcome = OperationOutcome::Answered {
                count: affected.count,
                names: names.clone(),
            };
            run.finish_in(&txn, &outcome, now).await?;
        }
        counts.write(&txn).await?;
        txn.commit().await?;
        Ok(BulkDone { affected, names })
    }
}
