//! `consult.v1.CatalogueService`: decision catalogues. Administrators draft, publish and
//! adjust them; anyone reads published versions; administrators and auditors read drafts too.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use consult_api::pb;
use consult_api::pb::catalogue_service_server::CatalogueService;
use consult_domain::catalogue::{
    Approval, Catalogue, CatalogueItem, CatalogueState, ItemDraft, PlannedMonth,
};
use consult_domain::error::Violations;
use consult_domain::{Actor, DomainError};
use consult_store::CatalogueView;
use tonic::{Request, Response, Status};

use super::{Core, public, signed};
use crate::convert::{ProtoEnum, timestamp};
use crate::error::ApiError;

/// The catalogue service.
pub(crate) struct Catalogues(pub(crate) Arc<Core>);

grpc_service!(CatalogueService for Catalogues {
    create_catalogue(pb::CreateCatalogueRequest) -> pb::Catalogue;
    get_catalogue(pb::GetCatalogueRequest) -> pb::Catalogue;
    list_catalogues(pb::ListCataloguesRequest) -> pb::ListCataloguesResponse;
    list_catalogue_versions(pb::ListCatalogueVersionsRequest) -> pb::ListCatalogueVersionsResponse;
    update_catalogue(pb::UpdateCatalogueRequest) -> pb::Catalogue;
    publish_catalogue(pb::PublishCatalogueRequest) -> pb::Catalogue;
    adjust_catalogue(pb::AdjustCatalogueRequest) -> pb::Catalogue;
});

/// The resource name of catalogue `catalogue`'s item `item`.
pub(crate) fn item_name(catalogue: &str, item: &str) -> String {
    format!("catalogues/{catalogue}/items/{item}")
}

fn item_to_proto(catalogue: &str, i: &CatalogueItem) -> pb::CatalogueItem {
    pb::CatalogueItem {
        name: item_name(catalogue, &i.id),
        title: i.title.clone(),
        department: i.department.clone(),
        planned_month: format!("{:04}-{:02}", i.planned.year, i.planned.month),
        hearing_required: i.hearing_required,
        status: i.status.to_proto(),
        consultation: i
            .consultation_id
            .as_ref()
            .map(|c| format!("consultations/{c}"))
            .unwrap_or_default(),
    }
}

pub(crate) fn to_proto(c: &Catalogue) -> pb::Catalogue {
    pb::Catalogue {
        name: c.name(),
        government: c.government.clone(),
        year: c.year,
        title: c.title.clone(),
        version: i32::try_from(c.version).unwrap_or(i32::MAX),
        state: c.state.to_proto(),
        items: c.items.iter().map(|i| item_to_proto(&c.id, i)).collect(),
        approval: c.approval.as_ref().map(|a| pb::CatalogueApproval {
            document_number: a.document_number.clone(),
            approve_date: a.approved_on.format("%Y-%m-%d").to_string(),
        }),
        adjustment_reason: c.adjustment_reason.clone(),
        publish_time: c.published_at.map(timestamp),
        update_time: Some(timestamp(c.updated_at)),
    }
}

/// What a catalogue resource name names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CatalogueName {
    id: String,
    version: Option<u32>,
}

/// `catalogues/{catalogue}`, or with `versions_allowed` also
/// `catalogues/{catalogue}/versions/{version}`.
fn catalogue_of(
    name: &str,
    field: &str,
    versions_allowed: bool,
) -> Result<CatalogueName, DomainError> {
    let malformed = || {
        DomainError::invalid(
            field,
            if versions_allowed {
                "资源名称应为 catalogues/{目录标识} 或 catalogues/{目录标识}/versions/{版本} (expected catalogues/{catalogue}[/versions/{version}])"
            } else {
                "资源名称应为 catalogues/{目录标识} (expected catalogues/{catalogue})"
            },
        )
    };
    let rest = name.strip_prefix("catalogues/").ok_or_else(malformed)?;
    let (id, version) = match rest.split_once("/versions/") {
        Some((id, v)) if versions_allowed => {
            let v: u32 = v.parse().ok().filter(|v| *v > 0).ok_or_else(malformed)?;
            (id, Some(v))
        }
        Some(_) => return Err(malformed()),
        None => (rest, None),
    };
    if id.is_empty() || id.contains('/') {
        return Err(malformed());
    }
    Ok(CatalogueName {
        id: id.to_owned(),
        version,
    })
}

/// The `{item}` of `catalogues/{catalogue}/items/{item}`, which must be of `catalogue`.
fn item_id_of<'a>(name: &'a str, catalogue: &str, field: &str) -> Result<&'a str, DomainError> {
    name.strip_prefix("catalogues/")
        .and_then(|rest| rest.split_once("/items/"))
        .filter(|(c, item)| *c == catalogue && !item.is_empty() && !item.contains('/'))
        .map(|(_, item)| item)
        .ok_or_else(|| {
            DomainError::invalid(
                field,
                format!(
                    "应为本目录的事项名称 catalogues/{catalogue}/items/{{事项}} (expected an item of this catalogue)"
                ),
            )
        })
}

