//! A department's answer templates (答复模板): the reasons its officers give again and again
//! ("与上位法规定不一致", "不属于本次征求意见范围"), kept once under a short name and used by
//! that name when answering. A template is an answer like any other, checked by the same rules;
//! answering with it copies its text, so that changing a template later changes no answer given.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::answering::Answer;
use crate::error::{DomainError, Violations};

/// Longest short name, in characters.
pub const TEMPLATE_ID_MAX_CHARS: usize = 40;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 200;
/// Most templates a department keeps: a library to choose from, not a store of answers.
pub const TEMPLATES_PER_DEPARTMENT: u64 = 500;

/// An answer template of a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerTemplate {
    /// The department's code.
    pub department: String,
    /// The short name officers type, e.g. `上位法`.
    pub id: String,
    /// The answer it gives.
    pub answer: Answer,
    /// What it is for (internal).
    pub description: String,
    /// The officer who wrote it.
    pub created_by: String,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

/// Checks a template's short name: 1 to [`TEMPLATE_ID_MAX_CHARS`] letters (Chinese included),
/// digits, `-` or `_`, so that it can be typed in a command and a spreadsheet cell and stands
/// in a resource name as it is.
pub fn check_template_id(id: &str, field: &str) -> Result<(), DomainError> {
    let n = id.chars().count();
    if n == 0 || n > TEMPLATE_ID_MAX_CHARS {
        return Err(DomainError::invalid(
            field,
            format!(
                "模板名称须为1至{TEMPLATE_ID_MAX_CHARS}个字符 (1 to {TEMPLATE_ID_MAX_CHARS} characters)"
            ),
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(DomainError::invalid(
            field,
            format!(
                "模板名称只能由文字、数字、- 和 _ 组成，不能含“{bad}” (letters, digits, - and _ only)"
            ),
        ));
    }
    Ok(())
}

fn description(v: &mut Violations, text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > DESCRIPTION_MAX_CHARS {
        v.push(
            "answer_template.description",
            format!(
                "不能超过{DESCRIPTION_MAX_CHARS}个字符 (at most {DESCRIPTION_MAX_CHARS} characters)"
            ),
        );
    }
    text.to_owned()
}

impl AnswerTemplate {
    /// `departments/{department}/answerTemplates/{id}`.
    pub fn resource_name(&self) -> String {
        format!(
            "departments/{}/answerTemplates/{}",
            self.department, self.id
        )
    }

    /// A new template of `department` by `officer`. `answer` is the answer as checked (as any
    /// answer is): its violations are reported with those of the other fields.
    pub fn write(
        department: &str,
        id: &str,
        answer: Result<Answer, DomainError>,
        description_text: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let answer = v.take(answer);
        v.take(check_template_id(id, "answer_template_id"));
        let description = description(&mut v, description_text);
        v.finish()?;
        let Some(answer) = answer else {
            return Err(DomainError::invalid(
                "answer_template.disposition",
                "必须提供答复 (disposition is required)",
            ));
        };
        Ok(Self {
            department: department.to_owned(),
            id: id.to_owned(),
            answer,
            description,
            created_by: officer.to_owned(),
            updated_at: now,
        })
    }

    /// The template with what `change` replaces.
    pub fn change(&self, change: TemplateChange, now: DateTime<Utc>) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let description = change
            .description
            .map(|d| description(&mut v, d))
            .unwrap_or_else(|| self.description.clone());
        v.finish()?;
        Ok(Self {
            answer: change.answer.unwrap_or_else(|| self.answer.clone()),
            description,
            updated_at: now,
            ..self.clone()
        })
    }
}

/// What an update replaces; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub struct TemplateChange<'a> {
    /// The answer, checked.
    pub answer: Option<Answer>,
    /// The description.
    pub description: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answering::Outcome;

    fn fields(e: &DomainError) -> Vec<String> {
        match e {
            DomainError::InvalidArgument(v) => v.iter().map(|f| f.field.clone()).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn short_names_are_words_officers_can_type() {
        for good in ["上位法", "out-of-scope", "范围外_2026", "已有规定"] {
            assert!(check_template_id(good, "id").is_ok(), "{good}");
        }
        for bad in [
            "",
            "含 空格",
            "a/b",
            "上位法。",
            &"长".repeat(TEMPLATE_ID_MAX_CHARS + 1),
        ] {
            assert_eq!(
                fields(&check_template_id(bad, "id").unwrap_err()),
                ["id"],
                "{bad}"
            );
        }
    }

    #[test]
    fn a_template_is_an_answer_and_changes_keep_what_is_not_replaced() {
        let now = DateTime::<Utc>::from_timestamp(1_790_000_000, 0).unwrap();
        let answer =
            Answer::parse(Outcome::NotAdopted, "与上位法规定不一致", "", "disposition").unwrap();
        let t = AnswerTemplate::write("fgw", "上位法", Ok(answer), " 常用 ", "o", now).unwrap();
        assert_eq!(t.resource_name(), "departments/fgw/answerTemplates/上位法");
        assert_eq!(t.description, "常用");
        let e = AnswerTemplate::write(
            "fgw",
            "a b",
            Answer::parse(Outcome::OutOfScope, "", "", "answer_template.disposition"),
            &"长".repeat(DESCRIPTION_MAX_CHARS + 1),
            "o",
            now,
        )
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "answer_template.disposition.reason",
                "answer_template_id",
                "answer_template.description"
            ]
        );
        let later = now + chrono::Duration::days(1);
        let changed = t
            .change(
                TemplateChange {
                    description: Some("不再常用"),
                    ..Default::default()
                },
                later,
            )
            .unwrap();
        assert_eq!(changed.answer, t.answer);
        assert_eq!(
            (changed.description.as_str(), changed.updated_at),
            ("不再常用", later)
        );
    }
}
