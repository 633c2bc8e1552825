//! `consultctl representative …`: a unit's register of public representatives.

use consult_api::pb;
use consult_domain::SubmitterCategory;

use super::Ctx;
use crate::cli::RepresentativeCommand;
use crate::error::CliError;
use crate::names;
use crate::output::{Out, Table, ts};

fn category(c: i32) -> String {
    pb::SubmitterCategory::try_from(c)
        .map(|c| names::label::<SubmitterCategory>(c.as_str_name()))
        .unwrap_or_default()
}

fn list(out: &Out, r: &pb::ListRepresentativesResponse) {
    let counts = r
        .counts
        .iter()
        .map(|c| format!("{} {}人", category(c.category), c.count))
        .collect::<Vec<_>>()
        .join("、");
    out.line(&format!(
        "在册代表：{}",
        if counts.is_empty() {
            "无".to_owned()
        } else {
            counts
        }
    ));
    if r.representatives.is_empty() {
        return;
    }
    let mut t = Table::new(&["标识", "类别", "姓名", "联系方式", "状态", "登记时间"]);
    for p in &r.representatives {
        t.row(vec![
            names::short(&p.name).to_owned(),
            category(p.category),
            p.display_name.clone(),
            p.contact.clone(),
            if p.active { "在册" } else { "已停用" }.to_owned(),
            ts(p.register_time.as_ref()),
        ]);
    }
    t.print(out);
}

pub(super) async fn run(ctx: &Ctx, cmd: RepresentativeCommand) -> Result<(), CliError> {
    let mut api = ctx.representatives();
    let set = |department: &str, id: &str, active: bool| pb::SetRepresentativeActiveRequest {
        name: format!("departments/{department}/representatives/{id}"),
        active,
    };
    match cmd {
        RepresentativeCommand::List { department } => {
            let r = api
                .list_representatives(ctx.req(pb::ListRepresentativesRequest {
                    parent: format!("departments/{department}"),
                }))
                .await?
                .into_inner();
            ctx.show(&r, list)
        }
        RepresentativeCommand::Add {
            department,
            id,
            category,
            name,
            contact,
        } => {
            let r = api
                .create_representative(ctx.req(pb::CreateRepresentativeRequest {
                    parent: format!("departments/{department}"),
                    representative_id: id,
                    representative: Some(pb::Representative {
                        category: names::submitter_category(Some(&category))?,
                        display_name: name,
                        contact,
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(&r, format!("已登记代表 {}", names::short(&r.name)))
        }
        RepresentativeCommand::Deactivate { department, id } => {
            let r = api
                .set_representative_active(ctx.req(set(&department, &id, false)))
                .await?
                .into_inner();
            ctx.done(&r, format!("已停用代表 {id}"))
        }
        RepresentativeCommand::Activate { department, id } => {
            let r = api
                .set_representative_active(ctx.req(set(&department, &id, true)))
                .await?
                .into_inner();
            ctx.done(&r, format!("已恢复代表 {id}"))
        }
    }
}
