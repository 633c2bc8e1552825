//! Registers of public representatives: each a row, the name and contact sealed apart (they
//! are private; documents and audit events carry none). A change takes the row's lock.

use chrono::{DateTime, Utc};
use consult_domain::DomainError;
use consult_domain::representative::Representative;
use sea_orm::sea_query::LockType;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::audit::{self, AuditRecord};
use crate::entity::representative;
use crate::private_data::{PrivateDataKeys, PrivateField};
use crate::{Store, StoreError, corrupt};

/// What is sealed of a representative.
#[derive(Serialize, Deserialize)]
struct Details {
    name: String,
    contact: String,
}

fn from_row(
    m: representative::Model,
    keys: &PrivateDataKeys,
) -> Result<Representative, StoreError> {
    let name = format!("departments/{}/representatives/{}", m.department, m.id);
    let mut r: Representative =
        serde_json::from_str(&m.document).map_err(|e| corrupt(format!("{name}: {e}")))?;
    let details = keys
        .open(
            &m.private_key_id,
            &name,
            PrivateField::RepresentativeDetails,
            &m.details,
        )
        .map_err(StoreError::Keys)?;
    let details: Details =
        serde_json::from_str(&details).map_err(|e| corrupt(format!("{name}: details: {e}")))?;
    r.name = details.name;
    r.contact = details.contact;
    Ok(r)
}

fn to_row(
    r: &Representative,
    keys: &PrivateDataKeys,
) -> Result<representative::ActiveModel, StoreError> {
    let details = serde_json::to_string(&Details {
        name: r.name.clone(),
        contact: r.contact.clone(),
    })
    .map_err(|e| corrupt(e.to_string()))?;
    Ok(representative::ActiveModel {
        department: Set(r.department.clone()),
        id: Set(r.id.clone()),
        category: Set(r.category.code().to_owned()),
        active: Set(r.active),
        document: Set(serde_json::to_string(r).map_err(|e| corrupt(e.to_string()))?),
        details: Set(keys
            .seal(&r.name(), PrivateField::RepresentativeDetails, &details)
            .map_err(StoreError::Keys)?),
        private_key_id: Set(keys.current().to_owned()),
        updated_at: Set(r.updated_at),
    })
}

fn record(
    r: &Representative,
    actor: &str,
    action: &'static str,
    before: Option<&Representative>,
) -> AuditRecord {
    AuditRecord {
        consultation_id: None,
        actor: actor.to_owned(),
        action,
        subject: r.name(),
        before: before.and_then(audit::to_json),
        after: audit::to_json(r),
        occurred_at: r.updated_at,
    }
}

impl Store {
    /// Stores a new representative with its audit event; `ALREADY_EXISTS` if the register
    /// has its id.
    pub async fn register_representative(
        &self,
        r: &Representative,
        actor: &str,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let taken = representative::Entity::find_by_id((r.department.clone(), r.id.clone()))
            .one(&*txn)
            .await?
            .is_some();
        if taken {
            return Err(DomainError::AlreadyExists {
                resource: r.name(),
                description: format!("代表 {} 已登记 (the representative exists already)", r.id),
            }
            .into());
        }
        // Two registrations of one id at once: the primary key lets one through.
        representative::Entity::insert(to_row(r, &self.keys)?)
            .exec_without_returning(&*txn)
            .await?;
        audit::append(&*txn, record(r, actor, "representative.register", None)).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Applies `change` to representative `id` of `department` under its row lock, with its
    /// audit event; nothing is written when `change` says nothing changed.
    pub async fn change_representative<F>(
        &self,
        department: &str,
        id: &str,
        actor: &str,
        action: &'static str,
        change: F,
    ) -> Result<Representative, StoreError>
    where
        F: FnOnce(&mut Representative) -> bool,
    {
        let txn = self.begin_write().await?;
        let row = representative::Entity::find_by_id((department.to_owned(), id.to_owned()))
            .lock(LockType::Update)
            .one(&*txn)
            .await?
            .ok_or_else(|| {
                DomainError::not_found(format!("departments/{department}/representatives/{id}"))
            })?;
        let before = from_row(row, &self.keys)?;
        let mut after = before.clone();
        if !change(&mut after) {
            return Ok(after);
        }
        representative::Entity::update(to_row(&after, &self.keys)?)
            .exec(&*txn)
            .await?;
        audit::append(&*txn, record(&after, actor, action, Some(&before))).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// The register of `department`, by id.
    pub async fn representatives(
        &self,
        department: &str,
    ) -> Result<Vec<Representative>, StoreError> {
        representative::Entity::find()
            .filter(representative::Column::Department.eq(department))
            .order_by_asc(representative::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| from_row(m, &self.keys))
            .collect()
    }

    /// The keys representatives' details are sealed with.
    pub(crate) async fn representative_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(representative::Entity::find()
            .select_only()
            .column(representative::Column::PrivateKeyId)
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// Re-seals every representative sealed under an older key with the current one (registers
    /// are small: one transaction), with an audit event; returns how many.
    pub async fn reseal_representatives(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let current = self.keys.current().to_owned();
        let txn = self.begin_write().await?;
        let rows = representative::Entity::find()
            .filter(representative::Column::PrivateKeyId.ne(current.clone()))
            .all(&*txn)
            .await?;
        let n = rows.len() as u64;
        if n == 0 {
            return Ok(0);
        }
        let mut from: std::collections::BTreeMap<String, u64> = Default::default();
        for row in rows {
            *from.entry(row.private_key_id.clone()).or_default() += 1;
            let r = from_row(row, &self.keys)?;
            representative::Entity::update(to_row(&r, &self.keys)?)
                .exec(&*txn)
                .await?;
        }
        audit::append(
            &*txn,
            crate::resealing::reseal_event("representatives", &from, &current, n, now),
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }
}
