//! Corrections that correct: answers revised after publication wait, unseen by the public,
//! until a corrected version is published from them; that version lists each changed answer
//! (before → after) and the earlier one still reads byte for byte with its hash.

use chrono::Duration;
use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, draft, http_get, token};
use sha2::{Digest, Sha256};

fn not_adopted(reason: &str) -> pb::Disposition {
    pb::Disposition {
        outcome: pb::Outcome::NotAdopted as i32,
        reason: reason.into(),
        ..Default::default()
    }
}

fn adopted(content: &str) -> pb::Disposition {
    pb::Disposition {
        outcome: pb::Outcome::Adopted as i32,
        adopted_content: content.into(),
        ..Default::default()
    }
}

async fn answer(server: &TestServer, name: &str, d: pb::Disposition) {
    server
        .comments()
        .answer_comment(authed(
            token::OFFICER_FGW,
            pb::AnswerCommentRequest {
                name: name.into(),
                disposition: Some(d),
            },
        ))
        .await
        .unwrap();
}

async fn answer_group(server: &TestServer, name: &str, d: pb::Disposition) {
    server
        .feedback()
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: name.into(),
                disposition: Some(d),
            },
        ))
        .await
        .unwrap();
}

async fn receipt_answer(server: &TestServer, code: &str) -> pb::Disposition {
    server
        .comments()
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: code.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .disposition
        .unwrap()
}

