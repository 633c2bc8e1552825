//! `consultctl catalogue …`: the decision catalogue (重大行政决策事项目录). Administrators draft
//! it item by item, publish it once approved and adjust it into new versions; anyone reads
//! the published versions.

use consult_api::pb;

use super::Ctx;
use crate::cli::CatalogueCommand;
use crate::error::CliError;
use crate::output::{self, Out, Table, ts};

fn state_label(state: i32) -> &'static str {
    match pb::CatalogueState::try_from(state) {
        Ok(pb::CatalogueState::Draft) => "草稿",
        Ok(pb::CatalogueState::Published) => "已公布",
        Ok(pb::CatalogueState::Superseded) => "已调整",
        _ => "",
    }
}

fn status_label(status: i32) -> &'static str {
    match pb::CatalogueItemStatus::try_from(status) {
        Ok(pb::CatalogueItemStatus::Planned) => "未启动",
        Ok(pb::CatalogueItemStatus::InProgress) => "推进中",
        Ok(pb::CatalogueItemStatus::Decided) => "已决策",
        Ok(pb::CatalogueItemStatus::Withdrawn) => "已调出",
        _ => "",
    }
}

/// The `{item}` of an item's name.
fn item_id(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn show(out: &Out, c: &pb::Catalogue) {
    let approval = c
        .approval
        .as_ref()
        .map(|a| format!("{}（{}）", a.document_number, a.approve_date))
        .unwrap_or_default();
    output::fields(
        out,
        &[
            ("目录", c.title.clone()),
            ("政府", c.government.clone()),
            ("年度", c.year.to_string()),
            (
                "版本",
                format!("第{}版 {}", c.version, state_label(c.state)),
            ),
            ("批准", approval),
            ("调整理由", c.adjustment_reason.clone()),
            ("公布时间", ts(c.publish_time.as_ref())),
        ],
    );
    if c.items.is_empty() {
        out.line("尚无决策事项（consultctl catalogue add-item 增加）");
        return;
    }
    let mut t = Table::new(&[
        "事项标识",
        "决策事项",
        "承办部门",
        "决策时间",
        "是否听证",
        "状态",
    ]);
    for i in &c.items {
        t.row(vec![
            item_id(&i.name).to_owned(),
            i.title.clone(),
            i.department.clone(),
            i.planned_month.clone(),
            if i.hearing_required { "是" } else { "否" }.to_owned(),
            status_label(i.status).to_owned(),
        ]);
    }
    t.print(out);
}

fn list(out: &Out, items: &[pb::Catalogue]) {
    if items.is_empty() {
        out.line("没有目录。");
        return;
    }
    let mut t = Table::new(&["目录标识", "年度", "目录", "版本", "状态", "事项数"]);
    for c in items {
        t.row(vec![
            c.name
                .trim_start_matches("catalogues/")
                .split('/')
                .next()
                .unwrap_or_default()
                .to_owned(),
            c.year.to_string(),
            c.title.clone(),
            c.version.to_string(),
            state_label(c.state).to_owned(),
            c.items.len().to_string(),
        ]);
    }
    t.print(out);
}

impl Ctx {
    /// The latest version of catalogue `id` (a draft included, for administrators).
    async fn latest_catalogue(&self, id: &str) -> Result<pb::Catalogue, CliError> {
        Ok(self
            .catalogues()
            .get_catalogue(self.req(pb::GetCatalogueRequest {
                name: format!("catalogues/{id}"),
            }))
            .await?
            .into_inner())
    }

    /// Replaces the draft's items by `items`.
    async fn set_items(
        &self,
        id: &str,
        items: Vec<pb::CatalogueItem>,
    ) -> Result<pb::Catalogue, CliError> {
        Ok(self
            .catalogues()
            .update_catalogue(self.req(pb::UpdateCatalogueRequest {
                catalogue: Some(pb::Catalogue {
                    name: format!("catalogues/{id}"),
                    items,
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["items".to_owned()],
                }),
            }))
            .await?
            .into_inner())
    }
}

pub(super) async fn run(ctx: &Ctx, cmd: CatalogueCommand) -> Result<(), CliError> {
    match cmd {
        CatalogueCommand::List { year, drafts } => {
            let r = ctx
                .catalogues()
                .list_catalogues(ctx.req(pb::ListCataloguesRequest {
                    year: year.unwrap_or(0),
                    include_drafts: drafts,
                }))
                .await?
                .into_inner();
            ctx.show_all(&r.catalogues, list)
        }
        CatalogueCommand::Show { id, version } => {
            let name = match version {
                Some(v) => format!("catalogues/{id}/versions/{v}"),
                None => format!("catalogues/{id}"),
            };
            let c = ctx
                .catalogues()
                .get_catalogue(ctx.req(pb::GetCatalogueRequest { name }))
                .await?
                .into_inner();
            ctx.show(&c, show)
        }
        CatalogueCommand::Versions { id } => {
            let r = ctx
                .catalogues()
                .list_catalogue_versions(ctx.req(pb::ListCatalogueVersionsRequest {
                    name: format!("catalogues/{id}"),
                }))
                .await?
                .into_inner();
            ctx.show_all(&r.versions, list)
        }
        CatalogueCommand::Create {
            id,
            government,
            year,
            title,
        } => {
            let c = ctx
                .catalogues()
                .create_catalogue(ctx.req(pb::CreateCatalogueRequest {
                    catalogue_id: id,
                    catalogue: Some(pb::Catalogue {
                        government,
                        year,
                        title,
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(&c, format!("已编制目录草稿 {}（{}）", c.title, c.name))
        }
        CatalogueCommand::AddItem {
            id,
            title,
            department,
            month,
            hearing,
        } => {
            // The draft's items as they are (each by its name, so that it is kept), then the
            // new one; a concurrent change between the read and the write is overwritten only
            // in the draft, which one administrator edits at a time.
            let mut items = ctx.latest_catalogue(&id).await?.items;
            items.retain(|i| i.status != pb::CatalogueItemStatus::Withdrawn as i32);
            items.push(pb::CatalogueItem {
                title,
                department,
                planned_month: month,
                hearing_required: hearing,
                ..Default::default()
            });
            let c = ctx.set_items(&id, items).await?;
            ctx.done(
                &c,
                format!("已增加事项，草稿（第{}版）共{}项", c.version, c.items.len()),
            )
        }
        CatalogueCommand::RemoveItem { id, item } => {
            let withdrawn = pb::CatalogueItemStatus::Withdrawn as i32;
            let current = ctx.latest_catalogue(&id).await?;
            if !current
                .items
                .iter()
                .any(|i| item_id(&i.name) == item && i.status != withdrawn)
            {
                return Err(CliError::Usage(format!(
                    "目录 {id} 的最新版本中没有事项 {item} (no such item)"
                )));
            }
            let items: Vec<pb::CatalogueItem> = current
                .items
                .into_iter()
                .filter(|i| item_id(&i.name) != item && i.status != withdrawn)
                .collect();
            let c = ctx.set_items(&id, items).await?;
            ctx.done(&c, format!("已移出事项 {item}"))
        }
        CatalogueCommand::Publish { id, number, date } => {
            let c = ctx
                .catalogues()
                .publish_catalogue(ctx.req(pb::PublishCatalogueRequest {
                    name: format!("catalogues/{id}"),
                    approval: Some(pb::CatalogueApproval {
                        document_number: number,
                        approve_date: date,
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(&c, format!("已公布 {}（第{}版）", c.title, c.version))
        }
        CatalogueCommand::Adjust { id, reason } => {
            let c = ctx
                .catalogues()
                .adjust_catalogue(ctx.req(pb::AdjustCatalogueRequest {
                    name: format!("catalogues/{id}"),
                    reason,
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!(
                    "已开始调整：第{}版草稿，修改后用 consultctl catalogue publish 公布",
                    c.version
                ),
            )
        }
    }
}
