//! Comments before, during and after the window; letters by postmark; idempotent retries; receipts.

use chrono::Duration;
use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, draft, from_ts, token, ts};
use tonic::Code;

use crate::published;

fn submit(parent: &str, c: pb::Comment, request_id: &str) -> pb::SubmitCommentRequest {
    pb::SubmitCommentRequest {
        parent: parent.into(),
        comment: Some(c),
        request_id: request_id.into(),
        validate_only: false,
    }
}

fn letter(content: &str, postmark: chrono::DateTime<chrono::Utc>) -> pb::Comment {
    let mut c = comment(pb::Channel::Letter, content);
    c.submitter_category = pb::SubmitterCategory::Enterprise as i32;
    c.postmarked_at = Some(ts(postmark));
    c
}

#[tokio::test]
async fn comments_are_accepted_only_inside_the_window() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut api = server.consultations();
    let mut comments = server.comments();

    // DRAFT.
    let mut d = draft("老旧小区改造实施方案（征求意见稿）");
    d.opens_at = Some(ts(beijing("2026-03-05 00:00")));
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
    let r = comments
        .submit_comment(authed(
            token::PORTAL,
            submit(&c.name, comment(pb::Channel::Portal, "草稿期意见"), "d1"),
        ))
        .await;
    assert_status(r, Code::FailedPrecondition, "NOT_OPEN");

    // SCHEDULED: the message names the window.
    let c = api
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest { name: c.name },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.state, pb::ConsultationState::Scheduled as i32);
    let r = comments
        .submit_comment(authed(
            token::PORTAL,
            submit(&c.name, comment(pb::Channel::Portal, "开始前意见"), "s1"),
        ))
        .await;
    let status = assert_status(r, Code::FailedPrecondition, "NOT_OPEN");
    assert!(
        status.message().contains("征求意见期为"),
        "{}",
        status.message()
    );

    // OPEN by time alone.
    server.set_time(beijing("2026-03-05 00:00")).await;
    comments
        .submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Portal, "开始当天的意见"),
                "o1",
            ),
        ))
        .await
        .unwrap();
    let closes_at = from_ts(c.closes_at.as_ref().unwrap());
    server.set_time(closes_at - Duration::seconds(1)).await;
    comments
        .submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Portal, "最后一秒的意见"),
                "o2",
            ),
        ))
        .await
        .unwrap();

    // At closes_at exactly, online channels stop.
    server.set_time(closes_at).await;
    let r = comments
        .submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Portal, "截止后的意见"),
                "late",
            ),
        ))
        .await;
    assert_status(r, Code::FailedPrecondition, "OUTSIDE_WINDOW");

    // A letter posted inside the window is still entered after closes_at, before the formal close.
    server.set_time(closes_at + Duration::days(2)).await;
    let entered = comments
        .submit_comment(authed(
            token::OFFICER_FGW,
            submit(
                &c.name,
                letter(
                    "企业来信：建议简化审批材料。",
                    closes_at - Duration::hours(3),
                ),
                "letter-1",
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(entered.channel, pb::Channel::Letter as i32);
    let r = comments
        .submit_comment(authed(
            token::OFFICER_FGW,
            submit(
                &c.name,
                letter("邮戳晚于截止时间的来信", closes_at + Duration::hours(1)),
                "letter-2",
            ),
        ))
        .await;
    assert_status(r, Code::FailedPrecondition, "OUTSIDE_WINDOW");

    // CLOSED: nothing more, not even letters.
    api.close_consultation(authed(
        token::OFFICER_FGW,
        pb::CloseConsultationRequest {
            name: c.name.clone(),
        },
    ))
    .await
    .unwrap();
    let before = server.row_counts().await;
    let r = comments
        .submit_comment(authed(
            token::OFFICER_FGW,
            submit(
                &c.name,
                letter("正式截止后的来信", closes_at - Duration::hours(1)),
                "letter-3",
            ),
        ))
        .await;
    assert_status(r, Code::FailedPrecondition, "NOT_OPEN");
    assert_eq!(server.row_counts().await, before);
    assert_eq!(before[1], 3);
}

#[tokio::test]
async fn a_retry_returns_the_original_and_a_reused_key_is_refused() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "生活垃圾分类管理办法（征求意见稿）").await;
    let mut comments = server.comments();
    let req = || {
        submit(
            &c.name,
            comment(pb::Channel::Portal, "建议增设分类投放点。"),
            "retry-key-1",
        )
    };

    let first = comments
        .submit_comment(authed(token::PORTAL, req()))
        .await
        .unwrap()
        .into_inner();
    let again = comments
        .submit_comment(authed(token::PORTAL, req()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, again);

    // Concurrent retries of one key still make one comment.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let mut client = server.comments();
        let r = submit(
            &c.name,
            comment(pb::Channel::Portal, "并发重试"),
            "retry-key-2",
        );
        tasks.push(tokio::spawn(async move {
            client
                .submit_comment(authed(token::PORTAL, r))
                .await
                .unwrap()
                .into_inner()
        }));
    }
    let mut names = std::collections::BTreeSet::new();
    for t in tasks {
        names.insert(t.await.unwrap().name);
    }
    assert_eq!(names.len(), 1);

    let before = server.row_counts().await;
    let conflicting = comments
        .submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Portal, "另一条不同的意见"),
                "retry-key-1",
            ),
        ))
        .await;
    assert_status(conflicting, Code::AlreadyExists, "retry-key-1");
    assert_eq!(server.row_counts().await, before);
    assert_eq!(before[1], 2);

    // The same key from another system is another submission.
    let mut other = comment(pb::Channel::Hotline12345, "建议增设分类投放点。");
    other.submitter_category = pb::SubmitterCategory::Citizen as i32;
    comments
        .submit_comment(authed(
            token::HOTLINE,
            submit(&c.name, other, "retry-key-1"),
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_receipt_code_finds_the_comment_without_private_fields() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "公共文化服务保障办法（征求意见稿）").await;
    let mut comments = server.comments();
    let saved = comments
        .submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Portal, "建议延长图书馆开放时间。\u{0007}"),
                "r1",
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(saved.content, "建议延长图书馆开放时间。");

    let receipt = comments
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: saved.receipt_code.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(receipt.comment, saved.name);
    assert_eq!(
        receipt.consultation_title,
        "公共文化服务保障办法（征求意见稿）"
    );
    assert_eq!(receipt.consultation_state.as_ref().unwrap().code, "OPEN");
    let shown = format!("{:?}", receipt);
    assert!(!shown.contains("13800138000") && !shown.contains("张三"));

    // A well-formed code that was never issued, and a malformed one.
    let unknown = comments
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: "ZZZZ-ZZZZ-ZZZZ".into(),
        })
        .await;
    assert_status(unknown, Code::NotFound, "ZZZZ-ZZZZ-ZZZZ");
    let forged = comments
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: "not-a-code".into(),
        })
        .await;
    assert_status(forged, Code::InvalidArgument, "receipt_code");

    // Officers of the department read the private fields; others may not.
    let full = comments
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: saved.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(full.submitter.unwrap().contact, "13800138000");
    let denied = comments
        .get_comment(authed(
            token::OFFICER_JTJ,
            pb::GetCommentRequest {
                name: saved.name.clone(),
            },
        ))
        .await;
    assert_status(denied, Code::PermissionDenied, "fgw");
    let denied = comments
        .get_comment(authed(
            token::PORTAL,
            pb::GetCommentRequest { name: saved.name },
        ))
        .await;
    assert_eq!(denied.unwrap_err().code(), Code::PermissionDenied);
}
