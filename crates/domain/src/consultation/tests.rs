use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::comment::{CommentFields, NewComment, SubmitterCategory};
use crate::window::{end_of_local_day, local};

fn complete_draft(now: DateTime<Utc>) -> Consultation {
    Consultation::create(
        "c1".into(),
        "fgw".into(),
        ConsultationKind::EnterprisePolicy,
        DraftChanges {
            title: Some("关于促进民营经济发展的若干措施（征求意见稿）".into()),
            draft_text: Some("第一条 为了……".into()),
            basis: Some("《优化营商环境条例》".into()),
            channels: Some(vec![Channel::Portal, Channel::Letter]),
            ..Default::default()
        },
        "officer-1",
        now,
    )
    .expect("valid draft")
}

fn rule_of(e: &DomainError) -> Vec<&'static str> {
    match e {
        DomainError::FailedPrecondition(v) => v.iter().map(|r| r.rule).collect(),
        other => panic!("expected a failed precondition, got {other:?}"),
    }
}

fn portal_comment() -> NewComment {
    NewComment::parse(
        Channel::Portal,
        SubmitterCategory::Citizen,
        CommentFields {
            content: "建议延长过渡期。",
            ..Default::default()
        },
        None,
        false,
    )
    .expect("valid comment")
}

fn letter(postmark: DateTime<Utc>) -> NewComment {
    NewComment::parse(
        Channel::Letter,
        SubmitterCategory::Enterprise,
        CommentFields {
            content: "来信意见",
            ..Default::default()
        },
        Some(postmark),
        false,
    )
    .expect("valid letter")
}

#[test]
fn create_needs_a_title() {
    let e = Consultation::create(
        "c".into(),
        "fgw".into(),
        ConsultationKind::Plan,
        DraftChanges {
            title: Some("   ".into()),
            ..Default::default()
        },
        "o",
        Utc::now(),
    )
    .unwrap_err();
    assert!(matches!(e, DomainError::InvalidArgument(v) if v[0].field == "consultation.title"));
}

#[test]
fn publish_without_times_opens_now_and_closes_at_the_earliest_lawful_close() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    c.publish(now, &Calendar::built_in()).expect("publishable");
    assert_eq!(c.opens_at, Some(now));
    assert_eq!(c.closes_at, Some(local("2026-04-02 00:00")));
    assert_eq!(c.state(now), ConsultationState::Open);
    assert!(!c.is_shortened(&Calendar::built_in()));
}

#[test]
fn publish_lists_every_missing_material() {
    let now = local("2026-03-02 10:00");
    let mut c = Consultation::create(
        "c".into(),
        "fgw".into(),
        ConsultationKind::Plan,
        DraftChanges {
            title: Some("规划".into()),
            ..Default::default()
        },
        "o",
        now,
    )
    .unwrap();
    let e = c.publish(now, &Calendar::built_in()).unwrap_err();
    assert_eq!(
        rule_of(&e),
        ["MATERIAL_MISSING", "MATERIAL_MISSING", "MATERIAL_MISSING"]
    );
    assert_eq!(c.stored_state, ConsultationState::Draft);
}

#[test]
fn a_29_day_window_needs_a_reason_before_publication() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    c.update(
        DraftChanges {
            closes_at: Some(Some(local("2026-03-31 00:00"))),
            ..Default::default()
        },
        now,
    )
    .unwrap();
    let e = c.publish(now, &Calendar::built_in()).unwrap_err();
    assert_eq!(rule_of(&e), ["WINDOW_TOO_SHORT"]);
    assert!(e.to_string().contains("2026-04-01 24:00"), "{e}");
    c.update(
        DraftChanges {
            shortened_reason: Some("防汛形势紧急，需尽快出台".into()),
            ..Default::default()
        },
        now,
    )
    .unwrap();
    c.publish(now, &Calendar::built_in())
        .expect("shortened with reason");
    assert!(c.is_shortened(&Calendar::built_in()));
    // The reason cannot be changed or added once published.
    let e = c
        .update(
            DraftChanges {
                shortened_reason: Some("另一个理由".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap_err();
    assert_eq!(rule_of(&e), ["NOT_A_DRAFT"]);
}

#[test]
fn a_reason_of_punctuation_only_does_not_count() {
    assert!(!is_meaningful("……"));
    assert!(!is_meaningful(" 。 "));
    assert!(is_meaningful("紧急"));
}

#[test]
fn the_earliest_close_itself_is_lawful_and_one_second_less_is_not() {
    let now = local("2025-09-01 09:00");
    let mut ok = complete_draft(now);
    ok.closes_at = Some(end_of_local_day("2025-10-09".parse().unwrap()));
    ok.publish(now, &Calendar::built_in()).expect("lawful");
    let mut short = complete_draft(now);
    short.closes_at = Some(end_of_local_day("2025-10-09".parse().unwrap()) - Duration::seconds(1));
    assert_eq!(
        rule_of(&short.publish(now, &Calendar::built_in()).unwrap_err()),
        ["WINDOW_TOO_SHORT"]
    );
}

#[test]
fn opens_at_in_the_past_is_refused_beyond_a_small_grace() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    c.opens_at = Some(now - Duration::hours(1));
    assert_eq!(
        rule_of(&c.publish(now, &Calendar::built_in()).unwrap_err()),
        ["OPENS_AT_IN_PAST"]
    );
    c.opens_at = Some(now - Duration::seconds(30));
    c.publish(now, &Calendar::built_in()).expect("within grace");
    assert_eq!(c.opens_at, Some(now));
}

#[test]
fn scheduled_turns_open_by_time_alone() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    c.opens_at = Some(local("2026-03-05 09:00"));
    c.publish(now, &Calendar::built_in()).unwrap();
    assert_eq!(c.state(now), ConsultationState::Scheduled);
    assert_eq!(c.state(local("2026-03-05 09:00")), ConsultationState::Open);
    assert!(c.is_public());
}

