//! The report as it was built before it was counted and streamed: every comment in memory. The
//! streamed parts and the counted summary must reproduce its bytes exactly.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::answering::bulk::{CommentTarget, Selection};
use crate::answering::tally::AnsweringTally;
use crate::answering::tests::closed;
use crate::answering::{Answer, AnsweringView, HideReason, OpinionGroup, Outcome};
use crate::calendar::Calendar;
use crate::comment::{Channel, CommentFields, NewComment, SubmitterCategory};
use crate::consultation::ConsultationKind;

fn reference_build(
    consultation: &Consultation,
    view: AnsweringView<'_>,
    calendar: &Calendar,
    edition: ReportEdition,
) -> FeedbackReport {
    let groups = view.group_index();
    let mut by_channel = BTreeMap::<Channel, u64>::new();
    let mut by_category = BTreeMap::<SubmitterCategory, u64>::new();
    let mut hidden_by_reason = BTreeMap::<HideReason, u64>::new();
    let mut by_outcome = BTreeMap::<Outcome, u64>::new();
    let mut meetings = BTreeMap::<Channel, BTreeMap<SubmitterCategory, u64>>::new();
    let mut group_counts = BTreeMap::<&str, u64>::new();
    let mut comments = Vec::new();
    let mut adopted_changes = Vec::new();
    let mut unanswered = 0;
    for c in view.comments {
        *by_channel.entry(c.body.channel).or_default() += 1;
        *by_category.entry(c.body.submitter_category).or_default() += 1;
        if let Some(m) = &c.moderation {
            *hidden_by_reason.entry(m.reason).or_default() += 1;
            continue;
        }
        if MEETING_CHANNELS.contains(&c.body.channel) {
            *meetings
                .entry(c.body.channel)
                .or_default()
                .entry(c.body.submitter_category)
                .or_default() += 1;
        }
        let group = c.group_id.as_deref().and_then(|g| groups.get(g).copied());
        if let Some(g) = group {
            *group_counts.entry(&g.id).or_default() += 1;
        }
        let disposition = effective_disposition(c, group);
        match disposition {
            Some(d) => *by_outcome.entry(d.answer.outcome).or_default() += 1,
            None => unanswered += 1,
        }
        let answer = disposition.map(published_answer);
        // A grouped comment's change is listed once, under its group.
        if group.is_none()
            && let Some(change) = adopted_change(
                disposition,
                format!("comments/{}", c.id),
                &c.body.clause_reference,
            )
        {
            adopted_changes.push(change);
        }
        comments.push(ReportComment {
            id: c.id.clone(),
            received_at: c.received_at,
            channel: term!(c.body.channel),
            submitter_category: term!(c.body.submitter_category),
            submitter: published_submitter(c),
            clause_reference: mask_personal_information(&c.body.clause_reference),
            content: c.published_text(),
            opinion_group: group.map(|g| g.id.clone()),
            answer,
        });
    }
    let mut opinion_groups = Vec::new();
    for g in view.groups {
        let Some(count) = group_counts.get(g.id.as_str()).copied() else {
            // A group whose members were all removed or hidden says nothing publicly.
            continue;
        };
        let answer = g.disposition.as_ref().map(published_answer);
        if let Some(change) = adopted_change(
            g.disposition.as_ref(),
            format!("opinionGroups/{}", g.id),
            "",
        ) {
            adopted_changes.push(change);
        }
        // The first visible member by id, written out again here.
        let representative = view
            .comments
            .iter()
            .filter(|c| c.is_visible() && c.group_id.as_deref() == Some(g.id.as_str()))
            .min_by(|a, b| a.id.cmp(&b.id))
            .map(|c| ReportRepresentative {
                comment: c.id.clone(),
                text: c.published_text(),
            });
        opinion_groups.push(ReportOpinionGroup {
            id: g.id.clone(),
            summary: mask_personal_information(&g.summary),
            count,
            answer,
            representative,
        });
    }
    let hidden: u64 = hidden_by_reason.values().sum();
    let received = view.comments.len() as u64;
    FeedbackReport {
        consultation: ReportSubject {
            name: format!("consultations/{}", consultation.id),
            title: consultation.title.clone(),
            department: consultation.department.clone(),
            kind: term!(consultation.kind),
            catalogue_item: consultation.catalogue_item_label.clone(),
        },
        window: ReportWindow {
            opens_at: consultation.opens_at,
            original_closes_at: consultation.original_closes_at(),
            closes_at: consultation.closes_at,
            closed_at: consultation.closed_at,
            shortened: consultation.is_shortened(calendar),
            shortened_reason: consultation.shortened_reason.clone(),
            extensions: consultation
                .extensions
                .iter()
                .map(|e| ReportExtension {
                    previous_closes_at: e.previous_closes_at,
                    closes_at: e.closes_at,
                    reason: e.reason.clone(),
                })
                .collect(),
        },
        channels_offered: consultation.channels.iter().map(|c| term!(c)).collect(),
        channels_used: by_channel.keys().map(|c| term!(c)).collect(),
        meetings: meetings
            .iter()
            .map(|(ch, cats)| ReportMeeting {
                channel: term!(ch),
                opinions: cats.values().sum(),
                attendee_categories: counts(cats, |c| term!(c)),
            })
            .collect(),
        hearings: Vec::new(),
        held_meetings: Vec::new(),
        totals: ReportTotals {
            received,
            published: received - hidden,
            hidden,
            unanswered,
            by_channel: counts(&by_channel, |c| term!(c)),
            by_submitter_category: counts(&by_category, |c| term!(c)),
            by_outcome: counts(&by_outcome, |c| term!(c)),
            hidden_by_reason: counts(&hidden_by_reason, |c| term!(c)),
        },
        opinion_groups,
        comments,
        adopted_changes,
        answer_corrections: Vec::new(),
        decision: consultation.decision.as_ref().map(|d| ReportDecision {
            number: d.number.clone(),
            title: d.title.clone(),
            decided_on: d.decided_on,
            text_url: d.text_url.clone(),
        }),
        edition,
    }
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .expect("valid")
}

