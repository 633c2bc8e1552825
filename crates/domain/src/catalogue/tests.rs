use chrono::TimeZone;

use super::*;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
}

fn draft() -> Catalogue {
    Catalogue::draft(
        "cat-nc-2026".into(),
        "南昌市人民政府",
        2026,
        "南昌市人民政府2026年度重大行政决策事项目录",
        "admin-1",
        at(2026, 1, 5),
    )
    .expect("drafted")
}

fn item<'a>(title: &'a str, department: &'a str, month: u32, hearing: bool) -> ItemDraft<'a> {
    ItemDraft {
        title,
        department,
        planned: PlannedMonth::new(2026, month),
        hearing_required: hearing,
    }
}

fn approval(day: u32) -> Approval {
    Approval {
        document_number: "洪府字〔2026〕12号".into(),
        approved_on: NaiveDate::from_ymd_opt(2026, 2, day).unwrap(),
    }
}

fn rules(e: &DomainError) -> Vec<&'static str> {
    match e {
        DomainError::FailedPrecondition(v) => v.iter().map(|r| r.rule).collect(),
        other => panic!("expected a failed precondition, got {other:?}"),
    }
}

/// A published version 1 with two items.
fn published() -> Catalogue {
    let mut c = draft();
    c.add_item(
        "i1".into(),
        item("南昌市养犬管理规定", "gaj", 9, true),
        at(2026, 1, 6),
    )
    .unwrap();
    c.add_item(
        "i2".into(),
        item("老旧小区改造三年行动计划", "zjj", 6, false),
        at(2026, 1, 6),
    )
    .unwrap();
    c.publish(approval(3), at(2026, 2, 4)).expect("published");
    c
}

#[test]
fn a_draft_is_published_once_approved_and_then_never_changes() {
    let mut c = draft();
    assert_eq!(
        rules(&c.clone().publish(approval(3), at(2026, 2, 4)).unwrap_err()),
        ["CATALOGUE_EMPTY"]
    );
    c.add_item(
        "i1".into(),
        item("南昌市养犬管理规定", "gaj", 9, true),
        at(2026, 1, 6),
    )
    .unwrap();
    // Approved tomorrow: not yet.
    let e = c.clone().publish(approval(5), at(2026, 2, 4)).unwrap_err();
    assert!(matches!(e, DomainError::InvalidArgument(_)), "{e:?}");
    c.publish(approval(3), at(2026, 2, 4)).unwrap();
    assert_eq!(c.state, CatalogueState::Published);
    assert_eq!(
        c.approval.as_ref().unwrap().document_number,
        "洪府字〔2026〕12号"
    );
    let before = c.clone();
    assert_eq!(
        rules(
            &c.add_item(
                "i2".into(),
                item("又一项", "gaj", 10, false),
                at(2026, 3, 1)
            )
            .unwrap_err()
        ),
        ["CATALOGUE_NOT_DRAFT"]
    );
    assert_eq!(
        rules(&c.remove_item("i1", at(2026, 3, 1)).unwrap_err()),
        ["CATALOGUE_NOT_DRAFT"]
    );
    assert_eq!(c, before, "a refused change changes nothing");
}

#[test]
fn an_adjustment_is_a_new_version_with_a_reason_and_keeps_what_it_drops() {
    let v1 = published();
    assert!(matches!(
        v1.adjust("  ", "admin-1", at(2026, 5, 1)),
        Err(DomainError::InvalidArgument(_))
    ));
    let mut v2 = v1
        .adjust("根据市政府常务会议决定调整", "admin-2", at(2026, 5, 1))
        .expect("adjusted");
    assert_eq!((v2.version, v2.state), (2, CatalogueState::Draft));
    assert_eq!(v2.name(), "catalogues/cat-nc-2026/versions/2");
    assert_eq!(v2.approval, None);
    v2.remove_item("i2", at(2026, 5, 2)).unwrap();
    assert_eq!(
        v2.item("i2").map(|i| i.status),
        Some(ItemStatus::Withdrawn),
        "withdrawn, not deleted"
    );
    v2.add_item(
        "i3".into(),
        item("公共停车场收费标准调整", "fgw", 11, true),
        at(2026, 5, 2),
    )
    .unwrap();
    v2.publish(
        Approval {
            document_number: "洪府字〔2026〕40号".into(),
            approved_on: NaiveDate::from_ymd_opt(2026, 5, 8).unwrap(),
        },
        at(2026, 5, 9),
    )
    .unwrap();
    // Version 1 is unchanged.
    assert_eq!(v1.items.len(), 2);
    assert_eq!(v1.item("i2").unwrap().status, ItemStatus::Planned);
    // Only the published version may be adjusted.
    assert_eq!(
        rules(
            &draft()
                .adjust("理由充分", "admin-1", at(2026, 5, 1))
                .unwrap_err()
        ),
        ["CATALOGUE_NOT_PUBLISHED"]
    );
}

