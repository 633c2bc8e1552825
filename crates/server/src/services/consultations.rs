//! `consult.v1.ConsultationService`: drafts, publication and the window's lifecycle.

use std::sync::Arc;

use consult_api::pb::consultation_service_server::ConsultationService;
use consult_api::pb::{self, Consultation as PbConsultation};
use consult_api::rules::parse_consultation_name;
use consult_domain::Role;
use consult_domain::actor::{list_scope, may_read_consultation};
use consult_domain::catalogue::{ItemReference, publish_carrying};
use consult_domain::consultation::{DraftChanges, catalogue_item_of};
use consult_domain::decision::{FeedbackDeadline, HearingsNeeded};
use consult_domain::error::Violations;
use consult_domain::window::local_date;
use consult_domain::{
    Actor, Channel, Consultation, ConsultationKind, ConsultationState, DomainError,
};
use consult_store::ConsultationFilter;
use tonic::{Request, Response, Status};

use super::{Core, id_of, page, public, signed};
use crate::convert::{self, optional, required, time};
use crate::error::ApiError;
use crate::pagination::page_size;

/// The service over the shared core.
pub(crate) struct Consultations(pub(crate) Arc<Core>);

/// Fields of a draft an officer may write, as `update_mask` paths.
const DRAFT_PATHS: &[&str] = &[
    "title",
    "kind",
    "draft_text",
    "basis",
    "explanation",
    "channels",
    "opens_at",
    "closes_at",
    "shortened_reason",
    "catalogue_item",
];

fn draft_changes(c: &PbConsultation, paths: &[&str]) -> Result<DraftChanges, DomainError> {
    let mut ch = DraftChanges::default();
    let mut v = Violations::new();
    for path in paths {
        match *path {
            "title" => ch.title = Some(c.title.clone()),
            "kind" => ch.kind = v.take(required::<ConsultationKind>(c.kind, "consultation.kind")),
            "draft_text" => ch.draft_text = Some(c.draft_text.clone()),
            "basis" => ch.basis = Some(c.basis.clone()),
            "explanation" => ch.explanation = Some(c.explanation.clone()),
            "channels" => {
                let parsed: Vec<Option<Channel>> = c
                    .channels
                    .iter()
                    .enumerate()
                    .map(|(i, x)| v.take(required(*x, &format!("consultation.channels[{i}]"))))
                    .collect();
                ch.channels = parsed.into_iter().collect();
            }
            "opens_at" => {
                ch.opens_at = Some(
                    c.opens_at
                        .as_ref()
                        .and_then(|t| v.take(time(t, "consultation.opens_at"))),
                )
            }
            "closes_at" => {
                ch.closes_at = Some(
                    c.closes_at
                        .as_ref()
                        .and_then(|t| v.take(time(t, "consultation.closes_at"))),
                )
            }
            "shortened_reason" => ch.shortened_reason = Some(c.shortened_reason.clone()),
            "catalogue_item" => ch.catalogue_item = Some(c.catalogue_item.clone()),
            other => v.push(
                "update_mask",
                format!(
                    "不能修改字段 {other}；可修改：{} (unknown or read-only path)",
                    DRAFT_PATHS.join(", ")
                ),
            ),
        }
    }
    v.finish()?;
    Ok(ch)
}

impl Consultations {
    fn show(&self, c: &Consultation) -> PbConsultation {
        convert::consultation(c, self.0.clock.now(), &self.0.calendar())
    }

    /// Runs one lifecycle transition as the officer of the consultation's department.
    async fn transition<F>(
        &self,
        actor: &Actor,
        name: &str,
        action: &'static str,
        change: F,
    ) -> Result<PbConsultation, ApiError>
    where
        F: FnOnce(&mut Consultation, chrono::DateTime<chrono::Utc>) -> Result<(), DomainError>,
    {
        let id = id_of(parse_consultation_name(name), "name")?;
        let now = self.0.clock.now();
        let c = self
            .0
            .store
            .change_consultation(&id, &actor.id, action, now, |c| {
                actor.may_manage(&c.department)?;
                change(c, now)
            })
            .await
            .map_err(ApiError::from)?;
        tracing::info!(consultation = %id, actor = %actor.id, action, "consultation changed");
        Ok(self.show(&c))
    }
}

