//! Key rotation for private fields: which keys rows are sealed with, the start-up check that
//! each of them is configured, and re-sealing under the current key a batch at a time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::audit::{self, AuditRecord};
use crate::comments::{canonical_submission, from_row};
use crate::entity::comment;
use crate::private_data::PrivateField;
use crate::{Store, StoreError};

/// How many comments are sealed with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    /// The key; `None` for rows still in plain text (written before sealing existed).
    pub key_id: Option<String>,
    /// Comments sealed with it.
    pub comments: u64,
}

/// What one re-sealing batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResealProgress {
    /// Comments re-sealed under the current key by this batch.
    pub resealed: u64,
    /// The last comment id the batch looked at: the next batch starts after it, so a pass
    /// over the table reads each row once.
    pub last_id: Option<String>,
}

/// What one batch of contact digests computed for older comments did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestProgress {
    /// Comments given their contact's digest by this batch.
    pub digested: u64,
}

/// Who re-seals, in the audit log.
const RESEALER: &str = "system:private-data";

/// The audit event of one re-sealing: how many rows of `subject` (a table) left which key
/// (`from`) for `current`.
pub(crate) fn reseal_event(
    subject: &str,
    from: &BTreeMap<String, u64>,
    current: &str,
    n: u64,
    now: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord {
        consultation_id: None,
        actor: RESEALER.to_owned(),
        action: "private_data.reseal",
        subject: subject.to_owned(),
        before: audit::to_json(from),
        after: audit::to_json(&serde_json::json!({ "key": current, subject: n })),
        occurred_at: now,
    }
}

impl Store {
    /// Comments per sealing key, plain-text rows first.
    pub async fn key_usage(&self) -> Result<Vec<KeyUsage>, StoreError> {
        let rows: Vec<(Option<String>, i64)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::PrivateKeyId)
            .column_as(comment::Column::Id.count(), "comments")
            .group_by(comment::Column::PrivateKeyId)
            .order_by_asc(comment::Column::PrivateKeyId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut usage: Vec<KeyUsage> = rows
            .into_iter()
            .map(|(key_id, n)| KeyUsage {
                key_id,
                comments: u64::try_from(n).unwrap_or_default(),
            })
            .collect();
        // NULL sorts first on SQLite and last on PostgreSQL.
        usage.sort_by(|a, b| a.key_id.cmp(&b.key_id));
        Ok(usage)
    }

    /// Comments not yet sealed with the current key.
    pub async fn comments_to_reseal(&self) -> Result<u64, StoreError> {
        Ok(self
            .key_usage()
            .await?
            .iter()
            .filter(|u| u.key_id.as_deref() != Some(self.keys.current()))
            .map(|u| u.comments)
            .sum())
    }

    /// Refuses to start when rows are sealed with a key that is not configured: every read of
    /// them would fail, and re-sealing could never finish.
    pub(crate) async fn check_keys(&self) -> Result<(), StoreError> {
        for u in self.key_usage().await? {
            match &u.key_id {
                Some(id) if !self.keys.knows(id) => {
                    return Err(StoreError::Keys(format!(
                        "{} 条意见的个人信息由密钥 {id} 加密，但配置中没有该密钥；请把它加入 [private_data] 的 keys (comments sealed with key {id}, which is not configured)",
                        u.comments
                    )));
                }
                None => tracing::warn!(
                    comments = u.comments,
                    "comments hold private fields in plain text; they are sealed in the background"
                ),
                Some(_) => {}
            }
        }
        let sealed_apart = [
            (
                "听证会参加人姓名",
                "hearing participants",
                self.hearing_keys().await?,
            ),
            (
                "公众代表信息",
                "public representatives",
                self.representative_keys().await?,
            ),
        ];
        for (what, english, ids) in sealed_apart {
            if let Some(id) = ids.iter().find(|id| !self.keys.knows(id)) {
                return Err(StoreError::Keys(format!(
                    "{what}由密钥 {id} 加密，但配置中没有该密钥；请把它加入 [private_data] 的 keys ({english} sealed with key {id}, which is not configured)"
                )));
            }
        }
        Ok(())
    }