#[test]
fn items_are_checked_field_by_field() {
    let mut c = draft();
    let e = c
        .add_item(
            "x".into(),
            ItemDraft {
                title: "",
                department: " ",
                planned: PlannedMonth::new(2024, 3),
                hearing_required: false,
            },
            at(2026, 1, 6),
        )
        .unwrap_err();
    let DomainError::InvalidArgument(fields) = e else {
        panic!("expected invalid fields");
    };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        named,
        ["item.title", "item.department", "item.planned_month"]
    );
    assert_eq!(PlannedMonth::new(2026, 13), None);
    assert_eq!(PlannedMonth::new(2026, 9).unwrap().label(), "2026年9月");
    assert!(c.items.is_empty());
}

#[test]
fn a_major_decision_needs_an_item_of_a_published_catalogue_of_its_department() {
    let v1 = published();
    let found = |id: &str| {
        v1.item(id).map(|item| ItemReference {
            catalogue: &v1,
            item,
        })
    };
    let name = "consultations/c1";
    assert_eq!(
        rules(
            &check_reference(name, ConsultationKind::MajorDecision, "gaj", None, None).unwrap_err()
        ),
        ["CATALOGUE_ITEM_REQUIRED"]
    );
    check_reference(name, ConsultationKind::Plan, "gaj", None, None)
        .expect("other kinds need none");
    check_reference(
        name,
        ConsultationKind::MajorDecision,
        "gaj",
        Some("i1"),
        found("i1"),
    )
    .expect("its department's item");
    assert_eq!(
        rules(
            &check_reference(
                name,
                ConsultationKind::MajorDecision,
                "fgw",
                Some("i1"),
                found("i1")
            )
            .unwrap_err()
        ),
        ["CATALOGUE_ITEM_OF_ANOTHER_DEPARTMENT"]
    );
    assert_eq!(
        rules(
            &check_reference(
                name,
                ConsultationKind::MajorDecision,
                "gaj",
                Some("i9"),
                found("i9")
            )
            .unwrap_err()
        ),
        ["CATALOGUE_ITEM_UNKNOWN"]
    );
    let mut v2 = v1.adjust("事项调出", "admin-1", at(2026, 5, 1)).unwrap();
    v2.remove_item("i1", at(2026, 5, 1)).unwrap();
    let withdrawn = v2.item("i1").unwrap();
    assert_eq!(
        rules(
            &check_reference(
                name,
                ConsultationKind::MajorDecision,
                "gaj",
                Some("i1"),
                Some(ItemReference {
                    catalogue: &v2,
                    item: withdrawn
                })
            )
            .unwrap_err()
        ),
        ["CATALOGUE_ITEM_WITHDRAWN"]
    );
}

#[test]
fn replacing_items_keeps_ids_adds_new_ones_and_withdraws_what_was_published() {
    let v1 = published();
    let mut v2 = v1.adjust("年中调整", "admin-1", at(2026, 6, 1)).unwrap();
    let mut n = 0;
    let mut new_id = || {
        n += 1;
        format!("new{n}")
    };
    // A bad item and an unknown id: refused, each named, nothing changed.
    let before = v2.clone();
    let e = v2
        .replace_items(
            "items",
            &[
                (Some("i1"), item("", "gaj", 9, true)),
                (Some("i9"), item("某事项", "gaj", 9, true)),
            ],
            &mut new_id,
            at(2026, 6, 2),
        )
        .unwrap_err();
    let DomainError::InvalidArgument(fields) = e else {
        panic!("expected invalid fields");
    };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, ["items[0].title", "items[1].name"]);
    assert_eq!(v2, before);

    v2.replace_items(
        "items",
        &[
            (None, item("公共停车场收费标准", "fgw", 11, true)),
            (
                Some("i1"),
                item("南昌市养犬管理规定（修订）", "gaj", 10, true),
            ),
        ],
        &mut new_id,
        at(2026, 6, 2),
    )
    .unwrap();
    let summary: Vec<(&str, ItemStatus, u32)> = v2
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.status, i.since_version))
        .collect();
    assert_eq!(
        summary,
        [
            ("new1", ItemStatus::Planned, 2),
            ("i1", ItemStatus::Planned, 1),
            ("i2", ItemStatus::Withdrawn, 1)
        ]
    );
    assert_eq!(
        v2.item("i1").unwrap().planned,
        PlannedMonth::new(2026, 10).unwrap()
    );
    // Dropping the item new in this version removes it; listing i2 again brings it back.
    v2.replace_items(
        "items",
        &[
            (
                Some("i1"),
                item("南昌市养犬管理规定（修订）", "gaj", 10, true),
            ),
            (
                Some("i2"),
                item("老旧小区改造三年行动计划", "zjj", 6, false),
            ),
        ],
        &mut new_id,
        at(2026, 6, 3),
    )
    .unwrap();
    assert_eq!(v2.item("new1"), None);
    assert_eq!(v2.item("i2").unwrap().status, ItemStatus::Planned);
}