impl Consultations {
    async fn create_consultation(
        &self,
        request: Request<pb::CreateConsultationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        let c = req.consultation.ok_or_else(|| {
            DomainError::invalid(
                "consultation",
                "必须提供征求意见事项 (consultation is required)",
            )
        })?;
        let department = if c.department.trim().is_empty() {
            actor.department().unwrap_or_default().to_owned()
        } else {
            c.department.trim().to_owned()
        };
        actor.may_manage(&department)?;
        if let Some(registered) = self.0.store.find_department(&department).await? {
            registered.admit_new_consultation()?;
        }
        let mut changes = draft_changes(&c, DRAFT_PATHS)?;
        // draft_changes refuses an unspecified kind, so it is always present here.
        let kind = changes.kind.take().ok_or_else(|| {
            DomainError::invalid("consultation.kind", "必须指定事项类型 (kind is required)")
        })?;
        let now = self.0.clock.now();
        let consultation = Consultation::create(
            ulid::Ulid::new().to_string(),
            department,
            kind,
            changes,
            &actor.id,
            now,
        )?;
        self.0
            .store
            .create_consultation(&consultation, &actor.id)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(consultation = %consultation.id, actor = %actor.id, "consultation created");
        Ok(self.show(&consultation))
    }

    async fn get_consultation(
        &self,
        request: Request<pb::GetConsultationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let id = id_of(parse_consultation_name(&req.name), "name")?;
        let c = self
            .0
            .store
            .consultation(&id)
            .await
            .map_err(ApiError::from)?;
        may_read_consultation(actor.as_ref(), &c)?;
        Ok(self.show(&c))
    }

