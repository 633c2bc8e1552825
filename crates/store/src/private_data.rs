//! Submitters' private fields (name, organisation, contact) sealed at rest with AES-256-GCM.
//! Each comment row names the key that sealed it, so keys rotate by re-sealing row by row.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// Length of a key in bytes.
pub(crate) const KEY_BYTES: usize = 32;

/// Id of the built-in development key.
const DEVELOPMENT_KEY_ID: &str = "development";

/// Why a set of keys cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// A key is not 32 bytes in base64 or hex.
    #[error(
        "密钥 {id} 无法使用：{reason} (private data key {id} must be 32 bytes as base64 or hex)"
    )]
    Malformed {
        /// The key's id.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The current key is not among the keys.
    #[error("当前密钥 {0} 不在密钥列表中 (current_key is not one of the configured keys)")]
    UnknownCurrent(String),
    /// Two keys share an id.
    #[error("密钥编号 {0} 重复 (duplicate key id)")]
    DuplicateId(String),
    /// The development key was configured for production.
    #[error("生产模式不得使用内置开发密钥 (the built-in development key is refused in production)")]
    DevelopmentKey,
}

/// A contact as compared: full-width forms folded, lower case, without spaces, hyphens,
/// brackets and a leading country code of China.
fn fold_contact(contact: &str) -> String {
    let folded: String = contact
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '(' | ')' | '.')))
        .flat_map(char::to_lowercase)
        .collect();
    match folded
        .strip_prefix("+86")
        .or_else(|| folded.strip_prefix("0086"))
    {
        Some(rest) => rest.to_owned(),
        None => folded,
    }
}

/// Which private field a sealed value belongs to; bound into the ciphertext so that a value
/// copied to another field or another comment no longer opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrivateField {
    Name,
    Organization,
    Contact,
    /// A hearing's participants' names (a JSON map), sealed under the hearing's name.
    ParticipantNames,
    /// A public representative's name and contact (JSON), sealed under its resource name.
    RepresentativeDetails,
}

impl PrivateField {
    fn column(self) -> &'static str {
        match self {
            Self::Name => "submitter_name",
            Self::Organization => "submitter_organization",
            Self::Contact => "submitter_contact",
            Self::ParticipantNames => "participant_names",
            Self::RepresentativeDetails => "details",
        }
    }
}

/// The keys that seal and open private fields: one current key for writing, older ones kept
/// for reading until every row has been re-sealed.
#[derive(Clone)]
pub struct PrivateDataKeys {
    inner: Arc<Keys>,
}

struct Keys {
    current: String,
    keys: BTreeMap<String, LessSafeKey>,
    /// Per key, the HMAC key of request digests: a plain hash of a submission would let anyone
    /// holding the database guess names and telephone numbers against it.
    digest_keys: BTreeMap<String, hmac::Key>,
    /// Per key, the HMAC key of contact digests: comments sharing a contact can be counted
    /// without the contact being readable.
    contact_keys: BTreeMap<String, hmac::Key>,
    fingerprints: BTreeMap<String, String>,
    random: SystemRandom,
}

impl std::fmt::Debug for PrivateDataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material: ids and fingerprints only.
        f.debug_struct("PrivateDataKeys")
            .field("current", &self.inner.current)
            .field("fingerprints", &self.inner.fingerprints)
            .finish()
    }
}

fn development_key() -> [u8; KEY_BYTES] {
    Sha256::digest(b"consult development private-data key; not a secret").into()
}

