//! The register of calling systems (调用系统): the portals, mini-programs and hotlines that
//! submit the public's comments, each bound to its channels and identified by the SHA-256 of
//! its bearer token or by the common name of its client certificate. Administrators register,
//! rename, rebind and disable them at run time; a disabled one is refused at its next call on
//! every replica, because every call from a registered system is checked against the register.
//! Principals of the configuration file stay as they are, shown beside the register and
//! never shadowed by it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::actor::{Actor, Role};
use crate::comment::Channel;
use crate::consultation::is_meaningful;
use crate::error::{DomainError, Violations};

/// Longest calling-system id.
pub const ID_MAX_CHARS: usize = 64;
/// Longest display name.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest certificate common name (X.520 `ub-common-name`).
pub const COMMON_NAME_MAX_CHARS: usize = 64;

/// A calling system as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallingSystem {
    /// Stable id, recorded as the actor of everything it does, e.g. `hotline-12345`.
    pub id: String,
    /// What administrators and officers read, e.g. `12345政务服务便民热线`.
    pub display_name: String,
    /// The channels it may submit on, in the vocabulary's order, none twice.
    pub channels: Vec<Channel>,
    /// Lower-case hex SHA-256 of its bearer token; the token itself is never stored. Left out
    /// of audit events: a digest is still a credential's fingerprint.
    #[serde(skip)]
    pub token_sha256: Option<String>,
    /// The common name of its client certificate (mutual TLS), if it is identified so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_common_name: Option<String>,
    /// A disabled system is refused at its next call.
    pub disabled: bool,
    /// When it was registered or last changed.
    pub updated_at: DateTime<Utc>,
}

/// A registration as an administrator asks for it.
#[derive(Debug, Clone, Copy)]
pub struct CallingSystemDraft<'a> {
    /// The id asked for.
    pub id: &'a str,
    /// The display name.
    pub display_name: &'a str,
    /// The channels as given; `None` for a number the vocabulary does not know.
    pub channels: &'a [Option<Channel>],
    /// The digest of a token the system already holds, if any.
    pub token_sha256: Option<&'a str>,
    /// The common name of its certificate, if any.
    pub certificate_common_name: Option<&'a str>,
}

/// What an administrator changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallingSystemChange<'a> {
    /// A new display name.
    pub display_name: Option<&'a str>,
    /// New channels, replacing all of them.
    pub channels: Option<&'a [Option<Channel>]>,
    /// Disable (`true`) or enable again (`false`).
    pub disabled: Option<bool>,
    /// The digest of a new token, replacing the old one (which stops working at once).
    pub token_sha256: Option<&'a str>,
}

/// A principal of the configuration file, whose id and credentials the register may not take.
#[derive(Debug, Clone, Copy)]
pub struct ConfiguredPrincipal<'a> {
    /// Its id.
    pub id: &'a str,
    /// The digest of its token, lower-case.
    pub token_sha256: Option<&'a str>,
    /// The common name of its certificate.
    pub certificate_common_name: Option<&'a str>,
}

/// What the service's configuration already settles: the file's principals, whose ids and
/// credentials the register may not take, and whether clients present certificates at all.
#[derive(Debug, Clone, Default)]
pub struct Configured<'a> {
    /// The configuration file's principals.
    pub principals: Vec<ConfiguredPrincipal<'a>>,
    /// Whether mutual TLS is on (`[tls] client_ca_file`): without it no certificate is seen.
    pub mutual_tls: bool,
}

impl Configured<'_> {
    /// Refuses to change through the register a system the configuration file defines: it
    /// changes only with the file (`CONFIGURED_PRINCIPAL`).
    pub fn refuse_configured(&self, id: &str) -> Result<(), DomainError> {
        if self.principals.iter().any(|p| p.id == id) {
            return Err(DomainError::precondition(
                "CONFIGURED_PRINCIPAL",
                resource_name(id),
                "该调用系统由配置文件定义，请修改配置文件后重启 (defined by the configuration file: edit it and restart)",
            ));
        }
        Ok(())
    }
}

/// `callingSystems/{id}`.
pub fn resource_name(id: &str) -> String {
    format!("callingSystems/{id}")
}

