//! Keyset pagination through 1,000 comments: no duplicate, no gap, filters honoured.

use std::collections::BTreeSet;

use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, token};
use tonic::Code;

use crate::published;

#[tokio::test]
async fn paging_through_a_thousand_comments_has_no_duplicate_and_no_gap() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "城市更新条例（征求意见稿）").await;

    // Submit 1,000 comments, 32 at a time, from two systems.
    let mut submitted = BTreeSet::new();
    for chunk in 0..32 {
        let mut tasks = Vec::new();
        for i in (chunk * 32)..((chunk + 1) * 32).min(1_000) {
            let mut client = server.comments();
            let parent = c.name.clone();
            tasks.push(tokio::spawn(async move {
                let (tok, channel) = if i % 3 == 0 {
                    (token::HOTLINE, pb::Channel::Hotline12345)
                } else {
                    (token::PORTAL, pb::Channel::Portal)
                };
                client
                    .submit_comment(authed(
                        tok,
                        pb::SubmitCommentRequest {
                            parent,
                            comment: Some(comment(channel, &format!("第{i}条意见"))),
                            request_id: format!("bulk-{i}"),
                        },
                    ))
                    .await
                    .unwrap()
                    .into_inner()
                    .name
            }));
        }
        for t in tasks {
            submitted.insert(t.await.unwrap());
        }
    }
    assert_eq!(submitted.len(), 1_000);

    let mut client = server.comments();
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_comments(authed(
                token::OFFICER_FGW,
                pb::ListCommentsRequest {
                    parent: c.name.clone(),
                    page_size: 77,
                    page_token: token.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        assert!(page.comments.len() <= 77);
        seen.extend(page.comments.into_iter().map(|c| c.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(pages, 13);
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 1_000, "duplicates in pages");
    assert_eq!(unique, submitted, "gaps in pages");

    // A channel filter pages through its own subset, and its tokens are bound to it.
    let first = client
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                page_size: 1_000,
                channel: pb::Channel::Hotline12345 as i32,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.comments.len(), 334);
    assert!(
        first
            .comments
            .iter()
            .all(|c| c.channel == pb::Channel::Hotline12345 as i32)
    );

    let half = client
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                page_size: 10,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let reused = client
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                page_size: 10,
                page_token: half.next_page_token,
                channel: pb::Channel::Portal as i32,
                ..Default::default()
            },
        ))
        .await;
    assert_status(reused, Code::InvalidArgument, "page_token");
}

#[tokio::test]
async fn consultations_list_by_state_and_visibility() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let open = published(&server, "已发布的事项").await;
    let mut api = server.consultations();
    api.create_consultation(authed(
        token::OFFICER_FGW,
        pb::CreateConsultationRequest {
            consultation: Some(consult_e2e::draft("尚未发布的草稿")),
        },
    ))
    .await
    .unwrap();

    let public = api
        .list_consultations(pb::ListConsultationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.consultations.len(), 1);
    assert_eq!(public.consultations[0].name, open.name);

    let own = api
        .list_consultations(authed(
            token::OFFICER_FGW,
            pb::ListConsultationsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(own.consultations.len(), 2);
    let other = api
        .list_consultations(authed(
            token::OFFICER_JTJ,
            pb::ListConsultationsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(other.consultations.len(), 1);

    let open_only = api
        .list_consultations(authed(
            token::AUDITOR,
            pb::ListConsultationsRequest {
                state: pb::ConsultationState::Open as i32,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(open_only.consultations.len(), 1);
    let drafts = api
        .list_consultations(authed(
            token::AUDITOR,
            pb::ListConsultationsRequest {
                state: pb::ConsultationState::Draft as i32,
                kind: pb::ConsultationKind::EnterprisePolicy as i32,
                department: "fgw".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(drafts.consultations.len(), 1);
    assert_eq!(drafts.consultations[0].title, "尚未发布的草稿");
}
