//! One module per gRPC service; each handler authenticates, validates, calls the domain, persists.
//! `Core` is the state they share.

use std::sync::Arc;

use consult_domain::{Calendar, Clock, DomainError};
use consult_store::{CommentWriter, Store};

use crate::auth::Authenticator;
use crate::pagination::PageTokens;

pub(crate) mod comments;
pub(crate) mod consultations;
#[cfg(feature = "test-clock")]
pub(crate) mod test_clock;

/// What every handler needs.
pub(crate) struct Core {
    pub(crate) store: Store,
    pub(crate) writer: CommentWriter,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) calendar: Calendar,
    pub(crate) auth: Authenticator,
    pub(crate) pages: PageTokens,
}

/// The `{id}` of a resource name that validation already checked.
fn id_of(parsed: Option<&str>, field: &str) -> Result<String, DomainError> {
    parsed
        .map(str::to_owned)
        .ok_or_else(|| DomainError::invalid(field, "资源名称格式不正确 (malformed resource name)"))
}
