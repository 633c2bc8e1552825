//! Bearer-token authentication: a token's SHA-256 names a configured principal.
//! Tokens are never stored or logged; a request without one is an anonymous member of the public.

use std::collections::HashMap;

use consult_domain::DomainError;
use consult_domain::{Actor, Channel, Role};
use sha2::{Digest, Sha256};
use tonic::Request;

use crate::settings::{PrincipalSettings, RoleName};

/// Lower-case hex SHA-256 of a token, as written in the configuration.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Resolves bearer tokens to actors.
#[derive(Debug, Clone, Default)]
pub struct Authenticator {
    by_hash: HashMap<String, Actor>,
}

impl Authenticator {
    /// Builds the table of principals, refusing an inconsistent configuration.
    pub fn new(principals: &[PrincipalSettings]) -> Result<Self, String> {
        let mut by_hash = HashMap::new();
        let mut ids = std::collections::HashSet::new();
        for p in principals {
            let hash = p.token_sha256.to_ascii_lowercase();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "principal {}: token_sha256 must be 64 hex digits (see `consultd hash-token`)",
                    p.id
                ));
            }
            if !ids.insert(p.id.clone()) {
                return Err(format!("principal {} is configured twice", p.id));
            }
            let role = match p.role {
                RoleName::Officer => Role::Officer {
                    department: p
                        .department
                        .clone()
                        .filter(|d| !d.trim().is_empty())
                        .ok_or_else(|| format!("officer {} needs a department", p.id))?,
                },
                RoleName::CallingSystem => {
                    let channels = p
                        .channels
                        .iter()
                        .map(|c| {
                            Channel::from_code(c).ok_or_else(|| {
                                format!("calling system {}: unknown channel {c}", p.id)
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    if channels.is_empty() {
                        return Err(format!(
                            "calling system {} needs at least one channel",
                            p.id
                        ));
                    }
                    Role::CallingSystem { channels }
                }
                RoleName::Administrator => Role::Administrator,
                RoleName::Auditor => Role::Auditor,
            };
            let actor = Actor {
                id: p.id.clone(),
                role,
            };
            if by_hash.insert(hash, actor).is_some() {
                return Err(format!("principal {} shares its token with another", p.id));
            }
        }
        Ok(Self { by_hash })
    }

    /// The caller of `request`: `None` without credentials, an error for a bad one.
    pub fn actor<T>(&self, request: &Request<T>) -> Result<Option<Actor>, DomainError> {
        let Some(value) = request.metadata().get("authorization") else {
            return Ok(None);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| DomainError::Unauthenticated {
                reason: "authorization 元数据格式应为 \"Bearer <令牌>\" (authorization must be \"Bearer <token>\")"
                    .to_owned(),
            })?;
        self.by_hash
            .get(&hash_token(token))
            .cloned()
            .map(Some)
            .ok_or_else(|| DomainError::Unauthenticated {
                reason: "令牌无效或已停用 (unknown bearer token)".to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(id: &str, role: RoleName, token: &str) -> PrincipalSettings {
        PrincipalSettings {
            id: id.into(),
            role,
            department: Some("fgw".into()),
            channels: vec!["PORTAL".into()],
            token_sha256: hash_token(token),
        }
    }

    #[test]
    fn tokens_resolve_to_their_principal() {
        let auth =
            Authenticator::new(&[principal("portal", RoleName::CallingSystem, "t1")]).unwrap();
        let mut req = Request::new(());
        assert_eq!(auth.actor(&req).unwrap(), None);
        req.metadata_mut()
            .insert("authorization", "Bearer t1".parse().unwrap());
        assert_eq!(auth.actor(&req).unwrap().unwrap().id, "portal");
        req.metadata_mut()
            .insert("authorization", "Bearer wrong".parse().unwrap());
        assert!(matches!(
            auth.actor(&req),
            Err(DomainError::Unauthenticated { .. })
        ));
        req.metadata_mut()
            .insert("authorization", "Basic abc".parse().unwrap());
        assert!(matches!(
            auth.actor(&req),
            Err(DomainError::Unauthenticated { .. })
        ));
    }

    #[test]
    fn inconsistent_configuration_is_refused() {
        let mut p = principal("o", RoleName::Officer, "t");
        p.department = None;
        assert!(Authenticator::new(&[p]).is_err());
        let mut p = principal("s", RoleName::CallingSystem, "t");
        p.channels = vec!["FAX".into()];
        assert!(Authenticator::new(&[p]).is_err());
        let mut p = principal("s", RoleName::Auditor, "t");
        p.token_sha256 = "t".into();
        assert!(Authenticator::new(&[p]).is_err());
        assert!(
            Authenticator::new(&[
                principal("a", RoleName::Auditor, "t"),
                principal("b", RoleName::Auditor, "t")
            ])
            .is_err()
        );
    }
}
