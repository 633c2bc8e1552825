//! `consultctl calendar …`: the State Council holiday calendar — the years known, and a new
//! year's notice loaded at run time.

use consult_api::pb;

use super::Ctx;
use crate::cli::CalendarCommand;
use crate::error::CliError;
use crate::output::{Out, Table, ts};

fn list(out: &Out, years: &[pb::CalendarYear]) {
    let mut t = Table::new(&["年度", "来源", "列明日期", "载入人", "载入时间"]);
    for y in years {
        t.row(vec![
            y.year.to_string(),
            if y.built_in {
                "内置"
            } else {
                "运行时载入"
            }
            .to_owned(),
            y.days.to_string(),
            y.loaded_by.clone(),
            ts(y.load_time.as_ref()),
        ]);
    }
    t.print(out);
}

pub(super) async fn run(ctx: &Ctx, cmd: CalendarCommand) -> Result<(), CliError> {
    let mut api = ctx.calendars();
    match cmd {
        CalendarCommand::List => {
            let r = api
                .list_calendar_years(ctx.req(pb::ListCalendarYearsRequest {}))
                .await?
                .into_inner();
            ctx.show_all(&r.years, list)
        }
        CalendarCommand::Load { file, dry_run } => {
            let notice = std::fs::read_to_string(&file).map_err(|e| {
                CliError::Usage(format!(
                    "无法读取节假日文件 {}：{e} (cannot read the notice)",
                    file.display()
                ))
            })?;
            let y = api
                .load_calendar_year(ctx.req(pb::LoadCalendarYearRequest {
                    notice,
                    validate_only: dry_run,
                }))
                .await?
                .into_inner();
            let line = if dry_run {
                format!("检查通过：{}年，列明{}个日期（未载入）", y.year, y.days)
            } else {
                format!(
                    "已载入{}年节假日安排（{}个日期）；确定反馈截止日的事项{}件",
                    y.year,
                    y.days,
                    y.confirmed.len()
                )
            };
            ctx.done(&y, line)
        }
    }
}