#[test]
fn unknown_calendar_year_publishes_with_a_warning() {
    let now = local("2026-12-10 10:00");
    let mut c = complete_draft(now);
    c.publish(now, &Calendar::built_in()).unwrap();
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].contains("2027"));
}

#[test]
fn extension_moves_later_only_with_a_reason_while_running() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    c.publish(now, &Calendar::built_in()).unwrap();
    let first = c.closes_at.unwrap();
    let e = c
        .extend(first - Duration::days(1), "延期", "o", now)
        .unwrap_err();
    assert_eq!(rule_of(&e), ["EXTENSION_NOT_LATER"]);
    assert!(matches!(
        c.extend(first + Duration::days(7), "", "o", now),
        Err(DomainError::InvalidArgument(_))
    ));
    c.extend(
        first + Duration::days(7),
        "收到大量意见，延长一周",
        "o",
        now,
    )
    .unwrap();
    assert_eq!(c.closes_at, Some(first + Duration::days(7)));
    assert_eq!(c.original_closes_at(), Some(first));
    assert_eq!(c.extensions.len(), 1);
    let after = first + Duration::days(8);
    assert_eq!(
        rule_of(
            &c.extend(after + Duration::days(1), "再延期", "o", after)
                .unwrap_err()
        ),
        ["WINDOW_ENDED"]
    );
}

#[test]
fn no_early_close() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    c.publish(now, &Calendar::built_in()).unwrap();
    let closes_at = c.closes_at.unwrap();
    let e = c.close(closes_at - Duration::seconds(1)).unwrap_err();
    assert_eq!(rule_of(&e), ["NO_EARLY_CLOSE"]);
    c.close(closes_at).unwrap();
    assert_eq!(c.state(closes_at), ConsultationState::Closed);
    assert_eq!(rule_of(&c.close(closes_at).unwrap_err()), ["NOT_OPEN"]);
}

#[test]
fn withdraw_needs_a_reason_and_a_withdrawable_state() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    assert!(matches!(
        c.withdraw(" ", now),
        Err(DomainError::InvalidArgument(_))
    ));
    c.withdraw("上级政策调整，暂缓出台", now).unwrap();
    assert_eq!(c.state(now), ConsultationState::Withdrawn);
    assert!(!c.is_public());
    assert_eq!(
        rule_of(&c.withdraw("再次撤回", now).unwrap_err()),
        ["CANNOT_WITHDRAW"]
    );
}

#[test]
fn the_public_is_invited_on_an_offered_channel_only_while_the_window_is_open() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    assert!(!c.takes_comments_on(Channel::Portal, now), "a draft");
    c.opens_at = Some(local("2026-03-03 00:00"));
    c.publish(now, &Calendar::built_in()).unwrap();
    assert!(!c.takes_comments_on(Channel::Portal, now), "scheduled");
    let open = local("2026-03-03 00:00");
    assert!(c.takes_comments_on(Channel::Portal, open));
    let offered = Channel::ALL.iter().filter(|ch| c.channels.contains(ch));
    assert!(offered.clone().all(|ch| c.takes_comments_on(*ch, open)));
    for ch in Channel::ALL.iter().filter(|ch| !c.channels.contains(ch)) {
        assert!(!c.takes_comments_on(*ch, open), "{ch:?} is not offered");
    }
    let closes_at = c.closes_at.unwrap();
    assert!(c.takes_comments_on(Channel::Portal, closes_at - Duration::seconds(1)));
    // Past the window, before the formal close: late letters are still taken, none invited.
    assert!(!c.takes_comments_on(Channel::Portal, closes_at));
    assert!(!c.takes_comments_on(Channel::Letter, closes_at + Duration::days(1)));
}

