//! Decision catalogues: every version a row, its items a JSON list. A draft changes under a
//! row lock with its audit event; publishing is a conditional update that also marks the
//! version it replaces superseded; an adjustment inserts the next version, whose primary key
//! lets only one of two concurrent adjustments through.

use chrono::{DateTime, Utc};
use consult_domain::catalogue::{Catalogue, CatalogueItem, CatalogueState};
use consult_domain::consultation::catalogue_item_of;
use consult_domain::{ConsultationState, DomainError};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::audit::{self, AuditRecord};
use crate::entity::catalogue;
use crate::{Store, StoreError, corrupt};

fn from_row(m: catalogue::Model) -> Result<Catalogue, StoreError> {
    let name = format!("catalogues/{}/versions/{}", m.id, m.version);
    let items: Vec<CatalogueItem> =
        serde_json::from_str(&m.items).map_err(|e| corrupt(format!("{name}: items: {e}")))?;
    let state = CatalogueState::from_code(&m.state)
        .ok_or_else(|| corrupt(format!("{name}: state {}", m.state)))?;
    let approval = match m.approved_on {
        Some(approved_on) => Some(consult_domain::catalogue::Approval {
            document_number: m.approval_document_number,
            approved_on,
        }),
        None => None,
    };
    Ok(Catalogue {
        id: m.id,
        government: m.government,
        year: m.year,
        title: m.title,
        version: u32::try_from(m.version).map_err(|_| corrupt(format!("{name}: version")))?,
        state,
        items,
        approval,
        adjustment_reason: m.adjustment_reason,
        drafted_by: m.drafted_by,
        published_at: m.published_at,
        updated_at: m.updated_at,
    })
}

fn to_row(c: &Catalogue) -> catalogue::ActiveModel {
    catalogue::ActiveModel {
        id: Set(c.id.clone()),
        version: Set(i32::try_from(c.version).unwrap_or(i32::MAX)),
        government: Set(c.government.clone()),
        year: Set(c.year),
        title: Set(c.title.clone()),
        state: Set(c.state.code().to_owned()),
        items: Set(serde_json::to_string(&c.items).unwrap_or_else(|_| "[]".into())),
        approval_document_number: Set(c
            .approval
            .as_ref()
            .map(|a| a.document_number.clone())
            .unwrap_or_default()),
        approved_on: Set(c.approval.as_ref().map(|a| a.approved_on)),
        adjustment_reason: Set(c.adjustment_reason.clone()),
        drafted_by: Set(c.drafted_by.clone()),
        published_at: Set(c.published_at),
        updated_at: Set(c.updated_at),
    }
}

fn record(
    c: &Catalogue,
    actor: &str,
    action: &'static str,
    before: Option<&Catalogue>,
    now: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord {
        consultation_id: None,
        actor: actor.to_owned(),
        action,
        subject: c.name(),
        before: before.and_then(audit::to_json),
        after: audit::to_json(c),
        occurred_at: now,
    }
}

/// Sets the status of `c`'s items from the published consultations carrying them out (see
/// [`Catalogue::follow`]): status is read from the consultations, never kept apart from them.
async fn follow<C: ConnectionTrait>(db: &C, c: &mut Catalogue) -> Result<(), StoreError> {
    use crate::entity::consultation;
    let prefix = format!("catalogues/{}/items/", c.id);
    let rows: Vec<(String, String, String)> = consultation::Entity::find()
        .select_only()
        .column(consultation::Column::Id)
        .column(consultation::Column::CatalogueItem)
        .column(consultation::Column::State)
        .filter(consultation::Column::CatalogueItem.starts_with(&prefix))
        .filter(consultation::Column::PublishedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut carried = Vec::with_capacity(rows.len());
    for (id, item, state) in rows {
        let state = ConsultationState::from_code(&state)
            .ok_or_else(|| corrupt(format!("consultations/{id}: state {state}")))?;
        // `starts_with` is a LIKE, where `_` matches any character: check the catalogue again.
        if let Some((catalogue, item)) = catalogue_item_of(&item)
            && catalogue == c.id
        {
            carried.push((id, item.to_owned(), state));
        }
    }
    c.follow(&carried);
    Ok(())
}

/// Which catalogues a listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueView {
    /// Each catalogue's latest published version (what the public reads).
    Published,
    /// Each catalogue's latest version, a draft included (what administrators work on).
    Latest,
}