#[test]
fn publishing_a_major_decision_checks_its_item_first_and_keeps_its_label() {
    use crate::{Calendar, ConsultationState, DraftChanges, comment::Channel};
    let v1 = published();
    let now = at(2026, 3, 2);
    let mut c = crate::Consultation::create(
        "c1".into(),
        "gaj".into(),
        ConsultationKind::MajorDecision,
        DraftChanges {
            title: Some("南昌市养犬管理规定（征求意见稿）".into()),
            draft_text: Some("第一条 为了……".into()),
            basis: Some("《南昌市养犬管理条例》".into()),
            channels: Some(vec![Channel::Portal]),
            ..Default::default()
        },
        "officer-1",
        now,
    )
    .unwrap();
    let calendar = Calendar::built_in();
    let e = publish_carrying(&mut c, None, now, &calendar).unwrap_err();
    assert_eq!(rules(&e), ["CATALOGUE_ITEM_REQUIRED"]);
    assert_eq!(c.state(now), ConsultationState::Draft, "refused: unchanged");
    c.catalogue_item = "catalogues/cat-nc-2026/items/i1".into();
    let found = v1.item("i1").map(|item| ItemReference {
        catalogue: &v1,
        item,
    });
    publish_carrying(&mut c, found, now, &calendar).unwrap();
    assert_eq!(c.state(now), ConsultationState::Open);
    assert_eq!(
        c.catalogue_item_label,
        "南昌市人民政府2026年度重大行政决策事项目录（第1版）：南昌市养犬管理规定"
    );
}

#[test]
fn items_follow_the_consultations_carrying_them_and_one_taken_up_cannot_be_withdrawn() {
    let mut c = published();
    c.follow(&[
        ("k1".into(), "i1".into(), ConsultationState::Open),
        ("k0".into(), "i2".into(), ConsultationState::Withdrawn),
    ]);
    assert_eq!(c.items[0].status, ItemStatus::InProgress);
    assert_eq!(c.items[0].consultation_id.as_deref(), Some("k1"));
    assert_eq!(
        (c.items[1].status, c.items[1].consultation_id.as_deref()),
        (ItemStatus::Planned, None),
        "a withdrawn consultation carries nothing"
    );
    // The decided one is the furthest, whatever the order.
    c.follow(&[
        (
            "k2".into(),
            "i1".into(),
            ConsultationState::FeedbackPublished,
        ),
        ("k1".into(), "i1".into(), ConsultationState::Closed),
    ]);
    assert_eq!(c.items[0].status, ItemStatus::Decided);
    assert_eq!(c.items[0].consultation_id.as_deref(), Some("k2"));

    // In the next version's draft the item taken up cannot be removed.
    let mut next = c
        .adjust("根据市政府常务会议决定调整", "admin-1", at(2026, 5, 1))
        .unwrap();
    next.follow(&[("k1".into(), "i1".into(), ConsultationState::Open)]);
    assert_eq!(
        rules(&next.remove_item("i1", at(2026, 5, 2)).unwrap_err()),
        ["ITEM_HAS_CONSULTATION"]
    );
    // Withdrawn while no consultation carried it, then taken up before the draft's
    // publication: the publication is refused.
    next.follow(&[]);
    next.remove_item("i1", at(2026, 5, 2)).unwrap();
    next.follow(&[("k1".into(), "i1".into(), ConsultationState::Open)]);
    assert_eq!(next.items[0].status, ItemStatus::Withdrawn);
    assert_eq!(
        rules(&next.publish(approval(3), at(2026, 5, 3)).unwrap_err()),
        ["ITEM_HAS_CONSULTATION"]
    );
}
