//! What officers type, turned into what the API takes: resource names from bare ids, and terms
//! (channels, outcomes, states…) from their codes or their Chinese labels.

use consult_domain::answering::{HideReason, Outcome};
use consult_domain::redaction::RedactionReason;
use consult_domain::{Channel, ConsultationKind, ConsultationState, SubmitterCategory};

use crate::error::CliError;

/// `consultations/{id}` from an id or a name.
pub(crate) fn consultation(arg: &str) -> String {
    let arg = arg.trim().trim_end_matches('/');
    if arg.starts_with("consultations/") {
        arg.to_owned()
    } else {
        format!("consultations/{arg}")
    }
}

/// The `{id}` of a consultation argument.
pub(crate) fn consultation_id(arg: &str) -> String {
    consultation(arg)
        .trim_start_matches("consultations/")
        .to_owned()
}

/// A comment's name from its id (or its full name) within a consultation.
pub(crate) fn comment(consultation_arg: &str, arg: &str) -> String {
    let arg = arg.trim();
    if arg.starts_with("consultations/") {
        arg.to_owned()
    } else {
        let arg = arg.trim_start_matches("comments/");
        format!("{}/comments/{arg}", consultation(consultation_arg))
    }
}

/// An opinion group's name from its id, `g:{id}` or its full name.
pub(crate) fn group(consultation_arg: &str, arg: &str) -> String {
    let arg = arg.trim();
    if arg.starts_with("consultations/") {
        arg.to_owned()
    } else {
        let id = arg
            .strip_prefix("g:")
            .or_else(|| arg.strip_prefix("opinionGroups/"))
            .unwrap_or(arg);
        format!("{}/opinionGroups/{id}", consultation(consultation_arg))
    }
}

/// A suggestion's name from its id, `s:{id}` or its full name.
pub(crate) fn suggestion(consultation_arg: &str, arg: &str) -> String {
    let arg = arg.trim();
    if arg.starts_with("consultations/") {
        arg.to_owned()
    } else {
        let id = arg
            .strip_prefix("s:")
            .or_else(|| arg.strip_prefix("suggestions/"))
            .unwrap_or(arg);
        format!("{}/suggestions/{id}", consultation(consultation_arg))
    }
}

/// A comment or, with `g:` / `opinionGroups/`, an opinion group.
pub(crate) fn subject(consultation_arg: &str, arg: &str) -> String {
    let arg = arg.trim();
    if arg.starts_with("g:") || arg.starts_with("opinionGroups/") || arg.contains("/opinionGroups/")
    {
        group(consultation_arg, arg)
    } else {
        comment(consultation_arg, arg)
    }
}

/// The last segment of a resource name.
pub(crate) fn short(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// A vocabulary of the domain with codes and Chinese labels.
pub(crate) trait Term: Sized + Copy + 'static {
    /// Every value.
    const ALL: &'static [Self];
    /// The proto enum prefix, e.g. `CHANNEL_`.
    const PREFIX: &'static str;
    /// What the option is called, for messages.
    const WHAT: &'static str;
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    /// More words accepted for a value, beyond its code and label.
    fn synonyms(self) -> &'static [&'static str] {
        &[]
    }
}

macro_rules! term {
    ($t:ty, $prefix:literal, $what:literal) => {
        impl Term for $t {
            const ALL: &'static [Self] = <$t>::ALL;
            const PREFIX: &'static str = $prefix;
            const WHAT: &'static str = $what;
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
            fn label(self) -> &'static str {
                <$t>::label(self)
            }
        }
    };
}

term!(Channel, "CHANNEL_", "渠道");
term!(SubmitterCategory, "SUBMITTER_CATEGORY_", "提出者类别");
term!(ConsultationKind, "CONSULTATION_KIND_", "事项类型");
term!(ConsultationState, "CONSULTATION_STATE_", "状态");
term!(HideReason, "HIDE_REASON_", "屏蔽原因");
term!(RedactionReason, "REDACTION_REASON_", "隐去原因");
term!(
    consult_domain::meeting::MeetingKind,
    "MEETING_KIND_",
    "会议形式"
);

impl Term for Outcome {
    const ALL: &'static [Self] = Outcome::ALL;
    const PREFIX: &'static str = "OUTCOME_";
    const WHAT: &'static str = "采纳情况";
    fn code(self) -> &'static str {
        Outcome::code(self)
    }
    fn label(self) -> &'static str {
        Outcome::label(self)
    }
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Outcome::Adopted => &["已采纳", "予以采纳"],
            Outcome::PartiallyAdopted => &["部分予以采纳"],
            Outcome::NotAdopted => &["不采纳", "不予采纳", "未予采纳"],
            Outcome::OutOfScope => &["不属于范围", "不属于征求意见范围", "超出范围"],
        }
    }
}

