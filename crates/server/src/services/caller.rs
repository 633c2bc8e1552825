//! `consult.v1.CallerService`: tells a caller who its credential makes it, so that clients can
//! show the principal, role and department before they act.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::caller_service_server::CallerService;
use consult_domain::actor::Role;
use tonic::{Request, Response, Status};

use super::{Core, signed};
use crate::convert::ProtoEnum;
use crate::error::ApiError;

/// The caller service.
pub(crate) struct Caller(pub(crate) Arc<Core>);

grpc_service!(CallerService for Caller {
    get_caller(pb::GetCallerRequest) -> pb::Caller;
});

impl Caller {
    async fn get_caller(
        &self,
        request: Request<pb::GetCallerRequest>,
    ) -> Result<pb::Caller, ApiError> {
        let (actor, _) = signed(&self.0.auth, request)?;
        let (role, label, department, channels) = match &actor.role {
            Role::Officer { department } => (
                pb::PrincipalRole::Officer,
                "承办部门工作人员",
                department.clone(),
                Vec::new(),
            ),
            Role::CallingSystem { channels } => (
                pb::PrincipalRole::CallingSystem,
                "接入系统",
                String::new(),
                channels.iter().map(|c| c.to_proto()).collect(),
            ),
            Role::Administrator => (
                pb::PrincipalRole::Administrator,
                "系统管理员",
                String::new(),
                Vec::new(),
            ),
            Role::Auditor => (
                pb::PrincipalRole::Auditor,
                "审计人员",
                String::new(),
                Vec::new(),
            ),
        };
        Ok(pb::Caller {
            principal: actor.id.clone(),
            role: role as i32,
            role_label: label.to_owned(),
            department,
            channels,
        })
    }
}
