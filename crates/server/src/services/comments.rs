//! `consult.v1.CommentService`: submission through the group-commit writer, reads, receipt lookup.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use consult_api::google::longrunning;
use consult_api::pb::comment_service_server::CommentService;
use consult_api::pb::{self, Comment as PbComment};
use consult_api::rules::{
    parse_comment_name, parse_consultation_name, parse_opinion_group_name, parse_suggestion_name,
};
use consult_domain::answering::HideReason;
use consult_domain::answering::bulk::CommentTarget;
use consult_domain::clause::{Clause, clause_listing};
use consult_domain::comment::{CommentFields, ReceiptCode};
use consult_domain::error::Violations;
use consult_domain::search::SearchText;
use consult_domain::{Actor, Channel, DomainError, NewComment, SubmitterCategory};
use consult_store::{
    Answering, AnsweringStatus, BulkDone, CommentFilter, CommentScope, OperationKind, OperationRun,
    Submission,
};
use prost::Message;
use tonic::{Request, Response, Status};

use super::feedback::{comment_ids, effective, selection};
use super::{Core, id_of, page, public, signed};
use crate::convert::{self, optional, required, time, timestamp};
use crate::error::ApiError;
use crate::pagination::page_size;

/// The service over the shared core.
pub(crate) struct Comments(pub(crate) Arc<Core>);

pub(crate) fn new_comment(c: &PbComment) -> Result<NewComment, DomainError> {
    let mut v = Violations::new();
    let channel = v.take(required::<Channel>(c.channel, "comment.channel"));
    let category = v.take(required::<SubmitterCategory>(
        c.submitter_category,
        "comment.submitter_category",
    ));
    let postmark = match &c.postmarked_at {
        Some(t) => v.take(time(t, "comment.postmarked_at")).map(Some),
        None => Some(None),
    };
    let submitter = c.submitter.clone().unwrap_or_default();
    let fields = CommentFields {
        submitter_name: &submitter.name,
        submitter_organization: &submitter.organization,
        submitter_contact: &submitter.contact,
        content: &c.content,
        clause_reference: &c.clause_reference,
    };
    match (channel, category, postmark) {
        (Some(ch), Some(cat), Some(pm)) => {
            let parsed = v.take(NewComment::parse(
                ch,
                cat,
                fields,
                pm,
                c.publish_name_consent,
            ));
            v.finish()?;
            parsed.ok_or_else(|| DomainError::invalid("comment", "无效 (invalid)"))
        }
        _ => {
            // Still report problems with the text alongside the enum errors.
            v.take(consult_domain::CommentContent::parse(&c.content));
            v.finish()?;
            Err(DomainError::invalid("comment", "无效 (invalid)"))
        }
    }
}

