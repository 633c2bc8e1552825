//! `consultctl answer …`, `gate …` and `decision …`: answering one comment, a group, a filter
//! or a whole CSV file (checked in full before anything is written), the gate and the decision.

use std::collections::BTreeMap;
use std::time::Instant;

use consult_api::pb;
use consult_domain::Channel;
use consult_domain::answering::Outcome;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::Ctx;
use crate::answer_file::{self, AnswerFile, AnswerRow, RowProblem};
use crate::cli::{AnswerArgs, AnswerCommand, DecisionCommand, GateCommand};
use crate::error::{self, CliError, exit};
use crate::names;
use crate::output::{self, Table, ts};

/// Rows per BatchAnswer call: small enough for a moving progress bar, large enough to be fast.
const CHUNK: usize = 1000;

/// The answer the arguments give: written out, or the department's template of that name
/// (the consultation's department), its adopted content replaced when `--adopted` is given.
async fn disposition(
    ctx: &Ctx,
    consultation: &str,
    a: &AnswerArgs,
) -> Result<pb::Disposition, CliError> {
    if let Some(template) = &a.template {
        let mut d = super::templates::of_consultation(ctx, consultation, template).await?;
        if !a.adopted.is_empty() {
            d.adopted_content = a.adopted.clone();
        }
        return Ok(d);
    }
    let outcome = names::parse::<Outcome>(a.outcome.as_deref().unwrap_or_default())
        .map_err(CliError::Usage)?;
    Ok(pb::Disposition {
        outcome: names::proto(outcome, |s| pb::Outcome::from_str_name(s).map(|v| v as i32)),
        reason: a.reason.clone(),
        adopted_content: a.adopted.clone(),
        ..Default::default()
    })
}

pub(super) async fn run(ctx: &Ctx, cmd: AnswerCommand) -> Result<(), CliError> {
    match cmd {
        AnswerCommand::Comment {
            consultation,
            comment,
            answer,
        } => {
            let c = ctx
                .comments()
                .answer_comment(ctx.req(pb::AnswerCommentRequest {
                    name: names::comment(&consultation, &comment),
                    disposition: Some(disposition(ctx, &consultation, &answer).await?),
                }))
                .await?
                .into_inner();
            ctx.done(&c, format!("已答复意见 {}", names::short(&c.name)))
        }
        AnswerCommand::Group {
            consultation,
            group,
            answer,
        } => {
            let g = ctx
                .feedback()
                .answer_opinion_group(ctx.req(pb::AnswerOpinionGroupRequest {
                    name: names::group(&consultation, &group),
                    disposition: Some(disposition(ctx, &consultation, &answer).await?),
                }))
                .await?
                .into_inner();
            ctx.done(
                &g,
                format!(
                    "已答复集中意见 g:{}（{} 条意见）",
                    names::short(&g.name),
                    g.member_count
                ),
            )
        }
        AnswerCommand::Filter {
            consultation,
            channel,
            category,
            clause,
            search,
            only_unanswered,
            dry_run,
            answer,
        } => {
            let selection = pb::CommentSelection {
                channel: names::arg::<Channel>(channel.as_deref(), |s| {
                    pb::Channel::from_str_name(s).map(|v| v as i32)
                })?,
                submitter_category: names::submitter_category(category.as_deref())?,
                clause_reference: clause.unwrap_or_default(),
                only_unanswered,
                query: search.unwrap_or_default(),
            };
            // As an operation: a selection of a million comments outlasts one request.
            let op = ctx
                .feedback()
                .start_bulk_answer_comments(ctx.req(pb::StartBulkAnswerCommentsRequest {
                    bulk_answer: Some(pb::BulkAnswerCommentsRequest {
                        parent: names::consultation(&consultation),
                        disposition: Some(disposition(ctx, &consultation, &answer).await?),
                        target: Some(pb::bulk_answer_comments_request::Target::Selection(
                            selection,
                        )),
                        validate_only: dry_run,
                    }),
                }))
                .await?
                .into_inner();
            let r: pb::BulkAnswerCommentsResponse = ctx
                .follow(
                    op,
                    if dry_run {
                        "正在统计"
                    } else {
                        "正在答复"
                    },
                )
                .await?;
            if !dry_run {
                return ctx.done(&r, format!("已答复 {} 条意见", r.answered_count));
            }
            super::comments::dry_run_sample(ctx, "将答复", r.answered_count, &r.comments, &r).await
        }
        AnswerCommand::Csv {
            consultation,
            file,
            dry_run,
            encoding,
        } => {
            let bytes = std::fs::read(&file).map_err(|e| CliError::io(&file, e))?;
            let (text, note) = answer_file::decode(&bytes, encoding)?;
            let templates = if answer_file::names_templates(&text) {
                let department = super::templates::department_of(ctx, &consultation).await?;
                super::templates::of_department(ctx, &department)
                    .await?
                    .into_iter()
                    .filter_map(|t| {
                        let d = t.disposition?;
                        let outcome = pb::Outcome::try_from(d.outcome)
                            .ok()
                            .and_then(|o| names::from_proto::<Outcome>(o.as_str_name()))?;
                        let short = t.name.rsplit('/').next()?.to_owned();
                        Some((
                            short,
                            answer_file::Template {
                                outcome,
                                reason: d.reason,
                                adopted_content: d.adopted_content,
                            },
                        ))
                    })
                    .collect()
            } else {
                answer_file::Templates::new()
            };
            let mut parsed = answer_file::parse(&text, &consultation, &templates)?;
            parsed.encoding_note = note;
            csv(
                ctx,
                &consultation,
                &file.display().to_string(),
                parsed,
                dry_run,
            )
            .await
        }
    }
}