    /// Gives up to `limit` comments stored before contact digests existed (NULL, found by the
    /// partial index of migration 21) their contact's digest, or an empty string for a blank
    /// contact, in one transaction. A derived column, like an index: no audit event.
    pub async fn digest_contacts_batch(&self, limit: u64) -> Result<DigestProgress, StoreError> {
        let txn = self.begin_write().await?;
        let rows = comment::Entity::find()
            .filter(comment::Column::ContactDigest.is_null())
            .order_by_asc(comment::Column::Id)
            .limit(limit)
            .all(&*txn)
            .await?;
        let n = rows.len() as u64;
        for row in rows {
            let c = from_row(row, &self.keys)?;
            comment::Entity::update_many()
                .col_expr(
                    comment::Column::ContactDigest,
                    Expr::value(self.keys.contact_digest_column(&c.body.submitter_contact)),
                )
                .filter(comment::Column::Id.eq(c.id.clone()))
                .exec(&*txn)
                .await?;
        }
        txn.commit().await?;
        Ok(DigestProgress { digested: n })
    }

    /// Re-seals up to `limit` comments after id `after` that are in plain text or under an older
    /// key, with the current key, in one transaction that also records an audit event.
    pub async fn reseal_batch(
        &self,
        after: Option<&str>,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<ResealProgress, StoreError> {
        let current = self.keys.current().to_owned();
        let txn = self.begin_write().await?;
        let mut q = comment::Entity::find().filter(
            Condition::any()
                .add(comment::Column::PrivateKeyId.is_null())
                .add(comment::Column::PrivateKeyId.ne(current.clone())),
        );
        if let Some(a) = after {
            q = q.filter(comment::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(comment::Column::Id)
            .limit(limit)
            .all(&*txn)
            .await?;
        let Some(last_id) = rows.last().map(|r| r.id.clone()) else {
            return Ok(ResealProgress {
                resealed: 0,
                last_id: None,
            });
        };
        let mut from: BTreeMap<String, u64> = BTreeMap::new();
        let n = rows.len() as u64;
        for row in rows {
            let old_key = row.private_key_id.clone();
            *from
                .entry(old_key.unwrap_or_else(|| "plaintext".to_owned()))
                .or_default() += 1;
            let c = from_row(row, &self.keys)?;
            let seal = |field, plain: &str| {
                self.keys
                    .seal(&c.id, field, plain)
                    .map_err(StoreError::Keys)
            };
            let digest = self
                .keys
                .request_digest(
                    Some(&current),
                    &canonical_submission(&c.consultation_id, &c.body),
                )
                .map_err(StoreError::Keys)?;
            comment::Entity::update_many()
                .col_expr(
                    comment::Column::SubmitterName,
                    Expr::value(seal(PrivateField::Name, &c.body.submitter_name)?),
                )
                .col_expr(
                    comment::Column::SubmitterOrganization,
                    Expr::value(seal(
                        PrivateField::Organization,
                        &c.body.submitter_organization,
                    )?),
                )
                .col_expr(
                    comment::Column::SubmitterContact,
                    Expr::value(seal(PrivateField::Contact, &c.body.submitter_contact)?),
                )
                .col_expr(comment::Column::RequestDigest, Expr::value(digest))
                .col_expr(
                    comment::Column::ContactDigest,
                    Expr::value(self.keys.contact_digest_column(&c.body.submitter_contact)),
                )
                .col_expr(comment::Column::PrivateKeyId, Expr::value(current.clone()))
                .filter(comment::Column::Id.eq(c.id.clone()))
                .exec(&*txn)
                .await?;
        }
        audit::append(&*txn, reseal_event("comments", &from, &current, n, now)).await?;
        txn.commit().await?;
        Ok(ResealProgress {
            resealed: n,
            last_id: Some(last_id),
        })
    }
}
