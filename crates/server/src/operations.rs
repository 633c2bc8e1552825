//! Long-running operations: starting one, the runner each replica keeps (which takes up
//! operations under a lease, from any replica, and renews the lease while it works), and the
//! operation as the API shows it. The rows live in the database (`consult_store`), so that an
//! operation outlives its caller and the replica that started it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use consult_api::google::{longrunning, rpc};
use consult_api::pb;
use consult_domain::Actor;
use consult_store::{
    NewOperation, OperationFailure, OperationKind, OperationOutcome, OperationProgress,
    OperationRun, StoredOperation,
};
use prost::{Message, Name};
use tokio::sync::Notify;

use crate::convert;
use crate::error::ApiError;
use crate::services::Core;
use crate::services::{comments, feedback, suggestions};

/// How long a replica holds an operation without renewing its lease.
const LEASE: Duration = Duration::from_secs(30);
/// How often the lease is renewed and progress recorded while an operation runs.
const RENEW_EVERY: Duration = Duration::from_secs(3);
/// How often a runner looks for operations nobody holds (another replica's, or a stopped
/// replica's); its own start wakes it at once.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// Takes of an operation that met passing faults (database restarts) before it fails.
const MAX_ATTEMPTS: u32 = 5;

/// The operations this replica runs, their live progress, and the bell that wakes its runner.
pub(crate) struct Operations {
    /// This replica's name in leases.
    owner: String,
    running: Mutex<HashMap<String, Arc<OperationProgress>>>,
    wake: Notify,
}

impl Operations {
    pub(crate) fn new() -> Self {
        Self {
            owner: format!("consultd-{}", ulid::Ulid::new()),
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
        }
    }

    /// This replica's name in leases.
    pub(crate) fn owner(&self) -> &str {
        &self.owner
    }

    /// Live progress of an operation this replica runs.
    pub(crate) fn live(&self, id: &str) -> Option<Arc<OperationProgress>> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    fn track(&self, id: &str, progress: Arc<OperationProgress>) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), progress);
    }

    fn forget(&self, id: &str) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// Records a new operation and wakes this replica's runner.
pub(crate) async fn start(
    core: &Core,
    kind: OperationKind,
    consultation_id: String,
    actor: Actor,
    request: Vec<u8>,
) -> Result<StoredOperation, ApiError> {
    let op = core
        .store
        .create_operation(
            NewOperation {
                id: ulid::Ulid::new().to_string(),
                kind,
                consultation_id,
                actor,
                request,
            },
            core.clock.now(),
        )
        .await?;
    tracing::info!(operation = %op.id, kind = kind.code(), consultation = %op.consultation_id, "operation started");
    core.operations.wake.notify_one();
    Ok(op)
}

/// Takes up operations, one at a time, until the task is aborted.
pub(crate) async fn run(core: Arc<Core>) {
    loop {
        loop {
            let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX);
            match core
                .store
                .claim_operation(&core.operations.owner, core.clock.now(), lease)
                .await
            {
                Ok(Some(op)) => execute(&core, op).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "operations: cannot look for work");
                    break;
                }
            }
        }
        tokio::select! {
            () = core.operations.wake.notified() => {}
            () = tokio::time::sleep(POLL_EVERY) => {}
        }
    }
}

async fn execute(core: &Arc<Core>, op: StoredOperation) {
    let progress = Arc::new(OperationProgress::default());
    let run = OperationRun {
        id: op.id.clone(),
        owner: core.operations.owner.clone(),
        progress: progress.clone(),
    };
    core.operations.track(&op.id, progress.clone());
    if op.cancel_requested {
        progress.cancel();
    }
    tracing::info!(operation = %op.id, kind = op.kind.code(), attempt = op.attempts, "operation running");
    let renewing = tokio::spawn(renew(core.clone(), run.clone()));
    let result = work(core, &op, &run).await;
    renewing.abort();
    core.operations.forget(&op.id);
    let now = core.clock.now();
    let failure = match result {
        // The work ended the operation in its own transaction.
        Ok(()) => {
            tracing::info!(operation = %op.id, "operation done");
            return;
        }
        Err(ApiError::Store(e)) if e.is_transient() && op.attempts < MAX_ATTEMPTS => {
            // Rolled back whole: any replica may take it up again.
            tracing::warn!(operation = %op.id, error = %e, "operation interrupted; released");
            if let Err(e) = core.store.release_operation(&run, now).await {
                tracing::warn!(operation = %op.id, error = %e, "operation not released; its lease will run out");
            }
            return;
        }
        Err(e) => failure(e),
    };
    tracing::info!(operation = %op.id, code = failure.code, message = %failure.message, "operation failed");
    if let Err(e) = core
        .store
        .fail_operation(&op.id, Some(&run.owner), &failure, now)
        .await
    {
        tracing::warn!(operation = %op.id, error = %e, "operation failure not recorded; its lease will run out");
    }
}