#[tokio::test]
async fn a_correction_of_three_answers_lists_them_and_keeps_version_one() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut feedback = server.feedback();
    let mut d = draft("关于调整公交票价的方案（征求意见稿）");
    d.kind = pb::ConsultationKind::Plan as i32;
    let c = crate::published_draft(&server, d).await;
    let mut saved = Vec::new();
    for (i, text) in [
        "票价不宜上调，老年人出行负担重。",
        "建议保留月票制度。",
        "建议学生卡半价。",
        "换乘优惠应当延长到90分钟。",
        "换乘优惠时间太短，建议延长。",
        "支持调整，但要公开成本。",
    ]
    .iter()
    .enumerate()
    {
        saved.push(
            server
                .comments()
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent: c.name.clone(),
                        comment: Some(comment(pb::Channel::Portal, text)),
                        request_id: format!("fix-{i}"),
                        validate_only: false,
                    },
                ))
                .await
                .unwrap()
                .into_inner(),
        );
    }
    server
        .set_time(beijing("2026-04-02 00:00") + Duration::minutes(1))
        .await;
    crate::close(&server, &c.name).await;
    let group = feedback
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: c.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "延长换乘优惠时间".into(),
                    ..Default::default()
                }),
                comments: vec![saved[3].name.clone(), saved[4].name.clone()],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    for k in [0, 1, 2, 5] {
        answer(
            &server,
            &saved[k].name,
            not_adopted("票价按成本监审结果确定"),
        )
        .await;
    }
    answer_group(
        &server,
        &group.name,
        not_adopted("换乘时间需与运营调度统筹"),
    )
    .await;
    server.set_time(beijing("2026-04-10 15:00")).await;
    crate::decide_and_publish(
        &server,
        &c.name,
        ("洪府发〔2026〕20号", "关于调整公交票价的通知", "2026-04-10"),
    )
    .await;
    let id = c.name.trim_start_matches("consultations/");
    let v1 = http_get(&format!(
        "{}/consultations/{id}/feedback/v1.json",
        server.http
    ))
    .await;
    let v1_sha = hex::encode(Sha256::digest(&v1.body));
    assert_eq!(v1.header("x-content-sha256"), Some(v1_sha.as_str()));

    // Three answers revised after publication: two comments and a concentrated opinion.
    server.set_time(beijing("2026-04-20 09:00")).await;
    answer(
        &server,
        &saved[1].name,
        adopted("保留月票，票价按新标准折算"),
    )
    .await;
    answer(
        &server,
        &saved[2].name,
        not_adopted("学生票已按五折执行，无需另行规定"),
    )
    .await;
    answer_group(&server, &group.name, adopted("换乘优惠延长至90分钟")).await;
    // Not yet published: the public still reads version 1's answers.
    let shown = receipt_answer(&server, &saved[1].receipt_code).await;
    assert_eq!(shown.outcome, pb::Outcome::NotAdopted as i32);
    assert_eq!(shown.reason, "票价按成本监审结果确定");
    let member = receipt_answer(&server, &saved[3].receipt_code).await;
    assert_eq!(member.outcome, pb::Outcome::NotAdopted as i32);
    let page = http_get(&format!(
        "{}/receipt?code={}",
        server.http, saved[1].receipt_code
    ))
    .await
    .text();
    assert!(
        page.contains("票价按成本监审结果确定") && !page.contains("按新标准折算"),
        "{page}"
    );
    // The officers' preview shows the pending correction.
    let preview = feedback
        .preview_feedback_report(authed(
            token::OFFICER_FGW,
            pb::PreviewFeedbackReportRequest {
                name: c.name.clone(),
                view: pb::FeedbackReportView::Basic as i32,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(preview.answer_corrections.len(), 3, "{preview:?}");

    let v2 = feedback
        .correct_feedback_report(authed(
            token::OFFICER_FGW,
            pb::CorrectFeedbackReportRequest {
                name: c.name.clone(),
                reason: "复核后更正三项答复".into(),
                decision: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v2.version, 2);
    let subjects: Vec<(String, i32, i32)> = v2
        .answer_corrections
        .iter()
        .map(|x| {
            (
                x.subject.clone(),
                x.before.as_ref().unwrap().outcome,
                x.after.as_ref().unwrap().outcome,
            )
        })
        .collect();
    let short = |name: &str| name.rsplit('/').next().unwrap().to_owned();
    let (no, yes) = (pb::Outcome::NotAdopted as i32, pb::Outcome::Adopted as i32);
    assert_eq!(
        subjects,
        [
            (format!("opinionGroups/{}", short(&group.name)), no, yes),
            (format!("comments/{}", short(&saved[1].name)), no, yes),
            (format!("comments/{}", short(&saved[2].name)), no, no),
        ]
    );
    let reason_change = &v2.answer_corrections[2];
    assert_eq!(
        reason_change.before.as_ref().unwrap().reason,
        "票价按成本监审结果确定"
    );
    assert_eq!(
        reason_change.after.as_ref().unwrap().reason,
        "学生票已按五折执行，无需另行规定"
    );

    // The same three in the JSON download, and on the page.
    let json = http_get(&format!(
        "{}/consultations/{id}/feedback/v2.json",
        server.http
    ))
    .await;
    let parsed: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(parsed["answer_corrections"].as_array().unwrap().len(), 3);
    assert_eq!(
        parsed["answer_corrections"][1]["after"]["adopted_content"],
        "保留月票，票价按新标准折算"
    );
    assert_eq!(hex::encode(Sha256::digest(&json.body)), v2.sha256);
    let html = http_get(&format!(
        "{}/consultations/{id}/feedback/v2.html",
        server.http
    ))
    .await
    .text();
    assert!(html.contains("本版更正的答复（共 3 处"), "{html}");
    assert!(html.contains("换乘优惠延长至90分钟"));

    // Version 1 reads as it did, byte for byte, with its hash.
    let again = http_get(&format!(
        "{}/consultations/{id}/feedback/v1.json",
        server.http
    ))
    .await;
    assert_eq!(again.body, v1.body);
    assert_eq!(hex::encode(Sha256::digest(&again.body)), v1_sha);
    let v1_parsed: serde_json::Value = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(v1_parsed["answer_corrections"], serde_json::json!([]));

    // Receipts now read version 2.
    let shown = receipt_answer(&server, &saved[1].receipt_code).await;
    assert_eq!(shown.outcome, yes);
    assert_eq!(shown.adopted_content, "保留月票，票价按新标准折算");
    assert_eq!(
        receipt_answer(&server, &saved[4].receipt_code)
            .await
            .outcome,
        yes
    );
}
