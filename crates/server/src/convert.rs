//! Translation between `consult.v1` messages and domain values.
//! Unknown or `_UNSPECIFIED` enum values become field violations here, never defaults.

use chrono::{DateTime, Utc};
use consult_api::pb;
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
    }
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
    }
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
