//! Answering and publishing: loads a consultation with the comments and groups a change needs,
//! lets a domain closure decide, then writes every difference, its revisions and one audit event
//! in one transaction — or nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use consult_domain::answering::{Disposition, OpinionGroup};
use consult_domain::suggestion::became_comparable;
use consult_domain::{Comment, Consultation, ConsultationState, DomainError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::audit::{self, AuditRecord};
use crate::counting::{CountChanges, comment_key};
use consult_domain::report::ReportVersion;

use crate::comments::{from_row as comment_from_row, json_opt, parse_opt, redactions_column};
use crate::consultations::from_row as consultation_from_row;
use crate::entity::{comment, consultation, disposition_revision, feedback_report, opinion_group};
use crate::private_data::PrivateDataKeys;
use crate::write::{RowLock, lock_consultations, update_consultation};
use crate::{Store, StoreError, corrupt};

/// Rows per statement when many comments change at once; far below either database's limit
/// on bound parameters.
const CHUNK: usize = 500;

/// Which comments a change or a read needs.
#[derive(Debug, Clone)]
pub enum CommentScope {
    /// None (consultation and groups only).
    None,
    /// These ids; a missing one is `NOT_FOUND`.
    Ids(Vec<String>),
    /// Those of these ids that exist; the change decides what a missing one means.
    AnyOf(Vec<String>),
    /// Those of one group.
    Group(String),
}

/// A consultation with what answering works on. Closures change it in place; storage writes
/// the differences.
#[derive(Debug, Clone)]
pub struct Answering {
    /// The consultation.
    pub consultation: Consultation,
    /// The comments of the scope, in the order received.
    pub comments: Vec<Comment>,
    /// Every opinion group of the consultation; closures may push new ones.
    pub groups: Vec<OpinionGroup>,
}

impl Answering {
    /// The comment `id`, which the scope must have loaded.
    pub fn comment_mut(&mut self, id: &str) -> Result<&mut Comment, DomainError> {
        let cid = self.consultation.id.clone();
        self.comments
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| DomainError::not_found(format!("consultations/{cid}/comments/{id}")))
    }

    /// The group `id`.
    pub fn group(&self, id: &str) -> Result<&OpinionGroup, DomainError> {
        self.groups.iter().find(|g| g.id == id).ok_or_else(|| {
            DomainError::not_found(format!(
                "consultations/{}/opinionGroups/{id}",
                self.consultation.id
            ))
        })
    }

    /// The group `id`, to change.
    pub fn group_mut(&mut self, id: &str) -> Result<&mut OpinionGroup, DomainError> {
        let cid = self.consultation.id.clone();
        self.groups.iter_mut().find(|g| g.id == id).ok_or_else(|| {
            DomainError::not_found(format!("consultations/{cid}/opinionGroups/{id}"))
        })
    }
}

/// One entry of a revision history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionRevision {
    /// 1 for the first.
    pub revision: u32,
    /// The answer, or `None` when it was cleared.
    pub disposition: Option<Disposition>,
    /// The action that produced it.
    pub action: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The answering columns of a comment, compared to find what a change touched.
type CommentState = (Option<String>, Option<String>, Option<String>);

fn comment_state(c: &Comment) -> CommentState {
    (
        json_opt(&c.moderation),
        c.group_id.clone(),
        json_opt(&c.disposition),
    )
}

