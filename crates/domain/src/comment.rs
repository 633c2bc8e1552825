//! Comments: what a submitter may send, how its text is cleaned, and when it is accepted.
//! Acceptance depends on the consultation's window and, for letters, on the postmark.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::answering::{Disposition, Moderation};
use crate::consultation::{Consultation, ConsultationState};
use crate::error::{DomainError, Violations};
use crate::names::vocabulary;
use crate::window::show_local;

vocabulary! {
    /// How a comment reached the government (渠道).
    Channel {
        /// 政府网站
        Portal = "PORTAL", "政府网站";
        /// 政务新媒体 (WeChat)
        Wechat = "WECHAT", "政务新媒体";
        /// 12345 热线
        Hotline12345 = "HOTLINE_12345", "12345热线";
        /// 电子邮件
        Email = "EMAIL", "电子邮件";
        /// 信函
        Letter = "LETTER", "信函";
        /// 听证会
        Hearing = "HEARING", "听证会";
        /// 座谈会
        Symposium = "SYMPOSIUM", "座谈会";
        /// 实地走访
        FieldVisit = "FIELD_VISIT", "实地走访";
        /// 问卷调查
        Survey = "SURVEY", "问卷调查";
        /// 专家论证
        ExpertReview = "EXPERT_REVIEW", "专家论证";
        /// 列席会议
        MeetingAttendance = "MEETING_ATTENDANCE", "列席会议";
    }
}

impl Channel {
    /// Channels fed by public-facing systems; officers enter the others by hand.
    pub fn is_system_channel(self) -> bool {
        matches!(
            self,
            Channel::Portal | Channel::Wechat | Channel::Hotline12345
        )
    }
}

vocabulary! {
    /// Who made the comment (意见提出者类别).
    SubmitterCategory {
        /// 公民
        Citizen = "CITIZEN", "公民";
        /// 企业
        Enterprise = "ENTERPRISE", "企业";
        /// 行业协会商会
        IndustryAssociation = "INDUSTRY_ASSOCIATION", "行业协会商会";
        /// 专家学者
        Expert = "EXPERT", "专家学者";
        /// 人大代表/政协委员
        Deputy = "DEPUTY", "人大代表/政协委员";
        /// 社会组织
        SocialOrganization = "SOCIAL_ORGANIZATION", "社会组织";
        /// 机关单位
        GovernmentBody = "GOVERNMENT_BODY", "机关单位";
        /// 新闻媒体
        Media = "MEDIA", "新闻媒体";
        /// 新的社会阶层人士 (those the seeds' registers of public representatives name apart)
        NewSocialStratum = "NEW_SOCIAL_STRATUM", "新的社会阶层人士";
    }
}

/// Longest comment, in characters after cleaning.
pub const CONTENT_MAX_CHARS: usize = 5_000;
/// Longest private field (name, organisation, contact), in characters.
pub const PRIVATE_FIELD_MAX_CHARS: usize = 200;
/// Longest clause reference, in characters.
pub const CLAUSE_MAX_CHARS: usize = 200;

/// Comment text after trimming, NFC normalisation and removal of control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentContent(String);

impl CommentContent {
    /// Cleans `raw` and checks it holds 1 to 5,000 characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let text = clean_text(raw);
        let n = text.chars().count();
        if n == 0 {
            return Err(DomainError::invalid(
                "comment.content",
                "意见内容不能为空 (content is empty after trimming)",
            ));
        }
        if n > CONTENT_MAX_CHARS {
            return Err(DomainError::invalid(
                "comment.content",
                format!(
                    "意见内容不能超过{CONTENT_MAX_CHARS}个字符，当前{n}个 (content has {n} characters; at most {CONTENT_MAX_CHARS})"
                ),
            ));
        }
        Ok(Self(text))
    }

    /// Content read back from storage, which holds only text that [`Self::parse`] cleaned:
    /// taken as it is, since normalising every comment of every page read again cost a tenth
    /// of listing them.
    pub fn stored(text: String) -> Self {
        Self(text)
    }

    /// The cleaned text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Unifies line breaks, drops control characters but newlines and tabs, normalises to NFC,
