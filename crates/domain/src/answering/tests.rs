use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Asia::Shanghai;
use proptest::prelude::*;

use super::*;
use crate::calendar::Calendar;
use crate::comment::{Channel, CommentFields, NewComment};
use crate::consultation::DraftChanges;
use crate::decision::DecisionFields;
use crate::report::{FeedbackReport, PublishedReport, ReportEdition};

fn local(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

/// A consultation of `kind` that opened 2026-03-02 and was formally closed on 2026-04-02.
pub(crate) fn closed(kind: ConsultationKind) -> (Consultation, DateTime<Utc>) {
    let calendar = Calendar::built_in();
    let opened = local(2026, 3, 2, 10);
    let mut c = Consultation::create(
        "c1".into(),
        "fgw".into(),
        kind,
        DraftChanges {
            title: Some("关于优化公交线路的方案（征求意见稿）".into()),
            draft_text: Some("第一条 ……".into()),
            basis: Some("《城市公共交通条例》".into()),
            channels: Some(vec![Channel::Portal, Channel::Symposium, Channel::Letter]),
            ..Default::default()
        },
        "officer-fgw",
        opened,
    )
    .expect("draft");
    c.publish(opened, &calendar).expect("publish");
    let after = local(2026, 4, 2, 9);
    c.close(after).expect("close");
    (c, after)
}

fn comment(id: &str, category: SubmitterCategory, text: &str) -> Comment {
    Comment {
        id: id.into(),
        consultation_id: "c1".into(),
        body: NewComment::parse(
            Channel::Portal,
            category,
            CommentFields {
                content: text,
                submitter_name: "张三",
                submitter_contact: "13812345678",
                ..Default::default()
            },
            None,
            false,
        )
        .expect("comment"),
        received_at: local(2026, 3, 5, 12),
        receipt_code: format!("RC-{id}"),
        submitted_by: "portal".into(),
        request_id: id.into(),
        moderation: None,
        group_id: None,
        disposition: None,
        redactions: Vec::new(),
    }
}

fn not_adopted() -> Answer {
    Answer::parse(Outcome::NotAdopted, "与上位法规定不一致", "", "disposition").expect("answer")
}

fn adopted(what: &str) -> Answer {
    Answer::parse(Outcome::Adopted, "", what, "disposition").expect("answer")
}

fn rules(e: &DomainError) -> Vec<&'static str> {
    match e {
        DomainError::FailedPrecondition(v) => v.iter().map(|r| r.rule).collect(),
        other => panic!("expected a failed precondition, got {other:?}"),
    }
}

fn fields(e: &DomainError) -> Vec<String> {
    match e {
        DomainError::InvalidArgument(v) => v.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected an invalid argument, got {other:?}"),
    }
}

#[test]
fn each_outcome_needs_what_the_rules_require() {
    let e = Answer::parse(Outcome::NotAdopted, "  ", "", "disposition").unwrap_err();
    assert_eq!(fields(&e), ["disposition.reason"]);
    let e = Answer::parse(Outcome::OutOfScope, "。", "", "disposition").unwrap_err();
    assert_eq!(fields(&e), ["disposition.reason"]);
    let e = Answer::parse(Outcome::PartiallyAdopted, "", "", "disposition").unwrap_err();
    assert_eq!(
        fields(&e),
        ["disposition.adopted_content", "disposition.reason"]
    );
    assert!(Answer::parse(Outcome::Adopted, "", "", "d").is_ok());
    let a = Answer::parse(
        Outcome::PartiallyAdopted,
        " 夜间线路暂不调整，客流不足 ",
        "增加早高峰班次",
        "d",
    )
    .unwrap();
    assert_eq!(a.reason, "夜间线路暂不调整，客流不足");
    assert!(a.is_complete());
    let long = "理".repeat(REASON_MAX_CHARS + 1);
    assert!(Answer::parse(Outcome::NotAdopted, &long, "", "d").is_err());
}

