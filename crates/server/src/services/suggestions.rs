//! `consult.v1.SuggestionService`: suggested concentrated opinions. Handlers parse, check the
//! officer's department, and call one store command whose closure is the domain's rule.

use std::sync::Arc;

use consult_api::google::longrunning;
use consult_api::pb;
use consult_api::pb::accept_suggestion_request::Into as AcceptTarget;
use consult_api::pb::suggestion_service_server::SuggestionService;
use consult_api::rules::{
    parse_consultation_name, parse_opinion_group_name, parse_suggestion_name,
};
use consult_domain::answering::OpinionGroup;
use consult_domain::suggestion::{self, Suggestion, SuggestionState};
use consult_domain::{Actor, DomainError};
use consult_store::{AcceptInto, OperationKind, OperationRun, SuggestionDetail};
use prost::Message;
use tonic::{Request, Response, Status};

use super::feedback::{comment_ids, show_group};
use super::{Core, id_of, page, signed};
use crate::convert::{self, ProtoEnum, optional};
use crate::error::ApiError;
use crate::pagination::page_size;

/// The service over the shared core.
pub(crate) struct Suggestions(pub(crate) Arc<Core>);

grpc_service!(SuggestionService for Suggestions {
    start_compute_suggestions(pb::StartComputeSuggestionsRequest) -> longrunning::Operation;
    list_suggestions(pb::ListSuggestionsRequest) -> pb::ListSuggestionsResponse;
    get_suggestion(pb::GetSuggestionRequest) -> pb::Suggestion;
    accept_suggestion(pb::AcceptSuggestionRequest) -> pb::OpinionGroup;
    split_suggestion(pb::SplitSuggestionRequest) -> pb::SplitSuggestionResponse;
    dismiss_suggestion(pb::DismissSuggestionRequest) -> pb::Suggestion;
});

fn suggestion_ids(name: &str) -> Result<(String, String), DomainError> {
    parse_suggestion_name(name)
        .map(|(c, s)| (c.to_owned(), s.to_owned()))
        .ok_or_else(|| DomainError::invalid("name", "资源名称格式不正确 (malformed name)"))
}

fn comment_name(cid: &str, id: &str) -> String {
    format!("consultations/{cid}/comments/{id}")
}

fn show(s: &Suggestion) -> pb::Suggestion {
    pb::Suggestion {
        name: s.name(),
        state: s.state.to_proto(),
        member_count: i64::try_from(s.members).unwrap_or(i64::MAX),
        representative: if s.representative_id.is_empty() {
            String::new()
        } else {
            comment_name(&s.consultation_id, &s.representative_id)
        },
        similarity_low: s.similarity_low,
        similarity_median: s.similarity_median,
        opinion_group: s
            .opinion_group_id
            .as_ref()
            .map(|g| format!("consultations/{}/opinionGroups/{g}", s.consultation_id))
            .unwrap_or_default(),
        decided_by: s.decided_by.clone().unwrap_or_default(),
        create_time: Some(convert::timestamp(s.created_at)),
        update_time: Some(convert::timestamp(s.updated_at)),
        ..Default::default()
    }
}

fn facets(counts: &[(String, u64)]) -> Vec<pb::FacetCount> {
    counts
        .iter()
        .map(|(code, n)| pb::FacetCount {
            code: code.clone(),
            count: i64::try_from(*n).unwrap_or(i64::MAX),
        })
        .collect()
}

