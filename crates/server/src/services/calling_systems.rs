//! `consult.v1.CallingSystemService`: the register of calling systems. Administrators
//! register, change, disable them and issue their tokens; administrators and auditors read the
//! register beside the configuration file's calling systems, which are shown as such.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::calling_system_service_server::CallingSystemService;
use consult_domain::calling_system::{
    CallingSystem, CallingSystemChange, CallingSystemDraft, resource_name,
};
use consult_domain::{Channel, DomainError, Role};
use tonic::{Request, Response, Status};

use super::{Core, public, signed};
use crate::auth::{ConfiguredPrincipal, hash_token};
use crate::convert::{ProtoEnum, timestamp};
use crate::error::ApiError;

/// The calling-system service.
pub(crate) struct CallingSystems(pub(crate) Arc<Core>);

grpc_service!(CallingSystemService for CallingSystems {
    create_calling_system(pb::CreateCallingSystemRequest) -> pb::CallingSystem;
    get_calling_system(pb::GetCallingSystemRequest) -> pb::CallingSystem;
    list_calling_systems(pb::ListCallingSystemsRequest) -> pb::ListCallingSystemsResponse;
    update_calling_system(pb::UpdateCallingSystemRequest) -> pb::CallingSystem;
    issue_calling_system_token(pb::IssueCallingSystemTokenRequest) -> pb::CallingSystem;
});

fn to_proto(s: &CallingSystem) -> pb::CallingSystem {
    pb::CallingSystem {
        name: s.resource_name(),
        id: s.id.clone(),
        display_name: s.display_name.clone(),
        channels: s.channels.iter().map(|c| c.to_proto()).collect(),
        token_sha256: String::new(),
        certificate_common_name: s.certificate_common_name.clone().unwrap_or_default(),
        disabled: s.disabled,
        update_time: Some(timestamp(s.updated_at)),
        source: pb::CallingSystemSource::Register as i32,
        has_token: s.token_sha256.is_some(),
        token: String::new(),
    }
}

/// A calling system of the configuration file, as administrators are shown it.
fn configured_to_proto(p: &ConfiguredPrincipal) -> Option<pb::CallingSystem> {
    let Role::CallingSystem { channels } = &p.actor.role else {
        return None;
    };
    Some(pb::CallingSystem {
        name: resource_name(&p.actor.id),
        id: p.actor.id.clone(),
        display_name: p.actor.id.clone(),
        channels: channels.iter().map(|c| c.to_proto()).collect(),
        certificate_common_name: p.certificate_common_name.clone().unwrap_or_default(),
        source: pb::CallingSystemSource::Configuration as i32,
        has_token: p.token_sha256.is_some(),
        ..Default::default()
    })
}

/// The channels as given; an unknown number reads as `None` for the domain to name.
fn channels(given: &[i32]) -> Vec<Option<Channel>> {
    given
        .iter()
        .map(|c| Channel::from_proto(*c).ok().flatten())
        .collect()
}