#[test]
fn answering_opens_at_the_close_and_revises_after_publication() {
    let calendar = Calendar::built_in();
    let (mut c, now) = closed(ConsultationKind::Plan);
    let mut open = c.clone();
    open.stored_state = ConsultationState::Scheduled;
    let mut k = comment("k1", SubmitterCategory::Citizen, "建议增加公交线路");
    let e = k.answer(&open, not_adopted(), "o", now).unwrap_err();
    assert_eq!(rules(&e), ["NOT_CLOSED"]);
    k.answer(&c, not_adopted(), "o", now).unwrap();
    assert_eq!(k.disposition.as_ref().unwrap().answered_by, "o");

    c.mark_ready(
        &tally::AnsweringTally::of(AnsweringView {
            comments: std::slice::from_ref(&k),
            groups: &[],
        }),
        Default::default(),
        now,
    )
    .unwrap();
    // Revisions stay possible until publication.
    k.answer(&c, adopted("第五条增加夜班线路"), "o2", now)
        .unwrap();
    c.record_decision(
        DecisionFields {
            number: "洪府发〔2026〕3号",
            title: "关于优化公交线路的决定",
            text_url: "",
            decided_on: NaiveDate::from_ymd_opt(2026, 4, 10).unwrap(),
        },
        "o",
        local(2026, 4, 10, 15),
        &calendar,
    )
    .unwrap();
    c.publish_feedback(local(2026, 4, 11, 9)).unwrap();
    // After publication a revised answer waits for the next corrected version.
    k.answer(&c, not_adopted(), "o", local(2026, 4, 12, 9))
        .unwrap();
    assert_eq!(
        k.disposition.as_ref().unwrap().answer.outcome,
        Outcome::NotAdopted
    );
}

#[test]
fn hidden_comments_are_not_answered_and_unhide_ends_at_publication() {
    let (c, now) = closed(ConsultationKind::Plan);
    let mut k = comment("k1", SubmitterCategory::Citizen, "广告：代开发票");
    k.hide(&c, HideReason::Spam, "广告", "o", now).unwrap();
    assert!(!k.is_visible());
    let e = k.hide(&c, HideReason::Abuse, "", "o", now).unwrap_err();
    assert_eq!(rules(&e), ["ALREADY_HIDDEN"]);
    let e = k.answer(&c, not_adopted(), "o", now).unwrap_err();
    assert_eq!(rules(&e), ["COMMENT_HIDDEN"]);
    k.unhide(&c, None, now).unwrap();
    assert!(k.is_visible());
    let e = k.unhide(&c, None, now).unwrap_err();
    assert_eq!(rules(&e), ["NOT_HIDDEN"]);

    let mut published = c.clone();
    published.stored_state = ConsultationState::FeedbackPublished;
    // Hiding still takes exposed private data out of the next version; unhiding is over.
    k.hide(&published, HideReason::PrivacyExposure, "", "o", now)
        .unwrap();
    let e = k.unhide(&published, None, now).unwrap_err();
    assert_eq!(rules(&e), ["MODERATION_CLOSED"]);
}

