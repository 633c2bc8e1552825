//! Translation between `consult.v1` messages and domain values.
//! Unknown or `_UNSPECIFIED` enum values become field violations here, never defaults.

use chrono::{DateTime, Utc};
use consult_api::pb;
use consult_domain::answering::{Answer, Disposition, HideReason, Moderation, Outcome};
use consult_domain::decision::{DecisionDocument, FeedbackDeadline};
use consult_domain::meeting::MeetingKind;
use consult_domain::redaction::{Redaction, RedactionReason};
use consult_domain::report::{FeedbackReport, PublishedReport, ReportAnswer, ReportComment, Term};
use consult_domain::window::earliest_close;
use consult_domain::{
    Calendar, Channel, Comment, Consultation, ConsultationKind, ConsultationState, DomainError,
    SubmitterCategory,
};
use prost_types::Timestamp;

/// A domain vocabulary that mirrors a proto enum whose values are `PREFIX` + code.
pub(crate) trait ProtoEnum: Sized + Copy {
    /// Decodes a wire value: `Ok(None)` for `_UNSPECIFIED`, `Err` for an unknown number.
    fn from_proto(value: i32) -> Result<Option<Self>, ()>;
    /// Encodes for the wire.
    fn to_proto(self) -> i32;
}

macro_rules! bridge {
    ($domain:ty, $proto:ty, $prefix:literal) => {
        impl ProtoEnum for $domain {
            fn from_proto(value: i32) -> Result<Option<Self>, ()> {
                let p = <$proto>::try_from(value).map_err(|_| ())?;
                match p.as_str_name().strip_prefix($prefix) {
                    Some("UNSPECIFIED") => Ok(None),
                    Some(code) => <$domain>::from_code(code).map(Some).ok_or(()),
                    None => Err(()),
                }
            }
            fn to_proto(self) -> i32 {
                <$proto>::from_str_name(&format!("{}{}", $prefix, self.code()))
                    .map(|p| p as i32)
                    .unwrap_or(0)
            }
        }
    };
}

bridge!(ConsultationKind, pb::ConsultationKind, "CONSULTATION_KIND_");
bridge!(
    ConsultationState,
    pb::ConsultationState,
    "CONSULTATION_STATE_"
);
bridge!(Channel, pb::Channel, "CHANNEL_");
bridge!(
    SubmitterCategory,
    pb::SubmitterCategory,
    "SUBMITTER_CATEGORY_"
);
bridge!(HideReason, pb::HideReason, "HIDE_REASON_");
bridge!(RedactionReason, pb::RedactionReason, "REDACTION_REASON_");
bridge!(Outcome, pb::Outcome, "OUTCOME_");
bridge!(
    consult_domain::suggestion::SuggestionState,
    pb::SuggestionState,
    "SUGGESTION_STATE_"
);
bridge!(MeetingKind, pb::MeetingKind, "MEETING_KIND_");
bridge!(
    consult_domain::catalogue::CatalogueState,
    pb::CatalogueState,
    "CATALOGUE_STATE_"
);
bridge!(
    consult_domain::catalogue::ItemStatus,
    pb::CatalogueItemStatus,
    "CATALOGUE_ITEM_STATUS_"
);

/// A required enum field: `_UNSPECIFIED` and unknown values are refused.
pub(crate) fn required<E: ProtoEnum>(value: i32, field: &str) -> Result<E, DomainError> {
    match E::from_proto(value) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(DomainError::invalid(
            field,
            "必须指定，不能为 _UNSPECIFIED (required; _UNSPECIFIED is not a value)",
        )),
        Err(()) => Err(DomainError::invalid(
            field,
            format!("未知的枚举值 {value} (unknown enum value)"),
        )),
    }
}

/// An optional enum filter: `_UNSPECIFIED` means "any"; unknown values are refused.
pub(crate) fn optional<E: ProtoEnum>(value: i32, field: &str) -> Result<Option<E>, DomainError> {
    E::from_proto(value).map_err(|()| {
        DomainError::invalid(field, format!("未知的枚举值 {value} (unknown enum value)"))
    })
}

