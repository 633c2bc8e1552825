//! Who is calling and what they may do (spec section 10).
//! Credentials are resolved elsewhere; these rules only see the resulting actor.

use serde::{Deserialize, Serialize};

use crate::comment::Channel;
use crate::consultation::Consultation;
use crate::error::DomainError;

/// The role an authenticated caller holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// A public-facing system (portal, WeChat, 12345) bound to its channels.
    CallingSystem {
        /// Channels it may submit on.
        channels: Vec<Channel>,
    },
    /// An officer of one department.
    Officer {
        /// Department code.
        department: String,
    },
    /// Manages catalogues, departments and calling systems.
    Administrator,
    /// Reads everything, changes nothing.
    Auditor,
}

/// Which long-running operations a principal sees ([`Actor::sees_operations`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeesOperations {
    /// Every operation.
    All,
    /// Those on consultations it may read ([`Actor::may_read_internal`]).
    OnReadableConsultations,
    /// None.
    None,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable identifier of the principal, recorded in audit events.
    pub id: String,
    /// Its role.
    pub role: Role,
}

/// Turns a missing credential into `UNAUTHENTICATED`.
pub fn authenticated(actor: Option<&Actor>) -> Result<&Actor, DomainError> {
    actor.ok_or_else(|| DomainError::Unauthenticated {
        reason: "需要身份凭证：请在 authorization 元数据中提供 Bearer 令牌 (missing bearer token)"
            .to_owned(),
    })
}

impl Actor {
    /// The department of an officer.
    pub fn department(&self) -> Option<&str> {
        match &self.role {
            Role::Officer { department } => Some(department),
            _ => None,
        }
    }

    /// Officers create and run consultations of their own department only.
    pub fn may_manage(&self, department: &str) -> Result<(), DomainError> {
        match &self.role {
            Role::Officer { department: own } if own == department => Ok(()),
            Role::Officer { department: own } => Err(DomainError::denied(format!(
                "只能办理本部门（{own}）的征求意见事项，该事项属于{department} (officers act only on their own department's consultations)"
            ))),
            _ => Err(DomainError::denied(
                "只有承办部门的工作人员可以办理征求意见事项 (only officers of the responsible department may do this)",
            )),
        }
    }

    /// Officers of the department and auditors read comments and drafts.
    pub fn may_read_internal(&self, department: &str) -> Result<(), DomainError> {
        match &self.role {
            Role::Auditor => Ok(()),
            _ => self.may_manage(department),
        }
    }

    /// Which long-running operations this principal sees: auditors all of them, officers those
    /// on consultations they may read (another department's officer is refused, as for the
    /// consultation itself), and others none, told that it does not exist so that an
    /// operation's id reveals nothing.
    pub fn sees_operations(&self) -> SeesOperations {
        match &self.role {
            Role::Auditor => SeesOperations::All,
            Role::Officer { .. } => SeesOperations::OnReadableConsultations,
            _ => SeesOperations::None,
        }
    }

    /// Only auditors read and verify the audit log: it records the actions of every department.
    pub fn may_audit(&self) -> Result<(), DomainError> {
        match &self.role {
            Role::Auditor => Ok(()),
            _ => Err(DomainError::denied(
                "只有审计人员可以查阅审计日志 (only auditors read the audit log)",
            )),
        }
    }

    /// Whether drafts of the government's registries (a catalogue not yet published) are
    /// shown: to administrators, who write them, and auditors, who read everything.
    pub fn reads_registry_drafts(&self) -> bool {
        matches!(self.role, Role::Administrator | Role::Auditor)
    }

    /// Calling systems submit on their bound channels; officers enter offline channels.
    pub fn may_submit(
        &self,
        consultation: &Consultation,
        channel: Channel,
    ) -> Result<(), DomainError> {
        match &self.role {
            Role::CallingSystem { channels } if channels.contains(&channel) => Ok(()),
            Role::CallingSystem { .. } => Err(DomainError::denied(format!(
                "调用系统{}未绑定{}渠道 (calling system {} is not bound to channel {})",
                self.id,
                channel.label(),
                self.id,
                channel.code()
            ))),
            Role::Officer { .. } if channel.is_system_channel() => {
                Err(DomainError::denied(format!(
                    "{}渠道的意见由对应系统提交 (comments on {} come from its calling system)",
                    channel.label(),
                    channel.code()
                )))
            }
            Role::Officer { .. } => self.may_manage(&consultation.department),
            Role::Administrator | Role::Auditor => Err(DomainError::denied(
                "管理员和审计员不能提交意见 (administrators and auditors cannot submit comments)",
            )),
        }
    }
}

