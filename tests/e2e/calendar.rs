//! The holiday calendar of a new year, loaded at run time: until then a due date falling in it
//! is provisional (weekends only) and flagged; loading the year confirms it, on every replica,
//! without a restart. A malformed notice is refused with its line and field.

use consult_api::pb;
use consult_api::pb::calendar_service_client::CalendarServiceClient;
use consult_e2e::{Replicas, UNLIMITED, assert_status, authed, beijing, token};
use tonic::Code;

/// 2027: New Year's Day off (a Friday), the rest of January by the weekday rule.
const NOTICE_2027: &str = r#"{
  "year": 2027,
  "papers": [],
  "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true}
  ]
}"#;

/// The same, its one day missing `isOffDay` (line 5).
const MALFORMED_2027: &str = r#"{
  "year": 2027,
  "papers": [],
  "days": [
    {"name": "元旦", "date": "2027-01-01"}
  ]
}"#;

fn load(notice: &str) -> pb::LoadCalendarYearRequest {
    pb::LoadCalendarYearRequest {
        notice: notice.into(),
        validate_only: false,
    }
}

#[tokio::test]
async fn a_year_loaded_at_run_time_confirms_a_provisional_due_date_on_every_replica() {
    let replicas = Replicas::start(2, beijing("2026-11-02 10:00"), UNLIMITED).await;
    let (first, second) = (&replicas[0], &replicas[1]);
    let mut d = consult_e2e::draft("关于调整城市道路停车收费的通知（征求意见稿）");
    d.kind = pb::ConsultationKind::NormativeDocument as i32;
    let c = crate::published_draft(first, d).await;
    replicas.set_time(beijing("2026-12-10 10:00")).await;
    crate::close(first, &c.name).await;
    let mut consultations = first.consultations();
    consultations
        .mark_ready_for_deliberation(authed(
            token::OFFICER_FGW,
            pb::MarkReadyForDeliberationRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap();
    replicas.set_time(beijing("2026-12-18 16:00")).await;
    let decided = consultations
        .record_decision(authed(
            token::OFFICER_FGW,
            pb::RecordDecisionRequest {
                name: c.name.clone(),
                decision: Some(pb::Decision {
                    number: "洪府发〔2026〕30号".into(),
                    title: "关于调整城市道路停车收费的通知".into(),
                    decide_date: "2026-12-18".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    // 20 working days from Friday 18 December reach into 2027, whose notice is not loaded:
    // by weekends alone, Friday 15 January, flagged provisional.
    assert_eq!(decided.feedback_due_date, "2027-01-15");
    assert!(decided.feedback_due_provisional);
    let due = first
        .consultations()
        .list_feedback_due(authed(
            token::OFFICER_FGW,
            pb::ListFeedbackDueRequest {
                within_days: 60,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let listed = due.items.iter().find(|i| i.consultation == c.name).unwrap();
    assert_eq!(
        (listed.due_date.as_str(), listed.provisional),
        ("2027-01-15", true)
    );

    // Only administrators load a year; a malformed notice is refused, naming line and field,
    // and changes nothing.
    let mut calendar = CalendarServiceClient::new(first.channel.clone());
    assert_status(
        calendar
            .load_calendar_year(authed(token::OFFICER_FGW, load(NOTICE_2027)))
            .await,
        Code::PermissionDenied,
        "",
    );
    let before = first.row_counts().await;
    let refused = assert_status(
        calendar
            .load_calendar_year(authed(token::ADMIN, load(MALFORMED_2027)))
            .await,
        Code::InvalidArgument,
        "notice",
    );
    let said = format!("{refused:?}");
    assert!(
        said.contains("第5行") && said.contains("isOffDay"),
        "{said}"
    );
    assert_eq!(first.row_counts().await, before, "a refusal wrote");

    // Loaded on the first replica: the due date is confirmed there at once (New Year's Day
    // off moves it to Monday 18 January) ...
    let loaded = calendar
        .load_calendar_year(authed(token::ADMIN, load(NOTICE_2027)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(loaded.year, 2027);
    assert_eq!(loaded.confirmed, std::slice::from_ref(&c.name));
    let confirmed = first
        .consultations()
        .get_consultation(authed(
            token::OFFICER_FGW,
            pb::GetConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            confirmed.feedback_due_date.as_str(),
            confirmed.feedback_due_provisional
        ),
        ("2027-01-18", false)
    );
    // ... and the other replica knows 2027 within seconds, without a restart.
    let mut other = CalendarServiceClient::new(second.channel.clone());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let years = other
            .list_calendar_years(tonic::Request::new(pb::ListCalendarYearsRequest {}))
            .await
            .unwrap()
            .into_inner()
            .years;
        if let Some(y) = years.iter().find(|y| y.year == 2027) {
            assert!(!y.built_in);
            assert_eq!(y.loaded_by, "admin");
            assert!(years.iter().any(|y| y.year == 2026 && y.built_in));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the second replica never learned of 2027: {years:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // A consultation decided now on the second replica counts 2027's holidays at once.
    let listed = second
        .consultations()
        .get_consultation(authed(
            token::OFFICER_FGW,
            pb::GetConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.feedback_due_date, "2027-01-18");
    assert!(!listed.feedback_due_provisional);
}
