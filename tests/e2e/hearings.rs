//! Hearings (听证会) on a rule's draft whose catalogue item requires one: the 30-day notice,
//! the participant list, materials 7 days ahead, the record confirmed by each participant,
//! opinions voiced at the hearing answered like any comment, and the deliberation gate that
//! waits for all of it. Participants' names never reach the public.

use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, http_get, token, ts};
use tonic::Code;

/// Registers `fgw` and publishes catalogue `nc-2026` with one item of fgw's that requires a
/// hearing; returns the item's name.
async fn item_requiring_a_hearing(server: &TestServer) -> String {
    crate::catalogues::register(server, "fgw", "南昌市发展和改革委员会").await;
    use crate::catalogues::{approved, catalogues, item, nc_2026};
    let mut api = catalogues(server);
    let draft = api
        .create_catalogue(authed(
            token::ADMIN,
            nc_2026(vec![item(
                "南昌市公共停车场收费管理办法",
                "fgw",
                "2026-05",
                true,
            )]),
        ))
        .await
        .unwrap()
        .into_inner();
    api.publish_catalogue(authed(
        token::ADMIN,
        approved("洪府字〔2026〕12号", "2026-02-27"),
    ))
    .await
    .unwrap();
    draft.items[0].name.clone()
}

fn plan(parent: &str, id: &str, held_at: &str) -> pb::PlanHearingRequest {
    pb::PlanHearingRequest {
        parent: parent.into(),
        hearing_id: id.into(),
        hearing: Some(pb::Hearing {
            held_at: Some(ts(beijing(held_at))),
            place: "南昌市政府第一会议室".into(),
            matters: "公共停车场收费标准及减免范围".into(),
            selection_method: "公开报名，按利益相关方类别随机抽取".into(),
            ..Default::default()
        }),
    }
}

fn delivered(participant: &str, at: &str) -> pb::RecordMaterialsDeliveredRequest {
    pb::RecordMaterialsDeliveredRequest {
        name: participant.into(),
        delivered_time: Some(ts(beijing(at))),
    }
}

fn officer<T>(message: T) -> tonic::Request<T> {
    authed(token::OFFICER_FGW, message)
}

