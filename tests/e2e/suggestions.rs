//! Suggested concentrated opinions over a labelled corpus: 5,000 comments with three campaigns
//! (mail-merge and sincere), hard negatives quoting them and exact duplicates, submitted like a
//! surge; the suggestions are computed, checked against the labels, accepted, split, merged and
//! dismissed; a stale suggestion is refused with what changed; on SQLite and, with
//! `CONSULT_E2E_DATABASE_URL`, PostgreSQL.

use std::collections::HashMap;
use std::sync::Arc;

use consult_api::pb;
use consult_corpus::{Label, Shape, generate};
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, token};
use tokio::sync::Semaphore;
use tonic::Code;

use crate::operations::{response, wait_done};
use crate::published;

/// Submits the corpus's comments, 32 at a time, every fifth through the 12345 hotline; returns
/// each comment's name with its label.
async fn submit_corpus(
    server: &TestServer,
    parent: &str,
    texts: Vec<(String, String, Label)>,
) -> Vec<(String, Label)> {
    let gate = Arc::new(Semaphore::new(32));
    let mut tasks = Vec::new();
    for (i, (text, clause, label)) in texts.into_iter().enumerate() {
        let mut client = server.comments();
        let parent = parent.to_owned();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let (tok, channel) = if i % 5 == 0 {
                (token::HOTLINE, pb::Channel::Hotline12345)
            } else {
                (token::PORTAL, pb::Channel::Portal)
            };
            let mut body = comment(channel, &text);
            body.clause_reference = clause;
            let saved = client
                .submit_comment(authed(
                    tok,
                    pb::SubmitCommentRequest {
                        parent,
                        comment: Some(body),
                        request_id: format!("corpus-{i}"),
                        validate_only: false,
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            (saved.name, label)
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn compute(server: &TestServer, parent: &str) -> pb::ComputeSuggestionsResponse {
    let op = server
        .suggestions()
        .start_compute_suggestions(authed(
            token::OFFICER_FGW,
            pb::StartComputeSuggestionsRequest {
                parent: parent.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let op = wait_done(server, &op.name).await;
    response(&op)
}

/// Suggestion `name` as its department's officer reads it.
async fn get(server: &TestServer, name: &str) -> pb::Suggestion {
    server
        .suggestions()
        .get_suggestion(authed(
            token::OFFICER_FGW,
            pb::GetSuggestionRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// Every suggestion of `parent` in `state`, 7 a page.
async fn list(
    server: &TestServer,
    parent: &str,
    state: pb::SuggestionState,
) -> Vec<pb::Suggestion> {
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = server
            .suggestions()
            .list_suggestions(authed(
                token::OFFICER_FGW,
                pb::ListSuggestionsRequest {
                    parent: parent.to_owned(),
                    state: state as i32,
                    page_size: 7,
                    page_token,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(page.suggestions.len() <= 7);
        out.extend(page.suggestions);
        if page.next_page_token.is_empty() {
            assert_eq!(page.total_size, out.len() as i64, "total_size");
            return out;
        }
        page_token = page.next_page_token;
    }
}

/// The names of the comments listed with `filter`, every page.
async fn members(server: &TestServer, mut filter: pb::ListCommentsRequest) -> Vec<String> {
    let mut out = Vec::new();
    filter.page_size = 1000;
    loop {
        let page = server
            .comments()
            .list_comments(authed(token::OFFICER_FGW, filter.clone()))
            .await
            .unwrap()
            .into_inner();
        out.extend(page.comments.into_iter().map(|c| c.name));
        if page.next_page_token.is_empty() {
            return out;
        }
        filter.page_token = page.next_page_token;
    }
}

async fn members_of_suggestion(server: &TestServer, parent: &str, s: &str) -> Vec<String> {
    members(
        server,
        pb::ListCommentsRequest {
            parent: parent.to_owned(),
            suggestion: s.to_owned(),
            ..Default::default()
        },
    )
    .await
}

/// For each campaign, the suggestion holding most of its members, and that share.
async fn main_suggestions(
    server: &TestServer,
    parent: &str,
    labels: &HashMap<String, Label>,
    campaigns: usize,
) -> (Vec<(String, f64)>, HashMap<String, Vec<String>>) {
    let open = list(server, parent, pb::SuggestionState::Open).await;
    assert!(
        open.windows(2)
            .all(|w| w[0].member_count >= w[1].member_count),
        "largest first"
    );
    let mut membership = HashMap::new();
    for s in &open {
        let m = members_of_suggestion(server, parent, &s.name).await;
        assert_eq!(m.len() as i64, s.member_count, "{} members", s.name);
        membership.insert(s.name.clone(), m);
    }
    let campaign_of = |name: &String| match labels[name] {
        Label::Campaign(k) => Some(k),
        Label::Duplicate(_) | Label::Organic | Label::HardNegative(_) => None,
    };
    let mut out = Vec::new();
    for k in 0..campaigns {
        let total = labels
            .values()
            .filter(|l| **l == Label::Campaign(k))
            .count();
        let (best, n) = membership
            .iter()
            .map(|(s, m)| {
                (
                    s.clone(),
                    m.iter().filter(|c| campaign_of(c) == Some(k)).count(),
                )
            })
            .max_by_key(|(s, n)| (*n, std::cmp::Reverse(s.clone())))
            .unwrap();
        out.push((best, n as f64 / total as f64));
    }
    (out, membership)
}

#[tokio::test]
async fn campaigns_are_suggested_then_accepted_split_merged_and_dismissed() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    // A plan: its gate asks for every comment answered, nothing about who spoke.
    let mut d = consult_e2e::draft("关于优化城区公交线路的方案（征求意见稿）");
    d.kind = pb::ConsultationKind::Plan as i32;
    let c = crate::published_draft(&server, d).await;
    let corpus = generate(
        2026,
        &Shape {
            comments: 5_000,
            campaign_shares: vec![0.20, 0.06, 0.01],
            hard_negatives: 0.02,
            duplicates: 0.01,
        },
    );
    let texts = corpus
        .comments
        .iter()
        .map(|g| (g.text.clone(), g.clause.clone(), g.label))
        .collect();
    let named = submit_corpus(&server, &c.name, texts).await;
    let labels: HashMap<String, Label> = named.iter().cloned().collect();
    // A duplicate is a member of whatever it copies.
    let label_of = |name: &String| match labels[name] {
        Label::Duplicate(i) => named[i].1,
        l => l,
    };

    let computed = compute(&server, &c.name).await;
    assert_eq!(computed.compared_count, named.len() as i64);
    assert!(computed.suggestion_count >= 3, "{computed:?}");
    let (main, membership) = main_suggestions(&server, &c.name, &labels, 3).await;
    for (k, (s, share)) in main.iter().enumerate() {
        assert!(*share >= 0.95, "campaign {k}: {share:.3} in {s}");
        // Organic comments and rebuttals stay out of campaigns.
        let strangers = membership[s]
            .iter()
            .filter(|m| matches!(label_of(m), Label::Organic | Label::HardNegative(_)))
            .count();
        assert!(
            strangers * 50 <= membership[s].len(),
            "campaign {k}: {strangers} strangers among {}",
            membership[s].len()
        );
    }
    let [(s0, _), (s1, _), (s2, _)] = [main[0].clone(), main[1].clone(), main[2].clone()];
    assert!(
        s0 != s1 && s1 != s2 && s0 != s2,
        "three campaigns, three suggestions"
    );

    // What an officer judges a suggestion by.
    let shown = get(&server, &s0).await;
    let representative = shown
        .representative_comment
        .clone()
        .expect("representative");
    assert_eq!(representative.name, shown.representative);
    assert!(membership[&s0].contains(&shown.representative));
    assert!(!shown.outliers.is_empty() && shown.outliers.len() <= 5);
    assert!(
        shown
            .outliers
            .iter()
            .all(|o| membership[&s0].contains(&o.name))
    );
    assert!(shown.similarity_low <= shown.similarity_median && shown.similarity_median <= 1.0);
    let by_channel: i64 = shown.channels.iter().map(|f| f.count).sum();
    let by_category: i64 = shown.submitter_categories.iter().map(|f| f.count).sum();
    assert_eq!(
        (by_channel, by_category),
        (shown.member_count, shown.member_count)
    );
    assert!(shown.channels.iter().any(|f| f.code == "HOTLINE_12345"));
    // Exact copies from one calling system are shown as a sign, largest first.
    assert!(!shown.repeated_texts.is_empty(), "{shown:?}");
    assert!(shown.repeated_texts.len() <= 5);
    assert!(
        shown
            .repeated_texts
            .windows(2)
            .all(|w| w[0].count >= w[1].count)
    );
    let sign = &shown.repeated_texts[0];
    assert!(sign.count >= 2 && !sign.submitted_by.is_empty() && !sign.excerpt.is_empty());
    let secs = |t: &Option<prost_types::Timestamp>| t.as_ref().map(|t| (t.seconds, t.nanos));
    assert!(secs(&sign.first_receive_time).is_some());
    assert!(secs(&sign.first_receive_time) <= secs(&sign.last_receive_time));

    // Accepted: every member joins the new group, nothing else does.
    let a = server
        .suggestions()
        .accept_suggestion(authed(
            token::OFFICER_FGW,
            pb::AcceptSuggestionRequest {
                name: s0.clone(),
                into: Some(pb::accept_suggestion_request::Into::Summary(
                    "建议恢复原公交线路".into(),
                )),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(a.member_count, membership[&s0].len() as i64);
    let mut in_a = members(
        &server,
        pb::ListCommentsRequest {
            parent: c.name.clone(),
            opinion_group: a.name.clone(),
            ..Default::default()
        },
    )
    .await;
    in_a.sort();
    let mut expected = membership[&s0].clone();
    expected.sort();
    assert_eq!(in_a, expected);
    let again = server
        .suggestions()
        .dismiss_suggestion(authed(
            token::OFFICER_FGW,
            pb::DismissSuggestionRequest { name: s0.clone() },
        ))
        .await;
    assert_status(again, Code::FailedPrecondition, "SUGGESTION_DECIDED");

    // Dismissed: its members are not suggested together again.
    let d = server
        .suggestions()
        .dismiss_suggestion(authed(
            token::OFFICER_FGW,
            pb::DismissSuggestionRequest { name: s2.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.state, pb::SuggestionState::Dismissed as i32);

    // Split: two members go to a suggestion of their own; one alone is refused.
    let part: Vec<String> = membership[&s1][..2].to_vec();
    let one = server
        .suggestions()
        .split_suggestion(authed(
            token::OFFICER_FGW,
            pb::SplitSuggestionRequest {
                name: s1.clone(),
                comments: vec![part[0].clone()],
            },
        ))
        .await;
    assert_status(one, Code::InvalidArgument, "comments");
    let split = server
        .suggestions()
        .split_suggestion(authed(
            token::OFFICER_FGW,
            pb::SplitSuggestionRequest {
                name: s1.clone(),
                comments: part.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let (rest, off) = (split.remaining.unwrap(), split.split_off.unwrap());
    assert_eq!(rest.member_count, membership[&s1].len() as i64 - 2);
    assert_eq!(off.member_count, 2);
    let mut off_members = members_of_suggestion(&server, &c.name, &off.name).await;
    off_members.sort();
    let mut part_sorted = part.clone();
    part_sorted.sort();
    assert_eq!(off_members, part_sorted);

    // A member hidden since: accepting is refused, saying what changed, and writes nothing.
    let hidden = membership[&s1][2].clone();
    server
        .comments()
        .hide_comment(authed(
            token::OFFICER_FGW,
            pb::HideCommentRequest {
                name: hidden.clone(),
                reason: pb::HideReason::Spam as i32,
                note: "广告".into(),
            },
        ))
        .await
        .unwrap();
    let before = server.row_counts().await;
    let stale = server
        .suggestions()
        .accept_suggestion(authed(
            token::OFFICER_FGW,
            pb::AcceptSuggestionRequest {
                name: rest.name.clone(),
                into: Some(pb::accept_suggestion_request::Into::Summary(
                    "建议增加夜班线路".into(),
                )),
            },
        ))
        .await;
    let status = assert_status(stale, Code::FailedPrecondition, "SUGGESTION_STALE");
    assert!(status.message().contains("1条意见已被屏蔽"), "{status:?}");
    assert_eq!(server.row_counts().await, before);

    // Computed again: the grouped, the dismissed and the hidden stay out.
    let again = compute(&server, &c.name).await;
    assert_eq!(
        again.compared_count,
        named.len() as i64 - membership[&s0].len() as i64 - membership[&s2].len() as i64 - 1
    );
    let open = list(&server, &c.name, pb::SuggestionState::Open).await;
    let mut t1 = None;
    for s in &open {
        let m = members_of_suggestion(&server, &c.name, &s.name).await;
        assert!(
            m.iter()
                .all(|x| !membership[&s2].contains(x) && *x != hidden),
            "{} holds a dismissed or hidden comment",
            s.name
        );
        let of_1 = m
            .iter()
            .filter(|x| label_of(x) == Label::Campaign(1))
            .count();
        if of_1 * 2 > m.len() {
            t1 = Some((s.clone(), m));
        }
    }
    let (t1, t1_members) = t1.expect("campaign 1 suggested again");
    assert!(
        t1_members.len() + 3 >= membership[&s1].len(),
        "{}",
        t1_members.len()
    );

    // Answering begins at the formal close; suggestions are still decided on after it.
    server.set_time(beijing("2026-04-02 09:00")).await;
    crate::close(&server, &c.name).await;

    // Split off, accepted, and the part merged back in once the officer thinks again; a part
    // answered otherwise than the group is refused until the answers agree.
    let split = server
        .suggestions()
        .split_suggestion(authed(
            token::OFFICER_FGW,
            pb::SplitSuggestionRequest {
                name: t1.name.clone(),
                comments: t1_members[..3].to_vec(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let (rest, off) = (split.remaining.unwrap(), split.split_off.unwrap());
    let b = server
        .suggestions()
        .accept_suggestion(authed(
            token::OFFICER_FGW,
            pb::AcceptSuggestionRequest {
                name: rest.name.clone(),
                into: Some(pb::accept_suggestion_request::Into::Summary(
                    "建议增加夜班线路".into(),
                )),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(b.member_count, rest.member_count);
    let not_adopted = pb::Disposition {
        outcome: pb::Outcome::NotAdopted as i32,
        reason: "夜班客流不足，暂不增设".into(),
        ..Default::default()
    };
    server
        .feedback()
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: b.name.clone(),
                disposition: Some(not_adopted.clone()),
            },
        ))
        .await
        .unwrap();
    let answer_one = |outcome: pb::Disposition| pb::AnswerCommentRequest {
        name: t1_members[0].clone(),
        disposition: Some(outcome),
    };
    server
        .comments()
        .answer_comment(authed(
            token::OFFICER_FGW,
            answer_one(pb::Disposition {
                outcome: pb::Outcome::Adopted as i32,
                adopted_content: "增设一条夜班线路".into(),
                ..Default::default()
            }),
        ))
        .await
        .unwrap();
    let merge = pb::AcceptSuggestionRequest {
        name: off.name.clone(),
        into: Some(pb::accept_suggestion_request::Into::OpinionGroup(
            b.name.clone(),
        )),
    };
    let conflict = server
        .suggestions()
        .accept_suggestion(authed(token::OFFICER_FGW, merge.clone()))
        .await;
    assert_status(
        conflict,
        Code::FailedPrecondition,
        "CONFLICTING_DISPOSITION",
    );
    server
        .comments()
        .answer_comment(authed(token::OFFICER_FGW, answer_one(not_adopted)))
        .await
        .unwrap();
    let merged = server
        .suggestions()
        .accept_suggestion(authed(token::OFFICER_FGW, merge))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(merged.name, b.name);
    assert_eq!(merged.member_count, rest.member_count + 3);
    // A merged member takes the group's answer.
    let member = server
        .comments()
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: t1_members[0].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(member.opinion_group, b.name);
    assert_eq!(
        member.disposition.map(|d| d.reason),
        Some("夜班客流不足，暂不增设".to_owned())
    );
    let states = list(&server, &c.name, pb::SuggestionState::Unspecified).await;
    assert!(
        states
            .iter()
            .any(|s| s.name == s0 && s.opinion_group == a.name)
    );
    assert!(
        states
            .iter()
            .any(|s| s.name == s2 && s.state == pb::SuggestionState::Dismissed as i32)
    );
    // The maintained answering counts still match the comments.
    server.assert_counts_agree().await;

    // The report shows each accepted campaign as one representative text with its count, and
    // still publishes every member.
    server
        .feedback()
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: a.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::NotAdopted as i32,
                    reason: "原线路与地铁重复，调整后换乘更便捷".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
    server
        .feedback()
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: c.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::NotAdopted as i32,
                    reason: "已在方案说明中统一答复".into(),
                    ..Default::default()
                }),
                target: Some(pb::bulk_answer_comments_request::Target::Selection(
                    pb::CommentSelection {
                        only_unanswered: true,
                        ..Default::default()
                    },
                )),
                validate_only: false,
            },
        ))
        .await
        .unwrap();
    server.set_time(beijing("2026-04-10 15:00")).await;
    crate::decide_and_publish(
        &server,
        &c.name,
        (
            "洪府发〔2026〕21号",
            "关于优化城区公交线路的决定",
            "2026-04-10",
        ),
    )
    .await;
    let report = server
        .feedback()
        .get_feedback_report(authed(
            token::OFFICER_FGW,
            pb::GetFeedbackReportRequest {
                name: format!("{}/feedbackReports/latest", c.name),
                view: pb::FeedbackReportView::Basic as i32,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let shown_a = report
        .opinion_groups
        .iter()
        .find(|g| a.name.ends_with(&format!("/{}", g.id)))
        .expect("group A in the report");
    assert_eq!(shown_a.count, a.member_count);
    assert_eq!(
        shown_a.representative_comment,
        shown.representative.rsplit('/').next().unwrap(),
        "the suggestion's representative stands for the group"
    );
    assert!(!shown_a.representative_text.is_empty());
    let shown_b = report
        .opinion_groups
        .iter()
        .find(|g| b.name.ends_with(&format!("/{}", g.id)))
        .expect("group B in the report");
    assert_eq!(shown_b.count, merged.member_count);
    assert!(!shown_b.representative_text.is_empty());
    let published = report
        .totals
        .as_ref()
        .map(|t| t.published)
        .unwrap_or_default();
    assert_eq!(
        published,
        named.len() as i64 - 1,
        "every visible comment is published"
    );
}

/// An int64 of proto JSON (a string), or a plain number.
fn int(v: &serde_json::Value) -> i64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_i64())
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

#[tokio::test]
async fn consultctl_computes_lists_shows_accepts_and_dismisses_suggestions() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于城市停车管理的规定（征求意见稿）").await;
    let corpus = generate(
        7,
        &Shape {
            comments: 600,
            campaign_shares: vec![0.25, 0.08],
            hard_negatives: 0.02,
            duplicates: 0.01,
        },
    );
    let texts = corpus
        .comments
        .iter()
        .map(|g| (g.text.clone(), g.clause.clone(), g.label))
        .collect();
    submit_corpus(&server, &c.name, texts).await;
    let id = c.name.trim_start_matches("consultations/");
    let ctl = |args: Vec<String>| {
        let grpc = server.grpc.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            consult_e2e::consultctl(&grpc, Some(token::OFFICER_FGW), &args).await
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    let computed = ctl(args(&["suggestion", "compute", id])).await.expect(0);
    assert!(computed.stdout.contains("条建议"), "{computed:?}");
    let table = ctl(args(&["suggestion", "list", id])).await.expect(0);
    assert!(table.stdout.contains("待处理"), "{table:?}");
    let listed = ctl(args(&["suggestion", "list", id, "-o", "json"]))
        .await
        .expect(0)
        .json();
    let listed = listed.as_array().expect("an array").clone();
    assert!(listed.len() >= 2, "{listed:?}");
    let first = &listed[0];
    let first_name = first["name"].as_str().unwrap().to_owned();
    let first_id = first_name.rsplit('/').next().unwrap().to_owned();
    let size = int(&first["memberCount"]);
    assert!(size >= int(&listed[1]["memberCount"]));
    assert!(
        first["representativeComment"]["content"].is_string(),
        "{first}"
    );

    let shown = ctl(args(&["suggestion", "show", id, &format!("s:{first_id}")]))
        .await
        .expect(0);
    assert!(shown.stdout.contains("代表内容"), "{shown:?}");
    assert!(shown.stdout.contains("差异最大"), "{shown:?}");
    let members = ctl(args(&[
        "comment",
        "list",
        id,
        "--suggestion",
        &format!("s:{first_id}"),
        "--all",
        "-o",
        "json",
    ]))
    .await
    .expect(0)
    .json();
    assert_eq!(members.as_array().map(Vec::len), Some(size as usize));

    let accepted = ctl(args(&[
        "suggestion",
        "accept",
        id,
        &format!("s:{first_id}"),
        "--summary",
        "建议增加路内停车泊位",
        "-o",
        "json",
    ]))
    .await
    .expect(0)
    .json();
    assert_eq!(int(&accepted["memberCount"]), size);
    let second = listed[1]["name"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let dismissed = ctl(args(&["suggestion", "dismiss", id, second]))
        .await
        .expect(0);
    assert!(dismissed.stdout.contains("已忽略"), "{dismissed:?}");
    // Decided: neither can be decided again, and the open list no longer holds them.
    let again = ctl(args(&["suggestion", "dismiss", id, &first_id])).await;
    assert_ne!(again.code, 0, "{again:?}");
    assert!(
        again.stderr.contains("SUGGESTION_DECIDED") || again.stderr.contains("已处理"),
        "{again:?}"
    );
    let open = ctl(args(&["suggestion", "list", id, "--all", "-o", "json"]))
        .await
        .expect(0)
        .json();
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != first["name"] && s["name"] != listed[1]["name"])
    );
}

#[tokio::test]
async fn malformed_and_mismatched_suggestion_requests_are_refused_by_field_and_change_nothing() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于夜间停车收费的规定（征求意见稿）").await;
    let other = published(&server, "关于公共自行车管理的办法（征求意见稿）").await;
    // A campaign of eight copies with a personal line, and two comments of their own.
    let mut texts: Vec<(String, String, Label)> = (0..8)
        .map(|i| {
            (
                format!(
                    "我是第{i}小区的居民。强烈建议取消夜间停车收费，夜间车位本就空闲，收费只会把车赶到路边，\
                     影响消防通道畅通，请有关部门认真考虑群众的实际困难。"
                ),
                String::new(),
                Label::Campaign(0),
            )
        })
        .collect();
    texts.push(("公交站台应增加遮雨棚".into(), String::new(), Label::Organic));
    texts.push((
        "建议公示停车收费标准的测算依据".into(),
        String::new(),
        Label::Organic,
    ));
    let submitted = submit_corpus(&server, &c.name, texts).await;
    let mut others = Vec::new();
    for (i, text) in ["自行车桩太少", "建议增加自行车桩"].into_iter().enumerate() {
        let saved = server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: other.name.clone(),
                    comment: Some(comment(pb::Channel::Portal, text)),
                    request_id: format!("bicycle-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        others.push(saved.name);
    }
    let group_elsewhere = server
        .feedback()
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: other.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "增加自行车桩".into(),
                    ..Default::default()
                }),
                comments: others,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let computed = compute(&server, &c.name).await;
    assert_eq!(computed.suggestion_count, 1, "{computed:?}");
    let s = list(&server, &c.name, pb::SuggestionState::Open)
        .await
        .remove(0);
    assert_eq!(s.member_count, 8);

    let before = server.row_counts().await;
    let suggestions_before = server.table_count("suggestions").await;
    let mut client = server.suggestions();
    let accept = |into: Option<pb::accept_suggestion_request::Into>| pb::AcceptSuggestionRequest {
        name: s.name.clone(),
        into,
    };
    // Neither a summary nor a group to merge into.
    assert_status(
        client
            .accept_suggestion(authed(token::OFFICER_FGW, accept(None)))
            .await,
        Code::InvalidArgument,
        "summary",
    );
    // A group of another consultation.
    assert_status(
        client
            .accept_suggestion(authed(
                token::OFFICER_FGW,
                accept(Some(pb::accept_suggestion_request::Into::OpinionGroup(
                    group_elsewhere.name.clone(),
                ))),
            ))
            .await,
        Code::InvalidArgument,
        "opinion_group",
    );
    // Malformed names.
    let malformed = [
        format!("{}/suggestions/", c.name),
        format!(
            "{}/suggestion/{}",
            c.name,
            s.name.rsplit('/').next().unwrap()
        ),
        "suggestions/01KS0000000000000000000000".to_owned(),
    ];
    for name in malformed {
        assert_status(
            client
                .get_suggestion(authed(
                    token::OFFICER_FGW,
                    pb::GetSuggestionRequest { name: name.clone() },
                ))
                .await,
            Code::InvalidArgument,
            "name",
        );
        assert_status(
            client
                .dismiss_suggestion(authed(
                    token::OFFICER_FGW,
                    pb::DismissSuggestionRequest { name },
                ))
                .await,
            Code::InvalidArgument,
            "name",
        );
    }
    // Splitting off comments that are not members.
    let outsiders: Vec<String> = submitted[8..].iter().map(|(n, _)| n.clone()).collect();
    let status = assert_status(
        client
            .split_suggestion(authed(
                token::OFFICER_FGW,
                pb::SplitSuggestionRequest {
                    name: s.name.clone(),
                    comments: outsiders,
                },
            ))
            .await,
        Code::InvalidArgument,
        "comments",
    );
    assert!(format!("{status:?}").contains("not members"), "{status:?}");
    // Splitting off all but one member leaves a part too small.
    let members = members_of_suggestion(&server, &c.name, &s.name).await;
    assert_status(
        client
            .split_suggestion(authed(
                token::OFFICER_FGW,
                pb::SplitSuggestionRequest {
                    name: s.name.clone(),
                    comments: members[1..].to_vec(),
                },
            ))
            .await,
        Code::InvalidArgument,
        "comments",
    );

    assert_eq!(
        server.row_counts().await,
        before,
        "a refusal writes nothing"
    );
    assert_eq!(server.table_count("suggestions").await, suggestions_before);
    let still = get(&server, &s.name).await;
    assert_eq!(
        (still.state, still.member_count),
        (pb::SuggestionState::Open as i32, 8)
    );
}

#[tokio::test]
async fn one_contact_behind_many_comments_is_shown_without_the_contact() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "关于夜间施工许可的规定（征求意见稿）").await;
    // Five of eight copies left one telephone number, typed five ways.
    let contacts = [
        "13912345678",
        "139-1234-5678",
        "+86 139 1234 5678",
        "１３９１２３４５６７８",
        "(139)12345678",
        "13800000005",
        "13800000006",
        "zhang@example.cn",
    ];
    for (i, contact) in contacts.iter().enumerate() {
        let mut body = comment(
            pb::Channel::Portal,
            &format!(
                "第{i}栋业主：坚决反对延长夜间施工时间至二十三点，施工噪声严重影响老人和孩子休息，\
                 请严格执行二十二点后禁止施工的规定。"
            ),
        );
        body.submitter.as_mut().unwrap().contact = (*contact).to_owned();
        server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(body),
                    request_id: format!("night-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap();
    }
    compute(&server, &c.name).await;
    let s = list(&server, &c.name, pb::SuggestionState::Open)
        .await
        .remove(0);
    assert_eq!(s.member_count, 8);
    let detail = get(&server, &s.name).await;
    let counts: Vec<i64> = detail.shared_contacts.iter().map(|x| x.count).collect();
    assert_eq!(counts, [5], "{:?}", detail.shared_contacts);
    let id = c.name.trim_start_matches("consultations/");
    let shown = consult_e2e::consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["suggestion", "show", id, s.name.rsplit('/').next().unwrap()],
    )
    .await
    .expect(0);
    assert!(
        shown.stdout.contains("5 条意见留有同一联系方式"),
        "{shown:?}"
    );
    assert!(
        !shown.stdout.contains("1391234"),
        "the contact is never shown: {shown:?}"
    );
    // Stored as a keyed digest beside the sealed contact, never as the number.
    let plain = server
        .query_count(
            "SELECT COUNT(*) AS n FROM comments WHERE contact_digest LIKE '%1391234%' \
             OR submitter_contact LIKE '%1391234%'",
        )
        .await;
    assert_eq!(plain, 0);
    let digests = server
        .query_count("SELECT COUNT(DISTINCT contact_digest) AS n FROM comments")
        .await;
    assert_eq!(
        digests, 4,
        "one for the five, one for each of the three others"
    );
}

/// Every open suggestion of `parent` with its members' names, as `server` lists them while the
/// assigner may be changing them (so no page is checked against another).
async fn open_with_members(
    server: &TestServer,
    parent: &str,
) -> Vec<(pb::Suggestion, Vec<String>)> {
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = server
            .suggestions()
            .list_suggestions(authed(
                token::OFFICER_FGW,
                pb::ListSuggestionsRequest {
                    parent: parent.to_owned(),
                    state: pb::SuggestionState::Open as i32,
                    page_size: 50,
                    page_token,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        for s in page.suggestions {
            let mut m = members_of_suggestion(server, parent, &s.name).await;
            m.sort();
            out.push((s, m));
        }
        if page.next_page_token.is_empty() {
            return out;
        }
        page_token = page.next_page_token;
    }
}

/// Polls `server` until the open suggestions of `parent` are `wanted` (member names, sorted),
/// each counting its members and showing one of them; panics with what it saw after 60 s.
async fn until_suggested(server: &TestServer, parent: &str, wanted: &[Vec<String>]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let seen = open_with_members(server, parent).await;
        let members: Vec<Vec<String>> = seen.iter().map(|(_, m)| m.clone()).collect();
        let consistent = seen
            .iter()
            .all(|(s, m)| s.member_count == m.len() as i64 && m.contains(&s.representative));
        if members == wanted && consistent {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "suggestions never became {wanted:?}; last seen {:?}",
            seen.iter()
                .map(|(s, m)| (s.member_count, m))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_keep_suggestions_up_to_date_as_copies_arrive_without_computing() {
    let settings = format!(
        "suggestion_assigner_interval_ms = 200\n{}",
        consult_e2e::UNLIMITED
    );
    let replicas = consult_e2e::Replicas::start(2, beijing("2026-03-02 10:00"), &settings).await;
    let c = crate::published(&replicas[0], "关于调整城区停车收费标准的通知（征求意见稿）").await;
    const CAMPAIGN: &str = "强烈反对将老城区路内停车收费由每小时3元提高到8元，\
                            周边居民和小商户承受不起，建议维持原标准或对居民实行包月优惠。";
    const OTHER: &str = "建议在医院和学校周边增设临时停车泊位，高峰时段限时免费十五分钟，\
                         方便家长接送和患者就医，同时加强对违停的巡查。";
    let mut n = 0;
    let mut submit = |text: String| {
        n += 1;
        let (server, i) = (&replicas[n % 2], n);
        let parent = c.name.clone();
        async move {
            server
                .comments()
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent,
                        comment: Some(comment(pb::Channel::Portal, &text)),
                        request_id: format!("arrive-{i}"),
                        validate_only: false,
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .name
        }
    };
    // Two copies and unrelated comments: nothing to suggest yet.
    let mut campaign = vec![
        submit(format!("{CAMPAIGN}（居民甲）")).await,
        submit(format!("{CAMPAIGN}（居民乙）")).await,
    ];
    let organic = [
        "公交专用道应当延伸到火车站，早高峰经常堵车。",
        "停车收费的钱用在哪里了，应该每年公开一次收支情况。",
    ];
    for t in organic {
        submit(t.to_owned()).await;
    }
    let mut other = vec![submit(OTHER.to_owned()).await];
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    until_suggested(&replicas[1], &c.name, &[]).await;

    // A third copy: a suggestion of three forms on its own.
    campaign.push(submit(format!("{CAMPAIGN}（居民丙）")).await);
    campaign.sort();
    until_suggested(&replicas[0], &c.name, std::slice::from_ref(&campaign)).await;

    // Later copies join it, through either replica; a second opinion forms its own.
    for who in ["丁", "戊", "己"] {
        campaign.push(submit(format!("{CAMPAIGN}（居民{who}）")).await);
    }
    for i in 0..2 {
        other.push(submit(format!("{OTHER}{}", ["谢谢。", "请采纳。"][i])).await);
    }
    campaign.sort();
    other.sort();
    until_suggested(&replicas[1], &c.name, &[campaign.clone(), other.clone()]).await;

    // An officer dismisses the second: new copies of it do not bring it back by themselves,
    // and computing from scratch agrees with what was kept up to date.
    let second = open_with_members(&replicas[0], &c.name)
        .await
        .into_iter()
        .find(|(_, m)| *m == other)
        .expect("the second suggestion")
        .0;
    replicas[0]
        .suggestions()
        .dismiss_suggestion(authed(
            token::OFFICER_FGW,
            pb::DismissSuggestionRequest {
                name: second.name.clone(),
            },
        ))
        .await
        .unwrap();
    let first = open_with_members(&replicas[0], &c.name).await[0].0.clone();
    campaign.push(submit(format!("{CAMPAIGN}（居民庚）")).await);
    submit(format!("{OTHER}支持。")).await;
    campaign.sort();
    until_suggested(&replicas[0], &c.name, std::slice::from_ref(&campaign)).await;
    let kept = open_with_members(&replicas[1], &c.name).await;
    assert_eq!(kept[0].0.name, first.name, "the same suggestion grew");
    let computed = compute(&replicas[1], &c.name).await;
    assert_eq!(computed.suggestion_count, 1, "{computed:?}");
    until_suggested(&replicas[1], &c.name, std::slice::from_ref(&campaign)).await;
}
