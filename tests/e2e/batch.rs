//! Answering from a list of rows (a CSV file in the officers' client): every bad row is
//! reported at once, a dry run writes nothing, and a good batch is written whole.

use chrono::Duration;
use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, token};
use tonic::Code;

use crate::published;

fn row(name: &str, outcome: pb::Outcome, reason: &str) -> pb::AnswerItem {
    pb::AnswerItem {
        name: name.into(),
        disposition: Some(pb::Disposition {
            outcome: outcome as i32,
            reason: reason.into(),
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn a_batch_reports_every_bad_row_and_writes_all_or_nothing() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于调整停车收费标准的通知（征求意见稿）").await;
    let mut comments = server.comments();
    let mut feedback = server.feedback();
    let mut names = Vec::new();
    for i in 0..6 {
        let saved = comments
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(comment(pb::Channel::Portal, &format!("第{i}条：收费过高"))),
                    request_id: format!("batch-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        names.push(saved.name);
    }
    server
        .set_time(beijing("2026-04-02 00:00") + Duration::minutes(5))
        .await;
    server
        .consultations()
        .close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap();
    comments
        .hide_comment(authed(
            token::OFFICER_FGW,
            pb::HideCommentRequest {
                name: names[5].clone(),
                reason: pb::HideReason::Abuse as i32,
                note: String::new(),
            },
        ))
        .await
        .unwrap();
    let group = feedback
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: c.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "认为收费标准过高".into(),
                    ..Default::default()
                }),
                comments: vec![names[3].clone(), names[4].clone()],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let revisions = server.table_count("disposition_revisions").await;
    let before = server.row_counts().await;
    let batch = |answers: Vec<pb::AnswerItem>, validate_only: bool| pb::BatchAnswerRequest {
        parent: c.name.clone(),
        answers,
        validate_only,
    };

    // Malformed rows: each named with its row number.
    let unknown = format!("{}/comments/01NOTACOMMENT", c.name);
    let r = feedback
        .batch_answer(authed(
            token::OFFICER_FGW,
            batch(
                vec![
                    row(&names[0], pb::Outcome::Adopted, ""),
                    row(&names[1], pb::Outcome::NotAdopted, ""),
                    row("consultations/other/comments/x", pb::Outcome::Adopted, ""),
                    row(&names[0], pb::Outcome::Adopted, ""),
                ],
                false,
            ),
        ))
        .await;
    let s = assert_status(r, Code::InvalidArgument, "answers[1].disposition.reason");
    let details = format!("{:?}", tonic_types::StatusExt::get_error_details(&s));
    assert!(details.contains("answers[2].name"), "{details}");
    assert!(
        details.contains("answers[3].name"),
        "duplicate row: {details}"
    );

    // Rows the rules refuse: an unknown comment, a hidden one, a grouped one — all at once.
    let r = feedback
        .batch_answer(authed(
            token::OFFICER_FGW,
            batch(
                vec![
                    row(&names[0], pb::Outcome::Adopted, ""),
                    row(&unknown, pb::Outcome::Adopted, ""),
                    row(&names[5], pb::Outcome::NotAdopted, "言辞不当"),
                    row(&names[3], pb::Outcome::NotAdopted, "理由充分"),
                ],
                false,
            ),
        ))
        .await;
    let s = assert_status(r, Code::FailedPrecondition, "COMMENT_HIDDEN");
    let details = format!("{:?}", tonic_types::StatusExt::get_error_details(&s));
    for needle in [
        "NOT_FOUND",
        "IN_OPINION_GROUP",
        "answers[1]",
        "answers[2]",
        "answers[3]",
    ] {
        assert!(details.contains(needle), "{needle} missing from {details}");
    }
    assert!(
        !details.contains("answers[0]"),
        "a good row is not reported"
    );
    assert_eq!(server.row_counts().await, before);
    assert_eq!(server.table_count("disposition_revisions").await, revisions);

    // A good batch: the dry run writes nothing, the real run writes every row.
    let good = vec![
        row(&names[0], pb::Outcome::Adopted, ""),
        row(&names[1], pb::Outcome::NotAdopted, "收费标准依据成本核定"),
        row(&names[2], pb::Outcome::OutOfScope, "属于物业管理事项"),
        row(&group.name, pb::Outcome::NotAdopted, "收费标准依据成本核定"),
    ];
    let dry = feedback
        .batch_answer(authed(token::OFFICER_FGW, batch(good.clone(), true)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((dry.answered_count, dry.validate_only), (4, true));
    assert_eq!(server.row_counts().await, before);
    assert_eq!(server.table_count("disposition_revisions").await, revisions);

    let done = feedback
        .batch_answer(authed(token::OFFICER_FGW, batch(good, false)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((done.answered_count, done.validate_only), (4, false));
    assert_eq!(
        server.table_count("disposition_revisions").await,
        revisions + 4
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
        (progress.answered, progress.unanswered, progress.hidden),
        (5, 0, 1)
    );
    // ENTERPRISE_POLICY drafts also need business input before the gate.
    assert!(!progress.ready_for_deliberation);
    assert!(
        progress
            .missing
            .iter()
            .any(|m| m.contains("NO_ENTERPRISE_INPUT"))
    );

    // Other departments may not answer.
    let r = feedback
        .batch_answer(authed(
            token::OFFICER_JTJ,
            batch(vec![row(&names[0], pb::Outcome::Adopted, "")], false),
        ))
        .await;
    assert_status(r, Code::PermissionDenied, "");
    server.assert_counts_agree().await;
}

#[tokio::test]
async fn opinion_groups_change_until_the_gate() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于夜间施工管理的规定（征求意见稿）").await;
    let mut comments = server.comments();
    let mut feedback = server.feedback();
    let mut names = Vec::new();
    for i in 0..3 {
        let saved = comments
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(comment(pb::Channel::Portal, &format!("夜间施工扰民{i}"))),
                    request_id: format!("group-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        names.push(saved.name);
    }
    // Grouping may start while comments still come in.
    let g = feedback
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: c.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "夜间施工扰民".into(),
                    ..Default::default()
                }),
                comments: names.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(g.member_count, 3);
    let g = feedback
        .remove_opinion_group_members(authed(
            token::OFFICER_FGW,
            pb::RemoveOpinionGroupMembersRequest {
                name: g.name.clone(),
                comments: vec![names[2].clone()],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(g.member_count, 2);
    let r = feedback
        .remove_opinion_group_members(authed(
            token::OFFICER_FGW,
            pb::RemoveOpinionGroupMembersRequest {
                name: g.name.clone(),
                comments: vec![names[2].clone()],
            },
        ))
        .await;
    assert_status(r, Code::FailedPrecondition, "NOT_IN_GROUP");
    let g = feedback
        .update_opinion_group(authed(
            token::OFFICER_FGW,
            pb::UpdateOpinionGroupRequest {
                opinion_group: Some(pb::OpinionGroup {
                    name: g.name.clone(),
                    summary: "建议限制夜间施工时段".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["summary".into()],
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(g.summary, "建议限制夜间施工时段");
    let r = feedback
        .update_opinion_group(authed(
            token::OFFICER_FGW,
            pb::UpdateOpinionGroupRequest {
                opinion_group: Some(g.clone()),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["disposition".into()],
                }),
            },
        ))
        .await;
    assert_status(r, Code::InvalidArgument, "update_mask");
    let got = feedback
        .get_opinion_group(authed(
            token::AUDITOR,
            pb::GetOpinionGroupRequest {
                name: g.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (got.member_count, got.summary.as_str()),
        (2, "建议限制夜间施工时段")
    );
    let member = comments
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: names[0].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(member.opinion_group, g.name);

    // After the gate the groups are fixed.
    server
        .set_time(beijing("2026-04-02 00:00") + Duration::minutes(5))
        .await;
    server
        .consultations()
        .close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap();
    let r = feedback
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: g.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::Adopted as i32,
                    adopted_content: "第八条限制夜间施工时段".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(r.disposition.is_some());
    let lone = feedback
        .batch_answer(authed(
            token::OFFICER_FGW,
            pb::BatchAnswerRequest {
                parent: c.name.clone(),
                answers: vec![row(&names[2], pb::Outcome::Adopted, "")],
                validate_only: false,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(lone.answered_count, 1);
    let mut d = server.consultations();
    // ENTERPRISE_POLICY drafts need business input; this one is refused for that alone.
    let r = d
        .mark_ready_for_deliberation(authed(
            token::OFFICER_FGW,
            pb::MarkReadyForDeliberationRequest {
                name: c.name.clone(),
            },
        ))
        .await;
    let s = assert_status(r, Code::FailedPrecondition, "NO_ENTERPRISE_INPUT");
    let details = format!("{:?}", tonic_types::StatusExt::get_error_details(&s));
    assert!(!details.contains("UNANSWERED"), "{details}");
    let listed = feedback
        .list_opinion_groups(authed(
            token::OFFICER_FGW,
            pb::ListOpinionGroupsRequest {
                parent: c.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.opinion_groups.len(), 1);
    assert_eq!(listed.opinion_groups[0].member_count, 2);
    server.assert_counts_agree().await;
}
