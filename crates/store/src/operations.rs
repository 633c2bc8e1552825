//! Long-running operations (AIP-151) kept in the database, so that any replica can read, cancel
//! or take over one: a row per operation, claimed under a lease by a conditional update, and
//! finished in the same transaction as the work it did, so that work done is never done twice
//! and an operation never reports work that was rolled back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use consult_domain::{Actor, DomainError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::entity::operation;
use crate::{Store, StoreError, corrupt};

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// `BulkAnswerComments` of a selection too large for one request.
    BulkAnswerComments,
    /// `PublishFeedbackReport` of a large consultation.
    PublishFeedbackReport,
    /// `CorrectFeedbackReport` of a large consultation: a new version written in full.
    CorrectFeedbackReport,
    /// `StartComputeSuggestions`: a consultation's suggestions from scratch.
    ComputeSuggestions,
    /// `BulkHideComments` of a selection too large for one request.
    BulkHideComments,
}

impl OperationKind {
    /// Stable code, stored and shown in the operation's metadata.
    pub fn code(self) -> &'static str {
        match self {
            OperationKind::BulkAnswerComments => "bulkAnswerComments",
            OperationKind::PublishFeedbackReport => "publishFeedbackReport",
            OperationKind::CorrectFeedbackReport => "correctFeedbackReport",
            OperationKind::ComputeSuggestions => "computeSuggestions",
            OperationKind::BulkHideComments => "bulkHideComments",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [
            OperationKind::BulkAnswerComments,
            OperationKind::PublishFeedbackReport,
            OperationKind::CorrectFeedbackReport,
            OperationKind::ComputeSuggestions,
            OperationKind::BulkHideComments,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// What a finished operation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OperationOutcome {
    /// Comments were answered.
    Answered {
        /// How many.
        count: u64,
        /// Their names, when at most 1,000.
        names: Vec<String>,
    },
    /// Comments were hidden.
    Hidden {
        /// How many.
        count: u64,
        /// Their names, when at most 1,000.
        names: Vec<String>,
    },
    /// Suggestions were computed.
    SuggestionsComputed {
        /// Comments compared.
        compared: u64,
        /// Suggestions found.
        suggestions: u64,
        /// Comments in them.
        suggested: u64,
    },
    /// A report version was published.
    Published {
        /// Its number.
        version: u32,
    },
}

/// Why an operation failed, as the gRPC status its request would have received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationFailure {
    /// `google.rpc.Code`.
    pub code: i32,
    /// The message.
    pub message: String,
    /// An encoded `google.rpc.Status` with the details, if any.
    pub details: Vec<u8>,
}

/// A new operation.
#[derive(Debug, Clone)]
pub struct NewOperation {
    /// Its id.
    pub id: String,
    /// What it does.
    pub kind: OperationKind,
    /// On which consultation.
    pub consultation_id: String,
    /// Who asked; the work runs with these rights.
    pub actor: Actor,
    /// The request, protobuf-encoded.
    pub request: Vec<u8>,
}

/// An operation as stored.
#[derive(Debug, Clone)]
pub struct StoredOperation {
    /// Its id.
    pub id: String,
    /// What it does.
    pub kind: OperationKind,
    /// On which consultation.
    pub consultation_id: String,
    /// Who asked.
    pub actor: Actor,
    /// The request, protobuf-encoded.
    pub request: Vec<u8>,
    /// Whether it has ended, well or not.
    pub done: bool,
    /// Whether cancellation was asked for.
    pub cancel_requested: bool,
    /// Units of work done, as last recorded.
    pub progress_done: u64,
    /// Units of work in all (0 while unknown).
    pub progress_total: u64,
    /// How it ended: what it did, or why it failed.
    pub result: Option<Result<OperationOutcome, OperationFailure>>,
    /// Times a replica has taken it up.
    pub attempts: u32,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When its row last changed.
    pub updated_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// Live progress and cancellation of an operation a replica is running, shared between the
/// work (which advances it and looks at `cancelled` between pages) and the replica.
#[derive(Debug, Default)]
pub struct OperationProgress {
    done: AtomicU64,
    total: AtomicU64,
    cancelled: AtomicBool,
}

impl OperationProgress {
    /// Units done and in all.
    pub fn get(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    /// Asks the work to stop at its next page.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    fn advance(&self, by: u64) {
        self.done.fetch_add(by, Ordering::Relaxed);
    }
}

/// The claim of one replica on an operation it runs: the work reports through it and finishes
/// the operation in its own transaction.
#[derive(Debug, Clone)]
pub struct OperationRun {
    /// The operation's id.
    pub id: String,
    /// The replica holding the lease.
    pub owner: String,
    /// Shared with the replica's registry.
    pub progress: Arc<OperationProgress>,
}

impl OperationRun {
    /// Records `by` more units done; refuses to go on once cancellation was asked for, here
    /// or (read through the transaction) on any replica.
    pub(crate) async fn advance(
        &self,
        txn: &DatabaseTransaction,
        by: u64,
    ) -> Result<(), StoreError> {
        self.progress.advance(by);
        if self.progress.is_cancelled() {
            return Err(StoreError::Cancelled);
        }
        if cancel_requested(txn, &self.id).await? {
            self.progress.cancel();
            return Err(StoreError::Cancelled);
        }
        Ok(())
    }