/// `YYYY-MM`, if it is a month.
fn planned_month(s: &str) -> Option<PlannedMonth> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    PlannedMonth::new(y.parse().ok()?, m.parse().ok()?)
}

/// Whether the caller reads drafts.
fn reads_drafts(actor: Option<&Actor>) -> bool {
    actor.is_some_and(Actor::reads_registry_drafts)
}

/// The items of a request as drafts for the domain, with the ids of those kept; what is
/// wrong with them that only the service can tell (a name of another catalogue, a department
/// not registered) goes into `v`, so that it is reported with what the domain finds.
fn item_drafts<'a>(
    catalogue: &str,
    items: &'a [pb::CatalogueItem],
    registered: &HashSet<String>,
    v: &mut Violations,
) -> Vec<(Option<&'a str>, ItemDraft<'a>)> {
    let mut out = Vec::with_capacity(items.len());
    for (k, i) in items.iter().enumerate() {
        let id = if i.name.is_empty() {
            None
        } else {
            v.take(item_id_of(
                &i.name,
                catalogue,
                &format!("catalogue.items[{k}].name"),
            ))
        };
        if !i.department.trim().is_empty() && !registered.contains(i.department.trim()) {
            v.push(
                format!("catalogue.items[{k}].department"),
                format!(
                    "部门 {} 未登记 (not a registered department)",
                    i.department.trim()
                ),
            );
        }
        out.push((
            id,
            ItemDraft {
                title: &i.title,
                department: &i.department,
                planned: planned_month(&i.planned_month),
                hearing_required: i.hearing_required,
            },
        ));
    }
    out
}

fn approval_of(a: Option<&pb::CatalogueApproval>) -> Result<Approval, DomainError> {
    let a = a.ok_or_else(|| {
        DomainError::invalid("approval", "必须提供批准文号和日期 (approval is required)")
    })?;
    let approved_on = NaiveDate::parse_from_str(&a.approve_date, "%Y-%m-%d").map_err(|_| {
        DomainError::invalid(
            "approval.approve_date",
            "日期格式应为 YYYY-MM-DD (expected YYYY-MM-DD)",
        )
    })?;
    Ok(Approval {
        document_number: a.document_number.clone(),
        approved_on,
    })
}

fn new_item_id() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

impl Catalogues {
    async fn registered_departments(&self) -> Result<HashSet<String>, ApiError> {
        Ok(self
            .0
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect())
    }

