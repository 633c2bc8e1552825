//! Whole-consultation steps whose replies and audit rows must not grow with the number of
//! comments: a bulk answer beyond the listing limit, counted progress, and a report published as
//! parts whose download is exactly the hashed text.

use std::sync::Arc;

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, draft, http_get, token};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// More than a bulk answer's reply lists by name.
const COMMENTS: usize = 1_200;
/// The decision, dated on the day of the close.
const DECISION: (&str, &str, &str) = (
    "某府发〔2026〕3号",
    "关于规范共享单车停放的通告",
    "2026-04-02",
);

/// A plan (no business-input rule at the gate) collecting on the portal only.
pub(crate) fn plan_on_the_portal() -> pb::Consultation {
    let mut d = draft("关于规范共享单车停放的通告（征求意见稿）");
    d.kind = pb::ConsultationKind::Plan as i32;
    d.channels = vec![pb::Channel::Portal as i32];
    d
}

/// Submits `n` portal comments on `parent`, 32 at a time as a surge would; returns their names.
pub(crate) async fn submit_many(server: &TestServer, parent: &str, n: usize) -> Vec<String> {
    let gate = Arc::new(Semaphore::new(32));
    let mut tasks = Vec::new();
    for i in 0..n {
        let mut client = server.comments();
        let parent = parent.to_owned();
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
                        validate_only: false,
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .name
        }));
    }
    let mut names = Vec::with_capacity(n);
    for t in tasks {
        names.push(t.await.unwrap());
    }
    names
}