/// A timestamp from the wire, refusing out-of-range values.
pub(crate) fn time(ts: &Timestamp, field: &str) -> Result<DateTime<Utc>, DomainError> {
    u32::try_from(ts.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .and_then(|n| DateTime::from_timestamp(ts.seconds, n))
        .ok_or_else(|| DomainError::invalid(field, "时间戳超出范围 (timestamp out of range)"))
}

/// A timestamp for the wire.
pub(crate) fn timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

fn opt_timestamp(t: Option<DateTime<Utc>>) -> Option<Timestamp> {
    t.map(timestamp)
}

/// A consultation as the API shows it at `now`.
pub(crate) fn consultation(
    c: &Consultation,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> pb::Consultation {
    let deadline = c.feedback_deadline(consult_domain::window::local_date(now), calendar);
    pb::Consultation {
        name: format!("consultations/{}", c.id),
        title: c.title.clone(),
        kind: c.kind.to_proto(),
        department: c.department.clone(),
        draft_text: c.draft_text.clone(),
        basis: c.basis.clone(),
        explanation: c.explanation.clone(),
        channels: c.channels.iter().map(|ch| ch.to_proto()).collect(),
        opens_at: opt_timestamp(c.opens_at),
        closes_at: opt_timestamp(c.closes_at),
        shortened_reason: c.shortened_reason.clone(),
        state: c.state(now).to_proto(),
        extensions: c
            .extensions
            .iter()
            .map(|e| pb::WindowExtension {
                previous_closes_at: Some(timestamp(e.previous_closes_at)),
                closes_at: Some(timestamp(e.closes_at)),
                reason: e.reason.clone(),
                extended_by: e.extended_by.clone(),
                extend_time: Some(timestamp(e.extended_at)),
            })
            .collect(),
        withdrawal_reason: c.withdrawal_reason.clone(),
        warnings: c.warnings.clone(),
        shortened: c.is_shortened(calendar),
        earliest_lawful_close_time: c
            .opens_at
            .map(|o| timestamp(earliest_close(o, calendar).closes_at)),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
        publish_time: opt_timestamp(c.published_at),
        close_time: opt_timestamp(c.closed_at),
        withdraw_time: opt_timestamp(c.withdrawn_at),
        creator: c.created_by.clone(),
        ready_time: opt_timestamp(c.ready_at),
        decision: c.decision.as_ref().map(decision),
        feedback_due_date: match deadline {
            Some(
                FeedbackDeadline::Due(d)
                | FeedbackDeadline::Overdue(d)
                | FeedbackDeadline::Provisional(d),
            ) => d.format("%Y-%m-%d").to_string(),
            // Published: the date it was due stays on record.
            _ => c
                .feedback_due_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        },
        feedback_due_provisional: matches!(deadline, Some(FeedbackDeadline::Provisional(_))),
        feedback_version: i32::try_from(c.feedback_version).unwrap_or(i32::MAX),
        feedback_publish_time: opt_timestamp(c.feedback_published_at),
        catalogue_item: c.catalogue_item.clone(),
    }
}

/// The decision document for the wire.
pub(crate) fn decision(d: &DecisionDocument) -> pb::Decision {
    pb::Decision {
        number: d.number.clone(),
        title: d.title.clone(),
        decide_date: d.decided_on.format("%Y-%m-%d").to_string(),
        recorded_by: d.recorded_by.clone(),
        record_time: Some(timestamp(d.recorded_at)),
        text_uri: d.text_url.clone(),
    }
}

/// A local date `YYYY-MM-DD` from the wire (its shape was validated).
pub(crate) fn date(s: &str, field: &str) -> Result<chrono::NaiveDate, DomainError> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| DomainError::invalid(field, format!("不是有效日期：{s} (not a valid date)")))
}

/// An officer's answer from the wire, checked by the domain.
pub(crate) fn answer(d: Option<&pb::Disposition>, field: &str) -> Result<Answer, DomainError> {
    let d =
        d.ok_or_else(|| DomainError::invalid(field, "必须提供答复 (disposition is required)"))?;
    let outcome = required::<Outcome>(d.outcome, &format!("{field}.outcome"))?;
    Answer::parse(outcome, &d.reason, &d.adopted_content, field)
}

