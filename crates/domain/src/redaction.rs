//! Officers' redactions: spans of a comment's text taken out of every published view and shown
//! there as `[已隐去]`, for what automatic masking cannot know (a neighbour's name without a
//! cue word, a trade secret, a defamatory sentence). The text as submitted is never changed:
//! officers and auditors read it whole, the public reads it redacted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::comment::Comment;
use crate::consultation::{Consultation, ConsultationState};
use crate::error::{DomainError, Violations};
use crate::names::vocabulary;

vocabulary! {
    /// Why an officer took a span of a comment out of publication.
    RedactionReason {
        /// 个人信息: the submitter's own information that masking did not find.
        PersonalInformation = "PERSONAL_INFORMATION", "个人信息";
        /// 他人隐私: information about someone other than the submitter.
        ThirdPartyPrivacy = "THIRD_PARTY_PRIVACY", "他人隐私";
        /// 商业秘密
        TradeSecret = "TRADE_SECRET", "商业秘密";
        /// 侮辱诽谤内容
        Defamation = "DEFAMATION", "侮辱诽谤内容";
        /// 其他依法不予公开的内容
        Other = "OTHER", "其他依法不予公开的内容";
    }
}

/// What a redacted span reads as in published text.
pub const REDACTED: &str = "[已隐去]";

/// Most spans one comment may have redacted.
pub const MAX_REDACTIONS: usize = 100;

/// A span of a comment's text, in characters (Unicode scalar values) from its start, end
/// exclusive, taken out of publication for a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Redaction {
    /// First character redacted.
    pub start: u32,
    /// First character after the span.
    pub end: u32,
    /// Why.
    pub reason: RedactionReason,
}

impl Redaction {
    fn covers(&self, other: &Redaction) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// `text` with every span of `redactions` (sorted, not overlapping, within the text) replaced
/// by [`REDACTED`].
pub fn apply(text: &str, redactions: &[Redaction]) -> String {
    if redactions.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut spans = redactions.iter().peekable();
    let mut inside = false;
    for (i, c) in (0u32..).zip(text.chars()) {
        while spans.peek().is_some_and(|s| s.end <= i) {
            spans.next();
            inside = false;
        }
        match spans.peek() {
            Some(span) if span.start <= i => {
                if !inside {
                    out.push_str(REDACTED);
                    inside = true;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

impl Comment {
    /// Sets the spans of the comment's text that are not published, replacing those set
    /// before; none clears them. Spans must lie within the text and not overlap. Until the
    /// report is published they may be changed freely; afterwards only more may be taken out
    /// (each span set before must stay covered), as published versions already left them out.
    pub fn redact(
        &mut self,
        consultation: &Consultation,
        mut redactions: Vec<Redaction>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let length = u32::try_from(self.body.content.as_str().chars().count()).unwrap_or(u32::MAX);
        let mut v = Violations::new();
        if redactions.len() > MAX_REDACTIONS {
            v.push(
                "redactions",
                format!(
                    "一条意见最多隐去{MAX_REDACTIONS}处 (at most {MAX_REDACTIONS} redactions per comment)"
                ),
            );
        }
        for (i, r) in redactions.iter().enumerate() {
            if r.start >= r.end || r.end > length {
                v.push(
                    format!("redactions[{i}]"),
                    format!(
                        "隐去范围须满足 0 ≤ start < end ≤ {length}（意见全文字数），现为 {}..{} (a span must lie within the {length} characters of the text)",
                        r.start, r.end
                    ),
                );
            }
        }
        v.finish()?;
        redactions.sort();
        if let Some(pair) = redactions.windows(2).find(|w| w[0].end > w[1].start) {
            return Err(DomainError::invalid(
                "redactions",
                format!(
                    "隐去范围 {}..{} 与 {}..{} 重叠，请合并为一处 (spans must not overlap)",
                    pair[0].start, pair[0].end, pair[1].start, pair[1].end
                ),
            ));
        }
        let state = consultation.state(now);
        if matches!(
            state,
            ConsultationState::Draft | ConsultationState::Scheduled
        ) {
            return Err(DomainError::precondition(
                "REDACTION_CLOSED",
                self.name(),
                format!(
                    "当前状态{}没有可隐去的意见 (nothing to redact while {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        if state == ConsultationState::FeedbackPublished
            && let Some(kept) = self
                .redactions
                .iter()
                .find(|old| !redactions.iter().any(|new| new.covers(old)))
        {
            return Err(DomainError::precondition(
                "REDACTION_PUBLISHED",
                self.name(),
                format!(
                    "反馈已公开，已隐去的 {}..{} 不能再恢复公开，只能增加隐去范围 (after publication a redaction can be widened, not lifted)",
                    kept.start, kept.end
                ),
            ));
        }
        self.redactions = redactions;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: u32) -> Redaction {
        Redaction {
            start,
            end,
            reason: RedactionReason::ThirdPartyPrivacy,
        }
    }

    #[test]
    fn spans_become_one_marker_each() {
        let text = "邻居张某某经常在楼道堆放杂物，他家是3栋。";
        assert_eq!(apply(text, &[]), text);
        assert_eq!(
            apply(text, &[span(2, 5), span(18, 20)]),
            "邻居[已隐去]经常在楼道堆放杂物，他家是[已隐去]。"
        );
        // Adjacent spans read as two markers, a span at the end as one.
        assert_eq!(
            apply("甲乙丙丁", &[span(0, 1), span(1, 2)]),
            "[已隐去][已隐去]丙丁"
        );
        assert_eq!(apply("甲乙丙丁", &[span(2, 4)]), "甲乙[已隐去]");
        assert_eq!(apply("甲乙丙丁", &[span(0, 4)]), "[已隐去]");
    }
}
