//! The registry of departments (承办部门): the code consultations and officers carry, the full
//! name the public reads instead of it, and the government the department belongs to.
//! Administrators keep it; anyone may read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::consultation::is_meaningful;
use crate::error::{DomainError, Violations};

/// Longest department code.
pub const CODE_MAX_CHARS: usize = 64;
/// Longest full name or government name.
pub const NAME_MAX_CHARS: usize = 100;

/// A department as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// The code, e.g. `fgw`; fixed once registered.
    pub code: String,
    /// Full name, e.g. `南昌市发展和改革委员会`.
    pub name: String,
    /// The government it belongs to, e.g. `南昌市人民政府`; may be empty.
    pub government: String,
    /// When it was registered or last changed.
    pub updated_at: DateTime<Utc>,
}

impl Department {
    /// `departments/{code}`.
    pub fn resource_name(&self) -> String {
        format!("departments/{}", self.code)
    }

    /// Checks a new registration, reporting every bad field at once.
    pub fn register(
        code: &str,
        name: &str,
        government: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let code = code.trim();
        if code.is_empty()
            || code.chars().count() > CODE_MAX_CHARS
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            v.push(
                "department.code",
                format!(
                    "部门代码须为1到{CODE_MAX_CHARS}个小写字母、数字、“-”或“_” (1-{CODE_MAX_CHARS} lower-case letters, digits, - or _)"
                ),
            );
        }
        let (name, government) = names(&mut v, name, government);
        v.finish()?;
        Ok(Self {
            code: code.to_owned(),
            name,
            government,
            updated_at: now,
        })
    }

    /// The department renamed, or moved to another government.
    pub fn change(
        &self,
        name: &str,
        government: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let (name, government) = names(&mut v, name, government);
        v.finish()?;
        Ok(Self {
            code: self.code.clone(),
            name,
            government,
            updated_at: now,
        })
    }
}

fn names(v: &mut Violations, name: &str, government: &str) -> (String, String) {
    let name = name.trim();
    let government = government.trim();
    if !is_meaningful(name) || name.chars().count() > NAME_MAX_CHARS {
        v.push(
            "department.display_name",
            format!("须填写部门全称，不超过{NAME_MAX_CHARS}个字符 (the full name is required, at most {NAME_MAX_CHARS} characters)"),
        );
    }
    if government.chars().count() > NAME_MAX_CHARS {
        v.push(
            "department.government",
            format!("不能超过{NAME_MAX_CHARS}个字符 (at most {NAME_MAX_CHARS} characters)"),
        );
    }
    (name.to_owned(), government.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &DomainError) -> Vec<String> {
        match e {
            DomainError::InvalidArgument(v) => v.iter().map(|f| f.field.clone()).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn codes_and_names_are_checked_together() {
        let now = DateTime::UNIX_EPOCH;
        let d = Department::register(" fgw ", " 南昌市发展和改革委员会 ", "南昌市人民政府", now)
            .unwrap();
        assert_eq!(
            (d.code.as_str(), d.name.as_str()),
            ("fgw", "南昌市发展和改革委员会")
        );
        assert_eq!(d.resource_name(), "departments/fgw");
        let e = Department::register("FGW 1", "  ", &"政".repeat(101), now).unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "department.code",
                "department.display_name",
                "department.government"
            ]
        );
        let renamed = d.change("南昌市发展改革委", "", now).unwrap();
        assert_eq!(
            (renamed.code.as_str(), renamed.government.as_str()),
            ("fgw", "")
        );
        assert!(d.change("", "", now).is_err());
    }
}
