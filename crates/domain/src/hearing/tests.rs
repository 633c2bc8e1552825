use super::*;
use crate::DraftChanges;
use crate::comment::Channel;
use crate::window::local;

fn consultation(kind: ConsultationKind, now: DateTime<Utc>) -> Consultation {
    Consultation::create(
        "c1".into(),
        "sfj".into(),
        kind,
        DraftChanges {
            title: Some("某市养犬管理规定（征求意见稿）".into()),
            draft_text: Some("第一条 为了……".into()),
            basis: Some("《某市养犬管理条例》".into()),
            channels: Some(vec![Channel::Portal, Channel::Hearing]),
            ..Default::default()
        },
        "officer-1",
        now,
    )
    .expect("valid draft")
}

fn plan(held_at: DateTime<Utc>) -> HearingPlan {
    HearingPlan {
        held_at,
        place: "市政府第一会议室".into(),
        matters: "犬只登记收费标准".into(),
        selection_method: "自愿报名，按类别随机抽取".into(),
    }
}

fn rules(e: &DomainError) -> Vec<&'static str> {
    match e {
        DomainError::FailedPrecondition(v) => v.iter().map(|r| r.rule).collect(),
        other => panic!("expected a failed precondition, got {other:?}"),
    }
}

/// A hearing on a rule's draft held at `held`, planned at `now`.
fn rule_hearing(held: &str, now: DateTime<Utc>) -> (Consultation, Hearing) {
    let c = consultation(ConsultationKind::Rule, now);
    let h = Hearing::plan(&c, "h1".into(), plan(local(held)), now).expect("planned");
    (c, h)
}

#[test]
fn a_rules_notice_thirty_days_ahead_is_in_time_and_a_day_later_is_not_golden_week_included() {
    // Hearing on Friday 9 October 2026, after the National Day holiday (1-7 October): the
    // days off count like any other.
    let (c, mut h) = rule_hearing("2026-10-09 09:30", local("2026-08-20 10:00"));
    let late = h
        .clone()
        .publish_notice(&c, local("2026-09-10 09:00"))
        .unwrap_err();
    assert_eq!(rules(&late), ["HEARING_NOTICE_TOO_LATE"]);
    let said = late.to_string();
    assert!(said.contains("2026年9月9日"), "{said}");
    assert!(said.contains("2026年10月10日"), "{said}");
    h.publish_notice(&c, local("2026-09-09 23:50"))
        .expect("30 days before");
    assert_eq!(h.stage(local("2026-09-10 00:00")), HearingStage::Announced);
}

#[test]
fn a_notice_on_a_day_off_counts_on_that_day() {
    // Sunday 4 October 2026, within the holiday: 30 days before Tuesday 3 November.
    let (c, mut h) = rule_hearing("2026-11-03 14:00", local("2026-09-01 10:00"));
    h.publish_notice(&c, local("2026-10-04 11:00"))
        .expect("a holiday is a day like any other");
    let (c, mut h) = rule_hearing("2026-11-02 14:00", local("2026-09-01 10:00"));
    assert_eq!(
        rules(&h.publish_notice(&c, local("2026-10-04 11:00")).unwrap_err()),
        ["HEARING_NOTICE_TOO_LATE"]
    );
}

#[test]
fn other_drafts_need_the_notice_only_before_the_hearing() {
    let now = local("2026-05-06 09:00");
    let c = consultation(ConsultationKind::MajorDecision, now);
    let mut h = Hearing::plan(&c, "h1".into(), plan(local("2026-05-20 09:00")), now).unwrap();
    h.publish_notice(&c, local("2026-05-19 09:00"))
        .expect("a major decision: before the hearing is enough");
    let mut late = Hearing::plan(&c, "h2".into(), plan(local("2026-05-20 09:00")), now).unwrap();
    assert_eq!(
        rules(
            &late
                .publish_notice(&c, local("2026-05-20 09:00"))
                .unwrap_err()
        ),
        ["HEARING_ALREADY_HELD"]
    );
    assert_eq!(
        rules(&h.publish_notice(&c, local("2026-05-19 10:00")).unwrap_err()),
        ["NOTICE_ALREADY_PUBLISHED"]
    );
}

#[test]
fn materials_seven_days_ahead_are_in_time_six_are_not_across_the_spring_festival() {
    // Spring Festival 2026: 15-23 February off. Hearing on Wednesday 25 February.
    let (c, mut h) = rule_hearing("2026-02-25 09:00", local("2026-01-05 09:00"));
    h.publish_notice(&c, local("2026-01-06 09:00")).unwrap();
    h.add_participant(
        SubmitterCategory::Citizen,
        "张三",
        local("2026-01-07 09:00"),
    )
    .unwrap();
    h.add_participant(
        SubmitterCategory::Enterprise,
        "李四",
        local("2026-01-07 09:00"),
    )
    .unwrap();
    let now = local("2026-02-24 09:00");
    // Delivered on 19 February (a holiday), 6 days before: too late.
    let e = h
        .record_materials_delivered("1", local("2026-02-19 16:00"), now)
        .unwrap_err();
    assert_eq!(rules(&e), ["MATERIALS_TOO_LATE"]);
    assert!(e.to_string().contains("2026年2月18日"), "{e}");
    assert_eq!(h.participants[0].materials_delivered_at, None);
    // Delivered on 18 February (also a holiday), 7 days before: in time.
    h.record_materials_delivered("1", local("2026-02-18 16:00"), now)
        .expect("7 days before");
    assert!(matches!(
        h.record_materials_delivered("2", local("2026-02-26 09:00"), now),
        Err(DomainError::InvalidArgument(_))
    ));
    assert!(matches!(
        h.record_materials_delivered("p9", local("2026-02-01 09:00"), now),
        Err(DomainError::NotFound { .. })
    ));
}

