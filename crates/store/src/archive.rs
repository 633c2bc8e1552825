//! Reading one consultation's complete record for its archive: notice and draft, every comment
//! with its private fields, groups, every answer revision, every report version and its audit
//! events with their chain links.

use chrono::{DateTime, Utc};
use consult_domain::archive::{AUDIT_PART, Archive, ArchivedEvent, Part, seal};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::answering::group_from_row;
use crate::comments::from_row as comment_from_row;
use crate::entity::{audit_event, comment, disposition_revision, feedback_report, opinion_group};
use crate::{Store, StoreError};

fn pretty<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string_pretty(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// The archive of consultation `id`, made at `now`.
    pub async fn archive(&self, id: &str, now: DateTime<Utc>) -> Result<Archive, StoreError> {
        let consultation = self.consultation(id).await?;
        let comments = comment::Entity::find()
            .filter(comment::Column::ConsultationId.eq(id))
            .order_by_asc(comment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| comment_from_row(m, &self.keys))
            .collect::<Result<Vec<_>, _>>()?;
        let groups = opinion_group::Entity::find()
            .filter(opinion_group::Column::ConsultationId.eq(id))
            .order_by_asc(opinion_group::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(group_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let revisions: Vec<_> = disposition_revision::Entity::find()
            .filter(disposition_revision::Column::ConsultationId.eq(id))
            .order_by_asc(disposition_revision::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| {
                json!({
                    "subject": r.subject,
                    "action": r.action,
                    "disposition": r.disposition
                        .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok()),
                    "recorded_at": r.recorded_at,
                })
            })
            .collect();
        let reports = feedback_report::Entity::find()
            .filter(feedback_report::Column::ConsultationId.eq(id))
            .order_by_asc(feedback_report::Column::Version)
            .all(&self.db)
            .await?;
        let events: Vec<ArchivedEvent> = audit_event::Entity::find()
            .filter(audit_event::Column::ConsultationId.eq(id))
            .order_by_asc(audit_event::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(crate::audit::event)
            .collect();

        let mut parts = vec![
            Part {
                name: "consultation.json".to_owned(),
                content: pretty(&consultation)?,
            },
            Part {
                name: "draft.txt".to_owned(),
                content: consultation.draft_text.clone(),
            },
            Part {
                name: "comments.json".to_owned(),
                content: pretty(&comments)?,
            },
            Part {
                name: "opinion_groups.json".to_owned(),
                content: pretty(&groups)?,
            },
            Part {
                name: "disposition_revisions.json".to_owned(),
                content: pretty(&revisions)?,
            },
            Part {
                name: "feedback_reports.json".to_owned(),
                content: pretty(
                    &reports
                        .iter()
                        .map(|r| {
                            json!({
                                "version": r.version,
                                "sha256": r.sha256,
                                "published_by": r.published_by,
                                "published_at": r.published_at,
                                "correction_reason": r.correction_reason,
                            })
                        })
                        .collect::<Vec<_>>(),
                )?,
            },
        ];
        // Each published version exactly as served: its SHA-256 is the one published.
        for r in reports {
            let version = u32::try_from(r.version).map_err(crate::corrupt)?;
            parts.push(Part {
                name: format!("feedback_reports/v{version}.json"),
                content: self.published_report(id, Some(version)).await?.content,
            });
        }
        parts.push(Part {
            name: AUDIT_PART.to_owned(),
            content: pretty(&events)?,
        });
        Ok(seal(id, now, parts))
    }
}