#[tokio::test]
async fn a_rules_hearing_is_announced_prepared_held_recorded_and_only_then_passes_the_gate() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let item = item_requiring_a_hearing(&server).await;
    let mut d = consult_e2e::draft("南昌市公共停车场收费管理办法（征求意见稿）");
    d.kind = pb::ConsultationKind::Rule as i32;
    d.catalogue_item = item;
    d.channels = vec![pb::Channel::Portal as i32];
    let c = crate::published_draft(&server, d).await;
    let mut api = server.hearings();

    // A notice 29 days ahead of a hearing on a rule's draft is refused, and writes nothing.
    api.plan_hearing(officer(plan(&c.name, "h1", "2026-03-31 14:00")))
        .await
        .unwrap();
    let before = server.row_counts().await;
    let late = assert_status(
        api.publish_hearing_notice(officer(pb::PublishHearingNoticeRequest {
            name: format!("{}/hearings/h1", c.name),
        }))
        .await,
        Code::FailedPrecondition,
        "HEARING_NOTICE_TOO_LATE",
    );
    assert!(late.message().contains("2026年3月1日"), "{late:?}");
    assert_eq!(server.row_counts().await, before, "a refusal wrote");

    // Another department's officer learns nothing of the hearing; a second plan of the same
    // id is a conflict.
    assert_status(
        api.plan_hearing(authed(
            token::OFFICER_JTJ,
            plan(&c.name, "h9", "2026-04-20 09:00"),
        ))
        .await,
        Code::PermissionDenied,
        "",
    );
    assert_status(
        api.plan_hearing(officer(plan(&c.name, "h1", "2026-04-20 09:00")))
            .await,
        Code::AlreadyExists,
        "h1",
    );

    // The hearing held: announced 39 days ahead.
    let h = api
        .plan_hearing(officer(plan(&c.name, "h2", "2026-04-10 09:30")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h.stage, pb::HearingStage::Planned as i32);
    // Not public before its notice.
    assert_status(
        api.get_hearing(tonic::Request::new(pb::GetHearingRequest {
            name: h.name.clone(),
        }))
        .await,
        Code::NotFound,
        "h2",
    );
    api.publish_hearing_notice(officer(pb::PublishHearingNoticeRequest {
        name: h.name.clone(),
    }))
    .await
    .unwrap();
    for (category, name) in [
        (pb::SubmitterCategory::Citizen, "王小明"),
        (pb::SubmitterCategory::Enterprise, "赵经理"),
    ] {
        api.add_hearing_participant(officer(pb::AddHearingParticipantRequest {
            parent: h.name.clone(),
            participant: Some(pb::HearingParticipant {
                category: category as i32,
                display_name: name.into(),
                ..Default::default()
            }),
        }))
        .await
        .unwrap();
    }
    let listed = api
        .publish_hearing_participants(officer(pb::PublishHearingParticipantsRequest {
            name: h.name.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.stage, pb::HearingStage::ParticipantsPublished as i32);
    let (p1, p2) = (
        listed.participants[0].name.clone(),
        listed.participants[1].name.clone(),
    );
    assert_eq!(listed.participants[0].display_name, "王小明");

    // The public reads the notice and the participants' categories, never a name.
    let public = api
        .get_hearing(tonic::Request::new(pb::GetHearingRequest {
            name: h.name.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.participants.len(), 2);
    assert!(
        public
            .participants
            .iter()
            .all(|p| p.display_name.is_empty())
    );
    assert_eq!(
        public.participants[1].category,
        pb::SubmitterCategory::Enterprise as i32
    );
    let publicly_listed = api
        .list_hearings(tonic::Request::new(pb::ListHearingsRequest {
            parent: c.name.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        publicly_listed
            .hearings
            .iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>(),
        [h.name.as_str()],
        "the hearing never announced is not public"
    );

    // Materials: 7 days ahead in time, 6 days ahead refused.
    server.set_time(beijing("2026-04-05 10:00")).await;
    api.record_materials_delivered(officer(delivered(&p1, "2026-03-20 09:00")))
        .await
        .unwrap();
    let before = server.row_counts().await;
    assert_status(
        api.record_materials_delivered(officer(delivered(&p2, "2026-04-04 15:00")))
            .await,
        Code::FailedPrecondition,
        "MATERIALS_TOO_LATE",
    );
    assert_eq!(server.row_counts().await, before, "a refusal wrote");
    api.record_materials_delivered(officer(delivered(&p2, "2026-04-03 09:00")))
        .await
        .unwrap();
    assert_status(
        api.enter_hearing_record(officer(pb::EnterHearingRecordRequest {
            name: h.name.clone(),
            text: "听证笔录".into(),
        }))
        .await,
        Code::FailedPrecondition,
        "HEARING_NOT_HELD",
    );

    // After the hearing: the window closed, opinions voiced there are recorded and answered.
    server.set_time(beijing("2026-04-10 12:00")).await;
    crate::close(&server, &c.name).await;
    let voiced_at_hearing = pb::RecordHearingOpinionRequest {
        parent: h.name.clone(),
        comment: Some(pb::Comment {
            submitter_category: pb::SubmitterCategory::Enterprise as i32,
            content: "建议夜间停车收费减半".into(),
            clause_reference: "第八条".into(),
            ..Default::default()
        }),
        request_id: "h2-opinion-1".into(),
    };
    let opinion = api
        .record_hearing_opinion(officer(voiced_at_hearing.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(opinion.channel, pb::Channel::Hearing as i32);
    assert_eq!(opinion.meeting, h.name);
    let again = api
        .record_hearing_opinion(officer(voiced_at_hearing))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.name, opinion.name, "a retry is the same comment");
    assert_status(
        api.record_hearing_opinion(officer(pb::RecordHearingOpinionRequest {
            parent: format!("{}/hearings/h1", c.name),
            comment: Some(pb::Comment {
                submitter_category: pb::SubmitterCategory::Citizen as i32,
                content: "未举行的听证会".into(),
                ..Default::default()
            }),
            request_id: "h1-opinion-1".into(),
        }))
        .await,
        Code::FailedPrecondition,
        "NOTICE_NOT_PUBLISHED",
    );

    // A symposium with enterprises, held the same week: its opinion answered like any other.
    let mut meetings =
        pb::meeting_service_client::MeetingServiceClient::new(server.channel.clone());
    let symposium = meetings
        .record_meeting(officer(pb::RecordMeetingRequest {
            parent: c.name.clone(),
            meeting_id: "m1".into(),
            meeting: Some(pb::Meeting {
                kind: pb::MeetingKind::Symposium as i32,
                held_at: Some(ts(beijing("2026-04-08 15:00"))),
                title: "停车场经营企业座谈会".into(),
                attendees: vec![pb::MeetingAttendees {
                    category: pb::SubmitterCategory::Enterprise as i32,
                    count: 6,
                    consented_names: vec!["某停车管理公司".into()],
                    representatives: Vec::new(),
                }],
                ..Default::default()
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    let voiced = meetings
        .record_meeting_opinion(officer(pb::RecordMeetingOpinionRequest {
            parent: symposium.name.clone(),
            comment: Some(pb::Comment {
                submitter_category: pb::SubmitterCategory::Enterprise as i32,
                content: "建议允许企业自主确定白天时段价格".into(),
                ..Default::default()
            }),
            request_id: "m1-opinion-1".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(voiced.channel, pb::Channel::Symposium as i32);
    assert_eq!(voiced.meeting, symposium.name);
    server
        .comments()
        .answer_comment(officer(pb::AnswerCommentRequest {
            name: voiced.name.clone(),
            disposition: Some(pb::Disposition {
                outcome: pb::Outcome::NotAdopted as i32,
                reason: "公共停车场收费属政府定价范围".into(),
                ..Default::default()
            }),
        }))
        .await
        .unwrap();
    // The decision meeting cannot be recorded before the gate. One citizen attending comes
    // from the department's register of representatives.
    pb::representative_service_client::RepresentativeServiceClient::new(server.channel.clone())
        .create_representative(officer(pb::CreateRepresentativeRequest {
            parent: "departments/fgw".into(),
            representative_id: "r1".into(),
            representative: Some(pb::Representative {
                category: pb::SubmitterCategory::Citizen as i32,
                display_name: "周市民".into(),
                ..Default::default()
            }),
        }))
        .await
        .unwrap();
    let attended = pb::RecordMeetingRequest {
        parent: c.name.clone(),
        meeting_id: "m2".into(),
        meeting: Some(pb::Meeting {
            kind: pb::MeetingKind::DecisionMeeting as i32,
            held_at: Some(ts(beijing("2026-04-10 11:00"))),
            title: "市政府第十二次常务会议".into(),
            attendees: vec![
                pb::MeetingAttendees {
                    category: pb::SubmitterCategory::Citizen as i32,
                    count: 2,
                    consented_names: Vec::new(),
                    representatives: vec!["departments/fgw/representatives/r1".into()],
                },
                pb::MeetingAttendees {
                    category: pb::SubmitterCategory::Enterprise as i32,
                    count: 1,
                    consented_names: Vec::new(),
                    representatives: Vec::new(),
                },
            ],
            opinions_summary: "市民代表建议设置六个月过渡期".into(),
            handling: "采纳，办法自公布之日起六个月后施行".into(),
            ..Default::default()
        }),
    };
    assert_status(
        meetings.record_meeting(officer(attended.clone())).await,
        Code::FailedPrecondition,
        "MEETING_OUT_OF_STAGE",
    );

    let mut consultations = server.consultations();
    let ready = |name: &str| {
        officer(pb::MarkReadyForDeliberationRequest {
            name: name.to_owned(),
        })
    };
    // Nothing recorded yet: the gate names the opinion unanswered and the missing record.
    let gate = assert_status(
        consultations
            .mark_ready_for_deliberation(ready(&c.name))
            .await,
        Code::FailedPrecondition,
        "HEARING_REQUIRED",
    );
    assert!(format!("{gate:?}").contains("笔录尚未录入"), "{gate:?}");
    server
        .comments()
        .answer_comment(officer(pb::AnswerCommentRequest {
            name: opinion.name.clone(),
            disposition: Some(pb::Disposition {
                outcome: pb::Outcome::PartiallyAdopted as i32,
                reason: "夜间时段收费标准下调，减半幅度过大".into(),
                adopted_content: "第八条增加夜间优惠时段".into(),
                ..Default::default()
            }),
        }))
        .await
        .unwrap();
    api.enter_hearing_record(officer(pb::EnterHearingRecordRequest {
        name: h.name.clone(),
        text: "听证笔录：主持人宣布听证会开始……参加人1（市民）发言……".into(),
    }))
    .await
    .unwrap();
    api.confirm_hearing_record(officer(pb::ConfirmHearingRecordRequest {
        name: p1.clone(),
    }))
    .await
    .unwrap();
    let gate = assert_status(
        consultations
            .mark_ready_for_deliberation(ready(&c.name))
            .await,
        Code::FailedPrecondition,
        "HEARING_REQUIRED",
    );
    let said = format!("{gate:?}");
    assert!(said.contains("2（企业）"), "names who must confirm: {said}");
    assert!(!said.contains("赵经理"), "names stay private: {said}");
    api.confirm_hearing_record(officer(pb::ConfirmHearingRecordRequest {
        name: p2.clone(),
    }))
    .await
    .unwrap();
    let passed = consultations
        .mark_ready_for_deliberation(ready(&c.name))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        passed.state,
        pb::ConsultationState::ReadyForDeliberation as i32
    );

    // Representatives of the public attend the decision meeting (列席); one not in the
    // register is refused, naming the row.
    let mut unknown = attended.clone();
    if let Some(m) = unknown.meeting.as_mut() {
        m.attendees[0].representatives = vec!["departments/fgw/representatives/r9".into()];
    }
    assert_status(
        meetings.record_meeting(officer(unknown)).await,
        Code::InvalidArgument,
        "meeting.attendees[0].representatives",
    );
    let recorded = meetings
        .record_meeting(officer(attended))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        recorded.attendees[0].representatives,
        ["departments/fgw/representatives/r1"]
    );

    // The report lists the hearing: categories, the opinion, the record confirmed; no name.
    server.set_time(beijing("2026-04-16 10:00")).await;
    let report = crate::record_and_publish(
        &server,
        &c.name,
        (
            "洪府规〔2026〕4号",
            "南昌市公共停车场收费管理办法",
            "2026-04-15",
        ),
    )
    .await;
    assert_eq!(report.hearings.len(), 1, "{:?}", report.hearings);
    let heard = &report.hearings[0];
    assert_eq!(heard.name, h.name);
    assert_eq!(heard.opinions, 1);
    assert!(heard.record_confirmed);
    assert_eq!(
        heard
            .participant_categories
            .iter()
            .map(|t| t.count)
            .sum::<i64>(),
        2
    );
    assert!(!report.canonical_json.contains("王小明"));
    // And each meeting: the symposium with its opinion, the decision meeting with who
    // attended and how their opinions were handled.
    assert_eq!(
        report
            .held_meetings
            .iter()
            .map(|m| (m.kind, m.opinions))
            .collect::<Vec<_>>(),
        [
            (pb::MeetingKind::Symposium as i32, 1),
            (pb::MeetingKind::DecisionMeeting as i32, 0)
        ]
    );
    let attended = &report.held_meetings[1];
    assert_eq!(
        attended
            .attendee_categories
            .iter()
            .map(|t| (t.code.as_str(), t.count))
            .collect::<Vec<_>>(),
        [("CITIZEN", 2), ("ENTERPRISE", 1)]
    );
    assert_eq!(attended.handling, "采纳，办法自公布之日起六个月后施行");
    let id = c.name.trim_start_matches("consultations/");
    let page = http_get(&format!("{}/consultations/{id}/feedback", server.http))
        .await
        .text();
    assert!(page.contains("南昌市政府第一会议室"), "{page}");
    assert!(page.contains("经参加人确认"), "{page}");
    assert!(page.contains("决策会议列席"), "{page}");
    assert!(
        page.contains("采纳，办法自公布之日起六个月后施行"),
        "{page}"
    );
    assert!(page.contains("某停车管理公司"), "a consented name is shown");
    assert!(!page.contains("赵经理"));

    // The year's account: fgw held one consultation (two opinions: one partly adopted, one
    // not), reported on time, one hearing held (the one never announced does not count), one
    // decision meeting attended; jtj held none and is flagged.
    crate::catalogues::register(&server, "jtj", "南昌市交通运输局").await;
    let csv = http_get(&format!("{}/accountability/2026.csv", server.http))
        .await
        .text();
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows.len(), 4, "header, two units, total: {csv}");
    assert_eq!(
        rows[1], "南昌市发展和改革委员会,1,2,0,1,1,0,50.0%,1,0,0,1,1,达到",
        "{csv}"
    );
    assert_eq!(rows[2], "南昌市交通运输局,0,0,0,0,0,0,—,0,0,0,0,0,未达到");
    assert!(rows[3].starts_with("合计,1,2,"), "{csv}");
    let page = http_get(&format!("{}/accountability/2026", server.http))
        .await
        .text();
    assert!(page.contains("2026年度公众参与重大行政决策情况"), "{page}");
    assert!(
        page.contains("年内邀请公众代表列席决策会议少于1次的单位：南昌市交通运输局"),
        "{page}"
    );

    // The record is the department's; the public sees the hearing confirmed, not its text.
    let public = api
        .get_hearing(tonic::Request::new(pb::GetHearingRequest {
            name: h.name.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.stage, pb::HearingStage::Confirmed as i32);
    assert!(public.record.is_none());
    let internal = api
        .get_hearing(officer(pb::GetHearingRequest {
            name: h.name.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(internal.record.unwrap().text.starts_with("听证笔录"));
    // No name reaches the audit log in clear.
    let events = server
        .audit()
        .list_audit_events(authed(
            token::AUDITOR,
            pb::ListAuditEventsRequest {
                consultation: c.name.clone(),
                page_size: 1000,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    let said = format!("{events:?}");
    assert!(said.contains("hearing.confirm_record"), "{said}");
    assert!(
        !said.contains("王小明"),
        "a participant's name in the audit log"
    );
}

#[tokio::test]
async fn consultctl_runs_a_hearing_and_the_public_sees_no_names() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于调整公共停车场收费标准的通知（征求意见稿）").await;
    let id = c.name.trim_start_matches("consultations/").to_owned();
    let officer = |args: Vec<&str>| {
        let grpc = server.grpc.clone();
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            consult_e2e::consultctl(&grpc, Some(token::OFFICER_FGW), &args).await
        }
    };
    let run = officer(vec![
        "hearing",
        "plan",
        &id,
        "h1",
        "--at",
        "2026-03-20 09:30",
        "--place",
        "市政府第一会议室",
        "--matters",
        "收费标准",
        "--selection",
        "公开报名，随机抽取",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    for step in [
        vec!["hearing", "announce", &id, "h1"],
        vec![
            "hearing",
            "add-participant",
            &id,
            "h1",
            "--category",
            "企业",
            "--name",
            "赵经理",
        ],
        vec!["hearing", "publish-participants", &id, "h1"],
        vec![
            "hearing",
            "deliver",
            &id,
            "h1",
            "1",
            "--at",
            "2026-03-02 09:00",
        ],
    ] {
        let run = officer(step.clone()).await;
        assert_eq!(run.code, 0, "{step:?}: {run:?}");
    }
    // A rule refused by the server reaches the officer with its name and a non-zero exit.
    let run = officer(vec!["hearing", "publish-participants", &id, "h1"]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("PARTICIPANTS_ALREADY_PUBLISHED"),
        "{run:?}"
    );
    let run = officer(vec!["hearing", "show", &id, "h1"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    for text in ["赵经理", "企业", "市政府第一会议室", "已公布参加人"] {
        assert!(run.stdout.contains(text), "{text}: {}", run.stdout);
    }
    let run = consult_e2e::consultctl(&server.grpc, None, &["hearing", "show", &id, "h1"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("企业"), "{}", run.stdout);
    assert!(!run.stdout.contains("赵经理"), "{}", run.stdout);

    // After the hearing: the record from a file, the confirmation, an opinion.
    server.set_time(beijing("2026-03-20 12:00")).await;
    let record = crate::ctl::workdir("hearing").join("笔录.txt");
    std::fs::write(&record, "听证笔录：参加人1发言，建议分时段收费。").unwrap();
    let record = record.to_string_lossy().into_owned();
    for step in [
        vec!["hearing", "record", &id, "h1", "--file", &record],
        vec!["hearing", "confirm", &id, "h1", "1"],
        vec![
            "hearing",
            "opinion",
            &id,
            "h1",
            "--category",
            "企业",
            "--content",
            "建议分时段收费",
            "--request-id",
            "ctl-h1-1",
        ],
    ] {
        let run = officer(step.clone()).await;
        assert_eq!(run.code, 0, "{step:?}: {run:?}");
    }
    let run = officer(vec!["hearing", "list", &id]).await;
    assert!(run.stdout.contains("笔录已确认"), "{}", run.stdout);
    // A symposium recorded the same way, its attendees typed as category:count[:names], one
    // of them from the department's register of representatives.
    let run = officer(vec![
        "representative",
        "add",
        "fgw",
        "r7",
        "--category",
        "企业",
        "--name",
        "钱经理",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = officer(vec![
        "meeting",
        "record",
        &id,
        "m1",
        "--kind",
        "座谈会",
        "--at",
        "2026-03-19 15:00",
        "--title",
        "停车场经营企业座谈会",
        "--attendees",
        "企业:6:某停车管理公司",
        "--attendees",
        "行业协会商会:2",
        "--representatives",
        "企业:r7",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let recorded = pb::meeting_service_client::MeetingServiceClient::new(server.channel.clone())
        .get_meeting(authed(
            token::OFFICER_FGW,
            pb::GetMeetingRequest {
                name: format!("{}/meetings/m1", c.name),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        recorded.attendees[0].representatives,
        ["departments/fgw/representatives/r7"]
    );
    let run = officer(vec![
        "meeting",
        "record",
        &id,
        "m2",
        "--kind",
        "座谈会",
        "--at",
        "2026-03-19 15:00",
        "--title",
        "另一次",
        "--attendees",
        "企业",
    ])
    .await;
    assert_ne!(run.code, 0, "a malformed attendees argument is refused");
    assert!(run.stderr.contains("类别:人数"), "{run:?}");
    let run = officer(vec![
        "meeting",
        "opinion",
        &id,
        "m1",
        "--category",
        "企业",
        "--content",
        "建议允许企业自主确定白天时段价格",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = consult_e2e::consultctl(&server.grpc, None, &["meeting", "list", &id]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("停车场经营企业座谈会"),
        "{}",
        run.stdout
    );
    let run = consult_e2e::consultctl(&server.grpc, None, &["meeting", "show", &id, "m1"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    for text in ["座谈会", "企业6人（某停车管理公司）", "行业协会商会2人"] {
        assert!(run.stdout.contains(text), "{text}: {}", run.stdout);
    }
    let listed = server
        .comments()
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                channel: pb::Channel::Hearing as i32,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.comments.len(), 1);
    assert_eq!(
        listed.comments[0].meeting,
        format!("{}/hearings/h1", c.name)
    );
}

#[tokio::test]
async fn bad_hearings_and_meetings_are_refused_naming_each_field_and_write_nothing() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于调整公共停车场收费标准的通知（征求意见稿）").await;
    let before = server.row_counts().await;
    let mut hearings = server.hearings();
    let bad = hearings
        .plan_hearing(officer(pb::PlanHearingRequest {
            parent: c.name.clone(),
            hearing_id: "h1".into(),
            hearing: Some(pb::Hearing {
                place: "  ".into(),
                matters: "收费标准".into(),
                selection_method: "随机抽取".into(),
                ..Default::default()
            }),
        }))
        .await;
    assert_status(bad, Code::InvalidArgument, "hearing.held_at");
    let bad = hearings
        .plan_hearing(officer(pb::PlanHearingRequest {
            parent: c.name.clone(),
            hearing_id: "h1".into(),
            hearing: Some(pb::Hearing {
                held_at: Some(ts(beijing("2026-03-01 09:00"))),
                place: "  ".into(),
                matters: "收费标准".into(),
                selection_method: "随机抽取".into(),
                ..Default::default()
            }),
        }))
        .await;
    let said = format!("{:?}", assert_status(bad, Code::InvalidArgument, "place"));
    assert!(said.contains("held_at"), "every bad field is named: {said}");
    assert_status(
        hearings
            .plan_hearing(officer(pb::PlanHearingRequest {
                parent: c.name.clone(),
                hearing_id: "h 1".into(),
                hearing: None,
            }))
            .await,
        Code::InvalidArgument,
        "hearing_id",
    );
    assert_status(
        hearings
            .publish_hearing_notice(officer(pb::PublishHearingNoticeRequest {
                name: format!("{}/hearings/none", c.name),
            }))
            .await,
        Code::NotFound,
        "hearings/none",
    );
    assert_status(
        hearings
            .confirm_hearing_record(officer(pb::ConfirmHearingRecordRequest {
                name: format!("{}/hearings/h1", c.name),
            }))
            .await,
        Code::InvalidArgument,
        "participants",
    );

    let mut meetings =
        pb::meeting_service_client::MeetingServiceClient::new(server.channel.clone());
    let bad = meetings
        .record_meeting(officer(pb::RecordMeetingRequest {
            parent: c.name.clone(),
            meeting_id: "m1".into(),
            meeting: Some(pb::Meeting {
                held_at: Some(ts(beijing("2026-03-02 09:00"))),
                title: "座谈会".into(),
                attendees: vec![pb::MeetingAttendees {
                    category: pb::SubmitterCategory::Enterprise as i32,
                    count: 0,
                    consented_names: Vec::new(),
                    representatives: Vec::new(),
                }],
                ..Default::default()
            }),
        }))
        .await;
    let said = format!(
        "{:?}",
        assert_status(bad, Code::InvalidArgument, "meeting.kind")
    );
    assert!(said.contains("meeting.attendees[0].count"), "{said}");
    let bad = meetings
        .record_meeting(officer(pb::RecordMeetingRequest {
            parent: c.name.clone(),
            meeting_id: "m1".into(),
            meeting: Some(pb::Meeting {
                kind: pb::MeetingKind::Symposium as i32,
                held_at: Some(ts(beijing("2026-03-03 09:00"))),
                title: "座谈会".into(),
                attendees: vec![pb::MeetingAttendees {
                    category: pb::SubmitterCategory::Enterprise as i32,
                    count: 1,
                    consented_names: vec!["甲".into(), "乙".into()],
                    representatives: Vec::new(),
                }],
                opinions_summary: "逐条登记".into(),
                ..Default::default()
            }),
        }))
        .await;
    let said = format!(
        "{:?}",
        assert_status(bad, Code::InvalidArgument, "meeting.held_at")
    );
    for field in [
        "meeting.attendees[0].consented_names",
        "meeting.opinions_summary",
    ] {
        assert!(said.contains(field), "{field}: {said}");
    }
    assert_status(
        meetings
            .record_meeting_opinion(officer(pb::RecordMeetingOpinionRequest {
                parent: format!("{}/meetings/none", c.name),
                comment: Some(pb::Comment {
                    content: "意见".into(),
                    submitter_category: pb::SubmitterCategory::Citizen as i32,
                    ..Default::default()
                }),
                request_id: "m-none-1".into(),
            }))
            .await,
        Code::NotFound,
        "meetings/none",
    );
    assert_eq!(server.row_counts().await, before, "a refusal wrote");
}