const CLAUSES: [&str; 3] = ["", "第五条", "第5条"];
const TEXTS: [&str; 4] = [
    "建议延长过渡期，联系电话13812345678",
    "我是张秀英，票价过高",
    "夜里没有公交 zhangsan@163.com",
    "同意",
];

fn answer(i: usize) -> Answer {
    let outcome = Outcome::ALL[i % Outcome::ALL.len()];
    Answer::parse(outcome, "与上位法不一致", "第五条改为六个月", "d").expect("answer")
}

/// Per comment: channel, category, action (0 none, 1 hide, 2 answer, 3 group), group, text.
type CommentSpec = (u8, u8, u8, u8, u8);

/// A random consultation: its comments, and which of the three groups are answered (bits).
fn world() -> impl Strategy<Value = (Vec<CommentSpec>, u8)> {
    (
        prop::collection::vec((0u8..8, 0u8..8, 0u8..5, 0u8..3, 0u8..12), 0..50),
        0u8..8,
    )
}

fn build_world(
    spec: &[CommentSpec],
    answered_groups: u8,
) -> (Consultation, DateTime<Utc>, Vec<Comment>, Vec<OpinionGroup>) {
    let (c, now) = closed(ConsultationKind::EnterprisePolicy);
    let mut groups: Vec<OpinionGroup> = (0..3)
        .map(|i| OpinionGroup::create(format!("g{i}"), &c, "集中意见：票价", "o", now).unwrap())
        .collect();
    for (i, g) in groups.iter_mut().enumerate() {
        if answered_groups & (1 << i) != 0 {
            g.answer(&c, answer(i + 1), "o", now).unwrap();
        }
    }
    let mut comments = Vec::new();
    for (i, (ch, cat, action, group, text)) in spec.iter().enumerate() {
        let channel = [Channel::Portal, Channel::Symposium, Channel::Letter][*ch as usize % 3];
        let category = SubmitterCategory::ALL[*cat as usize % SubmitterCategory::ALL.len()];
        let body = NewComment::parse(
            channel,
            category,
            CommentFields {
                content: TEXTS[*text as usize % TEXTS.len()],
                submitter_name: "张三",
                submitter_organization: if i % 3 == 0 { "某某协会" } else { "" },
                clause_reference: CLAUSES[*text as usize % CLAUSES.len()],
                ..Default::default()
            },
            (channel == Channel::Letter).then(|| at(10, 1)),
            *text % 2 == 0,
        )
        .expect("comment");
        let mut k = Comment {
            id: format!("k{i:03}"),
            consultation_id: "c1".into(),
            body,
            received_at: at(3, 1) + chrono::Duration::minutes(i as i64),
            receipt_code: format!("R{i}"),
            submitted_by: "portal".into(),
            request_id: format!("r{i}"),
            moderation: None,
            group_id: None,
            disposition: None,
            redactions: Vec::new(),
        };
        match action {
            1 => k.hide(&c, HideReason::ALL[i % 4], "", "o", now).unwrap(),
            2 => k.answer(&c, answer(i), "o", now).unwrap(),
            3 => k.join(&c, &groups[*group as usize], now).unwrap(),
            _ => {}
        }
        comments.push(k);
    }
    (c, now, comments, groups)
}