    async fn list_consultations(
        &self,
        request: Request<pb::ListConsultationsRequest>,
    ) -> Result<pb::ListConsultationsResponse, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let mut v = Violations::new();
        let state = v.take(optional::<ConsultationState>(req.state, "state"));
        let kind = v.take(optional::<ConsultationKind>(req.kind, "kind"));
        v.finish()?;
        let scope = list_scope(actor.as_ref());
        let filter = ConsultationFilter {
            state: state.flatten(),
            kind: kind.flatten(),
            department: Some(req.department.trim().to_owned()).filter(|d| !d.is_empty()),
        };
        let token_scope = format!("consultations|{scope:?}|{filter:?}");
        let after = self.0.pages.check(&token_scope, &req.page_token)?;
        let limit = page_size(req.page_size);
        let now = self.0.clock.now();
        let rows = self
            .0
            .store
            .list_consultations(&scope, &filter, after.as_deref(), limit + 1, now)
            .await?;
        let (rows, next_page_token) =
            page(rows, limit, |c| self.0.pages.issue(&token_scope, &c.id));
        let calendar = self.0.calendar();
        Ok(pb::ListConsultationsResponse {
            consultations: rows
                .iter()
                .map(|c| convert::consultation(c, now, &calendar))
                .collect(),
            next_page_token,
        })
    }

    async fn update_consultation(
        &self,
        request: Request<pb::UpdateConsultationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        let c = req.consultation.ok_or_else(|| {
            DomainError::invalid(
                "consultation",
                "必须提供征求意见事项 (consultation is required)",
            )
        })?;
        let paths: Vec<&str> = req
            .update_mask
            .as_ref()
            .map(|m| m.paths.iter().map(String::as_str).collect())
            .unwrap_or_default();
        if paths.is_empty() {
            return Err(DomainError::invalid(
                "update_mask",
                "必须指定要修改的字段 (update_mask must name the fields to change)",
            )
            .into());
        }
        if parse_consultation_name(&c.name).is_none() {
            return Err(DomainError::invalid(
                "consultation.name",
                "须为 consultations/{id} 形式 (must be a resource name like consultations/{id})",
            )
            .into());
        }
        let changes = draft_changes(&c, &paths)?;
        self.transition(actor, &c.name, "consultation.update", |c, now| {
            c.update(changes, now)
        })
        .await
    }

    async fn publish_consultation(
        &self,
        request: Request<pb::PublishConsultationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        let calendar = &*self.0.calendar();
        // The catalogue item it names, as the latest published catalogue has it.
        let id = id_of(parse_consultation_name(&req.name), "name")?;
        let named = self.0.store.consultation(&id).await?.catalogue_item;
        let catalogue = match catalogue_item_of(&named) {
            Some((catalogue, _)) => self.0.store.published_catalogue(catalogue).await?,
            None => None,
        };
        self.transition(actor, &req.name, "consultation.publish", |c, now| {
            if c.catalogue_item != named {
                return Err(changed_while(c));
            }
            let found = catalogue
                .as_ref()
                .zip(catalogue_item_of(&c.catalogue_item))
                .and_then(|(cat, (_, item))| {
                    cat.item(item).map(|item| ItemReference {
                        catalogue: cat,
                        item,
                    })
                });
            publish_carrying(c, found, now, calendar)
        })
        .await
    }

    async fn extend_consultation(
        &self,
        request: Request<pb::ExtendConsultationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        let closes_at = req
            .closes_at
            .as_ref()
            .ok_or_else(|| {
                DomainError::invalid("closes_at", "必须给出新的截止时间 (closes_at is required)")
            })
            .and_then(|t| time(t, "closes_at"))?;
        let officer = actor.id.clone();
        self.transition(actor, &req.name, "consultation.extend", |c, now| {
            c.extend(closes_at, &req.reason, &officer, now)
        })
        .await
    }

    async fn close_consultation(
        &self,
        request: Request<pb::CloseConsultationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        self.transition(actor, &req.name, "consultation.close", |c, now| {
            c.close(now)
        })
        .await
    }

    async fn withdraw_consultation(
        &self,
        request: Request<pb::WithdrawConsultationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        self.transition(actor, &req.name, "consultation.withdraw", |c, now| {
            c.withdraw(&req.reason, now)
        })
        .await
    }
}

/// The consultation's catalogue item changed between its reading and the transaction.
fn changed_while(c: &Consultation) -> DomainError {
    DomainError::precondition(
        "CONSULTATION_CHANGED",
        format!("consultations/{}", c.id),
        "办理过程中目录事项被修改，请重试 (the catalogue item changed meanwhile; retry)",
    )
}

impl Consultations {
    /// The catalogue item consultation `id` names, and that item as the latest published
    /// version of its catalogue has it (`None`: no item, or none published).
    async fn catalogue_item(
        &self,
        id: &str,
    ) -> Result<(String, Option<consult_domain::catalogue::CatalogueItem>), ApiError> {
        let named = self.0.store.consultation(id).await?.catalogue_item;
        let item = match catalogue_item_of(&named) {
            Some((catalogue, item)) => self
                .0
                .store
                .published_catalogue(catalogue)
                .await?
                .and_then(|cat| cat.item(item).cloned()),
            None => None,
        };
        Ok((named, item))
    }

    async fn mark_ready_for_deliberation(
        &self,
        request: Request<pb::MarkReadyForDeliberationRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let id = id_of(parse_consultation_name(&req.name), "name")?;
        // Whether a hearing is required is the catalogue's latest published word on the item.
        let (named, item) = self.catalogue_item(&id).await?;
        let now = self.0.clock.now();
        let c = self
            .0
            .store
            .change_consultation_counted(
                &id,
                &actor.id,
                "consultation.ready",
                now,
                |c, tally, held| {
                    actor.may_manage(&c.department)?;
                    if c.catalogue_item != named {
                        return Err(changed_while(c));
                    }
                    let required = item.as_ref().is_some_and(|i| i.hearing_required);
                    c.mark_ready(tally, HearingsNeeded { required, held }, now)
                },
            )
            .await?;
        tracing::info!(consultation = %id, actor = %actor.id, "ready for deliberation");
        Ok(self.show(&c))
    }

