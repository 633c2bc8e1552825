//! `consult.v1.CommentService`: submission through the group-commit writer, reads, receipt lookup.

use std::sync::Arc;

use consult_api::pb::comment_service_server::CommentService;
use consult_api::pb::{self, Comment as PbComment};
use consult_api::rules::{parse_comment_name, parse_consultation_name};
use consult_domain::comment::CommentFields;
use consult_domain::error::Violations;
use consult_domain::{Actor, Channel, DomainError, NewComment, SubmitterCategory};
use consult_store::{CommentFilter, Submission};
use tonic::{Request, Response, Status};

use super::{Core, id_of, page, public, signed};
use crate::convert::{self, optional, required, time, timestamp};
use crate::error::ApiError;
use crate::pagination::page_size;

/// The service over the shared core.
pub(crate) struct Comments(pub(crate) Arc<Core>);

impl Comments {
    /// Loads the consultation and checks the caller may read its comments.
    async fn readable(&self, actor: &Actor, consultation_id: &str) -> Result<(), ApiError> {
        let c = self
            .0
            .store
            .consultation(consultation_id)
            .await
            .map_err(ApiError::from)?;
        actor.may_read_internal(&c.department)?;
        Ok(())
    }
}

fn new_comment(c: &PbComment) -> Result<NewComment, DomainError> {
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
        let consultation_id = id_of(parse_consultation_name(&req.parent), "parent")?;
        let c = req
            .comment
            .as_ref()
            .ok_or_else(|| DomainError::invalid("comment", "必须提供意见 (comment is required)"))?;
        let comment = new_comment(c)?;
        let received_at = self.0.clock.now();
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
        Ok(convert::comment(&saved))
    }

    async fn get_comment(
        &self,
        request: Request<pb::GetCommentRequest>,
    ) -> Result<PbComment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let actor = &actor;
        let (cid, id) = parse_comment_name(&req.name)
            .ok_or_else(|| DomainError::invalid("name", "资源名称格式不正确 (malformed name)"))?;
        self.readable(actor, cid).await?;
        let c = self
            .0
            .store
            .comment(cid, id)
            .await
            .map_err(ApiError::from)?;
        Ok(convert::comment(&c))
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
        v.finish()?;
        let filter = CommentFilter {
            channel: channel.flatten(),
            submitter_category: category.flatten(),
        };
        let token_scope = format!("comments|{cid}|{filter:?}");
        let after = self.0.pages.check(&token_scope, &req.page_token)?;
        self.readable(actor, &cid).await?;
        let limit = page_size(req.page_size);
        let rows = self
            .0
            .store
            .list_comments(&cid, &filter, after.as_deref(), limit + 1)
            .await?;
        let (rows, next_page_token) =
            page(rows, limit, |c| self.0.pages.issue(&token_scope, &c.id));
        Ok(pb::ListCommentsResponse {
            comments: rows.iter().map(convert::comment).collect(),
            next_page_token,
        })
    }

    async fn lookup_comment(
        &self,
        request: Request<pb::LookupCommentRequest>,
    ) -> Result<pb::CommentReceipt, ApiError> {
        // Public: a bad credential is still refused, but none is needed.
        let (_, req) = public(&self.0.auth, request)?;
        let (c, consultation) = self
            .0
            .store
            .comment_by_receipt(&req.receipt_code)
            .await
            .map_err(ApiError::from)?;
        let state = consultation.state(self.0.clock.now());
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
            content: c.body.content.as_str().to_owned(),
            receive_time: Some(timestamp(c.received_at)),
        })
    }
}

#[tonic::async_trait]
impl CommentService for Comments {
    async fn submit_comment(
        &self,
        request: Request<pb::SubmitCommentRequest>,
    ) -> Result<Response<PbComment>, Status> {
        self.submit_comment(request)
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn get_comment(
        &self,
        request: Request<pb::GetCommentRequest>,
    ) -> Result<Response<PbComment>, Status> {
        self.get_comment(request)
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn list_comments(
        &self,
        request: Request<pb::ListCommentsRequest>,
    ) -> Result<Response<pb::ListCommentsResponse>, Status> {
        self.list_comments(request)
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn lookup_comment(
        &self,
        request: Request<pb::LookupCommentRequest>,
    ) -> Result<Response<pb::CommentReceipt>, Status> {
        self.lookup_comment(request)
            .await
            .map(Response::new)
            .map_err(Status::from)
    }
}
