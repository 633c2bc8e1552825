//! The registry of departments (承办部门): the code consultations and officers carry, the full
//! name the public reads instead of it, and the government the department belongs to.
//! Administrators keep it, with each department's channel guides (how the public takes part
//! through each channel); anyone may read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::comment::Channel;
use crate::consultation::is_meaningful;
use crate::error::{DomainError, Violations};

/// Longest department code.
pub const CODE_MAX_CHARS: usize = 64;
/// Longest full name or government name.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest channel address (a URL, a postal address, an e-mail address, a phone number).
pub const ADDRESS_MAX_CHARS: usize = 200;
/// Longest note on a channel guide.
pub const GUIDE_NOTE_MAX_CHARS: usize = 200;

/// How the public comments through one channel on the department's consultations (参与方式):
/// shown on every open consultation page of the department that offers the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelGuide {
    /// The channel.
    pub channel: Channel,
    /// Where: the portal's `http(s)` address, the e-mail address, the hotline's number, the
    /// postal address, the WeChat account's name…
    pub address: String,
    /// What to mind, e.g. `请在信封上注明“意见征集”字样`; may be empty.
    pub note: String,
}

/// A channel guide as an administrator gave it, before it is checked.
#[derive(Debug, Clone, Copy)]
pub struct ChannelGuideDraft<'a> {
    /// `None` when missing or not a channel this service knows.
    pub channel: Option<Channel>,
    /// The address.
    pub address: &'a str,
    /// The note.
    pub note: &'a str,
}

impl ChannelGuide {
    /// A link for the address, when there is a safe one: the portal's own `http(s)` address,
    /// `mailto:` for e-mail, `tel:` for the hotline.
    pub fn href(&self) -> Option<String> {
        match self.channel {
            Channel::Portal if is_web_address(&self.address) => Some(self.address.clone()),
            Channel::Email if is_email_address(&self.address) => {
                Some(format!("mailto:{}", self.address))
            }
            Channel::Hotline12345 => {
                let digits: String = self
                    .address
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect();
                (!digits.is_empty()).then(|| format!("tel:{digits}"))
            }
            _ => None,
        }
    }

    /// Checks drafts into guides, one per channel in the vocabulary's order, reporting every
    /// bad field (`department.channel_guides[i].…`) at once.
    pub fn check_all(v: &mut Violations, drafts: &[ChannelGuideDraft<'_>]) -> Vec<ChannelGuide> {
        let mut guides: Vec<ChannelGuide> = Vec::with_capacity(drafts.len());
        for (i, d) in drafts.iter().enumerate() {
            let field = |f: &str| format!("department.channel_guides[{i}].{f}");
            let address = d.address.trim();
            let note = d.note.trim();
            let Some(channel) = d.channel else {
                v.push(field("channel"), "须指定渠道 (a known channel is required)");
                continue;
            };
            if guides.iter().any(|g| g.channel == channel) {
                v.push(
                    field("channel"),
                    format!(
                        "每个渠道只能有一条说明，{}重复 (one guide per channel)",
                        channel.label()
                    ),
                );
                continue;
            }
            if !is_meaningful(address) || address.chars().count() > ADDRESS_MAX_CHARS {
                v.push(
                    field("address"),
                    format!("须填写地址，不超过{ADDRESS_MAX_CHARS}个字符 (the address is required, at most {ADDRESS_MAX_CHARS} characters)"),
                );
            } else if let Some(problem) = address_problem(channel, address) {
                v.push(field("address"), problem);
            }
            if note.chars().count() > GUIDE_NOTE_MAX_CHARS {
                v.push(
                    field("note"),
                    format!("不能超过{GUIDE_NOTE_MAX_CHARS}个字符 (at most {GUIDE_NOTE_MAX_CHARS} characters)"),
                );
            }
            guides.push(ChannelGuide {
                channel,
                address: address.to_owned(),
                note: note.to_owned(),
            });
        }
        guides.sort_by_key(|g| g.channel);
        guides
    }
}

/// `http://` or `https://` followed by a host, with no spaces: the only links a public page
/// makes from what an administrator typed.
fn is_web_address(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/'))
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
}

/// What is wrong with `address` for `channel`, for the channels whose address has a form.
fn address_problem(channel: Channel, address: &str) -> Option<&'static str> {
    match channel {
        Channel::Portal if !is_web_address(address) => Some(
            "网站地址须以 http:// 或 https:// 开头 (the portal's address must be an http(s) URL)",
        ),
        Channel::Email if !is_email_address(address) => {
            Some("须为电子邮件地址，如 yjzj@example.gov.cn (must be an e-mail address)")
        }
        Channel::Hotline12345
            if address.chars().filter(char::is_ascii_digit).count() < 5
                || !address
                    .chars()
                    .all(|c| c.is_ascii_digit() || " -+()（）".contains(c)) =>
        {
            Some("须为电话号码，如 12345 或 0791-12345 (must be a phone number)")
        }
        _ => None,
    }
}

