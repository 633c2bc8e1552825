//! Who is calling: a bearer token (static, by its SHA-256, or signed) or a client certificate
//! whose common name is registered to a calling system. Without either, the caller is the public.
//! Credentials of the configuration file are resolved here; those of the register of calling
//! systems are looked up in the database before the handler runs (`services::admit`), which
//! leaves the answer in the request as a [`RegisteredCaller`].

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

/// A credential of a call that the configuration file does not know: the register of calling
/// systems may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// The SHA-256 of a bearer token, lower-case hex.
    TokenSha256(String),
    /// The common name of the client's certificate.
    CertificateCommonName(String),
}

/// The calling system the register names for one of the call's credentials, put in the
/// request's extensions by `services::admit`.
#[derive(Debug, Clone)]
pub(crate) struct RegisteredCaller {
    pub(crate) actor: Actor,
    pub(crate) by: Credential,
}

/// A principal of the configuration file, as administrators are shown it.
#[derive(Debug, Clone)]
pub(crate) struct ConfiguredPrincipal {
    pub(crate) actor: Actor,
    pub(crate) token_sha256: Option<String>,
    pub(crate) certificate_common_name: Option<String>,
}

/// Resolves bearer tokens to actors.
#[derive(Clone, Default)]
pub struct Authenticator {
    by_hash: HashMap<String, Actor>,
    /// Calling systems by the common name of their client certificate (mutual TLS).
    by_certificate: HashMap<String, Actor>,
    /// The configuration file's principals, in its order.
    configured: Vec<ConfiguredPrincipal>,
    /// Whether clients present certificates (`[tls] client_ca_file`).
    mutual_tls: bool,
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
        let mut by_certificate = HashMap::new();
        let mut ids = std::collections::HashSet::new();
        let mut configured = Vec::new();
        for p in principals {
            if !ids.insert(p.id.clone()) {
                return Err(format!("principal {} is configured twice", p.id));
            }
            let role = role_of(&p.id, p.role, p.department.as_deref(), &p.channels)?;
            let actor = Actor {
                id: p.id.clone(),
                role,
            };
            if p.token_sha256.is_none() && p.certificate_common_name.is_none() {
                return Err(format!(
                    "principal {} needs token_sha256 or certificate_common_name",
                    p.id
                ));
            }
            configured.push(ConfiguredPrincipal {
                actor: actor.clone(),
                token_sha256: p.token_sha256.as_ref().map(|h| h.to_ascii_lowercase()),
                certificate_common_name: p
                    .certificate_common_name
                    .as_ref()
                    .map(|cn| cn.trim().to_owned()),
            });
            if let Some(hash) = &p.token_sha256 {
                let hash = hash.to_ascii_lowercase();
                if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!(
                        "principal {}: token_sha256 must be 64 hex digits (see `consultd hash-token`)",
                        p.id
                    ));
                }
                if by_hash.insert(hash, actor.clone()).is_some() {
                    return Err(format!("principal {} shares its token with another", p.id));
                }
            }
            if let Some(cn) = &p.certificate_common_name {
                // People sign in with tokens; a certificate speaks for a system.
                if p.role != RoleName::CallingSystem {
                    return Err(format!(
                        "principal {}: only calling systems are identified by certificate",
                        p.id
                    ));
                }
                let cn = cn.trim();
                if cn.is_empty() {
                    return Err(format!(
                        "principal {}: certificate_common_name is empty",
                        p.id
                    ));
                }
                if by_certificate.insert(cn.to_owned(), actor).is_some() {
                    return Err(format!(
                        "principal {}: certificate common name {cn} is registered twice",
                        p.id
                    ));
                }
            }
        }
        Ok(Self {
            by_hash,
            by_certificate,
            configured,
            mutual_tls: false,
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
        let mutual_tls = settings
            .tls
            .as_ref()
            .is_some_and(|t| t.client_ca_file.is_some());
        auth.mutual_tls = mutual_tls;
        if !auth.by_certificate.is_empty() && !mutual_tls {
            return Err(
                "certificate_common_name needs mutual TLS: set [tls] client_ca_file, whose CA issues the certificates"
                    .into(),
            );
        }
        if auth.refuse_static && auth.jwt.is_none() {
            return Err(
                "production mode needs [jwt]: static tokens are for development only".into(),
            );
        }
        Ok(auth)
    }

    /// The caller of `request`: `None` without credentials, an error for a bad one. A client
    /// certificate registered to a calling system identifies it; a bearer token beside it must
    /// name the same principal.
    pub fn actor<T>(&self, request: &Request<T>) -> Result<Option<Actor>, DomainError> {
        let registered = request.extensions().get::<Vec<RegisteredCaller>>();
        let registered_by = |token: bool| {
            registered.and_then(|r| {
                r.iter()
                    .find(|c| matches!(c.by, Credential::TokenSha256(_)) == token)
                    .map(|c| c.actor.clone())
            })
        };
        let by_certificate = registered_by(false).or_else(|| self.certificate_actor(request));
        let by_token = match registered_by(true) {
            Some(actor) => Some(actor),
            None => self.token_actor(request)?,
        };
        match (by_certificate, by_token) {
            (Some(c), Some(t)) if c.id != t.id => Err(unauthenticated(&format!(
                "客户端证书属于 {}，令牌却属于 {}；请使用本系统自己的令牌或不带令牌 (the client certificate and the bearer token name different callers)",
                c.id, t.id
            ))),
            (_, Some(t)) => Ok(Some(t)),
            (c, None) => Ok(c),
        }
    }

    /// The configuration file's principals.
    pub(crate) fn configured(&self) -> &[ConfiguredPrincipal] {
        &self.configured
    }

    /// What the configuration settles for the register of calling systems.
    pub(crate) fn configured_for_register(&self) -> consult_domain::calling_system::Configured<'_> {
        consult_domain::calling_system::Configured {
            principals: self
                .configured
                .iter()
                .map(|p| consult_domain::calling_system::ConfiguredPrincipal {
                    id: &p.actor.id,
                    token_sha256: p.token_sha256.as_deref(),
                    certificate_common_name: p.certificate_common_name.as_deref(),
                })
                .collect(),
            mutual_tls: self.mutual_tls,
        }
    }

    /// The credentials of `request` the configuration does not know, for the register to look
    /// up: a bearer token that is not a signed one, a certificate's common name. Registered
    /// tokens are accepted in production mode too: they are issued at random, stored only as
    /// digests and disabled at once, unlike the configuration file's.
    pub(crate) fn unconfigured_credentials<T>(&self, request: &Request<T>) -> Vec<Credential> {
        let mut found = Vec::new();
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if let Some(token) = token {
            let signed = self.jwt.is_some() && token.split('.').count() == 3;
            let hash = hash_token(token);
            if !signed && (self.refuse_static || !self.by_hash.contains_key(&hash)) {
                found.push(Credential::TokenSha256(hash));
            }
        }
        if self.mutual_tls
            && let Some(cn) = peer_certificate(request).and_then(|der| common_name(&der))
            && !self.by_certificate.contains_key(&cn)
        {
            found.push(Credential::CertificateCommonName(cn));
        }
        found
    }

    /// The calling system registered to the common name of the peer's certificate, if any.
    fn certificate_actor<T>(&self, request: &Request<T>) -> Option<Actor> {
        if self.by_certificate.is_empty() {
            return None;
        }
        let der = peer_certificate(request)?;
        self.by_certificate.get(&common_name(&der)?).cloned()
    }

    fn token_actor<T>(&self, request: &Request<T>) -> Result<Option<Actor>, DomainError> {
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

/// The DER of the client's certificate from the TLS session (unit tests, having no session,
/// put it in an extension).
fn peer_certificate<T>(request: &Request<T>) -> Option<Vec<u8>> {
    #[cfg(test)]
    if let Some(c) = request.extensions().get::<tests::PeerCertificate>() {
        return Some(c.0.clone());
    }
    request.peer_certs()?.first().map(|c| c.to_vec())
}

/// The common name (OID 2.5.4.3) in the subject of a DER certificate. The TLS handshake has
/// already checked the certificate against the client CA; this only reads whom it names.
fn common_name(der: &[u8]) -> Option<String> {
    use x509_cert::der::Decode;
    use x509_cert::der::asn1::ObjectIdentifier;
    const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    cert.tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == CN)
        .and_then(|atv| std::str::from_utf8(atv.value.value()).ok())
        .map(|s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client certificate as the TLS layer would hand it over.
    #[derive(Clone)]
    pub(super) struct PeerCertificate(pub(super) Vec<u8>);

    fn principal(id: &str, role: RoleName, token: &str) -> PrincipalSettings {
        PrincipalSettings {
            id: id.into(),
            role,
            department: Some("fgw".into()),
            channels: vec!["PORTAL".into()],
            token_sha256: Some(hash_token(token)),
            certificate_common_name: None,
        }
    }

    /// The DER of a PEM certificate in the test fixtures.
    fn fixture_der(name: &str) -> Vec<u8> {
        use base64::Engine;
        let pem = std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/tls/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    #[test]
    fn a_registered_client_certificate_names_its_calling_system() {
        let mut gateway = principal("portal-gateway", RoleName::CallingSystem, "unused");
        gateway.token_sha256 = None;
        gateway.certificate_common_name = Some("portal".into());
        let auth = Authenticator::new(&[
            gateway,
            principal("hotline", RoleName::CallingSystem, "t-hotline"),
            principal("portal-gateway-token", RoleName::CallingSystem, "t-other"),
        ])
        .unwrap();
        assert_eq!(
            common_name(&fixture_der("client.pem")).as_deref(),
            Some("portal")
        );
        assert_eq!(
            common_name(&fixture_der("office.pem")).as_deref(),
            Some("records-office")
        );
        assert_eq!(common_name(b"not a certificate"), None);

        let with_cert = |name: &str, token: Option<&str>| {
            let mut req = Request::new(());
            req.extensions_mut()
                .insert(PeerCertificate(fixture_der(name)));
            if let Some(t) = token {
                req.metadata_mut()
                    .insert("authorization", format!("Bearer {t}").parse().unwrap());
            }
            auth.actor(&req)
        };
        // The certificate alone identifies the calling system, with its channels.
        let actor = with_cert("client.pem", None).unwrap().unwrap();
        assert_eq!(actor.id, "portal-gateway");
        assert!(
            matches!(actor.role, Role::CallingSystem { ref channels } if channels == &[Channel::Portal])
        );
        // An unregistered certificate identifies nobody; the token still does.
        assert_eq!(with_cert("office.pem", None).unwrap(), None);
        assert_eq!(
            with_cert("office.pem", Some("t-hotline"))
                .unwrap()
                .unwrap()
                .id,
            "hotline"
        );
        // A token naming someone else than the certificate is refused, naming both.
        match with_cert("client.pem", Some("t-hotline")) {
            Err(DomainError::Unauthenticated { reason }) => {
                assert!(
                    reason.contains("portal-gateway") && reason.contains("hotline"),
                    "{reason}"
                );
            }
            other => panic!("expected UNAUTHENTICATED, got {other:?}"),
        }
    }

    #[test]
    fn only_calling_systems_are_identified_by_certificate() {
        let mut officer = principal("o", RoleName::Officer, "t");
        officer.certificate_common_name = Some("o".into());
        assert!(Authenticator::new(&[officer]).is_err());
        let mut nothing = principal("s", RoleName::CallingSystem, "t");
        nothing.token_sha256 = None;
        assert!(Authenticator::new(&[nothing]).is_err());
        let twice = |id: &str| {
            let mut p = principal(id, RoleName::CallingSystem, id);
            p.certificate_common_name = Some("portal".into());
            p
        };
        assert!(Authenticator::new(&[twice("a"), twice("b")]).is_err());
        let mut blank = principal("s", RoleName::CallingSystem, "t");
        blank.certificate_common_name = Some("  ".into());
        assert!(Authenticator::new(&[blank]).is_err());
    }

    #[test]
    fn certificate_identities_need_mutual_tls() {
        let mut gateway = principal("gateway", RoleName::CallingSystem, "t");
        gateway.certificate_common_name = Some("portal".into());
        let mut settings = Settings {
            principals: vec![gateway],
            ..Settings::default()
        };
        let e = Authenticator::from_settings(&settings).err().unwrap();
        assert!(e.contains("client_ca_file"), "{e}");
        let tls = crate::settings::TlsSettings {
            cert_file: "server.pem".into(),
            key_file: "server.key".into(),
            client_ca_file: None,
        };
        settings.tls = Some(tls.clone());
        assert!(Authenticator::from_settings(&settings).is_err());
        settings.tls = Some(crate::settings::TlsSettings {
            client_ca_file: Some("ca.pem".into()),
            ..tls
        });
        assert!(Authenticator::from_settings(&settings).is_ok());
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
    fn only_credentials_the_configuration_does_not_know_are_looked_up_in_the_register() {
        let mut auth =
            Authenticator::new(&[principal("portal", RoleName::CallingSystem, "t1")]).unwrap();
        let with = |token: &str| {
            let mut req = Request::new(());
            req.metadata_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
            req
        };
        assert_eq!(auth.unconfigured_credentials(&with("t1")), []);
        assert_eq!(auth.unconfigured_credentials(&Request::new(())), []);
        assert_eq!(
            auth.unconfigured_credentials(&with("cs_registered")),
            [Credential::TokenSha256(hash_token("cs_registered"))]
        );
        // Found in the register, the system is the caller, whatever the file says.
        let mut req = with("cs_registered");
        let registered = Actor {
            id: "county-portal".into(),
            role: Role::CallingSystem {
                channels: vec![Channel::Wechat],
            },
        };
        req.extensions_mut().insert(vec![RegisteredCaller {
            actor: registered.clone(),
            by: Credential::TokenSha256(hash_token("cs_registered")),
        }]);
        assert_eq!(auth.actor(&req).unwrap(), Some(registered));
        // Not found, it is refused as unknown.
        assert!(matches!(
            auth.actor(&with("cs_registered")),
            Err(DomainError::Unauthenticated { .. })
        ));
        // In production mode the file's static tokens are refused, but a token is still looked
        // up in the register.
        auth.refuse_static = true;
        assert_eq!(
            auth.unconfigured_credentials(&with("t1")),
            [Credential::TokenSha256(hash_token("t1"))]
        );
        assert!(auth.actor(&with("t1")).is_err());
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
        p.token_sha256 = Some("t".into());
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