fn show_detail(d: &SuggestionDetail) -> pb::Suggestion {
    pb::Suggestion {
        representative_comment: d.representative.as_ref().map(convert::comment),
        outliers: d.outliers.iter().map(convert::comment).collect(),
        channels: facets(&d.channels),
        submitter_categories: facets(&d.categories),
        repeated_texts: d
            .repeated
            .iter()
            .map(|r| pb::RepeatedText {
                count: i64::try_from(r.count).unwrap_or(i64::MAX),
                submitted_by: r.submitted_by.clone(),
                first_receive_time: Some(convert::timestamp(r.first)),
                last_receive_time: Some(convert::timestamp(r.last)),
                excerpt: r.content.chars().take(60).collect(),
            })
            .collect(),
        shared_contacts: d
            .shared_contacts
            .iter()
            .map(|r| pb::SharedContact {
                count: i64::try_from(r.count).unwrap_or(i64::MAX),
                first_receive_time: Some(convert::timestamp(r.first)),
                last_receive_time: Some(convert::timestamp(r.last)),
            })
            .collect(),
        ..show(&d.suggestion)
    }
}

/// Computes the suggestions of the consultation `req` names, as `actor`; the work of a
/// `StartComputeSuggestions` operation.
pub(crate) async fn compute(
    core: &Core,
    actor: &Actor,
    req: &pb::StartComputeSuggestionsRequest,
    run: Option<&OperationRun>,
) -> Result<pb::ComputeSuggestionsResponse, ApiError> {
    let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
    let now = core.clock.now();
    let computed = core
        .store
        .compute_suggestions(&cid, &actor.id, now, run, |c| {
            actor.may_manage(&c.department)?;
            suggestion::check_computable(c, now)
        })
        .await?;
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Ok(pb::ComputeSuggestionsResponse {
        compared_count: n(computed.compared),
        suggestion_count: n(computed.suggestions),
        suggested_count: n(computed.suggested),
    })
}

impl Suggestions {
    /// Refuses another department's officer before anything about the suggestion is read (the
    /// commands check again under the consultation's lock).
    async fn manageable(&self, actor: &Actor, cid: &str) -> Result<(), ApiError> {
        let c = self.0.store.consultation(cid).await?;
        actor.may_manage(&c.department)?;
        Ok(())
    }