/// Closes `name` the morning after its window and answers every comment NOT_ADOPTED.
async fn close_and_answer_all(server: &TestServer, name: &str) -> pb::BulkAnswerCommentsResponse {
    server.set_time(beijing("2026-04-02 09:00")).await;
    crate::close(server, name).await;
    server
        .feedback()
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            crate::operations::all_unanswered(name),
        ))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_bulk_answer_of_many_comments_is_recorded_by_count_and_digest() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published_draft(&server, plan_on_the_portal()).await;

    let names = submit_many(&server, &c.name, COMMENTS).await;
    let done = close_and_answer_all(&server, &c.name).await;
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

    let progress = server
        .feedback()
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

    let published = crate::decide_and_publish(&server, &c.name, DECISION).await;
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
    let full = server
        .feedback()
        .get_feedback_report(pb::GetFeedbackReportRequest {
            name: format!("{}/feedbackReports/1", c.name),
            view: pb::FeedbackReportView::Full as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(full.canonical_json.as_bytes(), &json.body[..]);
    assert_eq!(full.comments.len(), COMMENTS);

    // The entries, a page at a time, are the FULL view's comments.
    let mut entries = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = server
            .feedback()
            .list_feedback_report_entries(pb::ListFeedbackReportEntriesRequest {
                parent: format!("{}/feedbackReports/latest", c.name),
                page_size: 500,
                page_token,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.version, 1);
        assert_eq!(page.first_position, entries.len() as i64 + 1);
        entries.extend(page.comments);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(entries, full.comments);

    // The CSV and the printable page stream every row; the report page shows 100, anchored.
    let base = format!("{}/consultations/{id}/feedback", server.http);
    let csv = http_get(&format!("{base}/v1.csv")).await.text();
    assert_eq!(csv.trim_end().split("\r\n").count(), COMMENTS + 1);
    let row = "<tr id=\"c-";
    let printable = http_get(&format!("{base}/v1.html")).await.text();
    assert_eq!(printable.matches(row).count(), COMMENTS);
    assert!(printable.ends_with("</html>"), "the streamed page is whole");
    let first = http_get(&base).await.text();
    assert_eq!(first.matches(row).count(), 100);
    assert!(first.contains("第 1 / 12 页") && first.contains(&published.sha256));
    let last = &full.comments[COMMENTS - 1].id;
    let jump = http_get(&format!("{base}?comment={last}")).await;
    assert_eq!(jump.status, 303);
    let to = format!("/consultations/{id}/feedback?version=1&page=12#c-{last}");
    assert_eq!(jump.header("location"), Some(to.as_str()));
    let twelfth = http_get(&format!("{base}?version=1&page=12")).await.text();
    assert_eq!(twelfth.matches(row).count(), 100);
    assert!(twelfth.contains(&format!("{row}{last}\"")));
    assert!(
        twelfth.contains("<td class=\"n\">1200</td>"),
        "rows keep their report numbers"
    );
    assert_eq!(http_get(&format!("{base}?page=13")).await.status, 404);
    server.assert_counts_agree().await;
}

#[tokio::test]
async fn a_full_report_beyond_the_configured_size_is_refused_with_its_rule() {
    let server = TestServer::start_with(
        beijing("2026-03-02 10:00"),
        "full_report_max_bytes = 4096\n",
    )
    .await;
    let c = crate::published_draft(&server, plan_on_the_portal()).await;
    submit_many(&server, &c.name, 40).await;
    close_and_answer_all(&server, &c.name).await;
    let mut feedback = server.feedback();
    let view = |v: pb::FeedbackReportView| pb::PreviewFeedbackReportRequest {
        name: c.name.clone(),
        view: v as i32,
    };
    let refused = feedback
        .preview_feedback_report(authed(
            token::OFFICER_FGW,
            view(pb::FeedbackReportView::Full),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    assert!(
        refused.message().contains("REPORT_TOO_LARGE"),
        "{refused:?}"
    );
    let basic = feedback
        .preview_feedback_report(authed(
            token::OFFICER_FGW,
            view(pb::FeedbackReportView::Basic),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(basic.totals.unwrap().received, 40);

    let published = crate::decide_and_publish(&server, &c.name, DECISION).await;
    let name = format!("{}/feedbackReports/1", c.name);
    let refused = feedback
        .get_feedback_report(pb::GetFeedbackReportRequest {
            name: name.clone(),
            view: pb::FeedbackReportView::Full as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    assert!(
        refused.message().contains("REPORT_TOO_LARGE"),
        "{refused:?}"
    );
    let basic = feedback
        .get_feedback_report(pb::GetFeedbackReportRequest {
            name,
            view: pb::FeedbackReportView::Basic as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(basic.sha256, published.sha256);
    // The download is not bounded by the message limit.
    let id = c.name.rsplit('/').next().unwrap();
    let json = http_get(&format!(
        "{}/consultations/{id}/feedback/v1.json",
        server.http
    ))
    .await;
    assert!(json.body.len() > 4096);
    assert_eq!(hex::encode(Sha256::digest(&json.body)), published.sha256);
}

/// Comments of the capped test: the design this replaces held them all in memory, about
/// 25 KB each at its peak (4.7 GiB at 200,000), so 50,000 would have needed over 1 GiB.
const LARGE: usize = 50_000;
/// The server's address space: well below that, with room for its threads and pools.
const ADDRESS_SPACE: u64 = 512 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_comments_through_answering_and_publication_in_capped_memory() {
    let server = TestServer::start_with_address_space(
        beijing("2026-03-02 10:00"),
        consult_e2e::UNLIMITED,
        ADDRESS_SPACE,
    )
    .await;
    let c = crate::published_draft(&server, plan_on_the_portal()).await;
    let mut names = submit_many(&server, &c.name, LARGE).await;
    names.sort();
    server.set_time(beijing("2026-04-02 09:00")).await;
    crate::close(&server, &c.name).await;

    // Ten hidden as spam, a hundred grouped and adopted, the rest answered in bulk by an
    // operation.
    let (hidden, rest) = names.split_at(10);
    let (grouped, _) = rest.split_at(100);
    for n in hidden {
        server
            .comments()
            .hide_comment(authed(
                token::OFFICER_FGW,
                pb::HideCommentRequest {
                    name: n.clone(),
                    reason: pb::HideReason::Spam as i32,
                    note: String::new(),
                },
            ))
            .await
            .unwrap();
    }
    let mut feedback = server.feedback();
    let group = feedback
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: c.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "建议在地铁站周边划定停放区".into(),
                    ..Default::default()
                }),
                comments: grouped.to_vec(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    feedback
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: group.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::Adopted as i32,
                    adopted_content: "第三条增加地铁站周边停放区".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
    let op = feedback
        .start_bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::StartBulkAnswerCommentsRequest {
                bulk_answer: Some(crate::operations::all_unanswered(&c.name)),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let done = crate::operations::wait_done(&server, &op.name).await;
    let answered: pb::BulkAnswerCommentsResponse = crate::operations::response(&done);
    let singles = LARGE - hidden.len() - grouped.len();
    assert_eq!(answered.answered_count, singles as i64);

    let published = crate::decide_and_publish(&server, &c.name, DECISION).await;
    let totals = published.totals.as_ref().unwrap();
    assert_eq!(
        (totals.received, totals.hidden, totals.published),
        (LARGE as i64, 10, LARGE as i64 - 10)
    );
    let corrected = feedback
        .correct_feedback_report(authed(
            token::OFFICER_FGW,
            pb::CorrectFeedbackReportRequest {
                name: c.name.clone(),
                reason: "更正决定文件标题".into(),
                decision: Some(pb::Decision {
                    number: DECISION.0.into(),
                    title: "关于规范共享单车停放管理的通告".into(),
                    decide_date: DECISION.2.into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(corrected.version, 2);

    // Each version's download is its hashed text, and holds what the test expects: every
    // visible comment in id order with the answer it was given.
    let id = c.name.rsplit('/').next().unwrap();
    let visible: Vec<&str> = names[10..]
        .iter()
        .map(|n| n.rsplit('/').next().unwrap())
        .collect();
    let in_group: std::collections::HashSet<&str> = grouped
        .iter()
        .map(|n| n.rsplit('/').next().unwrap())
        .collect();
    for (version, sha) in [(1, &published.sha256), (2, &corrected.sha256)] {
        let json = http_get(&format!(
            "{}/consultations/{id}/feedback/v{version}.json",
            server.http
        ))
        .await;
        assert_eq!(&hex::encode(Sha256::digest(&json.body)), sha, "v{version}");
        let report: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
        let comments = report["comments"].as_array().unwrap();
        let ids: Vec<&str> = comments.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, visible, "v{version}: the visible comments in id order");
        for c in comments {
            let outcome = c["answer"]["outcome"]["code"].as_str().unwrap();
            let expected = match in_group.contains(c["id"].as_str().unwrap()) {
                true => "ADOPTED",
                false => "NOT_ADOPTED",
            };
            assert_eq!(outcome, expected, "v{version}: {c}");
        }
        assert_eq!(report["adopted_changes"].as_array().unwrap().len(), 1);
        assert_eq!(report["totals"]["received"], LARGE as u64);
    }
    let peak = server.peak_resident_bytes();
    eprintln!(
        "{LARGE} comments: server peak resident set {} MiB (address space capped at {} MiB)",
        peak >> 20,
        ADDRESS_SPACE >> 20
    );
    assert!(
        peak < ADDRESS_SPACE / 2,
        "the server held {} MiB at its peak",
        peak >> 20
    );
    server.assert_counts_agree().await;
}
