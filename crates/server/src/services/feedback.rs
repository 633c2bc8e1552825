//! `consult.v1.FeedbackService`: concentrated opinions, bulk answers, progress, and the feedback
//! report (preview, publication, corrections, public reads).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use consult_api::google::longrunning;
use consult_api::pb::feedback_service_server::FeedbackService;
use consult_api::pb::{self, bulk_answer_comments_request::Target as BulkTarget};
use consult_api::rules::{
    comment_names, parse_comment_name, parse_consultation_name, parse_feedback_report_name,
    parse_opinion_group_name,
};
use consult_domain::actor::may_read_consultation;
use consult_domain::answering::bulk::{CommentTarget, Selection};
use consult_domain::answering::{OpinionGroup, effective_disposition};
use consult_domain::error::Violations;
use consult_domain::report::FeedbackReport;
use consult_domain::search::SearchText;
use consult_domain::{Actor, Channel, DomainError, SubmitterCategory};
use consult_store::{Answering, BulkDone, CommentScope, OperationKind, OperationRun};
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::{Core, id_of, page, public, signed};
use crate::convert::{self, optional};
use crate::error::ApiError;
use crate::pagination::page_size;
use crate::report_files::{DOWNLOAD_BUFFER, Format, write_file};

/// The pieces of a downloaded report file.
pub(crate) type ReportChunks = ReceiverStream<Result<pb::FeedbackReportChunk, Status>>;

/// Most bytes of a report file in one message: well inside gRPC's default 4 MiB limit.
const DOWNLOAD_CHUNK_BYTES: usize = 1 << 20;

/// The service over the shared core.
pub(crate) struct Feedback(pub(crate) Arc<Core>);

/// The comment ids of `names`, all of which must belong to consultation `cid`.
pub(crate) fn comment_ids(
    names: &[String],
    cid: &str,
    field: &str,
) -> Result<Vec<String>, DomainError> {
    comment_names(names).map_err(|e| {
        DomainError::invalid(field, e.message.map(|m| m.to_string()).unwrap_or_default())
    })?;
    let mut v = Violations::new();
    let mut ids = Vec::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        match parse_comment_name(n) {
            Some((c, id)) if c == cid => ids.push(id.to_owned()),
            _ => v.push(
                format!("{field}[{i}]"),
                format!(
                    "{n} 不属于 consultations/{cid} (the comment belongs to another consultation)"
                ),
            ),
        }
    }
    v.finish()?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

pub(crate) fn group_ids(name: &str, field: &str) -> Result<(String, String), DomainError> {
    parse_opinion_group_name(name)
        .map(|(c, g)| (c.to_owned(), g.to_owned()))
        .ok_or_else(|| DomainError::invalid(field, "资源名称格式不正确 (malformed name)"))
}

pub(crate) fn show_group(g: &OpinionGroup, members: u64) -> pb::OpinionGroup {
    pb::OpinionGroup {
        name: g.name(),
        summary: g.summary.clone(),
        disposition: g.disposition.as_ref().map(convert::disposition),
        member_count: i64::try_from(members).unwrap_or(i64::MAX),
        creator: g.created_by.clone(),
        create_time: Some(convert::timestamp(g.created_at)),
        update_time: Some(convert::timestamp(g.updated_at)),
    }
}

/// Visible members of `group` among the loaded comments.
fn members(a: &Answering, group: &str) -> u64 {
    a.comments
        .iter()
        .filter(|c| c.is_visible() && c.group_id.as_deref() == Some(group))
        .count() as u64
}

impl Feedback {
    fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// Starts `request` as an operation of `kind` on consultation `cid`, once `actor` may
    /// manage it and `check` (the domain's rule, tried on a copy) admits it: what can be refused
    /// now is refused now, not as a failed operation after a wait.
    async fn start<M, F>(
        &self,
        kind: OperationKind,
        cid: String,
        actor: Actor,
        request: &M,
        check: F,
    ) -> Result<longrunning::Operation, ApiError>
    where
        M: Message,
        F: FnOnce(consult_domain::Consultation) -> Result<(), DomainError>,
    {
        let c = self.0.store.consultation(&cid).await?;
        actor.may_manage(&c.department)?;
        check(c)?;
        let op =
            crate::operations::start(&self.0, kind, cid, actor, request.encode_to_vec()).await?;
        crate::operations::to_proto(&self.0, &op).await
    }

