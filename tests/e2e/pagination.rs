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
                            validate_only: false,
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

/// Where a test comment stands, as the test put it there.
#[derive(Clone, Copy, PartialEq)]
enum Stands {
    Hidden,
    InUnansweredGroup,
    InAnsweredGroup,
    Answered,
    Unanswered,
}

#[tokio::test]
async fn status_filters_list_exactly_the_comments_in_each_status() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于停车收费管理的规定（征求意见稿）").await;
    let mut comments = server.comments();
    let mut feedback = server.feedback();
    let mut names = Vec::new();
    for i in 0..40 {
        let (tok, channel) = if i % 4 == 0 {
            (token::HOTLINE, pb::Channel::Hotline12345)
        } else {
            (token::PORTAL, pb::Channel::Portal)
        };
        let mut body = comment(channel, &format!("停车收费意见{i}"));
        if i % 5 == 0 {
            // One article, written as people write it.
            body.clause_reference = ["第三条", "3", "第 三 条", "第3条第二款"][i / 5 % 4].into();
        }
        let saved = comments
            .submit_comment(authed(
                tok,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(body),
                    request_id: format!("status-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        names.push((saved.name, channel, i % 5 == 0));
    }
    server.set_time(beijing("2026-04-02 09:00")).await;
    crate::close(&server, &c.name).await;
    let not_adopted = || pb::Disposition {
        outcome: pb::Outcome::NotAdopted as i32,
        reason: "与上位法规定不一致".into(),
        ..Default::default()
    };
    let mut stands = vec![Stands::Unanswered; names.len()];
    for i in [1, 2, 20] {
        comments
            .hide_comment(authed(
                token::OFFICER_FGW,
                pb::HideCommentRequest {
                    name: names[i].0.clone(),
                    reason: pb::HideReason::Spam as i32,
                    note: String::new(),
                },
            ))
            .await
            .unwrap();
        stands[i] = Stands::Hidden;
    }
    for (members, answered) in [(3..8, false), (8..13, true)] {
        let g = feedback
            .create_opinion_group(authed(
                token::OFFICER_FGW,
                pb::CreateOpinionGroupRequest {
                    parent: c.name.clone(),
                    opinion_group: Some(pb::OpinionGroup {
                        summary: format!("第{}组", members.start),
                        ..Default::default()
                    }),
                    comments: names[members.clone()].iter().map(|n| n.0.clone()).collect(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        if answered {
            feedback
                .answer_opinion_group(authed(
                    token::OFFICER_FGW,
                    pb::AnswerOpinionGroupRequest {
                        name: g.name,
                        disposition: Some(not_adopted()),
                    },
                ))
                .await
                .unwrap();
        }
        for i in members {
            stands[i] = if answered {
                Stands::InAnsweredGroup
            } else {
                Stands::InUnansweredGroup
            };
        }
    }
    for (i, stand) in stands.iter_mut().enumerate().take(30).skip(13) {
        if *stand == Stands::Unanswered {
            comments
                .answer_comment(authed(
                    token::OFFICER_FGW,
                    pb::AnswerCommentRequest {
                        name: names[i].0.clone(),
                        disposition: Some(not_adopted()),
                    },
                ))
                .await
                .unwrap();
            *stand = Stands::Answered;
        }
    }

    let statuses = [
        pb::CommentStatus::Unspecified,
        pb::CommentStatus::Visible,
        pb::CommentStatus::Hidden,
        pb::CommentStatus::Answered,
        pb::CommentStatus::Unanswered,
        pb::CommentStatus::Grouped,
    ];
    let channels = [
        pb::Channel::Unspecified,
        pb::Channel::Hotline12345,
        pb::Channel::Letter,
    ];
    for status in statuses {
        for channel in channels {
            for clause in ["", "第三条", "３", "第九十九条"] {
                let expected: Vec<String> = names
                    .iter()
                    .zip(&stands)
                    .filter(|((_, ch, on_clause), stand)| {
                        let visible = **stand != Stands::Hidden;
                        let in_status = match status {
                            pb::CommentStatus::Visible => visible,
                            pb::CommentStatus::Hidden => !visible,
                            pb::CommentStatus::Answered => {
                                matches!(stand, Stands::Answered | Stands::InAnsweredGroup)
                            }
                            pb::CommentStatus::Unanswered => {
                                matches!(stand, Stands::Unanswered | Stands::InUnansweredGroup)
                            }
                            pb::CommentStatus::Grouped => {
                                matches!(stand, Stands::InAnsweredGroup | Stands::InUnansweredGroup)
                            }
                            _ => true,
                        };
                        in_status
                            && (channel == pb::Channel::Unspecified || *ch == channel)
                            && (clause.is_empty() || (*on_clause && clause != "第九十九条"))
                    })
                    .map(|((n, _, _), _)| n.clone())
                    .collect();
                let mut listed = Vec::new();
                let mut page_token = String::new();
                loop {
                    let page = comments
                        .list_comments(authed(
                            token::OFFICER_FGW,
                            pb::ListCommentsRequest {
                                parent: c.name.clone(),
                                page_size: 7,
                                page_token: page_token.clone(),
                                channel: channel as i32,
                                clause_reference: clause.into(),
                                status: status as i32,
                                ..Default::default()
                            },
                        ))
                        .await
                        .unwrap()
                        .into_inner();
                    listed.extend(page.comments.into_iter().map(|c| c.name));
                    if page.next_page_token.is_empty() {
                        break;
                    }
                    page_token = page.next_page_token;
                }
                assert_eq!(
                    listed, expected,
                    "status {status:?}, channel {channel:?}, clause {clause:?}"
                );
            }
        }
    }
    server.assert_counts_agree().await;
}