    /// Records `by` more units done by work outside a transaction (a long read); refuses to
    /// go on once cancellation reached this replica (the lease renewal brings it from others).
    pub(crate) fn advance_local(&self, by: u64) -> Result<(), StoreError> {
        self.progress.advance(by);
        if self.progress.is_cancelled() {
            return Err(StoreError::Cancelled);
        }
        Ok(())
    }

    /// Sets the units of work in all.
    pub(crate) fn set_total(&self, total: u64) {
        self.progress.set_total(total);
    }

    /// Ends the operation with `outcome` inside the transaction of its work; refused if this
    /// replica no longer holds it (its lease ran out and another took it), so that the work
    /// is rolled back rather than done twice.
    pub(crate) async fn finish_in(
        &self,
        txn: &DatabaseTransaction,
        outcome: &OperationOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (done, total) = self.progress.get();
        let r = operation::Entity::update_many()
            .col_expr(operation::Column::Done, Expr::value(true))
            .col_expr(
                operation::Column::Outcome,
                Expr::value(serde_json::to_string(outcome).map_err(corrupt)?),
            )
            .col_expr(operation::Column::ProgressDone, Expr::value(done as i64))
            .col_expr(
                operation::Column::ProgressTotal,
                Expr::value(std::cmp::max(total, done) as i64),
            )
            .col_expr(operation::Column::UpdatedAt, Expr::value(now))
            .col_expr(operation::Column::EndedAt, Expr::value(now))
            .col_expr(
                operation::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(held(self))
            .exec(txn)
            .await?;
        if r.rows_affected != 1 {
            return Err(StoreError::Conflict(
                format!(
                    "操作 {} 已由其他实例接手 (another replica took over the operation)",
                    self.id
                ),
                None,
            ));
        }
        Ok(())
    }
}

/// The row of the operation `run`, while its replica holds it and it has not ended.
fn held(run: &OperationRun) -> Condition {
    Condition::all()
        .add(operation::Column::Id.eq(run.id.as_str()))
        .add(operation::Column::Owner.eq(run.owner.as_str()))
        .add(operation::Column::Done.eq(false))
}

/// Whether cancellation of operation `id` was asked for.
async fn cancel_requested<C: ConnectionTrait>(db: &C, id: &str) -> Result<bool, StoreError> {
    let asked: Option<bool> = operation::Entity::find_by_id(id)
        .select_only()
        .column(operation::Column::CancelRequested)
        .into_tuple()
        .one(db)
        .await?;
    Ok(asked == Some(true))
}

fn from_row(m: operation::Model) -> Result<StoredOperation, StoreError> {
    let result = match (m.done, m.outcome, m.error_code) {
        (false, _, _) => None,
        (true, Some(o), _) => Some(Ok(serde_json::from_str(&o).map_err(corrupt)?)),
        (true, None, Some(code)) => Some(Err(OperationFailure {
            code,
            message: m.error_message.unwrap_or_default(),
            details: m.error_details.unwrap_or_default(),
        })),
        (true, None, None) => {
            return Err(corrupt(format!(
                "operation {} ended without a result",
                m.id
            )));
        }
    };
    Ok(StoredOperation {
        kind: OperationKind::from_code(&m.kind)
            .ok_or_else(|| corrupt(format!("operation kind {}", m.kind)))?,
        actor: serde_json::from_str(&m.actor).map_err(corrupt)?,
        id: m.id,
        consultation_id: m.consultation_id,
        request: m.request,
        done: m.done,
        cancel_requested: m.cancel_requested,
        progress_done: u64::try_from(m.progress_done).unwrap_or(0),
        progress_total: u64::try_from(m.progress_total).unwrap_or(0),
        result,
        attempts: u32::try_from(m.attempts).unwrap_or(0),
        created_at: m.created_at,
        updated_at: m.updated_at,
        ended_at: m.ended_at,
    })
}

impl Store {
    /// Records a new operation, to be taken up by a replica's runner.
    pub async fn create_operation(
        &self,
        new: NewOperation,
        now: DateTime<Utc>,
    ) -> Result<StoredOperation, StoreError> {
        let txn = self.begin_write().await?;
        operation::Entity::insert(operation::ActiveModel {
            id: Set(new.id.clone()),
            kind: Set(new.kind.code().to_owned()),
            consultation_id: Set(new.consultation_id),
            requested_by: Set(new.actor.id.clone()),
            actor: Set(serde_json::to_string(&new.actor).map_err(corrupt)?),
            request: Set(new.request),
            done: Set(false),
            cancel_requested: Set(false),
            progress_done: Set(0),
            progress_total: Set(0),
            outcome: Set(None),
            error_code: Set(None),
            error_message: Set(None),
            error_details: Set(None),
            owner: Set(None),
            lease_until: Set(None),
            attempts: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ended_at: Set(None),
        })
        .exec_without_returning(&*txn)
        .await?;
        txn.commit().await?;
        self.operation(&new.id).await
    }