#[test]
fn a_bulk_hide_takes_visible_ungrouped_comments_and_refuses_a_list_naming_every_problem() {
    use crate::answering::bulk::{CommentTarget, Selection};
    use crate::search::SearchText;

    let (c, now) = closed(ConsultationKind::Plan);
    let mut comments = vec![
        comment("a", SubmitterCategory::Citizen, "广告：代开发票 请加微信"),
        comment("b", SubmitterCategory::Citizen, "代开发票，微信联系"),
        comment("c", SubmitterCategory::Citizen, "建议延长过渡期"),
        comment("d", SubmitterCategory::Citizen, "代开发票"),
        comment("e", SubmitterCategory::Enterprise, "代开发票 微信"),
    ];
    comments[3]
        .hide(&c, HideReason::Abuse, "", "o", now)
        .unwrap();
    comments[1].group_id = Some("g1".into());
    let selection = Selection {
        submitter_category: Some(SubmitterCategory::Citizen),
        query: SearchText::parse("selection.query", "代开发票 微信").unwrap(),
        ..Default::default()
    };
    let plan = c
        .bulk_hide(
            CommentTarget::Selected(selection),
            &[],
            HideReason::Spam,
            " 广告 ",
            "o",
            now,
        )
        .unwrap();
    let mut after = comments.clone();
    let affected = plan.apply(&mut after);
    // Only "a": "b" is grouped, "c" says something else, "d" is hidden, "e" is an enterprise.
    assert_eq!(affected.count, 1);
    assert_eq!(after[0].moderation.as_ref().unwrap().note, "广告");
    assert_eq!(
        after[3].moderation.as_ref().unwrap().reason,
        HideReason::Abuse
    );
    assert!(after[1].is_visible() && after[2].is_visible() && after[4].is_visible());

    // A list is all or nothing, and names each comment that cannot be hidden.
    let ids: Vec<String> = ["a", "b", "d"].map(String::from).to_vec();
    let e = c
        .bulk_hide(
            CommentTarget::Listed(ids),
            &comments[..4],
            HideReason::Spam,
            "",
            "o",
            now,
        )
        .unwrap_err();
    assert_eq!(rules(&e), ["IN_OPINION_GROUP", "ALREADY_HIDDEN"]);
    let e = c
        .bulk_hide(
            CommentTarget::Listed(vec!["zz".into()]),
            &[],
            HideReason::Spam,
            "",
            "o",
            now,
        )
        .unwrap_err();
    assert!(matches!(e, DomainError::NotFound { .. }), "{e:?}");
    let e = c
        .bulk_hide(
            CommentTarget::Listed(vec!["c".into()]),
            &comments[2..3],
            HideReason::Spam,
            &"长".repeat(NOTE_MAX_CHARS + 1),
            "o",
            now,
        )
        .unwrap_err();
    assert_eq!(fields(&e), ["note"]);

    // The audit record carries the query as words; a selection without one keeps its bytes.
    let recorded = serde_json::to_value(plan.audit(affected)).unwrap();
    assert_eq!(recorded["event"], "comments.hidden.v1");
    assert_eq!(recorded["target"]["selected"]["query"], "代开发票 微信");
    let plain = serde_json::to_string(&Selection::default()).unwrap();
    assert!(!plain.contains("query"), "{plain}");
}

#[test]
fn past_the_gate_only_answered_comments_come_back() {
    let (mut c, now) = closed(ConsultationKind::Plan);
    let mut a = comment("a", SubmitterCategory::Citizen, "意见一");
    let mut b = comment("b", SubmitterCategory::Citizen, "意见二");
    a.answer(&c, not_adopted(), "o", now).unwrap();
    b.hide(&c, HideReason::Abuse, "", "o", now).unwrap();
    a.hide(&c, HideReason::Spam, "", "o", now).unwrap();
    let comments = [a.clone(), b.clone()];
    c.mark_ready(
        &tally::AnsweringTally::of(AnsweringView {
            comments: &comments,
            groups: &[],
        }),
        Default::default(),
        now,
    )
    .unwrap();
    let e = b.unhide(&c, None, now).unwrap_err();
    assert_eq!(rules(&e), ["WOULD_BE_UNANSWERED"]);
    a.unhide(&c, None, now).unwrap();
}

#[test]
fn group_members_take_the_group_answer_and_cannot_conflict() {
    let (c, now) = closed(ConsultationKind::Plan);
    let mut g = OpinionGroup::create("g1".into(), &c, "建议增加夜班公交", "o", now).unwrap();
    let mut a = comment("a", SubmitterCategory::Citizen, "希望开通夜班车");
    let mut b = comment("b", SubmitterCategory::Citizen, "夜里没有公交");
    let mut d = comment("d", SubmitterCategory::Citizen, "夜班车");
    a.join(&c, &g, now).unwrap();
    b.answer(&c, adopted("增加夜班线路"), "o", now).unwrap();
    // An agreeing direct answer gives way to the group's once answered.
    b.join(&c, &g, now).unwrap();
    assert!(b.disposition.is_none());
    g.answer(&c, not_adopted(), "o", now).unwrap();
    d.answer(&c, adopted("增加夜班线路"), "o", now).unwrap();
    let e = d.join(&c, &g, now).unwrap_err();
    assert_eq!(rules(&e), ["CONFLICTING_DISPOSITION"]);
    let e = a.answer(&c, adopted("x"), "o", now).unwrap_err();
    assert_eq!(rules(&e), ["IN_OPINION_GROUP"]);
    assert_eq!(
        effective_disposition(&a, Some(&g)).map(|d| d.answer.outcome),
        Some(Outcome::NotAdopted)
    );
    let other = OpinionGroup::create("g2".into(), &c, "另一组意见", "o", now).unwrap();
    let e = a.join(&c, &other, now).unwrap_err();
    assert_eq!(rules(&e), ["ALREADY_GROUPED"]);
    a.leave(&c, "g1", now).unwrap();
    assert!(effective_disposition(&a, None).is_none());
    let e = a.leave(&c, "g1", now).unwrap_err();
    assert_eq!(rules(&e), ["NOT_IN_GROUP"]);
    assert!(OpinionGroup::create("g3".into(), &c, " ", "o", now).is_err());
}

