//! `consult.v1.RepresentativeService`: each unit's register of public representatives. Its
//! officers keep it; anyone reads the counts by category; names and contacts stay with the
//! department's officers and auditors.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::representative_service_server::RepresentativeService;
use consult_api::rules::is_resource_id;
use consult_domain::representative::{Representative, count_by_category};
use consult_domain::{DomainError, SubmitterCategory};
use tonic::{Request, Response, Status};

use super::{Core, public, signed};
use crate::convert::{ProtoEnum, required, timestamp};
use crate::error::ApiError;

/// The representative service.
pub(crate) struct Representatives(pub(crate) Arc<Core>);

grpc_service!(RepresentativeService for Representatives {
    create_representative(pb::CreateRepresentativeRequest) -> pb::Representative;
    list_representatives(pb::ListRepresentativesRequest) -> pb::ListRepresentativesResponse;
    set_representative_active(pb::SetRepresentativeActiveRequest) -> pb::Representative;
});

/// The department of `departments/{department}`.
fn department_of(name: &str, field: &str) -> Result<String, DomainError> {
    name.strip_prefix("departments/")
        .filter(|d| is_resource_id(d))
        .map(str::to_owned)
        .ok_or_else(|| {
            DomainError::invalid(
                field,
                "资源名称应为 departments/{部门} (expected departments/{department})",
            )
        })
}

/// The department and id of `departments/{department}/representatives/{id}`.
fn representative_of(name: &str, field: &str) -> Result<(String, String), DomainError> {
    name.strip_prefix("departments/")
        .and_then(|rest| rest.split_once("/representatives/"))
        .filter(|(d, r)| is_resource_id(d) && is_resource_id(r))
        .map(|(d, r)| (d.to_owned(), r.to_owned()))
        .ok_or_else(|| {
            DomainError::invalid(
                field,
                "资源名称应为 departments/{部门}/representatives/{代表} (expected a representative's name)",
            )
        })
}

fn to_proto(r: &Representative) -> pb::Representative {
    pb::Representative {
        name: r.name(),
        category: r.category.to_proto(),
        display_name: r.name.clone(),
        contact: r.contact.clone(),
        active: r.active,
        register_time: Some(timestamp(r.registered_at)),
    }
}

impl Representatives {
    async fn create_representative(
        &self,
        request: Request<pb::CreateRepresentativeRequest>,
    ) -> Result<pb::Representative, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let department = department_of(&req.parent, "parent")?;
        actor.may_manage(&department)?;
        if !is_resource_id(&req.representative_id) {
            return Err(DomainError::invalid(
                "representative_id",
                "代表标识须为1至64个字母、数字、“-”或“_” (1-64 letters, digits, - or _)",
            )
            .into());
        }
        let given = req.representative.unwrap_or_default();
        let category = required::<SubmitterCategory>(given.category, "representative.category")?;
        let r = Representative::register(
            &department,
            req.representative_id,
            category,
            &given.display_name,
            &given.contact,
            &actor.id,
            self.0.clock.now(),
        )?;
        self.0.store.register_representative(&r, &actor.id).await?;
        tracing::info!(representative = %r.name(), actor = %actor.id, "representative registered");
        Ok(to_proto(&r))
    }

    async fn list_representatives(
        &self,
        request: Request<pb::ListRepresentativesRequest>,
    ) -> Result<pb::ListRepresentativesResponse, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let department = department_of(&req.parent, "parent")?;
        let register = self.0.store.representatives(&department).await?;
        let internal = actor.is_some_and(|a| a.may_read_internal(&department).is_ok());
        Ok(pb::ListRepresentativesResponse {
            counts: count_by_category(&register)
                .into_iter()
                .map(|(category, count)| pb::RepresentativeCount {
                    category: category.to_proto(),
                    count: i64::try_from(count).unwrap_or(i64::MAX),
                })
                .collect(),
            representatives: match internal {
                true => register.iter().map(to_proto).collect(),
                false => Vec::new(),
            },
        })
    }

    async fn set_representative_active(
        &self,
        request: Request<pb::SetRepresentativeActiveRequest>,
    ) -> Result<pb::Representative, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (department, id) = representative_of(&req.name, "name")?;
        actor.may_manage(&department)?;
        let now = self.0.clock.now();
        let r = self
            .0
            .store
            .change_representative(
                &department,
                &id,
                &actor.id,
                "representative.set_active",
                |r| r.set_active(req.active, now),
            )
            .await?;
        Ok(to_proto(&r))
    }
}
