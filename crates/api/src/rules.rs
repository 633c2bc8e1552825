//! Shape checks used by the validation attributes on generated request types.
//! They check form only (resource names, keys, codes); the domain decides meaning.

use std::borrow::Cow;

use validator::ValidationError;

fn error(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

/// Whether `s` is a resource id: 1-64 of `[0-9A-Za-z_-]`.
pub fn is_resource_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The `{id}` of `consultations/{id}`, if `name` has that form.
pub fn parse_consultation_name(name: &str) -> Option<&str> {
    name.strip_prefix("consultations/")
        .filter(|id| is_resource_id(id))
}

/// The ids of `consultations/{c}/comments/{id}`, if `name` has that form.
pub fn parse_comment_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("consultations/")?;
    let (c, id) = rest.split_once("/comments/")?;
    (is_resource_id(c) && is_resource_id(id)).then_some((c, id))
}

/// `consultations/{consultation}`.
pub fn consultation_name(name: &str) -> Result<(), ValidationError> {
    parse_consultation_name(name).map(|_| ()).ok_or_else(|| {
        error(
            "resource_name",
            "须为 consultations/{id} 形式 (must be a resource name like consultations/{id})",
        )
    })
}

/// `consultations/{consultation}/comments/{comment}`.
pub fn comment_name(name: &str) -> Result<(), ValidationError> {
    parse_comment_name(name).map(|_| ()).ok_or_else(|| {
        error(
            "resource_name",
            "须为 consultations/{id}/comments/{id} 形式 (must be a comment resource name)",
        )
    })
}

/// 1-128 printable ASCII characters.
pub fn request_id(id: &str) -> Result<(), ValidationError> {
    if !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(error(
            "request_id",
            "须为1至128个可打印ASCII字符，用于防止重复提交 (request_id must be 1-128 printable ASCII characters)",
        ))
    }
}

/// The ids of `consultations/{c}/opinionGroups/{id}`, if `name` has that form.
pub fn parse_opinion_group_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("consultations/")?;
    let (c, id) = rest.split_once("/opinionGroups/")?;
    (is_resource_id(c) && is_resource_id(id)).then_some((c, id))
}

/// The ids of `consultations/{c}/suggestions/{id}`, if `name` has that form.
pub fn parse_suggestion_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("consultations/")?;
    let (c, id) = rest.split_once("/suggestions/")?;
    (is_resource_id(c) && is_resource_id(id)).then_some((c, id))
}

/// The consultation id and version of `consultations/{c}/feedbackReports/{version|latest}`;
/// `None` as version means the latest.
pub fn parse_feedback_report_name(name: &str) -> Option<(&str, Option<u32>)> {
    let rest = name.strip_prefix("consultations/")?;
    let (c, v) = rest.split_once("/feedbackReports/")?;
    if !is_resource_id(c) {
        return None;
    }
    match v {
        "latest" => Some((c, None)),
        v if !v.starts_with('0') => v.parse::<u32>().ok().map(|n| (c, Some(n))),
        _ => None,
    }
}

/// `consultations/{consultation}/opinionGroups/{group}`.
pub fn opinion_group_name(name: &str) -> Result<(), ValidationError> {
    parse_opinion_group_name(name).map(|_| ()).ok_or_else(|| {
        error(
            "resource_name",
            "须为 consultations/{id}/opinionGroups/{id} 形式 (must be an opinion group resource name)",
        )
    })
}

/// A suggestion name.
pub fn suggestion_name(name: &str) -> Result<(), ValidationError> {
    parse_suggestion_name(name).map(|_| ()).ok_or_else(|| {
        error(
            "resource_name",
            "须为 consultations/{id}/suggestions/{id} 形式 (must be a suggestion resource name)",
        )
    })
}

/// A consultation name, or empty for "any".
pub fn optional_consultation_name(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() {
        Ok(())
    } else {
        consultation_name(name)
    }
}

/// A suggestion name, or empty for "any".
pub fn optional_suggestion_name(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() {
        Ok(())
    } else {
        suggestion_name(name)
    }
}

/// An opinion group name, or empty for "any".
pub fn optional_opinion_group_name(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() {
        Ok(())
    } else {
        opinion_group_name(name)
    }
}