/// Parses a term from its code (any case, with or without the proto prefix, `-` for `_`) or
/// its Chinese label.
pub(crate) fn parse<T: Term>(input: &str) -> Result<T, String> {
    let trimmed = input.trim();
    let code = trimmed.to_ascii_uppercase().replace('-', "_");
    let code = code.strip_prefix(T::PREFIX).unwrap_or(&code);
    T::ALL
        .iter()
        .copied()
        .find(|t| t.code() == code || t.label() == trimmed || t.synonyms().contains(&trimmed))
        .ok_or_else(|| {
            let choices: Vec<String> = T::ALL
                .iter()
                .map(|t| format!("{}（{}）", t.label(), t.code().to_ascii_lowercase()))
                .collect();
            format!(
                "{}“{}”无法识别，可用：{}",
                T::WHAT,
                trimmed,
                choices.join("、")
            )
        })
}

/// Parses an optional command-line term into its proto enum number (0 when absent).
pub(crate) fn arg<T: Term>(
    input: Option<&str>,
    to_proto: fn(&str) -> Option<i32>,
) -> Result<i32, CliError> {
    match input {
        None => Ok(0),
        Some(s) => {
            let t = parse::<T>(s).map_err(CliError::Usage)?;
            Ok(proto::<T>(t, to_proto))
        }
    }
}

/// A submitter category typed by an officer (code or label), as its proto enum number; 0 when
/// absent (the server's default or refusal applies).
pub(crate) fn submitter_category(input: Option<&str>) -> Result<i32, CliError> {
    arg::<SubmitterCategory>(input.map(str::trim), |s| {
        consult_api::pb::SubmitterCategory::from_str_name(s).map(|v| v as i32)
    })
}

/// The proto enum number of a term.
pub(crate) fn proto<T: Term>(t: T, to_proto: fn(&str) -> Option<i32>) -> i32 {
    to_proto(&format!("{}{}", T::PREFIX, t.code())).unwrap_or(0)
}

/// The term of a proto enum value, from its `as_str_name`.
pub(crate) fn from_proto<T: Term>(str_name: &str) -> Option<T> {
    let code = str_name.strip_prefix(T::PREFIX).unwrap_or(str_name);
    T::ALL.iter().copied().find(|t| t.code() == code)
}

/// The Chinese label of a proto enum value, from its `as_str_name`.
pub(crate) fn label<T: Term>(str_name: &str) -> String {
    let code = str_name.strip_prefix(T::PREFIX).unwrap_or(str_name);
    T::ALL
        .iter()
        .find(|t| t.code() == code)
        .map(|t| t.label().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_names() {
        assert_eq!(consultation("01ABC"), "consultations/01ABC");
        assert_eq!(consultation("consultations/01ABC"), "consultations/01ABC");
        assert_eq!(
            comment("01ABC", "01XYZ"),
            "consultations/01ABC/comments/01XYZ"
        );
        assert_eq!(
            comment("01ABC", "consultations/01ABC/comments/01XYZ"),
            "consultations/01ABC/comments/01XYZ"
        );
        assert_eq!(
            group("01ABC", "g:01G"),
            "consultations/01ABC/opinionGroups/01G"
        );
        assert_eq!(
            subject("01ABC", "g:01G"),
            "consultations/01ABC/opinionGroups/01G"
        );
        assert_eq!(subject("01ABC", "01C"), "consultations/01ABC/comments/01C");
        assert_eq!(short("consultations/01ABC/comments/01C"), "01C");
    }

    #[test]
    fn terms_parse_from_codes_labels_and_synonyms() {
        assert_eq!(parse::<Outcome>("未采纳"), Ok(Outcome::NotAdopted));
        assert_eq!(parse::<Outcome>("不予采纳"), Ok(Outcome::NotAdopted));
        assert_eq!(parse::<Outcome>("not_adopted"), Ok(Outcome::NotAdopted));
        assert_eq!(parse::<Outcome>("OUTCOME_ADOPTED"), Ok(Outcome::Adopted));
        assert_eq!(
            parse::<Outcome>(" partially-adopted "),
            Ok(Outcome::PartiallyAdopted)
        );
        assert_eq!(parse::<Channel>("hotline_12345"), Ok(Channel::Hotline12345));
        assert_eq!(parse::<Channel>("政府网站"), Ok(Channel::Portal));
        let e = parse::<Outcome>("采纲").unwrap_err();
        assert!(e.contains("采纳情况“采纲”无法识别"), "{e}");
        assert!(e.contains("部分采纳（partially_adopted）"), "{e}");
    }

    #[test]
    fn labels_come_from_proto_names() {
        assert_eq!(label::<Channel>("CHANNEL_PORTAL"), "政府网站");
        assert_eq!(label::<Outcome>("OUTCOME_NOT_ADOPTED"), "未采纳");
        assert_eq!(label::<Outcome>("OUTCOME_UNSPECIFIED"), "");
    }
}
