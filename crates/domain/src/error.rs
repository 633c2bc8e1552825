//! The one error type of the domain: every refusal a rule can produce.
//! Each variant documents the gRPC status it becomes at the API edge.

use std::fmt;

/// A field of a request that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field in the request, e.g. `consultation.title`.
    pub field: String,
    /// What is wrong and what would be accepted (Chinese first).
    pub description: String,
}

impl FieldViolation {
    /// A violation of `field` described by `description`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// A rule of the consultation process that the current state does not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreconditionViolation {
    /// Stable machine-readable rule name, e.g. `WINDOW_TOO_SHORT`.
    pub rule: &'static str,
    /// The resource or field the rule is about.
    pub subject: String,
    /// The rule and the dates or values involved (Chinese first).
    pub description: String,
}

impl PreconditionViolation {
    /// A violation of `rule` about `subject`.
    pub fn new(
        rule: &'static str,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            subject: subject.into(),
            description: description.into(),
        }
    }
}

/// Why the domain refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Malformed input; becomes `INVALID_ARGUMENT` with `BadRequest` details.
    #[error("请求参数无效 (invalid argument): {}", list_fields(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// A process rule is not met; becomes `FAILED_PRECONDITION` with `PreconditionFailure`.
    #[error("{}", list_rules(.0))]
    FailedPrecondition(Vec<PreconditionViolation>),
    /// The named resource does not exist (or is not visible); becomes `NOT_FOUND`.
    #[error("未找到 {resource} (not found)")]
    NotFound {
        /// The resource name that was asked for.
        resource: String,
    },
    /// The resource exists with different content; becomes `ALREADY_EXISTS`.
    #[error("{description}")]
    AlreadyExists {
        /// The resource that already exists.
        resource: String,
        /// What conflicts.
        description: String,
    },
    /// The caller is known but may not do this; becomes `PERMISSION_DENIED`.
    #[error("{reason}")]
    PermissionDenied {
        /// Which rule of section 10 forbids it.
        reason: String,
    },
    /// The call needs a credential that is missing or unknown; becomes `UNAUTHENTICATED`.
    #[error("{reason}")]
    Unauthenticated {
        /// What was wrong with the credential.
        reason: String,
    },
}

impl DomainError {
    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidArgument(vec![FieldViolation::new(field, description)])
    }

    /// A single broken rule.
    pub fn precondition(
        rule: &'static str,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self::FailedPrecondition(vec![PreconditionViolation::new(rule, subject, description)])
    }

    /// Permission refused for `reason`.
    pub fn denied(reason: impl Into<String>) -> Self {
        Self::PermissionDenied {
            reason: reason.into(),
        }
    }

    /// Resource `resource` does not exist.
    pub fn not_found(resource: impl Into<String>) -> Self {
        Self::NotFound {
            resource: resource.into(),
        }
    }
}

fn list_fields(v: &[FieldViolation]) -> impl fmt::Display + '_ {
    Joined(v.iter().map(|f| format!("{}: {}", f.field, f.description)))
}

fn list_rules(v: &[PreconditionViolation]) -> impl fmt::Display + '_ {
    Joined(v.iter().map(|r| format!("{} [{}]", r.description, r.rule)))
}

struct Joined<I>(I);

impl<I: Iterator<Item = String> + Clone> fmt::Display for Joined<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.clone().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&s)?;
        }
        Ok(())
    }
}

/// Collects field violations so that a request reports all its problems at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation::new(field, description));
    }

    /// Records a violation when `text` (field `field`, called `label` in Chinese) is blank or
    /// longer than `most` characters.
    pub fn require_text(&mut self, field: &str, label: &str, text: &str, most: usize) {
        if text.trim().is_empty() {
            self.push(field, format!("{label}不能为空 ({field} is required)"));
        } else if text.chars().count() > most {
            self.push(
                field,
                format!("{label}不能超过{most}个字符 ({field} too long)"),
            );
        }
    }

    /// Records the violations of a failed parse, or keeps its value.
    pub fn take<T>(&mut self, r: Result<T, DomainError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(DomainError::InvalidArgument(v)) => {
                self.0.extend(v);
                None
            }
            Err(other) => {
                self.0.push(FieldViolation::new("", other.to_string()));
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded, else the collected `InvalidArgument`.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::InvalidArgument(self.0))
        }
    }
}
