//! Bad input: each refusal has its code and names the field or rule, and writes nothing.

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

/// Runs `$call`, checks its code and text, and that no table gained a row.
macro_rules! refused {
    ($server:expr, $call:expr, $code:expr, $needle:expr) => {{
        let before = $server.row_counts().await;
        let status = assert_status($call.await, $code, $needle);
        assert_eq!(
            $server.row_counts().await,
            before,
            "a refused call wrote rows"
        );
        status
    }};
}

#[tokio::test]
async fn malformed_consultations_are_refused_field_by_field() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut api = server.consultations();

    let mut d = draft("   ");
    refused!(
        server,
        api.create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(d.clone())
            }
        )),
        Code::InvalidArgument,
        "consultation.title"
    );
    d.title = "标题".into();
    d.kind = pb::ConsultationKind::Unspecified as i32;
    refused!(
        server,
        api.create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(d.clone())
            }
        )),
        Code::InvalidArgument,
        "consultation.kind"
    );
    d.kind = pb::ConsultationKind::Plan as i32;
    d.channels = vec![pb::Channel::Unspecified as i32];
    refused!(
        server,
        api.create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(d.clone())
            }
        )),
        Code::InvalidArgument,
        "consultation.channels[0]"
    );
    refused!(
        server,
        api.create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest { consultation: None }
        )),
        Code::InvalidArgument,
        "consultation"
    );
    // Another department's draft, and roles that may not create at all.
    let mut other = draft("交通局的事项");
    other.department = "jtj".into();
    refused!(
        server,
        api.create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(other)
            }
        )),
        Code::PermissionDenied,
        "jtj"
    );
    refused!(
        server,
        api.create_consultation(authed(
            token::AUDITOR,
            pb::CreateConsultationRequest {
                consultation: Some(draft("审计员"))
            }
        )),
        Code::PermissionDenied,
        "officers"
    );
    refused!(
        server,
        api.create_consultation(pb::CreateConsultationRequest {
            consultation: Some(draft("无令牌"))
        }),
        Code::Unauthenticated,
        "Bearer"
    );
    refused!(
        server,
        api.create_consultation(authed(
            "wrong-token",
            pb::CreateConsultationRequest {
                consultation: Some(draft("错误令牌"))
            }
        )),
        Code::Unauthenticated,
        "unknown bearer token"
    );
    refused!(
        server,
        api.get_consultation(pb::GetConsultationRequest {
            name: "consultations/01KAAAAAAAAAAAAAAAAAAAAAAA".into()
        }),
        Code::NotFound,
        "consultations/01KAAAAAAAAAAAAAAAAAAAAAAA"
    );
    refused!(
        server,
        api.get_consultation(pb::GetConsultationRequest {
            name: "articles/1".into()
        }),
        Code::InvalidArgument,
        "name"
    );
    refused!(
        server,
        api.list_consultations(pb::ListConsultationsRequest {
            page_size: 1_000_000,
            ..Default::default()
        }),
        Code::InvalidArgument,
        "page_size"
    );
    refused!(
        server,
        api.list_consultations(pb::ListConsultationsRequest {
            page_token: "Zm9yZ2VkLXRva2VuLXRoYXQtaXMtbG9uZw".into(),
            ..Default::default()
        }),
        Code::InvalidArgument,
        "page_token"
    );
    refused!(
        server,
        api.list_consultations(pb::ListConsultationsRequest {
            state: 99,
            ..Default::default()
        }),
        Code::InvalidArgument,
        "state"
    );
}

#[tokio::test]
async fn lifecycle_rules_are_refused_with_the_rule_named() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "农贸市场管理办法（征求意见稿）").await;
    let closes_at = from_ts(c.closes_at.as_ref().unwrap());
    let mut api = server.consultations();

    // A shortening reason cannot be added after publication.
    let mut late = c.clone();
    late.shortened_reason = "补充缩短理由".into();
    refused!(
        server,
        api.update_consultation(authed(
            token::OFFICER_FGW,
            pb::UpdateConsultationRequest {
                consultation: Some(late.clone()),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["shortened_reason".into()]
                }),
            }
        )),
        Code::FailedPrecondition,
        "NOT_A_DRAFT"
    );
    refused!(
        server,
        api.update_consultation(authed(
            token::OFFICER_FGW,
            pb::UpdateConsultationRequest {
                consultation: Some(late.clone()),
                update_mask: None
            }
        )),
        Code::InvalidArgument,
        "update_mask"
    );
    refused!(
        server,
        api.update_consultation(authed(
            token::OFFICER_FGW,
            pb::UpdateConsultationRequest {
                consultation: Some(late),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["department".into()]
                }),
            }
        )),
        Code::InvalidArgument,
        "update_mask"
    );
    refused!(
        server,
        api.extend_consultation(authed(
            token::OFFICER_FGW,
            pb::ExtendConsultationRequest {
                name: c.name.clone(),
                closes_at: Some(ts(closes_at - Duration::days(1))),
                reason: "提前".into(),
            }
        )),
        Code::FailedPrecondition,
        "EXTENSION_NOT_LATER"
    );
    refused!(
        server,
        api.extend_consultation(authed(
            token::OFFICER_FGW,
            pb::ExtendConsultationRequest {
                name: c.name.clone(),
                closes_at: None,
                reason: "延期".into()
            }
        )),
        Code::InvalidArgument,
        "closes_at"
    );
    refused!(
        server,
        api.close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest {
                name: c.name.clone()
            }
        )),
        Code::FailedPrecondition,
        "NO_EARLY_CLOSE"
    );
    // An officer of another department, on every transition.
    refused!(
        server,
        api.close_consultation(authed(
            token::OFFICER_JTJ,
            pb::CloseConsultationRequest {
                name: c.name.clone()
            }
        )),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        api.withdraw_consultation(authed(
            token::OFFICER_JTJ,
            pb::WithdrawConsultationRequest {
                name: c.name.clone(),
                reason: "越权撤回".into()
            }
        )),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        api.publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest {
                name: c.name.clone()
            }
        )),
        Code::FailedPrecondition,
        "NOT_A_DRAFT"
    );
    refused!(
        server,
        api.close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest {
                name: "consultations/01KAAAAAAAAAAAAAAAAAAAAAAA".into()
            }
        )),
        Code::NotFound,
        "01KAAAAAAAAAAAAAAAAAAAAAAA"
    );
}