    /// A change to a group, loading its members so that counts come back right.
    async fn change_group<F>(
        &self,
        actor: &Actor,
        name: &str,
        extra: Vec<String>,
        action: &'static str,
        change: F,
    ) -> Result<pb::OpinionGroup, ApiError>
    where
        F: FnOnce(&mut Answering, &str, DateTime<Utc>) -> Result<(), DomainError>,
    {
        let (cid, gid) = group_ids(name, "name")?;
        let now = self.now();
        // Members and the named comments: one scope holding both.
        let mut scope_ids = self.member_ids(&cid, &gid).await?;
        scope_ids.extend(extra);
        scope_ids.sort();
        scope_ids.dedup();
        let (g, n) = self
            .0
            .store
            .change_answering(
                &cid,
                CommentScope::Ids(scope_ids),
                &actor.id,
                action,
                name.to_owned(),
                now,
                |a| {
                    actor.may_manage(&a.consultation.department)?;
                    a.group(&gid)?;
                    change(a, &gid, now)?;
                    let g = a.group(&gid)?.clone();
                    Ok((g, members(a, &gid)))
                },
            )
            .await?;
        Ok(show_group(&g, n))
    }

    async fn member_ids(&self, cid: &str, gid: &str) -> Result<Vec<String>, ApiError> {
        let a = self
            .0
            .store
            .answering(cid, &CommentScope::Group(gid.to_owned()))
            .await?;
        Ok(a.comments.into_iter().map(|c| c.id).collect())
    }

    /// Loads a consultation for reading internal data (officers of its department, auditors).
    async fn readable(
        &self,
        actor: &Actor,
        cid: &str,
        scope: CommentScope,
    ) -> Result<Answering, ApiError> {
        let a = self.0.store.answering(cid, &scope).await?;
        actor.may_read_internal(&a.consultation.department)?;
        Ok(a)
    }
}

impl Feedback {
    async fn create_opinion_group(
        &self,
        request: Request<pb::CreateOpinionGroupRequest>,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        let summary = req
            .opinion_group
            .as_ref()
            .map(|g| g.summary.clone())
            .unwrap_or_default();
        let ids = comment_ids(&req.comments, &cid, "comments")?;
        OpinionGroup::check_new_members(ids.len())?;
        let gid = ulid::Ulid::new().to_string();
        let now = self.now();
        let name = format!("consultations/{cid}/opinionGroups/{gid}");
        let (g, n) = self
            .0
            .store
            .change_answering(
                &cid,
                CommentScope::Ids(ids.clone()),
                &actor.id,
                "opinion_group.create",
                name,
                now,
                |a| {
                    actor.may_manage(&a.consultation.department)?;
                    let g = OpinionGroup::create(
                        gid.clone(),
                        &a.consultation,
                        &summary,
                        &actor.id,
                        now,
                    )?;
                    let consultation = a.consultation.clone();
                    for id in &ids {
                        a.comment_mut(id)?.join(&consultation, &g, now)?;
                    }
                    a.groups.push(g.clone());
                    let n = members(a, &gid);
                    Ok((g, n))
                },
            )
            .await?;
        Ok(show_group(&g, n))
    }

    async fn get_opinion_group(
        &self,
        request: Request<pb::GetOpinionGroupRequest>,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (cid, gid) = group_ids(&req.name, "name")?;
        let a = self
            .readable(&actor, &cid, CommentScope::Group(gid.clone()))
            .await?;
        let g = a.group(&gid)?;
        Ok(show_group(g, members(&a, &gid)))
    }