#[test]
fn the_gate_lists_what_is_missing() {
    let (mut c, now) = closed(ConsultationKind::EnterprisePolicy);
    let g = OpinionGroup::create("g1".into(), &c, "集中意见", "o", now).unwrap();
    let mut comments: Vec<Comment> = (0..8)
        .map(|i| comment(&format!("k{i}"), SubmitterCategory::Citizen, "意见"))
        .collect();
    comments[0].join(&c, &g, now).unwrap();
    comments[1].answer(&c, not_adopted(), "o", now).unwrap();
    let groups = [g.clone()];
    let e = c
        .mark_ready(
            &tally::AnsweringTally::of(AnsweringView {
                comments: &comments,
                groups: &groups,
            }),
            Default::default(),
            now,
        )
        .unwrap_err();
    assert_eq!(
        rules(&e),
        [
            "UNANSWERED_COMMENTS",
            "UNANSWERED_OPINION_GROUPS",
            "NO_ENTERPRISE_INPUT",
            "NO_INDUSTRY_ASSOCIATION_INPUT"
        ]
    );
    let text = e.to_string();
    assert!(text.contains("尚有6条意见未答复"), "{text}");
    assert!(
        text.contains("k2、k3、k4、k5、k6 等 (and 1 more)"),
        "{text}"
    );
    assert_eq!(c.stored_state, ConsultationState::Closed);

    // Answer everything, add business input: the gate opens.
    let mut g = g;
    g.answer(&c, adopted("采纳"), "o", now).unwrap();
    for k in comments.iter_mut().skip(2) {
        k.answer(&c, not_adopted(), "o", now).unwrap();
    }
    comments[6].body.submitter_category = SubmitterCategory::Enterprise;
    comments[7].body.submitter_category = SubmitterCategory::IndustryAssociation;
    c.mark_ready(
        &tally::AnsweringTally::of(AnsweringView {
            comments: &comments,
            groups: &[g],
        }),
        Default::default(),
        now,
    )
    .unwrap();
    assert_eq!(c.stored_state, ConsultationState::ReadyForDeliberation);
}

#[test]
fn hidden_business_input_does_not_count() {
    let (mut c, now) = closed(ConsultationKind::EnterprisePolicy);
    let mut e1 = comment("e", SubmitterCategory::Enterprise, "企业意见");
    let mut a1 = comment("a", SubmitterCategory::IndustryAssociation, "协会意见");
    a1.answer(&c, not_adopted(), "o", now).unwrap();
    e1.hide(&c, HideReason::Spam, "", "o", now).unwrap();
    let e = c
        .mark_ready(
            &tally::AnsweringTally::of(AnsweringView {
                comments: &[e1, a1],
                groups: &[],
            }),
            Default::default(),
            now,
        )
        .unwrap_err();
    assert_eq!(rules(&e), ["NO_ENTERPRISE_INPUT"]);
}

