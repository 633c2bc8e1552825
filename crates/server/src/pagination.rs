//! Opaque page tokens: the last key of a page, bound by an HMAC to the request's filters.
//! A forged token, or one reused with other filters, is refused as `INVALID_ARGUMENT`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use consult_domain::DomainError;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Default page size when the request says 0.
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 50;

/// Signs and checks page tokens.
#[derive(Clone)]
pub(crate) struct PageTokens {
    key: Vec<u8>,
}

impl PageTokens {
    pub(crate) fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn hmac(&self, scope: &str, last: &str) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        m.update(scope.as_bytes());
        m.update(&[0]);
        m.update(last.as_bytes());
        m
    }

    /// A token continuing after `last` for requests described by `scope`.
    pub(crate) fn issue(&self, scope: &str, last: &str) -> String {
        let mut bytes = self.hmac(scope, last).finalize().into_bytes()[..16].to_vec();
        bytes.extend_from_slice(last.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The key to continue after, if `token` was issued for `scope`.
    pub(crate) fn check(&self, scope: &str, token: &str) -> Result<Option<String>, DomainError> {
        if token.is_empty() {
            return Ok(None);
        }
        let invalid = || {
            DomainError::invalid(
                "page_token",
                "page_token 无效或与本次查询条件不符，请去掉 page_token 从第一页开始 (page_token was not issued for this query)",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        if bytes.len() <= 16 {
            return Err(invalid());
        }
        let (mac, last) = bytes.split_at(16);
        let last = std::str::from_utf8(last).map_err(|_| invalid())?;
        self.hmac(scope, last)
            .verify_truncated_left(mac)
            .map_err(|_| invalid())?;
        Ok(Some(last.to_owned()))
    }
}

/// The number of rows to return for a request's `page_size` (validated to 0-1000).
pub(crate) fn page_size(requested: i32) -> u64 {
    match requested {
        n if n > 0 => n as u64,
        _ => DEFAULT_PAGE_SIZE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_only_for_their_scope() {
        let t = PageTokens::new(b"secret".to_vec());
        let tok = t.issue("comments|c1|ch=1", "01JABC");
        assert_eq!(
            t.check("comments|c1|ch=1", &tok).unwrap().as_deref(),
            Some("01JABC")
        );
        assert!(t.check("comments|c1|ch=2", &tok).is_err());
        assert!(t.check("comments|c1|ch=1", "bm90LWEtdG9rZW4").is_err());
        assert!(t.check("comments|c1|ch=1", "!!!").is_err());
        let other = PageTokens::new(b"other".to_vec());
        assert!(other.check("comments|c1|ch=1", &tok).is_err());
        assert_eq!(t.check("x", "").unwrap(), None);
    }
}