    async fn list_opinion_groups(
        &self,
        request: Request<pb::ListOpinionGroupsRequest>,
    ) -> Result<pb::ListOpinionGroupsResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        let token_scope = format!("opinion_groups|{cid}");
        let after = self.0.pages.check(&token_scope, &req.page_token)?;
        self.readable(&actor, &cid, CommentScope::None).await?;
        let limit = page_size(req.page_size);
        let rows = self
            .0
            .store
            .list_opinion_groups(&cid, after.as_deref(), limit + 1)
            .await?;
        let (rows, next_page_token) = page(rows, limit, |(g, _)| {
            self.0.pages.issue(&token_scope, &g.id)
        });
        Ok(pb::ListOpinionGroupsResponse {
            opinion_groups: rows.iter().map(|(g, n)| show_group(g, *n)).collect(),
            next_page_token,
        })
    }

    async fn update_opinion_group(
        &self,
        request: Request<pb::UpdateOpinionGroupRequest>,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let g = req.opinion_group.ok_or_else(|| {
            DomainError::invalid(
                "opinion_group",
                "必须提供集中意见 (opinion_group is required)",
            )
        })?;
        let paths: Vec<String> = req.update_mask.map(|m| m.paths).unwrap_or_default();
        if paths != ["summary"] {
            return Err(DomainError::invalid(
                "update_mask",
                "只能修改 summary (update_mask must be exactly [\"summary\"])",
            )
            .into());
        }
        let summary = g.summary.clone();
        self.change_group(
            &actor,
            &g.name,
            Vec::new(),
            "opinion_group.update",
            |a, gid, now| {
                let consultation = a.consultation.clone();
                a.group_mut(gid)?.set_summary(&consultation, &summary, now)
            },
        )
        .await
    }

    /// Puts comments into a group or takes them out.
    async fn change_members(
        &self,
        actor: &Actor,
        name: &str,
        comments: &[String],
        join: bool,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (cid, _) = group_ids(name, "name")?;
        let ids = comment_ids(comments, &cid, "comments")?;
        let members = ids.clone();
        let action = if join {
            "opinion_group.join"
        } else {
            "opinion_group.leave"
        };
        self.change_group(actor, name, ids, action, move |a, gid, now| {
            let consultation = a.consultation.clone();
            let g = a.group(gid)?.clone();
            for id in &members {
                let c = a.comment_mut(id)?;
                if join {
                    c.join(&consultation, &g, now)?;
                } else {
                    c.leave(&consultation, gid, now)?;
                }
            }
            if !join {
                g.check_remaining_members(self::members(a, gid))?;
            }
            Ok(())
        })
        .await
    }

    async fn delete_opinion_group(
        &self,
        request: Request<pb::DeleteOpinionGroupRequest>,
    ) -> Result<(), ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (cid, gid) = group_ids(&req.name, "name")?;
        let now = self.now();
        let member_ids = self.member_ids(&cid, &gid).await?;
        self.0
            .store
            .change_answering(
                &cid,
                CommentScope::Ids(member_ids),
                &actor.id,
                "opinion_group.delete",
                req.name.clone(),
                now,
                |a| {
                    actor.may_manage(&a.consultation.department)?;
                    let consultation = a.consultation.clone();
                    a.group(&gid)?.check_dissolvable(&consultation, now)?;
                    for c in a.comments.iter_mut() {
                        if c.group_id.as_deref() == Some(gid.as_str()) {
                            c.leave(&consultation, &gid, now)?;
                        }
                    }
                    a.groups.retain(|g| g.id != gid);
                    Ok(())
                },
            )
            .await?;
        Ok(())
    }

    async fn add_opinion_group_members(
        &self,
        request: Request<pb::AddOpinionGroupMembersRequest>,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        self.change_members(&actor, &req.name, &req.comments, true)
            .await
    }

    async fn remove_opinion_group_members(
        &self,
        request: Request<pb::RemoveOpinionGroupMembersRequest>,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        self.change_members(&actor, &req.name, &req.comments, false)
            .await
    }

    async fn answer_opinion_group(
        &self,
        request: Request<pb::AnswerOpinionGroupRequest>,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let answer = convert::answer(req.disposition.as_ref(), "disposition")?;
        let officer = actor.id.clone();
        self.change_group(
            &actor,
            &req.name,
            Vec::new(),
            "opinion_group.answer",
            move |a, gid, now| {
                let consultation = a.consultation.clone();
                a.group_mut(gid)?
                    .answer(&consultation, answer, &officer, now)
            },
        )
        .await
    }

    async fn bulk_answer_comments(
        &self,
        request: Request<pb::BulkAnswerCommentsRequest>,
    ) -> Result<pb::BulkAnswerCommentsResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let done = bulk_answer(&self.0, &actor, &req, None).await?;
        Ok(pb::BulkAnswerCommentsResponse {
            answered_count: i64::try_from(done.affected.count).unwrap_or(i64::MAX),
            comments: done.names,
        })
    }

    async fn start_bulk_answer_comments(
        &self,
        request: Request<pb::StartBulkAnswerCommentsRequest>,
    ) -> Result<longrunning::Operation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let bulk = req.bulk_answer.unwrap_or_default();
        // Refused now rather than as a failed operation: malformed input, another department.
        let (cid, _, _) = bulk_command(&bulk)?;
        self.start(OperationKind::BulkAnswerComments, cid, actor, &bulk, |_| {
            Ok(())
        })
        .await
    }

    async fn start_publish_feedback_report(
        &self,
        request: Request<pb::StartPublishFeedbackReportRequest>,
    ) -> Result<longrunning::Operation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.name), "name")?;
        let publish = pb::PublishFeedbackReportRequest { name: req.name };
        let now = self.now();
        self.start(
            OperationKind::PublishFeedbackReport,
            cid,
            actor,
            &publish,
            |mut c| c.publish_feedback(now).map(|_| ()),
        )
        .await
    }

    async fn start_correct_feedback_report(
        &self,
        request: Request<pb::StartCorrectFeedbackReportRequest>,
    ) -> Result<longrunning::Operation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let correction = req.correction.ok_or_else(|| {
            DomainError::invalid("correction", "必须提供更正内容 (correction is required)")
        })?;
        let cid = id_of(parse_consultation_name(&correction.name), "correction.name")?;
        let decision = correction_decision(&correction)?;
        let (officer, now, calendar) = (actor.id.clone(), self.now(), self.0.calendar());
        self.start(
            OperationKind::CorrectFeedbackReport,
            cid,
            actor,
            &correction,
            |mut c| {
                c.correct_feedback(&correction.reason, decision, &officer, now, &calendar)
                    .map(|_| ())
            },
        )
        .await
    }

    async fn batch_answer(
        &self,
        request: Request<pb::BatchAnswerRequest>,
    ) -> Result<pb::BatchAnswerResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        let items = batch_items(&req.answers, &cid)?;
        let comment_ids: Vec<String> = items
            .iter()
            .filter_map(|(t, _)| match t {
                Target::Comment(id) => Some(id.clone()),
                Target::Group(_) => None,
            })
            .collect();
        let now = self.now();
        let apply = |a: &mut Answering| -> Result<i64, DomainError> {
            actor.may_manage(&a.consultation.department)?;
            a.consultation.check_answering(now)?;
            let consultation = a.consultation.clone();
            let mut refused = Vec::new();
            for (i, (target, answer)) in items.iter().enumerate() {
                let done = match target {
                    Target::Comment(id) => a
                        .comment_mut(id)
                        .and_then(|c| c.answer(&consultation, answer.clone(), &actor.id, now)),
                    Target::Group(id) => a
                        .group_mut(id)
                        .and_then(|g| g.answer(&consultation, answer.clone(), &actor.id, now)),
                };
                if let Err(e) = done {
                    refused.push(consult_domain::PreconditionViolation::new(
                        rule_of(&e),
                        format!("answers[{i}]"),
                        format!("第{}条 {}：{e}", i + 1, req.answers[i].name),
                    ));
                }
            }
            if refused.is_empty() {
                Ok(items.len() as i64)
            } else {
                Err(DomainError::FailedPrecondition(refused))
            }
        };
        let scope = CommentScope::AnyOf(comment_ids);
        let answered = if req.validate_only {
            let mut a = self.0.store.answering(&cid, &scope).await?;
            apply(&mut a)?
        } else {
            self.0
                .store
                .change_answering(
                    &cid,
                    scope,
                    &actor.id,
                    "comment.batch_answer",
                    format!("consultations/{cid}"),
                    now,
                    apply,
                )
                .await?
        };
        Ok(pb::BatchAnswerResponse {
            answered_count: answered,
            validate_only: req.validate_only,
        })
    }

    async fn get_answering_progress(
        &self,
        request: Request<pb::GetAnsweringProgressRequest>,
    ) -> Result<pb::AnsweringProgress, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.name), "name")?;
        let c = self.0.store.consultation(&cid).await?;
        actor.may_read_internal(&c.department)?;
        let tally = self.0.store.answering_tally(&cid).await?;
        let p = tally.progress();
        let missing = tally.missing_for_deliberation(&c);
        let n = |x: u64| i64::try_from(x).unwrap_or(i64::MAX);
        Ok(pb::AnsweringProgress {
            consultation: format!("consultations/{cid}"),
            received: n(p.received),
            hidden: n(p.hidden),
            answered: n(p.answered),
            unanswered: n(p.unanswered),
            grouped: n(p.grouped),
            opinion_groups: n(p.groups),
            opinion_groups_answered: n(p.groups_answered),
            hidden_by_reason: p
                .hidden_by_reason
                .iter()
                .map(|(k, v)| term_count(k.code(), k.label(), *v))
                .collect(),
            by_outcome: p
                .by_outcome
                .iter()
                .map(|(k, v)| term_count(k.code(), k.label(), *v))
                .collect(),
            ready_for_deliberation: missing.is_empty(),
            missing: missing
                .iter()
                .map(|m| format!("{} [{}]", m.description, m.rule))
                .collect(),
        })
    }

    async fn list_disposition_revisions(
        &self,
        request: Request<pb::ListDispositionRevisionsRequest>,
    ) -> Result<pb::ListDispositionRevisionsResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = parse_comment_name(&req.parent)
            .map(|(c, _)| c)
            .or_else(|| parse_opinion_group_name(&req.parent).map(|(c, _)| c))
            .ok_or_else(|| DomainError::invalid("parent", "资源名称格式不正确 (malformed name)"))?
            .to_owned();
        self.readable(&actor, &cid, CommentScope::None).await?;
        let revisions = self.0.store.disposition_revisions(&req.parent).await?;
        Ok(pb::ListDispositionRevisionsResponse {
            revisions: revisions
                .iter()
                .map(|r| pb::DispositionRevision {
                    revision: i32::try_from(r.revision).unwrap_or(i32::MAX),
                    disposition: r.disposition.as_ref().map(convert::disposition),
                    action: r.action.clone(),
                })
                .collect(),
        })
    }

    async fn preview_feedback_report(
        &self,
        request: Request<pb::PreviewFeedbackReportRequest>,
    ) -> Result<pb::FeedbackReport, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.name), "name")?;
        let c = self.0.store.consultation(&cid).await?;
        actor.may_read_internal(&c.department)?;
        c.check_preview(self.now())?;
        let full = !matches!(
            pb::FeedbackReportView::try_from(req.view),
            Ok(pb::FeedbackReportView::Basic)
        );
        let (summary, content, sha) = self
            .0
            .store
            .preview_report(&c, &self.0.calendar(), full, self.0.full_report_max_bytes)
            .await?;
        let report = match full {
            true => serde_json::from_str::<FeedbackReport>(&content).map_err(|e| {
                ApiError::Store(consult_store::StoreError::Corrupt(format!("preview: {e}")))
            })?,
            false => summary,
        };
        view(convert::report(&report, &content, &sha), req.view)
    }

    async fn publish_feedback_report(
        &self,
        request: Request<pb::PublishFeedbackReportRequest>,
    ) -> Result<pb::FeedbackReport, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        publish_feedback(&self.0, &actor, &req, None).await
    }

    async fn correct_feedback_report(
        &self,
        request: Request<pb::CorrectFeedbackReportRequest>,
    ) -> Result<pb::FeedbackReport, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        correct_feedback(&self.0, &actor, &req, None).await
    }

    async fn get_feedback_report(
        &self,
        request: Request<pb::GetFeedbackReportRequest>,
    ) -> Result<pb::FeedbackReport, ApiError> {
        let (_, req) = public(&self.0.auth, request)?;
        let (cid, version) = parse_feedback_report_name(&req.name)
            .ok_or_else(|| DomainError::invalid("name", "资源名称格式不正确 (malformed name)"))?;
        let p = match pb::FeedbackReportView::try_from(req.view) {
            Ok(pb::FeedbackReportView::Basic) => {
                self.0.store.published_summary(cid, version).await?
            }
            _ => {
                self.0
                    .store
                    .published_report_within(cid, version, self.0.full_report_max_bytes)
                    .await?
            }
        };
        view(convert::published(&p)?, req.view)
    }

    async fn list_feedback_reports(
        &self,
        request: Request<pb::ListFeedbackReportsRequest>,
    ) -> Result<pb::ListFeedbackReportsResponse, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        // An unknown consultation is NOT_FOUND rather than an empty list; a draft is not public.
        let c = self.0.store.consultation(&cid).await?;
        may_read_consultation(actor.as_ref(), &c)?;
        let versions = self.0.store.report_versions(&cid).await?;
        Ok(pb::ListFeedbackReportsResponse {
            versions: versions
                .iter()
                .map(|v| pb::FeedbackReportVersion {
                    name: format!("consultations/{cid}/feedbackReports/{}", v.version),
                    version: i32::try_from(v.version).unwrap_or(i32::MAX),
                    publish_time: Some(convert::timestamp(v.published_at)),
                    sha256: v.sha256.clone(),
                    correction_reason: v.correction_reason.clone(),
                })
                .collect(),
        })
    }

    async fn download_feedback_report(
        &self,
        request: Request<pb::DownloadFeedbackReportRequest>,
    ) -> Result<ReportChunks, ApiError> {
        let (_, req) = public(&self.0.auth, request)?;
        let (cid, version) = parse_feedback_report_name(&req.name)
            .ok_or_else(|| DomainError::invalid("name", "资源名称格式不正确 (malformed name)"))?;
        let format = match pb::ReportFileFormat::try_from(req.format) {
            Ok(pb::ReportFileFormat::Unspecified | pb::ReportFileFormat::Json) => Format::Json,
            Ok(pb::ReportFileFormat::Csv) => Format::Csv,
            Ok(pb::ReportFileFormat::Html) => Format::Html,
            Err(_) => {
                return Err(DomainError::invalid(
                    "format",
                    format!("未知的枚举值 {} (unknown enum value)", req.format),
                )
                .into());
            }
        };
        let edition = self.0.store.report_edition(cid, version).await?;
        let versions = match format {
            Format::Html => self.0.store.report_versions(cid).await?,
            _ => Vec::new(),
        };
        let (text, mut written) = mpsc::channel(DOWNLOAD_BUFFER);
        let (chunks, sent) = mpsc::channel(DOWNLOAD_BUFFER);
        let store = self.0.store.clone();
        let site = self.0.site.clone();
        let mut first = Some((
            i32::try_from(edition.version).unwrap_or(i32::MAX),
            edition.sha256.clone(),
        ));
        tokio::spawn(async move {
            if let Err(e) = write_file(&store, &edition, format, &versions, &site, &text).await {
                tracing::warn!(error = %e, consultation = %edition.consultation_id, version = edition.version, "report download interrupted");
                let _ = text.send(Err(std::io::Error::other(e.to_string()))).await;
            }
        });
        tokio::spawn(async move {
            while let Some(piece) = written.recv().await {
                let Ok(piece) = piece else {
                    // Cut short with an error, never ended as if the file were whole.
                    let _ = chunks
                        .send(Err(Status::unavailable(
                            "报告下载中断，请重试 (the report download was interrupted; retry)",
                        )))
                        .await;
                    return;
                };
                for data in piece.as_bytes().chunks(DOWNLOAD_CHUNK_BYTES) {
                    let (version, sha256) = first.take().unwrap_or_default();
                    let chunk = pb::FeedbackReportChunk {
                        data: data.to_vec(),
                        version,
                        sha256,
                    };
                    if chunks.send(Ok(chunk)).await.is_err() {
                        return; // the caller went away; the writer stops at its next page
                    }
                }
            }
            // An empty report file still tells its version and hash.
            if let Some((version, sha256)) = first {
                let _ = chunks
                    .send(Ok(pb::FeedbackReportChunk {
                        data: Vec::new(),
                        version,
                        sha256,
                    }))
                    .await;
            }
        });
        Ok(ReceiverStream::new(sent))
    }

    async fn list_feedback_report_entries(
        &self,
        request: Request<pb::ListFeedbackReportEntriesRequest>,
    ) -> Result<pb::ListFeedbackReportEntriesResponse, ApiError> {
        let (_, req) = public(&self.0.auth, request)?;
        let (cid, named) = parse_feedback_report_name(&req.parent)
            .ok_or_else(|| DomainError::invalid("parent", "资源名称格式不正确 (malformed name)"))?;
        // A token holds the version its first page read, so that `latest` keeps meaning the
        // same version while a correction is published.
        let scope = format!("reportEntries|{}", req.parent);
        let (version, from) = match self.0.pages.check(&scope, &req.page_token)? {
            Some(last) => {
                let (v, p) = last
                    .split_once(':')
                    .and_then(|(v, p)| Some((v.parse::<u32>().ok()?, p.parse::<u64>().ok()?)))
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "page_token",
                            "page_token 无效 (page_token is not one this server issued)",
                        )
                    })?;
                (Some(v), p)
            }
            None => (named, 0),
        };
        let edition = self.0.store.report_edition(cid, version).await?;
        let limit = page_size(req.page_size);
        let mut comments = self
            .0
            .store
            .report_comments(&edition, from, limit + 1)
            .await?;
        let more = comments.len() as u64 > limit;
        comments.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_page_token = if more {
            self.0
                .pages
                .issue(&scope, &format!("{}:{}", edition.version, from + limit))
        } else {
            String::new()
        };
        Ok(pb::ListFeedbackReportEntriesResponse {
            comments: comments.iter().map(convert::report_comment).collect(),
            next_page_token,
            version: i32::try_from(edition.version).unwrap_or(i32::MAX),
            first_position: i64::try_from(from + 1).unwrap_or(i64::MAX),
        })
    }
}