#[test]
fn feedback_is_due_twenty_working_days_after_the_decision() {
    let calendar = Calendar::built_in();
    let (mut c, now) = closed(ConsultationKind::Plan);
    c.mark_ready(
        &tally::AnsweringTally::of(AnsweringView {
            comments: &[],
            groups: &[],
        }),
        Default::default(),
        now,
    )
    .unwrap();
    // Monday 2026-04-13: the count crosses the Labour Day holiday and its make-up day.
    let decided = NaiveDate::from_ymd_opt(2026, 4, 13).unwrap();
    let e = c
        .record_decision(
            DecisionFields {
                number: " ",
                title: "标题",
                text_url: "",
                decided_on: decided,
            },
            "o",
            local(2026, 4, 13, 16),
            &calendar,
        )
        .unwrap_err();
    assert_eq!(fields(&e), ["decision.number"]);
    let e = c
        .record_decision(
            DecisionFields {
                number: "文号1",
                title: "标题",
                text_url: "",
                decided_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            },
            "o",
            local(2026, 4, 13, 9),
            &calendar,
        )
        .unwrap_err();
    assert_eq!(fields(&e), ["decision.decide_date"]);
    c.record_decision(
        DecisionFields {
            number: "洪府发〔2026〕3号",
            title: "决定",
            text_url: "",
            decided_on: decided,
        },
        "o",
        local(2026, 4, 13, 16),
        &calendar,
    )
    .unwrap();
    let due = calendar.add_working_days(decided, 20).unwrap();
    assert_eq!(c.feedback_due_on, Some(due));
    // Counted by hand against the calendar: every day in (decided, due] that is a working day.
    let mut n = 0;
    let mut d = decided;
    while d < due {
        d = d.succ_opt().unwrap();
        if calendar.is_working_day(d).unwrap() {
            n += 1;
        }
    }
    assert_eq!(n, 20);
    assert!(calendar.is_working_day(due).unwrap());
    assert_eq!(
        c.feedback_deadline(due, &calendar),
        Some(crate::decision::FeedbackDeadline::Due(due))
    );
    assert_eq!(
        c.feedback_deadline(due.succ_opt().unwrap(), &calendar),
        Some(crate::decision::FeedbackDeadline::Overdue(due))
    );
}

#[test]
fn an_unknown_calendar_year_gives_a_provisional_due_date_confirmed_once_loaded() {
    let (mut c, now) = closed(ConsultationKind::Plan);
    c.stored_state = ConsultationState::ReadyForDeliberation;
    let decided = NaiveDate::from_ymd_opt(2026, 4, 13).unwrap();
    c.record_decision(
        DecisionFields {
            number: "文号",
            title: "标题",
            text_url: "",
            decided_on: decided,
        },
        "o",
        now + Duration::days(20),
        &Calendar::empty(),
    )
    .unwrap();
    assert_eq!(c.feedback_due_on, None);
    assert!(c.warnings.iter().any(|w| w.contains("calendar unknown")));
    // Weekends only meanwhile: Monday 13 April + 20 weekdays = Monday 11 May.
    let provisional = NaiveDate::from_ymd_opt(2026, 5, 11).unwrap();
    assert_eq!(
        c.feedback_deadline(decided, &Calendar::empty()),
        Some(crate::decision::FeedbackDeadline::Provisional(provisional))
    );
    assert!(!c.confirm_feedback_due(&Calendar::empty()));
    // With 2026's notice (Labour Day 1-5 May, make-up days 26 April and 9 May) it is confirmed.
    let calendar = Calendar::built_in();
    let confirmed = calendar.add_working_days(decided, 20).unwrap();
    assert_ne!(confirmed, provisional);
    assert_eq!(
        c.feedback_deadline(decided, &calendar),
        Some(crate::decision::FeedbackDeadline::Due(confirmed))
    );
    assert!(c.confirm_feedback_due(&calendar));
    assert_eq!(c.feedback_due_on, Some(confirmed));
    assert!(!c.warnings.iter().any(|w| w.contains("calendar unknown")));
    assert!(!c.confirm_feedback_due(&calendar), "once only");
}

#[test]
fn publishing_needs_the_decision_and_corrections_need_a_reason() {
    let calendar = Calendar::built_in();
    let (mut c, now) = closed(ConsultationKind::Plan);
    let e = c.publish_feedback(now).unwrap_err();
    assert_eq!(rules(&e), ["NOT_DECIDED"]);
    c.stored_state = ConsultationState::ReadyForDeliberation;
    c.record_decision(
        DecisionFields {
            number: "文号",
            title: "标题",
            text_url: "",
            decided_on: NaiveDate::from_ymd_opt(2026, 4, 13).unwrap(),
        },
        "o",
        local(2026, 4, 13, 16),
        &calendar,
    )
    .unwrap();
    let e = c
        .correct_feedback("笔误", None, "o", now, &calendar)
        .unwrap_err();
    assert_eq!(rules(&e), ["NOT_PUBLISHED"]);
    assert_eq!(c.publish_feedback(local(2026, 4, 14, 9)).unwrap(), 1);
    let e = c.publish_feedback(local(2026, 4, 14, 9)).unwrap_err();
    assert_eq!(rules(&e), ["NOT_DECIDED"]);
    let e = c
        .correct_feedback("  ", None, "o", local(2026, 4, 15, 9), &calendar)
        .unwrap_err();
    assert_eq!(fields(&e), ["reason"]);
    let due = c.feedback_due_on;
    let v = c
        .correct_feedback(
            "决策文号有误",
            Some(DecisionFields {
                number: "洪府发〔2026〕4号",
                title: "决定",
                text_url: "https://www.nc.gov.cn/zwgk/2026/4.html",
                decided_on: NaiveDate::from_ymd_opt(2026, 4, 13).unwrap(),
            }),
            "o",
            local(2026, 4, 15, 9),
            &calendar,
        )
        .unwrap();
    assert_eq!(v, 2);
    assert_eq!(c.decision.as_ref().unwrap().number, "洪府发〔2026〕4号");
    assert_eq!(c.feedback_due_on, due);
}