    /// An operation, or `NOT_FOUND`.
    pub async fn operation(&self, id: &str) -> Result<StoredOperation, StoreError> {
        let m = operation::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("operations/{id}")))?;
        from_row(m)
    }

    /// Operations after `after` (by id), newest last, of the consultations `in_consultation`
    /// names (all when `None`).
    pub async fn list_operations(
        &self,
        in_consultation: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<StoredOperation>, StoreError> {
        let mut q = operation::Entity::find();
        if let Some(c) = in_consultation {
            q = q.filter(operation::Column::ConsultationId.eq(c));
        }
        if let Some(a) = after {
            q = q.filter(operation::Column::Id.gt(a));
        }
        q.order_by_asc(operation::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Takes up the oldest operation that is not done and that no replica holds (or whose
    /// holder's lease ran out), for `owner` until `now + lease`. A conditional update: of
    /// several replicas trying at once, one wins.
    pub async fn claim_operation(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<StoredOperation>, StoreError> {
        let free = Condition::any()
            .add(operation::Column::Owner.is_null())
            .add(operation::Column::LeaseUntil.lt(now));
        let candidates: Vec<String> = operation::Entity::find()
            .select_only()
            .column(operation::Column::Id)
            .filter(operation::Column::Done.eq(false))
            .filter(free.clone())
            .order_by_asc(operation::Column::CreatedAt)
            .limit(4)
            .into_tuple()
            .all(&self.db)
            .await?;
        for id in candidates {
            let txn = self.begin_write().await?;
            let r = operation::Entity::update_many()
                .col_expr(operation::Column::Owner, Expr::value(owner))
                .col_expr(operation::Column::LeaseUntil, Expr::value(now + lease))
                .col_expr(
                    operation::Column::Attempts,
                    Expr::col(operation::Column::Attempts).add(1),
                )
                .col_expr(operation::Column::UpdatedAt, Expr::value(now))
                .filter(operation::Column::Id.eq(id.as_str()))
                .filter(operation::Column::Done.eq(false))
                .filter(free.clone())
                .exec(&*txn)
                .await?;
            txn.commit().await?;
            if r.rows_affected == 1 {
                return Ok(Some(self.operation(&id).await?));
            }
        }
        Ok(None)
    }

    /// Extends `owner`'s lease on an operation and records its progress; returns whether
    /// cancellation was asked for (and `None` if the operation is no longer `owner`'s).
    pub async fn renew_operation(
        &self,
        run: &OperationRun,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<bool>, StoreError> {
        let (done, total) = run.progress.get();
        let txn = self.begin_write().await?;
        let r = operation::Entity::update_many()
            .col_expr(operation::Column::LeaseUntil, Expr::value(now + lease))
            .col_expr(operation::Column::ProgressDone, Expr::value(done as i64))
            .col_expr(operation::Column::ProgressTotal, Expr::value(total as i64))
            .col_expr(operation::Column::UpdatedAt, Expr::value(now))
            .filter(held(run))
            .exec(&*txn)
            .await?;
        let asked = cancel_requested(&*txn, &run.id).await?;
        txn.commit().await?;
        Ok((r.rows_affected == 1).then_some(asked))
    }

    /// Ends an operation that failed (or was cancelled) with `failure`; `owner: None` ends one
    /// that no replica holds (cancelled before it started).
    pub async fn fail_operation(
        &self,
        id: &str,
        owner: Option<&str>,
        failure: &OperationFailure,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let txn = self.begin_write().await?;
        let mut q = operation::Entity::update_many()
            .col_expr(operation::Column::Done, Expr::value(true))
            .col_expr(operation::Column::ErrorCode, Expr::value(failure.code))
            .col_expr(
                operation::Column::ErrorMessage,
                Expr::value(failure.message.clone()),
            )
            .col_expr(
                operation::Column::ErrorDetails,
                Expr::value(failure.details.clone()),
            )
            .col_expr(operation::Column::UpdatedAt, Expr::value(now))
            .col_expr(operation::Column::EndedAt, Expr::value(now))
            .col_expr(
                operation::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(operation::Column::Id.eq(id))
            .filter(operation::Column::Done.eq(false));
        q = match owner {
            Some(o) => q.filter(operation::Column::Owner.eq(o)),
            None => q.filter(
                Condition::any()
                    .add(operation::Column::Owner.is_null())
                    .add(operation::Column::LeaseUntil.lt(now)),
            ),
        };
        let r = q.exec(&*txn).await?;
        txn.commit().await?;
        Ok(r.rows_affected == 1)
    }

    /// Lets go of an operation that hit a passing fault, for any replica to take up again.
    pub async fn release_operation(
        &self,
        run: &OperationRun,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        operation::Entity::update_many()
            .col_expr(
                operation::Column::Owner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                operation::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(operation::Column::UpdatedAt, Expr::value(now))
            .filter(held(run))
            .exec(&*txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Asks for an operation's cancellation; returns it as it now stands.
    pub async fn request_cancellation(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredOperation, StoreError> {
        let txn = self.begin_write().await?;
        operation::Entity::update_many()
            .col_expr(operation::Column::CancelRequested, Expr::value(true))
            .col_expr(operation::Column::UpdatedAt, Expr::value(now))
            .filter(operation::Column::Id.eq(id))
            .filter(operation::Column::Done.eq(false))
            .exec(&*txn)
            .await?;
        txn.commit().await?;
        self.operation(id).await
    }

    /// Forgets an operation that has ended; one still running is refused.
    pub async fn delete_operation(&self, id: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let r = operation::Entity::delete_many()
            .filter(operation::Column::Id.eq(id))
            .filter(operation::Column::Done.eq(true))
            .exec(&*txn)
            .await?;
        txn.commit().await?;
        if r.rows_affected == 0 {
            let op = self.operation(id).await?;
            if !op.done {
                return Err(DomainError::precondition(
                    "OPERATION_RUNNING",
                    "name",
                    "操作仍在进行，请先取消或等待其结束 (the operation is still running: cancel it or wait for it)",
                )
                .into());
            }
        }
        Ok(())
    }
}
