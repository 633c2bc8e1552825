//! Property tests of input validation: whatever a caller puts in the text and number fields of
//! a request, validation answers (accepts or lists the fields) and never panics.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use validator::Validate;

use crate::pb;
use crate::rules;

/// Text callers send on purpose or by accident: markup, SQL, zero-width and right-to-left
/// characters, escaped invalid sequences, lone combining marks, long runs and plain Chinese.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'; DROP TABLE comments; --",
        "1 OR 1=1",
        "\u{200b}\u{200c}\u{200d}\u{feff}",
        "\u{202e}gnp.exe\u{202c}",
        "\\xff\\xfe\\ud800",
        "\u{0301}\u{0301}",
        "consultations/../comments/",
        "%00%0a",
        "建议将过渡期延长至六个月",
        "🙂👍🏽",
        "\r\n\t",
        "",
    ]);
    (prop::collection::vec(pieces, 0..8), "\\PC{0,40}", 0usize..3).prop_map(
        |(parts, random, repeat)| {
            let mut s = parts.concat();
            s.push_str(&random);
            // Sometimes far beyond any limit.
            s.repeat(1 + repeat * 2000)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn names_and_codes_never_panic(s in hostile_text()) {
        let _ = rules::consultation_name(&s);
        let _ = rules::comment_name(&s);
        let _ = rules::opinion_group_name(&s);
        let _ = rules::answer_subject_name(&s);
        let _ = rules::feedback_report_name(&s);
        let _ = rules::request_id(&s);
        let _ = rules::local_date(&s);
        let _ = rules::comment_names(&[s.clone(), s.clone()]);
        // A name that parses is a well-formed resource name.
        if let Some(id) = rules::parse_consultation_name(&s) {
            prop_assert!(rules::is_resource_id(id));
        }
    }

    #[test]
    fn requests_with_hostile_text_validate_without_panicking(
        a in hostile_text(),
        b in hostile_text(),
        n in any::<i32>(),
    ) {
        let submit = pb::SubmitCommentRequest {
            parent: a.clone(),
            request_id: b.clone(),
            comment: Some(pb::Comment {
                content: a.clone(),
                clause_reference: b.clone(),
                submitter: Some(pb::Submitter {
                    name: a.clone(),
                    organization: b.clone(),
                    contact: a.clone(),
                }),
                ..Default::default()
            }),
            validate_only: false,
        };
        if let Err(e) = submit.validate() {
            prop_assert!(!e.field_errors().is_empty() || !e.errors().is_empty());
        }
        let _ = pb::CreateConsultationRequest {
            consultation: Some(pb::Consultation {
                title: a.clone(),
                draft_text: b.clone(),
                basis: a.clone(),
                department: b.clone(),
                shortened_reason: a.clone(),
                ..Default::default()
            }),
        }
        .validate();
        let _ = pb::ListCommentsRequest {
            parent: a.clone(),
            page_size: n,
            page_token: b.clone(),
            clause_reference: a.clone(),
            opinion_group: b.clone(),
            ..Default::default()
        }
        .validate();
        let _ = pb::BatchAnswerRequest {
            parent: a.clone(),
            answers: vec![pb::AnswerItem {
                name: b.clone(),
                disposition: Some(pb::Disposition {
                    reason: a.clone(),
                    adopted_content: b.clone(),
                    ..Default::default()
                }),
            }],
            validate_only: n % 2 == 0,
        }
        .validate();
        let _ = pb::ListAuditEventsRequest {
            consultation: a.clone(),
            actor: b.clone(),
            page_size: n,
            ..Default::default()
        }
        .validate();
        let _ = pb::RecordDecisionRequest {
            name: a.clone(),
            decision: Some(pb::Decision {
                number: b.clone(),
                title: a.clone(),
                decide_date: b.clone(),
                ..Default::default()
            }),
        }
        .validate();
        let _ = pb::ListFeedbackDueRequest { within_days: n, department: a }.validate();
    }

    #[test]
    fn page_sizes_outside_the_range_are_refused(n in any::<i32>()) {
        let r = pb::ListConsultationsRequest { page_size: n, ..Default::default() }.validate();
        prop_assert_eq!(r.is_ok(), (0..=1000).contains(&n));
    }
}