#[test]
fn the_report_counts_masks_and_hashes() {
    let calendar = Calendar::built_in();
    let (c, now) = closed(ConsultationKind::Plan);
    let mut g = OpinionGroup::create("g1".into(), &c, "建议增加夜班公交", "o", now).unwrap();
    g.answer(
        &c,
        Answer::parse(
            Outcome::PartiallyAdopted,
            "夜间部分线路客流不足",
            "开通2条夜班线路",
            "d",
        )
        .unwrap(),
        "o",
        now,
    )
    .unwrap();
    let mut ks = vec![
        comment(
            "a",
            SubmitterCategory::Citizen,
            "我的电话13812345678，希望开通夜班车",
        ),
        comment(
            "b",
            SubmitterCategory::Enterprise,
            "夜里没有公交，联系 zhangsan@163.com",
        ),
        comment("c", SubmitterCategory::Citizen, "广告"),
        comment("d", SubmitterCategory::Expert, "票价过高"),
    ];
    ks[0].join(&c, &g, now).unwrap();
    ks[1].join(&c, &g, now).unwrap();
    ks[2].hide(&c, HideReason::Spam, "", "o", now).unwrap();
    ks[3].answer(&c, not_adopted(), "o", now).unwrap();
    ks[3].body.publish_name_consent = true;
    ks[3].body.submitter_organization = "某大学交通学院".into();
    let view = AnsweringView {
        comments: &ks,
        groups: std::slice::from_ref(&g),
    };
    let edition = ReportEdition {
        version: 1,
        published_at: Some(now),
        correction_reason: String::new(),
    };
    let r = FeedbackReport::build(&c, view, &calendar, edition.clone());
    assert_eq!(r.totals.received, 4);
    assert_eq!(r.totals.hidden, 1);
    assert_eq!(r.totals.published, 3);
    assert_eq!(r.totals.unanswered, 0);
    assert_eq!(r.comments.len(), 3);
    assert_eq!(r.opinion_groups.len(), 1);
    assert_eq!(r.opinion_groups[0].count, 2);
    assert_eq!(r.totals.hidden_by_reason[0].term.code, "SPAM");
    let outcomes: Vec<_> = r
        .totals
        .by_outcome
        .iter()
        .map(|c| (c.term.code.as_str(), c.count))
        .collect();
    assert_eq!(outcomes, [("PARTIALLY_ADOPTED", 2), ("NOT_ADOPTED", 1)]);
    assert_eq!(r.adopted_changes.len(), 1);
    let json = r.canonical_json();
    assert!(!json.contains("13812345678"), "{json}");
    assert!(json.contains("138****5678"), "{json}");
    assert!(!json.contains("zhangsan@"), "{json}");
    assert!(
        !json.contains("张三"),
        "names without consent stay private: {json}"
    );
    assert!(json.contains("某大学交通学院"));
    assert!(!json.contains("广告\""), "hidden text is not published");
    // The same inputs give the same bytes and hash; the sealed text reads back.
    let again = FeedbackReport::build(&c, view, &calendar, edition);
    assert_eq!(again.canonical_json(), json);
    let sealed = PublishedReport::seal(&r, "c1", "o");
    assert_eq!(sealed.sha256.len(), 64);
    assert_eq!(sealed.sha256, crate::report::content_sha256(&json));
    assert_eq!(sealed.report().unwrap(), r);
}

