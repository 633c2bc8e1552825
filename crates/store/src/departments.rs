//! The registry of departments: registered and changed by administrators in one transaction
//! with their audit event; read by everyone, whole (a government has tens of departments).

use std::collections::HashMap;

use consult_domain::DomainError;
use consult_domain::department::Department;
use sea_orm::sea_query::LockType;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::audit::{self, AuditRecord};
use crate::entity::department;
use crate::{Store, StoreError, corrupt};

fn from_row(m: department::Model) -> Result<Department, StoreError> {
    Ok(Department {
        channel_guides: serde_json::from_str(&m.channel_guides)
            .map_err(|e| corrupt(format!("departments/{}: channel_guides: {e}", m.code)))?,
        code: m.code,
        name: m.name,
        government: m.government,
        updated_at: m.updated_at,
        disabled: m.disabled,
    })
}

fn to_row(d: &Department) -> department::ActiveModel {
    department::ActiveModel {
        code: Set(d.code.clone()),
        name: Set(d.name.clone()),
        government: Set(d.government.clone()),
        updated_at: Set(d.updated_at),
        channel_guides: Set(
            serde_json::to_string(&d.channel_guides).unwrap_or_else(|_| "[]".into())
        ),
        disabled: Set(d.disabled),
    }
}

impl Store {
    /// Registers `d`; `ALREADY_EXISTS` if its code is taken. Two registrations of one code at
    /// once: the primary key refuses the second (a conflict, whose retry finds it taken).
    pub async fn create_department(&self, d: &Department, actor: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        if department::Entity::find_by_id(d.code.clone())
            .one(&*txn)
            .await?
            .is_some()
        {
            return Err(DomainError::AlreadyExists {
                resource: d.resource_name(),
                description: format!(
                    "部门代码 {} 已登记 (the department code is registered already)",
                    d.code
                ),
            }
            .into());
        }
        department::Entity::insert(to_row(d))
            .exec_without_returning(&*txn)
            .await?;
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: None,
                actor: actor.to_owned(),
                action: "department.create",
                subject: d.resource_name(),
                before: None,
                after: audit::to_json(d),
                occurred_at: d.updated_at,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Applies `change` to department `code` under a row lock, with its audit event.
    pub async fn change_department<F>(
        &self,
        code: &str,
        actor: &str,
        change: F,
    ) -> Result<Department, StoreError>
    where
        F: FnOnce(&Department) -> Result<Department, DomainError>,
    {
        let txn = self.begin_write().await?;
        let before = department::Entity::find_by_id(code.to_owned())
            .lock(LockType::Update)
            .one(&*txn)
            .await?
            .map(from_row)
            .transpose()?
            .ok_or_else(|| DomainError::not_found(format!("departments/{code}")))?;
        let after = change(&before)?;
        department::Entity::update_many()
            .set(to_row(&after))
            .filter(department::Column::Code.eq(code))
            .exec(&*txn)
            .await?;
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: None,
                actor: actor.to_owned(),
                action: match (before.disabled, after.disabled) {
                    (false, true) => "department.disable",
                    (true, false) => "department.enable",
                    _ => "department.update",
                },
                subject: after.resource_name(),
                before: audit::to_json(&before),
                after: audit::to_json(&after),
                occurred_at: after.updated_at,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// One department, or `NOT_FOUND`.
    pub async fn department(&self, code: &str) -> Result<Department, StoreError> {
        self.find_department(code)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("departments/{code}")).into())
    }

    /// One department, if registered.
    pub async fn find_department(&self, code: &str) -> Result<Option<Department>, StoreError> {
        department::Entity::find_by_id(code.to_owned())
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()
    }

    /// Every department, by code.
    pub async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        department::Entity::find()
            .order_by_asc(department::Column::Code)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// The full name of each registered department, by code, for pages that show several.
    pub async fn department_names(&self) -> Result<HashMap<String, String>, StoreError> {
        Ok(self
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect())
    }

    /// What the public reads for department `code`: its full name, or the code itself while
    /// the department is not registered.
    pub async fn department_display_name(&self, code: &str) -> Result<String, StoreError> {
        Ok(self
            .find_department(code)
            .await?
            .map_or_else(|| code.to_owned(), |d| d.name))
    }
}
