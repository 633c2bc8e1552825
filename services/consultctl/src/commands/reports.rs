//! `consultctl report …` and `consultctl due`: preview, publish, correct and export the feedback
//! report (the same bytes the public pages serve), and what is due.

use std::path::Path;

use consult_api::pb;
use consult_domain::report::FeedbackReport;
use sha2::{Digest, Sha256};

use super::export::OutFile;
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
            text_url,
        } => {
            let decision = number.map(|number| pb::Decision {
                number,
                title: title.unwrap_or_default(),
                decide_date: date.unwrap_or_default(),
                text_uri: text_url.unwrap_or_default(),
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

/// Writes a published version as the server streams it (the public pages' bytes), into a file
/// that appears only whole; JSON is checked against the version's published hash first.
async fn download(
    ctx: &Ctx,
    consultation: &str,
    version: Option<u32>,
    format: FileFormat,
    out: Option<&Path>,
) -> Result<(), CliError> {
    use std::io::Write;

    let v = version.map_or_else(|| "latest".to_owned(), |v| v.to_string());
    let wanted = match format {
        FileFormat::Json => pb::ReportFileFormat::Json,
        FileFormat::Csv => pb::ReportFileFormat::Csv,
        FileFormat::Html => pb::ReportFileFormat::Html,
    };
    let mut stream = ctx
        .feedback()
        .download_feedback_report(ctx.req(pb::DownloadFeedbackReportRequest {
            name: format!("{}/feedbackReports/{v}", names::consultation(consultation)),
            format: wanted as i32,
        }))
        .await?
        .into_inner();
    let shown = out.map_or_else(|| Path::new("<stdout>").to_owned(), Path::to_owned);
    let (file, sink): (Option<OutFile>, Box<dyn Write>) = match out {
        Some(path) => {
            let (file, handle) = OutFile::create(path)?;
            (Some(file), Box::new(handle))
        }
        None => (None, Box::new(std::io::stdout().lock())),
    };
    let mut sink = std::io::BufWriter::with_capacity(1 << 20, sink);
    let mut hasher = Sha256::new();
    let mut edition: Option<(i32, String)> = None;
    let mut bytes = 0usize;
    let received: Result<(), CliError> = async {
        while let Some(chunk) = stream.message().await? {
            edition.get_or_insert_with(|| (chunk.version, chunk.sha256.clone()));
            hasher.update(&chunk.data);
            bytes += chunk.data.len();
            sink.write_all(&chunk.data)
                .map_err(|e| CliError::io(&shown, e))?;
        }
        sink.flush().map_err(|e| CliError::io(&shown, e))?;
        Ok(())
    }
    .await;
    drop(sink);
    let checked = received.and_then(|()| {
        let (version, sha256) = edition.clone().ok_or_else(|| {
            CliError::Usage("服务器未返回报告内容 (the server sent no report)".to_owned())
        })?;
        let digest = hex::encode(hasher.finalize());
        // The hash is what the public checks the download against: check it before handing
        // the file on.
        if format == FileFormat::Json && digest != sha256 {
            return Err(CliError::Usage(format!(
                "报告内容与其 SHA-256 不符（{digest} ≠ {sha256}），未导出 (the report does not match its hash)"
            )));
        }
        Ok((version, sha256))
    });
    match (checked, file) {
        (Ok((version, sha256)), Some(file)) => {
            file.commit()?;
            eprintln!(
                "已导出第{version}版到 {}（{bytes} 字节；SHA-256 {sha256}）",
                shown.display()
            );
            Ok(())
        }
        (Ok(_), None) => Ok(()),
        (Err(e), file) => {
            if let Some(f) = file {
                f.abandon();
            }
            Err(e)
        }
    }
}

/// Writes a published version (streamed), or the preview, as its canonical JSON or as the CSV
/// or HTML the public pages serve.
async fn export(
    ctx: &Ctx,
    consultation: &str,
    version: Option<u32>,
    preview: bool,
    format: FileFormat,
    out: Option<&Path>,
) -> Result<(), CliError> {
    if preview {
        export_preview(ctx, consultation, format, out).await
    } else {
        download(ctx, consultation, version, format, out).await
    }
}

/// Writes the preview: computed for the asking officer on each call, and sent whole.
async fn export_preview(
    ctx: &Ctx,
    consultation: &str,
    format: FileFormat,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let r = ctx
        .feedback()
        .preview_feedback_report(ctx.req(pb::PreviewFeedbackReportRequest {
            name: names::consultation(consultation),
            view: pb::FeedbackReportView::Full as i32,
        }))
        .await?
        .into_inner();
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
            let id = names::consultation_id(consultation);
            consult_render::report_html(
                &parse(&r)?,
                &consult_render::Edition {
                    consultation_id: &id,
                    version: 0,
                    sha256: &r.sha256,
                    versions: &[],
                    // A preview is the officer's own copy: no site around it.
                    site: &consult_render::Site::default(),
                    department: &parse(&r)?.consultation.department,
                    reader: &consult_render::Reader::default(),
                },
            )
            .into_bytes()
        }
    };
    write_out(out, &bytes)?;
    if let Some(p) = out {
        eprintln!(
            "已导出预览稿到 {}（{} 条公开意见；SHA-256 {}）",
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
            } else if i.provisional {
                "暂定（节假日安排未载入）".to_owned()
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