#[test]
fn the_participant_list_follows_the_notice_and_closes_the_list() {
    let (c, mut h) = rule_hearing("2026-06-30 09:00", local("2026-05-01 09:00"));
    let now = local("2026-05-02 09:00");
    assert_eq!(
        rules(&h.publish_participants(now).unwrap_err()),
        ["NOTICE_NOT_PUBLISHED"]
    );
    h.publish_notice(&c, now).unwrap();
    assert_eq!(
        rules(&h.publish_participants(now).unwrap_err()),
        ["NO_PARTICIPANTS"]
    );
    assert!(matches!(
        h.add_participant(SubmitterCategory::Citizen, "  ", now),
        Err(DomainError::InvalidArgument(_))
    ));
    h.add_participant(SubmitterCategory::Expert, "王五", now)
        .unwrap();
    h.publish_participants(now).unwrap();
    assert_eq!(h.stage(now), HearingStage::ParticipantsPublished);
    assert_eq!(
        rules(
            &h.add_participant(SubmitterCategory::Media, "赵六", now)
                .unwrap_err()
        ),
        ["PARTICIPANTS_ALREADY_PUBLISHED"]
    );
}

/// A rule hearing on 30 June 2026 prepared in full, two participants, held.
fn prepared() -> (Consultation, Hearing) {
    let (c, mut h) = rule_hearing("2026-06-30 09:00", local("2026-05-01 09:00"));
    let now = local("2026-05-02 09:00");
    h.publish_notice(&c, now).unwrap();
    for (cat, name) in [
        (SubmitterCategory::Citizen, "张三"),
        (SubmitterCategory::Enterprise, "李四"),
    ] {
        h.add_participant(cat, name, now).unwrap();
    }
    h.publish_participants(now).unwrap();
    for id in ["1", "2"] {
        h.record_materials_delivered(id, local("2026-06-01 10:00"), local("2026-06-02 10:00"))
            .unwrap();
    }
    (c, h)
}

#[test]
fn the_record_comes_after_the_hearing_and_every_participant_confirms_it() {
    let (_, mut h) = prepared();
    assert_eq!(
        rules(
            &h.enter_record("笔录", "officer-1", local("2026-06-29 09:00"))
                .unwrap_err()
        ),
        ["HEARING_NOT_HELD"]
    );
    let after = local("2026-06-30 12:00");
    assert_eq!(h.stage(after), HearingStage::Held);
    assert_eq!(
        rules(&h.confirm_record("1", after).unwrap_err()),
        ["NO_RECORD"]
    );
    h.enter_record("听证笔录：……", "officer-1", after).unwrap();
    h.enter_record("听证笔录（更正）：……", "officer-1", after)
        .expect("corrected before anyone confirms");
    h.confirm_record("1", after).unwrap();
    assert_eq!(h.stage(after), HearingStage::Recorded);
    assert!(!h.is_confirmed());
    assert_eq!(
        rules(&h.enter_record("再改", "officer-1", after).unwrap_err()),
        ["RECORD_CONFIRMED"]
    );
    assert_eq!(
        rules(&h.confirm_record("1", after).unwrap_err()),
        ["ALREADY_CONFIRMED"]
    );
    h.confirm_record("2", after).unwrap();
    assert!(h.is_confirmed());
    assert_eq!(h.stage(after), HearingStage::Confirmed);
}

#[test]
fn a_record_needs_every_step_before_it_and_names_each_one_missing() {
    let (_, mut h) = rule_hearing("2026-06-30 09:00", local("2026-05-01 09:00"));
    h.add_participant(
        SubmitterCategory::Citizen,
        "张三",
        local("2026-05-02 09:00"),
    )
    .unwrap();
    let e = h
        .enter_record("笔录", "officer-1", local("2026-06-30 12:00"))
        .unwrap_err();
    assert_eq!(
        rules(&e),
        [
            "NOTICE_NOT_PUBLISHED",
            "PARTICIPANTS_NOT_PUBLISHED",
            "MATERIALS_NOT_DELIVERED"
        ]
    );
    assert!(!e.to_string().contains("张三"), "names stay private: {e}");
}