impl CallingSystem {
    /// `callingSystems/{id}`.
    pub fn resource_name(&self) -> String {
        resource_name(&self.id)
    }

    /// Checks a new registration, reporting every bad field at once; a credential or id the
    /// configuration file already gives a principal is `ALREADY_EXISTS`.
    pub fn register(
        draft: CallingSystemDraft<'_>,
        configured: &Configured<'_>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let id = draft.id.trim();
        if id.is_empty()
            || id.chars().count() > ID_MAX_CHARS
            || !id.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
            })
        {
            v.push(
                "calling_system.id",
                format!(
                    "调用系统标识须为1到{ID_MAX_CHARS}个小写字母、数字、“-”“_”或“.” (1-{ID_MAX_CHARS} lower-case letters, digits, -, _ or .)"
                ),
            );
        }
        let display_name = display_name(&mut v, draft.display_name);
        let channels = channels(&mut v, draft.channels);
        let token_sha256 = draft
            .token_sha256
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| token_digest(&mut v, t));
        let certificate_common_name = draft
            .certificate_common_name
            .map(str::trim)
            .filter(|cn| !cn.is_empty())
            .map(|cn| {
                if cn.chars().count() > COMMON_NAME_MAX_CHARS || cn.chars().any(char::is_control) {
                    v.push(
                        "calling_system.certificate_common_name",
                        format!(
                            "证书通用名不超过{COMMON_NAME_MAX_CHARS}个字符且不含控制字符 (at most {COMMON_NAME_MAX_CHARS} characters, no control characters)"
                        ),
                    );
                }
                cn.to_owned()
            });
        if token_sha256.is_none() && certificate_common_name.is_none() {
            v.push(
                "calling_system.token_sha256",
                "须提供令牌摘要或证书通用名，或留空由服务签发令牌 (a token digest or a certificate common name is needed)",
            );
        }
        v.finish()?;
        if certificate_common_name.is_some() && !configured.mutual_tls {
            return Err(DomainError::precondition(
                "MUTUAL_TLS_REQUIRED",
                resource_name(id),
                "本服务未启用双向TLS（[tls] client_ca_file），无法凭证书识别调用系统 (certificates identify calling systems only with mutual TLS)",
            ));
        }
        let system = Self {
            id: id.to_owned(),
            display_name,
            channels,
            token_sha256,
            certificate_common_name,
            disabled: false,
            updated_at: now,
        };
        for p in &configured.principals {
            let clash = if p.id == system.id {
                Some("标识")
            } else if p.token_sha256.is_some() && p.token_sha256 == system.token_sha256.as_deref() {
                Some("令牌")
            } else if p.certificate_common_name.is_some()
                && p.certificate_common_name == system.certificate_common_name.as_deref()
            {
                Some("证书通用名")
            } else {
                None
            };
            if let Some(what) = clash {
                return Err(DomainError::AlreadyExists {
                    resource: resource_name(p.id),
                    description: format!(
                        "配置文件中的主体 {} 已使用该{what} (a principal of the configuration file holds this {})",
                        p.id,
                        match what {
                            "标识" => "id",
                            "令牌" => "token",
                            _ => "certificate common name",
                        }
                    ),
                });
            }
        }
        Ok(system)
    }

    /// The system renamed, rebound, given a new token, disabled or enabled again.
    pub fn change(
        &self,
        change: CallingSystemChange<'_>,
        configured: &Configured<'_>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        let display_name = display_name(&mut v, change.display_name.unwrap_or(&self.display_name));
        let channels = match change.channels {
            Some(given) => channels(&mut v, given),
            None => self.channels.clone(),
        };
        let token_sha256 = match change.token_sha256 {
            Some(t) => Some(token_digest(&mut v, t.trim())),
            None => self.token_sha256.clone(),
        };
        v.finish()?;
        if let Some(p) = configured
            .principals
            .iter()
            .find(|p| p.token_sha256.is_some() && p.token_sha256 == token_sha256.as_deref())
        {
            return Err(DomainError::AlreadyExists {
                resource: resource_name(p.id),
                description: format!(
                    "配置文件中的主体 {} 已使用该令牌 (a principal of the configuration file holds this token)",
                    p.id
                ),
            });
        }
        Ok(Self {
            id: self.id.clone(),
            display_name,
            channels,
            token_sha256,
            certificate_common_name: self.certificate_common_name.clone(),
            disabled: change.disabled.unwrap_or(self.disabled),
            updated_at: now,
        })
    }

    /// The caller this system's credential names, or `UNAUTHENTICATED` once it is disabled:
    /// its token (or certificate) stops working at its next call.
    pub fn actor(&self) -> Result<Actor, DomainError> {
        if self.disabled {
            return Err(DomainError::Unauthenticated {
                reason: format!(
                    "调用系统 {} 已停用，请联系管理员 (the calling system is disabled)",
                    self.id
                ),
            });
        }
        Ok(Actor {
            id: self.id.clone(),
            role: Role::CallingSystem {
                channels: self.channels.clone(),
            },
        })
    }
}