pub(crate) fn group_from_row(m: opinion_group::Model) -> Result<OpinionGroup, StoreError> {
    Ok(OpinionGroup {
        disposition: parse_opt(m.disposition.as_deref())?,
        id: m.id,
        consultation_id: m.consultation_id,
        summary: m.summary,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn group_to_row(g: &OpinionGroup) -> opinion_group::Model {
    opinion_group::Model {
        id: g.id.clone(),
        consultation_id: g.consultation_id.clone(),
        summary: g.summary.clone(),
        disposition: json_opt(&g.disposition),
        outcome: g
            .disposition
            .as_ref()
            .map(|d| d.answer.outcome.code().to_owned()),
        created_by: g.created_by.clone(),
        created_at: g.created_at,
        updated_at: g.updated_at,
    }
}

/// Loads what a change or a read of `row`'s consultation needs.
async fn load<C: ConnectionTrait>(
    db: &C,
    keys: &PrivateDataKeys,
    row: consultation::Model,
    scope: &CommentScope,
) -> Result<Answering, StoreError> {
    let consultation = consultation_from_row(row)?;
    let consultation_id = consultation.id.as_str();
    let base = comment::Entity::find()
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .order_by_asc(comment::Column::Id);
    let rows = match scope {
        CommentScope::None => Vec::new(),
        CommentScope::Group(g) => {
            base.filter(comment::Column::GroupId.eq(g.clone()))
                .all(db)
                .await?
        }
        CommentScope::Ids(ids) | CommentScope::AnyOf(ids) => {
            let mut rows = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(CHUNK) {
                rows.extend(
                    base.clone()
                        .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
                        .all(db)
                        .await?,
                );
            }
            if rows.len() < ids.len() && matches!(scope, CommentScope::Ids(_)) {
                let found: std::collections::HashSet<&str> =
                    rows.iter().map(|r| r.id.as_str()).collect();
                if let Some(missing) = ids.iter().find(|id| !found.contains(id.as_str())) {
                    return Err(DomainError::not_found(format!(
                        "consultations/{consultation_id}/comments/{missing}"
                    ))
                    .into());
                }
            }
            rows
        }
    };
    let comments = rows
        .into_iter()
        .map(|m| comment_from_row(m, keys))
        .collect::<Result<Vec<_>, _>>()?;
    let groups = opinion_group::Entity::find()
        .filter(opinion_group::Column::ConsultationId.eq(consultation_id))
        .order_by_asc(opinion_group::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(group_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Answering {
        consultation,
        comments,
        groups,
    })
}

impl Store {
    /// Reads a consultation with the comments of `scope` and every group.
    pub async fn answering(
        &self,
        consultation_id: &str,
        scope: &CommentScope,
    ) -> Result<Answering, StoreError> {
        let row = consultation::Entity::find_by_id(consultation_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("consultations/{consultation_id}")))?;
        load(&self.db, &self.keys, row, scope).await
    }

    /// Applies `change` to consultation `consultation_id` with the comments of `scope`, and
    /// records it as `action` by `actor` on `subject`, atomically.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_answering<T, F>(
        &self,
        consultation_id: &str,
        scope: CommentScope,
        actor: &str,
        action: &'static str,
        subject: String,
        now: DateTime<Utc>,
        change: F,
    ) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Answering) -> Result<T, DomainError>,
    {
        let txn = self.begin_write().await?;
        let row = lock_consultations(&txn, [consultation_id], RowLock::Update)
            .await?
            .pop()
            .ok_or_else(|| DomainError::not_found(format!("consultations/{consultation_id}")))?;
        let before = load(&*txn, &self.keys, row, &scope).await?;
        let mut after = before.clone();
        let out = change(&mut after)?;
        write_differences(&txn, &before, &after, actor, action, subject, now).await?;
        txn.commit().await?;
        Ok(out)
    }

    /// Every answer given to `subject` (a comment or group name), oldest first.
    pub async fn disposition_revisions(
        &self,
        subject: &str,
    ) -> Result<Vec<DispositionRevision>, StoreError> {
        let rows = disposition_revision::Entity::find()
            .filter(disposition_revision::Column::Subject.eq(subject))
            .order_by_asc(disposition_revision::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .enumerate()
            .map(|(i, m)| {
                Ok(DispositionRevision {
                    revision: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    disposition: parse_opt(m.disposition.as_deref())?,
                    action: m.action,
                    recorded_at: m.recorded_at,
                })
            })
            .collect()
    }

    /// One page of a consultation's groups (oldest first) with their visible member counts.
    pub async fn list_opinion_groups(
        &self,
        consultation_id: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<(OpinionGroup, u64)>, StoreError> {
        let mut q = opinion_group::Entity::find()
            .filter(opinion_group::Column::ConsultationId.eq(consultation_id));
        if let Some(a) = after {
            q = q.filter(opinion_group::Column::Id.gt(a.to_owned()));
        }
        let groups = q
            .order_by_asc(opinion_group::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(group_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let counts = self.group_member_counts(consultation_id).await?;
        Ok(groups
            .into_iter()
            .map(|g| {
                let n = counts.get(&g.id).copied().unwrap_or(0);
                (g, n)
            })
            .collect())
    }

    /// Visible members per group of a consultation.
    pub async fn group_member_counts(
        &self,
        consultation_id: &str,
    ) -> Result<HashMap<String, u64>, StoreError> {
        let rows: Vec<(Option<String>, i64)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::GroupId)
            .column_as(comment::Column::Id.count(), "n")
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(comment::Column::GroupId.is_not_null())
            .filter(comment::Column::Moderation.is_null())
            .group_by(comment::Column::GroupId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(g, n)| g.map(|g| (g, u64::try_from(n).unwrap_or(0))))
            .collect())
    }

    /// Published versions of a consultation's report, oldest first, without content.
    pub async fn report_versions(
        &self,
        consultation_id: &str,
    ) -> Result<Vec<ReportVersion>, StoreError> {
        let rows: Vec<(i32, String, DateTime<Utc>, String)> = feedback_report::Entity::find()
            .select_only()
            .column(feedback_report::Column::Version)
            .column(feedback_report::Column::Sha256)
            .column(feedback_report::Column::PublishedAt)
            .column(feedback_report::Column::CorrectionReason)
            .filter(feedback_report::Column::ConsultationId.eq(consultation_id))
            .order_by_asc(feedback_report::Column::Version)
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|(v, sha256, published_at, correction_reason)| {
                Ok(ReportVersion {
                    version: u32::try_from(v).map_err(corrupt)?,
                    sha256,
                    published_at,
                    correction_reason,
                })
            })
            .collect()
    }

    /// Decided consultations (feedback not yet published) of `department` (or all), whose
    /// report is due by `until` or whose due date is unknown, earliest first.
    pub async fn feedback_due(
        &self,
        department: Option<&str>,
        until: NaiveDate,
    ) -> Result<Vec<Consultation>, StoreError> {
        let mut q = consultation::Entity::find()
            .filter(consultation::Column::State.eq(ConsultationState::Decided.code()));
        if let Some(d) = department {
            q = q.filter(consultation::Column::Department.eq(d));
        }
        let until = until.format("%Y-%m-%d").to_string();
        q = q.filter(
            sea_orm::Condition::any()
                .add(consultation::Column::FeedbackDueOn.is_null())
                .add(consultation::Column::FeedbackDueOn.lte(until)),
        );
        let rows = q
            .order_by_asc(consultation::Column::FeedbackDueOn)
            .order_by_asc(consultation::Column::Id)
            .all(&self.db)
            .await?;
        let mut list = rows
            .into_iter()
            .map(consultation_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        // NULL sorts first on SQLite and last on PostgreSQL: unknown dates go last on both.
        list.sort_by_key(|c| (c.feedback_due_on.is_none(), c.feedback_due_on));
        Ok(list)
    }
}

async fn write_differences(
    txn: &DatabaseTransaction,
    before: &Answering,
    after: &Answering,
    actor: &str,
    action: &'static str,
    subject: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let cid = &after.consultation.id;
    let mut audit_before = serde_json::Map::new();
    let mut audit_after = serde_json::Map::new();
    let mut revisions = Vec::new();

    if before.consultation != after.consultation {
        update_consultation(txn, &before.consultation, &after.consultation).await?;
        audit_before.insert("consultation".into(), json!(before.consultation));
        audit_after.insert("consultation".into(), json!(after.consultation));
    }

    let old: HashMap<&str, &Comment> = before.comments.iter().map(|c| (c.id.as_str(), c)).collect();
    if after.comments.iter().any(|c| {
        old.get(c.id.as_str())
            .is_some_and(|prev| became_comparable(prev, c))
    }) {
        // Shown again or released from a group: suggestions kept up to date as comments
        // arrive take such comments in when they are loaded again.
        crate::suggestions::revised(txn, cid).await?;
    }
    // Per new state: its mirrored columns (hide reason, outcome) and the comments taking it.
    type Columns = (Option<String>, Option<String>, Vec<String>);
    let mut by_state: BTreeMap<CommentState, Columns> = BTreeMap::new();
    let mut changed_before = Vec::new();
    let mut changed_after = Vec::new();
    let mut counts = CountChanges::default();
    for c in &after.comments {
        let Some(prev) = old.get(c.id.as_str()) else {
            return Err(corrupt(format!(
                "comment {} appeared during a change",
                c.id
            )));
        };
        if c.redactions != prev.redactions {
            // Rare and one comment at a time: a statement each.
            comment::Entity::update_many()
                .col_expr(
                    comment::Column::Redactions,
                    Expr::value(redactions_column(&c.redactions)),
                )
                .filter(comment::Column::ConsultationId.eq(cid.clone()))
                .filter(comment::Column::Id.eq(c.id.clone()))
                .exec(txn)
                .await?;
            // Offsets and reasons only: the audit log never copies the redacted text.
            changed_before.push(json!({"id": prev.id, "redactions": prev.redactions}));
            changed_after.push(json!({"id": c.id, "redactions": c.redactions}));
        }
        let state = comment_state(c);
        if state == comment_state(prev) {
            continue;
        }
        if c.disposition != prev.disposition {
            revisions.push(revision(cid, c.name(), action, &c.disposition, now));
        }
        counts.moved(cid, comment_key(prev), comment_key(c));
        changed_before.push(json!({"id": prev.id, "moderation": prev.moderation, "group_id": prev.group_id, "disposition": prev.disposition}));
        changed_after.push(json!({"id": c.id, "moderation": c.moderation, "group_id": c.group_id, "disposition": c.disposition}));
        by_state
            .entry(state)
            .or_insert_with(|| {
                (
                    c.moderation.as_ref().map(|m| m.reason.code().to_owned()),
                    c.disposition
                        .as_ref()
                        .map(|d| d.answer.outcome.code().to_owned()),
                    Vec::new(),
                )
            })
            .2
            .push(c.id.clone());
    }
    // Comments given the same answer at once share one statement per chunk.
    for ((moderation, group_id, disposition), (hide_reason, outcome, ids)) in by_state {
        for chunk in ids.chunks(CHUNK) {
            comment::Entity::update_many()
                .col_expr(comment::Column::Moderation, Expr::value(moderation.clone()))
                .col_expr(comment::Column::GroupId, Expr::value(group_id.clone()))
                .col_expr(
                    comment::Column::Disposition,
                    Expr::value(disposition.clone()),
                )
                .col_expr(
                    comment::Column::HideReason,
                    Expr::value(hide_reason.clone()),
                )
                .col_expr(comment::Column::Outcome, Expr::value(outcome.clone()))
                .filter(comment::Column::ConsultationId.eq(cid.clone()))
                .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
                .exec(txn)
                .await?;
        }
    }
    if !changed_after.is_empty() {
        audit_before.insert("comments".into(), json!(changed_before));
        audit_after.insert("comments".into(), json!(changed_after));
    }

    let old_groups: HashMap<&str, &OpinionGroup> =
        before.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let mut groups_before = Vec::new();
    let mut groups_after = Vec::new();
    for g in &after.groups {
        match old_groups.get(g.id.as_str()) {
            None => {
                opinion_group::Entity::insert(group_to_row(g).into_active_model())
                    .exec_without_returning(txn)
                    .await?;
                if g.disposition.is_some() {
                    revisions.push(revision(cid, g.name(), action, &g.disposition, now));
                }
                groups_after.push(json!(g));
            }
            Some(prev) if *prev != g => {
                group_to_row(g)
                    .into_active_model()
                    .reset_all()
                    .update(txn)
                    .await?;
                if prev.disposition != g.disposition {
                    revisions.push(revision(cid, g.name(), action, &g.disposition, now));
                }
                groups_before.push(json!(prev));
                groups_after.push(json!(g));
            }
            Some(_) => {}
        }
    }
    // Dissolved groups: their members have left them above.
    let kept: std::collections::HashSet<&str> =
        after.groups.iter().map(|g| g.id.as_str()).collect();
    for g in &before.groups {
        if !kept.contains(g.id.as_str()) {
            opinion_group::Entity::delete_by_id(g.id.clone())
                .exec(txn)
                .await?;
            groups_before.push(json!(g));
        }
    }
    if !groups_before.is_empty() || !groups_after.is_empty() {
        audit_before.insert("opinion_groups".into(), json!(groups_before));
        audit_after.insert("opinion_groups".into(), json!(groups_after));
    }

    for chunk in revisions.chunks(CHUNK) {
        disposition_revision::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }

    audit::append(
        txn,
        AuditRecord {
            consultation_id: Some(cid.clone()),
            actor: actor.to_owned(),
            action,
            subject,
            before: Some(serde_json::Value::Object(audit_before).to_string()),
            after: Some(serde_json::Value::Object(audit_after).to_string()),
            occurred_at: now,
        },
    )
    .await?;
    counts.write(txn).await
}

fn revision(
    consultation_id: &str,
    subject: String,
    action: &str,
    disposition: &Option<Disposition>,
    now: DateTime<Utc>,
) -> disposition_revision::ActiveModel {
    disposition_revision::ActiveModel {
        consultation_id: Set(consultation_id.to_owned()),
        subject: Set(subject),
        action: Set(action.to_owned()),
        disposition: Set(json_opt(disposition)),
        recorded_at: Set(now),
        ..Default::default()
    }
}