/// A recorded disposition for the wire.
pub(crate) fn disposition(d: &Disposition) -> pb::Disposition {
    pb::Disposition {
        outcome: d.answer.outcome.to_proto(),
        reason: d.answer.reason.clone(),
        adopted_content: d.answer.adopted_content.clone(),
        answered_by: d.answered_by.clone(),
        answer_time: Some(timestamp(d.answered_at)),
    }
}

fn moderation(m: &Moderation) -> pb::Moderation {
    pb::Moderation {
        reason: m.reason.to_proto(),
        note: m.note.clone(),
        hidden_by: m.hidden_by.clone(),
        hide_time: Some(timestamp(m.hidden_at)),
    }
}

fn term_count(t: &Term, count: u64) -> pb::TermCount {
    pb::TermCount {
        code: t.code.clone(),
        label: t.label.clone(),
        count: i64::try_from(count).unwrap_or(i64::MAX),
    }
}

fn counts(v: &[consult_domain::report::Count]) -> Vec<pb::TermCount> {
    v.iter().map(|c| term_count(&c.term, c.count)).collect()
}

fn code_of<E: ProtoEnum>(t: &Term, from_code: impl Fn(&str) -> Option<E>) -> i32 {
    from_code(&t.code).map(ProtoEnum::to_proto).unwrap_or(0)
}

/// A published answer as the public reads it: no officer, no time.
pub(crate) fn report_answer(a: &ReportAnswer) -> pb::Disposition {
    pb::Disposition {
        outcome: code_of(&a.outcome, Outcome::from_code),
        reason: a.reason.clone(),
        adopted_content: a.adopted_content.clone(),
        answered_by: String::new(),
        answer_time: None,
    }
}

/// A published comment as the report gives it.
pub(crate) fn report_comment(c: &ReportComment) -> pb::ReportComment {
    pb::ReportComment {
        id: c.id.clone(),
        receive_time: Some(timestamp(c.received_at)),
        channel: code_of(&c.channel, Channel::from_code),
        submitter_category: code_of(&c.submitter_category, SubmitterCategory::from_code),
        submitter: c.submitter.clone().unwrap_or_default(),
        clause_reference: c.clause_reference.clone(),
        content: c.content.clone(),
        opinion_group: c.opinion_group.clone().unwrap_or_default(),
        disposition: c.answer.as_ref().map(report_answer),
    }
}