/// The canonical JSON assembled the way the store writes and serves it: part by part.
fn assembled(
    c: &Consultation,
    comments: &[Comment],
    groups: &[OpinionGroup],
    edition: ReportEdition,
) -> (String, String) {
    let view = AnsweringView { comments, groups };
    let tally = AnsweringTally::of(view);
    let layout = FeedbackReport::summary(c, &tally, groups, &Calendar::built_in(), edition)
        .represented_by(&super::first_members(comments))
        .layout();
    let index = view.group_index();
    let mut parts = vec![(PartKind::Frame, layout.head.clone())];
    for k in comments.iter().filter(|k| k.is_visible()) {
        let g = k.group_id.as_deref().and_then(|g| index.get(g).copied());
        parts.push((PartKind::Comment, entry_json(&published_comment(k, g))));
    }
    parts.push((PartKind::Frame, layout.between.clone()));
    for k in comments.iter().filter(|k| k.is_visible()) {
        let g = k.group_id.as_deref().and_then(|g| index.get(g).copied());
        if let Some(ch) = comment_adopted_change(k, g) {
            parts.push((PartKind::AdoptedChange, entry_json(&ch)));
        }
    }
    for ch in &layout.group_changes {
        parts.push((PartKind::AdoptedChange, entry_json(ch)));
    }
    parts.push((PartKind::Frame, layout.before_corrections.clone()));
    parts.push((PartKind::Frame, layout.tail.clone()));
    let mut hasher = CanonicalHasher::default();
    let mut text = String::new();
    for (kind, body) in &parts {
        text.push_str(hasher.push(*kind, body));
        text.push_str(body);
    }
    assert_eq!(hasher.bytes(), text.len() as u64);
    (text, hasher.finish())
}