impl Comments {
    async fn submit_comment(
        &self,
        request: Request<pb::SubmitCommentRequest>,
    ) -> Result<PbComment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        self.0
            .submit_limiter
            .take(&actor.id)
            .map_err(|retry_after| ApiError::RateLimited {
                caller: actor.id.clone(),
                retry_after,
            })?;
        let consultation_id = id_of(parse_consultation_name(&req.parent), "parent")?;
        let c = req
            .comment
            .as_ref()
            .ok_or_else(|| DomainError::invalid("comment", "必须提供意见 (comment is required)"))?;
        let comment = new_comment(c)?;
        let received_at = self.0.clock.now();
        if req.validate_only {
            let consultation = self.0.store.consultation(&consultation_id).await?;
            consultation.check_submission(&actor, &comment, received_at)?;
            let checked = consult_domain::Comment {
                id: String::new(),
                consultation_id,
                body: comment,
                received_at,
                receipt_code: String::new(),
                submitted_by: actor.id.clone(),
                request_id: req.request_id,
                moderation: None,
                group_id: None,
                disposition: None,
                redactions: Vec::new(),
            };
            let mut out = convert::comment(&checked);
            out.name = String::new();
            out.published_content = checked.public_content().unwrap_or_default();
            return Ok(out);
        }
        let saved = self
            .0
            .writer
            .submit(Submission {
                consultation_id,
                actor,
                request_id: req.request_id,
                comment,
                received_at,
            })
            .await
            .map_err(ApiError::from)?;
        let mut out = convert::comment(&saved);
        // The submitter's system may show at once what the public will read.
        out.published_content = saved.public_content().unwrap_or_default();
        Ok(out)
    }

    async fn get_comment(
        &self,
        request: Request<pb::GetCommentRequest>,
    ) -> Result<PbComment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        let (cid, id) = parse_comment_name(&req.name)
            .ok_or_else(|| DomainError::invalid("name", "资源名称格式不正确 (malformed name)"))?;
        let a = self
            .0
            .store
            .answering(cid, &CommentScope::Ids(vec![id.to_owned()]))
            .await?;
        actor.may_read_internal(&a.consultation.department)?;
        let c = a
            .comments
            .first()
            .ok_or_else(|| DomainError::not_found(req.name.clone()))?;
        let mut out = convert::comment(c);
        out.disposition = effective(&a, c);
        out.published_content = c.public_content().unwrap_or_default();
        Ok(out)
    }

    async fn list_clauses(
        &self,
        request: Request<pb::ListClausesRequest>,
    ) -> Result<pb::ListClausesResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        let consultation = self.0.store.consultation(&cid).await?;
        actor.may_read_internal(&consultation.department)?;
        let counts = self.0.store.clause_counts(&cid).await?;
        let lines = clause_listing(&consultation.draft_text, &counts.articles, &counts.others);
        Ok(pb::ListClausesResponse {
            clauses: lines
                .iter()
                .map(|l| pb::ClauseSummary {
                    clause: l.title(),
                    article: match l.clause {
                        Clause::Article(n) => i32::try_from(n).unwrap_or(i32::MAX),
                        Clause::Text(_) => 0,
                    },
                    opening: l.opening.clone().unwrap_or_default(),
                    in_draft: l.in_draft(),
                    comment_count: i64::try_from(l.comments).unwrap_or(i64::MAX),
                })
                .collect(),
            other_references_not_listed: i64::try_from(counts.others_not_listed)
                .unwrap_or(i64::MAX),
        })
    }

    async fn list_comments(
        &self,
        request: Request<pb::ListCommentsRequest>,
    ) -> Result<pb::ListCommentsResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        let mut v = Violations::new();
        let channel = v.take(optional::<Channel>(req.channel, "channel"));
        let category = v.take(optional::<SubmitterCategory>(
            req.submitter_category,
            "submitter_category",
        ));
        let status = match pb::CommentStatus::try_from(req.status) {
            Ok(pb::CommentStatus::Unspecified) => None,
            Ok(pb::CommentStatus::Visible) => Some(AnsweringStatus::Visible),
            Ok(pb::CommentStatus::Hidden) => Some(AnsweringStatus::Hidden),
            Ok(pb::CommentStatus::Answered) => Some(AnsweringStatus::Answered),
            Ok(pb::CommentStatus::Unanswered) => Some(AnsweringStatus::Unanswered),
            Ok(pb::CommentStatus::Grouped) => Some(AnsweringStatus::Grouped),
            Err(_) => {
                v.push(
                    "status".to_owned(),
                    format!("未知的枚举值 {} (unknown enum value)", req.status),
                );
                None
            }
        };
        let group_id = match parse_opinion_group_name(&req.opinion_group) {
            Some((c, g)) if c == cid => Some(g.to_owned()),
            Some(_) => {
                v.push(
                    "opinion_group".to_owned(),
                    format!(
                        "{} 不属于 consultations/{cid} (the group belongs to another consultation)",
                        req.opinion_group
                    ),
                );
                None
            }
            None => None,
        };
        let suggestion_id = match parse_suggestion_name(&req.suggestion) {
            Some((c, s)) if c == cid => Some(s.to_owned()),
            Some(_) => {
                v.push(
                    "suggestion".to_owned(),
                    format!(
                        "{} 不属于 consultations/{cid} (the suggestion belongs to another consultation)",
                        req.suggestion
                    ),
                );
                None
            }
            None => None,
        };
        let text = v.take(SearchText::parse("query", &req.query)).flatten();
        v.finish()?;
        let filter = CommentFilter {
            channel: channel.flatten(),
            submitter_category: category.flatten(),
            clause: Clause::parse(&req.clause_reference),
            status,
            group_id,
            suggestion_id,
            text,
        };
        let token_scope = format!("comments|{cid}|{filter:?}");
        let after = self.0.pages.check(&token_scope, &req.page_token)?;
        let groups = self.0.store.answering(&cid, &CommentScope::None).await?;
        actor.may_read_internal(&groups.consultation.department)?;
        let limit = page_size(req.page_size);
        let rows = self
            .0
            .store
            .list_comments(&cid, &filter, after.as_deref(), limit + 1)
            .await?;
        let (rows, next_page_token) = page(rows, limit, |c| {
            self.0.pages.issue(&token_scope, &c.position)
        });
        Ok(pb::ListCommentsResponse {
            comments: rows
                .iter()
                .map(|listed| {
                    let mut out = convert::comment(&listed.comment);
                    out.disposition = effective(&groups, &listed.comment);
                    out
                })
                .collect(),
            next_page_token,
        })
    }

    async fn lookup_comment(
        &self,
        request: Request<pb::LookupCommentRequest>,
    ) -> Result<pb::CommentReceipt, ApiError> {
        // Public: a bad credential is still refused, but none is needed.
        let (_, req) = public(&self.0.auth, request)?;
        let code = ReceiptCode::parse(&req.receipt_code)?;
        let (found, consultation) = self
            .0
            .store
            .comment_by_receipt(code.as_str())
            .await
            .map_err(ApiError::from)?;
        let c = &found;
        let state = consultation.state(self.0.clock.now());
        // Answers become public with the feedback report, never before, and as the latest
        // version published them (masked), not as revised since for the next correction.
        let disposition = if consultation.feedback_version > 0 && c.is_visible() {
            self.0
                .store
                .published_entry(&consultation.id, &c.id)
                .await?
                .and_then(|entry| entry.answer)
                .map(|a| convert::report_answer(&a))
        } else {
            None
        };
        Ok(pb::CommentReceipt {
            receipt_code: c.receipt_code.clone(),
            comment: c.name(),
            consultation: format!("consultations/{}", consultation.id),
            consultation_title: consultation.title.clone(),
            consultation_state: Some(pb::ConsultationStateSummary {
                code: state.code().to_owned(),
                label: state.label().to_owned(),
            }),
            channel: convert::ProtoEnum::to_proto(c.body.channel),
            // The public's view of the text, the same as the receipt page's and the report's.
            content: c.public_content().unwrap_or_default(),
            receive_time: Some(timestamp(c.received_at)),
            disposition,
            hidden: !c.is_visible(),
        })
    }

    /// Loads one comment, checks the officer may act on it, and lets `change` decide.
    async fn change_comment<F>(
        &self,
        actor: &Actor,
        name: &str,
        action: &'static str,
        change: F,
    ) -> Result<PbComment, ApiError>
    where
        F: FnOnce(&mut Answering, &str, DateTime<Utc>) -> Result<(), DomainError>,
    {
        let (cid, id) = parse_comment_name(name)
            .ok_or_else(|| DomainError::invalid("name", "资源名称格式不正确 (malformed name)"))?;
        let now = self.0.clock.now();
        let out = self
            .0
            .store
            .change_answering(
                cid,
                CommentScope::Ids(vec![id.to_owned()]),
                &actor.id,
                action,
                name.to_owned(),
                now,
                |a| {
                    actor.may_manage(&a.consultation.department)?;
                    change(a, id, now)?;
                    let c = a.comment_mut(id)?.clone();
                    let mut out = convert::comment(&c);
                    out.disposition = effective(a, &c);
                    // The officer sees at once what the public will read.
                    out.published_content = c.public_content().unwrap_or_default();
                    Ok(out)
                },
            )
            .await?;
        tracing::info!(comment = %name, actor = %actor.id, action, "comment changed");
        Ok(out)
    }

    async fn hide_comment(
        &self,
        request: Request<pb::HideCommentRequest>,
    ) -> Result<PbComment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let reason = required::<HideReason>(req.reason, "reason")?;
        let officer = actor.id.clone();
        self.change_comment(&actor, &req.name, "comment.hide", |a, id, now| {
            let consultation = a.consultation.clone();
            a.comment_mut(id)?
                .hide(&consultation, reason, &req.note, &officer, now)
        })
        .await
    }

    async fn bulk_hide_comments(
        &self,
        request: Request<pb::BulkHideCommentsRequest>,
    ) -> Result<pb::BulkHideCommentsResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let done = bulk_hide(&self.0, &actor, &req, None).await?;
        Ok(hidden_response(done.affected.count, done.names))
    }

    async fn start_bulk_hide_comments(
        &self,
        request: Request<pb::StartBulkHideCommentsRequest>,
    ) -> Result<longrunning::Operation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let bulk = req.bulk_hide.unwrap_or_default();
        // Refused now rather than as a failed operation: malformed input, another department.
        let (cid, _, _) = bulk_hide_command(&bulk)?;
        let c = self.0.store.consultation(&cid).await?;
        actor.may_manage(&c.department)?;
        let op = crate::operations::start(
            &self.0,
            OperationKind::BulkHideComments,
            cid,
            actor,
            bulk.encode_to_vec(),
        )
        .await?;
        crate::operations::to_proto(&self.0, &op).await
    }

    async fn unhide_comment(
        &self,
        request: Request<pb::UnhideCommentRequest>,
    ) -> Result<PbComment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        self.change_comment(&actor, &req.name, "comment.unhide", |a, id, now| {
            let consultation = a.consultation.clone();
            let groups = a.groups.clone();
            let c = a.comment_mut(id)?;
            let group = c
                .group_id
                .as_deref()
                .and_then(|g| groups.iter().find(|x| x.id == g));
            c.unhide(&consultation, group, now)
        })
        .await
    }

    async fn redact_comment(
        &self,
        request: Request<pb::RedactCommentRequest>,
    ) -> Result<PbComment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let redactions = convert::redactions(&req.redactions)?;
        self.change_comment(&actor, &req.name, "comment.redact", |a, id, now| {
            let consultation = a.consultation.clone();
            a.comment_mut(id)?.redact(&consultation, redactions, now)
        })
        .await
    }

    async fn answer_comment(
        &self,
        request: Request<pb::AnswerCommentRequest>,
    ) -> Result<PbComment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let answer = convert::answer(req.disposition.as_ref(), "disposition")?;
        let officer = actor.id.clone();
        self.change_comment(&actor, &req.name, "comment.answer", |a, id, now| {
            let consultation = a.consultation.clone();
            a.comment_mut(id)?
                .answer(&consultation, answer, &officer, now)
        })
        .await
    }
}

