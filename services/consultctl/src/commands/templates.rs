//! `consultctl template …`: a department's answer templates, and finding one by name when
//! answering (`--template`, the answers file's `模板` column).

use consult_api::pb;
use consult_domain::answering::Outcome;

use super::Ctx;
use crate::cli::TemplateCommand;
use crate::error::CliError;
use crate::names;
use crate::output::{self, Out, Table, ts};

fn template_name(department: &str, name: &str) -> String {
    format!("departments/{department}/answerTemplates/{name}")
}

fn outcome(text: &str) -> Result<i32, CliError> {
    let outcome = names::parse::<Outcome>(text).map_err(CliError::Usage)?;
    Ok(names::proto(outcome, |s| {
        pb::Outcome::from_str_name(s).map(|v| v as i32)
    }))
}

/// The short name of a template's resource name.
fn short(t: &pb::AnswerTemplate) -> &str {
    t.name.rsplit('/').next().unwrap_or_default()
}

fn outcome_label(d: Option<&pb::Disposition>) -> String {
    names::label::<Outcome>(
        pb::Outcome::try_from(d.map_or(0, |d| d.outcome))
            .map(|o| o.as_str_name())
            .unwrap_or_default(),
    )
}

/// The department of `consultation` (an id or name).
pub(crate) async fn department_of(ctx: &Ctx, consultation: &str) -> Result<String, CliError> {
    Ok(ctx
        .consultations()
        .get_consultation(ctx.req(pb::GetConsultationRequest {
            name: names::consultation(consultation),
        }))
        .await?
        .into_inner()
        .department)
}

/// Every template of `department`.
pub(crate) async fn of_department(
    ctx: &Ctx,
    department: &str,
) -> Result<Vec<pb::AnswerTemplate>, CliError> {
    Ok(ctx
        .templates()
        .list_answer_templates(ctx.req(pb::ListAnswerTemplatesRequest {
            parent: format!("departments/{department}"),
        }))
        .await?
        .into_inner()
        .answer_templates)
}

/// The answer of template `name` of `consultation`'s department.
pub(crate) async fn of_consultation(
    ctx: &Ctx,
    consultation: &str,
    name: &str,
) -> Result<pb::Disposition, CliError> {
    let department = department_of(ctx, consultation).await?;
    let t = ctx
        .templates()
        .get_answer_template(ctx.req(pb::GetAnswerTemplateRequest {
            name: template_name(&department, name),
        }))
        .await?
        .into_inner();
    Ok(t.disposition.unwrap_or_default())
}

pub(super) async fn run(ctx: &Ctx, cmd: TemplateCommand) -> Result<(), CliError> {
    match cmd {
        TemplateCommand::List { department } => {
            let items = of_department(ctx, &department).await?;
            ctx.show_all(&items, |out, items| {
                if items.is_empty() {
                    out.line("本部门尚无答复模板（consultctl template create 新建）。");
                    return;
                }
                let mut t = Table::new(&["名称", "采纳情况", "理由", "说明", "更新时间"]);
                for x in items {
                    let d = x.disposition.as_ref();
                    t.row(vec![
                        short(x).to_owned(),
                        outcome_label(d),
                        d.map(|d| d.reason.clone()).unwrap_or_default(),
                        x.description.clone(),
                        ts(x.update_time.as_ref()),
                    ]);
                }
                t.print(out);
            })
        }
        TemplateCommand::Show { department, name } => {
            let t = ctx
                .templates()
                .get_answer_template(ctx.req(pb::GetAnswerTemplateRequest {
                    name: template_name(&department, &name),
                }))
                .await?
                .into_inner();
            ctx.show(&t, show)
        }
        TemplateCommand::Create {
            department,
            name,
            answer,
            description,
        } => {
            let t = ctx
                .templates()
                .create_answer_template(ctx.req(pb::CreateAnswerTemplateRequest {
                    parent: format!("departments/{department}"),
                    answer_template_id: name,
                    answer_template: Some(pb::AnswerTemplate {
                        disposition: Some(pb::Disposition {
                            outcome: outcome(&answer.outcome)?,
                            reason: answer.reason,
                            adopted_content: answer.adopted,
                            ..Default::default()
                        }),
                        description,
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(&t, format!("已新建答复模板 {}", short(&t)))
        }
        TemplateCommand::Update {
            department,
            name,
            outcome: new_outcome,
            reason,
            adopted,
            description,
        } => {
            // The answer is replaced whole: an outcome with its reason, checked together.
            let mut paths = Vec::new();
            let mut disposition = None;
            if new_outcome.is_some() || reason.is_some() || adopted.is_some() {
                let Some(o) = new_outcome else {
                    return Err(CliError::Usage(
                        "修改答复须给出 --outcome 和相应的 --reason (the answer is replaced whole: give --outcome)".into(),
                    ));
                };
                disposition = Some(pb::Disposition {
                    outcome: outcome(&o)?,
                    reason: reason.unwrap_or_default(),
                    adopted_content: adopted.unwrap_or_default(),
                    ..Default::default()
                });
                paths.push("disposition".to_owned());
            }
            if description.is_some() {
                paths.push("description".to_owned());
            }
            if paths.is_empty() {
                return Err(CliError::Usage(
                    "请至少给出 --outcome 或 --description (nothing to change)".into(),
                ));
            }
            let t = ctx
                .templates()
                .update_answer_template(ctx.req(pb::UpdateAnswerTemplateRequest {
                    answer_template: Some(pb::AnswerTemplate {
                        name: template_name(&department, &name),
                        disposition,
                        description: description.unwrap_or_default(),
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask { paths }),
                }))
                .await?
                .into_inner();
            ctx.done(
                &t,
                format!("已修改答复模板 {}（已给出的答复不变）", short(&t)),
            )
        }
        TemplateCommand::Delete { department, name } => {
            ctx.templates()
                .delete_answer_template(ctx.req(pb::DeleteAnswerTemplateRequest {
                    name: template_name(&department, &name),
                }))
                .await?;
            ctx.out.line(
                &ctx.out
                    .ok(&format!("已删除答复模板 {name}（已给出的答复不变）")),
            );
            Ok(())
        }
    }
}

fn show(out: &Out, t: &pb::AnswerTemplate) {
    let d = t.disposition.as_ref();
    output::fields(
        out,
        &[
            ("名称", short(t).to_owned()),
            ("采纳情况", outcome_label(d)),
            ("理由", d.map(|d| d.reason.clone()).unwrap_or_default()),
            (
                "采纳内容",
                d.map(|d| d.adopted_content.clone()).unwrap_or_default(),
            ),
            ("说明", t.description.clone()),
            ("编写人", t.creator.clone()),
            ("更新时间", ts(t.update_time.as_ref())),
        ],
    );
}