#[tokio::test]
async fn malformed_comments_are_refused_and_nothing_is_written() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "物业管理条例（征求意见稿）").await;
    let mut comments = server.comments();

    refused!(
        server,
        comments.submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Portal, &"长".repeat(5_001)),
                "long"
            )
        )),
        Code::InvalidArgument,
        "comment.content"
    );
    refused!(
        server,
        comments.submit_comment(authed(
            token::PORTAL,
            submit(&c.name, comment(pb::Channel::Portal, " \u{0000} "), "empty")
        )),
        Code::InvalidArgument,
        "comment.content"
    );
    let mut unspecified = comment(pb::Channel::Unspecified, "意见");
    unspecified.submitter_category = pb::SubmitterCategory::Unspecified as i32;
    let status = refused!(
        server,
        comments.submit_comment(authed(
            token::PORTAL,
            submit(&c.name, unspecified, "unspec")
        )),
        Code::InvalidArgument,
        "comment.channel"
    );
    let violations = tonic_types::StatusExt::get_details_bad_request(&status).unwrap();
    assert!(
        violations
            .field_violations
            .iter()
            .any(|v| v.field == "comment.submitter_category")
    );
    refused!(
        server,
        comments.submit_comment(authed(
            token::PORTAL,
            submit(&c.name, comment(pb::Channel::Portal, "意见"), "")
        )),
        Code::InvalidArgument,
        "request_id"
    );
    refused!(
        server,
        comments.submit_comment(authed(
            token::PORTAL,
            submit(&c.name, comment(pb::Channel::Letter, "无邮戳来信"), "nopm")
        )),
        Code::InvalidArgument,
        "comment.postmarked_at"
    );
    // Bound channels: the portal may not submit as the hotline.
    refused!(
        server,
        comments.submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Hotline12345, "冒用渠道"),
                "bind"
            )
        )),
        Code::PermissionDenied,
        "HOTLINE_12345"
    );
    refused!(
        server,
        comments.submit_comment(authed(
            token::OFFICER_JTJ,
            submit(
                &c.name,
                {
                    let mut l = comment(pb::Channel::Letter, "他部门录入");
                    l.postmarked_at = Some(ts(beijing("2026-03-02 09:00")));
                    l
                },
                "dept"
            )
        )),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        comments.submit_comment(submit(
            &c.name,
            comment(pb::Channel::Portal, "匿名"),
            "anon"
        )),
        Code::Unauthenticated,
        "Bearer"
    );
    refused!(
        server,
        comments.submit_comment(authed(
            token::PORTAL,
            submit(
                "consultations/01KAAAAAAAAAAAAAAAAAAAAAAA",
                comment(pb::Channel::Portal, "不存在"),
                "nf"
            )
        )),
        Code::NotFound,
        "01KAAAAAAAAAAAAAAAAAAAAAAA"
    );
    refused!(
        server,
        comments.list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                page_size: 1_000_000,
                ..Default::default()
            }
        )),
        Code::InvalidArgument,
        "page_size"
    );
    refused!(
        server,
        comments.list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                page_token: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
                ..Default::default()
            }
        )),
        Code::InvalidArgument,
        "page_token"
    );
    refused!(
        server,
        comments.list_comments(pb::ListCommentsRequest {
            parent: c.name.clone(),
            ..Default::default()
        }),
        Code::Unauthenticated,
        "Bearer"
    );
    refused!(
        server,
        comments.list_comments(authed(
            token::PORTAL,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                ..Default::default()
            }
        )),
        Code::PermissionDenied,
        "officers"
    );
}