impl PrivateDataKeys {
    /// Keys from `(id, bytes)` pairs; `current` seals new values.
    pub fn new(
        current: &str,
        keys: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Result<Self, KeyError> {
        let mut map = BTreeMap::new();
        let mut fingerprints = BTreeMap::new();
        let mut digest_keys = BTreeMap::new();
        let mut contact_keys = BTreeMap::new();
        for (id, bytes) in keys {
            if bytes.len() != KEY_BYTES {
                return Err(KeyError::Malformed {
                    id,
                    reason: format!("{} 字节，应为 {KEY_BYTES} 字节", bytes.len()),
                });
            }
            let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| KeyError::Malformed {
                id: id.clone(),
                reason: "AES-256 拒绝此密钥".into(),
            })?;
            if map.contains_key(&id) {
                return Err(KeyError::DuplicateId(id));
            }
            fingerprints.insert(id.clone(), fingerprint(&bytes));
            let derived = hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, &bytes),
                b"consult request digest",
            );
            digest_keys.insert(
                id.clone(),
                hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
            );
            let derived = hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, &bytes),
                b"consult contact digest",
            );
            contact_keys.insert(
                id.clone(),
                hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
            );
            map.insert(id, LessSafeKey::new(key));
        }
        if !map.contains_key(current) {
            return Err(KeyError::UnknownCurrent(current.to_owned()));
        }
        Ok(Self {
            inner: Arc::new(Keys {
                current: current.to_owned(),
                keys: map,
                digest_keys,
                contact_keys,
                fingerprints,
                random: SystemRandom::new(),
            }),
        })
    }

    /// The built-in key for development and tests: its bytes are public, so production
    /// refuses it (see [`Self::refuse_development_key`]).
    pub fn development() -> Self {
        Self::new(
            DEVELOPMENT_KEY_ID,
            [(DEVELOPMENT_KEY_ID.to_owned(), development_key().to_vec())],
        )
        .unwrap_or_else(|_| unreachable!("the development key is well formed"))
    }

    /// Refuses keys that include the public development key, under any id.
    pub fn refuse_development_key(&self) -> Result<(), KeyError> {
        let dev = fingerprint(&development_key());
        if self.inner.fingerprints.values().any(|f| *f == dev) {
            return Err(KeyError::DevelopmentKey);
        }
        Ok(())
    }

    /// Reads a key written as 32 bytes in base64 (44 characters) or hex (64 characters).
    pub fn parse_key_text(id: &str, text: &str) -> Result<Vec<u8>, KeyError> {
        let t = text.trim();
        let bytes = if t.len() == 2 * KEY_BYTES && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).ok()
        } else {
            base64::engine::general_purpose::STANDARD.decode(t).ok()
        };
        match bytes {
            Some(b) if b.len() == KEY_BYTES => Ok(b),
            Some(b) => Err(KeyError::Malformed {
                id: id.to_owned(),
                reason: format!("{} 字节，应为 {KEY_BYTES} 字节", b.len()),
            }),
            None => Err(KeyError::Malformed {
                id: id.to_owned(),
                reason: "既不是 base64 也不是十六进制".into(),
            }),
        }
    }

    /// A fresh random key as base64 text, for a key file.
    pub fn generate_key_text() -> String {
        let mut bytes = [0u8; KEY_BYTES];
        // The operating system's generator does not fail on supported platforms.
        let _ = SystemRandom::new().fill(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// The id of the key that seals new values.
    pub fn current(&self) -> &str {
        &self.inner.current
    }

    /// Whether a key with this id is configured.
    pub fn knows(&self, id: &str) -> bool {
        self.inner.keys.contains_key(id)
    }

    /// The digest of a submission's canonical bytes, keyed with key `key_id`'s digest key;
    /// `None` is the unkeyed SHA-256 of rows written before keys existed.
    pub(crate) fn request_digest(
        &self,
        key_id: Option<&str>,
        canonical: &[u8],
    ) -> Result<String, String> {
        match key_id {
            None => Ok(hex::encode(Sha256::digest(canonical))),
            Some(id) => self
                .inner
                .digest_keys
                .get(id)
                .map(|k| hex::encode(hmac::sign(k, canonical).as_ref()))
                .ok_or_else(|| format!("请求摘要密钥 {id} 未配置 (key not configured)")),
        }
    }

    /// What `comments.contact_digest` holds for `contact`: its digest, or an empty string for
    /// a blank contact (NULL is left for rows whose digest is still to be computed).
    pub(crate) fn contact_digest_column(&self, contact: &str) -> String {
        self.contact_digest(contact).unwrap_or_default()
    }

    /// The digest of a submitter's contact under the current key, so that the comments sharing
    /// one contact can be counted (a sign of one sender behind many comments) while the contact
    /// stays sealed; `None` for a blank contact. Written the same however it was typed: width,
    /// case, spaces, hyphens, brackets and a leading +86 aside.
    pub(crate) fn contact_digest(&self, contact: &str) -> Option<String> {
        let folded = fold_contact(contact);
        if folded.is_empty() {
            return None;
        }
        let key = self.inner.contact_keys.get(&self.inner.current)?;
        // 128 bits: enough to tell contacts apart, and no more than needed.
        Some(hex::encode(
            &hmac::sign(key, folded.as_bytes()).as_ref()[..16],
        ))
    }

    /// Seals one field of comment `comment_id` under the current key.
    pub(crate) fn seal(
        &self,
        comment_id: &str,
        field: PrivateField,
        plain: &str,
    ) -> Result<String, String> {
        let key = self
            .inner
            .keys
            .get(&self.inner.current)
            .ok_or_else(|| format!("current key {} is not loaded", self.inner.current))?;
        let mut nonce = [0u8; NONCE_LEN];
        // Without fresh randomness a nonce could repeat under the key: refuse rather than risk it.
        self.inner
            .random
            .fill(&mut nonce)
            .map_err(|_| "the operating system's random generator failed".to_owned())?;
        let mut buf = plain.as_bytes().to_vec();
        let aad = associated(comment_id, field);
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_bytes()),
            &mut buf,
        )
        .map_err(|_| {
            format!(
                "{} of comment {comment_id} cannot be sealed",
                field.column()
            )
        })?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(STANDARD_NO_PAD.encode(out))
    }

    /// Opens one field sealed under `key_id`; `Err` names what is wrong, never the content.
    pub(crate) fn open(
        &self,
        key_id: &str,
        comment_id: &str,
        field: PrivateField,
        sealed: &str,
    ) -> Result<String, String> {
        let key = self.inner.keys.get(key_id).ok_or_else(|| {
            format!(
                "意见 {comment_id} 的个人信息由密钥 {key_id} 加密，但该密钥未配置 (key not configured)"
            )
        })?;
        let broken = || {
            format!(
                "意见 {comment_id} 的 {} 无法用密钥 {key_id} 解密 (sealed value does not open)",
                field.column()
            )
        };
        let bytes = STANDARD_NO_PAD.decode(sealed).map_err(|_| broken())?;
        if bytes.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| broken())?;
        let mut buf = rest.to_vec();
        let aad = associated(comment_id, field);
        let plain = key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
            .map_err(|_| broken())?;
        String::from_utf8(plain.to_vec()).map_err(|_| broken())
    }
}