proptest! {
    #[test]
    fn counted_and_streamed_report_equals_the_report_built_in_memory(
        (spec, answered_groups) in world(),
        version in 0u32..3,
    ) {
        let (c, now, comments, groups) = build_world(&spec, answered_groups);
        let edition = ReportEdition {
            version,
            published_at: (version > 0).then_some(now),
            correction_reason: if version > 1 { "更正".into() } else { String::new() },
        };
        let view = AnsweringView { comments: &comments, groups: &groups };
        let reference = reference_build(&c, view, &Calendar::built_in(), edition.clone());
        let built = FeedbackReport::build(&c, view, &Calendar::built_in(), edition.clone());
        prop_assert_eq!(&built, &reference);
        let (text, sha) = assembled(&c, &comments, &groups, edition);
        prop_assert_eq!(&text, &reference.canonical_json());
        prop_assert_eq!(sha, content_sha256(&text));
    }

    #[test]
    fn counted_progress_and_gate_equal_the_ones_of_every_comment((spec, answered_groups) in world()) {
        let (c, _, comments, groups) = build_world(&spec, answered_groups);
        let view = AnsweringView { comments: &comments, groups: &groups };
        let tally = AnsweringTally::of(view);
        prop_assert_eq!(tally.progress(), view.progress());
        prop_assert_eq!(tally.missing_for_deliberation(&c), view.missing_for_deliberation(&c));
    }

    #[test]
    fn a_bulk_answer_plan_equals_answering_each_chosen_comment(
        (spec, answered_groups) in world(),
        channel in prop::option::of(0u8..3),
        category in prop::option::of(0u8..8),
        clause in prop::option::of(0u8..3),
        only_unanswered in any::<bool>(),
    ) {
        let (c, now, comments, _) = build_world(&spec, answered_groups);
        let selection = Selection {
            channel: channel.map(|i| [Channel::Portal, Channel::Symposium, Channel::Letter][i as usize]),
            submitter_category: category.map(|i| SubmitterCategory::ALL[i as usize % SubmitterCategory::ALL.len()]),
            clause_reference: clause.map(|i| CLAUSES[i as usize].to_owned()),
            only_unanswered,
            query: None,
        };
        // The old rule, comment by comment.
        let mut expected = comments.clone();
        let mut answered = Vec::new();
        for k in expected.iter_mut() {
            let chosen = selection.channel.is_none_or(|x| k.body.channel == x)
                && selection.submitter_category.is_none_or(|x| k.body.submitter_category == x)
                // CLAUSES: no clause, then article 5 written two ways.
                && clause.is_none_or(|i| i == 0 || !k.body.clause_reference.is_empty())
                && k.check_answerable().is_ok()
                && !(only_unanswered && k.disposition.is_some());
            if chosen {
                k.answer(&c, answer(0), "o", now).unwrap();
                answered.push(k.id.clone());
            }
        }
        let plan = c.bulk_answer(CommentTarget::Selected(selection), &[], answer(0), "o", now).unwrap();
        let mut got = comments.clone();
        let affected = plan.apply(&mut got);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(affected.count, answered.len() as u64);
        let mut digest = crate::answering::bulk::AffectedDigest::default();
        for id in &answered { digest.push(id); }
        prop_assert_eq!(affected, digest.finish());
    }
}

#[test]
fn a_listed_bulk_answer_is_all_or_nothing() {
    let (c, now, comments, _) =
        build_world(&[(0, 0, 0, 0, 0), (0, 0, 1, 0, 0), (0, 0, 3, 1, 0)], 0);
    let ids: Vec<String> = comments.iter().map(|k| k.id.clone()).collect();
    let refused = c
        .bulk_answer(CommentTarget::Listed(ids), &comments, answer(0), "o", now)
        .unwrap_err();
    let rules: Vec<&str> = match &refused {
        crate::DomainError::FailedPrecondition(v) => v.iter().map(|r| r.rule).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(rules, ["COMMENT_HIDDEN", "IN_OPINION_GROUP"]);
    let missing = c
        .bulk_answer(
            CommentTarget::Listed(vec!["k000".into(), "nope".into()]),
            &comments[..1],
            answer(0),
            "o",
            now,
        )
        .unwrap_err();
    assert!(
        matches!(missing, crate::DomainError::NotFound { .. }),
        "{missing:?}"
    );
    let plan = c
        .bulk_answer(
            CommentTarget::Listed(vec!["k000".into()]),
            &comments[..1],
            answer(0),
            "o",
            now,
        )
        .unwrap();
    let mut got = comments.clone();
    assert_eq!(plan.apply(&mut got).count, 1);
    assert!(got[0].disposition.is_some() && got[1].disposition.is_none());
}