fn term_count(code: &str, label: &str, count: u64) -> pb::TermCount {
    pb::TermCount {
        code: code.to_owned(),
        label: label.to_owned(),
        count: i64::try_from(count).unwrap_or(i64::MAX),
    }
}

/// What one batch item answers.
enum Target {
    Comment(String),
    Group(String),
}

/// The items of a batch, every malformed one reported at once.
fn batch_items(
    answers: &[pb::AnswerItem],
    cid: &str,
) -> Result<Vec<(Target, consult_domain::answering::Answer)>, DomainError> {
    if answers.is_empty() || answers.len() > consult_api::rules::MAX_NAMED_COMMENTS {
        return Err(DomainError::invalid(
            "answers",
            "须有1至10000条答复 (a batch holds 1 to 10000 answers)",
        ));
    }
    let mut v = Violations::new();
    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::with_capacity(answers.len());
    for (i, item) in answers.iter().enumerate() {
        let target = match (
            parse_comment_name(&item.name),
            parse_opinion_group_name(&item.name),
        ) {
            (Some((c, id)), _) if c == cid => Some(Target::Comment(id.to_owned())),
            (_, Some((c, id))) if c == cid => Some(Target::Group(id.to_owned())),
            _ => {
                v.push(
                    format!("answers[{i}].name"),
                    format!(
                        "第{}条：{} 不是 consultations/{cid} 的意见或集中意见 (not a comment or opinion group of this consultation)",
                        i + 1,
                        item.name
                    ),
                );
                None
            }
        };
        if !seen.insert(item.name.as_str()) {
            v.push(
                format!("answers[{i}].name"),
                format!("第{}条：{} 重复出现 (listed twice)", i + 1, item.name),
            );
        }
        let answer = v.take(convert::answer(
            item.disposition.as_ref(),
            &format!("answers[{i}].disposition"),
        ));
        if let (Some(t), Some(a)) = (target, answer) {
            items.push((t, a));
        }
    }
    v.finish()?;
    Ok(items)
}