/// What a sealed value is bound to: its row and column, so that it cannot be moved to another.
fn associated(record: &str, field: PrivateField) -> String {
    match field {
        // `record` is the hearing's or the representative's resource name.
        PrivateField::ParticipantNames | PrivateField::RepresentativeDetails => {
            format!("{record}/{}", field.column())
        }
        _ => format!("comments/{record}/{}", field.column()),
    }
}

fn fingerprint(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(current: &str, ids: &[&str]) -> PrivateDataKeys {
        PrivateDataKeys::new(
            current,
            ids.iter().map(|id| {
                let bytes: [u8; 32] = Sha256::digest(id.as_bytes()).into();
                ((*id).to_owned(), bytes.to_vec())
            }),
        )
        .unwrap()
    }

    #[test]
    fn one_contact_however_typed_has_one_digest_and_another_key_another() {
        let k = PrivateDataKeys::development();
        let d = k.contact_digest("13800138000").unwrap();
        for same in [
            "138-0013-8000",
            " +86 138 0013 8000",
            "１３８００１３８０００",
        ] {
            assert_eq!(
                k.contact_digest(same).as_deref(),
                Some(d.as_str()),
                "{same}"
            );
        }
        assert_eq!(
            k.contact_digest("Zhang.San@Example.cn"),
            k.contact_digest("zhangsan@example.cn")
        );
        assert_ne!(k.contact_digest("13800138001").unwrap(), d);
        assert_eq!(k.contact_digest("  "), None);
        assert_eq!(d.len(), 32);
        assert!(!d.contains("138"));
        let other = PrivateDataKeys::new("b", [("b".to_owned(), vec![7; 32])]).unwrap();
        assert_ne!(other.contact_digest("13800138000").unwrap(), d);
    }

    #[test]
    fn a_sealed_field_opens_only_where_it_was_sealed() {
        let k = keys("a", &["a"]);
        let sealed = k.seal("01C", PrivateField::Name, "张三").unwrap();
        assert!(!sealed.contains("张三"));
        assert_eq!(
            k.open("a", "01C", PrivateField::Name, &sealed).unwrap(),
            "张三"
        );
        // Moved to another comment or another field, it no longer opens.
        assert!(k.open("a", "01D", PrivateField::Name, &sealed).is_err());
        assert!(k.open("a", "01C", PrivateField::Contact, &sealed).is_err());
        // Every sealing uses a fresh nonce: equal names do not look equal.
        assert_ne!(sealed, k.seal("01C", PrivateField::Name, "张三").unwrap());
        // Empty fields are sealed too, so emptiness does not show.
        let empty = k.seal("01C", PrivateField::Organization, "").unwrap();
        assert!(!empty.is_empty());
        assert_eq!(
            k.open("a", "01C", PrivateField::Organization, &empty)
                .unwrap(),
            ""
        );
    }

    #[test]
    fn one_changed_byte_or_a_missing_key_is_an_error_naming_the_comment() {
        let k = keys("a", &["a"]);
        let sealed = k.seal("01C", PrivateField::Contact, "13912345678").unwrap();
        let mut bytes = STANDARD_NO_PAD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = STANDARD_NO_PAD.encode(bytes);
        let e = k
            .open("a", "01C", PrivateField::Contact, &tampered)
            .unwrap_err();
        assert!(e.contains("01C") && e.contains("submitter_contact"), "{e}");
        assert!(!e.contains("13912345678"));
        let e = k
            .open("gone", "01C", PrivateField::Contact, &sealed)
            .unwrap_err();
        assert!(e.contains("gone"), "{e}");
        assert!(k.open("a", "01C", PrivateField::Contact, "!!").is_err());
        assert!(k.open("a", "01C", PrivateField::Contact, "").is_err());
    }

    #[test]
    fn an_old_key_still_opens_after_rotation() {
        let old = keys("a", &["a"]);
        let sealed = old.seal("01C", PrivateField::Name, "李四").unwrap();
        let rotated = keys("b", &["a", "b"]);
        assert_eq!(rotated.current(), "b");
        assert_eq!(
            rotated
                .open("a", "01C", PrivateField::Name, &sealed)
                .unwrap(),
            "李四"
        );
        let resealed = rotated.seal("01C", PrivateField::Name, "李四").unwrap();
        assert!(old.open("b", "01C", PrivateField::Name, &resealed).is_err());
        assert!(rotated.knows("a") && !rotated.knows("c"));
    }

    #[test]
    fn request_digests_are_keyed() {
        let k = keys("a", &["a", "b"]);
        let d = k.request_digest(Some("a"), b"x").unwrap();
        assert_eq!(d.len(), 64);
        assert_eq!(d, k.request_digest(Some("a"), b"x").unwrap());
        assert_ne!(d, k.request_digest(Some("b"), b"x").unwrap());
        assert_ne!(d, k.request_digest(None, b"x").unwrap());
        assert_ne!(d, k.request_digest(Some("a"), b"y").unwrap());
        assert!(k.request_digest(Some("c"), b"x").is_err());
    }

    #[test]
    fn key_files_and_configurations_are_checked() {
        let text = PrivateDataKeys::generate_key_text();
        assert_eq!(
            PrivateDataKeys::parse_key_text("k", &text).unwrap().len(),
            32
        );
        assert_ne!(text, PrivateDataKeys::generate_key_text());
        let hex_text = "ab".repeat(32);
        assert_eq!(
            PrivateDataKeys::parse_key_text("k", &format!("{hex_text}\n")).unwrap(),
            vec![0xab; 32]
        );
        assert!(matches!(
            PrivateDataKeys::parse_key_text("k", "c2hvcnQ="),
            Err(KeyError::Malformed { .. })
        ));
        assert!(PrivateDataKeys::parse_key_text("k", "not a key at all").is_err());
        assert_eq!(
            PrivateDataKeys::new("x", [("a".to_owned(), vec![1; 32])]).unwrap_err(),
            KeyError::UnknownCurrent("x".into())
        );
        assert!(matches!(
            PrivateDataKeys::new("a", [("a".to_owned(), vec![1; 16])]),
            Err(KeyError::Malformed { .. })
        ));
        assert_eq!(
            PrivateDataKeys::new(
                "a",
                [("a".to_owned(), vec![1; 32]), ("a".to_owned(), vec![2; 32])]
            )
            .unwrap_err(),
            KeyError::DuplicateId("a".into())
        );
        let dev = PrivateDataKeys::development();
        assert_eq!(dev.refuse_development_key(), Err(KeyError::DevelopmentKey));
        // Renaming the development key does not get it past production.
        let renamed =
            PrivateDataKeys::new("prod", [("prod".to_owned(), development_key().to_vec())])
                .unwrap();
        assert_eq!(
            renamed.refuse_development_key(),
            Err(KeyError::DevelopmentKey)
        );
        assert!(keys("a", &["a"]).refuse_development_key().is_ok());
        assert!(!format!("{dev:?}").contains(&hex::encode(development_key())));
    }
}