grpc_service! {
    CommentService for Comments {
        submit_comment(pb::SubmitCommentRequest) -> PbComment;
        get_comment(pb::GetCommentRequest) -> PbComment;
        list_comments(pb::ListCommentsRequest) -> pb::ListCommentsResponse;
        list_clauses(pb::ListClausesRequest) -> pb::ListClausesResponse;
        lookup_comment(pb::LookupCommentRequest) -> pb::CommentReceipt;
        hide_comment(pb::HideCommentRequest) -> PbComment;
        bulk_hide_comments(pb::BulkHideCommentsRequest) -> pb::BulkHideCommentsResponse;
        start_bulk_hide_comments(pb::StartBulkHideCommentsRequest) -> longrunning::Operation;
        unhide_comment(pb::UnhideCommentRequest) -> PbComment;
        answer_comment(pb::AnswerCommentRequest) -> PbComment;
        redact_comment(pb::RedactCommentRequest) -> PbComment;
    }
}

/// The response of a bulk hide that hid (or, validating, would hide) `count` comments.
pub(crate) fn hidden_response(count: u64, names: Vec<String>) -> pb::BulkHideCommentsResponse {
    pb::BulkHideCommentsResponse {
        hidden_count: i64::try_from(count).unwrap_or(i64::MAX),
        comments: names,
    }
}

