//! The register of public representatives a unit keeps (社会公众代表库): deputies and committee
//! members, experts, entrepreneurs, media and citizens it may invite to its decision meetings.
//! The categories are public; names and contacts are private (the store seals them apart, and
//! they are never serialised).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::comment::SubmitterCategory;
use crate::error::Violations;

/// Longest name, in characters.
pub const REPRESENTATIVE_NAME_MAX_CHARS: usize = 100;
/// Longest contact, in characters.
pub const REPRESENTATIVE_CONTACT_MAX_CHARS: usize = 200;

/// One representative in a unit's register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representative {
    /// Its id within the unit's register.
    pub id: String,
    /// The unit (department code) whose register it is in.
    pub department: String,
    /// Whom it represents.
    pub category: SubmitterCategory,
    /// Its name (private).
    #[serde(skip)]
    pub name: String,
    /// How to reach it (private).
    #[serde(skip)]
    pub contact: String,
    /// Whether it may be invited (a representative who stepped down stays, inactive).
    pub active: bool,
    /// The officer who registered it.
    pub registered_by: String,
    /// When.
    pub registered_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Representative {
    /// Registers a representative in `department`'s register.
    pub fn register(
        department: &str,
        id: String,
        category: SubmitterCategory,
        name: &str,
        contact: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        v.require_text(
            "representative.display_name",
            "姓名",
            name,
            REPRESENTATIVE_NAME_MAX_CHARS,
        );
        if contact.trim().chars().count() > REPRESENTATIVE_CONTACT_MAX_CHARS {
            v.push(
                "representative.contact",
                format!(
                    "联系方式不能超过{REPRESENTATIVE_CONTACT_MAX_CHARS}个字符 (at most {REPRESENTATIVE_CONTACT_MAX_CHARS} characters)"
                ),
            );
        }
        v.finish()?;
        Ok(Self {
            id,
            department: department.to_owned(),
            category,
            name: name.trim().to_owned(),
            contact: contact.trim().to_owned(),
            active: true,
            registered_by: officer.to_owned(),
            registered_at: now,
            updated_at: now,
        })
    }

    /// The resource name: `departments/{department}/representatives/{id}`.
    pub fn name(&self) -> String {
        format!(
            "departments/{}/representatives/{}",
            self.department, self.id
        )
    }

    /// Makes it invitable or not; saying what it already is changes nothing.
    pub fn set_active(&mut self, active: bool, now: DateTime<Utc>) -> bool {
        if self.active == active {
            return false;
        }
        self.active = active;
        self.updated_at = now;
        true
    }
}

/// Active representatives by category: what the public reads of a register.
pub fn count_by_category(register: &[Representative]) -> BTreeMap<SubmitterCategory, u64> {
    let mut counts = BTreeMap::new();
    for r in register.iter().filter(|r| r.active) {
        *counts.entry(r.category).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::local;

    #[test]
    fn a_representative_is_registered_with_a_name_and_counted_by_category_while_active() {
        let now = local("2026-03-02 10:00");
        let e = Representative::register(
            "fgw",
            "r1".into(),
            SubmitterCategory::Enterprise,
            " ",
            &"1".repeat(201),
            "officer-1",
            now,
        )
        .unwrap_err();
        match e {
            DomainError::InvalidArgument(v) => assert_eq!(
                v.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
                ["representative.display_name", "representative.contact"]
            ),
            other => panic!("{other:?}"),
        }
        let mut a = Representative::register(
            "fgw",
            "r1".into(),
            SubmitterCategory::Enterprise,
            " 赵经理 ",
            "13800138000",
            "officer-1",
            now,
        )
        .unwrap();
        assert_eq!(a.name, "赵经理");
        assert_eq!(a.name(), "departments/fgw/representatives/r1");
        let b = Representative::register(
            "fgw",
            "r2".into(),
            SubmitterCategory::Media,
            "钱记者",
            "",
            "officer-1",
            now,
        )
        .unwrap();
        let serialised = serde_json::to_string(&a).unwrap();
        assert!(!serialised.contains("赵经理") && !serialised.contains("13800138000"));
        assert_eq!(
            count_by_category(&[a.clone(), b.clone()]),
            BTreeMap::from([
                (SubmitterCategory::Enterprise, 1),
                (SubmitterCategory::Media, 1)
            ])
        );
        assert!(a.set_active(false, now));
        assert!(!a.set_active(false, now), "already inactive");
        assert_eq!(
            count_by_category(&[a, b]),
            BTreeMap::from([(SubmitterCategory::Media, 1)])
        );
    }
}