/// A comment or an opinion group name.
pub fn answer_subject_name(name: &str) -> Result<(), ValidationError> {
    if parse_comment_name(name).is_some() || parse_opinion_group_name(name).is_some() {
        Ok(())
    } else {
        Err(error(
            "resource_name",
            "须为意见或集中意见的资源名称 (must name a comment or an opinion group)",
        ))
    }
}

/// `consultations/{consultation}/feedbackReports/{version}` or `…/latest`.
pub fn feedback_report_name(name: &str) -> Result<(), ValidationError> {
    parse_feedback_report_name(name).map(|_| ()).ok_or_else(|| {
        error(
            "resource_name",
            "须为 consultations/{id}/feedbackReports/{版本号或 latest} 形式 (must be a feedback report name)",
        )
    })
}

/// Most comments one request may name.
pub const MAX_NAMED_COMMENTS: usize = 10_000;

/// 1-10,000 comment names.
pub fn comment_names(names: &[String]) -> Result<(), ValidationError> {
    if names.is_empty() || names.len() > MAX_NAMED_COMMENTS {
        return Err(error(
            "comment_names",
            "须列出1至10000条意见 (list 1 to 10000 comments)",
        ));
    }
    if names.iter().all(|n| parse_comment_name(n).is_some()) {
        Ok(())
    } else {
        Err(error(
            "resource_name",
            "每一项须为 consultations/{id}/comments/{id} 形式 (every entry must be a comment resource name)",
        ))
    }
}

/// A local date `YYYY-MM-DD`.
pub fn local_date(date: &str) -> Result<(), ValidationError> {
    let b = date.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if shape {
        Ok(())
    } else {
        Err(error(
            "date",
            "日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;
    use prost::Message;
    use validator::Validate;

    #[test]
    fn resource_names() {
        assert_eq!(parse_consultation_name("consultations/01J9"), Some("01J9"));
        assert_eq!(parse_consultation_name("consultations/"), None);
        assert_eq!(parse_consultation_name("consultations/a/b"), None);
        assert_eq!(
            parse_comment_name("consultations/a/comments/b"),
            Some(("a", "b"))
        );
        assert_eq!(parse_comment_name("consultations/a/comments/"), None);
        assert_eq!(
            parse_opinion_group_name("consultations/a/opinionGroups/g"),
            Some(("a", "g"))
        );
        assert_eq!(
            parse_feedback_report_name("consultations/a/feedbackReports/2"),
            Some(("a", Some(2)))
        );
        assert_eq!(
            parse_feedback_report_name("consultations/a/feedbackReports/latest"),
            Some(("a", None))
        );
        assert_eq!(
            parse_feedback_report_name("consultations/a/feedbackReports/02"),
            None
        );
        assert_eq!(
            parse_feedback_report_name("consultations/a/feedbackReports/x"),
            None
        );
        assert!(local_date("2026-04-13").is_ok());
        assert!(local_date("2026-4-13").is_err());
        assert!(comment_names(&[]).is_err());
        assert!(comment_names(&["consultations/a/comments/b".into()]).is_ok());
        assert!(comment_names(&["consultations/a".into()]).is_err());
    }

    #[test]
    fn generated_types_carry_validation() {
        let req = pb::ListConsultationsRequest {
            page_size: 1_000_000,
            ..Default::default()
        };
        let errs = req.validate().unwrap_err();
        assert!(errs.field_errors().contains_key("page_size"));
        let req = pb::SubmitCommentRequest {
            parent: "consultations/x".into(),
            comment: None,
            request_id: String::new(),
            validate_only: false,
        };
        let errs = req.validate().unwrap_err();
        assert!(errs.field_errors().contains_key("request_id"));
    }

    #[test]
    fn descriptor_set_names_both_services() {
        let fds = prost_types::FileDescriptorSet::decode(crate::FILE_DESCRIPTOR_SET).unwrap();
        let services: Vec<_> = fds
            .file
            .iter()
            .flat_map(|f| f.service.iter().map(|s| s.name().to_owned()))
            .collect();
        assert!(services.contains(&"ConsultationService".to_owned()));
        assert!(services.contains(&"CommentService".to_owned()));
        assert!(!services.contains(&"TestClockService".to_owned()));
    }
}