/// The rule a refusal names, for reporting it per item.
fn rule_of(e: &DomainError) -> &'static str {
    match e {
        DomainError::FailedPrecondition(v) => v.first().map(|r| r.rule).unwrap_or("REFUSED"),
        DomainError::NotFound { .. } => "NOT_FOUND",
        DomainError::InvalidArgument(_) => "INVALID_ARGUMENT",
        DomainError::PermissionDenied { .. } => "PERMISSION_DENIED",
        _ => "REFUSED",
    }
}

/// Cuts a report down to the requested view.
fn view(mut r: pb::FeedbackReport, view: i32) -> Result<pb::FeedbackReport, ApiError> {
    match pb::FeedbackReportView::try_from(view) {
        Ok(pb::FeedbackReportView::Unspecified | pb::FeedbackReportView::Full) => Ok(r),
        Ok(pb::FeedbackReportView::Basic) => {
            r.comments.clear();
            r.canonical_json.clear();
            Ok(r)
        }
        Err(_) => {
            Err(DomainError::invalid("view", format!("未知的视图 {view} (unknown view)")).into())
        }
    }
}

/// What a bulk answer asks for: its consultation, answer and target.
fn bulk_command(
    req: &pb::BulkAnswerCommentsRequest,
) -> Result<(String, consult_domain::answering::Answer, CommentTarget), ApiError> {
    let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
    let answer = convert::answer(req.disposition.as_ref(), "disposition")?;
    let target = match &req.target {
        None => {
            return Err(DomainError::invalid(
                "target",
                "必须指定意见列表 comments 或筛选条件 selection (comments or selection is required)",
            )
            .into());
        }
        Some(BulkTarget::Comments(list)) => {
            CommentTarget::Listed(comment_ids(&list.comments, &cid, "comments.comments")?)
        }
        Some(BulkTarget::Selection(s)) => CommentTarget::Selected(selection(s)?),
    };
    Ok((cid, answer, target))
}

