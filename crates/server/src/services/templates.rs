//! `consult.v1.AnswerTemplateService`: a department's answer templates. Officers of the
//! department write them; its officers and auditors read them.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::answer_template_service_server::AnswerTemplateService;
use consult_domain::DomainError;
use consult_domain::template::{AnswerTemplate, TemplateChange, check_template_id};
use tonic::{Request, Response, Status};

use super::departments::code_of;
use super::{Core, signed};
use crate::convert::{self, ProtoEnum, timestamp};
use crate::error::ApiError;

/// The answer template service.
pub(crate) struct Templates(pub(crate) Arc<Core>);

grpc_service!(AnswerTemplateService for Templates {
    create_answer_template(pb::CreateAnswerTemplateRequest) -> pb::AnswerTemplate;
    get_answer_template(pb::GetAnswerTemplateRequest) -> pb::AnswerTemplate;
    list_answer_templates(pb::ListAnswerTemplatesRequest) -> pb::ListAnswerTemplatesResponse;
    update_answer_template(pb::UpdateAnswerTemplateRequest) -> pb::AnswerTemplate;
    delete_answer_template(pb::DeleteAnswerTemplateRequest) -> ();
});

fn to_proto(t: &AnswerTemplate) -> pb::AnswerTemplate {
    pb::AnswerTemplate {
        name: t.resource_name(),
        disposition: Some(pb::Disposition {
            outcome: t.answer.outcome.to_proto(),
            reason: t.answer.reason.clone(),
            adopted_content: t.answer.adopted_content.clone(),
            ..Default::default()
        }),
        description: t.description.clone(),
        creator: t.created_by.clone(),
        update_time: Some(timestamp(t.updated_at)),
    }
}

/// The department and short name of `departments/{department}/answerTemplates/{template}`.
fn template_of(name: &str, field: &str) -> Result<(String, String), DomainError> {
    let malformed = || {
        DomainError::invalid(
            field,
            "资源名称应为 departments/{部门代码}/answerTemplates/{模板名称} (expected departments/{code}/answerTemplates/{template})",
        )
    };
    let rest = name.strip_prefix("departments/").ok_or_else(malformed)?;
    let (department, id) = rest.split_once("/answerTemplates/").ok_or_else(malformed)?;
    if department.is_empty() || department.contains('/') {
        return Err(malformed());
    }
    check_template_id(id, field)?;
    Ok((department.to_owned(), id.to_owned()))
}

impl Templates {
    async fn create_answer_template(
        &self,
        request: Request<pb::CreateAnswerTemplateRequest>,
    ) -> Result<pb::AnswerTemplate, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let department = code_of(&req.parent, "parent")?;
        actor.may_manage(&department)?;
        let t = req.answer_template.unwrap_or_default();
        let answer = convert::answer(t.disposition.as_ref(), "answer_template.disposition");
        let template = AnswerTemplate::write(
            &department,
            &req.answer_template_id,
            answer,
            &t.description,
            &actor.id,
            self.0.clock.now(),
        )?;
        self.0
            .store
            .create_answer_template(&template, &actor.id)
            .await?;
        tracing::info!(template = %template.resource_name(), actor = %actor.id, "answer template created");
        Ok(to_proto(&template))
    }

    async fn get_answer_template(
        &self,
        request: Request<pb::GetAnswerTemplateRequest>,
    ) -> Result<pb::AnswerTemplate, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (department, id) = template_of(&req.name, "name")?;
        actor.may_read_internal(&department)?;
        Ok(to_proto(
            &self.0.store.answer_template(&department, &id).await?,
        ))
    }

    async fn list_answer_templates(
        &self,
        request: Request<pb::ListAnswerTemplatesRequest>,
    ) -> Result<pb::ListAnswerTemplatesResponse, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let department = code_of(&req.parent, "parent")?;
        actor.may_read_internal(&department)?;
        Ok(pb::ListAnswerTemplatesResponse {
            answer_templates: self
                .0
                .store
                .answer_templates(&department)
                .await?
                .iter()
                .map(to_proto)
                .collect(),
        })
    }

    async fn update_answer_template(
        &self,
        request: Request<pb::UpdateAnswerTemplateRequest>,
    ) -> Result<pb::AnswerTemplate, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let t = req.answer_template.unwrap_or_default();
        let (department, id) = template_of(&t.name, "answer_template.name")?;
        actor.may_manage(&department)?;
        let paths = req
            .update_mask
            .as_ref()
            .map(|m| m.paths.as_slice())
            .unwrap_or_default();
        let mut change = TemplateChange::default();
        let all = paths.is_empty();
        for path in paths {
            if !matches!(path.as_str(), "disposition" | "description") {
                return Err(DomainError::invalid(
                    "update_mask",
                    format!(
                        "不能修改 {path}，可修改 disposition、description (only disposition and description can be updated)"
                    ),
                )
                .into());
            }
        }
        if all || paths.iter().any(|p| p == "disposition") {
            change.answer = Some(convert::answer(
                t.disposition.as_ref(),
                "answer_template.disposition",
            )?);
        }
        if all || paths.iter().any(|p| p == "description") {
            change.description = Some(&t.description);
        }
        let now = self.0.clock.now();
        let changed = self
            .0
            .store
            .change_answer_template(&department, &id, &actor.id, |before| {
                before.change(change, now)
            })
            .await?;
        tracing::info!(template = %changed.resource_name(), actor = %actor.id, "answer template changed");
        Ok(to_proto(&changed))
    }

    async fn delete_answer_template(
        &self,
        request: Request<pb::DeleteAnswerTemplateRequest>,
    ) -> Result<(), ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (department, id) = template_of(&req.name, "name")?;
        actor.may_manage(&department)?;
        self.0
            .store
            .delete_answer_template(&department, &id, &actor.id, self.0.clock.now())
            .await?;
        tracing::info!(template = %req.name, actor = %actor.id, "answer template deleted");
        Ok(())
    }
}
