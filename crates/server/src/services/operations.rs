//! `google.longrunning.Operations`: reading, waiting for, cancelling and forgetting the
//! long-running operations officers start (bulk answers, report publications), on any replica.

use std::sync::Arc;
use std::time::Duration;

use consult_api::google::longrunning::operations_server::Operations;
use consult_api::google::longrunning::{self, Operation};
use consult_api::rules::{is_resource_id, parse_consultation_name};
use consult_domain::actor::SeesOperations;
use consult_domain::{Actor, DomainError};
use consult_store::StoredOperation;
use tonic::{Request, Response, Status};

use super::{Core, page};
use crate::error::ApiError;
use crate::operations::{failure, to_proto};
use crate::pagination::page_size;

/// The `google.longrunning.Operations` service.
pub(crate) struct LongRunning(pub(crate) Arc<Core>);

/// Longest a `WaitOperation` waits, whatever the request says.
const LONGEST_WAIT: Duration = Duration::from_secs(50);
/// A `WaitOperation` without a timeout waits this long.
const DEFAULT_WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks again.
const WAIT_STEP: Duration = Duration::from_millis(200);

fn operation_id(name: &str) -> Result<&str, DomainError> {
    name.strip_prefix("operations/")
        .filter(|id| is_resource_id(id))
        .ok_or_else(|| {
            DomainError::invalid(
                "name",
                "资源名称格式不正确，应为 operations/{id} (name must be operations/{id})",
            )
        })
}

fn actor_of<T>(core: &Core, request: &Request<T>) -> Result<Actor, ApiError> {
    let actor = core.auth.actor(request)?;
    Ok(consult_domain::actor::authenticated(actor.as_ref())?.clone())
}

/// What a principal who sees no operations hears of one: that it does not exist.
fn unseen(id: &str) -> ApiError {
    DomainError::not_found(format!("operations/{id}")).into()
}

impl LongRunning {
    /// Operation `id` if `actor` may see it ([`Actor::sees_operations`]).
    async fn visible(&self, actor: &Actor, id: &str) -> Result<StoredOperation, ApiError> {
        let op = self.0.store.operation(id).await?;
        match actor.sees_operations() {
            SeesOperations::All => Ok(op),
            SeesOperations::OnReadableConsultations => {
                let c = self.0.store.consultation(&op.consultation_id).await?;
                actor.may_read_internal(&c.department)?;
                Ok(op)
            }
            SeesOperations::None => Err(unseen(id)),
        }
    }

    /// Operation `id` if `actor` may see it and act on it: cancel or delete it, as one who may
    /// manage its consultation (an auditor reads operations but does not act on them).
    async fn manageable(&self, actor: &Actor, id: &str) -> Result<StoredOperation, ApiError> {
        let op = self.0.store.operation(id).await?;
        if actor.sees_operations() == SeesOperations::None {
            return Err(unseen(id));
        }
        let c = self.0.store.consultation(&op.consultation_id).await?;
        actor.may_manage(&c.department)?;
        Ok(op)
    }

    async fn get_operation(
        &self,
        request: Request<longrunning::GetOperationRequest>,
    ) -> Result<Operation, ApiError> {
        let actor = actor_of(&self.0, &request)?;
        let id = operation_id(&request.get_ref().name)?.to_owned();
        let op = self.visible(&actor, &id).await?;
        to_proto(&self.0, &op).await
    }

    async fn list_operations(
        &self,
        request: Request<longrunning::ListOperationsRequest>,
    ) -> Result<longrunning::ListOperationsResponse, ApiError> {
        let actor = actor_of(&self.0, &request)?;
        let req = request.into_inner();
        if !req.filter.is_empty() {
            return Err(DomainError::invalid(
                "filter",
                "不支持筛选表达式，请按事项列出：name = consultations/{id} (filters are not supported; list by consultation)",
            )
            .into());
        }
        if !(0..=1000).contains(&req.page_size) {
            return Err(DomainError::invalid(
                "page_size",
                "page_size 须在 0 到 1000 之间 (page_size must be 0-1000)",
            )
            .into());
        }
        let cid = parse_consultation_name(&req.name).ok_or_else(|| {
            DomainError::invalid(
                "name",
                "应为 consultations/{id}：列出该事项的操作 (name must be consultations/{id})",
            )
        })?;
        let c = self.0.store.consultation(cid).await?;
        actor.may_read_internal(&c.department)?;
        let scope = format!("operations|{cid}");
        let after = self.0.pages.check(&scope, &req.page_token)?;
        let limit = page_size(req.page_size);
        let rows = self
            .0
            .store
            .list_operations(Some(cid), after.as_deref(), limit + 1)
            .await?;
        let (rows, next_page_token) = page(rows, limit, |o| self.0.pages.issue(&scope, &o.id));
        let mut operations = Vec::with_capacity(rows.len());
        for op in &rows {
            operations.push(to_proto(&self.0, op).await?);
        }
        Ok(longrunning::ListOperationsResponse {
            operations,
            next_page_token,
            unreachable: Vec::new(),
        })
    }

    async fn delete_operation(
        &self,
        request: Request<longrunning::DeleteOperationRequest>,
    ) -> Result<(), ApiError> {
        let actor = actor_of(&self.0, &request)?;
        let id = operation_id(&request.get_ref().name)?.to_owned();
        self.manageable(&actor, &id).await?;
        self.0.store.delete_operation(&id).await?;
        Ok(())
    }

    async fn cancel_operation(
        &self,
        request: Request<longrunning::CancelOperationRequest>,
    ) -> Result<(), ApiError> {
        let actor = actor_of(&self.0, &request)?;
        let id = operation_id(&request.get_ref().name)?.to_owned();
        let op = self.manageable(&actor, &id).await?;
        if op.done {
            return Ok(());
        }
        // Heard at once if this replica runs it; through the database everywhere else.
        if let Some(live) = self.0.operations.live(&id) {
            live.cancel();
        }
        let now = self.0.clock.now();
        self.0.store.request_cancellation(&id, now).await?;
        // One nobody has taken up yet ends here.
        let failure = failure(ApiError::Store(consult_store::StoreError::Cancelled));
        self.0
            .store
            .fail_operation(&id, None, &failure, now)
            .await?;
        Ok(())
    }

    async fn wait_operation(
        &self,
        request: Request<longrunning::WaitOperationRequest>,
    ) -> Result<Operation, ApiError> {
        let actor = actor_of(&self.0, &request)?;
        let req = request.into_inner();
        let id = operation_id(&req.name)?.to_owned();
        let wait = match req.timeout {
            Some(t) if t.seconds < 0 || t.nanos < 0 => {
                return Err(
                    DomainError::invalid("timeout", "不能为负 (must not be negative)").into(),
                );
            }
            Some(t) => Duration::new(t.seconds as u64, t.nanos as u32),
            None => DEFAULT_WAIT,
        }
        .min(LONGEST_WAIT);
        let until = tokio::time::Instant::now() + wait;
        loop {
            let op = self.visible(&actor, &id).await?;
            if op.done || tokio::time::Instant::now() >= until {
                return to_proto(&self.0, &op).await;
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
    }
}

grpc_service! {
    Operations for LongRunning {
        list_operations(longrunning::ListOperationsRequest) -> longrunning::ListOperationsResponse;
        get_operation(longrunning::GetOperationRequest) -> Operation;
        delete_operation(longrunning::DeleteOperationRequest) -> ();
        cancel_operation(longrunning::CancelOperationRequest) -> ();
        wait_operation(longrunning::WaitOperationRequest) -> Operation;
    }
}