/// The `{id}` of `callingSystems/{id}`.
fn id_of(name: &str, field: &str) -> Result<String, DomainError> {
    name.strip_prefix("callingSystems/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .map(str::to_owned)
        .ok_or_else(|| {
            DomainError::invalid(
                field,
                "资源名称应为 callingSystems/{标识} (expected callingSystems/{id})",
            )
        })
}

fn required(s: Option<pb::CallingSystem>) -> Result<pb::CallingSystem, DomainError> {
    s.ok_or_else(|| {
        DomainError::invalid(
            "calling_system",
            "必须提供调用系统 (calling_system is required)",
        )
    })
}

/// A fresh bearer token: 256 random bits, prefixed so that it is recognisable when leaked.
fn fresh_token() -> String {
    format!("cs_{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// The fields an update replaces: those its mask names, all but the token when it names none.
fn change_of<'a>(
    s: &'a pb::CallingSystem,
    mask: Option<&prost_types::FieldMask>,
    channels: &'a [Option<Channel>],
) -> Result<CallingSystemChange<'a>, DomainError> {
    let paths = mask.map(|m| m.paths.as_slice()).unwrap_or_default();
    if paths.is_empty() {
        return Ok(CallingSystemChange {
            display_name: Some(&s.display_name),
            channels: Some(channels),
            disabled: Some(s.disabled),
            token_sha256: None,
        });
    }
    let mut change = CallingSystemChange::default();
    for path in paths {
        match path.as_str() {
            "display_name" => change.display_name = Some(&s.display_name),
            "channels" => change.channels = Some(channels),
            "disabled" => change.disabled = Some(s.disabled),
            "token_sha256" => change.token_sha256 = Some(&s.token_sha256),
            other => {
                return Err(DomainError::invalid(
                    "update_mask",
                    format!(
                        "不能修改 {other}，可修改 display_name、channels、disabled、token_sha256 (only display_name, channels, disabled and token_sha256 can be updated)"
                    ),
                ));
            }
        }
    }
    Ok(change)
}

impl CallingSystems {
    async fn create_calling_system(
        &self,
        request: Request<pb::CreateCallingSystemRequest>,
    ) -> Result<pb::CallingSystem, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let s = required(req.calling_system)?;
        let given = channels(&s.channels);
        let issued = (s.token_sha256.trim().is_empty()
            && s.certificate_common_name.trim().is_empty())
        .then(fresh_token);
        let digest = issued.as_deref().map(hash_token);
        let system = CallingSystem::register(
            CallingSystemDraft {
                id: &s.id,
                display_name: &s.display_name,
                channels: &given,
                token_sha256: digest.as_deref().or(Some(s.token_sha256.as_str())),
                certificate_common_name: Some(&s.certificate_common_name),
            },
            &self.0.auth.configured_for_register(),
            self.0.clock.now(),
        )?;
        self.0
            .store
            .create_calling_system(&system, &actor.id)
            .await?;
        tracing::info!(calling_system = %system.id, actor = %actor.id, "calling system registered");
        Ok(pb::CallingSystem {
            token: issued.unwrap_or_default(),
            ..to_proto(&system)
        })
    }

    async fn get_calling_system(
        &self,
        request: Request<pb::GetCallingSystemRequest>,
    ) -> Result<pb::CallingSystem, ApiError> {
        let (_, req) = public(&self.0.auth, request)?;
        let id = id_of(&req.name, "name")?;
        if let Some(p) = self
            .0
            .auth
            .configured()
            .iter()
            .filter(|p| p.actor.id == id)
            .find_map(configured_to_proto)
        {
            return Ok(p);
        }
        Ok(to_proto(&self.0.store.calling_system(&id).await?))
    }

    async fn list_calling_systems(
        &self,
        request: Request<pb::ListCallingSystemsRequest>,
    ) -> Result<pb::ListCallingSystemsResponse, ApiError> {
        public(&self.0.auth, request)?;
        let mut calling_systems: Vec<pb::CallingSystem> = self
            .0
            .store
            .calling_systems()
            .await?
            .iter()
            .map(to_proto)
            .collect();
        calling_systems.extend(
            self.0
                .auth
                .configured()
                .iter()
                .filter_map(configured_to_proto),
        );
        Ok(pb::ListCallingSystemsResponse { calling_systems })
    }

    async fn update_calling_system(
        &self,
        request: Request<pb::UpdateCallingSystemRequest>,
    ) -> Result<pb::CallingSystem, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let s = required(req.calling_system)?;
        let id = id_of(&s.name, "calling_system.name")?;
        let configured = self.0.auth.configured_for_register();
        configured.refuse_configured(&id)?;
        let given = channels(&s.channels);
        let change = change_of(&s, req.update_mask.as_ref(), &given)?;
        let now = self.0.clock.now();
        let changed = self
            .0
            .store
            .change_calling_system(&id, &actor.id, |before| {
                before.change(change, &configured, now)
            })
            .await?;
        tracing::info!(calling_system = %changed.id, disabled = changed.disabled, actor = %actor.id, "calling system changed");
        Ok(to_proto(&changed))
    }

    async fn issue_calling_system_token(
        &self,
        request: Request<pb::IssueCallingSystemTokenRequest>,
    ) -> Result<pb::CallingSystem, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let id = id_of(&req.name, "name")?;
        let configured = self.0.auth.configured_for_register();
        configured.refuse_configured(&id)?;
        let token = fresh_token();
        let digest = hash_token(&token);
        let now = self.0.clock.now();
        let changed = self
            .0
            .store
            .change_calling_system(&id, &actor.id, |before| {
                before.change(
                    CallingSystemChange {
                        token_sha256: Some(&digest),
                        ..Default::default()
                    },
                    &configured,
                    now,
                )
            })
            .await?;
        tracing::info!(calling_system = %changed.id, actor = %actor.id, "calling system token issued");
        Ok(pb::CallingSystem {
            token,
            ..to_proto(&changed)
        })
    }
}
