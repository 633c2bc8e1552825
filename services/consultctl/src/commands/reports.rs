//! `consultctl report …` and `consultctl due`: preview, publish, correct and export the feedback
//! report (the same bytes the public pages serve), and what is due.

use std::path::Path;

use consult_api::pb;
use consult_domain::report::{FeedbackReport, ReportVersion};
use sha2::{Digest, Sha256};

use super::{Ctx, write_out};
use crate::cli::{DueArgs, FileFormat, ReportCommand};
use crate::error::CliError;
use crate::names;
use crate::output::{Out, Table, ts};

pub(super) async fn run(ctx: &Ctx, cmd: ReportCommand) -> Result<(), CliError> {
    match cmd {
        ReportCommand::Preview {
            consultation,
            format,
            out,
        } => {
            if format.is_some() || out.is_some() {
                let format = format.unwrap_or(FileFormat::Html);
                return export(ctx, &consultation, None, true, format, out.as_deref()).await;
            }
            let r = ctx
                .feedback()
                .preview_feedback_report(ctx.req(pb::PreviewFeedbackReportRequest {
                    name: names::consultation(&consultation),
                    view: pb::FeedbackReportView::Basic as i32,
                }))
                .await?
                .into_inner();
            ctx.show(&r, summary)
        }
        ReportCommand::Publish { consultation } => {
            // As an operation: a large report outlasts one request's deadline.
            let op = ctx
                .feedback()
                .start_publish_feedback_report(ctx.req(pb::StartPublishFeedbackReportRequest {
                    name: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            let r: pb::FeedbackReport = ctx.follow(op, "正在生成并公开报告").await?;
            ctx.done(
                &r,
                format!(
                    "已公开意见采纳情况反馈第{}版（{}）\nSHA-256 {}\n公开页面：/consultations/{}/feedback",
                    r.version,
                    ts(r.publish_time.as_ref()),
                    r.sha256,
                    names::consultation_id(&consultation)
                ),
            )
        }
        ReportCommand::Correct {
            consultation,
            reason,
            number,
            title,
            date,
        } => {
            let decision = number.map(|number| pb::Decision {
                number,
                title: title.unwrap_or_default(),
                decide_date: date.unwrap_or_default(),
                ..Default::default()
            });
            // As an operation, like publication: the new version is written in full.
            let op = ctx
                .feedback()
                .start_correct_feedback_report(ctx.req(pb::StartCorrectFeedbackReportRequest {
                    correction: Some(pb::CorrectFeedbackReportRequest {
                        name: names::consultation(&consultation),
                        reason,
                        decision,
                    }),
                }))
                .await?
                .into_inner();
            let r: pb::FeedbackReport = ctx.follow(op, "正在生成并公开更正后的报告").await?;
            ctx.done(
                &r,
                format!(
                    "已公开更正后的第{}版，此前各版仍可查阅\nSHA-256 {}",
                    r.version, r.sha256
                ),
            )
        }
        ReportCommand::Show {
            consultation,
            version,
        } => {
            let r = get(ctx, &consultation, version, pb::FeedbackReportView::Basic).await?;
            ctx.show(&r, summary)
        }
        ReportCommand::Versions { consultation } => {
            let r = list_versions(ctx, &consultation).await?;
            ctx.show(&r, |out, r| {
                if r.versions.is_empty() {
                    out.line("尚未公开。");
                    return;
                }
                let mut t = Table::new(&["版本", "公开时间", "更正说明", "SHA-256"]).whole(3);
                for v in &r.versions {
                    t.row(vec![
                        format!("第{}版", v.version),
                        ts(v.publish_time.as_ref()),
                        v.correction_reason.clone(),
                        v.sha256.clone(),
                    ]);
                }
                t.print(out);
            })
        }
        ReportCommand::Export {
            consultation,
            format,
            version,
            preview,
            out,
        } => export(ctx, &consultation, version, preview, format, out.as_deref()).await,
    }
}

async fn get(
    ctx: &Ctx,
    consultation: &str,
    version: Option<u32>,
    view: pb::FeedbackReportView,
) -> Result<pb::FeedbackReport, CliError> {
    let v = version.map_or_else(|| "latest".to_owned(), |v| v.to_string());
    Ok(ctx
        .feedback()
        .get_feedback_report(ctx.req(pb::GetFeedbackReportRequest {
            name: format!("{}/feedbackReports/{v}", names::consultation(consultation)),
            view: view as i32,
        }))
        .await?
        .into_inner())
}

async fn list_versions(
    ctx: &Ctx,
    consultation: &str,
) -> Result<pb::ListFeedbackReportsResponse, CliError> {
    Ok(ctx
        .feedback()
        .list_feedback_reports(ctx.req(pb::ListFeedbackReportsRequest {
            parent: names::consultation(consultation),
        }))
        .await?
        .into_inner())
}

/// Writes the report as its canonical JSON, or as the CSV or HTML the public pages serve.
async fn export(
    ctx: &Ctx,
    consultation: &str,
    version: Option<u32>,
    preview: bool,
    format: FileFormat,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let r = if preview {
        ctx.feedback()
            .preview_feedback_report(ctx.req(pb::PreviewFeedbackReportRequest {
                name: names::consultation(consultation),
                view: pb::FeedbackReportView::Full as i32,
            }))
            .await?
            .into_inner()
    } else {
        get(ctx, consultation, version, pb::FeedbackReportView::Full).await?
    };
    // The hash is what the public checks the download against: check it before handing it on.
    let digest = hex::encode(Sha256::digest(r.canonical_json.as_bytes()));
    if digest != r.sha256 {
        return Err(CliError::Usage(format!(
            "报告内容与其 SHA-256 不符（{digest} ≠ {}），未导出 (the report does not match its hash)",
            r.sha256
        )));
    }
    let bytes = match format {
        FileFormat::Json => r.canonical_json.clone().into_bytes(),
        FileFormat::Csv => consult_render::csv::report(&parse(&r)?).into_bytes(),
        FileFormat::Html => {
            let versions = if preview {
                Vec::new()
            } else {
                list_versions(ctx, consultation)
                    .await?
                    .versions
                    .iter()
                    .map(version_row)
                    .collect::<Result<Vec<_>, _>>()?
            };
            let id = names::consultation_id(consultation);
            consult_render::report_html(
                &parse(&r)?,
                &consult_render::Edition {
                    consultation_id: &id,
                    version: u32::try_from(r.version).unwrap_or(0),
                    sha256: &r.sha256,
                    versions: &versions,
                },
            )
            .into_bytes()
        }
    };
    write_out(out, &bytes)?;
    if let Some(p) = out {
        let what = if preview {
            "预览稿".to_owned()
        } else {
            format!("第{}版", r.version)
        };
        eprintln!(
            "已导出{what}到 {}（{} 条公开意见；SHA-256 {}）",
            p.display(),
            r.totals.as_ref().map_or(0, |t| t.published),
            r.sha256
        );
    }
    Ok(())
}

fn parse(r: &pb::FeedbackReport) -> Result<FeedbackReport, CliError> {
    serde_json::from_str(&r.canonical_json).map_err(|e| {
        CliError::Usage(format!(
            "服务器返回的报告无法解析（客户端版本可能过旧）：{e}"
        ))
    })
}

fn version_row(v: &pb::FeedbackReportVersion) -> Result<ReportVersion, CliError> {
    let t = v
        .publish_time
        .as_ref()
        .ok_or_else(|| CliError::Usage(format!("{} 缺少公开时间", v.name)))?;
    Ok(ReportVersion {
        version: u32::try_from(v.version).unwrap_or(0),
        sha256: v.sha256.clone(),
        published_at: chrono::DateTime::from_timestamp(
            t.seconds,
            u32::try_from(t.nanos).unwrap_or(0),
        )
        .unwrap_or_default(),
        correction_reason: v.correction_reason.clone(),
    })
}

/// A report's counts, for people.
fn summary(out: &Out, r: &pb::FeedbackReport) {
    let heading = if r.version == 0 {
        format!("《{}》意见采纳情况反馈（预览稿，未公开）", r.title)
    } else {
        format!(
            "《{}》意见采纳情况反馈 第{}版（{}）",
            r.title,
            r.version,
            ts(r.publish_time.as_ref())
        )
    };
    out.line(&out.bold(&heading));
    if !r.correction_reason.is_empty() {
        out.line(&format!("更正说明：{}", r.correction_reason));
    }
    if let Some(d) = &r.decision {
        out.line(&format!(
            "决策文件：{}（{}，{}）",
            d.title, d.number, d.decide_date
        ));
    }
    let totals = r.totals.clone().unwrap_or_default();
    let mut t = Table::new(&["统计", "条数"]).numeric(1);
    t.row(vec!["收到意见".into(), totals.received.to_string()]);
    t.row(vec!["公开".into(), totals.published.to_string()]);
    t.row(vec!["依规不予公开".into(), totals.hidden.to_string()]);
    t.row(vec!["未答复".into(), totals.unanswered.to_string()]);
    for c in &totals.by_outcome {
        t.row(vec![format!("{}", c.label), c.count.to_string()]);
    }
    for c in &totals.by_channel {
        t.row(vec![format!("渠道：{}", c.label), c.count.to_string()]);
    }
    t.row(vec![
        "较为集中的意见（组）".into(),
        r.opinion_groups.len().to_string(),
    ]);
    t.print(out);
    if !r.sha256.is_empty() {
        out.line(&format!("SHA-256 {}", r.sha256));
    }
}

pub(super) async fn due(ctx: &Ctx, a: DueArgs) -> Result<(), CliError> {
    let r = ctx
        .consultations()
        .list_feedback_due(ctx.req(pb::ListFeedbackDueRequest {
            within_days: a.within,
            department: a.department.unwrap_or_default(),
        }))
        .await?
        .into_inner();
    ctx.show(&r, |out, r| {
        if r.items.is_empty() {
            out.line(&format!("{} 天内没有到期的反馈。", a.within));
            return;
        }
        let mut t =
            Table::new(&["编号", "标题", "部门", "决策日期", "反馈截止日", "情况"]).max_width(30);
        for i in &r.items {
            let state = if i.overdue {
                "已逾期".to_owned()
            } else if i.due_date.is_empty() {
                "截止日未知".to_owned()
            } else {
                "即将到期".to_owned()
            };
            t.row(vec![
                names::short(&i.consultation).to_owned(),
                i.title.clone(),
                i.department.clone(),
                i.decide_date.clone(),
                i.due_date.clone(),
                state,
            ]);
        }
        t.print(out);
    })
}