/// A feedback report for the wire, with its canonical text and hash.
pub(crate) fn report(r: &FeedbackReport, content: &str, sha256: &str) -> pb::FeedbackReport {
    let name = if r.edition.version == 0 {
        format!("{}/feedbackReports/preview", r.consultation.name)
    } else {
        format!(
            "{}/feedbackReports/{}",
            r.consultation.name, r.edition.version
        )
    };
    let channels =
        |v: &[Term]| -> Vec<i32> { v.iter().map(|t| code_of(t, Channel::from_code)).collect() };
    pb::FeedbackReport {
        name,
        version: i32::try_from(r.edition.version).unwrap_or(i32::MAX),
        publish_time: opt_timestamp(r.edition.published_at),
        correction_reason: r.edition.correction_reason.clone(),
        sha256: sha256.to_owned(),
        consultation: r.consultation.name.clone(),
        title: r.consultation.title.clone(),
        department: r.consultation.department.clone(),
        kind: code_of(&r.consultation.kind, ConsultationKind::from_code),
        catalogue_item: r.consultation.catalogue_item.clone(),
        window: Some(pb::ReportWindow {
            opens_at: opt_timestamp(r.window.opens_at),
            original_closes_at: opt_timestamp(r.window.original_closes_at),
            closes_at: opt_timestamp(r.window.closes_at),
            close_time: opt_timestamp(r.window.closed_at),
            shortened: r.window.shortened,
            shortened_reason: r.window.shortened_reason.clone(),
            extensions: r
                .window
                .extensions
                .iter()
                .map(|e| pb::WindowExtension {
                    previous_closes_at: Some(timestamp(e.previous_closes_at)),
                    closes_at: Some(timestamp(e.closes_at)),
                    reason: e.reason.clone(),
                    extended_by: String::new(),
                    extend_time: None,
                })
                .collect(),
        }),
        channels_offered: channels(&r.channels_offered),
        channels_used: channels(&r.channels_used),
        meetings: r
            .meetings
            .iter()
            .map(|m| pb::ReportMeeting {
                channel: code_of(&m.channel, Channel::from_code),
                opinions: i64::try_from(m.opinions).unwrap_or(i64::MAX),
                attendee_categories: counts(&m.attendee_categories),
            })
            .collect(),
        hearings: r
            .hearings
            .iter()
            .map(|h| pb::ReportHearing {
                name: h.name.clone(),
                held_at: Some(timestamp(h.held_at)),
                place: h.place.clone(),
                matters: h.matters.clone(),
                notice_publish_time: opt_timestamp(h.notice_published_at),
                participant_categories: counts(&h.participant_categories),
                opinions: i64::try_from(h.opinions).unwrap_or(i64::MAX),
                record_confirmed: h.record_confirmed,
            })
            .collect(),
        held_meetings: r
            .held_meetings
            .iter()
            .map(|m| pb::ReportHeldMeeting {
                name: m.name.clone(),
                kind: code_of(&m.kind, MeetingKind::from_code),
                held_at: Some(timestamp(m.held_at)),
                title: m.title.clone(),
                attendee_categories: counts(&m.attendee_categories),
                consented_names: m.consented_names.clone(),
                opinions: i64::try_from(m.opinions).unwrap_or(i64::MAX),
                opinions_summary: m.opinions_summary.clone(),
                handling: m.handling.clone(),
            })
            .collect(),
        totals: Some(pb::ReportTotals {
            received: i64::try_from(r.totals.received).unwrap_or(i64::MAX),
            published: i64::try_from(r.totals.published).unwrap_or(i64::MAX),
            hidden: i64::try_from(r.totals.hidden).unwrap_or(i64::MAX),
            unanswered: i64::try_from(r.totals.unanswered).unwrap_or(i64::MAX),
            by_channel: counts(&r.totals.by_channel),
            by_submitter_category: counts(&r.totals.by_submitter_category),
            by_outcome: counts(&r.totals.by_outcome),
            hidden_by_reason: counts(&r.totals.hidden_by_reason),
        }),
        opinion_groups: r
            .opinion_groups
            .iter()
            .map(|g| pb::ReportOpinionGroup {
                id: g.id.clone(),
                summary: g.summary.clone(),
                count: i64::try_from(g.count).unwrap_or(i64::MAX),
                disposition: g.answer.as_ref().map(report_answer),
                representative_comment: g
                    .representative
                    .as_ref()
                    .map(|x| x.comment.clone())
                    .unwrap_or_default(),
                representative_text: g
                    .representative
                    .as_ref()
                    .map(|x| x.text.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        comments: r.comments.iter().map(report_comment).collect(),
        adopted_changes: r
            .adopted_changes
            .iter()
            .map(|a| pb::AdoptedChange {
                source: a.source.clone(),
                outcome: code_of(&a.outcome, Outcome::from_code),
                clause_reference: a.clause_reference.clone(),
                adopted_content: a.adopted_content.clone(),
            })
            .collect(),
        answer_corrections: r
            .answer_corrections
            .iter()
            .map(|x| pb::AnswerCorrection {
                subject: x.subject.clone(),
                before: x.before.as_ref().map(report_answer),
                after: x.after.as_ref().map(report_answer),
            })
            .collect(),
        decision: r.decision.as_ref().map(|d| pb::Decision {
            number: d.number.clone(),
            title: d.title.clone(),
            decide_date: d.decided_on.format("%Y-%m-%d").to_string(),
            recorded_by: String::new(),
            record_time: None,
            text_uri: d.text_url.clone(),
        }),
        canonical_json: content.to_owned(),
    }
}

/// A published version for the wire; its stored text was written by this server.
pub(crate) fn published(p: &PublishedReport) -> Result<pb::FeedbackReport, crate::error::ApiError> {
    let r = p.report().map_err(|e| {
        crate::error::ApiError::Store(consult_store::StoreError::Corrupt(format!(
            "feedback report {}/{}: {e}",
            p.consultation_id, p.version
        )))
    })?;
    Ok(report(&r, &p.content, &p.sha256))
}

/// A comment with its private fields, for officers and auditors.
pub(crate) fn comment(c: &Comment) -> pb::Comment {
    pb::Comment {
        name: c.name(),
        channel: c.body.channel.to_proto(),
        submitter_category: c.body.submitter_category.to_proto(),
        submitter: Some(pb::Submitter {
            name: c.body.submitter_name.clone(),
            organization: c.body.submitter_organization.clone(),
            contact: c.body.submitter_contact.clone(),
        }),
        content: c.body.content.as_str().to_owned(),
        clause_reference: c.body.clause_reference.clone(),
        postmarked_at: opt_timestamp(c.body.postmarked_at),
        publish_name_consent: c.body.publish_name_consent,
        receive_time: Some(timestamp(c.received_at)),
        receipt_code: c.receipt_code.clone(),
        submitted_by: c.submitted_by.clone(),
        moderation: c.moderation.as_ref().map(moderation),
        opinion_group: c
            .group_id
            .as_ref()
            .map(|g| format!("consultations/{}/opinionGroups/{g}", c.consultation_id))
            .unwrap_or_default(),
        disposition: c.disposition.as_ref().map(disposition),
        redactions: c.redactions.iter().map(redaction).collect(),
        published_content: String::new(),
        meeting: c.body.meeting.clone().unwrap_or_default(),
    }
}

fn redaction(r: &Redaction) -> pb::Redaction {
    pb::Redaction {
        start: r.start,
        end: r.end,
        reason: r.reason.to_proto(),
    }
}

/// Officers' redactions as the domain takes them; each needs its reason.
pub(crate) fn redactions(spans: &[pb::Redaction]) -> Result<Vec<Redaction>, DomainError> {
    spans
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(Redaction {
                start: r.start,
                end: r.end,
                reason: required::<RedactionReason>(r.reason, &format!("redactions[{i}].reason"))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_value_has_a_proto_value_and_back() {
        for k in ConsultationKind::ALL {
            assert_eq!(ConsultationKind::from_proto(k.to_proto()), Ok(Some(*k)));
        }
        for s in ConsultationState::ALL {
            assert_eq!(ConsultationState::from_proto(s.to_proto()), Ok(Some(*s)));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::from_proto(c.to_proto()), Ok(Some(*c)));
        }
        for c in SubmitterCategory::ALL {
            assert_eq!(SubmitterCategory::from_proto(c.to_proto()), Ok(Some(*c)));
        }
        for r in RedactionReason::ALL {
            assert_eq!(RedactionReason::from_proto(r.to_proto()), Ok(Some(*r)));
        }
        for r in HideReason::ALL {
            assert_eq!(HideReason::from_proto(r.to_proto()), Ok(Some(*r)));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_proto(o.to_proto()), Ok(Some(*o)));
        }
        assert_eq!(Channel::from_proto(0), Ok(None));
        assert_eq!(Channel::from_proto(999), Err(()));
    }

    #[test]
    fn unspecified_and_unknown_are_field_errors() {
        let e = required::<Channel>(0, "comment.channel").unwrap_err();
        assert!(matches!(e, DomainError::InvalidArgument(v) if v[0].field == "comment.channel"));
        assert!(required::<Channel>(42, "comment.channel").is_err());
        assert_eq!(optional::<Channel>(0, "channel"), Ok(None));
    }

    #[test]
    fn timestamps_out_of_range_are_refused() {
        let bad = Timestamp {
            seconds: 0,
            nanos: -1,
        };
        assert!(time(&bad, "closes_at").is_err());
        let bad = Timestamp {
            seconds: i64::MAX,
            nanos: 0,
        };
        assert!(time(&bad, "closes_at").is_err());
        let t = DateTime::from_timestamp(1_780_000_000, 123_000).unwrap();
        assert_eq!(time(&timestamp(t), "x").unwrap(), t);
    }
}