    async fn start_compute_suggestions(
        &self,
        request: Request<pb::StartComputeSuggestionsRequest>,
    ) -> Result<longrunning::Operation, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        // What can be refused now is refused now, not as a failed operation.
        let c = self.0.store.consultation(&cid).await?;
        actor.may_manage(&c.department)?;
        suggestion::check_computable(&c, self.0.clock.now())?;
        let op = crate::operations::start(
            &self.0,
            OperationKind::ComputeSuggestions,
            cid,
            actor,
            req.encode_to_vec(),
        )
        .await?;
        crate::operations::to_proto(&self.0, &op).await
    }

    async fn list_suggestions(
        &self,
        request: Request<pb::ListSuggestionsRequest>,
    ) -> Result<pb::ListSuggestionsResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        let state: Option<SuggestionState> = optional(req.state, "state")?;
        let token_scope = format!("suggestions|{cid}|{}", req.state);
        let after = self
            .0
            .pages
            .check(&token_scope, &req.page_token)?
            .and_then(|t| {
                let (n, id) = t.split_once(':')?;
                Some((n.parse::<u64>().ok()?, id.to_owned()))
            });
        let c = self.0.store.consultation(&cid).await?;
        actor.may_read_internal(&c.department)?;
        let limit = page_size(req.page_size);
        let rows = self
            .0
            .store
            .list_suggestions(&cid, state, after, limit + 1)
            .await?;
        let total = self.0.store.count_suggestions(&cid, state).await?;
        let (rows, next_page_token) = page(rows, limit, |s| {
            self.0
                .pages
                .issue(&token_scope, &format!("{}:{}", s.members, s.id))
        });
        // Each with its representative, so that a list can be read without opening each.
        let representatives = self.0.store.suggestion_representatives(&cid, &rows).await?;
        Ok(pb::ListSuggestionsResponse {
            suggestions: rows
                .iter()
                .map(|s| pb::Suggestion {
                    representative_comment: representatives
                        .iter()
                        .find(|c| c.id == s.representative_id)
                        .map(convert::comment),
                    ..show(s)
                })
                .collect(),
            next_page_token,
            total_size: i64::try_from(total).unwrap_or(i64::MAX),
        })
    }

    async fn get_suggestion(
        &self,
        request: Request<pb::GetSuggestionRequest>,
    ) -> Result<pb::Suggestion, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (cid, sid) = suggestion_ids(&req.name)?;
        let c = self.0.store.consultation(&cid).await?;
        actor.may_read_internal(&c.department)?;
        let detail = self.0.store.suggestion(&cid, &sid).await?;
        Ok(show_detail(&detail))
    }

    async fn accept_suggestion(
        &self,
        request: Request<pb::AcceptSuggestionRequest>,
    ) -> Result<pb::OpinionGroup, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (cid, sid) = suggestion_ids(&req.name)?;
        self.manageable(&actor, &cid).await?;
        let (into, summary) = match &req.into {
            Some(AcceptTarget::Summary(s)) => (
                AcceptInto::NewGroup(ulid::Ulid::new().to_string()),
                s.clone(),
            ),
            Some(AcceptTarget::OpinionGroup(name)) => match parse_opinion_group_name(name) {
                Some((c, g)) if c == cid => (AcceptInto::Group(g.to_owned()), String::new()),
                _ => {
                    return Err(DomainError::invalid(
                        "opinion_group",
                        format!(
                            "须为 consultations/{cid}/opinionGroups/{{id}} 形式 (must be an opinion \
                             group of the suggestion's consultation)"
                        ),
                    )
                    .into());
                }
            },
            None => {
                return Err(DomainError::invalid(
                    "summary",
                    "须给出新集中意见的摘要（summary）或要并入的集中意见（opinion_group） (give a \
                     summary for a new group or the opinion_group to merge into)",
                )
                .into());
            }
        };
        let now = self.0.clock.now();
        let (group, members) = self
            .0
            .store
            .accept_suggestion(
                &cid,
                &sid,
                into.clone(),
                &actor.id,
                now,
                |c, s, census, existing| {
                    actor.may_manage(&c.department)?;
                    let (group, merged) = match (&into, existing) {
                        (AcceptInto::Group(_), Some(g)) => (g.clone(), true),
                        (AcceptInto::NewGroup(gid), _) => (
                            OpinionGroup::create(gid.clone(), c, &summary, &actor.id, now)?,
                            false,
                        ),
                        (AcceptInto::Group(g), None) => {
                            return Err(DomainError::not_found(format!(
                                "consultations/{cid}/opinionGroups/{g}"
                            )));
                        }
                    };
                    s.accept(c, census, &group, merged, &actor.id, now)?;
                    Ok(group)
                },
            )
            .await?;
        Ok(show_group(&group, members))
    }

    async fn split_suggestion(
        &self,
        request: Request<pb::SplitSuggestionRequest>,
    ) -> Result<pb::SplitSuggestionResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (cid, sid) = suggestion_ids(&req.name)?;
        self.manageable(&actor, &cid).await?;
        let ids = comment_ids(&req.comments, &cid, "comments")?;
        let now = self.0.clock.now();
        let new_id = ulid::Ulid::new().to_string();
        let (remaining, part) = self
            .0
            .store
            .split_suggestion(&cid, &sid, &ids, &actor.id, now, |c, s, found| {
                actor.may_manage(&c.department)?;
                s.split(c, ids.len(), found, new_id, now)
            })
            .await?;
        Ok(pb::SplitSuggestionResponse {
            remaining: Some(show(&remaining)),
            split_off: Some(show(&part)),
        })
    }

    async fn dismiss_suggestion(
        &self,
        request: Request<pb::DismissSuggestionRequest>,
    ) -> Result<pb::Suggestion, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (cid, sid) = suggestion_ids(&req.name)?;
        self.manageable(&actor, &cid).await?;
        let now = self.0.clock.now();
        let s = self
            .0
            .store
            .dismiss_suggestion(&cid, &sid, &actor.id, now, |c, s| {
                actor.may_manage(&c.department)?;
                s.dismiss(c, &actor.id, now)
            })
            .await?;
        Ok(show(&s))
    }
}