/// A bulk hide request read: the consultation, the reason and which comments.
fn bulk_hide_command(
    req: &pb::BulkHideCommentsRequest,
) -> Result<(String, HideReason, CommentTarget), ApiError> {
    use pb::bulk_hide_comments_request::Target;
    let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
    let mut v = Violations::new();
    let reason = v.take(required::<HideReason>(req.reason, "reason"));
    let target = match &req.target {
        None => {
            v.push(
                "target",
                "必须指定意见列表 comments 或筛选条件 selection (comments or selection is required)",
            );
            None
        }
        Some(Target::Comments(list)) => v
            .take(comment_ids(&list.comments, &cid, "comments.comments"))
            .map(CommentTarget::Listed),
        Some(Target::Selection(s)) => v.take(selection(s)).map(CommentTarget::Selected),
    };
    v.finish()?;
    let (Some(reason), Some(target)) = (reason, target) else {
        return Err(DomainError::invalid("target", "无法读取 (unreadable)").into());
    };
    Ok((cid, reason, target))
}

/// Hides the comments `req` chooses, all or none; `run` is the operation doing it, if any.
pub(crate) async fn bulk_hide(
    core: &Core,
    actor: &Actor,
    req: &pb::BulkHideCommentsRequest,
    run: Option<&OperationRun>,
) -> Result<BulkDone, ApiError> {
    let (cid, reason, target) = bulk_hide_command(req)?;
    let listed = target.listed().to_vec();
    let now = core.clock.now();
    let done = core
        .store
        .bulk_hide(
            &cid,
            &listed,
            &actor.id,
            now,
            run,
            req.validate_only,
            |c, comments| {
                actor.may_manage(&c.department)?;
                c.bulk_hide(target, comments, reason, &req.note, &actor.id, now)
            },
        )
        .await?;
    tracing::info!(consultation = %cid, hidden = done.affected.count, ids_sha256 = %done.affected.ids_sha256, validate_only = req.validate_only, "bulk hide");
    Ok(done)
}