/// trims. Controls go before normalising: a control between two combining marks kept them
/// apart, and once it is dropped NFC must order them, or cleaning twice would differ.
pub fn clean_text(raw: &str) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text: String = unified
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .nfc()
        .collect();
    text.trim().to_owned()
}

/// A comment as submitted, validated and cleaned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComment {
    /// Channel it came through.
    pub channel: Channel,
    /// Category of the submitter.
    pub submitter_category: SubmitterCategory,
    /// Submitter's name (private).
    pub submitter_name: String,
    /// Submitter's organisation (private unless an organisation).
    pub submitter_organization: String,
    /// Submitter's contact details (private).
    pub submitter_contact: String,
    /// The comment text.
    pub content: CommentContent,
    /// Article of the draft it is about.
    pub clause_reference: String,
    /// Postmark of a letter.
    pub postmarked_at: Option<DateTime<Utc>>,
    /// Whether the submitter consents to the name being published.
    pub publish_name_consent: bool,
    /// The meeting where it was voiced, e.g. `consultations/{c}/hearings/{h}`; `None` for a
    /// comment sent in. Left out of the request digest when `None`, as it was before meetings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
}

/// The raw fields of a submission, before cleaning.
#[derive(Debug, Clone, Default)]
pub struct CommentFields<'a> {
    /// Submitter's name.
    pub submitter_name: &'a str,
    /// Submitter's organisation.
    pub submitter_organization: &'a str,
    /// Submitter's contact details.
    pub submitter_contact: &'a str,
    /// The comment text.
    pub content: &'a str,
    /// Article of the draft it is about.
    pub clause_reference: &'a str,
}

impl NewComment {
    /// Cleans and checks the fields of a submission, reporting every bad field at once.
    pub fn parse(
        channel: Channel,
        submitter_category: SubmitterCategory,
        fields: CommentFields<'_>,
        postmarked_at: Option<DateTime<Utc>>,
        publish_name_consent: bool,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let content = v.take(CommentContent::parse(fields.content));
        let mut short = |field: &str, raw: &str, max: usize| {
            let t = clean_text(raw).replace(['\n', '\t'], " ");
            if t.chars().count() > max {
                v.push(
                    format!("comment.{field}"),
                    format!("不能超过{max}个字符 (at most {max} characters)"),
                );
            }
            t
        };
        let submitter_name = short(
            "submitter.name",
            fields.submitter_name,
            PRIVATE_FIELD_MAX_CHARS,
        );
        let submitter_organization = short(
            "submitter.organization",
            fields.submitter_organization,
            PRIVATE_FIELD_MAX_CHARS,
        );
        let submitter_contact = short(
            "submitter.contact",
            fields.submitter_contact,
            PRIVATE_FIELD_MAX_CHARS,
        );
        let clause_reference = short(
            "clause_reference",
            fields.clause_reference,
            CLAUSE_MAX_CHARS,
        );
        match (channel, postmarked_at) {
            (Channel::Letter, None) => v.push(
                "comment.postmarked_at",
                "信函必须填写邮戳日期 (a LETTER needs postmarked_at)",
            ),
            (c, Some(_)) if c != Channel::Letter => v.push(
                "comment.postmarked_at",
                "只有信函有邮戳日期 (postmarked_at is only for the LETTER channel)",
            ),
            _ => {}
        }
        v.finish()?;
        Ok(Self {
            channel,
            submitter_category,
            submitter_name,
            submitter_organization,
            submitter_contact,
            content: content.unwrap_or_else(|| CommentContent(String::new())),
            clause_reference,
            postmarked_at,
            publish_name_consent,
            meeting: None,
        })
    }
}