    async fn record_decision(
        &self,
        request: Request<pb::RecordDecisionRequest>,
    ) -> Result<PbConsultation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let d = req.decision.as_ref().ok_or_else(|| {
            DomainError::invalid("decision", "必须提供决策文件 (decision is required)")
        })?;
        let date = convert::date(&d.decide_date, "decision.decide_date")?;
        let officer = actor.id.clone();
        let calendar = &*self.0.calendar();
        self.transition(&actor, &req.name, "consultation.decide", |c, now| {
            c.record_decision(
                consult_domain::decision::DecisionFields {
                    number: &d.number,
                    title: &d.title,
                    text_url: &d.text_uri,
                    decided_on: date,
                },
                &officer,
                now,
                calendar,
            )
        })
        .await
    }

    async fn list_feedback_due(
        &self,
        request: Request<pb::ListFeedbackDueRequest>,
    ) -> Result<pb::ListFeedbackDueResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let asked = Some(req.department.trim()).filter(|d| !d.is_empty());
        let department = match (actor.department(), &actor.role) {
            (Some(own), _) => {
                if let Some(d) = asked {
                    actor.may_manage(d)?;
                }
                Some(own.to_owned())
            }
            (None, Role::Auditor) => asked.map(str::to_owned),
            _ => {
                return Err(DomainError::denied(
                    "只有承办部门工作人员和审计员可以查看反馈期限 (only officers and auditors see feedback deadlines)",
                )
                .into());
            }
        };
        let now = self.0.clock.now();
        let today = local_date(now);
        let calendar = self.0.calendar();
        let within = if req.within_days == 0 {
            7
        } else {
            req.within_days
        };
        let until = today + chrono::Days::new(u64::try_from(within).unwrap_or(7));
        let rows = self
            .0
            .store
            .feedback_due(department.as_deref(), until)
            .await?;
        Ok(pb::ListFeedbackDueResponse {
            items: rows
                .iter()
                .map(|c| {
                    let deadline = c.feedback_deadline(today, &calendar);
                    pb::FeedbackDue {
                        consultation: format!("consultations/{}", c.id),
                        title: c.title.clone(),
                        department: c.department.clone(),
                        decide_date: c
                            .decision
                            .as_ref()
                            .map(|d| d.decided_on.format("%Y-%m-%d").to_string())
                            .unwrap_or_default(),
                        due_date: match deadline {
                            Some(
                                FeedbackDeadline::Due(d)
                                | FeedbackDeadline::Overdue(d)
                                | FeedbackDeadline::Provisional(d),
                            ) => d.format("%Y-%m-%d").to_string(),
                            _ => String::new(),
                        },
                        overdue: matches!(deadline, Some(FeedbackDeadline::Overdue(_))),
                        provisional: matches!(deadline, Some(FeedbackDeadline::Provisional(_))),
                    }
                })
                .collect(),
        })
    }
}

grpc_service! {
    ConsultationService for Consultations {
        create_consultation(pb::CreateConsultationRequest) -> PbConsultation;
        get_consultation(pb::GetConsultationRequest) -> PbConsultation;
        list_consultations(pb::ListConsultationsRequest) -> pb::ListConsultationsResponse;
        update_consultation(pb::UpdateConsultationRequest) -> PbConsultation;
        publish_consultation(pb::PublishConsultationRequest) -> PbConsultation;
        extend_consultation(pb::ExtendConsultationRequest) -> PbConsultation;
        close_consultation(pb::CloseConsultationRequest) -> PbConsultation;
        withdraw_consultation(pb::WithdrawConsultationRequest) -> PbConsultation;
        mark_ready_for_deliberation(pb::MarkReadyForDeliberationRequest) -> PbConsultation;
        record_decision(pb::RecordDecisionRequest) -> PbConsultation;
        list_feedback_due(pb::ListFeedbackDueRequest) -> pb::ListFeedbackDueResponse;
    }
}