fn bar(ctx: &Ctx, len: usize, message: &'static str) -> ProgressBar {
    if ctx.out.json() {
        return ProgressBar::hidden();
    }
    // Drawn on standard error, and only when that is a terminal.
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 行 {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// One chunk of the file as a batch.
fn batch(parent: &str, chunk: &[AnswerRow], validate_only: bool) -> pb::BatchAnswerRequest {
    pb::BatchAnswerRequest {
        parent: parent.to_owned(),
        answers: chunk
            .iter()
            .map(|r| pb::AnswerItem {
                name: r.name.clone(),
                disposition: Some(r.disposition.clone()),
            })
            .collect(),
        validate_only,
    }
}

/// Sends every row with `validate_only` and maps refusals back to lines of the file.
async fn check_rows(
    ctx: &Ctx,
    parent: &str,
    file: &AnswerFile,
) -> Result<Vec<RowProblem>, CliError> {
    let mut problems = Vec::new();
    let progress = bar(ctx, file.rows.len(), "检查");
    for chunk in file.rows.chunks(CHUNK) {
        let request = batch(parent, chunk, true);
        match ctx.feedback().batch_answer(ctx.req(request)).await {
            Ok(_) => {}
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::InvalidArgument | tonic::Code::FailedPrecondition
                ) =>
            {
                let found = error::problems(&status);
                let mut mapped = false;
                for p in &found {
                    if let Some(row) = item_index(&p.field).and_then(|i| chunk.get(i)) {
                        problems.push(RowProblem {
                            line: row.line,
                            id: row.id.clone(),
                            problem: strip_item_prefix(&p.text),
                            rule: p.rule.clone(),
                        });
                        mapped = true;
                    } else if p.field == "…" && !ctx.out.json() {
                        // The server lists the first problems of a batch and counts the rest.
                        eprintln!("{}", ctx.out.warn(&format!("注意：{}", p.text)));
                    }
                }
                if !mapped {
                    // Not about single rows (e.g. the consultation is not closed): stop here.
                    progress.finish_and_clear();
                    return Err(status.into());
                }
            }
            Err(status) => {
                progress.finish_and_clear();
                return Err(status.into());
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    problems.sort_by_key(|p| p.line);
    Ok(problems)
}

/// `answers[12]` or `answers[12].disposition.reason` → 12.
fn item_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("answers[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// The server prefixes per-item messages with the item's position in its batch, which means
/// nothing to someone reading line numbers of their file.
fn strip_item_prefix(text: &str) -> String {
    match text.split_once('：') {
        Some((head, tail)) if head.starts_with('第') && head.contains('条') => {
            // "第3条 consultations/…/comments/X：reason" → "reason"
            tail.to_owned()
        }
        _ => text.to_owned(),
    }
}

async fn csv(
    ctx: &Ctx,
    consultation: &str,
    path: &str,
    file: AnswerFile,
    dry_run: bool,
) -> Result<(), CliError> {
    let started = Instant::now();
    let parent = names::consultation(consultation);
    if let Some(note) = file.encoding_note.as_ref().filter(|_| !ctx.out.json()) {
        eprintln!("{}", ctx.out.warn(&format!("注意：{note}")));
    }
    let mut problems = file.problems.clone();
    if !file.rows.is_empty() {
        problems.extend(check_rows(ctx, &parent, &file).await?);
    }
    problems.sort_by_key(|p| p.line);
    if !problems.is_empty() {
        return report_problems(ctx, path, file.rows.len() + file.problems.len(), &problems);
    }
    let mut by_outcome: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in &file.rows {
        *by_outcome.entry(r.outcome.label()).or_default() += 1;
    }
    let mut written = 0usize;
    if !dry_run {
        let progress = bar(ctx, file.rows.len(), "写入");
        for chunk in file.rows.chunks(CHUNK) {
            let request = batch(&parent, chunk, false);
            if let Err(status) = ctx.feedback().batch_answer(ctx.req(request)).await {
                progress.finish_and_clear();
                let first = chunk.first().map(|r| r.line).unwrap_or(0);
                eprintln!(
                    "写入在第{first}行起的一批中被拒绝；此前 {written} 行已写入，其余未写入。修正后可重新导入整个文件。"
                );
                return Err(status.into());
            }
            written += chunk.len();
            progress.inc(chunk.len() as u64);
        }
        progress.finish_and_clear();
    }
    let progress = ctx
        .feedback()
        .get_answering_progress(ctx.req(pb::GetAnsweringProgressRequest {
            name: parent.clone(),
        }))
        .await?
        .into_inner();
    let seconds = started.elapsed().as_secs_f64();
    if ctx.out.json() {
        output::print_json(
            &ctx.out,
            &json!({
                "file": path,
                "dryRun": dry_run,
                "rows": file.rows.len(),
                "written": written,
                "skippedLines": file.skipped,
                "byOutcome": by_outcome,
                "unanswered": progress.unanswered,
                "seconds": seconds,
            }),
        );
        return Ok(());
    }
    let outcomes: Vec<String> = by_outcome.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let line = if dry_run {
        format!(
            "检查通过：{} 行均可写入（{}），未写入任何数据。",
            file.rows.len(),
            outcomes.join("、")
        )
    } else {
        format!(
            "已写入 {written} 条答复（{}），用时 {seconds:.1} 秒。",
            outcomes.join("、")
        )
    };
    ctx.out.line(&ctx.out.ok(&line));
    if !file.skipped.is_empty() {
        ctx.out.line(&format!(
            "跳过 {} 行（未填写采纳情况）：第 {} 行",
            file.skipped.len(),
            short_list(&file.skipped)
        ));
    }
    ctx.out.line(&format!(
        "本事项共收到 {} 条意见：已答复 {}，未答复 {}，已屏蔽 {}。",
        progress.received, progress.answered, progress.unanswered, progress.hidden
    ));
    Ok(())
}

fn short_list(lines: &[u64]) -> String {
    let mut s: Vec<String> = lines.iter().take(20).map(u64::to_string).collect();
    if lines.len() > 20 {
        s.push(format!("等 {} 行", lines.len()));
    }
    s.join("、")
}

pub(super) fn report_problems(
    ctx: &Ctx,
    path: &str,
    rows: usize,
    problems: &[RowProblem],
) -> Result<(), CliError> {
    let only_rules = problems
        .iter()
        .all(|p| !p.rule.is_empty() && p.rule != "INVALID_ARGUMENT");
    let code = if only_rules {
        exit::REFUSED
    } else {
        exit::USAGE
    };
    if ctx.out.json() {
        let listed: Vec<_> = problems
            .iter()
            .map(|p| json!({"line": p.line, "id": p.id, "problem": p.problem, "rule": p.rule}))
            .collect();
        output::print_json(
            &ctx.out,
            &json!({"file": path, "rows": rows, "problems": listed, "written": 0}),
        );
    } else {
        let mut t = Table::new(&["行", "编号", "规则", "问题"])
            .numeric(0)
            .whole(1)
            .whole(3);
        for p in problems {
            let rule = if p.rule == "INVALID_ARGUMENT" {
                ""
            } else {
                p.rule.as_str()
            };
            t.row(vec![
                p.line.to_string(),
                p.id.clone(),
                rule.to_owned(),
                p.problem.clone(),
            ]);
        }
        t.print(&ctx.out);
    }
    Err(CliError::Rows {
        message: format!(
            "{path}：{} 行有问题，未写入任何数据。请修正后重新导入 (nothing was written)",
            problems.len()
        ),
        code,
    })
}

pub(super) async fn run_gate(ctx: &Ctx, cmd: GateCommand) -> Result<(), CliError> {
    match cmd {
        GateCommand::Check { consultation } => {
            let p = ctx
                .feedback()
                .get_answering_progress(ctx.req(pb::GetAnsweringProgressRequest {
                    name: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            ctx.show(&p, |out, p| {
                let mut t = Table::new(&["项目", "条数"]).numeric(1);
                for (k, v) in [
                    ("收到意见", p.received),
                    ("已屏蔽", p.hidden),
                    ("已答复", p.answered),
                    ("未答复", p.unanswered),
                    ("归入集中意见", p.grouped),
                    ("集中意见（组）", p.opinion_groups),
                    ("已答复的集中意见（组）", p.opinion_groups_answered),
                ] {
                    t.row(vec![k.to_owned(), v.to_string()]);
                }
                for c in &p.by_outcome {
                    t.row(vec![format!("  其中{}", c.label), c.count.to_string()]);
                }
                t.print(out);
                if p.ready_for_deliberation {
                    out.line(&out.ok("满足上会前置条件。"));
                } else {
                    out.line(&out.warn("尚不满足上会前置条件："));
                    for m in &p.missing {
                        out.line(&format!("  - {m}"));
                    }
                }
            })?;
            if p.ready_for_deliberation {
                Ok(())
            } else {
                Err(CliError::NotReady(format!(
                    "尚不满足上会前置条件（{} 项）",
                    p.missing.len()
                )))
            }
        }
        GateCommand::Pass { consultation } => {
            let c = ctx
                .consultations()
                .mark_ready_for_deliberation(ctx.req(pb::MarkReadyForDeliberationRequest {
                    name: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!(
                    "{} 已标记为待上会（{}）",
                    names::short(&c.name),
                    ts(c.ready_time.as_ref())
                ),
            )
        }
    }
}

pub(super) async fn run_decision(ctx: &Ctx, cmd: DecisionCommand) -> Result<(), CliError> {
    match cmd {
        DecisionCommand::Record {
            consultation,
            decision,
        } => {
            let c = ctx
                .consultations()
                .record_decision(ctx.req(pb::RecordDecisionRequest {
                    name: names::consultation(&consultation),
                    decision: Some(pb::Decision {
                        number: decision.number,
                        title: decision.title,
                        decide_date: decision.date,
                        text_uri: decision.text_url.unwrap_or_default(),
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            let due = if c.feedback_due_date.is_empty() {
                "反馈截止日未能计算（该年度节假日安排未知），请留意".to_owned()
            } else if c.feedback_due_provisional {
                format!(
                    "反馈截止日暂按周末推算为 {}（该年度节假日安排载入后确定）",
                    c.feedback_due_date
                )
            } else {
                format!("意见采纳情况须于 {} 前公开反馈", c.feedback_due_date)
            };
            ctx.done(&c, format!("已登记决策文件；{due}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_fields_map_to_positions() {
        assert_eq!(item_index("answers[12]"), Some(12));
        assert_eq!(item_index("answers[3].disposition.reason"), Some(3));
        assert_eq!(item_index("parent"), None);
        assert_eq!(
            strip_item_prefix("第4条 consultations/C/comments/X：该意见已屏蔽，不能答复"),
            "该意见已屏蔽，不能答复"
        );
        assert_eq!(strip_item_prefix("须填写理由"), "须填写理由");
    }
}
