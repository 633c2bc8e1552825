//! Answering the public after the window: moderation, concentrated opinions, bulk answers, the
//! deliberation gate, the decision, and the versioned feedback report with masked text.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{Datelike, NaiveDate, Weekday};
use consult_api::pb;
use consult_api::pb::bulk_answer_comments_request::Target;
use consult_api::pb::feedback_service_client::FeedbackServiceClient;
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, draft, token};
use sha2::{Digest, Sha256};
use tonic::Code;
use tonic::transport::Channel;

/// The window opened at this time ends at the end of 2026-04-01 (Beijing).
const OPENED: &str = "2026-03-02 10:00";
/// The morning after the window ended: the officer formally closes it.
const AFTER_WINDOW: &str = "2026-04-02 09:00";
/// The local date of that close: the earliest lawful decision date.
const CLOSE_DATE: &str = "2026-04-02";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The draft of `draft()` collecting on `channels` only.
fn consultation(title: &str, channels: &[pb::Channel]) -> pb::Consultation {
    let mut d = draft(title);
    d.channels = channels.iter().map(|c| *c as i32).collect();
    d
}

/// Creates `d` as the fgw officer and publishes it now.
async fn open(server: &TestServer, d: pb::Consultation) -> pb::Consultation {
    let mut api = server.consultations();
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
    let c = api
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest { name: c.name },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.state, pb::ConsultationState::Open as i32);
    c
}

