//! End-to-end tests against the `consultd` binary over real gRPC.
//! One binary; each test starts its own server and database (see `consult_e2e`).

#![allow(clippy::unwrap_used, missing_docs)]

mod administration;
mod answering;
mod audit;
mod backups;
mod bad_input;
mod batch;
mod calendar;
mod catalogues;
mod comments;
#[path = "../../crates/domain/tests/support/corpus.rs"]
mod corpus;
mod corrections;
mod ctl;
mod departments;
mod desk;
mod events;
mod faults;
mod fuzz;
mod hearings;
mod hostile;
mod lifecycle;
mod limits;
mod masking;
mod matrix;
mod metrics;
mod operations;
mod pagination;
mod participation;
mod platform;
mod private_data;
mod registry;
mod relay;
mod replicas;
mod representatives;
mod scale;
mod search;
mod suggestions;
mod tls;
mod tokens;
mod traces;
mod transport;
mod web;

use consult_api::pb;
use consult_e2e::{TestServer, authed, comment, draft, token};

/// Creates a draft as the fgw officer and publishes it; returns the published consultation.
pub(crate) async fn published(server: &TestServer, title: &str) -> pb::Consultation {
    published_draft(server, draft(title)).await
}

/// Creates `d` as the fgw officer; returns the draft.
pub(crate) async fn created_draft(server: &TestServer, d: pb::Consultation) -> pb::Consultation {
    server
        .consultations()
        .create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(d),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// Creates `d` as the fgw officer and publishes it; returns the published consultation.
pub(crate) async fn published_draft(server: &TestServer, d: pb::Consultation) -> pb::Consultation {
    let c = created_draft(server, d).await;
    server
        .consultations()
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest { name: c.name },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// Closes consultation `name` as the fgw officer.
pub(crate) async fn close(server: &TestServer, name: &str) {
    server
        .consultations()
        .close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest { name: name.into() },
        ))
        .await
        .unwrap();
}

/// Passes the gate of closed, fully answered consultation `name`, records its decision
/// (`number`, `title`, dated `decide_date`) and publishes its report; returns the reply.
pub(crate) async fn decide_and_publish(
    server: &TestServer,
    name: &str,
    (number, title, decide_date): (&str, &str, &str),
) -> pb::FeedbackReport {
    server
        .consultations()
        .mark_ready_for_deliberation(authed(
            token::OFFICER_FGW,
            pb::MarkReadyForDeliberationRequest { name: name.into() },
        ))
        .await
        .unwrap();
    record_and_publish(server, name, (number, title, decide_date)).await
}

/// Records the decision of consultation `name`, past the gate (`number`, `title`, dated
/// `decide_date`), and publishes its report; returns the reply.
pub(crate) async fn record_and_publish(
    server: &TestServer,
    name: &str,
    (number, title, decide_date): (&str, &str, &str),
) -> pb::FeedbackReport {
    let mut api = server.consultations();
    api.record_decision(authed(
        token::OFFICER_FGW,
        pb::RecordDecisionRequest {
            name: name.into(),
            decision: Some(pb::Decision {
                number: number.into(),
                title: title.into(),
                decide_date: decide_date.into(),
                ..Default::default()
            }),
        },
    ))
    .await
    .unwrap();
    server
        .feedback()
        .publish_feedback_report(authed(
            token::OFFICER_FGW,
            pb::PublishFeedbackReportRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// A consultation of the fgw department carried through to its published report: three
/// comments (an enterprise, an industry association and a citizen, each named 王五 with the
/// contact 1390000000{i}), closed on 2 April 2026 09:00, all adopted, decided and published.
/// The server's clock is left at the close.
pub(crate) async fn answered_and_published(
    server: &TestServer,
) -> (pb::Consultation, pb::FeedbackReport) {
    let c = published(server, "关于垃圾分类管理的规定（征求意见稿）").await;
    for i in 0..3 {
        let mut body = comment(pb::Channel::Portal, &format!("建议增设分类投放点{i}"));
        // An enterprise policy needs enterprises and associations heard before the gate.
        body.submitter_category = [
            pb::SubmitterCategory::Enterprise,
            pb::SubmitterCategory::IndustryAssociation,
            pb::SubmitterCategory::Citizen,
        ][i] as i32;
        body.submitter = Some(pb::Submitter {
            name: "王五".into(),
            contact: format!("1390000000{i}"),
            ..Default::default()
        });
        server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(body),
                    request_id: format!("answered-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap();
    }
    server
        .set_time(consult_e2e::beijing("2026-04-02 09:00"))
        .await;
    close(server, &c.name).await;
    server
        .feedback()
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: c.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::Adopted as i32,
                    ..Default::default()
                }),
                target: Some(pb::bulk_answer_comments_request::Target::Selection(
                    pb::CommentSelection::default(),
                )),
                validate_only: false,
            },
        ))
        .await
        .unwrap();
    let report = decide_and_publish(
        server,
        &c.name,
        ("洪府发〔2026〕30号", "关于垃圾分类管理的规定", "2026-04-02"),
    )
    .await;
    (c, report)
}

/// Resources of the fgw department in several states, for tests that call every RPC.
pub(crate) struct Fixture {
    /// A draft.
    pub(crate) draft: pb::Consultation,
    /// A published consultation, open for comments.
    pub(crate) open: pb::Consultation,
    /// Four portal comments on it; the first two form `group`.
    pub(crate) comments: Vec<pb::Comment>,
    /// The opinion group of the first two comments.
    pub(crate) group: String,
}

pub(crate) async fn fixture(server: &TestServer) -> Fixture {
    let draft = server
        .consultations()
        .create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(draft("关于城市绿化管理的办法（草稿）")),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let open = published(server, "关于城市绿化管理的办法（征求意见稿）").await;
    let mut comments = Vec::new();
    for i in 0..4 {
        comments.push(
            server
                .comments()
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent: open.name.clone(),
                        comment: Some(comment(pb::Channel::Portal, &format!("第{i}条意见"))),
                        request_id: format!("fixture-{i}"),
                        validate_only: false,
                    },
                ))
                .await
                .unwrap()
                .into_inner(),
        );
    }
    let group = server
        .feedback()
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: open.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "关于绿地率的意见".into(),
                    ..Default::default()
                }),
                comments: vec![comments[0].name.clone(), comments[1].name.clone()],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .name;
    Fixture {
        draft,
        open,
        comments,
        group,
    }
}
