//! Whole-consultation steps whose replies and audit rows must not grow with the number of
//! comments: a bulk answer beyond the listing limit, counted progress, and a report published as
//! parts whose download is exactly the hashed text.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::bulk_answer_comments_request::Target;
use consult_e2e::{TestServer, authed, beijing, comment, draft, http_get, token};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// More than a bulk answer's reply lists by name.
const COMMENTS: usize = 1_200;

#[tokio::test]
async fn a_bulk_answer_of_many_comments_is_recorded_by_count_and_digest() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut api = server.consultations();
    let mut d = draft("关于规范共享单车停放的通告（征求意见稿）");
    d.kind = pb::ConsultationKind::Plan as i32;
    d.channels = vec![pb::Channel::Portal as i32];
    let c = api
        .create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(d),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let c = api
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest { name: c.name },
        ))
        .await
        .unwrap()
        .into_inner();

    // Submitted concurrently, as a surge would.
    let gate = Arc::new(Semaphore::new(32));
    let mut tasks = Vec::new();
    for i in 0..COMMENTS {
        let mut client = server.comments();
        let parent = c.name.clone();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            client
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent,
                        comment: Some(comment(
                            pb::Channel::Portal,
                            &format!("第{i}条意见：建议在地铁站周边划定停放区。"),
                        )),
                        request_id: format!("scale-{i}"),
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .name
        }));
    }
    let mut names = Vec::with_capacity(COMMENTS);
    for t in tasks {
        names.push(t.await.unwrap());
    }

    server.set_time(beijing("2026-04-02 09:00")).await;
    api.close_consultation(authed(
        token::OFFICER_FGW,
        pb::CloseConsultationRequest {
            name: c.name.clone(),
        },
    ))
    .await
    .unwrap();

    let mut feedback = server.feedback();
    let done = feedback
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: c.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::NotAdopted as i32,
                    reason: "停放区由区级规划统一确定".into(),
                    ..Default::default()
                }),
                target: Some(Target::Selection(pb::CommentSelection {
                    only_unanswered: true,
                    ..Default::default()
                })),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.answered_count, COMMENTS as i64);
    assert!(
        done.comments.is_empty(),
        "beyond 1,000 the reply gives the count, not every name"
    );

    // The audit event names the selection, the count and the digest of the sorted ids.
    let mut events = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = server
            .audit()
            .list_audit_events(authed(
                token::AUDITOR,
                pb::ListAuditEventsRequest {
                    consultation: c.name.clone(),
                    page_size: 1000,
                    page_token,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        events.extend(page.events);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let bulk = events
        .iter()
        .find(|e| e.action == "comment.bulk_answer")
        .expect("the bulk answer is audited");
    assert!(
        bulk.after_json.len() < 2_048,
        "the audit row does not grow with the comments: {} bytes",
        bulk.after_json.len()
    );
    let after: serde_json::Value = serde_json::from_str(&bulk.after_json).unwrap();
    assert_eq!(after["event"], "comments.answered.v1");
    assert_eq!(after["affected"]["count"], COMMENTS as u64);
    let mut ids: Vec<&str> = names
        .iter()
        .map(|n| n.rsplit('/').next().unwrap())
        .collect();
    ids.sort();
    let mut hasher = Sha256::new();
    for id in &ids {
        hasher.update(id.as_bytes());
        hasher.update(b"\n");
    }
    assert_eq!(
        after["affected"]["ids_sha256"],
        hex::encode(hasher.finalize())
    );

    let progress = feedback
        .get_answering_progress(authed(
            token::OFFICER_FGW,
            pb::GetAnsweringProgressRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (progress.received, progress.answered, progress.unanswered),
        (COMMENTS as i64, COMMENTS as i64, 0)
    );
    assert!(progress.ready_for_deliberation, "{:?}", progress.missing);

    api.mark_ready_for_deliberation(authed(
        token::OFFICER_FGW,
        pb::MarkReadyForDeliberationRequest {
            name: c.name.clone(),
        },
    ))
    .await
    .unwrap();
    api.record_decision(authed(
        token::OFFICER_FGW,
        pb::RecordDecisionRequest {
            name: c.name.clone(),
            decision: Some(pb::Decision {
                number: "某府发〔2026〕3号".into(),
                title: "关于规范共享单车停放的通告".into(),
                decide_date: "2026-04-02".into(),
                ..Default::default()
            }),
        },
    ))
    .await
    .unwrap();
    let published = feedback
        .publish_feedback_report(authed(
            token::OFFICER_FGW,
            pb::PublishFeedbackReportRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(published.comments.is_empty() && published.canonical_json.is_empty());
    assert_eq!(published.totals.as_ref().unwrap().received, COMMENTS as i64);

    // The download is the hashed text, assembled from the stored parts.
    let id = c.name.rsplit('/').next().unwrap();
    let json = http_get(&format!(
        "{}/consultations/{id}/feedback/v1.json",
        server.http
    ))
    .await;
    assert_eq!(json.status, 200);
    assert_eq!(hex::encode(Sha256::digest(&json.body)), published.sha256);
    let parsed: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(parsed["comments"].as_array().unwrap().len(), COMMENTS);
    let full = feedback
        .get_feedback_report(pb::GetFeedbackReportRequest {
            name: format!("{}/feedbackReports/1", c.name),
            view: pb::FeedbackReportView::Full as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(full.canonical_json.as_bytes(), &json.body[..]);
    assert_eq!(full.comments.len(), COMMENTS);
}
