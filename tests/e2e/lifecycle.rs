//! The whole lifecycle through a 30-day window, moving the server's clock instead of sleeping.

use chrono::Duration;
use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, draft, from_ts, token, ts};

use crate::published;

#[tokio::test]
async fn a_consultation_runs_its_whole_window() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut api = server.consultations();

    let created = api
        .create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(draft("关于促进民营经济高质量发展的若干措施（征求意见稿）")),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.state, pb::ConsultationState::Draft as i32);
    assert_eq!(created.department, "fgw");
    assert!(created.name.starts_with("consultations/"));

    // Drafts are not public.
    let hidden = api
        .get_consultation(pb::GetConsultationRequest {
            name: created.name.clone(),
        })
        .await;
    assert_eq!(hidden.unwrap_err().code(), tonic::Code::Unauthenticated);

    let open = api
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(open.state, pb::ConsultationState::Open as i32);
    // Spec example: opens 2026-03-02 → closes at the end of 2026-04-01, Beijing time.
    assert_eq!(
        from_ts(open.closes_at.as_ref().unwrap()),
        beijing("2026-04-02 00:00")
    );
    assert_eq!(open.closes_at, open.earliest_lawful_close_time);
    assert!(!open.shortened);

    // Now public, without credentials.
    let public = api
        .get_consultation(pb::GetConsultationRequest {
            name: created.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.title, open.title);

    let mut comments = server.comments();
    let first = comments
        .submit_comment(authed(
            token::PORTAL,
            pb::SubmitCommentRequest {
                parent: created.name.clone(),
                comment: Some(comment(pb::Channel::Portal, "建议将过渡期延长至六个月。")),
                request_id: "portal-1".into(),
                validate_only: false,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.receipt_code.len(), 14);

    // Day 29 at noon: still open.
    server.set_time(beijing("2026-03-31 12:00")).await;
    comments
        .submit_comment(authed(
            token::HOTLINE,
            pb::SubmitCommentRequest {
                parent: created.name.clone(),
                comment: Some(comment(
                    pb::Channel::Hotline12345,
                    "市民来电：希望增加公交线路。",
                )),
                request_id: "hotline-1".into(),
                validate_only: false,
            },
        ))
        .await
        .unwrap();

    // Closing early is refused.
    let early = api
        .close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest {
                name: created.name.clone(),
            },
        ))
        .await;
    consult_e2e::assert_status(early, tonic::Code::FailedPrecondition, "NO_EARLY_CLOSE");

    // The window ends; the formal close follows.
    server.set_time(beijing("2026-04-02 09:00")).await;
    let closed = api
        .close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.state, pb::ConsultationState::Closed as i32);
    assert!(closed.close_time.is_some());

    let listed = comments
        .list_comments(authed(
            token::AUDITOR,
            pb::ListCommentsRequest {
                parent: created.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.comments.len(), 2);
    assert_eq!(listed.comments[0].name, first.name);

    // Every change appended its audit event: create, publish, two comments, close.
    assert_eq!(server.row_counts().await, [1, 2, 5]);
}

#[tokio::test]
async fn extension_moves_the_close_later_and_is_shown_publicly() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "城市绿地系统规划（征求意见稿）").await;
    let first_close = from_ts(c.closes_at.as_ref().unwrap());
    let mut api = server.consultations();

    let earlier = api
        .extend_consultation(authed(
            token::OFFICER_FGW,
            pb::ExtendConsultationRequest {
                name: c.name.clone(),
                closes_at: Some(ts(first_close - Duration::days(2))),
                reason: "延期".into(),
            },
        ))
        .await;
    consult_e2e::assert_status(
        earlier,
        tonic::Code::FailedPrecondition,
        "EXTENSION_NOT_LATER",
    );

    server.set_time(beijing("2026-03-25 10:00")).await;
    let extended = api
        .extend_consultation(authed(
            token::OFFICER_FGW,
            pb::ExtendConsultationRequest {
                name: c.name.clone(),
                closes_at: Some(ts(first_close + Duration::days(10))),
                reason: "意见较多，延长征求意见期十天".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        from_ts(extended.closes_at.as_ref().unwrap()),
        first_close + Duration::days(10)
    );
    assert_eq!(extended.extensions.len(), 1);
    assert_eq!(extended.extensions[0].extended_by, "officer-fgw");

    // The original close no longer ends the window: comments are still accepted after it.
    server.set_time(first_close + Duration::days(1)).await;
    server
        .comments()
        .submit_comment(authed(
            token::PORTAL,
            pb::SubmitCommentRequest {
                parent: c.name.clone(),
                comment: Some(comment(pb::Channel::Portal, "延期后提交的意见")),
                request_id: "after-extension".into(),
                validate_only: false,
            },
        ))
        .await
        .unwrap();
    let early = api
        .close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await;
    consult_e2e::assert_status(early, tonic::Code::FailedPrecondition, "NO_EARLY_CLOSE");

    let public = api
        .get_consultation(pb::GetConsultationRequest { name: c.name })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.extensions[0].reason, "意见较多，延长征求意见期十天");
}

#[tokio::test]
async fn withdrawal_keeps_a_published_consultation_visible_and_refuses_comments() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "停车收费调整方案（征求意见稿）").await;
    let mut api = server.consultations();

    let no_reason = api
        .withdraw_consultation(authed(
            token::OFFICER_FGW,
            pb::WithdrawConsultationRequest {
                name: c.name.clone(),
                reason: " ".into(),
            },
        ))
        .await;
    consult_e2e::assert_status(no_reason, tonic::Code::InvalidArgument, "reason");

    let withdrawn = api
        .withdraw_consultation(authed(
            token::OFFICER_FGW,
            pb::WithdrawConsultationRequest {
                name: c.name.clone(),
                reason: "上位政策调整，暂缓出台".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(withdrawn.state, pb::ConsultationState::Withdrawn as i32);

    let public = api
        .get_consultation(pb::GetConsultationRequest {
            name: c.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.withdrawal_reason, "上位政策调整，暂缓出台");

    let refused = server
        .comments()
        .submit_comment(authed(
            token::PORTAL,
            pb::SubmitCommentRequest {
                parent: c.name,
                comment: Some(comment(pb::Channel::Portal, "撤回后的意见")),
                request_id: "after-withdraw".into(),
                validate_only: false,
            },
        ))
        .await;
    consult_e2e::assert_status(refused, tonic::Code::FailedPrecondition, "NOT_OPEN");
}

#[tokio::test]
async fn a_shortened_window_needs_its_reason_before_publication() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut api = server.consultations();
    let mut d = draft("防汛应急预案（征求意见稿）");
    // A 29-day window: opens 2026-03-02, ends with 2026-03-31 (day 30 would be 2026-04-01).
    d.closes_at = Some(ts(beijing("2026-04-01 00:00")));
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
    let before = server.row_counts().await;
    let refused = api
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await;
    let status =
        consult_e2e::assert_status(refused, tonic::Code::FailedPrecondition, "WINDOW_TOO_SHORT");
    assert!(
        status.message().contains("2026-04-01 24:00"),
        "{}",
        status.message()
    );
    assert_eq!(server.row_counts().await, before);

    let mut with_reason = c.clone();
    with_reason.shortened_reason = "汛期临近，需在主汛期前出台".into();
    api.update_consultation(authed(
        token::OFFICER_FGW,
        pb::UpdateConsultationRequest {
            consultation: Some(with_reason),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["shortened_reason".into()],
            }),
        },
    ))
    .await
    .unwrap();
    let open = api
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(open.shortened);
    assert_eq!(open.shortened_reason, "汛期临近，需在主汛期前出台");
}