fn arbitrary_world() -> impl Strategy<Value = Vec<(u8, u8, u8)>> {
    // Per comment: category selector, action selector (0 none, 1 hide, 2 answer, 3 group),
    // group selector.
    prop::collection::vec((0u8..8, 0u8..4, 0u8..3), 0..60)
}

proptest! {
    #[test]
    fn progress_and_report_account_for_every_comment(world in arbitrary_world(), answer_groups in any::<bool>()) {
        let calendar = Calendar::built_in();
        let (mut c, now) = closed(ConsultationKind::Plan);
        let mut groups: Vec<OpinionGroup> = (0..3)
            .map(|i| OpinionGroup::create(format!("g{i}"), &c, "集中意见", "o", now).unwrap())
            .collect();
        if answer_groups {
            for g in &mut groups {
                g.answer(&c, not_adopted(), "o", now).unwrap();
            }
        }
        let mut comments = Vec::new();
        for (i, (cat, action, group)) in world.iter().enumerate() {
            let category = SubmitterCategory::ALL[*cat as usize % SubmitterCategory::ALL.len()];
            let mut k = comment(&format!("k{i:03}"), category, "意见内容");
            match action {
                1 => k.hide(&c, HideReason::ALL[i % 4], "", "o", now).unwrap(),
                2 => k.answer(&c, not_adopted(), "o", now).unwrap(),
                3 => k.join(&c, &groups[*group as usize], now).unwrap(),
                _ => {}
            }
            comments.push(k);
        }
        let view = AnsweringView { comments: &comments, groups: &groups };
        let p = view.progress();
        prop_assert_eq!(p.received, comments.len() as u64);
        prop_assert_eq!(p.answered + p.unanswered + p.hidden, p.received);
        prop_assert_eq!(p.hidden_by_reason.values().sum::<u64>(), p.hidden);
        prop_assert_eq!(p.by_outcome.values().sum::<u64>(), p.answered);
        prop_assert!(p.groups_answered <= p.groups);

        let missing = view.missing_for_deliberation(&c);
        prop_assert_eq!(missing.is_empty(), p.unanswered == 0);
        let gate = c.mark_ready(&tally::AnsweringTally::of(view), Default::default(), now);
        prop_assert_eq!(gate.is_ok(), p.unanswered == 0);

        let r = FeedbackReport::build(&c, view, &calendar, ReportEdition {
            version: 0, published_at: None, correction_reason: String::new(),
        });
        prop_assert_eq!(r.totals.received, p.received);
        prop_assert_eq!(r.totals.by_channel.iter().map(|x| x.count).sum::<u64>(), p.received);
        prop_assert_eq!(r.totals.by_submitter_category.iter().map(|x| x.count).sum::<u64>(), p.received);
        prop_assert_eq!(r.comments.len() as u64, p.received - p.hidden);
        prop_assert_eq!(r.totals.unanswered, p.unanswered);
        prop_assert_eq!(r.opinion_groups.iter().map(|g| g.count).sum::<u64>(), p.grouped);
        let json = r.canonical_json();
        prop_assert!(!json.contains("13812345678"));
        prop_assert!(!json.contains("张三"));
    }
}

#[test]
fn redactions_are_checked_revisable_and_only_widened_after_publication() {
    use crate::redaction::{Redaction, RedactionReason};
    let span = |start, end| Redaction {
        start,
        end,
        reason: RedactionReason::ThirdPartyPrivacy,
    };
    let (c, now) = closed(ConsultationKind::Plan);
    let mut k = comment(
        "k1",
        SubmitterCategory::Citizen,
        "邻居赵大勇天天在楼道里堆杂物，建议第五条写明处罚。",
    );
    // Out of the text, empty and overlapping spans are refused, each named.
    let e = k
        .redact(&c, vec![span(2, 5), span(5, 5), span(20, 99)], now)
        .unwrap_err();
    assert_eq!(fields(&e), ["redactions[1]", "redactions[2]"]);
    let e = k.redact(&c, vec![span(2, 5), span(4, 6)], now).unwrap_err();
    assert_eq!(fields(&e), ["redactions"]);
    assert!(k.redactions.is_empty());

    // Given in any order, kept sorted; the published text shows the marker.
    k.redact(&c, vec![span(8, 10), span(2, 5)], now).unwrap();
    assert_eq!(k.redactions, [span(2, 5), span(8, 10)]);
    assert_eq!(
        k.public_content().unwrap(),
        "邻居[已隐去]天天在[已隐去]里堆杂物，建议第五条写明处罚。"
    );
    // Revisable before publication, also to nothing.
    k.redact(&c, vec![], now).unwrap();
    k.redact(&c, vec![span(2, 5)], now).unwrap();

    // After publication a span may only grow or be joined by others.
    let mut published = c.clone();
    published.stored_state = ConsultationState::FeedbackPublished;
    let e = k.redact(&published, vec![span(8, 10)], now).unwrap_err();
    assert_eq!(rules(&e), ["REDACTION_PUBLISHED"]);
    let e = k.redact(&published, vec![span(3, 5)], now).unwrap_err();
    assert_eq!(rules(&e), ["REDACTION_PUBLISHED"]);
    k.redact(&published, vec![span(0, 5), span(8, 10)], now)
        .unwrap();
    assert_eq!(k.redactions, [span(0, 5), span(8, 10)]);

    // A draft has no comments to redact.
    let mut draft = c.clone();
    draft.stored_state = ConsultationState::Draft;
    let e = k.redact(&draft, vec![], now).unwrap_err();
    assert_eq!(rules(&e), ["REDACTION_CLOSED"]);
}