async fn submit(
    server: &TestServer,
    caller: &str,
    parent: &str,
    c: pb::Comment,
    request_id: &str,
) -> pb::Comment {
    server
        .comments()
        .submit_comment(authed(
            caller,
            pb::SubmitCommentRequest {
                parent: parent.into(),
                comment: Some(c),
                request_id: request_id.into(),
                validate_only: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// A comment on `channel` by a submitter of `category`.
fn comment_by(channel: pb::Channel, category: pb::SubmitterCategory, content: &str) -> pb::Comment {
    let mut c = comment(channel, content);
    c.submitter_category = category as i32;
    c
}

/// Moves the clock past the window and formally closes it.
async fn close(server: &TestServer, name: &str) {
    server.set_time(beijing(AFTER_WINDOW)).await;
    let c = server
        .consultations()
        .close_consultation(authed(
            token::OFFICER_FGW,
            pb::CloseConsultationRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.state, pb::ConsultationState::Closed as i32);
}

fn answer(outcome: pb::Outcome, reason: &str, adopted_content: &str) -> pb::Disposition {
    pb::Disposition {
        outcome: outcome as i32,
        reason: reason.into(),
        adopted_content: adopted_content.into(),
        ..Default::default()
    }
}

fn answer_req(name: &str, d: pb::Disposition) -> pb::AnswerCommentRequest {
    pb::AnswerCommentRequest {
        name: name.into(),
        disposition: Some(d),
    }
}

fn selection(channel: pb::Channel, d: pb::Disposition) -> pb::BulkAnswerCommentsRequest {
    pb::BulkAnswerCommentsRequest {
        parent: String::new(),
        disposition: Some(d),
        target: Some(Target::Selection(pb::CommentSelection {
            channel: channel as i32,
            only_unanswered: true,
            ..Default::default()
        })),
        validate_only: false,
    }
}

/// A consultation's answering progress as `caller` reads it.
pub(crate) async fn progress(
    server: &TestServer,
    caller: &str,
    name: &str,
) -> pb::AnsweringProgress {
    server
        .feedback()
        .get_answering_progress(authed(
            caller,
            pb::GetAnsweringProgressRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn mark_ready(server: &TestServer, name: &str) -> pb::Consultation {
    let c = server
        .consultations()
        .mark_ready_for_deliberation(authed(
            token::OFFICER_FGW,
            pb::MarkReadyForDeliberationRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.state, pb::ConsultationState::ReadyForDeliberation as i32);
    c
}

fn decision_req(name: &str, decide_date: &str) -> pb::RecordDecisionRequest {
    pb::RecordDecisionRequest {
        name: name.into(),
        decision: Some(pb::Decision {
            number: "洪府发〔2026〕12号".into(),
            title: "关于印发促进民营经济高质量发展若干措施的通知".into(),
            decide_date: decide_date.into(),
            ..Default::default()
        }),
    }
}

async fn decide(server: &TestServer, name: &str, decide_date: &str) -> pb::Consultation {
    let c = server
        .consultations()
        .record_decision(authed(token::OFFICER_FGW, decision_req(name, decide_date)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.state, pb::ConsultationState::Decided as i32);
    c
}

async fn publish(server: &TestServer, name: &str) -> pb::FeedbackReport {
    server
        .feedback()
        .publish_feedback_report(authed(
            token::OFFICER_FGW,
            pb::PublishFeedbackReportRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// A feedback client that accepts large reports.
fn reports(server: &TestServer) -> FeedbackServiceClient<Channel> {
    server.feedback().max_decoding_message_size(64 << 20)
}

/// A published version, read as the public reads it: without any credential.
async fn public_report(server: &TestServer, name: &str) -> pb::FeedbackReport {
    reports(server)
        .get_feedback_report(pb::GetFeedbackReportRequest {
            name: name.into(),
            view: pb::FeedbackReportView::Full as i32,
        })
        .await
        .unwrap()
        .into_inner()
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Every table a refusal must leave alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    rows: [i64; 3],
    revisions: i64,
    reports: i64,
    groups: i64,
}

async fn counts(server: &TestServer) -> Counts {
    Counts {
        rows: server.row_counts().await,
        revisions: server.table_count("disposition_revisions").await,
        reports: server.table_count("feedback_reports").await,
        groups: server.table_count("opinion_groups").await,
    }
}

/// Runs `$call`, checks its code and that it names `$needle`, and that no table changed.
macro_rules! refused {
    ($server:expr, $call:expr, $code:expr, $needle:expr) => {{
        let before = counts(&$server).await;
        let status = assert_status($call.await, $code, $needle);
        assert_eq!(
            counts(&$server).await,
            before,
            "a refused call wrote rows: {status:?}"
        );
        status
    }};
}

/// The details of a status, as text.
fn details(s: &tonic::Status) -> String {
    format!("{:?}", tonic_types::StatusExt::get_error_details(s))
}

/// The stable code of a proto enum value name, e.g. `CHANNEL_HOTLINE_12345` → `HOTLINE_12345`.
fn code(proto_name: &'static str, prefix: &str) -> &'static str {
    proto_name.strip_prefix(prefix).unwrap()
}

fn channel_code(c: pb::Channel) -> &'static str {
    code(c.as_str_name(), "CHANNEL_")
}

fn category_code(c: pb::SubmitterCategory) -> &'static str {
    code(c.as_str_name(), "SUBMITTER_CATEGORY_")
}

fn outcome_code(o: pb::Outcome) -> &'static str {
    code(o.as_str_name(), "OUTCOME_")
}

fn reason_code(r: pb::HideReason) -> &'static str {
    code(r.as_str_name(), "HIDE_REASON_")
}

/// TermCounts as a map from code to count.
fn by_code(terms: &[pb::TermCount]) -> BTreeMap<String, i64> {
    let map: BTreeMap<String, i64> = terms.iter().map(|t| (t.code.clone(), t.count)).collect();
    assert_eq!(map.len(), terms.len(), "a code is listed twice: {terms:?}");
    assert!(
        terms.iter().all(|t| !t.label.is_empty()),
        "every count has its Chinese label: {terms:?}"
    );
    map
}

fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap()
}

/// An 18-character resident ID number with its GB 11643 check character.
fn resident_id(body: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    assert_eq!(body.len(), 17);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}

/// The personal data of `secrets` found in `text`, read the way the corpus wrote it: digit runs
/// (mobile numbers, contacts, ID numbers), e-mail addresses, and house numbers on 解放路.
fn leaks(text: &str, secrets: &HashSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'X') {
            i += 1;
        }
        let run = &text[start..i];
        for len in [11, 18] {
            for s in 0..=run.len().saturating_sub(len) {
                if let Some(w) = run.get(s..s + len)
                    && secrets.contains(w)
                {
                    found.insert(w.to_owned());
                }
            }
        }
    }
    let local = |c: char| c.is_ascii_alphanumeric() || "._+-".contains(c);
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| !local(*c))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let end = text[at + 1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || ".-".contains(c)))
            .map_or(text.len(), |p| at + 1 + p);
        let address = &text[start..end];
        if secrets.contains(address) {
            found.insert(address.to_owned());
        }
    }
    for (p, road) in text.match_indices("解放路") {
        let digits: String = text[p + road.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let address = format!("解放路{digits}号");
        if secrets.contains(&address) {
            found.insert(address);
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// 1. Two thousand comments, answered and published
// ---------------------------------------------------------------------------------------------

const TOTAL: usize = 2_000;
const IN_FLIGHT: usize = 48;

/// The channels of the headline consultation and who submits on each.
const CHANNELS: [(pb::Channel, &str); 5] = [
    (pb::Channel::Portal, token::PORTAL),
    (pb::Channel::Wechat, token::WECHAT),
    (pb::Channel::Hotline12345, token::HOTLINE),
    (pb::Channel::Email, token::OFFICER_FGW),
    (pb::Channel::Symposium, token::OFFICER_FGW),
];

const CATEGORIES: [pb::SubmitterCategory; 7] = [
    pb::SubmitterCategory::Citizen,
    pb::SubmitterCategory::Enterprise,
    pb::SubmitterCategory::IndustryAssociation,
    pb::SubmitterCategory::Expert,
    pb::SubmitterCategory::Deputy,
    pb::SubmitterCategory::SocialOrganization,
    pb::SubmitterCategory::Media,
];

/// Name of every submitter; it is never published.
const PRIVATE_NAME: &str = "王小明";
/// Organisation of the enterprises that consented to publication.
const CONSENTING_ORG: &str = "同意公开科技有限公司";
/// Organisation of the bodies that did not.
const PRIVATE_ORG: &str = "不愿公开实业有限公司";

/// One comment of the corpus and what the report must make of it.
struct Planned {
    channel: pb::Channel,
    category: pb::SubmitterCategory,
    consent: bool,
    comment: pb::Comment,
    /// Personal data in the comment or its submitter that must never be published.
    secrets: Vec<String>,
    /// How the personal data in the text must appear in the report.
    masked: Option<String>,
}

fn plan(i: usize) -> Planned {
    let (channel, _) = CHANNELS[i % CHANNELS.len()];
    let category = CATEGORIES[(i / CHANNELS.len()) % CATEGORIES.len()];
    let consent = category == pb::SubmitterCategory::Enterprise && i.is_multiple_of(3);
    let contact = format!("186{i:08}");
    let mut secrets = vec![contact.clone()];
    let (content, masked) = match i % 8 {
        0 => {
            let phone = format!("139{i:08}");
            let masked = format!("139****{}", &phone[7..]);
            let text = format!("意见{i}：建议延长过渡期，我的电话{phone}，欢迎联系。");
            secrets.push(phone);
            (text, Some(masked))
        }
        1 => {
            let mail = format!("zhang{i}@example.com");
            let text = format!("意见{i}：对第十二条有意见，联系邮箱{mail}。");
            secrets.push(mail);
            (text, Some("z***@example.com".to_owned()))
        }
        2 => {
            let id = resident_id(&format!("36010219850312{:03}", i % 1000));
            let masked = format!("{}***********{}", &id[..3], &id[14..]);
            let text = format!("意见{i}：身份证号{id}，本人系企业负责人。");
            secrets.push(id);
            (text, Some(masked))
        }
        3 => {
            let n = 100 + i;
            let masked = format!("解放路{}号", "*".repeat(n.to_string().len()));
            let text = format!("意见{i}：我住解放路{n}号，门口夜间照明不足。");
            secrets.push(format!("解放路{n}号"));
            (text, Some(masked))
        }
        _ => (
            format!("意见{i}：建议增加对小微企业的扶持措施，简化申报材料。"),
            None,
        ),
    };
    let organization = if consent {
        CONSENTING_ORG
    } else if matches!(
        category,
        pb::SubmitterCategory::Enterprise | pb::SubmitterCategory::IndustryAssociation
    ) {
        PRIVATE_ORG
    } else {
        ""
    };
    let comment = pb::Comment {
        channel: channel as i32,
        submitter_category: category as i32,
        submitter: Some(pb::Submitter {
            name: PRIVATE_NAME.into(),
            organization: organization.into(),
            contact,
        }),
        content,
        clause_reference: format!("第{}条", ["一", "二", "三", "四", "五"][i % 5]),
        publish_name_consent: consent,
        ..Default::default()
    };
    Planned {
        channel,
        category,
        consent,
        comment,
        secrets,
        masked,
    }
}

fn caller_of(channel: pb::Channel) -> &'static str {
    CHANNELS.iter().find(|(c, _)| *c == channel).unwrap().1
}

#[tokio::test]
async fn two_thousand_comments_are_answered_and_published() {
    let started = Instant::now();
    let lap = |what: &str| eprintln!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());
    let server = TestServer::start_at(beijing(OPENED)).await;
    lap("server started (consultd built)");
    let mut d = consultation(
        "关于促进民营经济高质量发展的若干措施（征求意见稿）",
        &CHANNELS.map(|(c, _)| c),
    );
    d.kind = pb::ConsultationKind::EnterprisePolicy as i32;
    let c = open(&server, d).await;
    let parent = c.name.clone();

    // --- The surge: 2,000 comments, IN_FLIGHT at a time, on five channels. ---
    let plans: Arc<Vec<Planned>> = Arc::new((0..TOTAL).map(plan).collect());
    let secrets: HashSet<String> = plans.iter().flat_map(|p| p.secrets.clone()).collect();
    // The leak detector finds every secret in the raw corpus, so its silence later means something.
    let raw: Vec<String> = plans
        .iter()
        .map(|p| {
            let s = p.comment.submitter.as_ref().unwrap();
            format!("{}\n{}", p.comment.content, s.contact)
        })
        .collect();
    assert_eq!(
        leaks(&raw.join("\n"), &secrets).len(),
        secrets.len(),
        "the leak detector must see every secret in the raw corpus"
    );

    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..IN_FLIGHT {
        let (plans, next, parent) = (plans.clone(), next.clone(), parent.clone());
        let mut client = server.comments();
        workers.spawn(async move {
            let mut saved = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = plans.get(i) else { break };
                let c = client
                    .submit_comment(authed(
                        caller_of(p.channel),
                        pb::SubmitCommentRequest {
                            parent: parent.clone(),
                            comment: Some(p.comment.clone()),
                            request_id: format!("answering-{i}"),
                            validate_only: false,
                        },
                    ))
                    .await
                    .unwrap_or_else(|e| panic!("comment {i}: {e:?}"))
                    .into_inner();
                saved.push((i, c));
            }
            saved
        });
    }
    let mut names = vec![String::new(); TOTAL];
    while let Some(done) = workers.join_next().await {
        for (i, saved) in done.unwrap() {
            assert_eq!(saved.channel, plans[i].channel as i32);
            assert_eq!(saved.submitter_category, plans[i].category as i32);
            names[i] = saved.name;
        }
    }
    assert!(
        names
            .iter()
            .all(|n| n.starts_with(&format!("{parent}/comments/")))
    );
    assert_eq!(
        names.iter().collect::<HashSet<_>>().len(),
        TOTAL,
        "every comment got its own name"
    );
    assert_eq!(server.table_count("comments").await, TOTAL as i64);
    lap("2,000 comments submitted");

    // Our own tally of what was sent.
    let mut sent_by_channel = BTreeMap::<String, i64>::new();
    let mut sent_by_category = BTreeMap::<String, i64>::new();
    for p in plans.iter() {
        *sent_by_channel
            .entry(channel_code(p.channel).into())
            .or_default() += 1;
        *sent_by_category
            .entry(category_code(p.category).into())
            .or_default() += 1;
    }
    assert_eq!(sent_by_channel.len(), 5);
    assert_eq!(sent_by_category.len(), CATEGORIES.len());

    close(&server, &parent).await;
    let mut comments = server.comments();
    let mut feedback = server.feedback();
    let mut api = server.consultations();

    // --- Moderation: 20 comments on every channel, four reasons. ---
    let hidden: Vec<usize> = (0..20).map(|k| 97 * k + 5).collect();
    let reason_of = |k: usize| match k {
        0..8 => pb::HideReason::Spam,
        8..14 => pb::HideReason::Abuse,
        14..18 => pb::HideReason::Unlawful,
        _ => pb::HideReason::PrivacyExposure,
    };
    let mut hidden_by_reason = BTreeMap::<String, i64>::new();
    for (k, &i) in hidden.iter().enumerate() {
        let reason = reason_of(k);
        let c = comments
            .hide_comment(authed(
                token::OFFICER_FGW,
                pb::HideCommentRequest {
                    name: names[i].clone(),
                    reason: reason as i32,
                    note: format!("第{k}条屏蔽"),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(c.moderation.unwrap().reason, reason as i32);
        *hidden_by_reason
            .entry(reason_code(reason).into())
            .or_default() += 1;
    }
    assert_eq!(hidden_by_reason.len(), 4);
    let hidden_set: HashSet<usize> = hidden.iter().copied().collect();
    assert_eq!(
        hidden
            .iter()
            .map(|&i| plans[i].channel as i32)
            .collect::<HashSet<_>>()
            .len(),
        5,
        "hidden comments come from every channel"
    );
    lap("20 comments hidden");

    // --- Three concentrated opinions of 40, 35 and 25 visible comments across the channels. ---
    let grouped: Vec<usize> = (0..)
        .map(|k| 11 * k + 1)
        .filter(|i| !hidden_set.contains(i))
        .take(100)
        .collect();
    let group_plan = [
        (
            &grouped[..40],
            "建议延长政策过渡期",
            answer(pb::Outcome::Adopted, "", "第五条过渡期由三个月延长至六个月"),
        ),
        (
            &grouped[40..75],
            "建议简化申报材料",
            answer(
                pb::Outcome::PartiallyAdopted,
                "纸质材料仍须保留以备核查",
                "申报材料由七项减为四项",
            ),
        ),
        (
            &grouped[75..],
            "建议取消企业信用评价",
            answer(
                pb::Outcome::NotAdopted,
                "信用评价系上位法规定的必经程序",
                "",
            ),
        ),
    ];
    let mut groups = Vec::new(); // (name, members, outcome)
    for (members, summary, disposition) in &group_plan {
        let g = feedback
            .create_opinion_group(authed(
                token::OFFICER_FGW,
                pb::CreateOpinionGroupRequest {
                    parent: parent.clone(),
                    opinion_group: Some(pb::OpinionGroup {
                        summary: (*summary).into(),
                        ..Default::default()
                    }),
                    comments: members.iter().map(|&i| names[i].clone()).collect(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(g.member_count, members.len() as i64);
        assert!(g.disposition.is_none());
        groups.push((g.name, members.to_vec(), disposition.clone()));
    }
    let group_of: HashMap<usize, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, (_, members, _))| members.iter().map(move |&i| (i, g)))
        .collect();
    assert_eq!(group_of.len(), 100);
    lap("3 opinion groups formed");

    let p = progress(&server, token::OFFICER_FGW, &parent).await;
    assert_eq!(
        (
            p.received,
            p.hidden,
            p.answered,
            p.unanswered,
            p.grouped,
            p.opinion_groups,
            p.opinion_groups_answered
        ),
        (2000, 20, 0, 1980, 100, 3, 0)
    );
    assert_eq!(by_code(&p.hidden_by_reason), hidden_by_reason);
    assert!(!p.ready_for_deliberation);

    // The gate refuses and says why; nothing is written.
    let s = refused!(
        server,
        api.mark_ready_for_deliberation(authed(
            token::OFFICER_FGW,
            pb::MarkReadyForDeliberationRequest {
                name: parent.clone()
            }
        )),
        Code::FailedPrecondition,
        "UNANSWERED_OPINION_GROUPS"
    );
    let why = details(&s);
    assert!(why.contains("UNANSWERED_COMMENTS"), "{why}");
    assert!(why.contains("1880 comments have no disposition"), "{why}");
    assert!(
        why.contains("3 opinion groups have no disposition"),
        "{why}"
    );
    assert!(!why.contains("NO_ENTERPRISE_INPUT"), "{why}");
    assert!(!why.contains("NO_INDUSTRY_ASSOCIATION_INPUT"), "{why}");

    // --- Answer the groups. ---
    for (name, members, disposition) in &groups {
        let g = feedback
            .answer_opinion_group(authed(
                token::OFFICER_FGW,
                pb::AnswerOpinionGroupRequest {
                    name: name.clone(),
                    disposition: Some(disposition.clone()),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(g.member_count, members.len() as i64);
        let got = g.disposition.unwrap();
        assert_eq!(got.outcome, disposition.outcome);
        assert_eq!(got.answered_by, "officer-fgw");
    }
    // A member now carries its group's answer.
    let member = comments
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: names[groups[2].1[0]].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(member.opinion_group, groups[2].0);
    assert_eq!(
        member.disposition.unwrap().outcome,
        pb::Outcome::NotAdopted as i32
    );
    lap("opinion groups answered");

    // --- Answer the rest by channel; hidden and grouped comments are skipped. ---
    let channel_answers = [
        (
            pb::Channel::Portal,
            answer(pb::Outcome::Adopted, "", "第三条增加线上办理渠道"),
        ),
        (
            pb::Channel::Wechat,
            answer(pb::Outcome::NotAdopted, "与现行财政补贴政策不一致", ""),
        ),
        (
            pb::Channel::Hotline12345,
            answer(
                pb::Outcome::OutOfScope,
                "属于具体个案诉求，已转相关部门办理",
                "",
            ),
        ),
        (
            pb::Channel::Email,
            answer(
                pb::Outcome::PartiallyAdopted,
                "申报时限不作调整",
                "增加网上申报方式",
            ),
        ),
        (
            pb::Channel::Symposium,
            answer(pb::Outcome::NotAdopted, "已有专门规定，本措施不再重复", ""),
        ),
    ];
    let visible_ungrouped = |channel: pb::Channel| -> BTreeSet<String> {
        (0..TOTAL)
            .filter(|i| {
                plans[*i].channel == channel && !hidden_set.contains(i) && !group_of.contains_key(i)
            })
            .map(|i| names[i].clone())
            .collect()
    };
    let mut outcome_of_channel = HashMap::new();
    for (n, (channel, disposition)) in channel_answers.iter().enumerate() {
        if n == channel_answers.len() - 1 {
            // Before the last channel is answered the gate still refuses, now only for those.
            let left = visible_ungrouped(*channel).len();
            let s = refused!(
                server,
                api.mark_ready_for_deliberation(authed(
                    token::OFFICER_FGW,
                    pb::MarkReadyForDeliberationRequest {
                        name: parent.clone()
                    }
                )),
                Code::FailedPrecondition,
                "UNANSWERED_COMMENTS"
            );
            let why = details(&s);
            assert!(
                why.contains(&format!("{left} comments have no disposition")),
                "{why}"
            );
            assert!(!why.contains("UNANSWERED_OPINION_GROUPS"), "{why}");
        }
        let mut req = selection(*channel, disposition.clone());
        req.parent = parent.clone();
        let done = feedback
            .bulk_answer_comments(authed(token::OFFICER_FGW, req.clone()))
            .await
            .unwrap()
            .into_inner();
        let expected = visible_ungrouped(*channel);
        assert_eq!(done.answered_count, expected.len() as i64, "{channel:?}");
        assert_eq!(
            done.comments.iter().cloned().collect::<BTreeSet<_>>(),
            expected,
            "{channel:?}: exactly the visible, ungrouped comments of the channel"
        );
        if n == 0 {
            // Asked again, only_unanswered finds nothing left on this channel.
            let again = feedback
                .bulk_answer_comments(authed(token::OFFICER_FGW, req))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(again.answered_count, 0);
        }
        outcome_of_channel.insert(*channel as i32, disposition.outcome);
    }
    lap("the rest answered in bulk");
    // One revision per group answer and one per comment answered in bulk; grouped members
    // carry their group's answer without a revision of their own.
    assert_eq!(server.table_count("disposition_revisions").await, 3 + 1880);

    // The answer each visible comment must carry, by our own bookkeeping.
    let expected_outcome = |i: usize| -> i32 {
        match group_of.get(&i) {
            Some(g) => groups[*g].2.outcome,
            None => outcome_of_channel[&(plans[i].channel as i32)],
        }
    };
    let mut expected_by_outcome = BTreeMap::<String, i64>::new();
    for i in (0..TOTAL).filter(|i| !hidden_set.contains(i)) {
        let o = pb::Outcome::try_from(expected_outcome(i)).unwrap();
        *expected_by_outcome
            .entry(outcome_code(o).into())
            .or_default() += 1;
    }
    assert_eq!(expected_by_outcome.len(), 4);

    let p = progress(&server, token::AUDITOR, &parent).await;
    assert_eq!(
        (
            p.received,
            p.hidden,
            p.answered,
            p.unanswered,
            p.grouped,
            p.opinion_groups_answered
        ),
        (2000, 20, 1980, 0, 100, 3)
    );
    assert_eq!(by_code(&p.by_outcome), expected_by_outcome);
    assert!(p.ready_for_deliberation, "{:?}", p.missing);
    assert!(p.missing.is_empty());

    mark_ready(&server, &parent).await;
    let decided = decide(&server, &parent, CLOSE_DATE).await;
    assert!(!decided.feedback_due_date.is_empty());
    lap("gate passed and decision recorded");

    // --- Publication: version 1. ---
    let before = counts(&server).await;
    let basic = publish(&server, &parent).await;
    assert_eq!(basic.version, 1);
    assert_eq!(basic.name, format!("{parent}/feedbackReports/1"));
    assert!(basic.canonical_json.is_empty() && basic.comments.is_empty());
    let after = counts(&server).await;
    assert_eq!(after.reports, before.reports + 1);
    assert_eq!(after.revisions, before.revisions);
    lap("report published");

    let v1 = public_report(&server, &basic.name).await;
    assert_eq!(v1.version, 1);
    assert_eq!(v1.sha256, basic.sha256);
    assert_eq!(v1.sha256, sha256_hex(&v1.canonical_json));
    assert!(v1.correction_reason.is_empty());
    let totals = v1.totals.clone().unwrap();
    assert_eq!(
        (
            totals.received,
            totals.published,
            totals.hidden,
            totals.unanswered
        ),
        (2000, 1980, 20, 0)
    );
    assert_eq!(by_code(&totals.by_channel), sent_by_channel);
    assert_eq!(by_code(&totals.by_submitter_category), sent_by_category);
    assert_eq!(by_code(&totals.hidden_by_reason), hidden_by_reason);
    assert_eq!(by_code(&totals.by_outcome), expected_by_outcome);
    assert_eq!(
        totals.by_outcome.iter().map(|t| t.count).sum::<i64>(),
        totals.published
    );
    // Concentrated opinions: each with its members and its answer.
    let report_groups: BTreeMap<String, (i64, i32)> = v1
        .opinion_groups
        .iter()
        .map(|g| {
            (
                g.id.clone(),
                (g.count, g.disposition.as_ref().unwrap().outcome),
            )
        })
        .collect();
    let expected_groups: BTreeMap<String, (i64, i32)> = groups
        .iter()
        .map(|(name, members, d)| {
            (
                last_segment(name).to_owned(),
                (members.len() as i64, d.outcome),
            )
        })
        .collect();
    assert_eq!(report_groups, expected_groups);

    // Every visible comment, and only those, each with its answer and masked text.
    let index_of: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (last_segment(n), i))
        .collect();
    assert_eq!(v1.comments.len(), 1980);
    let mut seen = HashSet::new();
    for rc in &v1.comments {
        let i = index_of[rc.id.as_str()];
        assert!(seen.insert(i), "comment {} listed twice", rc.id);
        assert!(!hidden_set.contains(&i), "hidden comment {i} was published");
        let p = &plans[i];
        assert_eq!(rc.channel, p.channel as i32, "{i}");
        assert_eq!(rc.submitter_category, p.category as i32, "{i}");
        assert_eq!(
            rc.disposition.as_ref().map(|d| d.outcome),
            Some(expected_outcome(i)),
            "{i}"
        );
        let group = group_of.get(&i).map(|g| last_segment(&groups[*g].0));
        assert_eq!(rc.opinion_group.as_str(), group.unwrap_or(""), "{i}");
        assert_eq!(
            rc.submitter,
            if p.consent { CONSENTING_ORG } else { "" },
            "{i}"
        );
        if let Some(masked) = &p.masked {
            assert!(rc.content.contains(masked.as_str()), "{i}: {}", rc.content);
        }
        for s in &p.secrets {
            assert!(!rc.content.contains(s.as_str()), "{i}: {}", rc.content);
        }
    }
    // No raw personal data anywhere in the published text; names only with consent.
    let check_published_text = |json: &str| {
        let leaked = leaks(json, &secrets);
        assert!(leaked.is_empty(), "published personal data: {leaked:?}");
        assert!(!json.contains(PRIVATE_NAME));
        assert!(!json.contains(PRIVATE_ORG));
        assert!(json.contains(CONSENTING_ORG));
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["totals"]["received"], 2000);
        assert_eq!(v["totals"]["hidden"], 20);
    };
    check_published_text(&v1.canonical_json);
    lap("version 1 checked");

    // --- A correction: version 2; version 1 stays exactly as it was. ---
    let reason = "更正：补充第二组集中意见的采纳说明";
    refused!(
        server,
        feedback.correct_feedback_report(authed(
            token::OFFICER_FGW,
            pb::CorrectFeedbackReportRequest {
                name: parent.clone(),
                reason: "  ".into(),
                decision: None,
            }
        )),
        Code::InvalidArgument,
        "reason"
    );
    let v2_basic = feedback
        .correct_feedback_report(authed(
            token::OFFICER_FGW,
            pb::CorrectFeedbackReportRequest {
                name: parent.clone(),
                reason: reason.into(),
                decision: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v2_basic.version, 2);
    assert_eq!(v2_basic.correction_reason, reason);

    let v1_again = public_report(&server, &format!("{parent}/feedbackReports/1")).await;
    assert_eq!(v1_again.sha256, v1.sha256);
    assert_eq!(v1_again.canonical_json, v1.canonical_json);
    assert_eq!(v1_again.version, 1);
    let v2 = public_report(&server, &format!("{parent}/feedbackReports/2")).await;
    assert_eq!(v2.version, 2);
    assert_eq!(v2.correction_reason, reason);
    assert_eq!(v2.sha256, v2_basic.sha256);
    assert_eq!(v2.sha256, sha256_hex(&v2.canonical_json));
    assert_ne!(v2.sha256, v1.sha256);
    assert!(v2.canonical_json.contains(reason));
    assert_eq!(v2.totals, v1.totals);
    check_published_text(&v2.canonical_json);
    let latest = public_report(&server, &format!("{parent}/feedbackReports/latest")).await;
    assert_eq!((latest.version, &latest.sha256), (2, &v2.sha256));

    let listed = server
        .feedback()
        .list_feedback_reports(pb::ListFeedbackReportsRequest {
            parent: parent.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let versions: Vec<(i32, String, String)> = listed
        .versions
        .iter()
        .map(|v| (v.version, v.sha256.clone(), v.correction_reason.clone()))
        .collect();
    assert_eq!(
        versions,
        vec![
            (1, v1.sha256.clone(), String::new()),
            (2, v2.sha256.clone(), reason.to_owned())
        ]
    );
    lap("correction checked");
    server.assert_counts_agree().await;
}

// ---------------------------------------------------------------------------------------------
// 2. Bad input while answering
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn bad_input_while_answering_writes_nothing() {
    let server = TestServer::start_at(beijing(OPENED)).await;
    let c = open(
        &server,
        consultation(
            "关于调整停车收费标准的通知（征求意见稿）",
            &[pb::Channel::Portal],
        ),
    )
    .await;
    let parent = c.name.clone();
    let categories = [
        pb::SubmitterCategory::Enterprise,
        pb::SubmitterCategory::IndustryAssociation,
        pb::SubmitterCategory::Citizen,
        pb::SubmitterCategory::Citizen,
        pb::SubmitterCategory::Citizen,
        pb::SubmitterCategory::Citizen,
    ];
    let mut saved = Vec::new();
    for (i, cat) in categories.iter().enumerate() {
        saved.push(
            submit(
                &server,
                token::PORTAL,
                &parent,
                comment_by(pb::Channel::Portal, *cat, &format!("第{i}条意见：收费过高")),
                &format!("bad-{i}"),
            )
            .await,
        );
    }
    let names: Vec<String> = saved.iter().map(|c| c.name.clone()).collect();
    close(&server, &parent).await;
    let mut comments = server.comments();
    let mut feedback = server.feedback();

    // A hidden comment cannot be answered, alone or in a list.
    comments
        .hide_comment(authed(
            token::OFFICER_FGW,
            pb::HideCommentRequest {
                name: names[5].clone(),
                reason: pb::HideReason::Abuse as i32,
                note: "辱骂".into(),
            },
        ))
        .await
        .unwrap();
    refused!(
        server,
        comments.answer_comment(authed(
            token::OFFICER_FGW,
            answer_req(&names[5], answer(pb::Outcome::Adopted, "", ""))
        )),
        Code::FailedPrecondition,
        "COMMENT_HIDDEN"
    );
    let s = refused!(
        server,
        feedback.bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: parent.clone(),
                disposition: Some(answer(pb::Outcome::Adopted, "", "")),
                target: Some(Target::Comments(pb::CommentList {
                    comments: vec![names[0].clone(), names[5].clone()],
                })),
                validate_only: false,
            }
        )),
        Code::FailedPrecondition,
        "COMMENT_HIDDEN"
    );
    assert!(details(&s).contains(&names[5]), "{}", details(&s));
    // All or nothing: the answerable comment of the list was not answered either.
    let c0 = comments
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: names[0].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(c0.disposition.is_none());

    // A grouped comment takes its group's answer and cannot be answered on its own.
    let group = feedback
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: parent.clone(),
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
    feedback
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: group.name.clone(),
                disposition: Some(answer(pb::Outcome::NotAdopted, "收费标准依据成本核定", "")),
            },
        ))
        .await
        .unwrap();
    refused!(
        server,
        comments.answer_comment(authed(
            token::OFFICER_FGW,
            answer_req(&names[3], answer(pb::Outcome::Adopted, "", ""))
        )),
        Code::FailedPrecondition,
        "IN_OPINION_GROUP"
    );

    // A comment whose own answer conflicts with the group's cannot join it.
    comments
        .answer_comment(authed(
            token::OFFICER_FGW,
            answer_req(&names[2], answer(pb::Outcome::Adopted, "", "")),
        ))
        .await
        .unwrap();
    refused!(
        server,
        feedback.add_opinion_group_members(authed(
            token::OFFICER_FGW,
            pb::AddOpinionGroupMembersRequest {
                name: group.name.clone(),
                comments: vec![names[2].clone()],
            }
        )),
        Code::FailedPrecondition,
        "CONFLICTING_DISPOSITION"
    );
    let c2 = comments
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: names[2].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(c2.opinion_group.is_empty());
    assert_eq!(c2.disposition.unwrap().outcome, pb::Outcome::Adopted as i32);

    // Answers that lack what their outcome needs.
    for (d, field) in [
        (
            answer(pb::Outcome::NotAdopted, "", ""),
            "disposition.reason",
        ),
        (
            answer(pb::Outcome::NotAdopted, "   ", ""),
            "disposition.reason",
        ),
        (
            answer(pb::Outcome::OutOfScope, "", ""),
            "disposition.reason",
        ),
        (
            answer(pb::Outcome::PartiallyAdopted, "理由", ""),
            "disposition.adopted_content",
        ),
        (
            answer(pb::Outcome::Unspecified, "", ""),
            "disposition.outcome",
        ),
    ] {
        refused!(
            server,
            comments.answer_comment(authed(token::OFFICER_FGW, answer_req(&names[1], d))),
            Code::InvalidArgument,
            field
        );
    }
    refused!(
        server,
        feedback.answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: group.name.clone(),
                disposition: Some(answer(pb::Outcome::NotAdopted, "", "")),
            }
        )),
        Code::InvalidArgument,
        "disposition.reason"
    );

    // Publishing before the decision: refused while CLOSED and while READY_FOR_DELIBERATION.
    let publish_req = || {
        authed(
            token::OFFICER_FGW,
            pb::PublishFeedbackReportRequest {
                name: parent.clone(),
            },
        )
    };
    refused!(
        server,
        feedback.publish_feedback_report(publish_req()),
        Code::FailedPrecondition,
        "NOT_DECIDED"
    );
    for i in [0, 1] {
        comments
            .answer_comment(authed(
                token::OFFICER_FGW,
                answer_req(
                    &names[i],
                    answer(pb::Outcome::OutOfScope, "属于物业管理事项", ""),
                ),
            ))
            .await
            .unwrap();
    }
    mark_ready(&server, &parent).await;
    refused!(
        server,
        feedback.publish_feedback_report(publish_req()),
        Code::FailedPrecondition,
        "NOT_DECIDED"
    );
    decide(&server, &parent, CLOSE_DATE).await;
    publish(&server, &parent).await;

    // After publication revised answers wait for a corrected version: accepted, and the
    // public keeps reading the published ones (checked on the receipts below).
    let revised = comments
        .answer_comment(authed(
            token::OFFICER_FGW,
            answer_req(&names[0], answer(pb::Outcome::Adopted, "", "")),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        revised.disposition.unwrap().outcome,
        pb::Outcome::Adopted as i32
    );
    feedback
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: group.name.clone(),
                disposition: Some(answer(pb::Outcome::Adopted, "", "")),
            },
        ))
        .await
        .unwrap();
    let mut bulk = selection(pb::Channel::Portal, answer(pb::Outcome::Adopted, "", ""));
    bulk.parent = parent.clone();
    if let Some(Target::Selection(s)) = &mut bulk.target {
        s.only_unanswered = false;
    }
    feedback
        .bulk_answer_comments(authed(token::OFFICER_FGW, bulk))
        .await
        .unwrap();
    refused!(
        server,
        feedback.publish_feedback_report(publish_req()),
        Code::FailedPrecondition,
        "NOT_DECIDED"
    );

    // Receipts now show the answer that applies: the group's for a member, none for a hidden one.
    let member = comments
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: saved[3].receipt_code.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let shown = member.disposition.unwrap();
    assert_eq!(
        (shown.outcome, shown.reason.as_str()),
        (pb::Outcome::NotAdopted as i32, "收费标准依据成本核定")
    );
    let hidden = comments
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: saved[5].receipt_code.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(hidden.hidden && hidden.disposition.is_none(), "{hidden:?}");
    assert!(
        hidden.content.is_empty(),
        "a hidden comment's text is not public: {hidden:?}"
    );

    // Forged receipt codes: well-formed but unknown, and malformed.
    let real = &saved[0].receipt_code;
    let unknown = if real == "YJ7K-2M9Q-XW4D" {
        "YJ7K-2M9Q-XW4E"
    } else {
        "YJ7K-2M9Q-XW4D"
    };
    refused!(
        server,
        comments.lookup_comment(pb::LookupCommentRequest {
            receipt_code: unknown.into()
        }),
        Code::NotFound,
        unknown
    );
    // A code as people type it or read it out: any case, without hyphens or with spaces,
    // full-width, with O for 0 and I or L for 1; the answer shows the code as printed.
    let full_width: String = real
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    for typed in [
        real.to_lowercase(),
        real.replace('-', ""),
        real.replace('-', " "),
        real.replace('0', "O").replace('1', "l"),
        full_width,
    ] {
        let found = comments
            .lookup_comment(pb::LookupCommentRequest {
                receipt_code: typed.clone(),
            })
            .await
            .unwrap_or_else(|e| panic!("{typed}: {e:?}"))
            .into_inner();
        assert_eq!(
            (found.comment.as_str(), found.receipt_code.as_str()),
            (names[0].as_str(), real.as_str()),
            "{typed}"
        );
    }
    for malformed in [
        "YJ7K-2M9Q-XW4U".to_owned(),
        "YJ7K-2M9Q-XW4".to_owned(),
        String::new(),
    ] {
        refused!(
            server,
            comments.lookup_comment(pb::LookupCommentRequest {
                receipt_code: malformed.clone()
            }),
            Code::InvalidArgument,
            "receipt_code"
        );
    }
    // The real code still works, publicly.
    let found = comments
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: real.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.comment, names[0]);
    server.assert_counts_agree().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Permissions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn permissions_for_answering() {
    let server = TestServer::start_at(beijing(OPENED)).await;
    let c = open(
        &server,
        consultation(
            "关于支持中小企业数字化转型的若干措施（征求意见稿）",
            &[pb::Channel::Portal, pb::Channel::Hotline12345],
        ),
    )
    .await;
    let parent = c.name.clone();
    let mut names = Vec::new();
    for (i, (channel, caller, cat)) in [
        (
            pb::Channel::Portal,
            token::PORTAL,
            pb::SubmitterCategory::Enterprise,
        ),
        (
            pb::Channel::Portal,
            token::PORTAL,
            pb::SubmitterCategory::IndustryAssociation,
        ),
        (
            pb::Channel::Hotline12345,
            token::HOTLINE,
            pb::SubmitterCategory::Citizen,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let saved = submit(
            &server,
            caller,
            &parent,
            comment_by(channel, cat, "建议加大数字化改造补贴力度"),
            &format!("perm-{i}"),
        )
        .await;
        names.push(saved.name);
    }
    close(&server, &parent).await;
    let mut comments = server.comments();
    let mut feedback = server.feedback();
    let mut api = server.consultations();
    let adopted = || answer(pb::Outcome::Adopted, "", "");
    let hide = |name: &str| pb::HideCommentRequest {
        name: name.into(),
        reason: pb::HideReason::Spam as i32,
        note: String::new(),
    };
    let group_req = || pb::CreateOpinionGroupRequest {
        parent: parent.clone(),
        opinion_group: Some(pb::OpinionGroup {
            summary: "建议加大补贴".into(),
            ..Default::default()
        }),
        comments: vec![names[0].clone(), names[1].clone()],
    };
    let bulk = || pb::BulkAnswerCommentsRequest {
        parent: parent.clone(),
        disposition: Some(adopted()),
        target: Some(Target::Selection(pb::CommentSelection::default())),
        validate_only: false,
    };
    let progress_req = || pb::GetAnsweringProgressRequest {
        name: parent.clone(),
    };
    let preview_req = || pb::PreviewFeedbackReportRequest {
        name: parent.clone(),
        view: pb::FeedbackReportView::Basic as i32,
    };

    // The officer of another department: nothing on fgw's consultation.
    let jtj = token::OFFICER_JTJ;
    refused!(
        server,
        comments.hide_comment(authed(jtj, hide(&names[2]))),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        comments.answer_comment(authed(jtj, answer_req(&names[2], adopted()))),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        feedback.create_opinion_group(authed(jtj, group_req())),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        feedback.bulk_answer_comments(authed(jtj, bulk())),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        feedback.get_answering_progress(authed(jtj, progress_req())),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        feedback.preview_feedback_report(authed(jtj, preview_req())),
        Code::PermissionDenied,
        "fgw"
    );

    let group = feedback
        .create_opinion_group(authed(token::OFFICER_FGW, group_req()))
        .await
        .unwrap()
        .into_inner();
    let group_answer = || pb::AnswerOpinionGroupRequest {
        name: group.name.clone(),
        disposition: Some(adopted()),
    };
    refused!(
        server,
        feedback.answer_opinion_group(authed(jtj, group_answer())),
        Code::PermissionDenied,
        "fgw"
    );

    // The auditor reads progress, previews and revisions but answers nothing.
    let p = progress(&server, token::AUDITOR, &parent).await;
    assert_eq!((p.received, p.unanswered, p.grouped), (3, 3, 2));
    let preview = feedback
        .preview_feedback_report(authed(token::AUDITOR, preview_req()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(preview.version, 0);
    assert_eq!(preview.totals.unwrap().received, 3);
    feedback
        .list_disposition_revisions(authed(
            token::AUDITOR,
            pb::ListDispositionRevisionsRequest {
                parent: names[2].clone(),
            },
        ))
        .await
        .unwrap();
    let officers_only = "only officers of the responsible department";
    refused!(
        server,
        comments.answer_comment(authed(token::AUDITOR, answer_req(&names[2], adopted()))),
        Code::PermissionDenied,
        officers_only
    );
    refused!(
        server,
        feedback.answer_opinion_group(authed(token::AUDITOR, group_answer())),
        Code::PermissionDenied,
        officers_only
    );
    refused!(
        server,
        feedback.bulk_answer_comments(authed(token::AUDITOR, bulk())),
        Code::PermissionDenied,
        officers_only
    );
    refused!(
        server,
        comments.hide_comment(authed(token::AUDITOR, hide(&names[2]))),
        Code::PermissionDenied,
        officers_only
    );

    // A calling system submits; it does not answer.
    refused!(
        server,
        comments.answer_comment(authed(token::PORTAL, answer_req(&names[0], adopted()))),
        Code::PermissionDenied,
        officers_only
    );
    refused!(
        server,
        feedback.bulk_answer_comments(authed(token::HOTLINE, bulk())),
        Code::PermissionDenied,
        officers_only
    );

    // No credential at all.
    refused!(
        server,
        comments.answer_comment(answer_req(&names[2], adopted())),
        Code::Unauthenticated,
        "Bearer"
    );
    refused!(
        server,
        feedback.get_answering_progress(progress_req()),
        Code::Unauthenticated,
        "Bearer"
    );
    refused!(
        server,
        feedback.preview_feedback_report(preview_req()),
        Code::Unauthenticated,
        "Bearer"
    );

    // The department's officer answers; the others may not pass the gate, decide or publish.
    feedback
        .answer_opinion_group(authed(token::OFFICER_FGW, group_answer()))
        .await
        .unwrap();
    comments
        .answer_comment(authed(
            token::OFFICER_FGW,
            answer_req(
                &names[2],
                answer(pb::Outcome::OutOfScope, "属于个案诉求", ""),
            ),
        ))
        .await
        .unwrap();
    refused!(
        server,
        api.mark_ready_for_deliberation(authed(
            jtj,
            pb::MarkReadyForDeliberationRequest {
                name: parent.clone()
            }
        )),
        Code::PermissionDenied,
        "fgw"
    );
    mark_ready(&server, &parent).await;
    refused!(
        server,
        api.record_decision(authed(jtj, decision_req(&parent, CLOSE_DATE))),
        Code::PermissionDenied,
        "fgw"
    );
    decide(&server, &parent, CLOSE_DATE).await;
    let publish_req = || pb::PublishFeedbackReportRequest {
        name: parent.clone(),
    };
    refused!(
        server,
        feedback.publish_feedback_report(authed(jtj, publish_req())),
        Code::PermissionDenied,
        "fgw"
    );
    refused!(
        server,
        feedback.publish_feedback_report(authed(token::AUDITOR, publish_req())),
        Code::PermissionDenied,
        officers_only
    );
    refused!(
        server,
        feedback.publish_feedback_report(publish_req()),
        Code::Unauthenticated,
        "Bearer"
    );
    let published = publish(&server, &parent).await;
    refused!(
        server,
        feedback.correct_feedback_report(authed(
            jtj,
            pb::CorrectFeedbackReportRequest {
                name: parent.clone(),
                reason: "更正".into(),
                decision: None,
            }
        )),
        Code::PermissionDenied,
        "fgw"
    );

    // The published report is public: no credential needed.
    let report = public_report(&server, &published.name).await;
    assert_eq!(report.version, 1);
    assert_eq!(report.sha256, sha256_hex(&report.canonical_json));
    assert_eq!(report.comments.len(), 3);
    let listed = feedback
        .list_feedback_reports(pb::ListFeedbackReportsRequest {
            parent: parent.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.versions.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 4. Revisions and receipts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn revisions_are_kept_and_receipts_show_the_answer_after_publication() {
    let server = TestServer::start_at(beijing(OPENED)).await;
    let c = open(
        &server,
        consultation(
            "关于优化工程建设项目审批流程的实施意见（征求意见稿）",
            &[pb::Channel::Portal],
        ),
    )
    .await;
    let parent = c.name.clone();
    let first = submit(
        &server,
        token::PORTAL,
        &parent,
        comment_by(
            pb::Channel::Portal,
            pb::SubmitterCategory::Enterprise,
            "建议将审批时限由二十个工作日压缩至十个工作日。",
        ),
        "rev-1",
    )
    .await;
    let second = submit(
        &server,
        token::PORTAL,
        &parent,
        comment_by(
            pb::Channel::Portal,
            pb::SubmitterCategory::IndustryAssociation,
            "建议公开审批流程图。",
        ),
        "rev-2",
    )
    .await;
    let mut comments = server.comments();
    let mut feedback = server.feedback();
    let lookup = |code: &str| pb::LookupCommentRequest {
        receipt_code: code.into(),
    };

    let receipt = comments
        .lookup_comment(lookup(&first.receipt_code))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(receipt.comment, first.name);
    assert!(receipt.disposition.is_none());

    close(&server, &parent).await;
    let answers = [
        answer(pb::Outcome::Adopted, "", "审批时限压缩至十个工作日"),
        answer(
            pb::Outcome::PartiallyAdopted,
            "涉及安全评价的事项仍为二十个工作日",
            "一般项目压缩至十五个工作日",
        ),
        answer(
            pb::Outcome::NotAdopted,
            "审批时限由上位法规定，本意见不作调整",
            "",
        ),
    ];
    for (n, d) in answers.iter().enumerate() {
        let saved = comments
            .answer_comment(authed(
                token::OFFICER_FGW,
                answer_req(&first.name, d.clone()),
            ))
            .await
            .unwrap()
            .into_inner();
        let got = saved.disposition.unwrap();
        assert_eq!(
            (got.outcome, &got.reason, &got.adopted_content),
            (d.outcome, &d.reason, &d.adopted_content),
            "answer {n}"
        );
        assert_eq!(got.answered_by, "officer-fgw");
        server
            .set_time(beijing(AFTER_WINDOW) + chrono::Duration::minutes(n as i64 + 1))
            .await;
    }
    let revisions = |token: &'static str| {
        let mut f = server.feedback();
        let parent = first.name.clone();
        async move {
            f.list_disposition_revisions(authed(
                token,
                pb::ListDispositionRevisionsRequest { parent },
            ))
            .await
            .unwrap()
            .into_inner()
            .revisions
        }
    };
    let check_revisions = |list: Vec<pb::DispositionRevision>| {
        let got: Vec<(i32, i32, String, String)> = list
            .iter()
            .map(|r| {
                let d = r.disposition.as_ref().unwrap();
                (r.revision, d.outcome, d.reason.clone(), r.action.clone())
            })
            .collect();
        let expected: Vec<(i32, i32, String, String)> = answers
            .iter()
            .enumerate()
            .map(|(n, d)| {
                (
                    n as i32 + 1,
                    d.outcome,
                    d.reason.clone(),
                    "comment.answer".to_owned(),
                )
            })
            .collect();
        assert_eq!(got, expected);
    };
    check_revisions(revisions(token::OFFICER_FGW).await);
    check_revisions(revisions(token::AUDITOR).await);

    // Still private: answers are not shown by receipt before publication.
    let receipt = comments
        .lookup_comment(lookup(&first.receipt_code))
        .await
        .unwrap()
        .into_inner();
    assert!(receipt.disposition.is_none());

    feedback
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: parent.clone(),
                disposition: Some(answer(pb::Outcome::Adopted, "", "")),
                target: Some(Target::Comments(pb::CommentList {
                    comments: vec![second.name.clone()],
                })),
                validate_only: false,
            },
        ))
        .await
        .unwrap();
    mark_ready(&server, &parent).await;
    decide(&server, &parent, CLOSE_DATE).await;
    let receipt = comments
        .lookup_comment(lookup(&first.receipt_code))
        .await
        .unwrap()
        .into_inner();
    assert!(
        receipt.disposition.is_none(),
        "decided but not published: {receipt:?}"
    );

    publish(&server, &parent).await;
    let receipt = comments
        .lookup_comment(lookup(&first.receipt_code))
        .await
        .unwrap()
        .into_inner();
    let shown = receipt.disposition.unwrap();
    assert_eq!(shown.outcome, pb::Outcome::NotAdopted as i32);
    assert_eq!(shown.reason, answers[2].reason);
    assert!(
        shown.answered_by.is_empty() && shown.answer_time.is_none(),
        "the officer and time stay internal: {shown:?}"
    );
    assert_eq!(
        receipt.consultation_state.unwrap().code,
        "FEEDBACK_PUBLISHED"
    );
    let other = comments
        .lookup_comment(lookup(&second.receipt_code))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        other.disposition.unwrap().outcome,
        pb::Outcome::Adopted as i32
    );
    // Publication added no revision.
    assert_eq!(revisions(token::OFFICER_FGW).await.len(), 3);
    server.assert_counts_agree().await;
}

// ---------------------------------------------------------------------------------------------
// 5. Feedback due dates
// ---------------------------------------------------------------------------------------------

/// `n` working days after `start` (counting from the next day) by the State Council's 2026
/// notice as shipped in the holiday data, read independently of the server's calendar.
fn working_days_after_2026(start: NaiveDate, n: u32) -> NaiveDate {
    let notice: serde_json::Value = serde_json::from_str(include_str!(
        "../../crates/domain/data/holiday-cn/2026.json"
    ))
    .unwrap();
    let listed: HashMap<NaiveDate, bool> = notice["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().parse().unwrap(),
                d["isOffDay"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut date = start;
    let mut left = n;
    while left > 0 {
        date = date.succ_opt().unwrap();
        assert_eq!(date.year(), 2026);
        let off = listed
            .get(&date)
            .copied()
            .unwrap_or(matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
        if !off {
            left -= 1;
        }
    }
    date
}

#[tokio::test]
async fn feedback_due_lists_overdue_reports() {
    // Decided on Monday 2026-04-20. Worked out by hand from the 2026 notice: 04-21..04-24 (4),
    // 04-27..04-30 (8), 05-01..05-05 off (劳动节), 05-06..05-08 (11), Saturday 05-09 is a
    // make-up working day (12), 05-11..05-15 (17), 05-18..05-20 (20): due 2026-05-20. The same
    // date is also counted from the shipped holiday data below.
    const DECIDED: &str = "2026-04-20";
    const DUE: &str = "2026-05-20";
    assert_eq!(
        working_days_after_2026(DECIDED.parse().unwrap(), 20).to_string(),
        DUE
    );

    let server = TestServer::start_at(beijing(OPENED)).await;
    let c = open(
        &server,
        consultation(
            "关于加快发展物流产业的若干意见（征求意见稿）",
            &[pb::Channel::Portal],
        ),
    )
    .await;
    let parent = c.name.clone();
    for (i, cat) in [
        pb::SubmitterCategory::Enterprise,
        pb::SubmitterCategory::IndustryAssociation,
    ]
    .into_iter()
    .enumerate()
    {
        submit(
            &server,
            token::PORTAL,
            &parent,
            comment_by(pb::Channel::Portal, cat, "建议降低物流园区用地成本"),
            &format!("due-{i}"),
        )
        .await;
    }
    close(&server, &parent).await;
    server
        .feedback()
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: parent.clone(),
                disposition: Some(answer(pb::Outcome::Adopted, "", "降低用地成本")),
                target: Some(Target::Selection(pb::CommentSelection::default())),
                validate_only: false,
            },
        ))
        .await
        .unwrap();
    mark_ready(&server, &parent).await;

    // A decision dated in the future is refused.
    server.set_time(beijing("2026-04-20 10:00")).await;
    let mut api = server.consultations();
    refused!(
        server,
        api.record_decision(authed(
            token::OFFICER_FGW,
            decision_req(&parent, "2026-04-21")
        )),
        Code::InvalidArgument,
        "decision.decide_date"
    );
    let decided = decide(&server, &parent, DECIDED).await;
    assert_eq!(decided.feedback_due_date, DUE);
    assert_eq!(decided.decision.unwrap().decide_date, DECIDED);

    let due = |caller: &'static str, within_days: i32| {
        let mut api = server.consultations();
        async move {
            api.list_feedback_due(authed(
                caller,
                pb::ListFeedbackDueRequest {
                    within_days,
                    department: String::new(),
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .items
        }
    };
    let ours = |items: Vec<pb::FeedbackDue>| -> Vec<pb::FeedbackDue> {
        items
            .into_iter()
            .filter(|i| i.consultation == parent)
            .collect()
    };

    // Due in 30 days: listed within 30 days, not within 29 or the default 7.
    let listed = ours(due(token::OFFICER_FGW, 30).await);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (
            listed[0].decide_date.as_str(),
            listed[0].due_date.as_str(),
            listed[0].department.as_str(),
            listed[0].overdue
        ),
        (DECIDED, DUE, "fgw", false)
    );
    assert!(ours(due(token::OFFICER_FGW, 29).await).is_empty());
    assert!(ours(due(token::OFFICER_FGW, 0).await).is_empty());
    // Other departments' officers do not see it; the auditor does.
    assert!(ours(due(token::OFFICER_JTJ, 366).await).is_empty());
    assert_eq!(ours(due(token::AUDITOR, 30).await).len(), 1);

    // On the due day itself it is due, not overdue.
    server.set_time(beijing("2026-05-20 18:00")).await;
    let listed = ours(due(token::OFFICER_FGW, 0).await);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(!listed[0].overdue);

    // The next day it is overdue.
    server.set_time(beijing("2026-05-21 09:00")).await;
    let listed = ours(due(token::OFFICER_FGW, 0).await);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].overdue);
    assert_eq!(listed[0].due_date, DUE);

    // Once published it is no longer waiting.
    let report = publish(&server, &parent).await;
    assert_eq!(report.version, 1);
    assert!(ours(due(token::OFFICER_FGW, 366).await).is_empty());
    assert!(ours(due(token::AUDITOR, 366).await).is_empty());
}
