//! Bearer-token authentication: a token's SHA-256 names a configured principal.
//! Tokens are never stored or logged; a request without one is an anonymous member of the public.

use std::collections::HashMap;

use consult_domain::DomainError;
use consult_domain::{Actor, Channel, Role};
use sha2::{Digest, Sha256};
use tonic::Request;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::settings::{JwtSettings, Mode, PrincipalSettings, RoleName, Settings};

/// Lower-case hex SHA-256 of a token, as written in the configuration.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Resolves bearer tokens to actors.
#[derive(Clone, Default)]
pub struct Authenticator {
    by_hash: HashMap<String, Actor>,
    /// Whether static tokens are accepted (development mode).
    refuse_static: bool,
    jwt: Option<JwtVerifier>,
}

/// The role of a principal from its configured (or claimed) role name, department and channels.
fn role_of(
    id: &str,
    role: RoleName,
    department: Option<&str>,
    channels: &[String],
) -> Result<Role, String> {
    Ok(match role {
        RoleName::Officer => Role::Officer {
            department: department
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("officer {id} needs a department"))?,
        },
        RoleName::CallingSystem => {
            let channels = channels
                .iter()
                .map(|c| {
                    Channel::from_code(c)
                        .ok_or_else(|| format!("calling system {id}: unknown channel {c}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if channels.is_empty() {
                return Err(format!("calling system {id} needs at least one channel"));
            }
            Role::CallingSystem { channels }
        }
        RoleName::Administrator => Role::Administrator,
        RoleName::Auditor => Role::Auditor,
    })
}

/// Checks signed tokens against the configured issuer, audience and keys.
#[derive(Clone)]
struct JwtVerifier {
    issuer: String,
    audience: String,
    leeway: u64,
    keys: Vec<(Option<String>, Algorithm, DecodingKey)>,
}

/// What a signed token must say about its holder.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    role: RoleName,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    channels: Vec<String>,
}

fn unauthenticated(reason: &str) -> DomainError {
    DomainError::Unauthenticated {
        reason: reason.to_owned(),
    }
}

impl JwtVerifier {
    fn new(s: &JwtSettings) -> Result<Self, String> {
        if s.keys.is_empty() {
            return Err("jwt: at least one key is needed".to_owned());
        }
        let mut keys = Vec::new();
        for k in &s.keys {
            let pem = std::fs::read(&k.public_key_file)
                .map_err(|e| format!("jwt key {}: {e}", k.public_key_file.display()))?;
            let (alg, key) = match k.algorithm.as_str() {
                "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(&pem)),
                "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(&pem)),
                other => {
                    return Err(format!(
                        "jwt key {}: algorithm {other} is not accepted (EdDSA or RS256)",
                        k.public_key_file.display()
                    ));
                }
            };
            let key = key.map_err(|e| format!("jwt key {}: {e}", k.public_key_file.display()))?;
            keys.push((k.id.clone(), alg, key));
        }
        Ok(JwtVerifier {
            issuer: s.issuer.clone(),
            audience: s.audience.clone(),
            // A bounded skew: a stolen expired token must not live on for long.
            leeway: s.leeway_seconds.min(300),
            keys,
        })
    }

    fn actor(&self, token: &str) -> Result<Actor, DomainError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| {
            unauthenticated("令牌无法解析，或其签名算法不被接受（仅接受 EdDSA、RS256）(malformed token or algorithm not accepted)")
        })?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway;
        let mut last = None;
        for (kid, alg, key) in &self.keys {
            if *alg != header.alg || (kid.is_some() && header.kid.is_some() && *kid != header.kid) {
                continue;
            }
            match jsonwebtoken::decode::<Claims>(token, key, &validation) {
                Ok(data) => {
                    let c = data.claims;
                    let role = role_of(&c.sub, c.role, c.department.as_deref(), &c.channels)
                        .map_err(|e| {
                            unauthenticated(&format!(
                                "令牌声明的身份不完整 (incomplete identity claims): {e}"
                            ))
                        })?;
                    return Ok(Actor { id: c.sub, role });
                }
                Err(e) => last = Some(e),
            }
        }
        use jsonwebtoken::errors::ErrorKind;
        Err(unauthenticated(match last.as_ref().map(|e| e.kind()) {
            Some(ErrorKind::ExpiredSignature) => "令牌已过期 (token expired)",
            Some(ErrorKind::ImmatureSignature) => "令牌尚未生效 (token not yet valid)",
            Some(ErrorKind::InvalidAudience) => {
                "令牌的受众不是本服务 (token is for another audience)"
            }
            Some(ErrorKind::InvalidIssuer) => "令牌的签发方不受信任 (untrusted issuer)",
            Some(ErrorKind::InvalidSignature) => "令牌签名无效 (bad signature)",
            Some(ErrorKind::MissingRequiredClaim(_)) => "令牌缺少必需的声明 (missing claim)",
            None => "没有可验证该令牌的密钥 (no key for this token's algorithm or kid)",
            _ => "令牌无效 (invalid token)",
        }))
    }
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
            let role = role_of(&p.id, p.role, p.department.as_deref(), &p.channels)?;
            let actor = Actor {
                id: p.id.clone(),
                role,
            };
            if by_hash.insert(hash, actor).is_some() {
                return Err(format!("principal {} shares its token with another", p.id));
            }
        }
        Ok(Self {
            by_hash,
            refuse_static: false,
            jwt: None,
        })
    }

    /// The authenticator the settings describe: static principals (refused in production
    /// mode) and signed tokens.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let mut auth = Self::new(&settings.principals)?;
        auth.refuse_static = settings.mode == Mode::Production;
        auth.jwt = settings.jwt.as_ref().map(JwtVerifier::new).transpose()?;
        if auth.refuse_static && auth.jwt.is_none() {
            return Err(
                "production mode needs [jwt]: static tokens are for development only".into(),
            );
        }
        Ok(auth)
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
        // Signed tokens have three dot-separated parts; static ones have none.
        if let Some(jwt) = self.jwt.as_ref().filter(|_| token.split('.').count() == 3) {
            return jwt.actor(token).map(Some);
        }
        if self.refuse_static {
            return Err(unauthenticated(
                "生产模式只接受签名令牌，开发用静态令牌不被接受 (static development tokens are refused in production mode)",
            ));
        }
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