/// Which consultations a caller sees in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    /// Every consultation (auditors).
    All,
    /// Published ones and every one of this department (its officers).
    PublishedOrDepartment(String),
    /// Published ones only (the public, calling systems, administrators).
    Published,
}

/// The list scope of `actor`.
pub fn list_scope(actor: Option<&Actor>) -> ListScope {
    match actor.map(|a| &a.role) {
        Some(Role::Auditor) => ListScope::All,
        Some(Role::Officer { department }) => ListScope::PublishedOrDepartment(department.clone()),
        _ => ListScope::Published,
    }
}

/// Whether `actor` (or the public) may read `consultation`: published ones are public.
pub fn may_read_consultation(
    actor: Option<&Actor>,
    consultation: &Consultation,
) -> Result<(), DomainError> {
    if consultation.is_public() {
        return Ok(());
    }
    authenticated(actor)?.may_read_internal(&consultation.department)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consultation::{ConsultationKind, DraftChanges};

    fn officer(dept: &str) -> Actor {
        Actor {
            id: format!("officer-{dept}"),
            role: Role::Officer {
                department: dept.into(),
            },
        }
    }

    fn draft(dept: &str) -> Consultation {
        Consultation::create(
            "c1".into(),
            dept.into(),
            ConsultationKind::Plan,
            DraftChanges {
                title: Some("规划".into()),
                ..Default::default()
            },
            "o",
            chrono::Utc::now(),
        )
        .unwrap()
    }

    #[test]
    fn matrix_for_consultations_and_comments() {
        let c = draft("fgw");
        let portal = Actor {
            id: "portal".into(),
            role: Role::CallingSystem {
                channels: vec![Channel::Portal],
            },
        };
        let auditor = Actor {
            id: "audit".into(),
            role: Role::Auditor,
        };
        let admin = Actor {
            id: "admin".into(),
            role: Role::Administrator,
        };
        assert!(officer("fgw").may_manage("fgw").is_ok());
        assert!(officer("jtj").may_manage("fgw").is_err());
        assert!(auditor.may_manage("fgw").is_err());
        assert!(admin.may_manage("fgw").is_err());
        assert!(portal.may_manage("fgw").is_err());

        assert!(auditor.may_read_internal("fgw").is_ok());
        assert!(officer("jtj").may_read_internal("fgw").is_err());

        assert!(portal.may_submit(&c, Channel::Portal).is_ok());
        assert!(portal.may_submit(&c, Channel::Wechat).is_err());
        assert!(officer("fgw").may_submit(&c, Channel::Letter).is_ok());
        assert!(officer("fgw").may_submit(&c, Channel::Portal).is_err());
        assert!(officer("jtj").may_submit(&c, Channel::Letter).is_err());
        assert!(auditor.may_submit(&c, Channel::Letter).is_err());
        // A whole submission check: the permission first, then the window.
        let on = |channel| {
            crate::NewComment::parse(
                channel,
                crate::SubmitterCategory::Citizen,
                crate::CommentFields {
                    content: "建议延长过渡期",
                    ..Default::default()
                },
                None,
                false,
            )
            .expect("comment")
        };
        let now = c.created_at;
        assert!(matches!(
            c.check_submission(&portal, &on(Channel::Wechat), now),
            Err(DomainError::PermissionDenied { .. })
        ));
        assert!(matches!(
            c.check_submission(&portal, &on(Channel::Portal), now),
            Err(DomainError::FailedPrecondition(v)) if v[0].rule == "NOT_OPEN"
        ));

        assert!(matches!(
            may_read_consultation(None, &c),
            Err(DomainError::Unauthenticated { .. })
        ));
        assert!(may_read_consultation(Some(&officer("fgw")), &c).is_ok());
        assert!(may_read_consultation(Some(&officer("jtj")), &c).is_err());
        assert!(may_read_consultation(Some(&auditor), &c).is_ok());
    }
}