/// A comment as recorded, with what the server assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Identifier, the `{comment}` of its resource name.
    pub id: String,
    /// The consultation it is about.
    pub consultation_id: String,
    /// What was submitted.
    pub body: NewComment,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
    /// Code the submitter keeps to look it up.
    pub receipt_code: String,
    /// The principal that submitted it.
    pub submitted_by: String,
    /// The submitter's idempotency key.
    pub request_id: String,
    /// Set when an officer hid the comment.
    pub moderation: Option<Moderation>,
    /// The concentrated opinion it belongs to, if any.
    pub group_id: Option<String>,
    /// Its own answer; a grouped comment takes its group's instead.
    pub disposition: Option<Disposition>,
    /// Spans of the text an officer took out of publication, sorted and not overlapping.
    #[serde(default)]
    pub redactions: Vec<crate::redaction::Redaction>,
}

impl Comment {
    /// `consultations/{c}/comments/{id}`.
    pub fn name(&self) -> String {
        format!(
            "consultations/{}/comments/{}",
            self.consultation_id, self.id
        )
    }

    /// The comment's text as the public may read it — on the receipt page, through
    /// `LookupComment`, in the report — or `None` while it is hidden, whose text is never
    /// public (it may be hidden for exposing someone's privacy).
    pub fn public_content(&self) -> Option<String> {
        self.is_visible().then(|| self.published_text())
    }

    /// The text masked for publication: the spans officers redacted (see [`crate::redaction`]),
    /// personal information (see [`crate::pii`]), and the
    /// submitter's own name and organisation wherever the text repeats them, unless the
    /// submitter consented to publishing them (then the own name stays after `我是` too). The server holds both, so a name the submitter
    /// wrote into the comment is not published when the name field would not be.
    pub fn published_text(&self) -> String {
        let mut text = crate::redaction::apply(self.body.content.as_str(), &self.redactions);
        let own = [
            self.body.submitter_name.trim(),
            self.body.submitter_organization.trim(),
        ];
        if !self.body.publish_name_consent {
            for own in own {
                text = mask_own_name(&text, own);
            }
            return crate::pii::mask_personal_information(&text);
        }
        crate::pii::mask_personal_information_but_names(&text, &own)
    }

    /// The answer to a submission under this comment's request id: a retry of the same
    /// content gets this comment again (nothing is written twice); different content is
    /// `ALREADY_EXISTS`, for a request id names one opinion only.
    pub fn answer_resubmission(&self, same_content: bool) -> Result<Comment, DomainError> {
        if same_content {
            return Ok(self.clone());
        }
        Err(DomainError::AlreadyExists {
            resource: self.name(),
            description: format!(
                "request_id {} 已用于另一条内容不同的意见 {}；重试请发送相同内容，新意见请使用新的 request_id (request_id was already used for different content)",
                self.request_id,
                self.name()
            ),
        })
    }
}

/// A receipt code as printed at submission: 12 symbols of Crockford's base 32 shown as
/// `XXXX-XXXX-XXXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptCode(String);

/// The symbols of a receipt code.
const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl ReceiptCode {
    /// Reads a code as people type it or read it out on the 12345 hotline: any case, with or
    /// without hyphens and spaces, full-width or not, and with Crockford's substitutions (`O`
    /// for 0, `I` and `L` for 1). What is left must be exactly 12 symbols.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let mut symbols = String::with_capacity(12);
        for c in raw.chars() {
            // Full-width forms (`Ｙ`, `７`, `－`) as their ASCII ones.
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                other => other,
            };
            if c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}') {
                continue;
            }
            let symbol = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !CROCKFORD.contains(symbol) || symbols.len() == 12 {
                return Err(Self::malformed());
            }
            symbols.push(symbol);
        }
        if symbols.len() != 12 {
            return Err(Self::malformed());
        }
        Ok(Self(format!(
            "{}-{}-{}",
            &symbols[..4],
            &symbols[4..8],
            &symbols[8..]
        )))
    }

    /// What is wrong with a code that [`Self::parse`] refuses, for the API and the pages.
    pub const MALFORMED: &str = "回执码格式不正确，应为 12 位字母和数字，如 YJ7K-2M9Q-XW4D (a receipt code has 12 letters and digits, e.g. YJ7K-2M9Q-XW4D)";

    fn malformed() -> DomainError {
        DomainError::invalid("receipt_code", Self::MALFORMED)
    }

    /// The code as printed, `XXXX-XXXX-XXXX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `text` with every occurrence of `name` masked but its first character (`王小明` →
