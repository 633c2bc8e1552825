//! The register of calling systems: registered and changed by administrators in one
//! transaction with their audit event, and looked up by token digest or certificate common
//! name on every call a registered system makes (one indexed read), so a system disabled on one
//! replica is refused at its next call on all of them.

use consult_domain::calling_system::CallingSystem;
use consult_domain::{Channel, DomainError};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::audit::{self, AuditRecord};
use crate::entity::calling_system;
use crate::{Store, StoreError, corrupt};

fn from_row(m: calling_system::Model) -> Result<CallingSystem, StoreError> {
    let codes: Vec<String> = serde_json::from_str(&m.channels)
        .map_err(|e| corrupt(format!("callingSystems/{}: channels: {e}", m.id)))?;
    let channels = codes
        .iter()
        .map(|c| {
            Channel::from_code(c)
                .ok_or_else(|| corrupt(format!("callingSystems/{}: channel {c}", m.id)))
        })
        .collect::<Result<_, _>>()?;
    Ok(CallingSystem {
        id: m.id,
        display_name: m.display_name,
        channels,
        token_sha256: m.token_sha256,
        certificate_common_name: m.certificate_common_name,
        disabled: m.disabled,
        updated_at: m.updated_at,
    })
}

fn to_row(s: &CallingSystem) -> calling_system::ActiveModel {
    let codes: Vec<&str> = s.channels.iter().map(|c| c.code()).collect();
    calling_system::ActiveModel {
        id: Set(s.id.clone()),
        display_name: Set(s.display_name.clone()),
        channels: Set(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into())),
        token_sha256: Set(s.token_sha256.clone()),
        certificate_common_name: Set(s.certificate_common_name.clone()),
        disabled: Set(s.disabled),
        updated_at: Set(s.updated_at),
    }
}

/// `ALREADY_EXISTS` when another registered system holds `s`'s token or certificate. The
/// unique indexes still refuse a holder registered concurrently (a conflict, whose retry
/// lands here).
async fn refuse_taken_credentials(
    db: &impl ConnectionTrait,
    s: &CallingSystem,
) -> Result<(), StoreError> {
    let mut holders = Vec::new();
    if let Some(token) = &s.token_sha256 {
        holders.extend(
            calling_system::Entity::find()
                .filter(calling_system::Column::TokenSha256.eq(token.as_str()))
                .filter(calling_system::Column::Id.ne(s.id.as_str()))
                .one(db)
                .await?
                .map(|h| (h.id, "令牌", "token")),
        );
    }
    if let Some(cn) = &s.certificate_common_name {
        holders.extend(
            calling_system::Entity::find()
                .filter(calling_system::Column::CertificateCommonName.eq(cn.as_str()))
                .filter(calling_system::Column::Id.ne(s.id.as_str()))
                .one(db)
                .await?
                .map(|h| (h.id, "证书通用名", "certificate common name")),
        );
    }
    match holders.into_iter().next() {
        Some((holder, zh, en)) => Err(DomainError::AlreadyExists {
            resource: consult_domain::calling_system::resource_name(&holder),
            description: format!(
                "调用系统 {holder} 已使用该{zh} (calling system {holder} holds this {en})"
            ),
        }
        .into()),
        None => Ok(()),
    }
}

impl Store {
    /// Registers `s`; `ALREADY_EXISTS` if its id, token or certificate is taken.
    pub async fn create_calling_system(
        &self,
        s: &CallingSystem,
        actor: &str,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        if calling_system::Entity::find_by_id(s.id.clone())
            .one(&*txn)
            .await?
            .is_some()
        {
            return Err(DomainError::AlreadyExists {
                resource: s.resource_name(),
                description: format!(
                    "调用系统 {} 已登记 (the calling system is registered already)",
                    s.id
                ),
            }
            .into());
        }
        refuse_taken_credentials(&*txn, s).await?;
        calling_system::Entity::insert(to_row(s))
            .exec_without_returning(&*txn)
            .await?;
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: None,
                actor: actor.to_owned(),
                action: "calling_system.create",
                subject: s.resource_name(),
                before: None,
                after: audit::to_json(s),
                occurred_at: s.updated_at,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Applies `change` to calling system `id` under a row lock, with its audit event
    /// (`calling_system.disable` or `.enable` when that is what changed, else `.update`).
    pub async fn change_calling_system<F>(
        &self,
        id: &str,
        actor: &str,
        change: F,
    ) -> Result<CallingSystem, StoreError>
    where
        F: FnOnce(&CallingSystem) -> Result<CallingSystem, DomainError>,
    {
        let txn = self.begin_write().await?;
        let before = calling_system::Entity::find_by_id(id.to_owned())
            .lock(LockType::Update)
            .one(&*txn)
            .await?
            .map(from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(consult_domain::calling_system::resource_name(id))
            })?;
        let after = change(&before)?;
        if after.token_sha256 != before.token_sha256 {
            refuse_taken_credentials(&*txn, &after).await?;
        }
        calling_system::Entity::update_many()
            .set(to_row(&after))
            .filter(calling_system::Column::Id.eq(id))
            .exec(&*txn)
            .await?;
        let action = match (before.disabled, after.disabled) {
            (false, true) => "calling_system.disable",
            (true, false) => "calling_system.enable",
            _ if after.token_sha256 != before.token_sha256 => "calling_system.replace_token",
            _ => "calling_system.update",
        };
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: None,
                actor: actor.to_owned(),
                action,
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

    /// One calling system, or `NOT_FOUND`.
    pub async fn calling_system(&self, id: &str) -> Result<CallingSystem, StoreError> {
        calling_system::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(consult_domain::calling_system::resource_name(id)).into()
            })
    }

    /// Every registered calling system, by id (a government has tens of them).
    pub async fn calling_systems(&self) -> Result<Vec<CallingSystem>, StoreError> {
        calling_system::Entity::find()
            .order_by_asc(calling_system::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// The system holding the token whose digest is `token_sha256`, disabled or not.
    pub async fn calling_system_by_token(
        &self,
        token_sha256: &str,
    ) -> Result<Option<CallingSystem>, StoreError> {
        calling_system::Entity::find()
            .filter(calling_system::Column::TokenSha256.eq(token_sha256))
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()
    }

    /// The system whose client certificate has the common name `cn`, disabled or not.
    pub async fn calling_system_by_certificate(
        &self,
        cn: &str,
    ) -> Result<Option<CallingSystem>, StoreError> {
        calling_system::Entity::find()
            .filter(calling_system::Column::CertificateCommonName.eq(cn))
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()
    }
}