/// The filter of a bulk change (its field `selection`).
pub(crate) fn selection(s: &pb::CommentSelection) -> Result<Selection, DomainError> {
    let mut v = Violations::new();
    let channel = v.take(optional::<Channel>(s.channel, "selection.channel"));
    let category = v.take(optional::<SubmitterCategory>(
        s.submitter_category,
        "selection.submitter_category",
    ));
    if s.clause_reference.chars().count() > 200 {
        v.push(
            "selection.clause_reference",
            "不能超过200个字符 (at most 200 characters)",
        );
    }
    let query = v.take(SearchText::parse("selection.query", &s.query));
    v.finish()?;
    let clause = s.clause_reference.trim();
    Ok(Selection {
        channel: channel.flatten(),
        submitter_category: category.flatten(),
        clause_reference: (!clause.is_empty()).then(|| clause.to_owned()),
        only_unanswered: s.only_unanswered,
        query: query.flatten(),
    })
}

/// Answers the comments a bulk answer chooses, in one transaction; `run` is the operation
/// doing it, if any.
pub(crate) async fn bulk_answer(
    core: &Core,
    actor: &Actor,
    req: &pb::BulkAnswerCommentsRequest,
    run: Option<&OperationRun>,
) -> Result<BulkDone, ApiError> {
    let (cid, answer, target) = bulk_command(req)?;
    let listed = target.listed().to_vec();
    let now = core.clock.now();
    let done = core
        .store
        .bulk_answer(
            &cid,
            &listed,
            &actor.id,
            now,
            run,
            req.validate_only,
            |c, comments| {
                actor.may_manage(&c.department)?;
                c.bulk_answer(target, comments, answer, &actor.id, now)
            },
        )
        .await?;
    tracing::info!(consultation = %cid, answered = done.affected.count, ids_sha256 = %done.affected.ids_sha256, validate_only = req.validate_only, "bulk answer");
    Ok(done)
}