    async fn create_catalogue(
        &self,
        request: Request<pb::CreateCatalogueRequest>,
    ) -> Result<pb::Catalogue, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let c = req.catalogue.unwrap_or_default();
        let now = self.0.clock.now();
        let registered = self.registered_departments().await?;
        let mut found = Violations::new();
        let items = item_drafts(&req.catalogue_id, &c.items, &registered, &mut found);
        let catalogue = Catalogue::draft_with_items(
            req.catalogue_id.clone(),
            &c.government,
            c.year,
            &c.title,
            ("catalogue.items", &items),
            new_item_id,
            &actor.id,
            now,
            found,
        )?;
        self.0.store.create_catalogue(&catalogue, &actor.id).await?;
        tracing::info!(catalogue = %catalogue.id, actor = %actor.id, "catalogue drafted");
        Ok(to_proto(&catalogue))
    }

    async fn get_catalogue(
        &self,
        request: Request<pb::GetCatalogueRequest>,
    ) -> Result<pb::Catalogue, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let name = catalogue_of(&req.name, "name", true)?;
        let drafts = reads_drafts(actor.as_ref());
        let not_found = || DomainError::not_found(req.name.clone());
        let found = match name.version {
            Some(v) => self.0.store.catalogue(&name.id, Some(v)).await?,
            None if drafts => self.0.store.catalogue(&name.id, None).await?,
            None => self
                .0
                .store
                .published_catalogue(&name.id)
                .await?
                .ok_or_else(not_found)?,
        };
        if found.state == CatalogueState::Draft && !drafts {
            return Err(not_found().into());
        }
        Ok(to_proto(&found))
    }

    async fn list_catalogues(
        &self,
        request: Request<pb::ListCataloguesRequest>,
    ) -> Result<pb::ListCataloguesResponse, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        if req.include_drafts && !reads_drafts(actor.as_ref()) {
            return Err(DomainError::denied(
                "只有管理员和审计员可以查看目录草稿 (only administrators and auditors read drafts)",
            )
            .into());
        }
        let view = if req.include_drafts {
            CatalogueView::Latest
        } else {
            CatalogueView::Published
        };
        let year = (req.year != 0).then_some(req.year);
        let catalogues = self.0.store.list_catalogues(year, view).await?;
        Ok(pb::ListCataloguesResponse {
            catalogues: catalogues.iter().map(to_proto).collect(),
        })
    }

    async fn list_catalogue_versions(
        &self,
        request: Request<pb::ListCatalogueVersionsRequest>,
    ) -> Result<pb::ListCatalogueVersionsResponse, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let name = catalogue_of(&req.name, "name", false)?;
        let drafts = reads_drafts(actor.as_ref());
        let versions: Vec<pb::Catalogue> = self
            .0
            .store
            .catalogue_versions(&name.id)
            .await?
            .iter()
            .filter(|c| drafts || c.state != CatalogueState::Draft)
            .map(to_proto)
            .collect();
        if versions.is_empty() {
            return Err(DomainError::not_found(req.name).into());
        }
        Ok(pb::ListCatalogueVersionsResponse { versions })
    }

    async fn update_catalogue(
        &self,
        request: Request<pb::UpdateCatalogueRequest>,
    ) -> Result<pb::Catalogue, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let c = req.catalogue.unwrap_or_default();
        let name = catalogue_of(&c.name, "catalogue.name", true)?;
        let paths = req
            .update_mask
            .as_ref()
            .map(|m| m.paths.clone())
            .unwrap_or_default();
        let (mut title, mut items) = (paths.is_empty(), paths.is_empty());
        for p in &paths {
            match p.as_str() {
                "title" => title = true,
                "items" => items = true,
                other => {
                    return Err(DomainError::invalid(
                        "update_mask",
                        format!("不能修改 {other}，可修改 title、items (only title and items can be updated)"),
                    )
                    .into());
                }
            }
        }
        let registered = self.registered_departments().await?;
        let drafts = if items {
            let mut found = Violations::new();
            let drafts = item_drafts(&name.id, &c.items, &registered, &mut found);
            found.finish()?;
            Some(drafts)
        } else {
            None
        };
        let now = self.0.clock.now();
        let changed = self
            .0
            .store
            .change_catalogue(&name.id, &actor.id, "catalogue.update", now, |cat| {
                cat.check_named_version(name.version)?;
                if title {
                    cat.retitle(&c.title, now)?;
                }
                if let Some(drafts) = &drafts {
                    cat.replace_items("catalogue.items", drafts, new_item_id, now)?;
                }
                Ok(())
            })
            .await?;
        tracing::info!(catalogue = %changed.id, version = changed.version, actor = %actor.id, "catalogue draft changed");
        Ok(to_proto(&changed))
    }

    async fn publish_catalogue(
        &self,
        request: Request<pb::PublishCatalogueRequest>,
    ) -> Result<pb::Catalogue, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = catalogue_of(&req.name, "name", false)?;
        let approval = approval_of(req.approval.as_ref())?;
        let now = self.0.clock.now();
        let published = self
            .0
            .store
            .change_catalogue(&name.id, &actor.id, "catalogue.publish", now, |c| {
                c.publish(approval, now)
            })
            .await?;
        tracing::info!(catalogue = %published.id, version = published.version, actor = %actor.id, "catalogue published");
        Ok(to_proto(&published))
    }

    async fn adjust_catalogue(
        &self,
        request: Request<pb::AdjustCatalogueRequest>,
    ) -> Result<pb::Catalogue, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = catalogue_of(&req.name, "name", false)?;
        let now = self.0.clock.now();
        let next = self
            .0
            .store
            .adjust_catalogue(&name.id, &actor.id, now, |c| {
                c.adjust(&req.reason, &actor.id, now)
            })
            .await?;
        tracing::info!(catalogue = %next.id, version = next.version, actor = %actor.id, "catalogue adjustment started");
        Ok(to_proto(&next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_or_name_the_field() {
        assert_eq!(
            catalogue_of("catalogues/nc-2026", "name", true).unwrap(),
            CatalogueName {
                id: "nc-2026".into(),
                version: None
            }
        );
        assert_eq!(
            catalogue_of("catalogues/nc-2026/versions/2", "name", true)
                .unwrap()
                .version,
            Some(2)
        );
        for bad in [
            "catalogues/",
            "catalogues/a/versions/0",
            "catalogues/a/versions/x",
            "consultations/a",
        ] {
            assert!(catalogue_of(bad, "name", true).is_err(), "{bad}");
        }
        assert!(catalogue_of("catalogues/a/versions/1", "name", false).is_err());
        assert_eq!(item_id_of("catalogues/a/items/i1", "a", "f").unwrap(), "i1");
        assert!(item_id_of("catalogues/b/items/i1", "a", "f").is_err());
        assert_eq!(planned_month("2026-09"), PlannedMonth::new(2026, 9));
        assert_eq!(planned_month("2026-9"), None);
        assert_eq!(planned_month("2026-13"), None);
    }
}
