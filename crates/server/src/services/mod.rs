//! One module per gRPC service; each handler authenticates, validates, calls the domain, persists.
//! `Core` is the state they share.

use std::sync::Arc;

use consult_domain::actor::authenticated;
use consult_domain::{Actor, Calendar, Clock, DomainError};
use consult_store::{CommentWriter, Store};

use tonic::{Request, Status};
use validator::Validate;

use crate::auth::{Authenticator, Credential, RegisteredCaller};
use crate::error::ApiError;
use crate::pagination::PageTokens;

/// Implements a generated service trait by delegating each RPC to the inherent method of the
/// same name, which returns `Result<Reply, ApiError>`; the error becomes a status in one place.
macro_rules! grpc_service {
    (
        $service:ident for $ty:ty {
            $($rpc:ident($req:ty) -> $reply:ty;)*
        }
        $(streaming {
            $($srpc:ident($sreq:ty) -> $stream:ident = $stype:ty;)+
        })?
    ) => {
        #[tonic::async_trait]
        impl $service for $ty {
            $(
                async fn $rpc(
                    &self,
                    request: Request<$req>,
                ) -> Result<Response<$reply>, Status> {
                    crate::services::serve(stringify!($service), stringify!($rpc), &self.0, request, |r| {
                        <$ty>::$rpc(self, r)
                    })
                    .await
                }
            )*
            $($(
                type $stream = $stype;

                async fn $srpc(
                    &self,
                    request: Request<$sreq>,
                ) -> Result<Response<$stype>, Status> {
                    crate::services::serve(stringify!($service), stringify!($srpc), &self.0, request, |r| {
                        <$ty>::$srpc(self, r)
                    })
                    .await
                }
            )+)?
        }
    };
}

/// Answers one call of `service`'s `method`, unary or streaming: admitted by the permission
/// matrix, handled by `handle`, its span traced and its answer counted.
pub(crate) async fn serve<M, T, E, F, Fut>(
    service: &'static str,
    method: &'static str,
    core: &Core,
    mut request: Request<M>,
    handle: F,
) -> Result<tonic::Response<T>, Status>
where
    F: FnOnce(Request<M>) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    Status: From<E>,
{
    let started = std::time::Instant::now();
    let span = crate::traces::rpc_span(service, method, request.metadata());
    let answer = tracing::Instrument::instrument(
        async {
            admit(service, method, core, &mut request).await?;
            handle(request)
                .await
                .map(tonic::Response::new)
                .map_err(Status::from)
        },
        span.clone(),
    )
    .await;
    crate::traces::answered(&span, &answer);
    core.metrics.answered(service, method, &answer, started);
    answer
}

/// Admits a call by the permission matrix, before its handler runs (see `access`). A
/// credential the configuration does not know is first looked up in the register of calling
/// systems: one indexed read per call, so a system disabled on any replica is refused here at
/// its next call.
pub(crate) async fn admit<T>(
    service: &str,
    method: &str,
    core: &Core,
    request: &mut Request<T>,
) -> Result<(), Status> {
    let mut registered = Vec::new();
    for credential in core.auth.unconfigured_credentials(request) {
        let found = match &credential {
            Credential::TokenSha256(digest) => core.store.calling_system_by_token(digest).await,
            Credential::CertificateCommonName(cn) => {
                core.store.calling_system_by_certificate(cn).await
            }
        }
        .map_err(|e| Status::from(ApiError::from(e)))?;
        if let Some(system) = found {
            let actor = system
                .actor()
                .map_err(|e| Status::from(ApiError::from(e)))?;
            registered.push(RegisteredCaller {
                actor,
                by: credential,
            });
        }
    }
    if !registered.is_empty() {
        request.extensions_mut().insert(registered);
    }
    crate::access::check(service, method, &core.auth, request)
        .map_err(|e| Status::from(ApiError::from(e)))
}

pub(crate) mod audit;
pub(crate) mod calendar;
pub(crate) mod caller;
pub(crate) mod calling_systems;
pub(crate) mod catalogues;
pub(crate) mod comments;
pub(crate) mod consultations;
pub(crate) mod departments;
pub(crate) mod events;
pub(crate) mod feedback;
pub(crate) mod hearings;
pub(crate) mod meetings;
pub(crate) mod operations;
pub(crate) mod representatives;
pub(crate) mod suggestions;
pub(crate) mod templates;
#[cfg(feature = "test-clock")]
pub(crate) mod test_clock;

/// What every handler needs.
pub(crate) struct Core {
    pub(crate) store: Store,
    pub(crate) writer: CommentWriter,
    pub(crate) clock: Arc<dyn Clock>,
    /// The working-day calendar, years loaded at run time included: see [`Core::calendar`].
    pub(crate) calendars: Arc<crate::calendar::SharedCalendar>,
    pub(crate) auth: Authenticator,
    pub(crate) pages: PageTokens,
    pub(crate) submit_limiter: crate::limits::Limiter,
    /// Largest canonical JSON a `FULL` report view carries.
    pub(crate) full_report_max_bytes: usize,
    /// Long-running operations this replica runs.
    pub(crate) operations: crate::operations::Operations,
    /// Who runs the public site.
    pub(crate) site: consult_render::Site,
    /// The public site's comment form.
    pub(crate) form: crate::web::CommentFormSettings,
    /// How long events for other systems are kept.
    pub(crate) event_retention: chrono::Duration,
    /// How often at most comments received are counted in an event; `None`: never.
    pub(crate) comment_count_interval: Option<chrono::Duration>,
    /// What `/metrics` shows.
    pub(crate) metrics: crate::metrics::Metrics,
    /// Whether events are relayed to NATS (`[nats]`), and what the relay did here.
    pub(crate) event_relay: Option<crate::relay::RelayCounts>,
}

impl Core {
    /// The working-day calendar as it stands now.
    pub(crate) fn calendar(&self) -> Arc<Calendar> {
        self.calendars.get()
    }
}

/// The `{id}` of a resource name that validation already checked.
fn id_of(parsed: Option<&str>, field: &str) -> Result<String, DomainError> {
    parsed
        .map(str::to_owned)
        .ok_or_else(|| DomainError::invalid(field, "资源名称格式不正确 (malformed resource name)"))
}

/// A request any caller may make: its caller (if any) and its validated message.
fn public<T: Validate>(
    auth: &Authenticator,
    request: Request<T>,
) -> Result<(Option<Actor>, T), ApiError> {
    let actor = auth.actor(&request)?;
    let message = request.into_inner();
    message.validate()?;
    Ok((actor, message))
}

/// A request that needs a credential: checked before the message is looked at.
fn signed<T: Validate>(auth: &Authenticator, request: Request<T>) -> Result<(Actor, T), ApiError> {
    let actor = auth.actor(&request)?;
    let actor = authenticated(actor.as_ref())?.clone();
    let message = request.into_inner();
    message.validate()?;
    Ok((actor, message))
}

/// Cuts a page fetched with one row too many and issues the token for the rest, if any.
fn page<R>(mut rows: Vec<R>, limit: u64, token_after: impl Fn(&R) -> String) -> (Vec<R>, String) {
    if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        let token = rows.last().map(token_after).unwrap_or_default();
        (rows, token)
    } else {
        (rows, String::new())
    }
}