#[test]
fn the_gate_waits_for_a_confirmed_record_when_the_catalogue_requires_a_hearing() {
    let after = local("2026-07-01 09:00");
    assert_eq!(hearing_gate("c1", false, &[], after), None);
    let none = hearing_gate("c1", true, &[], after).expect("missing");
    assert_eq!(none.rule, "HEARING_REQUIRED");
    assert_eq!(none.subject, "consultations/c1");

    let (_, mut h) = prepared();
    let held = hearing_gate("c1", true, std::slice::from_ref(&h), after).expect("missing");
    assert!(held.description.contains("笔录尚未录入"), "{held:?}");
    h.enter_record("笔录", "officer-1", after).unwrap();
    h.confirm_record("1", after).unwrap();
    let unconfirmed = hearing_gate("c1", true, std::slice::from_ref(&h), after).expect("missing");
    assert_eq!(unconfirmed.subject, "consultations/c1/hearings/h1");
    assert!(
        unconfirmed.description.contains("2（企业）"),
        "{unconfirmed:?}"
    );
    assert!(!unconfirmed.description.contains("李四"));
    h.confirm_record("2", after).unwrap();
    assert_eq!(hearing_gate("c1", true, &[h], after), None);
}

#[test]
fn planning_checks_every_field_and_the_consultations_stage() {
    let now = local("2026-05-01 09:00");
    let c = consultation(ConsultationKind::Rule, now);
    let e = Hearing::plan(
        &c,
        "h".into(),
        HearingPlan {
            held_at: now,
            place: " ".into(),
            matters: "事".repeat(HEARING_TEXT_MAX_CHARS + 1),
            selection_method: "抽签".into(),
        },
        now,
    )
    .unwrap_err();
    let DomainError::InvalidArgument(fields) = e else {
        panic!("expected invalid fields, got {e:?}");
    };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, ["place", "matters", "held_at"]);
}

#[test]
fn a_hearing_whose_time_came_without_a_notice_lapsed_and_takes_no_opinions() {
    let (c, h) = rule_hearing("2026-06-30 09:00", local("2026-05-01 09:00"));
    let after = local("2026-06-30 12:00");
    assert_eq!(h.stage(after), HearingStage::Lapsed);
    assert_eq!(
        rules(&h.admit_opinion(&c, after).unwrap_err()),
        ["NOTICE_NOT_PUBLISHED"]
    );
    // The gate names the hearing that got furthest, never a lapsed one over a held one.
    let (_, held) = prepared();
    let gate = hearing_gate("c1", true, &[h, held], after).expect("missing");
    assert_eq!(gate.subject, "consultations/c1/hearings/h1");
    assert!(gate.description.contains("笔录尚未录入"), "{gate:?}");
}

#[test]
fn opinions_are_taken_once_the_hearing_is_held_on_its_channel_and_linked_to_it() {
    let (c, h) = prepared();
    assert_eq!(
        rules(&h.admit_opinion(&c, local("2026-06-29 09:00")).unwrap_err()),
        ["HEARING_NOT_HELD"]
    );
    h.admit_opinion(&c, local("2026-06-30 12:00"))
        .expect("held, window or not");
    let fields = crate::comment::CommentFields {
        content: "建议降低犬只登记费用",
        ..Default::default()
    };
    let voiced = NewComment::parse(
        Channel::Hearing,
        SubmitterCategory::Citizen,
        fields.clone(),
        None,
        false,
    )
    .unwrap();
    let linked = h.opinion(voiced).unwrap();
    assert_eq!(
        linked.meeting.as_deref(),
        Some("consultations/c1/hearings/h1")
    );
    let sent_in = NewComment::parse(
        Channel::Portal,
        SubmitterCategory::Citizen,
        fields,
        None,
        false,
    )
    .unwrap();
    assert!(matches!(
        h.opinion(sent_in),
        Err(DomainError::InvalidArgument(v)) if v[0].field == "comment.channel"
    ));
}

#[test]
fn the_public_reads_a_hearing_from_its_notice_without_names_or_record() {
    let (c, mut h) = rule_hearing("2026-06-30 09:00", local("2026-05-01 09:00"));
    let now = local("2026-05-02 09:00");
    assert_eq!(h.public_view(), None, "nothing before the notice");
    h.publish_notice(&c, now).unwrap();
    h.add_participant(SubmitterCategory::Citizen, "张三", now)
        .unwrap();
    let announced = h.public_view().expect("announced");
    assert!(
        announced.participants.is_empty(),
        "the list is not published yet"
    );
    h.publish_participants(now).unwrap();
    h.record_materials_delivered("1", local("2026-06-01 10:00"), local("2026-06-02 10:00"))
        .unwrap();
    h.enter_record("听证笔录", "officer-1", local("2026-06-30 12:00"))
        .unwrap();
    let public = h.public_view().expect("public");
    assert_eq!(public.participants.len(), 1);
    assert_eq!(public.participants[0].category, SubmitterCategory::Citizen);
    assert!(public.participants[0].name.is_empty(), "no name");
    assert_eq!(public.record, None, "no record");
    assert_eq!(
        h.participants[0].name, "张三",
        "the hearing itself keeps it"
    );
}