/// Publishes the first version of a consultation's report; `run` is the operation doing it,
/// if any.
pub(crate) async fn publish_feedback(
    core: &Core,
    actor: &Actor,
    req: &pb::PublishFeedbackReportRequest,
    run: Option<&OperationRun>,
) -> Result<pb::FeedbackReport, ApiError> {
    publish_version(core, actor, &req.name, "feedback.publish", run, |c, now| {
        c.publish_feedback(now)?;
        Ok(String::new())
    })
    .await
}

/// The decision a correction replaces, if it names one.
fn correction_decision(
    req: &pb::CorrectFeedbackReportRequest,
) -> Result<Option<consult_domain::decision::DecisionFields<'_>>, ApiError> {
    Ok(match &req.decision {
        Some(d) => Some(consult_domain::decision::DecisionFields {
            number: &d.number,
            title: &d.title,
            text_url: &d.text_uri,
            decided_on: convert::date(&d.decide_date, "decision.decide_date")?,
        }),
        None => None,
    })
}

/// `CorrectFeedbackReport`: a new version with the correction's reason (and decision, if it
/// names one), written in full; called directly or by an operation's `run`.
pub(crate) async fn correct_feedback(
    core: &Core,
    actor: &Actor,
    req: &pb::CorrectFeedbackReportRequest,
    run: Option<&OperationRun>,
) -> Result<pb::FeedbackReport, ApiError> {
    let decision = correction_decision(req)?;
    let officer = actor.id.clone();
    let calendar = &*core.calendar();
    publish_version(core, actor, &req.name, "feedback.correct", run, |c, now| {
        c.correct_feedback(&req.reason, decision, &officer, now, calendar)?;
        Ok(req.reason.trim().to_owned())
    })
    .await
}

