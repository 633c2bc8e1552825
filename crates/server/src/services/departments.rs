//! `consult.v1.DepartmentService`: the registry of departments. Administrators register and
//! rename and disable them; anyone reads the registry, which the public pages show instead of codes.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::department_service_server::DepartmentService;
use consult_domain::department::{ChannelGuideDraft, Department, DepartmentChange};
use consult_domain::{Channel, DomainError};
use tonic::{Request, Response, Status};

use super::{Core, public, signed};
use crate::convert::{ProtoEnum, timestamp};
use crate::error::ApiError;

/// The department service.
pub(crate) struct Departments(pub(crate) Arc<Core>);

grpc_service!(DepartmentService for Departments {
    create_department(pb::CreateDepartmentRequest) -> pb::Department;
    get_department(pb::GetDepartmentRequest) -> pb::Department;
    list_departments(pb::ListDepartmentsRequest) -> pb::ListDepartmentsResponse;
    update_department(pb::UpdateDepartmentRequest) -> pb::Department;
});

fn to_proto(d: &Department) -> pb::Department {
    pb::Department {
        name: d.resource_name(),
        code: d.code.clone(),
        display_name: d.name.clone(),
        government: d.government.clone(),
        update_time: Some(timestamp(d.updated_at)),
        channel_guides: d
            .channel_guides
            .iter()
            .map(|g| pb::ChannelGuide {
                channel: g.channel.to_proto(),
                address: g.address.clone(),
                note: g.note.clone(),
            })
            .collect(),
        disabled: d.disabled,
    }
}

/// The guides as given, for the domain to check; an unknown channel number reads as missing.
fn guide_drafts(guides: &[pb::ChannelGuide]) -> Vec<ChannelGuideDraft<'_>> {
    guides
        .iter()
        .map(|g| ChannelGuideDraft {
            channel: Channel::from_proto(g.channel).ok().flatten(),
            address: &g.address,
            note: &g.note,
        })
        .collect()
}

/// The fields an update replaces: those its mask names, all of them when it names none.
fn change_of<'a>(
    d: &'a pb::Department,
    mask: Option<&prost_types::FieldMask>,
    guides: &'a [ChannelGuideDraft<'a>],
) -> Result<DepartmentChange<'a>, DomainError> {
    let paths = mask.map(|m| m.paths.as_slice()).unwrap_or_default();
    if paths.is_empty() {
        return Ok(DepartmentChange {
            name: Some(&d.display_name),
            government: Some(&d.government),
            channel_guides: Some(guides),
            disabled: None,
        });
    }
    let mut change = DepartmentChange::default();
    for path in paths {
        match path.as_str() {
            "display_name" => change.name = Some(&d.display_name),
            "government" => change.government = Some(&d.government),
            "channel_guides" => change.channel_guides = Some(guides),
            "disabled" => change.disabled = Some(d.disabled),
            other => {
                return Err(DomainError::invalid(
                    "update_mask",
                    format!(
                        "不能修改 {other}，可修改 display_name、government、channel_guides、disabled (only display_name, government, channel_guides and disabled can be updated)"
                    ),
                ));
            }
        }
    }
    Ok(change)
}

/// The `{code}` of `departments/{code}`.
pub(crate) fn code_of(name: &str, field: &str) -> Result<String, DomainError> {
    name.strip_prefix("departments/")
        .filter(|code| !code.is_empty() && !code.contains('/'))
        .map(str::to_owned)
        .ok_or_else(|| {
            DomainError::invalid(
                field,
                "资源名称应为 departments/{部门代码} (expected departments/{code})",
            )
        })
}

fn required(d: Option<pb::Department>) -> Result<pb::Department, DomainError> {
    d.ok_or_else(|| DomainError::invalid("department", "必须提供部门 (department is required)"))
}

impl Departments {
    async fn create_department(
        &self,
        request: Request<pb::CreateDepartmentRequest>,
    ) -> Result<pb::Department, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let d = required(req.department)?;
        let department = Department::register(
            &d.code,
            &d.display_name,
            &d.government,
            &guide_drafts(&d.channel_guides),
            self.0.clock.now(),
        )?;
        self.0
            .store
            .create_department(&department, &actor.id)
            .await?;
        tracing::info!(department = %department.code, actor = %actor.id, "department registered");
        Ok(to_proto(&department))
    }

    async fn get_department(
        &self,
        request: Request<pb::GetDepartmentRequest>,
    ) -> Result<pb::Department, ApiError> {
        let (_, req) = public(&self.0.auth, request)?;
        let code = code_of(&req.name, "name")?;
        Ok(to_proto(&self.0.store.department(&code).await?))
    }

    async fn list_departments(
        &self,
        request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<pb::ListDepartmentsResponse, ApiError> {
        public(&self.0.auth, request)?;
        Ok(pb::ListDepartmentsResponse {
            departments: self
                .0
                .store
                .departments()
                .await?
                .iter()
                .map(to_proto)
                .collect(),
        })
    }

    async fn update_department(
        &self,
        request: Request<pb::UpdateDepartmentRequest>,
    ) -> Result<pb::Department, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let d = required(req.department)?;
        let code = code_of(&d.name, "department.name")?;
        let guides = guide_drafts(&d.channel_guides);
        let change = change_of(&d, req.update_mask.as_ref(), &guides)?;
        let now = self.0.clock.now();
        let changed = self
            .0
            .store
            .change_department(&code, &actor.id, |before| before.change(change, now))
            .await?;
        tracing::info!(department = %changed.code, actor = %actor.id, "department changed");
        Ok(to_proto(&changed))
    }
}