fn is_email_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let atom = |c: char| c.is_ascii_alphanumeric() || "._+-".contains(c);
    !local.is_empty()
        && local.chars().all(atom)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

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
    /// How the public takes part through each channel, in the vocabulary's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_guides: Vec<ChannelGuide>,
    /// A disabled department (abolished or merged in a reorganisation) opens no new
    /// consultations; those it has already opened run to their end and their report.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// What an administrator changes in a department; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct DepartmentChange<'a> {
    /// A new full name.
    pub name: Option<&'a str>,
    /// A new government.
    pub government: Option<&'a str>,
    /// New channel guides, replacing all of them.
    pub channel_guides: Option<&'a [ChannelGuideDraft<'a>]>,
    /// Disable (`true`) or enable again (`false`).
    pub disabled: Option<bool>,
}

impl Department {
    /// `departments/{code}`.
    pub fn resource_name(&self) -> String {
        format!("departments/{}", self.code)
    }

    /// The guide for `channel`, if the department gives one.
    pub fn guide(&self, channel: Channel) -> Option<&ChannelGuide> {
        self.channel_guides.iter().find(|g| g.channel == channel)
    }

    /// Checks a new registration, reporting every bad field at once.
    pub fn register(
        code: &str,
        name: &str,
        government: &str,
        channel_guides: &[ChannelGuideDraft<'_>],
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
        let channel_guides = ChannelGuide::check_all(&mut v, channel_guides);
        v.finish()?;
        Ok(Self {
            code: code.to_owned(),
            name,
            government,
            updated_at: now,
            channel_guides,
            disabled: false,
        })
    }

    /// Refuses a new consultation of a disabled department (`DEPARTMENT_DISABLED`).
    pub fn admit_new_consultation(&self) -> Result<(), DomainError> {
        if self.disabled {
            return Err(DomainError::precondition(
                "DEPARTMENT_DISABLED",
                self.resource_name(),
                format!(
                    "{}（{}）已停用，不能发起新的征求意见；已发起的照常进行 (the department is disabled: it opens no new consultations)",
                    self.name, self.code
                ),
            ));
        }
        Ok(())
    }

    /// The department renamed, moved to another government, or given new channel guides.
    pub fn change(
        &self,
        change: DepartmentChange<'_>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let (name, government) = names(
            &mut v,
            change.name.unwrap_or(&self.name),
            change.government.unwrap_or(&self.government),
        );
        let channel_guides = match change.channel_guides {
            Some(drafts) => ChannelGuide::check_all(&mut v, drafts),
            None => self.channel_guides.clone(),
        };
        v.finish()?;
        Ok(Self {
            code: self.code.clone(),
            name,
            government,
            updated_at: now,
            channel_guides,
            disabled: change.disabled.unwrap_or(self.disabled),
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
        let d = Department::register(
            " fgw ",
            " 南昌市发展和改革委员会 ",
            "南昌市人民政府",
            &[],
            now,
        )
        .unwrap();
        assert_eq!(
            (d.code.as_str(), d.name.as_str()),
            ("fgw", "南昌市发展和改革委员会")
        );
        assert_eq!(d.resource_name(), "departments/fgw");
        let e = Department::register("FGW 1", "  ", &"政".repeat(101), &[], now).unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "department.code",
                "department.display_name",
                "department.government"
            ]
        );
        let renamed = d
            .change(
                DepartmentChange {
                    name: Some("南昌市发展改革委"),
                    government: Some(""),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(
            (renamed.code.as_str(), renamed.government.as_str()),
            ("fgw", "")
        );
        let unchanged_name = d
            .change(
                DepartmentChange {
                    government: Some("江西省南昌市人民政府"),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(unchanged_name.name, "南昌市发展和改革委员会");
        assert!(
            d.change(
                DepartmentChange {
                    name: Some(""),
                    ..Default::default()
                },
                now
            )
            .is_err()
        );
    }

    fn draft<'a>(
        channel: Option<Channel>,
        address: &'a str,
        note: &'a str,
    ) -> ChannelGuideDraft<'a> {
        ChannelGuideDraft {
            channel,
            address,
            note,
        }
    }

    #[test]
    fn channel_guides_are_checked_per_channel_and_kept_in_order() {
        let now = DateTime::UNIX_EPOCH;
        let d = Department::register(
            "fgw",
            "南昌市发展和改革委员会",
            "",
            &[
                draft(
                    Some(Channel::Letter),
                    " 南昌市红谷滩区卧龙路999号 ",
                    "请在信封上注明“意见征集”",
                ),
                draft(Some(Channel::Email), "yjzj@nc.gov.cn", ""),
                draft(Some(Channel::Portal), "https://www.nc.gov.cn/hdjl/", ""),
                draft(Some(Channel::Hotline12345), "0791-12345", ""),
            ],
            now,
        )
        .unwrap();
        let order: Vec<Channel> = d.channel_guides.iter().map(|g| g.channel).collect();
        assert_eq!(
            order,
            [
                Channel::Portal,
                Channel::Hotline12345,
                Channel::Email,
                Channel::Letter
            ]
        );
        assert_eq!(
            d.guide(Channel::Letter).unwrap().address,
            "南昌市红谷滩区卧龙路999号"
        );
        assert_eq!(
            d.guide(Channel::Hotline12345).unwrap().href().as_deref(),
            Some("tel:079112345")
        );
        assert_eq!(
            d.guide(Channel::Email).unwrap().href().as_deref(),
            Some("mailto:yjzj@nc.gov.cn")
        );
        assert_eq!(d.guide(Channel::Letter).unwrap().href(), None);
        assert_eq!(d.guide(Channel::Wechat), None);
        // An address that would break out of the link (a row stored before the checks) gets
        // none.
        for (channel, address) in [
            (Channel::Portal, "https://www.nc.gov.cn/\"><script>"),
            (Channel::Portal, "https://www.nc.gov.cn/<img>"),
            (Channel::Portal, "javascript:alert(1)"),
            (Channel::Email, "yjzj@nc.gov.cn\"onclick=\"x"),
            (Channel::Email, "<yjzj@nc.gov.cn>"),
        ] {
            let guide = ChannelGuide {
                channel,
                address: address.to_owned(),
                note: String::new(),
            };
            assert_eq!(guide.href(), None, "{address}");
        }

        let e = Department::register(
            "fgw",
            "南昌市发展和改革委员会",
            "",
            &[
                draft(None, "x", ""),
                draft(Some(Channel::Portal), "javascript:alert(1)", ""),
                draft(Some(Channel::Email), "yjzj at nc.gov.cn", ""),
                draft(Some(Channel::Hotline12345), "拨打热线", ""),
                draft(Some(Channel::Letter), "  ", &"注".repeat(201)),
                draft(Some(Channel::Email), "a@b.cn", ""),
            ],
            now,
        )
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "department.channel_guides[0].channel",
                "department.channel_guides[1].address",
                "department.channel_guides[2].address",
                "department.channel_guides[3].address",
                "department.channel_guides[4].address",
                "department.channel_guides[4].note",
                "department.channel_guides[5].channel",
            ]
        );

        // Guides are replaced whole, or kept when the change leaves them alone.
        let renamed = d
            .change(
                DepartmentChange {
                    name: Some("南昌市发展改革委"),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(renamed.channel_guides, d.channel_guides);
        let only_mail = d
            .change(
                DepartmentChange {
                    channel_guides: Some(&[draft(Some(Channel::Email), "yjzj@nc.gov.cn", "")]),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(only_mail.channel_guides.len(), 1);
    }
    #[test]
    fn a_disabled_department_opens_no_new_consultation() {
        let now = DateTime::UNIX_EPOCH;
        let d = Department::register("fgw", "南昌市发展和改革委员会", "", &[], now).unwrap();
        assert!(d.admit_new_consultation().is_ok());
        let off = d
            .change(
                DepartmentChange {
                    disabled: Some(true),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(off.name, d.name);
        match off.admit_new_consultation() {
            Err(DomainError::FailedPrecondition(v)) => {
                assert_eq!(v[0].rule, "DEPARTMENT_DISABLED");
                assert_eq!(v[0].subject, "departments/fgw");
            }
            other => panic!("{other:?}"),
        }
        // An audit event of an enabled department reads as before the field existed.
        assert!(!serde_json::to_string(&d).unwrap().contains("disabled"));
        let on = off
            .change(
                DepartmentChange {
                    disabled: Some(false),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert!(on.admit_new_consultation().is_ok());
    }
}