/// `王**`), as surnames are published in Chinese government practice; names of one character
/// are too common to find in a text and stay.
fn mask_own_name(text: &str, name: &str) -> String {
    if name.chars().count() < 2 || !text.contains(name) {
        return text.to_owned();
    }
    let mut masked = String::with_capacity(text.len());
    let mut chars = name.chars();
    masked.push_str(&chars.next().map(String::from).unwrap_or_default());
    masked.extend(chars.map(|_| '*'));
    text.replace(name, &masked)
}

impl Consultation {
    /// Whether the public is invited to comment on `channel` now: the consultation is open, its
    /// window has not ended and it offers the channel (what a form may invite; a letter posted
    /// in time is still taken after the window, but no longer invited; [`Self::accepts_comment`]
    /// decides on each comment).
    pub fn takes_comments_on(&self, channel: Channel, now: DateTime<Utc>) -> bool {
        self.state(now) == ConsultationState::Open
            && self.closes_at.is_some_and(|c| now < c)
            && self.channels.contains(&channel)
    }

    /// Everything a submission by `actor` is checked for before it is stored, its request key
    /// aside: the caller may submit on the channel here, and the comment is accepted now. (The
    /// writer checks the two apart: a retry of a stored comment is answered before the window.)
    pub fn check_submission(
        &self,
        actor: &crate::Actor,
        comment: &NewComment,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        actor.may_submit(self, comment.channel)?;
        self.accepts_comment(comment, now)
    }