async fn work(core: &Core, op: &StoredOperation, run: &OperationRun) -> Result<(), ApiError> {
    let corrupt = |e: prost::DecodeError| {
        ApiError::Store(consult_store::StoreError::Corrupt(format!(
            "operation {} request: {e}",
            op.id
        )))
    };
    match op.kind {
        OperationKind::BulkAnswerComments => {
            let req =
                pb::BulkAnswerCommentsRequest::decode(op.request.as_slice()).map_err(corrupt)?;
            feedback::bulk_answer(core, &op.actor, &req, Some(run)).await?;
        }
        OperationKind::PublishFeedbackReport => {
            let req =
                pb::PublishFeedbackReportRequest::decode(op.request.as_slice()).map_err(corrupt)?;
            feedback::publish_feedback(core, &op.actor, &req, Some(run)).await?;
        }
        OperationKind::CorrectFeedbackReport => {
            let req =
                pb::CorrectFeedbackReportRequest::decode(op.request.as_slice()).map_err(corrupt)?;
            feedback::correct_feedback(core, &op.actor, &req, Some(run)).await?;
        }
        OperationKind::ComputeSuggestions => {
            let req = pb::StartComputeSuggestionsRequest::decode(op.request.as_slice())
                .map_err(corrupt)?;
            suggestions::compute(core, &op.actor, &req, Some(run)).await?;
        }
        OperationKind::BulkHideComments => {
            let req =
                pb::BulkHideCommentsRequest::decode(op.request.as_slice()).map_err(corrupt)?;
            comments::bulk_hide(core, &op.actor, &req, Some(run)).await?;
        }
    }
    Ok(())
}

/// Renews the lease and records progress until aborted; cancellation asked for on any replica
/// reaches the work here (and at its next page).
async fn renew(core: Arc<Core>, run: OperationRun) {
    let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX);
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        match core
            .store
            .renew_operation(&run, core.clock.now(), lease)
            .await
        {
            Ok(Some(true)) => run.progress.cancel(),
            Ok(Some(false)) => {}
            // Another replica holds it now: stop, so that the work is not done twice.
            Ok(None) => {
                run.progress.cancel();
                return;
            }
            Err(e) => tracing::warn!(operation = %run.id, error = %e, "lease not renewed"),
        }
    }
}

/// The status an operation's failure is shown with, details included.
pub(crate) fn failure(e: ApiError) -> OperationFailure {
    let status = tonic::Status::from(e);
    let details = status.details();
    let details = if details.is_empty() {
        rpc::Status {
            code: status.code() as i32,
            message: status.message().to_owned(),
            details: Vec::new(),
        }
        .encode_to_vec()
    } else {
        details.to_vec()
    };
    OperationFailure {
        code: status.code() as i32,
        message: status.message().to_owned(),
        details,
    }
}

fn any<M: Message + Name>(m: &M) -> prost_types::Any {
    prost_types::Any {
        // The host every gRPC client library resolves type URLs with.
        type_url: format!("type.googleapis.com/{}", M::full_name()),
        value: m.encode_to_vec(),
    }
}

/// The operation as `google.longrunning` shows it: live progress when this replica runs it,
/// the response rebuilt from what the work recorded.
pub(crate) async fn to_proto(
    core: &Core,
    op: &StoredOperation,
) -> Result<longrunning::Operation, ApiError> {
    let (mut done, mut total) = (op.progress_done, op.progress_total);
    if let Some(live) = core.operations.live(&op.id) {
        (done, total) = live.get();
    }
    let metadata = pb::OperationMetadata {
        kind: op.kind.code().to_owned(),
        target: format!("consultations/{}", op.consultation_id),
        progress_done: i64::try_from(done).unwrap_or(i64::MAX),
        progress_total: i64::try_from(total).unwrap_or(i64::MAX),
        cancel_requested: op.cancel_requested,
        requested_by: op.actor.id.clone(),
        create_time: Some(convert::timestamp(op.created_at)),
        update_time: Some(convert::timestamp(op.updated_at)),
        end_time: op.ended_at.map(convert::timestamp),
        attempts: i32::try_from(op.attempts).unwrap_or(i32::MAX),
    };
    let result = match &op.result {
        None => None,
        Some(Ok(OperationOutcome::Answered { count, names })) => Some(
            longrunning::operation::Result::Response(any(&pb::BulkAnswerCommentsResponse {
                answered_count: i64::try_from(*count).unwrap_or(i64::MAX),
                comments: names.clone(),
            })),
        ),
        Some(Ok(OperationOutcome::Hidden { count, names })) => {
            Some(longrunning::operation::Result::Response(any(
                &comments::hidden_response(*count, names.clone()),
            )))
        }
        Some(Ok(OperationOutcome::SuggestionsComputed {
            compared,
            suggestions,
            suggested,
        })) => {
            let n = |v: &u64| i64::try_from(*v).unwrap_or(i64::MAX);
            Some(longrunning::operation::Result::Response(any(
                &pb::ComputeSuggestionsResponse {
                    compared_count: n(compared),
                    suggestion_count: n(suggestions),
                    suggested_count: n(suggested),
                },
            )))
        }
        Some(Ok(OperationOutcome::Published { version })) => {
            let report = feedback::published_basic(core, &op.consultation_id, *version).await?;
            Some(longrunning::operation::Result::Response(any(&report)))
        }
        Some(Err(f)) => Some(longrunning::operation::Result::Error(
            rpc::Status::decode(f.details.as_slice()).unwrap_or_else(|_| rpc::Status {
                code: f.code,
                message: f.message.clone(),
                details: Vec::new(),
            }),
        )),
    };
    Ok(longrunning::Operation {
        name: format!("operations/{}", op.id),
        metadata: Some(any(&metadata)),
        done: op.done,
        result,
    })
}
