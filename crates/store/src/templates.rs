//! Answer templates: written, changed and deleted by a department's officers in one transaction
//! with their audit event; read whole per department (a library of tens).

use consult_domain::DomainError;
use consult_domain::answering::{Answer, Outcome};
use consult_domain::template::{AnswerTemplate, TEMPLATES_PER_DEPARTMENT};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::audit::{self, AuditRecord};
use crate::entity::answer_template;
use crate::{Store, StoreError, corrupt};

fn from_row(m: answer_template::Model) -> Result<AnswerTemplate, StoreError> {
    let outcome = Outcome::from_code(&m.outcome).ok_or_else(|| {
        corrupt(format!(
            "departments/{}/answerTemplates/{}: outcome {}",
            m.department, m.template_id, m.outcome
        ))
    })?;
    Ok(AnswerTemplate {
        department: m.department,
        id: m.template_id,
        answer: Answer {
            outcome,
            reason: m.reason,
            adopted_content: m.adopted_content,
        },
        description: m.description,
        created_by: m.created_by,
        updated_at: m.updated_at,
    })
}

fn to_row(t: &AnswerTemplate) -> answer_template::ActiveModel {
    answer_template::ActiveModel {
        department: Set(t.department.clone()),
        template_id: Set(t.id.clone()),
        outcome: Set(t.answer.outcome.code().to_owned()),
        reason: Set(t.answer.reason.clone()),
        adopted_content: Set(t.answer.adopted_content.clone()),
        description: Set(t.description.clone()),
        created_by: Set(t.created_by.clone()),
        updated_at: Set(t.updated_at),
    }
}

fn not_found(department: &str, id: &str) -> DomainError {
    DomainError::not_found(format!("departments/{department}/answerTemplates/{id}"))
}

/// Appends the audit event of a change to a template.
async fn record(
    txn: &DatabaseTransaction,
    actor: &str,
    action: &'static str,
    before: Option<&AnswerTemplate>,
    after: Option<&AnswerTemplate>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let subject = before
        .or(after)
        .map(AnswerTemplate::resource_name)
        .unwrap_or_default();
    audit::append(
        txn,
        AuditRecord {
            consultation_id: None,
            actor: actor.to_owned(),
            action,
            subject,
            before: before.and_then(audit::to_json),
            after: after.and_then(audit::to_json),
            occurred_at: now,
        },
    )
    .await
}

impl Store {
    /// Stores a new template; `ALREADY_EXISTS` when its department has one of that name, and
    /// `RESOURCE_EXHAUSTED`-like refusal when it keeps [`TEMPLATES_PER_DEPARTMENT`] already.
    /// Two creations of one name at once: the primary key refuses the second (a conflict,
    /// whose retry finds it taken).
    pub async fn create_answer_template(
        &self,
        t: &AnswerTemplate,
        actor: &str,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let of_department = answer_template::Entity::find()
            .filter(answer_template::Column::Department.eq(&t.department));
        if of_department
            .clone()
            .filter(answer_template::Column::TemplateId.eq(&t.id))
            .one(&*txn)
            .await?
            .is_some()
        {
            return Err(DomainError::AlreadyExists {
                resource: t.resource_name(),
                description: format!(
                    "本部门已有名为“{}”的答复模板 (the department has a template of this name)",
                    t.id
                ),
            }
            .into());
        }
        if of_department.count(&*txn).await? >= TEMPLATES_PER_DEPARTMENT {
            return Err(DomainError::precondition(
                "TOO_MANY_TEMPLATES",
                format!("departments/{}", t.department),
                format!(
                    "每个部门最多保存{TEMPLATES_PER_DEPARTMENT}个答复模板，请先删除不用的模板 (a department keeps at most {TEMPLATES_PER_DEPARTMENT} templates)"
                ),
            )
            .into());
        }
        answer_template::Entity::insert(to_row(t))
            .exec_without_returning(&*txn)
            .await?;
        record(
            &txn,
            actor,
            "answer_template.create",
            None,
            Some(t),
            t.updated_at,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Applies `change` to a template under a row lock, with its audit event.
    pub async fn change_answer_template<F>(
        &self,
        department: &str,
        id: &str,
        actor: &str,
        change: F,
    ) -> Result<AnswerTemplate, StoreError>
    where
        F: FnOnce(&AnswerTemplate) -> Result<AnswerTemplate, DomainError>,
    {
        let txn = self.begin_write().await?;
        let before = answer_template::Entity::find_by_id((department.to_owned(), id.to_owned()))
            .lock(LockType::Update)
            .one(&*txn)
            .await?
            .map(from_row)
            .transpose()?
            .ok_or_else(|| not_found(department, id))?;
        let after = change(&before)?;
        answer_template::Entity::update(to_row(&after))
            .exec(&*txn)
            .await?;
        record(
            &txn,
            actor,
            "answer_template.update",
            Some(&before),
            Some(&after),
            after.updated_at,
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Deletes a template, with its audit event; answers given with it keep their text.
    pub async fn delete_answer_template(
        &self,
        department: &str,
        id: &str,
        actor: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let before = answer_template::Entity::find_by_id((department.to_owned(), id.to_owned()))
            .lock(LockType::Update)
            .one(&*txn)
            .await?
            .map(from_row)
            .transpose()?
            .ok_or_else(|| not_found(department, id))?;
        answer_template::Entity::delete_by_id((department.to_owned(), id.to_owned()))
            .exec(&*txn)
            .await?;
        record(
            &txn,
            actor,
            "answer_template.delete",
            Some(&before),
            None,
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// One template, or `NOT_FOUND`.
    pub async fn answer_template(
        &self,
        department: &str,
        id: &str,
    ) -> Result<AnswerTemplate, StoreError> {
        answer_template::Entity::find_by_id((department.to_owned(), id.to_owned()))
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()?
            .ok_or_else(|| not_found(department, id).into())
    }

    /// Every template of a department, by name.
    pub async fn answer_templates(
        &self,
        department: &str,
    ) -> Result<Vec<AnswerTemplate>, StoreError> {
        answer_template::Entity::find()
            .filter(answer_template::Column::Department.eq(department))
            .order_by_asc(answer_template::Column::TemplateId)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }
}
