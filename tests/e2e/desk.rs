//! The officers' answering desk: concentrated opinions never shrink below two members and can
//! be dissolved; a bulk answer or hide by filter can be tried first, counting what it would
//! change and writing nothing; comments are counted by the draft's clauses however they name them; through
//! the API and consultctl, on SQLite and PostgreSQL.

use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, consultctl, draft, token};
use tonic::Code;

use crate::answering::progress;
use crate::{close, published, published_draft};

/// Submits `bodies` through the portal in order; returns their names.
async fn submit_all(server: &TestServer, parent: &str, bodies: Vec<pb::Comment>) -> Vec<String> {
    let mut names = Vec::with_capacity(bodies.len());
    for (i, body) in bodies.into_iter().enumerate() {
        let saved = server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: parent.to_owned(),
                    comment: Some(body),
                    request_id: format!("desk-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        names.push(saved.name);
    }
    names
}

#[tokio::test]
async fn a_group_keeps_two_members_and_dissolving_it_leaves_its_members_unanswered() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于夜间施工管理的规定（征求意见稿）").await;
    let bodies = (0..6)
        .map(|i| comment(pb::Channel::Portal, &format!("夜间施工扰民{i}")))
        .collect();
    let names = submit_all(&server, &c.name, bodies).await;
    server.set_time(beijing("2026-04-02 09:00")).await;
    close(&server, &c.name).await;
    let mut feedback = server.feedback();
    let create = |members: &[String]| pb::CreateOpinionGroupRequest {
        parent: c.name.clone(),
        opinion_group: Some(pb::OpinionGroup {
            summary: "建议限制夜间施工时段".into(),
            ..Default::default()
        }),
        comments: members.to_vec(),
    };
    // One comment is no concentrated opinion.
    let one = feedback
        .create_opinion_group(authed(token::OFFICER_FGW, create(&names[..1])))
        .await;
    assert_status(one, Code::InvalidArgument, "comments");
    let g = feedback
        .create_opinion_group(authed(token::OFFICER_FGW, create(&names[..3])))
        .await
        .unwrap()
        .into_inner();
    let remove = |comments: Vec<String>| pb::RemoveOpinionGroupMembersRequest {
        name: g.name.clone(),
        comments,
    };
    let two = feedback
        .remove_opinion_group_members(authed(token::OFFICER_FGW, remove(vec![names[2].clone()])))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(two.member_count, 2);
    // Down to one: refused, naming the way out, and nothing changes.
    let before = server.row_counts().await;
    let refused = feedback
        .remove_opinion_group_members(authed(token::OFFICER_FGW, remove(vec![names[1].clone()])))
        .await;
    let status = assert_status(refused, Code::FailedPrecondition, "GROUP_TOO_SMALL");
    assert!(
        status.message().contains("解散") || format!("{status:?}").contains("DeleteOpinionGroup")
    );
    assert_eq!(server.row_counts().await, before);
    let still = feedback
        .get_opinion_group(authed(
            token::OFFICER_FGW,
            pb::GetOpinionGroupRequest {
                name: g.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(still.member_count, 2);

    // Answered, then dissolved: the members leave it, unanswered; the group is gone.
    feedback
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: g.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::Adopted as i32,
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
    // Another department may not.
    let other = feedback
        .delete_opinion_group(authed(
            token::OFFICER_JTJ,
            pb::DeleteOpinionGroupRequest {
                name: g.name.clone(),
            },
        ))
        .await;
    assert_status(other, Code::PermissionDenied, "");
    feedback
        .delete_opinion_group(authed(
            token::OFFICER_FGW,
            pb::DeleteOpinionGroupRequest {
                name: g.name.clone(),
            },
        ))
        .await
        .unwrap();
    let gone = feedback
        .get_opinion_group(authed(
            token::OFFICER_FGW,
            pb::GetOpinionGroupRequest {
                name: g.name.clone(),
            },
        ))
        .await;
    assert_status(gone, Code::NotFound, "");
    for name in &names[..2] {
        let k = server
            .comments()
            .get_comment(authed(
                token::OFFICER_FGW,
                pb::GetCommentRequest { name: name.clone() },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(k.opinion_group.is_empty(), "{name} left the group");
        assert!(k.disposition.is_none(), "{name} is unanswered again");
    }
    let progress = progress(&server, token::OFFICER_FGW, &c.name).await;
    assert_eq!(progress.unanswered, 6, "{progress:?}");
    assert_eq!(progress.opinion_groups, 0, "{progress:?}");
    server.assert_counts_agree().await;
    let logged = server
        .query_count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'opinion_group.delete'")
        .await;
    assert_eq!(logged, 1);

    // consultctl dissolves as well.
    let g2 = feedback
        .create_opinion_group(authed(token::OFFICER_FGW, create(&names[3..6])))
        .await
        .unwrap()
        .into_inner();
    let id = c.name.trim_start_matches("consultations/");
    let group = g2.name.rsplit('/').next().unwrap();
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["group", "dissolve", id, group, "-o", "json"],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(run["dissolved"], true);
    assert_eq!(run["name"], g2.name.as_str());
    let again = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["group", "dissolve", id, group],
    )
    .await;
    assert_ne!(again.code, 0, "{again:?}");
}

#[tokio::test]
async fn a_dry_run_of_answer_filter_counts_and_shows_what_it_would_answer_and_writes_nothing() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于停车收费的规定（征求意见稿）").await;
    let bodies = (0..8)
        .map(|i| {
            let mut body = comment(pb::Channel::Portal, &format!("停车收费意见{i}"));
            if i % 2 == 0 {
                body.clause_reference = ["第九条", "9", "第 九 条", "第9条第一款"][i / 2].into();
            }
            body
        })
        .collect();
    submit_all(&server, &c.name, bodies).await;
    server.set_time(beijing("2026-04-02 09:00")).await;
    close(&server, &c.name).await;
    let bulk = |validate_only: bool| pb::BulkAnswerCommentsRequest {
        parent: c.name.clone(),
        disposition: Some(pb::Disposition {
            outcome: pb::Outcome::Adopted as i32,
            ..Default::default()
        }),
        target: Some(pb::bulk_answer_comments_request::Target::Selection(
            pb::CommentSelection {
                clause_reference: "第九条".into(),
                only_unanswered: true,
                ..Default::default()
            },
        )),
        validate_only,
    };
    let before = server.row_counts().await;
    let audit_before = server.table_count("audit_events").await;
    let tried = server
        .feedback()
        .bulk_answer_comments(authed(token::OFFICER_FGW, bulk(true)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(tried.answered_count, 4);
    assert_eq!(tried.comments.len(), 4);
    assert_eq!(
        server.row_counts().await,
        before,
        "a dry run writes nothing"
    );
    assert_eq!(server.table_count("audit_events").await, audit_before);

    let unanswered = || async {
        progress(&server, token::OFFICER_FGW, &c.name)
            .await
            .unanswered
    };
    assert_eq!(unanswered().await, 8);
    let id = c.name.trim_start_matches("consultations/");
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &[
            "answer",
            "filter",
            id,
            "--clause",
            "9",
            "--only-unanswered",
            "--outcome",
            "采纳",
            "--dry-run",
        ],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains("将答复 4 条意见"), "{run:?}");
    assert!(
        run.stdout.contains("停车收费意见0"),
        "the sample shows the comments: {run:?}"
    );
    assert_eq!(
        server.row_counts().await,
        before,
        "a dry run writes nothing"
    );
    assert_eq!(server.table_count("audit_events").await, audit_before);
    assert_eq!(unanswered().await, 8);

    let done = server
        .feedback()
        .bulk_answer_comments(authed(token::OFFICER_FGW, bulk(false)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.answered_count, 4);
    assert_eq!(
        done.comments, tried.comments,
        "the dry run named what the answer took"
    );
    assert_eq!(unanswered().await, 4);
    server.assert_counts_agree().await;
}

#[tokio::test]
async fn clauses_are_listed_from_the_draft_with_the_comments_naming_each_however_written() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut d = draft("关于公交线网优化的方案（征求意见稿）");
    d.draft_text = "关于公交线网优化的方案\n第一条 为优化公交线网，制定本方案。\n\
                    第二条 本方案适用于中心城区。\n第三条 早晚高峰发车间隔不超过十分钟。"
        .into();
    let c = published_draft(&server, d).await;
    let bodies = ["第三条", "3", "第 三 条", "第九条", "附件1", ""]
        .iter()
        .enumerate()
        .map(|(i, clause)| {
            let mut body = comment(pb::Channel::Portal, &format!("线网意见{i}"));
            body.clause_reference = (*clause).into();
            body
        })
        .collect();
    submit_all(&server, &c.name, bodies).await;
    let listed = server
        .comments()
        .list_clauses(authed(
            token::OFFICER_FGW,
            pb::ListClausesRequest {
                parent: c.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let shown: Vec<(&str, i32, bool, i64)> = listed
        .clauses
        .iter()
        .map(|l| (l.clause.as_str(), l.article, l.in_draft, l.comment_count))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("第一条", 1, true, 0),
            ("第二条", 2, true, 0),
            ("第三条", 3, true, 3),
            ("第九条", 9, false, 1),
            ("附件1", 0, true, 1),
        ]
    );
    assert_eq!(listed.clauses[2].opening, "早晚高峰发车间隔不超过十分钟。");
    assert_eq!(listed.other_references_not_listed, 0);
    // Another department's officer may not read them.
    let other = server
        .comments()
        .list_clauses(authed(
            token::OFFICER_JTJ,
            pb::ListClausesRequest {
                parent: c.name.clone(),
            },
        ))
        .await;
    assert_status(other, Code::PermissionDenied, "");

    let id = c.name.trim_start_matches("consultations/");
    let table = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["comment", "clauses", id],
    )
    .await
    .expect(0);
    assert!(table.stdout.contains("草案无此条"), "{table:?}");
    assert!(table.stdout.contains("第三条"), "{table:?}");
    // The listing's clause finds the comments however they wrote it.
    let third = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["comment", "list", id, "--clause", "第三条", "-o", "json"],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(third.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn letters_entered_from_a_file_are_all_checked_first_and_stored_once() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于城市绿化管理的办法（征求意见稿）").await;
    server.set_time(beijing("2026-03-10 10:00")).await;
    let id = c.name.trim_start_matches("consultations/");
    let dir = std::env::temp_dir().join(format!("consult-letters-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("来信.csv");
    let ctl = |args: Vec<String>| {
        let grpc = server.grpc.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            consultctl(&grpc, Some(token::OFFICER_FGW), &args).await
        }
    };
    let import = |extra: &[&str]| {
        let mut args: Vec<String> = ["comment", "import", id]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(path.to_str().unwrap().to_owned());
        args.extend(["--channel", "letter"].iter().map(|s| s.to_string()));
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    std::fs::write(
        &path,
        "姓名,联系方式,意见内容,条款,邮戳日期,渠道\n\
         张三,13800138000,建议增加社区绿地,第一条,2026-03-05,\n\
         李四,,座谈会上提出保护古树,,,symposium\n\
         王五,,建议公开绿化经费,,2026/03/05,\n\
         赵六,,,,,\n\
         钱七,,希望增加口袋公园,,2026-03-06,\n",
    )
    .unwrap();
    // API: a check stores nothing.
    let before = server.row_counts().await;
    let checked = server
        .comments()
        .submit_comment(authed(
            token::OFFICER_FGW,
            pb::SubmitCommentRequest {
                parent: c.name.clone(),
                comment: Some(pb::Comment {
                    postmarked_at: Some(consult_e2e::ts(beijing("2026-03-05 12:00"))),
                    ..comment(pb::Channel::Letter, "信函意见")
                }),
                request_id: "check-only".into(),
                validate_only: true,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(checked.name.is_empty() && checked.receipt_code.is_empty());
    assert_eq!(server.row_counts().await, before);

    // Every bad row is listed, whether found on this side or by the server; nothing stored.
    let refused = ctl(import(&["-o", "json"])).await;
    assert_ne!(refused.code, 0, "{refused:?}");
    let report = refused.json();
    let lines: Vec<u64> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4, 5], "{report}");
    assert_eq!(report["written"], 0);
    assert!(
        report.to_string().contains("CHANNEL_NOT_OFFERED"),
        "{report}"
    );
    assert_eq!(
        server.row_counts().await,
        before,
        "a file with bad rows writes nothing"
    );

    // Fixed, tried, then entered; entering it again stores nothing twice.
    std::fs::write(
        &path,
        "姓名,联系方式,意见内容,条款,邮戳日期\n\
         张三,13800138000,建议增加社区绿地,第一条,2026-03-05\n\
         钱七,,希望增加口袋公园,,2026-03-06\n",
    )
    .unwrap();
    let tried = ctl(import(&["--dry-run"])).await.expect(0);
    assert!(tried.stdout.contains("2 条意见可以录入"), "{tried:?}");
    assert_eq!(server.row_counts().await, before);
    let entered = ctl(import(&["-o", "json"])).await.expect(0).json();
    assert_eq!(entered["written"], 2);
    let receipts: Vec<String> = entered["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["receipt_code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(server.table_count("comments").await, before[1] + 2);
    let again = ctl(import(&["-o", "json"])).await.expect(0).json();
    let again_receipts: Vec<String> = again["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["receipt_code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(again_receipts, receipts, "the same comments, not new ones");
    assert_eq!(server.table_count("comments").await, before[1] + 2);
    // One by one: the same rules as a row; a letter without its postmark is refused.
    let no_postmark = ctl([
        "comment",
        "enter",
        id,
        "--channel",
        "letter",
        "--content",
        "信中建议增设座椅",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect())
    .await;
    assert_ne!(no_postmark.code, 0, "{no_postmark:?}");
    assert!(no_postmark.stderr.contains("邮戳"), "{no_postmark:?}");
    let entered_one = ctl([
        "comment",
        "enter",
        id,
        "--channel",
        "letter",
        "--content",
        "信中建议增设座椅",
        "--name",
        "孙八",
        "--postmark",
        "2026-03-07",
        "--request-id",
        "letter-sun-1",
        "-o",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect())
    .await
    .expect(0)
    .json();
    assert!(
        !entered_one["receiptCode"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{entered_one}"
    );
    assert_eq!(server.table_count("comments").await, before[1] + 3);
    let letter = server
        .comments()
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                channel: pb::Channel::Letter as i32,
                query: "社区绿地".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(letter.comments.len(), 1);
    assert!(letter.comments[0].postmarked_at.is_some());
    assert_eq!(letter.comments[0].clause_reference, "第一条");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_flood_of_advertisements_is_hidden_by_one_filter_and_a_list_is_all_or_nothing() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于停车收费的规定（征求意见稿）").await;
    let mut bodies: Vec<pb::Comment> = (0..12)
        .map(|i| {
            comment(
                pb::Channel::Portal,
                &format!("代开发票{i}，正规税点低，加微信 fp{i:03}"),
            )
        })
        .collect();
    bodies.extend((0..4).map(|i| {
        comment(
            pb::Channel::Portal,
            &format!("第九条收费标准偏高，建议夜间免费停车{i}"),
        )
    }));
    // Quotes one word of the advertisement but not the other: stays.
    bodies.push(comment(
        pb::Channel::Portal,
        "有人在留言区代开发票，请管理员处理",
    ));
    let names = submit_all(&server, &c.name, bodies).await;
    // Two advertisements an officer already grouped are left to their group.
    server
        .feedback()
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: c.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "广告".into(),
                    ..Default::default()
                }),
                comments: names[..2].to_vec(),
            },
        ))
        .await
        .unwrap();
    let hide = |target: pb::bulk_hide_comments_request::Target, validate_only: bool| {
        pb::BulkHideCommentsRequest {
            parent: c.name.clone(),
            reason: pb::HideReason::Spam as i32,
            note: "发票广告".into(),
            target: Some(target),
            validate_only,
        }
    };
    let flood = pb::bulk_hide_comments_request::Target::Selection(pb::CommentSelection {
        query: "代开发票 微信".into(),
        ..Default::default()
    });
    let progress = || progress(&server, token::OFFICER_FGW, &c.name);

    let before = server.row_counts().await;
    let tried = server
        .comments()
        .bulk_hide_comments(authed(token::OFFICER_FGW, hide(flood.clone(), true)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(tried.hidden_count, 10);
    assert_eq!(tried.comments, names[2..12].to_vec());
    assert_eq!(
        server.row_counts().await,
        before,
        "a dry run writes nothing"
    );
    assert_eq!(progress().await.hidden, 0);
    let id = c.name.trim_start_matches("consultations/");
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &[
            "comment",
            "bulk-hide",
            id,
            "--search",
            "代开发票 微信",
            "--reason",
            "spam",
            "--dry-run",
        ],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains("将屏蔽 10 条意见"), "{run:?}");
    assert!(run.stdout.contains("代开发票2，"), "the sample: {run:?}");
    assert_eq!(
        server.row_counts().await,
        before,
        "a dry run writes nothing"
    );

    // Hidden by a long-running operation, as a selection too large for one request would be.
    let op = server
        .comments()
        .start_bulk_hide_comments(authed(
            token::OFFICER_FGW,
            pb::StartBulkHideCommentsRequest {
                bulk_hide: Some(hide(flood.clone(), false)),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(crate::operations::metadata(&op).kind, "bulkHideComments");
    let op = crate::operations::wait_done(&server, &op.name).await;
    let done: pb::BulkHideCommentsResponse = crate::operations::response(&op);
    assert_eq!(done.hidden_count, 10);
    assert_eq!(
        done.comments, tried.comments,
        "the dry run named what it hid"
    );
    let p = progress().await;
    // Unanswered: the five others and the two in the unanswered group.
    assert_eq!((p.hidden, p.grouped, p.unanswered), (10, 2, 7));
    assert_eq!(p.hidden_by_reason[0].code, "SPAM");
    assert_eq!(p.hidden_by_reason[0].count, 10);
    let hidden = server
        .comments()
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: names[5].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let moderation = hidden.moderation.expect("hidden");
    assert_eq!(moderation.reason, pb::HideReason::Spam as i32);
    assert_eq!(moderation.note, "发票广告");
    // One audit event for the ten, with the filter, the count and the digest of the ids.
    let audit = server
        .query_count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'comment.bulk_hide' \
             AND after LIKE '%comments.hidden.v1%' AND after LIKE '%\"count\":10%'",
        )
        .await;
    assert_eq!(audit, 1);
    // Again: nothing left to hide, and hidden ones keep their reason.
    let again = server
        .comments()
        .bulk_hide_comments(authed(token::OFFICER_FGW, hide(flood, false)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.hidden_count, 0);

    // A list is all or nothing, naming every comment that cannot be hidden.
    let before = server.row_counts().await;
    let listed = pb::bulk_hide_comments_request::Target::Comments(pb::CommentList {
        comments: vec![names[12].clone(), names[0].clone(), names[3].clone()],
    });
    let status = assert_status(
        server
            .comments()
            .bulk_hide_comments(authed(token::OFFICER_FGW, hide(listed, false)))
            .await,
        Code::FailedPrecondition,
        "IN_OPINION_GROUP",
    );
    assert!(
        format!("{status:?}").contains("ALREADY_HIDDEN"),
        "{status:?}"
    );
    assert_eq!(server.row_counts().await, before);
    assert_eq!(progress().await.hidden, 10);

    // Bad input names its field and changes nothing.
    let long = pb::bulk_hide_comments_request::Target::Selection(pb::CommentSelection {
        query: "很".repeat(10_000),
        ..Default::default()
    });
    assert_status(
        server
            .comments()
            .bulk_hide_comments(authed(token::OFFICER_FGW, hide(long.clone(), false)))
            .await,
        Code::InvalidArgument,
        "selection.query",
    );
    // Refused when asked, not as a failed operation.
    assert_status(
        server
            .comments()
            .start_bulk_hide_comments(authed(
                token::OFFICER_FGW,
                pb::StartBulkHideCommentsRequest {
                    bulk_hide: Some(hide(long, false)),
                },
            ))
            .await,
        Code::InvalidArgument,
        "selection.query",
    );
    assert_status(
        server
            .comments()
            .start_bulk_hide_comments(authed(
                token::OFFICER_FGW,
                pb::StartBulkHideCommentsRequest { bulk_hide: None },
            ))
            .await,
        Code::InvalidArgument,
        "parent",
    );
    let mut no_target = hide(
        pb::bulk_hide_comments_request::Target::Comments(pb::CommentList::default()),
        false,
    );
    no_target.target = None;
    no_target.reason = 0;
    let status = assert_status(
        server
            .comments()
            .bulk_hide_comments(authed(token::OFFICER_FGW, no_target))
            .await,
        Code::InvalidArgument,
        "target",
    );
    assert!(format!("{status:?}").contains("reason"), "{status:?}");
    assert_eq!(server.row_counts().await, before);

    // consultctl hides a list.
    let comment_id = names[13].rsplit('/').next().unwrap();
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["comment", "bulk-hide", id, comment_id, "--reason", "abuse"],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains("已屏蔽 1 条意见"), "{run:?}");
    assert_eq!(progress().await.hidden, 11);
    server.assert_counts_agree().await;
}

#[tokio::test]
async fn answer_templates_are_kept_per_department_and_used_by_name_in_commands_and_files() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于户外广告设置的规定（征求意见稿）").await;
    let bodies = (0..4)
        .map(|i| comment(pb::Channel::Portal, &format!("建议放宽户外广告限制{i}")))
        .collect();
    let names = submit_all(&server, &c.name, bodies).await;
    server.set_time(beijing("2026-04-02 09:00")).await;
    close(&server, &c.name).await;
    let id = c.name.trim_start_matches("consultations/");
    let short = |name: &str| name.rsplit('/').next().unwrap().to_owned();
    let ctl = |args: Vec<String>| {
        let grpc = server.grpc.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            consultctl(&grpc, Some(token::OFFICER_FGW), &args).await
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let audit_of = |action: &'static str| {
        let server = &server;
        async move {
            server
                .query_count(&format!(
                    "SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"
                ))
                .await
        }
    };

    let made = ctl(args(&[
        "template",
        "create",
        "fgw",
        "上位法",
        "--outcome",
        "未采纳",
        "--reason",
        "与《广告法》规定不一致，无法采纳",
        "--description",
        "与上位法冲突的意见",
    ]))
    .await
    .expect(0);
    assert!(made.stdout.contains("已新建答复模板 上位法"), "{made:?}");
    let again = ctl(args(&[
        "template",
        "create",
        "fgw",
        "上位法",
        "--outcome",
        "采纳",
    ]))
    .await
    .expect(4);
    assert!(again.stderr.contains("已有名为“上位法”"), "{again:?}");
    assert_eq!(audit_of("answer_template.create").await, 1);

    // A template is an answer: checked as one, under a name officers can type.
    let mut templates = server.answer_templates();
    let bad = templates
        .create_answer_template(authed(
            token::OFFICER_FGW,
            pb::CreateAnswerTemplateRequest {
                parent: "departments/fgw".into(),
                answer_template_id: "范围 外".into(),
                answer_template: Some(pb::AnswerTemplate {
                    disposition: Some(pb::Disposition {
                        outcome: pb::Outcome::OutOfScope as i32,
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            },
        ))
        .await;
    let status = assert_status(
        bad,
        Code::InvalidArgument,
        "answer_template.disposition.reason",
    );
    assert!(
        format!("{status:?}").contains("answer_template_id"),
        "every field is named: {status:?}"
    );
    assert_eq!(audit_of("answer_template.create").await, 1);

    // By name in a command: the consultation's department's template.
    ctl(args(&[
        "answer",
        "comment",
        id,
        &short(&names[0]),
        "--template",
        "上位法",
    ]))
    .await
    .expect(0);
    let answered = |name: String| {
        let server = &server;
        async move {
            server
                .comments()
                .get_comment(authed(token::OFFICER_FGW, pb::GetCommentRequest { name }))
                .await
                .unwrap()
                .into_inner()
                .disposition
                .unwrap_or_default()
        }
    };
    let first = answered(names[0].clone()).await;
    assert_eq!(first.outcome, pb::Outcome::NotAdopted as i32);
    assert_eq!(first.reason, "与《广告法》规定不一致，无法采纳");
    let unknown = ctl(args(&[
        "answer",
        "comment",
        id,
        &short(&names[1]),
        "--template",
        "没有这个",
    ]))
    .await
    .expect(3);
    assert!(unknown.stderr.contains("没有这个"), "{unknown:?}");

    // By name in an answers file: every row checked first, nothing written while one is bad.
    let dir = std::env::temp_dir().join(format!("consult-templates-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("答复.csv");
    let write = |rows: &[(&str, &str)]| {
        let mut text = "意见编号,模板,采纳情况,理由\n".to_owned();
        for (comment, template) in rows {
            text.push_str(&format!("{comment},{template},,\n"));
        }
        std::fs::write(&file, text).unwrap();
    };
    let (second, third) = (short(&names[1]), short(&names[2]));
    write(&[(&second, "上位法"), (&third, "没有这个")]);
    let path = file.to_str().unwrap().to_owned();
    let refused = ctl(args(&["answer", "csv", id, &path])).await;
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        refused.stdout.contains("没有这个") || refused.stderr.contains("没有这个"),
        "{refused:?}"
    );
    assert_eq!(
        answered(names[1].clone()).await.outcome,
        0,
        "nothing written"
    );
    write(&[(&second, "上位法"), (&third, "上位法")]);
    ctl(args(&["answer", "csv", id, &path])).await.expect(0);
    assert_eq!(
        answered(names[2].clone()).await.reason,
        "与《广告法》规定不一致，无法采纳"
    );

    // Changing a template changes no answer given with it.
    ctl(args(&[
        "template",
        "update",
        "fgw",
        "上位法",
        "--outcome",
        "未采纳",
        "--reason",
        "与《广告法》第四十一条规定不一致",
    ]))
    .await
    .expect(0);
    assert_eq!(
        answered(names[0].clone()).await.reason,
        "与《广告法》规定不一致，无法采纳"
    );
    let listed = ctl(args(&["template", "list", "fgw", "-o", "json"]))
        .await
        .expect(0)
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        listed[0]["disposition"]["reason"],
        "与《广告法》第四十一条规定不一致"
    );
    // Auditors read; another department's officer does not.
    let read = templates
        .get_answer_template(authed(
            token::AUDITOR,
            pb::GetAnswerTemplateRequest {
                name: "departments/fgw/answerTemplates/上位法".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.creator, "officer-fgw");
    assert_status(
        templates
            .list_answer_templates(authed(
                token::OFFICER_JTJ,
                pb::ListAnswerTemplatesRequest {
                    parent: "departments/fgw".into(),
                },
            ))
            .await,
        Code::PermissionDenied,
        "",
    );

    // A malformed name, and a field that cannot be changed, are refused by field.
    assert_status(
        templates
            .get_answer_template(authed(
                token::OFFICER_FGW,
                pb::GetAnswerTemplateRequest {
                    name: "departments/fgw/answerTemplates/含 空格".into(),
                },
            ))
            .await,
        Code::InvalidArgument,
        "name",
    );
    assert_status(
        templates
            .update_answer_template(authed(
                token::OFFICER_FGW,
                pb::UpdateAnswerTemplateRequest {
                    answer_template: Some(pb::AnswerTemplate {
                        name: "departments/fgw/answerTemplates/上位法".into(),
                        creator: "someone-else".into(),
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["creator".into()],
                    }),
                },
            ))
            .await,
        Code::InvalidArgument,
        "update_mask",
    );
    assert_eq!(audit_of("answer_template.update").await, 1);
    ctl(args(&["template", "delete", "fgw", "上位法"]))
        .await
        .expect(0);
    ctl(args(&["template", "show", "fgw", "上位法"]))
        .await
        .expect(3);
    assert_eq!(
        answered(names[0].clone()).await.reason,
        "与《广告法》规定不一致，无法采纳"
    );
    assert_eq!(
        (
            audit_of("answer_template.update").await,
            audit_of("answer_template.delete").await
        ),
        (1, 1)
    );
}