    /// Whether a comment on `channel` (with its postmark) is accepted at `now` (spec 3.6, 5).
    pub fn accepts_comment(
        &self,
        comment: &NewComment,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let subject = format!("consultations/{}", self.id);
        let state = self.state(now);
        let window = match (self.opens_at, self.closes_at) {
            (Some(o), Some(c)) => format!("征求意见期为{}至{}", show_local(o), show_local(c)),
            _ => "尚未发布征求意见期".to_owned(),
        };
        if state != ConsultationState::Open {
            return Err(DomainError::precondition(
                "NOT_OPEN",
                subject,
                format!(
                    "该事项当前状态为{}，不接受意见；{window} (comments are accepted only while OPEN; it is {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        if !self.channels.contains(&comment.channel) {
            return Err(DomainError::precondition(
                "CHANNEL_NOT_OFFERED",
                subject,
                format!(
                    "该事项未开放{}渠道 (the consultation does not collect comments on {})",
                    comment.channel.label(),
                    comment.channel.code()
                ),
            ));
        }
        let (Some(opens_at), Some(closes_at)) = (self.opens_at, self.closes_at) else {
            return Err(DomainError::precondition("NOT_OPEN", subject, window));
        };
        let instant = match comment.postmarked_at {
            Some(p) if comment.channel == Channel::Letter => {
                if p > now {
                    return Err(DomainError::invalid(
                        "comment.postmarked_at",
                        "邮戳日期不能晚于当前时间 (postmarked_at is in the future)",
                    ));
                }
                p
            }
            _ => now,
        };
        if instant < opens_at || instant >= closes_at {
            let what = if comment.channel == Channel::Letter {
                format!("邮戳时间{}不在征求意见期内", show_local(instant))
            } else {
                format!("{}已截止或尚未开始", show_local(instant))
            };
            return Err(DomainError::precondition(
                "OUTSIDE_WINDOW",
                subject,
                format!("{what}；{window} (outside the comment window)"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn receipt_codes_are_read_as_people_type_and_say_them() {
        let printed = "YJ7K-2M9Q-XW40";
        for typed in [
            "YJ7K-2M9Q-XW40",
            "yj7k-2m9q-xw40",
            "YJ7K2M9QXW40",
            " yj7k 2m9q xw40 ",
            "YJ7K-2M9Q-XW4O",
            "YJ7K-2M9Q-XW4o",
            "ＹＪ７Ｋ－２Ｍ９Ｑ－ＸＷ４０",
            "YJ7K—2M9Q—XW40",
        ] {
            assert_eq!(
                ReceiptCode::parse(typed).map(|c| c.as_str().to_owned()),
                Ok(printed.to_owned()),
                "{typed}"
            );
        }
        assert_eq!(
            ReceiptCode::parse("1l1i-IL00-oOoO").unwrap().as_str(),
            "1111-1100-0000"
        );
        for wrong in [
            "",
            "YJ7K-2M9Q-XW4",
            "YJ7K-2M9Q-XW400",
            "YJ7K-2M9Q-XW4U",
            "YJ7K-2M9Q-XW4@",
            "不是回执码",
        ] {
            let refused = ReceiptCode::parse(wrong).unwrap_err();
            assert!(
                matches!(&refused, DomainError::InvalidArgument(v) if v[0].field == "receipt_code"),
                "{wrong}: {refused:?}"
            );
        }
    }

    fn comment_by(name: &str, organization: &str, consent: bool, text: &str) -> Comment {
        Comment {
            id: "01C".into(),
            consultation_id: "01K".into(),
            body: NewComment {
                channel: Channel::Portal,
                submitter_category: SubmitterCategory::Citizen,
                submitter_name: name.into(),
                submitter_organization: organization.into(),
                submitter_contact: "13812345678".into(),
                content: CommentContent::parse(text).expect("content"),
                clause_reference: String::new(),
                postmarked_at: None,
                publish_name_consent: consent,
                meeting: None,
            },
            received_at: chrono::DateTime::UNIX_EPOCH,
            receipt_code: "ABCD-EFGH-JKMN".into(),
            submitted_by: "portal".into(),
            request_id: "r-1".into(),
            moderation: None,
            group_id: None,
            disposition: None,
            redactions: Vec::new(),
        }
    }

    #[test]
    fn the_public_text_hides_the_submitters_own_name_unless_they_consented() {
        let text = "我是张秀英，退休教师，城南社区居民委员会成员。张秀英建议第五条延长至6个月，电话13812345678。";
        let c = comment_by("张秀英", "城南社区居民委员会", false, text);
        assert_eq!(
            c.public_content().unwrap(),
            "我是张**，退休教师，城********成员。张**建议第五条延长至6个月，电话138****5678。"
        );
        // With consent the name may stand (the report shows it); numbers never do.
        let c = comment_by("张秀英", "城南社区居民委员会", true, text);
        assert_eq!(
            c.public_content().unwrap(),
            "我是张秀英，退休教师，城南社区居民委员会成员。张秀英建议第五条延长至6个月，电话138****5678。"
        );
        // A one-character or empty name field masks nothing.
        let c = comment_by("张", "", false, "张先生建议延长过渡期");
        assert_eq!(c.public_content().unwrap(), "张先生建议延长过渡期");
    }

    #[test]
    fn a_hidden_comment_has_no_public_text() {
        let mut c = comment_by("", "", false, "邻居李某某的电话是13812345678");
        assert!(c.public_content().is_some());
        c.moderation = Some(crate::answering::Moderation {
            reason: crate::answering::HideReason::PrivacyExposure,
            note: "泄露他人隐私".into(),
            hidden_by: "officer-fgw".into(),
            hidden_at: chrono::DateTime::UNIX_EPOCH,
        });
        assert_eq!(c.public_content(), None);
    }

    #[test]
    fn a_resubmission_is_the_original_or_already_exists() {
        let original = comment_by("", "", false, "建议延长过渡期");
        assert_eq!(original.answer_resubmission(true), Ok(original.clone()));
        match original.answer_resubmission(false) {
            Err(DomainError::AlreadyExists {
                resource,
                description,
            }) => {
                assert_eq!(resource, "consultations/01K/comments/01C");
                assert!(description.contains("r-1"), "{description}");
            }
            other => panic!("expected ALREADY_EXISTS, got {other:?}"),
        }
    }

    #[test]
    fn content_is_trimmed_normalised_and_stripped_of_controls() {
        let c = CommentContent::parse("  建议\u{0007}增加\r\n公交线路\u{0000}  ").unwrap();
        assert_eq!(c.as_str(), "建议增加\n公交线路");
        // "e" + combining acute becomes the precomposed "é".
        assert_eq!(
            CommentContent::parse("e\u{0301}").unwrap().as_str(),
            "\u{00e9}"
        );
    }

    #[test]
    fn content_bounds_are_counted_in_characters() {
        assert!(CommentContent::parse(&"意".repeat(5_000)).is_ok());
        let err = CommentContent::parse(&"意".repeat(5_001)).unwrap_err();
        assert!(matches!(&err, DomainError::InvalidArgument(v) if v[0].field == "comment.content"));
        assert!(CommentContent::parse(" \n\t\u{0001} ").is_err());
    }

    #[test]
    fn letters_need_a_postmark_and_others_must_not_have_one() {
        let f = CommentFields {
            content: "意见",
            ..Default::default()
        };
        let e = NewComment::parse(
            Channel::Letter,
            SubmitterCategory::Citizen,
            f.clone(),
            None,
            false,
        );
        assert!(
            matches!(e, Err(DomainError::InvalidArgument(v)) if v[0].field == "comment.postmarked_at")
        );
        let e = NewComment::parse(
            Channel::Portal,
            SubmitterCategory::Citizen,
            f,
            Some(Utc::now()),
            false,
        );
        assert!(
            matches!(e, Err(DomainError::InvalidArgument(v)) if v[0].field == "comment.postmarked_at")
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let long = "x".repeat(201);
        let f = CommentFields {
            content: "",
            submitter_name: &long,
            ..Default::default()
        };
        let Err(DomainError::InvalidArgument(v)) =
            NewComment::parse(Channel::Portal, SubmitterCategory::Citizen, f, None, false)
        else {
            panic!("expected invalid argument");
        };
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["comment.content", "comment.submitter.name"]);
    }

    #[test]
    fn codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(*c));
        }
        for c in SubmitterCategory::ALL {
            assert_eq!(SubmitterCategory::from_code(c.code()), Some(*c));
        }
        assert_eq!(Channel::from_code("FAX"), None);
    }

    #[test]
    fn cleaning_orders_combining_marks_a_dropped_control_separated() {
        // Found by the property below: U+1E023 (class 230) and U+10F46 (class 220) were kept
        // apart by a control and came out unordered, so cleaning twice differed.
        let once = clean_text("a\u{1e023}\u{1}\u{10f46}");
        assert_eq!(once, "a\u{10f46}\u{1e023}");
        assert_eq!(clean_text(&once), once);
    }

    proptest! {
        #[test]
        fn cleaned_content_never_has_controls_or_outer_space(raw in "\\PC{0,50}[\\x00-\\x1f]{0,5}\\PC{0,50}") {
            if let Ok(c) = CommentContent::parse(&raw) {
                let s = c.as_str();
                prop_assert!(!s.is_empty());
                prop_assert!(s.chars().count() <= CONTENT_MAX_CHARS);
                prop_assert!(s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                prop_assert_eq!(s.trim(), s);
                // Cleaning is idempotent.
                prop_assert_eq!(clean_text(s), s);
            }
        }
    }
}
