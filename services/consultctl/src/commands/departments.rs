//! `consultctl department …`: the registry of departments, whose full names the public pages
//! show instead of codes. Administrators register and rename; anyone lists.

use consult_api::pb;
use consult_domain::Channel;

use super::Ctx;
use crate::cli::DepartmentCommand;
use crate::error::CliError;
use crate::names;
use crate::output::{self, Out, Table, ts};

pub(super) async fn run(ctx: &Ctx, cmd: DepartmentCommand) -> Result<(), CliError> {
    match cmd {
        DepartmentCommand::List => {
            let r = ctx
                .departments()
                .list_departments(ctx.req(pb::ListDepartmentsRequest {}))
                .await?
                .into_inner();
            ctx.show_all(&r.departments, |out, items| {
                if items.is_empty() {
                    out.line("尚未登记部门。");
                    return;
                }
                let mut t = Table::new(&["代码", "部门全称", "所属政府", "状态", "更新时间"]);
                for d in items {
                    t.row(vec![
                        d.code.clone(),
                        d.display_name.clone(),
                        d.government.clone(),
                        state(d.disabled).into(),
                        ts(d.update_time.as_ref()),
                    ]);
                }
                t.print(out);
            })
        }
        DepartmentCommand::Show { code } => {
            let d = ctx
                .departments()
                .get_department(ctx.req(pb::GetDepartmentRequest {
                    name: format!("departments/{code}"),
                }))
                .await?
                .into_inner();
            ctx.show(&d, show)
        }
        DepartmentCommand::Create {
            code,
            name,
            government,
        } => {
            let d = ctx
                .departments()
                .create_department(ctx.req(pb::CreateDepartmentRequest {
                    department: Some(pb::Department {
                        code,
                        display_name: name,
                        government,
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(&d, format!("已登记部门 {}（{}）", d.display_name, d.code))
        }
        DepartmentCommand::Update {
            code,
            name,
            government,
        } => {
            // Only what was given is sent and named in the mask, so a concurrent change to
            // another field is not overwritten.
            let mut paths = Vec::new();
            if name.is_some() {
                paths.push("display_name".to_owned());
            }
            if government.is_some() {
                paths.push("government".to_owned());
            }
            if paths.is_empty() {
                return Err(CliError::Usage(
                    "请至少给出 --name 或 --government (nothing to change)".into(),
                ));
            }
            let d = ctx
                .departments()
                .update_department(ctx.req(pb::UpdateDepartmentRequest {
                    department: Some(pb::Department {
                        name: format!("departments/{code}"),
                        display_name: name.unwrap_or_default(),
                        government: government.unwrap_or_default(),
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask { paths }),
                }))
                .await?
                .into_inner();
            ctx.done(&d, format!("已更新部门 {}（{}）", d.display_name, d.code))
        }
        DepartmentCommand::Guide {
            code,
            channel,
            address,
            note,
            remove,
        } => {
            let channel = names::parse::<Channel>(&channel).map_err(CliError::Usage)?;
            let wire = names::proto(channel, |s| pb::Channel::from_str_name(s).map(|v| v as i32));
            let current = ctx
                .departments()
                .get_department(ctx.req(pb::GetDepartmentRequest {
                    name: format!("departments/{code}"),
                }))
                .await?
                .into_inner();
            let mut guides: Vec<pb::ChannelGuide> = current
                .channel_guides
                .into_iter()
                .filter(|g| g.channel != wire)
                .collect();
            if !remove {
                guides.push(pb::ChannelGuide {
                    channel: wire,
                    address: address.unwrap_or_default(),
                    note,
                });
            }
            let d = ctx
                .departments()
                .update_department(ctx.req(pb::UpdateDepartmentRequest {
                    department: Some(pb::Department {
                        name: current.name,
                        channel_guides: guides,
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["channel_guides".to_owned()],
                    }),
                }))
                .await?
                .into_inner();
            let verb = if remove { "已删除" } else { "已设置" };
            ctx.done(
                &d,
                format!(
                    "{verb}{}（{}）的{}参与方式说明",
                    d.display_name,
                    d.code,
                    channel.label()
                ),
            )
        }
        DepartmentCommand::Disable { code } => set_disabled(ctx, code, true).await,
        DepartmentCommand::Enable { code } => set_disabled(ctx, code, false).await,
    }
}

async fn set_disabled(ctx: &Ctx, code: String, disabled: bool) -> Result<(), CliError> {
    let d = ctx
        .departments()
        .update_department(ctx.req(pb::UpdateDepartmentRequest {
            department: Some(pb::Department {
                name: format!("departments/{code}"),
                disabled,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["disabled".to_owned()],
            }),
        }))
        .await?
        .into_inner();
    let verb = if disabled {
        "已停用部门"
    } else {
        "已重新启用部门"
    };
    ctx.done(&d, format!("{verb} {}（{}）", d.display_name, d.code))
}

fn state(disabled: bool) -> &'static str {
    if disabled { "已停用" } else { "启用" }
}

fn show(out: &Out, d: &pb::Department) {
    output::fields(
        out,
        &[
            ("代码", d.code.clone()),
            ("部门全称", d.display_name.clone()),
            ("所属政府", d.government.clone()),
            ("状态", state(d.disabled).into()),
            ("更新时间", ts(d.update_time.as_ref())),
        ],
    );
    if d.channel_guides.is_empty() {
        out.line("参与方式：未设置（consultctl department guide 设置）");
        return;
    }
    let mut t = Table::new(&["渠道", "地址", "注意事项"]);
    for g in &d.channel_guides {
        t.row(vec![
            names::label::<Channel>(
                pb::Channel::try_from(g.channel)
                    .map(|c| c.as_str_name())
                    .unwrap_or_default(),
            ),
            g.address.clone(),
            g.note.clone(),
        ]);
    }
    t.print(out);
}
