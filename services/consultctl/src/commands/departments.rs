//! `consultctl department …`: the registry of departments, whose full names the public pages
//! show instead of codes. Administrators register and rename; anyone lists.

use consult_api::pb;

use super::Ctx;
use crate::cli::DepartmentCommand;
use crate::error::CliError;
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
                let mut t = Table::new(&["代码", "部门全称", "所属政府", "更新时间"]);
                for d in items {
                    t.row(vec![
                        d.code.clone(),
                        d.display_name.clone(),
                        d.government.clone(),
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
            let current = ctx
                .departments()
                .get_department(ctx.req(pb::GetDepartmentRequest {
                    name: format!("departments/{code}"),
                }))
                .await?
                .into_inner();
            let d = ctx
                .departments()
                .update_department(ctx.req(pb::UpdateDepartmentRequest {
                    department: Some(pb::Department {
                        display_name: name.unwrap_or(current.display_name),
                        government: government.unwrap_or(current.government),
                        ..current
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(&d, format!("已更新部门 {}（{}）", d.display_name, d.code))
        }
    }
}

fn show(out: &Out, d: &pb::Department) {
    output::fields(
        out,
        &[
            ("代码", d.code.clone()),
            ("部门全称", d.display_name.clone()),
            ("所属政府", d.government.clone()),
            ("更新时间", ts(d.update_time.as_ref())),
        ],
    );
}