fn display_name(v: &mut Violations, name: &str) -> String {
    let name = name.trim();
    if !is_meaningful(name) || name.chars().count() > NAME_MAX_CHARS {
        v.push(
            "calling_system.display_name",
            format!("须填写名称，不超过{NAME_MAX_CHARS}个字符 (a name of at most {NAME_MAX_CHARS} characters is required)"),
        );
    }
    name.to_owned()
}

/// The channels in the vocabulary's order; unknown ones, repeats and none at all refused.
fn channels(v: &mut Violations, given: &[Option<Channel>]) -> Vec<Channel> {
    let mut channels: Vec<Channel> = Vec::new();
    for (i, c) in given.iter().enumerate() {
        match c {
            None => v.push(
                format!("calling_system.channels[{i}]"),
                "未知的渠道 (unknown channel)",
            ),
            Some(c) if channels.contains(c) => v.push(
                format!("calling_system.channels[{i}]"),
                format!("渠道 {} 重复 (channel given twice)", c.code()),
            ),
            Some(c) => channels.push(*c),
        }
    }
    if given.is_empty() {
        v.push(
            "calling_system.channels",
            "至少绑定一个渠道 (at least one channel is needed)",
        );
    }
    channels.sort_by_key(|c| Channel::ALL.iter().position(|x| x == c));
    channels
}