impl Store {
    /// Stores version 1 of a new catalogue, with its audit event; `ALREADY_EXISTS` if the id
    /// is taken.
    pub async fn create_catalogue(&self, c: &Catalogue, actor: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        if catalogue::Entity::find()
            .filter(catalogue::Column::Id.eq(c.id.clone()))
            .one(&*txn)
            .await?
            .is_some()
        {
            return Err(DomainError::AlreadyExists {
                resource: format!("catalogues/{}", c.id),
                description: format!("目录 {} 已存在 (the catalogue exists already)", c.id),
            }
            .into());
        }
        catalogue::Entity::insert(to_row(c))
            .exec_without_returning(&*txn)
            .await?;
        audit::append(
            &*txn,
            record(c, actor, "catalogue.create", None, c.updated_at),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Applies `change` to the latest version of catalogue `id` under a row lock, with its
    /// audit event `action`; publishing marks the version it replaces superseded. Returns the
    /// version as changed.
    pub async fn change_catalogue<F>(
        &self,
        id: &str,
        actor: &str,
        action: &'static str,
        now: DateTime<Utc>,
        change: F,
    ) -> Result<Catalogue, StoreError>
    where
        F: FnOnce(&mut Catalogue) -> Result<(), DomainError>,
    {
        let txn = self.begin_write().await?;
        let mut before = latest(&*txn, id, true).await?;
        follow(&*txn, &mut before).await?;
        let mut after = before.clone();
        change(&mut after)?;
        let updated = catalogue::Entity::update_many()
            .set(to_row(&after))
            .filter(catalogue::Column::Id.eq(id))
            .filter(catalogue::Column::Version.eq(before.version as i32))
            .filter(catalogue::Column::State.eq(before.state.code()))
            .exec(&*txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(StoreError::Conflict(
                "目录已被另一请求修改 (the catalogue was changed concurrently)".into(),
                None,
            ));
        }
        if before.state == CatalogueState::Draft && after.state == CatalogueState::Published {
            catalogue::Entity::update_many()
                .col_expr(
                    catalogue::Column::State,
                    Expr::value(CatalogueState::Superseded.code()),
                )
                .filter(catalogue::Column::Id.eq(id))
                .filter(catalogue::Column::Version.lt(after.version as i32))
                .filter(catalogue::Column::State.eq(CatalogueState::Published.code()))
                .exec(&*txn)
                .await?;
        }
        audit::append(&*txn, record(&after, actor, action, Some(&before), now)).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Starts an adjustment of catalogue `id`: `adjust` makes the next version from the latest
    /// (which must be published), stored as a draft with its audit event. Two adjustments at
    /// once: the primary key lets one through.
    pub async fn adjust_catalogue<F>(
        &self,
        id: &str,
        actor: &str,
        now: DateTime<Utc>,
        adjust: F,
    ) -> Result<Catalogue, StoreError>
    where
        F: FnOnce(&Catalogue) -> Result<Catalogue, DomainError>,
    {
        let txn = self.begin_write().await?;
        let published = latest(&*txn, id, true).await?;
        let next = adjust(&published)?;
        catalogue::Entity::insert(to_row(&next))
            .exec_without_returning(&*txn)
            .await?;
        audit::append(
            &*txn,
            record(&next, actor, "catalogue.adjust", Some(&published), now),
        )
        .await?;
        txn.commit().await?;
        Ok(next)
    }

    /// Version `version` of catalogue `id`, or its latest version when `None`.
    pub async fn catalogue(&self, id: &str, version: Option<u32>) -> Result<Catalogue, StoreError> {
        let mut c = match version {
            None => latest(&self.db, id, false).await?,
            Some(v) => catalogue::Entity::find_by_id((id.to_owned(), v as i32))
                .one(&self.db)
                .await?
                .map(from_row)
                .transpose()?
                .ok_or_else(|| -> StoreError {
                    DomainError::not_found(format!("catalogues/{id}/versions/{v}")).into()
                })?,
        };
        follow(&self.db, &mut c).await?;
        Ok(c)
    }

    /// The latest published version of catalogue `id`, if it has one.
    pub async fn published_catalogue(&self, id: &str) -> Result<Option<Catalogue>, StoreError> {
        let c = catalogue::Entity::find()
            .filter(catalogue::Column::Id.eq(id))
            .filter(catalogue::Column::State.eq(CatalogueState::Published.code()))
            .order_by_desc(catalogue::Column::Version)
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()?;
        match c {
            Some(mut c) => {
                follow(&self.db, &mut c).await?;
                Ok(Some(c))
            }
            None => Ok(None),
        }
    }

    /// Every version of catalogue `id`, oldest first (`NOT_FOUND` when there is none).
    pub async fn catalogue_versions(&self, id: &str) -> Result<Vec<Catalogue>, StoreError> {
        let mut versions = catalogue::Entity::find()
            .filter(catalogue::Column::Id.eq(id))
            .order_by_asc(catalogue::Column::Version)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()?;
        for c in &mut versions {
            follow(&self.db, c).await?;
        }
        if versions.is_empty() {
            return Err(DomainError::not_found(format!("catalogues/{id}")).into());
        }
        Ok(versions)
    }

    /// The catalogues of `year` (every year when `None`), one version each as `view` says,
    /// by year and id. A government has one catalogue a year: the list stays short.
    pub async fn list_catalogues(
        &self,
        year: Option<i32>,
        view: CatalogueView,
    ) -> Result<Vec<Catalogue>, StoreError> {
        let mut q = catalogue::Entity::find();
        if let Some(y) = year {
            q = q.filter(catalogue::Column::Year.eq(y));
        }
        if view == CatalogueView::Published {
            q = q.filter(catalogue::Column::State.eq(CatalogueState::Published.code()));
        }
        let rows = q
            .order_by_asc(catalogue::Column::Year)
            .order_by_asc(catalogue::Column::Id)
            .order_by_desc(catalogue::Column::Version)
            .all(&self.db)
            .await?;
        let mut out: Vec<Catalogue> = Vec::new();
        for row in rows {
            if out.last().is_some_and(|c| c.id == row.id) {
                continue;
            }
            let mut c = from_row(row)?;
            follow(&self.db, &mut c).await?;
            out.push(c);
        }
        Ok(out)
    }
}

/// The latest version of catalogue `id`, locked for update when `lock`.
async fn latest<C: ConnectionTrait>(db: &C, id: &str, lock: bool) -> Result<Catalogue, StoreError> {
    let mut q = catalogue::Entity::find()
        .filter(catalogue::Column::Id.eq(id))
        .order_by_desc(catalogue::Column::Version);
    if lock {
        q = q.lock(LockType::Update);
    }
    q.one(db)
        .await?
        .map(from_row)
        .transpose()?
        .ok_or_else(|| DomainError::not_found(format!("catalogues/{id}")).into())
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use consult_domain::catalogue::{Approval, ItemDraft, ItemStatus, PlannedMonth};

    use super::*;
    use crate::PrivateDataKeys;
    use crate::comments::tests::temp_database;

    fn at(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, 2, 0, 0).unwrap()
    }

    fn item<'a>(title: &'a str, department: &'a str) -> ItemDraft<'a> {
        ItemDraft {
            title,
            department,
            planned: PlannedMonth::new(2026, 9),
            hearing_required: true,
        }
    }

    fn approval(number: &str, m: u32, d: u32) -> Approval {
        Approval {
            document_number: number.into(),
            approved_on: NaiveDate::from_ymd_opt(2026, m, d).unwrap(),
        }
    }

    #[tokio::test]
    async fn versions_are_drafted_published_adjusted_and_all_stay_readable() {
        let (dir, url) = temp_database("catalogues");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("open");
        let mut c = Catalogue::draft(
            "nc-2026".into(),
            "南昌市人民政府",
            2026,
            "南昌市人民政府2026年度重大行政决策事项目录",
            "admin",
            at(1, 5),
        )
        .unwrap();
        c.add_item("i1".into(), item("南昌市养犬管理规定", "gaj"), at(1, 5))
            .unwrap();
        store.create_catalogue(&c, "admin").await.expect("created");
        assert!(matches!(
            store.create_catalogue(&c, "admin").await,
            Err(StoreError::Domain(DomainError::AlreadyExists { .. }))
        ));
        assert!(
            store
                .list_catalogues(Some(2026), CatalogueView::Published)
                .await
                .unwrap()
                .is_empty(),
            "a draft is not public"
        );
        let v1 = store
            .change_catalogue("nc-2026", "admin", "catalogue.publish", at(2, 4), |c| {
                c.publish(approval("洪府字〔2026〕12号", 2, 3), at(2, 4))
            })
            .await
            .expect("published");
        assert_eq!(v1.state, CatalogueState::Published);
        // A published version refuses changes, and the refusal writes nothing.
        let refused = store
            .change_catalogue("nc-2026", "admin", "catalogue.update", at(3, 1), |c| {
                c.add_item("i2".into(), item("又一项", "gaj"), at(3, 1))
                    .map(|_| ())
            })
            .await;
        assert!(matches!(refused, Err(StoreError::Domain(_))), "{refused:?}");

        let v2 = store
            .adjust_catalogue("nc-2026", "admin", at(5, 1), |c| {
                c.adjust("根据常务会议决定调整", "admin", at(5, 1))
            })
            .await
            .expect("adjusted");
        assert_eq!((v2.version, v2.state), (2, CatalogueState::Draft));
        // A second adjustment while one is drafted: refused (the latest is not published).
        assert!(
            store
                .adjust_catalogue("nc-2026", "admin", at(5, 1), |c| {
                    c.adjust("再调整一次", "admin", at(5, 1))
                })
                .await
                .is_err()
        );
        store
            .change_catalogue("nc-2026", "admin", "catalogue.update", at(5, 2), |c| {
                c.remove_item("i1", at(5, 2))?;
                c.add_item("i2".into(), item("公共停车场收费标准", "fgw"), at(5, 2))
                    .map(|_| ())
            })
            .await
            .expect("changed");
        let published = store
            .list_catalogues(Some(2026), CatalogueView::Published)
            .await
            .unwrap();
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].version, 1, "the public still reads version 1");
        store
            .change_catalogue("nc-2026", "admin", "catalogue.publish", at(5, 9), |c| {
                c.publish(approval("洪府字〔2026〕40号", 5, 8), at(5, 9))
            })
            .await
            .expect("v2 published");

        let versions = store.catalogue_versions("nc-2026").await.unwrap();
        assert_eq!(
            versions
                .iter()
                .map(|v| (v.version, v.state))
                .collect::<Vec<_>>(),
            [
                (1, CatalogueState::Superseded),
                (2, CatalogueState::Published)
            ]
        );
        assert_eq!(versions[0].items.len(), 1);
        assert_eq!(versions[0].items[0].status, ItemStatus::Planned);
        assert_eq!(
            versions[1].item("i1").map(|i| i.status),
            Some(ItemStatus::Withdrawn)
        );
        let v1_again = store.catalogue("nc-2026", Some(1)).await.unwrap();
        assert_eq!(
            v1_again.approval.unwrap().document_number,
            "洪府字〔2026〕12号"
        );
        assert_eq!(
            store
                .published_catalogue("nc-2026")
                .await
                .unwrap()
                .map(|c| c.version),
            Some(2)
        );
        assert!(matches!(
            store.catalogue("nc-2026", Some(3)).await,
            Err(StoreError::Domain(DomainError::NotFound { .. }))
        ));
        let audited: Vec<String> = crate::entity::audit_event::Entity::find()
            .all(&store.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            audited,
            [
                "catalogue.create",
                "catalogue.publish",
                "catalogue.adjust",
                "catalogue.update",
                "catalogue.publish"
            ]
        );
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }
}
