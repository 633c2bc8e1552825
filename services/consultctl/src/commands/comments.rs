//! `consultctl comment …` and `consultctl group …`: reading, filtering, hiding and exporting
//! comments, and forming concentrated opinions.

use consult_api::pb;
use consult_domain::answering::{HideReason, Outcome};
use consult_domain::redaction::RedactionReason;
use consult_domain::{Channel, SubmitterCategory};

use super::{Ctx, collect_pages};
use crate::cli::{CommentCommand, CommentFilterArgs, GroupCommand};
use crate::error::CliError;
use crate::names::{self, label};
use crate::output::{self, Out, Table, ts};

pub(super) async fn run(ctx: &Ctx, cmd: CommentCommand) -> Result<(), CliError> {
    match cmd {
        CommentCommand::List(a) => {
            let items = list(
                ctx,
                &a.consultation,
                &a.filter,
                a.paging.all,
                a.paging.limit,
            )
            .await?;
            ctx.show_all(&items, |out, items| {
                if items.is_empty() {
                    out.line("没有符合条件的意见。");
                } else {
                    table(items).print(out);
                }
            })
        }
        CommentCommand::Import {
            consultation,
            file,
            channel,
            dry_run,
            encoding,
        } => {
            import(
                ctx,
                &consultation,
                &file,
                channel.as_deref(),
                dry_run,
                encoding,
            )
            .await
        }
        CommentCommand::Enter {
            consultation,
            channel,
            content,
            category,
            name,
            organization,
            contact,
            clause,
            postmark,
            consent,
            request_id,
        } => {
            // One row of `comment import`, read by the same rules.
            let mut csv = csv::Writer::from_writer(Vec::new());
            let write = |w: &mut csv::Writer<Vec<u8>>, cells: [&str; 9]| {
                w.write_record(cells)
                    .map_err(|e| CliError::Usage(e.to_string()))
            };
            write(
                &mut csv,
                [
                    "渠道",
                    "类别",
                    "姓名",
                    "单位",
                    "联系方式",
                    "意见内容",
                    "条款",
                    "邮戳日期",
                    "同意公开姓名",
                ],
            )?;
            write(
                &mut csv,
                [
                    &channel,
                    category.as_deref().unwrap_or(""),
                    &name,
                    &organization,
                    &contact,
                    &content,
                    &clause,
                    postmark.as_deref().unwrap_or(""),
                    if consent { "是" } else { "否" },
                ],
            )?;
            let bytes = csv
                .into_inner()
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let file = crate::comment_file::parse(&String::from_utf8_lossy(&bytes), None)?;
            if let Some(p) = file.problems.first() {
                return Err(CliError::Usage(p.problem.clone()));
            }
            let Some(row) = file.rows.into_iter().next() else {
                return Err(CliError::Usage(
                    "意见内容不能为空 (content is required)".to_owned(),
                ));
            };
            let c = ctx
                .comments()
                .submit_comment(ctx.req(pb::SubmitCommentRequest {
                    parent: names::consultation(&consultation),
                    comment: Some(row.comment),
                    request_id: request_id.unwrap_or_else(super::fresh_request_id),
                    validate_only: false,
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!(
                    "已录入意见 {}，回执码 {}",
                    names::short(&c.name),
                    c.receipt_code
                ),
            )
        }
        CommentCommand::Clauses { consultation } => {
            let r = ctx
                .comments()
                .list_clauses(ctx.req(pb::ListClausesRequest {
                    parent: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            ctx.show(&r, |out, r| {
                if r.clauses.is_empty() {
                    out.line("草案未分条，意见也未引用条款。");
                    return;
                }
                let mut t = Table::new(&["条款", "条文开头", "意见数", "说明"]).max_width(40);
                for c in &r.clauses {
                    t.row(vec![
                        c.clause.clone(),
                        c.opening.clone(),
                        c.comment_count.to_string(),
                        if c.in_draft {
                            String::new()
                        } else {
                            "草案无此条".to_owned()
                        },
                    ]);
                }
                t.print(out);
                if r.other_references_not_listed > 0 {
                    out.line(&format!(
                        "另有 {} 种其他引用未列出。",
                        r.other_references_not_listed
                    ));
                }
            })
        }
        CommentCommand::Show {
            consultation,
            comment,
        } => {
            let c = ctx
                .comments()
                .get_comment(ctx.req(pb::GetCommentRequest {
                    name: names::comment(&consultation, &comment),
                }))
                .await?
                .into_inner();
            ctx.show(&c, show)
        }
        CommentCommand::Hide {
            consultation,
            comment,
            reason,
            note,
        } => {
            let reason = names::parse::<HideReason>(&reason).map_err(CliError::Usage)?;
            let c = ctx
                .comments()
                .hide_comment(ctx.req(pb::HideCommentRequest {
                    name: names::comment(&consultation, &comment),
                    reason: names::proto(reason, |s| {
                        pb::HideReason::from_str_name(s).map(|v| v as i32)
                    }),
                    note,
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!("已屏蔽意见 {}（{}）", names::short(&c.name), reason.label()),
            )
        }
        CommentCommand::BulkHide {
            consultation,
            comments,
            search,
            channel,
            category,
            clause,
            reason,
            note,
            dry_run,
        } => {
            let reason = names::parse::<HideReason>(&reason).map_err(CliError::Usage)?;
            let filtered =
                search.is_some() || channel.is_some() || category.is_some() || clause.is_some();
            let target = match (comments.is_empty(), filtered) {
                (false, true) => {
                    return Err(CliError::Usage(
                        "给出意见编号时不能再给筛选条件 (list comments or give a filter, not both)"
                            .into(),
                    ));
                }
                (true, false) => {
                    return Err(CliError::Usage(
                        "请给出意见编号或至少一个筛选条件，如 --search (name comments or give a filter)".into(),
                    ));
                }
                (false, false) => {
                    pb::bulk_hide_comments_request::Target::Comments(pb::CommentList {
                        comments: comments
                            .iter()
                            .map(|c| names::comment(&consultation, c))
                            .collect(),
                    })
                }
                (true, true) => {
                    pb::bulk_hide_comments_request::Target::Selection(pb::CommentSelection {
                        channel: names::arg::<Channel>(channel.as_deref(), |s| {
                            pb::Channel::from_str_name(s).map(|v| v as i32)
                        })?,
                        submitter_category: names::submitter_category(category.as_deref())?,
                        clause_reference: clause.unwrap_or_default(),
                        query: search.unwrap_or_default(),
                        ..Default::default()
                    })
                }
            };
            let selected = matches!(target, pb::bulk_hide_comments_request::Target::Selection(_));
            let request = pb::BulkHideCommentsRequest {
                parent: names::consultation(&consultation),
                reason: names::proto(reason, |s| {
                    pb::HideReason::from_str_name(s).map(|v| v as i32)
                }),
                note,
                target: Some(target),
                validate_only: dry_run,
            };
            let r: pb::BulkHideCommentsResponse = if selected {
                // As an operation: a selection of a million comments outlasts one request.
                let op = ctx
                    .comments()
                    .start_bulk_hide_comments(ctx.req(pb::StartBulkHideCommentsRequest {
                        bulk_hide: Some(request),
                    }))
                    .await?
                    .into_inner();
                ctx.follow(
                    op,
                    if dry_run {
                        "正在统计"
                    } else {
                        "正在屏蔽"
                    },
                )
                .await?
            } else {
                ctx.comments()
                    .bulk_hide_comments(ctx.req(request))
                    .await?
                    .into_inner()
            };
            if !dry_run {
                return ctx.done(
                    &r,
                    format!("已屏蔽 {} 条意见（{}）", r.hidden_count, reason.label()),
                );
            }
            dry_run_sample(ctx, "将屏蔽", r.hidden_count, &r.comments, &r).await
        }
        CommentCommand::Unhide {
            consultation,
            comment,
        } => {
            let c = ctx
                .comments()
                .unhide_comment(ctx.req(pb::UnhideCommentRequest {
                    name: names::comment(&consultation, &comment),
                }))
                .await?
                .into_inner();
            ctx.done(&c, format!("已取消屏蔽意见 {}", names::short(&c.name)))
        }
        CommentCommand::Redact {
            consultation,
            comment,
            text,
            span,
            reason,
            replace,
            clear,
        } => {
            let name = names::comment(&consultation, &comment);
            let current = ctx
                .comments()
                .get_comment(ctx.req(pb::GetCommentRequest { name: name.clone() }))
                .await?
                .into_inner();
            let redactions = if clear {
                Vec::new()
            } else {
                let reason = names::parse::<RedactionReason>(reason.as_deref().unwrap_or(""))
                    .map_err(CliError::Usage)?;
                let reason = names::proto(reason, |s| {
                    pb::RedactionReason::from_str_name(s).map(|v| v as i32)
                });
                let added = redaction_spans(&current.content, &text, &span, reason)
                    .map_err(CliError::Usage)?;
                let kept = if replace {
                    Vec::new()
                } else {
                    current.redactions.clone()
                };
                merge_redactions(kept, added)
            };
            let c = ctx
                .comments()
                .redact_comment(ctx.req(pb::RedactCommentRequest { name, redactions }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!(
                    "意见 {} 隐去 {} 处；公开文本：\n{}",
                    names::short(&c.name),
                    c.redactions.len(),
                    c.published_content
                ),
            )
        }
        CommentCommand::Revisions {
            consultation,
            subject,
        } => {
            let r = ctx
                .feedback()
                .list_disposition_revisions(ctx.req(pb::ListDispositionRevisionsRequest {
                    parent: names::subject(&consultation, &subject),
                }))
                .await?
                .into_inner();
            ctx.show(&r, |out, r| {
                if r.revisions.is_empty() {
                    out.line("尚未答复。");
                    return;
                }
                let mut t = Table::new(&["修订", "时间", "答复人", "采纳情况", "说明", "操作"]);
                for v in &r.revisions {
                    let d = v.disposition.as_ref();
                    t.row(vec![
                        v.revision.to_string(),
                        ts(d.and_then(|d| d.answer_time.as_ref())),
                        d.map(|d| d.answered_by.clone()).unwrap_or_default(),
                        d.map(outcome_label)
                            .unwrap_or_else(|| "（清除）".to_owned()),
                        d.map(explanation).unwrap_or_default(),
                        v.action.clone(),
                    ]);
                }
                t.print(out);
            })
        }
        CommentCommand::Export(a) => super::export::comments(ctx, a).await,
    }
}

/// The list request for a filter.
pub(super) fn filter_request(
    consultation: &str,
    f: &CommentFilterArgs,
) -> Result<pb::ListCommentsRequest, CliError> {
    let status = match f.status.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
        None => 0,
        Some(s) => match s.as_str() {
            "visible" | "公开" => pb::CommentStatus::Visible as i32,
            "hidden" | "已屏蔽" | "屏蔽" => pb::CommentStatus::Hidden as i32,
            "answered" | "已答复" => pb::CommentStatus::Answered as i32,
            "unanswered" | "未答复" => pb::CommentStatus::Unanswered as i32,
            "grouped" | "已归并" => pb::CommentStatus::Grouped as i32,
            other => {
                return Err(CliError::Usage(format!(
                    "办理状态“{other}”无法识别，可用：visible、hidden、answered、unanswered、grouped"
                )));
            }
        },
    };
    Ok(pb::ListCommentsRequest {
        parent: names::consultation(consultation),
        channel: names::arg::<Channel>(f.channel.as_deref(), |s| {
            pb::Channel::from_str_name(s).map(|v| v as i32)
        })?,
        submitter_category: names::submitter_category(f.category.as_deref())?,
        clause_reference: f.clause.clone().unwrap_or_default(),
        status,
        opinion_group: f
            .group
            .as_deref()
            .map(|g| names::group(consultation, g))
            .unwrap_or_default(),
        query: f.search.clone().unwrap_or_default(),
        suggestion: f
            .suggestion
            .as_deref()
            .map(|s| names::suggestion(consultation, s))
            .unwrap_or_default(),
        ..Default::default()
    })
}

async fn list(
    ctx: &Ctx,
    consultation: &str,
    f: &CommentFilterArgs,
    all: bool,
    limit: usize,
) -> Result<Vec<pb::Comment>, CliError> {
    let base = filter_request(consultation, f)?;
    let client = ctx.comments();
    collect_pages(all, limit, |token, size| {
        let mut client = client.clone();
        let request = ctx.req(pb::ListCommentsRequest {
            page_size: size,
            page_token: token,
            ..base.clone()
        });
        async move {
            let r = client.list_comments(request).await?.into_inner();
            Ok((r.comments, r.next_page_token))
        }
    })
    .await
}

fn outcome_label(d: &pb::Disposition) -> String {
    label::<Outcome>(d.outcome().as_str_name())
}

fn explanation(d: &pb::Disposition) -> String {
    match (d.adopted_content.is_empty(), d.reason.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("采纳内容：{}", d.adopted_content),
        (true, false) => d.reason.clone(),
        (false, false) => format!("采纳内容：{}；理由：{}", d.adopted_content, d.reason),
    }
}

/// Where a comment stands, in words.
fn status(c: &pb::Comment) -> String {
    if let Some(m) = &c.moderation {
        return format!(
            "已屏蔽（{}）",
            label::<HideReason>(m.reason().as_str_name())
        );
    }
    match &c.disposition {
        Some(d) => outcome_label(d),
        None => "未答复".to_owned(),
    }
}

/// Comments as a table.
pub(crate) fn table(items: &[pb::Comment]) -> Table {
    let mut t = Table::new(&[
        "编号",
        "收到时间",
        "渠道",
        "类别",
        "条款",
        "意见内容",
        "办理情况",
        "集中意见",
    ])
    .max_width(30);
    for c in items {
        t.row(vec![
            names::short(&c.name).to_owned(),
            ts(c.receive_time.as_ref()),
            label::<Channel>(c.channel().as_str_name()),
            label::<SubmitterCategory>(c.submitter_category().as_str_name()),
            c.clause_reference.clone(),
            c.content.clone(),
            status(c),
            names::short(&c.opinion_group).to_owned(),
        ]);
    }
    t
}

fn show(out: &Out, c: &pb::Comment) {
    let s = c.submitter.clone().unwrap_or_default();
    let moderation = c
        .moderation
        .as_ref()
        .map(|m| {
            format!(
                "{}：{}（{}，{}）",
                label::<HideReason>(m.reason().as_str_name()),
                m.note,
                m.hidden_by,
                ts(m.hide_time.as_ref())
            )
        })
        .unwrap_or_default();
    let answer = c
        .disposition
        .as_ref()
        .map(|d| {
            let mut s = outcome_label(d);
            let e = explanation(d);
            if !e.is_empty() {
                s.push_str(&format!("\n{e}"));
            }
            s.push_str(&format!(
                "\n（{}，{}）",
                d.answered_by,
                ts(d.answer_time.as_ref())
            ));
            s
        })
        .unwrap_or_else(|| "未答复".to_owned());
    output::fields(
        out,
        &[
            ("编号", names::short(&c.name).to_owned()),
            ("回执码", c.receipt_code.clone()),
            ("收到时间", ts(c.receive_time.as_ref())),
            ("邮戳", ts(c.postmarked_at.as_ref())),
            ("渠道", label::<Channel>(c.channel().as_str_name())),
            (
                "类别",
                label::<SubmitterCategory>(c.submitter_category().as_str_name()),
            ),
            ("姓名", s.name),
            ("单位", s.organization),
            ("联系方式", s.contact),
            (
                "公开姓名",
                if c.publish_name_consent {
                    "同意"
                } else {
                    "不同意"
                }
                .to_owned(),
            ),
            ("条款", c.clause_reference.clone()),
            ("意见内容", c.content.clone()),
            (
                "隐去",
                c.redactions
                    .iter()
                    .map(|r| {
                        let text: String = c
                            .content
                            .chars()
                            .skip(r.start as usize)
                            .take(r.end.saturating_sub(r.start) as usize)
                            .collect();
                        format!(
                            "{}..{} “{text}”（{}）",
                            r.start,
                            r.end,
                            label::<RedactionReason>(r.reason().as_str_name())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("公开文本", c.published_content.clone()),
            ("提交方", c.submitted_by.clone()),
            ("屏蔽", moderation),
            ("集中意见", names::short(&c.opinion_group).to_owned()),
            ("答复", answer),
        ],
    );
}

/// The spans to redact: every occurrence of each `texts` in `content`, and each `START..END`
/// of `spans`, in characters.
fn redaction_spans(
    content: &str,
    texts: &[String],
    spans: &[String],
    reason: i32,
) -> Result<Vec<pb::Redaction>, String> {
    let chars: Vec<char> = content.chars().collect();
    let mut out = Vec::new();
    for text in texts {
        let needle: Vec<char> = text.trim().chars().collect();
        if needle.is_empty() {
            return Err("--text 不能为空 (--text is empty)".to_owned());
        }
        let found: Vec<usize> = (0..chars.len())
            .filter(|&i| chars[i..].starts_with(&needle))
            .collect();
        if found.is_empty() {
            return Err(format!(
                "意见原文中没有“{}” (not in the comment's text)",
                text.trim()
            ));
        }
        for at in found {
            out.push(span(at, at + needle.len(), reason));
        }
    }
    for raw in spans {
        let parsed = raw.split_once("..").and_then(|(a, b)| {
            Some((
                a.trim().parse::<usize>().ok()?,
                b.trim().parse::<usize>().ok()?,
            ))
        });
        let Some((start, end)) = parsed else {
            return Err(format!(
                "--span 应写作 START..END，如 12..20，而不是 {raw} (--span is START..END)"
            ));
        };
        out.push(span(start, end, reason));
    }
    if out.is_empty() {
        return Err("请用 --text 或 --span 指出要隐去的内容，或用 --clear 取消隐去 (give --text, --span or --clear)".to_owned());
    }
    Ok(out)
}

fn span(start: usize, end: usize, reason: i32) -> pb::Redaction {
    pb::Redaction {
        start: u32::try_from(start).unwrap_or(u32::MAX),
        end: u32::try_from(end).unwrap_or(u32::MAX),
        reason,
    }
}

/// `kept` and `added` as one sorted set without overlaps: spans that overlap or touch are
/// joined, taking the reason of the one added last.
fn merge_redactions(kept: Vec<pb::Redaction>, added: Vec<pb::Redaction>) -> Vec<pb::Redaction> {
    let mut all: Vec<(pb::Redaction, usize)> = kept
        .into_iter()
        .map(|r| (r, 0))
        .chain(added.into_iter().map(|r| (r, 1)))
        .collect();
    all.sort_by_key(|(r, _)| (r.start, r.end));
    let mut merged: Vec<(pb::Redaction, usize)> = Vec::new();
    for (r, rank) in all {
        match merged.last_mut() {
            Some((last, last_rank)) if r.start <= last.end => {
                last.end = last.end.max(r.end);
                if rank >= *last_rank {
                    last.reason = r.reason;
                    *last_rank = rank;
                }
            }
            _ => merged.push((r, rank)),
        }
    }
    merged.into_iter().map(|(r, _)| r).collect()
}

/// Comments as CSV, UTF-8 with BOM; officers fill in 采纳情况/理由/采纳内容 and import it back.
/// (`comment export` writes the same rows page by page, see `export.rs`.)
#[cfg(test)]
pub(crate) fn export_csv(items: &[pb::Comment], with_private: bool) -> String {
    let mut out = String::new();
    csv_header(&mut out, with_private);
    for c in items {
        csv_row(&mut out, c, with_private);
    }
    out
}

/// The start of a comments CSV: the byte-order mark and the header row.
pub(super) fn csv_header(out: &mut String, with_private: bool) {
    use consult_render::csv::{BOM, row};
    out.push_str(BOM);
    let mut head = vec![
        "意见编号",
        "收到时间（北京时间）",
        "渠道",
        "提出者类别",
        "条款",
        "意见内容",
        "办理状态",
        "所属集中意见",
        "采纳情况",
        "理由",
        "采纳内容",
    ];
    if with_private {
        head.extend(["姓名", "单位", "联系方式"]);
    }
    row(out, &head);
}

/// One comment as a CSV row.
pub(super) fn csv_row(out: &mut String, c: &pb::Comment, with_private: bool) {
    let d = c.disposition.clone().unwrap_or_default();
    let state = if c.moderation.is_some() {
        "已屏蔽"
    } else if c.disposition.is_some() {
        "已答复"
    } else {
        "未答复"
    };
    let cells = [
        names::short(&c.name).to_owned(),
        ts(c.receive_time.as_ref()),
        label::<Channel>(c.channel().as_str_name()),
        label::<SubmitterCategory>(c.submitter_category().as_str_name()),
        c.clause_reference.clone(),
        c.content.clone(),
        state.to_owned(),
        names::short(&c.opinion_group).to_owned(),
        if c.disposition.is_some() && c.opinion_group.is_empty() {
            outcome_label(&d)
        } else {
            String::new()
        },
        if c.opinion_group.is_empty() {
            d.reason.clone()
        } else {
            String::new()
        },
        if c.opinion_group.is_empty() {
            d.adopted_content.clone()
        } else {
            String::new()
        },
    ];
    let mut cells: Vec<String> = cells.to_vec();
    if with_private {
        let s = c.submitter.clone().unwrap_or_default();
        cells.extend([s.name, s.organization, s.contact]);
    }
    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
    consult_render::csv::row(out, &refs);
}

pub(super) async fn run_group(ctx: &Ctx, cmd: GroupCommand) -> Result<(), CliError> {
    match cmd {
        GroupCommand::List {
            consultation,
            paging,
        } => {
            let client = ctx.feedback();
            let parent = names::consultation(&consultation);
            let items = collect_pages(paging.all, paging.limit, |token, size| {
                let mut client = client.clone();
                let request = ctx.req(pb::ListOpinionGroupsRequest {
                    parent: parent.clone(),
                    page_size: size,
                    page_token: token,
                });
                async move {
                    let r = client.list_opinion_groups(request).await?.into_inner();
                    Ok((r.opinion_groups, r.next_page_token))
                }
            })
            .await?;
            ctx.show_all(&items, |out, items| {
                if items.is_empty() {
                    out.line("尚无集中意见。");
                    return;
                }
                let mut t =
                    Table::new(&["编号", "意见概括", "条数", "采纳情况", "说明"]).numeric(2);
                for g in items {
                    t.row(vec![
                        names::short(&g.name).to_owned(),
                        g.summary.clone(),
                        g.member_count.to_string(),
                        g.disposition
                            .as_ref()
                            .map(outcome_label)
                            .unwrap_or_else(|| "未答复".to_owned()),
                        g.disposition.as_ref().map(explanation).unwrap_or_default(),
                    ]);
                }
                t.print(out);
            })
        }
        GroupCommand::Show {
            consultation,
            group,
        } => {
            let g = ctx
                .feedback()
                .get_opinion_group(ctx.req(pb::GetOpinionGroupRequest {
                    name: names::group(&consultation, &group),
                }))
                .await?
                .into_inner();
            ctx.show(&g, show_group)
        }
        GroupCommand::Create {
            consultation,
            summary,
            comments,
        } => {
            let g = ctx
                .feedback()
                .create_opinion_group(
                    ctx.req(pb::CreateOpinionGroupRequest {
                        parent: names::consultation(&consultation),
                        opinion_group: Some(pb::OpinionGroup {
                            summary,
                            ..Default::default()
                        }),
                        comments: comments
                            .iter()
                            .map(|c| names::comment(&consultation, c))
                            .collect(),
                    }),
                )
                .await?
                .into_inner();
            ctx.done(
                &g,
                format!(
                    "已归并集中意见 g:{}（{} 条）：{}",
                    names::short(&g.name),
                    g.member_count,
                    g.summary
                ),
            )
        }
        GroupCommand::Add {
            consultation,
            group,
            comments,
        } => change_members(ctx, &consultation, &group, &comments, true).await,
        GroupCommand::Remove {
            consultation,
            group,
            comments,
        } => change_members(ctx, &consultation, &group, &comments, false).await,
        GroupCommand::Dissolve {
            consultation,
            group,
        } => {
            let name = names::group(&consultation, &group);
            ctx.feedback()
                .delete_opinion_group(ctx.req(pb::DeleteOpinionGroupRequest { name: name.clone() }))
                .await?;
            if ctx.out.json() {
                output::print_json(
                    &ctx.out,
                    &serde_json::json!({ "name": name, "dissolved": true }),
                );
            } else {
                ctx.out.line(
                    &ctx.out
                        .ok(&format!("已解散集中意见 {group}，其成员恢复为未答复")),
                );
            }
            Ok(())
        }
        GroupCommand::Summary {
            consultation,
            group,
            summary,
        } => {
            let g = ctx
                .feedback()
                .update_opinion_group(ctx.req(pb::UpdateOpinionGroupRequest {
                    opinion_group: Some(pb::OpinionGroup {
                        name: names::group(&consultation, &group),
                        summary,
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["summary".to_owned()],
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(&g, format!("已修改概括：{}", g.summary))
        }
    }
}

/// Adds comments to a group (`join`) or takes them out.
async fn change_members(
    ctx: &Ctx,
    consultation: &str,
    group: &str,
    comments: &[String],
    join: bool,
) -> Result<(), CliError> {
    let name = names::group(consultation, group);
    let comments: Vec<String> = comments
        .iter()
        .map(|c| names::comment(consultation, c))
        .collect();
    let mut client = ctx.feedback();
    let g = if join {
        client
            .add_opinion_group_members(
                ctx.req(pb::AddOpinionGroupMembersRequest { name, comments }),
            )
            .await?
    } else {
        client
            .remove_opinion_group_members(
                ctx.req(pb::RemoveOpinionGroupMembersRequest { name, comments }),
            )
            .await?
    }
    .into_inner();
    let verb = if join { "已加入" } else { "已移出" };
    ctx.done(
        &g,
        format!(
            "{verb}，集中意见 g:{} 现有 {} 条",
            names::short(&g.name),
            g.member_count
        ),
    )
}

fn show_group(out: &Out, g: &pb::OpinionGroup) {
    output::fields(
        out,
        &[
            ("编号", format!("g:{}", names::short(&g.name))),
            ("意见概括", g.summary.clone()),
            ("条数", g.member_count.to_string()),
            (
                "采纳情况",
                g.disposition
                    .as_ref()
                    .map(outcome_label)
                    .unwrap_or_else(|| "未答复".to_owned()),
            ),
            (
                "说明",
                g.disposition.as_ref().map(explanation).unwrap_or_default(),
            ),
            (
                "归并",
                format!("{} {}", ts(g.create_time.as_ref()), g.creator),
            ),
        ],
    );
}

/// `comment import`: every row read and checked by the server (`validate_only`) before any is
/// stored; then each stored under a request id of the file's digest and line, so that importing
/// the same file again stores nothing twice.
async fn import(
    ctx: &Ctx,
    consultation: &str,
    path: &std::path::Path,
    channel: Option<&str>,
    dry_run: bool,
    encoding: crate::cli::Encoding,
) -> Result<(), CliError> {
    use sha2::{Digest, Sha256};

    let channel = channel
        .map(names::parse::<Channel>)
        .transpose()
        .map_err(CliError::Usage)?;
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, e))?;
    let (text, _) = crate::answer_file::decode(&bytes, encoding)?;
    let file = crate::comment_file::parse(&text, channel)?;
    let parent = names::consultation(consultation);
    let shown = path.display().to_string();
    let mut problems = file.problems.clone();
    for row in &file.rows {
        let checked = ctx
            .comments()
            .submit_comment(ctx.req(pb::SubmitCommentRequest {
                parent: parent.clone(),
                comment: Some(row.comment.clone()),
                request_id: format!("import-check-{}", row.line),
                validate_only: true,
            }))
            .await;
        match checked {
            Ok(_) => {}
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::InvalidArgument | tonic::Code::FailedPrecondition
                ) =>
            {
                let found = crate::error::problems(&status);
                problems.push(crate::answer_file::RowProblem {
                    line: row.line,
                    id: String::new(),
                    problem: if found.is_empty() {
                        status.message().to_owned()
                    } else {
                        found
                            .iter()
                            .map(|p| p.text.clone())
                            .collect::<Vec<_>>()
                            .join("；")
                    },
                    rule: found.first().map(|p| p.rule.clone()).unwrap_or_default(),
                });
            }
            Err(status) => return Err(status.into()),
        }
    }
    problems.sort_by_key(|p| p.line);
    if !problems.is_empty() {
        return super::answers::report_problems(
            ctx,
            &shown,
            file.rows.len() + file.problems.len(),
            &problems,
        );
    }
    if dry_run {
        let line = format!(
            "检查通过：{} 条意见可以录入（试运行，未写入）",
            file.rows.len()
        );
        if ctx.out.json() {
            output::print_json(
                &ctx.out,
                &serde_json::json!({"file": shown, "rows": file.rows.len(), "written": 0}),
            );
        } else {
            ctx.out.line(&ctx.out.ok(&line));
        }
        return Ok(());
    }
    let digest = hex::encode(Sha256::digest(&bytes));
    let mut stored = Vec::with_capacity(file.rows.len());
    for row in &file.rows {
        let c = ctx
            .comments()
            .submit_comment(ctx.req(pb::SubmitCommentRequest {
                parent: parent.clone(),
                comment: Some(row.comment.clone()),
                request_id: format!("import-{}-{}", &digest[..24], row.line),
                validate_only: false,
            }))
            .await?
            .into_inner();
        stored.push((row.line, c));
    }
    if ctx.out.json() {
        let rows: Vec<_> = stored
            .iter()
            .map(|(line, c)| {
                serde_json::json!({"line": line, "name": c.name, "receipt_code": c.receipt_code})
            })
            .collect();
        output::print_json(
            &ctx.out,
            &serde_json::json!({"file": shown, "written": stored.len(), "comments": rows}),
        );
    } else {
        let mut t = Table::new(&["行", "编号", "回执码"]).numeric(0);
        for (line, c) in &stored {
            t.row(vec![
                line.to_string(),
                names::short(&c.name).to_owned(),
                c.receipt_code.clone(),
            ]);
        }
        t.print(&ctx.out);
        ctx.out
            .line(&ctx.out.ok(&format!("已录入 {} 条意见", stored.len())));
    }
    Ok(())
}

/// Most comments a dry run shows of those it would change.
pub(crate) const DRY_RUN_SAMPLE: usize = 10;

/// Prints what a dry run found: how many comments it would change (`verb`, e.g. 将屏蔽) and
/// the first [`DRY_RUN_SAMPLE`] of `names`; `reply` as it is with `-o json`.
pub(crate) async fn dry_run_sample<T: prost::Message + prost::Name>(
    ctx: &Ctx,
    verb: &str,
    count: i64,
    names: &[String],
    reply: &T,
) -> Result<(), CliError> {
    if ctx.out.json() {
        return ctx.done(reply, String::new());
    }
    ctx.out.line(&format!(
        "{verb} {count} 条意见（试运行，未写入）。{}",
        if count > DRY_RUN_SAMPLE as i64 {
            format!("其中 {DRY_RUN_SAMPLE} 条：")
        } else {
            String::new()
        }
    ));
    let mut sample = Vec::new();
    for name in names.iter().take(DRY_RUN_SAMPLE) {
        sample.push(
            ctx.comments()
                .get_comment(ctx.req(pb::GetCommentRequest { name: name.clone() }))
                .await?
                .into_inner(),
        );
    }
    if !sample.is_empty() {
        table(&sample).print(&ctx.out);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;

    fn spans(rs: &[pb::Redaction]) -> Vec<(u32, u32, i32)> {
        rs.iter().map(|r| (r.start, r.end, r.reason)).collect()
    }

    #[test]
    fn redaction_text_is_found_everywhere_in_characters_and_spans_merge() {
        let text = "赵大勇说，赵大勇家的车赣A12345停在楼道口。";
        let found = redaction_spans(text, &["赵大勇".into()], &["10..17".into()], 2).unwrap();
        assert_eq!(spans(&found), [(0, 3, 2), (5, 8, 2), (10, 17, 2)]);
        assert!(
            redaction_spans(text, &["张三".into()], &[], 2)
                .unwrap_err()
                .contains("没有")
        );
        assert!(
            redaction_spans(text, &[], &["10-17".into()], 2)
                .unwrap_err()
                .contains("START..END")
        );
        assert!(redaction_spans(text, &[], &[], 2).is_err());

        // Kept and added spans that overlap or touch become one, with the added reason.
        let kept = vec![span(0, 3, 1), span(10, 12, 1)];
        let merged = merge_redactions(kept, vec![span(3, 5, 4), span(11, 17, 4), span(20, 21, 4)]);
        assert_eq!(spans(&merged), [(0, 5, 4), (10, 17, 4), (20, 21, 4)]);
        assert_eq!(
            spans(&merge_redactions(vec![span(0, 3, 1)], vec![])),
            [(0, 3, 1)]
        );
    }

    fn comment(id: &str, channel: pb::Channel, content: &str) -> pb::Comment {
        pb::Comment {
            name: format!("consultations/C/comments/{id}"),
            channel: channel as i32,
            submitter_category: pb::SubmitterCategory::Citizen as i32,
            content: content.into(),
            receive_time: Some(prost_types::Timestamp {
                seconds: 1_796_000_000,
                nanos: 0,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn comments_table_snapshot() {
        let mut a = comment(
            "01A",
            pb::Channel::Portal,
            "建议将过渡期延长至六个月，便于企业调整生产安排",
        );
        a.clause_reference = "第五条".into();
        a.disposition = Some(pb::Disposition {
            outcome: pb::Outcome::NotAdopted as i32,
            reason: "与上位法不一致".into(),
            ..Default::default()
        });
        let mut b = comment("01B", pb::Channel::Hotline12345, "夜间施工噪音扰民");
        b.moderation = Some(pb::Moderation {
            reason: pb::HideReason::Abuse as i32,
            ..Default::default()
        });
        let c = comment("01C", pb::Channel::Wechat, "support");
        let out = Out {
            format: OutputFormat::Table,
            color: false,
        };
        assert_eq!(
            table(&[a, b, c]).render(&out),
            "\
编号  收到时间          渠道        类别  条款    意见内容                       办理情况            集中意见
01A   2026-11-30 08:53  政府网站    公民  第五条  建议将过渡期延长至六个月，便…  未采纳
01B   2026-11-30 08:53  12345热线   公民          夜间施工噪音扰民               已屏蔽（辱骂攻击）
01C   2026-11-30 08:53  政务新媒体  公民          support                        未答复
"
        );
    }

    #[test]
    fn export_csv_round_trips_into_the_answer_file_reader() {
        let mut a = comment("01A", pb::Channel::Portal, "=SUM(A1) 建议");
        a.submitter = Some(pb::Submitter {
            name: "张三".into(),
            contact: "13800138000".into(),
            ..Default::default()
        });
        let csv = export_csv(std::slice::from_ref(&a), false);
        assert!(csv.starts_with('\u{feff}'));
        assert!(!csv.contains("13800138000"));
        assert!(csv.contains("'=SUM(A1) 建议"));
        let with = export_csv(&[a], true);
        assert!(with.contains("13800138000"));
        // An officer fills the outcome column and imports it back.
        let filled = csv.replacen("未答复,,,", "未答复,,采纳,,", 1);
        let f = crate::answer_file::parse(
            filled.trim_start_matches('\u{feff}'),
            "C",
            &crate::answer_file::Templates::new(),
        )
        .unwrap();
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.rows[0].name, "consultations/C/comments/01A");
    }
}