#[test]
fn corrections_list_each_changed_answer_once() {
    use crate::report::{
        ReportAnswer, ReportComment, ReportOpinionGroup, Term, comment_correction,
        group_corrections,
    };
    let answer = |code: &str, reason: &str| ReportAnswer {
        outcome: Term {
            code: code.into(),
            label: String::new(),
        },
        reason: reason.into(),
        adopted_content: String::new(),
    };
    let entry = |id: &str, group: Option<&str>, a: Option<ReportAnswer>| ReportComment {
        id: id.into(),
        received_at: local(2026, 3, 5, 12),
        channel: Term {
            code: "PORTAL".into(),
            label: String::new(),
        },
        submitter_category: Term {
            code: "CITIZEN".into(),
            label: String::new(),
        },
        submitter: None,
        clause_reference: String::new(),
        content: "意见".into(),
        opinion_group: group.map(str::to_owned),
        answer: a,
    };
    let no = answer("NOT_ADOPTED", "理由甲");
    let yes = answer("ADOPTED", "");
    // Unchanged, changed, hidden since.
    assert_eq!(
        comment_correction(
            &entry("k1", None, Some(no.clone())),
            Some(&entry("k1", None, Some(no.clone())))
        ),
        None
    );
    let changed = comment_correction(
        &entry("k2", None, Some(no.clone())),
        Some(&entry("k2", None, Some(yes.clone()))),
    )
    .unwrap();
    assert_eq!(changed.subject, "comments/k2");
    assert_eq!(
        (changed.before, changed.after),
        (Some(no.clone()), Some(yes.clone()))
    );
    let hidden = comment_correction(&entry("k3", None, Some(no.clone())), None).unwrap();
    assert_eq!(hidden.after, None);
    // A grouped comment follows its group: listed once, for the group.
    assert_eq!(
        comment_correction(
            &entry("k4", Some("g1"), Some(no.clone())),
            Some(&entry("k4", Some("g1"), Some(yes.clone())))
        ),
        None
    );
    let group = |a: Option<ReportAnswer>| ReportOpinionGroup {
        id: "g1".into(),
        summary: "集中意见".into(),
        count: 2,
        answer: a,
        representative: None,
    };
    let groups = group_corrections(&[group(Some(no.clone()))], &[group(Some(yes.clone()))]);
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].subject, "opinionGroups/g1");
    assert!(group_corrections(&[group(Some(no.clone()))], &[group(Some(no))]).is_empty());
}

#[test]
fn days_left_count_a_part_of_a_day_as_one_and_end_at_the_close() {
    let (closed, _) = closed(ConsultationKind::Plan);
    let mut open = closed.clone();
    open.stored_state = ConsultationState::Open;
    // The window ends at the end of 1 April (Beijing time).
    assert_eq!(open.days_left(local(2026, 3, 2, 10)), Some(31));
    assert_eq!(open.days_left(local(2026, 4, 1, 23)), Some(1));
    assert_eq!(open.days_left(open.closes_at.unwrap()), None);
    assert_eq!(closed.days_left(local(2026, 3, 2, 10)), None);
}