/// Publishes a version built from the state after `change`, in the same transaction, and
/// answers with its BASIC view.
async fn publish_version<F>(
    core: &Core,
    actor: &Actor,
    name: &str,
    action: &'static str,
    run: Option<&OperationRun>,
    change: F,
) -> Result<pb::FeedbackReport, ApiError>
where
    F: FnOnce(&mut consult_domain::Consultation, DateTime<Utc>) -> Result<String, DomainError>,
{
    let cid = id_of(parse_consultation_name(name), "name")?;
    let now = core.clock.now();
    let started = std::time::Instant::now();
    let published = core
        .store
        .publish_report(
            &cid,
            &actor.id,
            action,
            name.to_owned(),
            now,
            &core.calendar(),
            run,
            |c| {
                actor.may_manage(&c.department)?;
                change(c, now)
            },
        )
        .await?;
    tracing::info!(consultation = %cid, version = published.version, sha256 = %published.sha256,
        bytes = published.bytes, comments = published.comments,
        elapsed_ms = started.elapsed().as_millis() as u64, "feedback report published");
    core.metrics.report_published(
        if action == "feedback.correct" {
            "correct"
        } else {
            "publish"
        },
        started.elapsed(),
    );
    published_basic(core, &cid, published.version).await
}

/// A published version's BASIC view.
pub(crate) async fn published_basic(
    core: &Core,
    consultation_id: &str,
    version: u32,
) -> Result<pb::FeedbackReport, ApiError> {
    let summary = core
        .store
        .published_summary(consultation_id, Some(version))
        .await?;
    view(
        convert::published(&summary)?,
        pb::FeedbackReportView::Basic as i32,
    )
}

/// The answer that applies to a loaded comment.
pub(crate) fn effective(a: &Answering, c: &consult_domain::Comment) -> Option<pb::Disposition> {
    let group = c
        .group_id
        .as_deref()
        .and_then(|g| a.groups.iter().find(|x| x.id == g));
    effective_disposition(c, group).map(convert::disposition)
}

grpc_service! {
    FeedbackService for Feedback {
        create_opinion_group(pb::CreateOpinionGroupRequest) -> pb::OpinionGroup;
        get_opinion_group(pb::GetOpinionGroupRequest) -> pb::OpinionGroup;
        list_opinion_groups(pb::ListOpinionGroupsRequest) -> pb::ListOpinionGroupsResponse;
        update_opinion_group(pb::UpdateOpinionGroupRequest) -> pb::OpinionGroup;
        add_opinion_group_members(pb::AddOpinionGroupMembersRequest) -> pb::OpinionGroup;
        remove_opinion_group_members(pb::RemoveOpinionGroupMembersRequest) -> pb::OpinionGroup;
        delete_opinion_group(pb::DeleteOpinionGroupRequest) -> ();
        answer_opinion_group(pb::AnswerOpinionGroupRequest) -> pb::OpinionGroup;
        bulk_answer_comments(pb::BulkAnswerCommentsRequest) -> pb::BulkAnswerCommentsResponse;
        batch_answer(pb::BatchAnswerRequest) -> pb::BatchAnswerResponse;
        get_answering_progress(pb::GetAnsweringProgressRequest) -> pb::AnsweringProgress;
        list_disposition_revisions(pb::ListDispositionRevisionsRequest) -> pb::ListDispositionRevisionsResponse;
        preview_feedback_report(pb::PreviewFeedbackReportRequest) -> pb::FeedbackReport;
        publish_feedback_report(pb::PublishFeedbackReportRequest) -> pb::FeedbackReport;
        correct_feedback_report(pb::CorrectFeedbackReportRequest) -> pb::FeedbackReport;
        get_feedback_report(pb::GetFeedbackReportRequest) -> pb::FeedbackReport;
        list_feedback_reports(pb::ListFeedbackReportsRequest) -> pb::ListFeedbackReportsResponse;
        list_feedback_report_entries(pb::ListFeedbackReportEntriesRequest) -> pb::ListFeedbackReportEntriesResponse;
        start_bulk_answer_comments(pb::StartBulkAnswerCommentsRequest) -> longrunning::Operation;
        start_publish_feedback_report(pb::StartPublishFeedbackReportRequest) -> longrunning::Operation;
        start_correct_feedback_report(pb::StartCorrectFeedbackReportRequest) -> longrunning::Operation;
    }
    streaming {
        download_feedback_report(pb::DownloadFeedbackReportRequest)
            -> DownloadFeedbackReportStream = ReportChunks;
    }
}