fn token_digest(v: &mut Violations, digest: &str) -> String {
    let digest = digest.to_ascii_lowercase();
    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        v.push(
            "calling_system.token_sha256",
            "令牌摘要须为64位十六进制的 SHA-256 (the SHA-256 of the token as 64 hex digits)",
        );
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn draft<'a>(channels: &'a [Option<Channel>]) -> CallingSystemDraft<'a> {
        CallingSystemDraft {
            id: "hotline-12345",
            display_name: "12345政务服务便民热线",
            channels,
            token_sha256: Some(DIGEST),
            certificate_common_name: None,
        }
    }

    fn fields(e: &DomainError) -> Vec<String> {
        match e {
            DomainError::InvalidArgument(v) => v.iter().map(|f| f.field.clone()).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_registration_is_checked_field_by_field() {
        let now = DateTime::UNIX_EPOCH;
        let given = [Some(Channel::Hotline12345), Some(Channel::Portal)];
        let s = CallingSystem::register(draft(&given), &Configured::default(), now).unwrap();
        assert_eq!(s.resource_name(), "callingSystems/hotline-12345");
        // The vocabulary's order, whatever order they were given in.
        assert_eq!(s.channels, [Channel::Portal, Channel::Hotline12345]);
        assert_eq!(s.actor().unwrap().id, "hotline-12345");

        let bad = [None, Some(Channel::Portal), Some(Channel::Portal)];
        let e = CallingSystem::register(
            CallingSystemDraft {
                id: "Hotline 12345",
                display_name: " ",
                channels: &bad,
                token_sha256: Some("abc"),
                certificate_common_name: None,
            },
            &Configured::default(),
            now,
        )
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "calling_system.id",
                "calling_system.display_name",
                "calling_system.channels[0]",
                "calling_system.channels[2]",
                "calling_system.token_sha256"
            ]
        );
        let e = CallingSystem::register(
            CallingSystemDraft {
                token_sha256: None,
                certificate_common_name: Some("  "),
                ..draft(&[])
            },
            &Configured::default(),
            now,
        )
        .unwrap_err();
        assert_eq!(
            fields(&e),
            ["calling_system.channels", "calling_system.token_sha256"]
        );
    }

    #[test]
    fn the_configuration_files_principals_keep_their_ids_and_credentials() {
        let now = DateTime::UNIX_EPOCH;
        let given = [Some(Channel::Portal)];
        let configured = |id, token, cn| ConfiguredPrincipal {
            id,
            token_sha256: token,
            certificate_common_name: cn,
        };
        for (p, what) in [
            (configured("hotline-12345", None, None), "id"),
            (configured("portal", Some(DIGEST), None), "token"),
            (
                configured("gateway", None, Some("hotline")),
                "certificate common name",
            ),
        ] {
            let d = CallingSystemDraft {
                certificate_common_name: Some("hotline"),
                ..draft(&given)
            };
            let configured = Configured {
                principals: vec![p],
                mutual_tls: true,
            };
            match CallingSystem::register(d, &configured, now) {
                Err(DomainError::AlreadyExists {
                    resource,
                    description,
                }) => {
                    assert_eq!(resource, resource_name(p.id));
                    assert!(description.contains(what), "{description}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_certificate_identifies_a_system_only_with_mutual_tls() {
        let given = [Some(Channel::Portal)];
        let d = CallingSystemDraft {
            token_sha256: None,
            certificate_common_name: Some("portal"),
            ..draft(&given)
        };
        let now = DateTime::UNIX_EPOCH;
        match CallingSystem::register(d, &Configured::default(), now) {
            Err(DomainError::FailedPrecondition(v)) => assert_eq!(v[0].rule, "MUTUAL_TLS_REQUIRED"),
            other => panic!("{other:?}"),
        }
        let on = Configured {
            mutual_tls: true,
            ..Configured::default()
        };
        let s = CallingSystem::register(d, &on, now).unwrap();
        assert_eq!(s.certificate_common_name.as_deref(), Some("portal"));
        assert_eq!(s.token_sha256, None);
    }

    #[test]
    fn the_configuration_files_systems_are_not_changed_through_the_register() {
        let configured = Configured {
            principals: vec![ConfiguredPrincipal {
                id: "portal",
                token_sha256: None,
                certificate_common_name: None,
            }],
            mutual_tls: false,
        };
        match configured.refuse_configured("portal") {
            Err(DomainError::FailedPrecondition(v)) => {
                assert_eq!(v[0].rule, "CONFIGURED_PRINCIPAL");
                assert_eq!(v[0].subject, "callingSystems/portal");
            }
            other => panic!("{other:?}"),
        }
        assert!(configured.refuse_configured("county-portal").is_ok());
    }

    #[test]
    fn a_disabled_system_is_refused_and_can_be_enabled_again() {
        let now = DateTime::UNIX_EPOCH;
        let given = [Some(Channel::Hotline12345)];
        let s = CallingSystem::register(draft(&given), &Configured::default(), now).unwrap();
        let off = s
            .change(
                CallingSystemChange {
                    disabled: Some(true),
                    ..Default::default()
                },
                &Configured::default(),
                now,
            )
            .unwrap();
        assert!(matches!(
            off.actor(),
            Err(DomainError::Unauthenticated { reason }) if reason.contains("hotline-12345")
        ));
        let on = off
            .change(
                CallingSystemChange {
                    disabled: Some(false),
                    display_name: Some("12345热线"),
                    ..Default::default()
                },
                &Configured::default(),
                now,
            )
            .unwrap();
        assert_eq!(on.display_name, "12345热线");
        assert!(on.actor().is_ok());
        // Rebinding checks the channels again; a new token replaces the old digest.
        let e = on
            .change(
                CallingSystemChange {
                    channels: Some(&[]),
                    token_sha256: Some("xyz"),
                    ..Default::default()
                },
                &Configured::default(),
                now,
            )
            .unwrap_err();
        assert_eq!(
            fields(&e),
            ["calling_system.channels", "calling_system.token_sha256"]
        );
        // The token digest never reaches an audit event.
        let json = serde_json::to_string(&on).unwrap();
        assert!(!json.contains(DIGEST), "{json}");
    }
}
