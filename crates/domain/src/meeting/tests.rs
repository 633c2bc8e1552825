use super::*;
use crate::DraftChanges;
use crate::representative::Representative;
use crate::window::local;
use crate::{ConsultationKind, comment::CommentFields};

/// A consultation published on 2 March 2026 and open until 1 April.
fn open_consultation() -> Consultation {
    let now = local("2026-03-02 10:00");
    let mut c = Consultation::create(
        "c1".into(),
        "fgw".into(),
        ConsultationKind::EnterprisePolicy,
        DraftChanges {
            title: Some("关于促进民营经济发展的若干措施（征求意见稿）".into()),
            draft_text: Some("第一条 为了……".into()),
            basis: Some("《优化营商环境条例》".into()),
            channels: Some(vec![Channel::Portal, Channel::Symposium]),
            ..Default::default()
        },
        "officer-1",
        now,
    )
    .expect("valid draft");
    c.publish(now, &crate::Calendar::empty())
        .expect("published");
    c
}

fn symposium(held: &str) -> MeetingRecord {
    MeetingRecord {
        kind: MeetingKind::Symposium,
        held_at: local(held),
        title: "民营企业代表座谈会".into(),
        attendees: vec![
            Attendees {
                category: SubmitterCategory::Enterprise,
                count: 8,
                consented_names: vec!["赵经理".into()],
                representatives: Vec::new(),
            },
            Attendees {
                category: SubmitterCategory::IndustryAssociation,
                count: 2,
                consented_names: Vec::new(),
                representatives: Vec::new(),
            },
        ],
        opinions_summary: String::new(),
        handling: String::new(),
        register: Vec::new(),
    }
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
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

#[test]
fn a_symposium_is_recorded_after_it_is_held_and_its_opinions_are_comments_linked_to_it() {
    let c = open_consultation();
    let now = local("2026-03-10 17:00");
    let early = Meeting::record(
        &c,
        "m1".into(),
        symposium("2026-03-11 09:00"),
        "officer-1",
        now,
    )
    .unwrap_err();
    assert_eq!(fields(&early), ["meeting.held_at"]);
    let m = Meeting::record(
        &c,
        "m1".into(),
        symposium("2026-03-10 09:00"),
        "officer-1",
        now,
    )
    .unwrap();
    assert_eq!(m.attendance(), 10);
    assert_eq!(m.name(), "consultations/c1/meetings/m1");
    m.admit_opinion(&c, now).unwrap();
    let voiced = NewComment::parse(
        Channel::Symposium,
        SubmitterCategory::Enterprise,
        CommentFields {
            content: "建议提高首贷贴息比例",
            ..Default::default()
        },
        None,
        false,
    )
    .unwrap();
    assert_eq!(
        m.opinion(voiced.clone()).unwrap().meeting.as_deref(),
        Some("consultations/c1/meetings/m1")
    );
    let mut portal = voiced;
    portal.channel = Channel::Portal;
    assert_eq!(fields(&m.opinion(portal).unwrap_err()), ["comment.channel"]);
}

#[test]
fn attendees_are_counted_by_category_and_names_only_as_many_as_attended() {
    let c = open_consultation();
    let mut r = symposium("2026-03-10 09:00");
    r.attendees[1].consented_names = vec!["甲".into(), "乙".into(), "丙".into()];
    r.attendees.push(Attendees {
        category: SubmitterCategory::Enterprise,
        count: 1,
        consented_names: Vec::new(),
        representatives: Vec::new(),
    });
    let e =
        Meeting::record(&c, "m1".into(), r, "officer-1", local("2026-03-10 17:00")).unwrap_err();
    assert_eq!(
        fields(&e),
        [
            "meeting.attendees[1].consented_names",
            "meeting.attendees[2].category"
        ]
    );
    let mut none = symposium("2026-03-10 09:00");
    none.attendees.clear();
    let e = Meeting::record(
        &c,
        "m1".into(),
        none,
        "officer-1",
        local("2026-03-10 17:00"),
    )
    .unwrap_err();
    assert_eq!(fields(&e), ["meeting.attendees"]);
}

#[test]
fn the_decision_meeting_comes_after_the_gate_with_its_opinions_and_their_handling() {
    let c = open_consultation();
    let attended = MeetingRecord {
        kind: MeetingKind::DecisionMeeting,
        held_at: local("2026-03-10 09:00"),
        title: "市政府第12次常务会议".into(),
        attendees: vec![Attendees {
            category: SubmitterCategory::Citizen,
            count: 2,
            consented_names: Vec::new(),
            representatives: Vec::new(),
        }],
        opinions_summary: String::new(),
        handling: String::new(),
        register: Vec::new(),
    };
    let e = Meeting::record(
        &c,
        "m2".into(),
        attended.clone(),
        "officer-1",
        local("2026-03-10 17:00"),
    )
    .unwrap_err();
    assert_eq!(fields(&e), ["meeting.opinions_summary", "meeting.handling"]);
    let described = MeetingRecord {
        opinions_summary: "市民代表建议设置过渡期".into(),
        handling: "采纳，增设六个月过渡期".into(),
        ..attended
    };
    // While the consultation is open it is too early for the decision meeting.
    let e = Meeting::record(
        &c,
        "m2".into(),
        described.clone(),
        "officer-1",
        local("2026-03-10 17:00"),
    )
    .unwrap_err();
    assert_eq!(rules(&e), ["MEETING_OUT_OF_STAGE"]);
    let mut ready = c;
    ready.stored_state = ConsultationState::ReadyForDeliberation;
    let now = local("2026-04-10 17:00");
    let m = Meeting::record(&ready, "m2".into(), described, "officer-1", now).unwrap();
    assert_eq!(m.handling, "采纳，增设六个月过渡期");
    assert_eq!(
        rules(&m.admit_opinion(&ready, now).unwrap_err()),
        ["MEETING_TAKES_NO_COMMENTS"]
    );
    // A symposium after the gate is too late: its opinions could no longer be answered.
    assert_eq!(
        rules(
            &Meeting::record(
                &ready,
                "m3".into(),
                symposium("2026-04-09 09:00"),
                "officer-1",
                now
            )
            .unwrap_err()
        ),
        ["MEETING_OUT_OF_STAGE"]
    );
}

#[test]
fn representatives_attending_come_from_the_register_active_and_in_their_category() {
    let c = open_consultation();
    let now = local("2026-03-10 17:00");
    let register: Vec<Representative> = [
        ("r1", SubmitterCategory::Enterprise, true),
        ("r2", SubmitterCategory::Deputy, true),
        ("r3", SubmitterCategory::Enterprise, false),
    ]
    .into_iter()
    .map(|(id, category, active)| {
        let mut r =
            Representative::register("fgw", id.into(), category, "某", "", "officer-1", now)
                .unwrap();
        r.set_active(active, now);
        r
    })
    .collect();
    let with = |ids: &[&str]| {
        let mut r = symposium("2026-03-10 09:00");
        r.attendees[0].representatives = ids.iter().map(|s| (*s).to_owned()).collect();
        r.register = register.clone();
        r
    };
    let m = Meeting::record(&c, "m1".into(), with(&["r1"]), "officer-1", now).unwrap();
    assert_eq!(m.attendees[0].representatives, ["r1"]);
    for (ids, why) in [
        (vec!["r9"], "not in the register"),
        (vec!["r3"], "inactive"),
        (vec!["r2"], "of another category"),
        (vec!["r1", "r1"], "listed twice"),
    ] {
        let e = Meeting::record(&c, "m1".into(), with(&ids), "officer-1", now).unwrap_err();
        assert_eq!(
            fields(&e),
            ["meeting.attendees[0].representatives"],
            "{ids:?}"
        );
        assert!(e.to_string().contains(why), "{ids:?}: {e}");
    }
}
