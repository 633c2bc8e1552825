//! `consult.v1.AuditService`: auditors list the audit log by consultation, actor and time, and
//! verify its hash chains, which names the first broken link.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::audit_service_server::AuditService;
use consult_api::rules::parse_consultation_name;
use consult_domain::error::Violations;
use consult_store::{AuditEvent, AuditFilter};
use tonic::{Request, Response, Status};

use super::{Core, page, signed};
use crate::convert::{time, timestamp};
use crate::error::ApiError;
use crate::pagination::page_size;

/// The audit service.
pub(crate) struct Audit(pub(crate) Arc<Core>);

grpc_service!(AuditService for Audit {
    list_audit_events(pb::ListAuditEventsRequest) -> pb::ListAuditEventsResponse;
    verify_audit_chain(pb::VerifyAuditChainRequest) -> pb::AuditChainVerification;
});

fn event(e: AuditEvent) -> pb::AuditEvent {
    pb::AuditEvent {
        id: e.id,
        consultation: e
            .consultation_id
            .map(|c| format!("consultations/{c}"))
            .unwrap_or_default(),
        actor: e.actor,
        action: e.action,
        subject: e.subject,
        before_json: e.before.unwrap_or_default(),
        after_json: e.after.unwrap_or_default(),
        occur_time: Some(timestamp(e.occurred_at)),
        hash: e.hash,
        prev_hash: e.prev_hash,
    }
}

impl Audit {
    async fn list_audit_events(
        &self,
        request: Request<pb::ListAuditEventsRequest>,
    ) -> Result<pb::ListAuditEventsResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        actor.may_audit()?;
        let mut v = Violations::new();
        let from = req
            .start_time
            .as_ref()
            .and_then(|t| v.take(time(t, "start_time")));
        let until = req
            .end_time
            .as_ref()
            .and_then(|t| v.take(time(t, "end_time")));
        v.finish()?;
        let filter = AuditFilter {
            consultation_id: parse_consultation_name(&req.consultation).map(str::to_owned),
            actor: (!req.actor.is_empty()).then(|| req.actor.clone()),
            from,
            until,
        };
        let scope = format!("audit|{filter:?}");
        let after = self
            .0
            .pages
            .check(&scope, &req.page_token)?
            .and_then(|a| a.parse::<i64>().ok());
        let limit = page_size(req.page_size);
        let rows = self
            .0
            .store
            .list_audit_events(&filter, after, limit + 1)
            .await?;
        let (rows, next_page_token) = page(rows, limit, |e| {
            self.0.pages.issue(&scope, &e.id.to_string())
        });
        Ok(pb::ListAuditEventsResponse {
            events: rows.into_iter().map(event).collect(),
            next_page_token,
        })
    }

    async fn verify_audit_chain(
        &self,
        request: Request<pb::VerifyAuditChainRequest>,
    ) -> Result<pb::AuditChainVerification, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        actor.may_audit()?;
        let consultation = parse_consultation_name(&req.consultation);
        if let Some(c) = consultation {
            // Names a consultation that exists, or answers NOT_FOUND.
            self.0.store.consultation(c).await?;
        }
        let found = self.0.store.verify_audit(consultation).await?;
        let checked = i64::try_from(found.checked).unwrap_or(i64::MAX);
        Ok(match found.broken {
            None => pb::AuditChainVerification {
                intact: true,
                events_checked: checked,
                ..Default::default()
            },
            Some(b) => {
                tracing::error!(event = b.event_id, chain = %b.chain, "audit chain broken");
                pb::AuditChainVerification {
                    intact: false,
                    events_checked: checked,
                    broken_event_id: b.event_id,
                    broken_chain: b.chain,
                    problem: b.problem,
                }
            }
        })
    }
}
