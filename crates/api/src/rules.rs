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

/// Receipt codes: three groups of four Crockford base-32 characters, e.g. `YJ7K-2M9Q-XW4D`.
pub fn receipt_code(code: &str) -> Result<(), ValidationError> {
    let ok = code.len() == 14
        && code.split('-').count() == 3
        && code.split('-').all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(error(
            "receipt_code",
            "回执码格式不正确，应为 XXXX-XXXX-XXXX (receipt code must look like YJ7K-2M9Q-XW4D)",
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
    }

    #[test]
    fn receipt_codes() {
        assert!(receipt_code("YJ7K-2M9Q-XW4D").is_ok());
        assert!(receipt_code("YJ7K-2M9Q-XW4U").is_err());
        assert!(receipt_code("yj7k-2m9q-xw4d").is_err());
        assert!(receipt_code("YJ7K2M9QXW4D").is_err());
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