#[test]
fn comments_only_while_open_and_letters_by_postmark_until_formal_close() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    assert_eq!(
        rule_of(&c.accepts_comment(&portal_comment(), now).unwrap_err()),
        ["NOT_OPEN"]
    );
    c.opens_at = Some(local("2026-03-03 00:00"));
    c.publish(now, &Calendar::built_in()).unwrap();
    // Scheduled.
    let e = c.accepts_comment(&portal_comment(), now).unwrap_err();
    assert_eq!(rule_of(&e), ["NOT_OPEN"]);
    assert!(e.to_string().contains("征求意见期为"), "{e}");
    let closes_at = c.closes_at.unwrap();
    c.accepts_comment(&portal_comment(), local("2026-03-03 00:00"))
        .unwrap();
    c.accepts_comment(&portal_comment(), closes_at - Duration::seconds(1))
        .unwrap();
    assert_eq!(
        rule_of(&c.accepts_comment(&portal_comment(), closes_at).unwrap_err()),
        ["OUTSIDE_WINDOW"]
    );
    // A letter posted inside the window, entered after closes_at but before the formal close.
    let later = closes_at + Duration::days(3);
    c.accepts_comment(&letter(closes_at - Duration::hours(2)), later)
        .unwrap();
    assert_eq!(
        rule_of(&c.accepts_comment(&letter(closes_at), later).unwrap_err()),
        ["OUTSIDE_WINDOW"]
    );
    assert!(matches!(
        c.accepts_comment(&letter(later + Duration::days(1)), later),
        Err(DomainError::InvalidArgument(_))
    ));
    c.close(later).unwrap();
    assert_eq!(
        rule_of(
            &c.accepts_comment(&letter(closes_at - Duration::hours(2)), later)
                .unwrap_err()
        ),
        ["NOT_OPEN"]
    );
}

#[test]
fn a_channel_not_offered_is_refused() {
    let now = local("2026-03-02 10:00");
    let mut c = complete_draft(now);
    c.channels = vec![Channel::Letter];
    c.publish(now, &Calendar::built_in()).unwrap();
    assert_eq!(
        rule_of(&c.accepts_comment(&portal_comment(), now).unwrap_err()),
        ["CHANNEL_NOT_OFFERED"]
    );
}

/// An operation a test may apply at some moment of the lifecycle.
#[derive(Debug, Clone)]
enum Op {
    Wait(i64),
    Publish,
    Extend(i64),
    Close,
    Withdraw,
    Update,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0i64..40 * 86_400).prop_map(Op::Wait),
        Just(Op::Publish),
        (-86_400i64..30 * 86_400).prop_map(Op::Extend),
        Just(Op::Close),
        Just(Op::Withdraw),
        Just(Op::Update),
    ]
}

proptest! {
    /// Whatever sequence of operations is tried, the lifecycle's invariants hold.
    #[test]
    fn lifecycle_invariants(ops in prop::collection::vec(op(), 1..30), start in 1_600_000_000i64..1_780_000_000i64) {
        let cal = Calendar::built_in();
        let mut now = DateTime::from_timestamp(start, 0).unwrap();
        let mut c = complete_draft(now);
        for op in ops {
            let before = c.clone();
            let result = match op {
                Op::Wait(s) => { now += Duration::seconds(s); Ok(()) }
                Op::Publish => c.publish(now, &cal),
                Op::Extend(s) => {
                    let to = c.closes_at.unwrap_or(now) + Duration::seconds(s);
                    c.extend(to, "情况需要", "o", now)
                }
                Op::Close => c.close(now),
                Op::Withdraw => c.withdraw("政策调整", now),
                Op::Update => c.update(DraftChanges { title: Some("新标题".into()), ..Default::default() }, now),
            };
            if result.is_err() {
                // A refused operation changes nothing.
                prop_assert_eq!(&c, &before);
            }
            if c.is_public() {
                let (o, cl) = (c.opens_at.unwrap(), c.closes_at.unwrap());
                prop_assert!(cl > o);
                // Published windows are lawful unless a reason was given before publication.
                if c.shortened_reason.is_empty() {
                    prop_assert!(c.original_closes_at().unwrap() >= crate::window::earliest_close(o, &cal).closes_at);
                }
                // closes_at only ever moves later.
                let mut prev = c.original_closes_at().unwrap();
                for e in &c.extensions {
                    prop_assert_eq!(e.previous_closes_at, prev);
                    prop_assert!(e.closes_at > prev);
                    prev = e.closes_at;
                }
                prop_assert_eq!(prev, cl);
            }
            if let Some(closed) = c.closed_at {
                prop_assert!(closed >= c.closes_at.unwrap());
            }
            if c.stored_state == ConsultationState::Draft {
                prop_assert!(!c.is_public());
            }
        }
    }
}
