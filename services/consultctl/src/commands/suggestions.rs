//! `consultctl suggestion …`: the service's suggested concentrated opinions, computed, read and
//! accepted, split or dismissed by officers.

use consult_api::pb;
use consult_domain::{Channel, SubmitterCategory};

use super::{Ctx, collect_pages};
use crate::cli::SuggestionCommand;
use crate::error::CliError;
use crate::names;
use crate::output::{self, Out, Table, ts};

/// The first `n` characters of a comment's text, on one line.
fn excerpt(text: &str, n: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = one_line.chars().take(n).collect();
    if one_line.chars().count() > n {
        out.push('…');
    }
    out
}

fn state_label(state: i32) -> &'static str {
    match pb::SuggestionState::try_from(state) {
        Ok(pb::SuggestionState::Open) => "待处理",
        Ok(pb::SuggestionState::Accepted) => "已采用",
        Ok(pb::SuggestionState::Dismissed) => "已忽略",
        _ => "",
    }
}

fn state_arg(arg: &str) -> Result<pb::SuggestionState, CliError> {
    Ok(match arg.trim().to_lowercase().as_str() {
        "open" | "待处理" => pb::SuggestionState::Open,
        "accepted" | "已采用" => pb::SuggestionState::Accepted,
        "dismissed" | "已忽略" => pb::SuggestionState::Dismissed,
        "all" | "全部" => pb::SuggestionState::Unspecified,
        other => {
            return Err(CliError::Usage(format!(
                "--state {other}：可选 open/待处理、accepted/已采用、dismissed/已忽略、all/全部"
            )));
        }
    })
}

fn similarity(s: &pb::Suggestion) -> String {
    format!(
        "中位 {:.2}，最低 {:.2}",
        s.similarity_median, s.similarity_low
    )
}

fn facets(counts: &[pb::FacetCount], label: impl Fn(&str) -> String) -> String {
    counts
        .iter()
        .map(|f| format!("{} {}", label(&f.code), f.count))
        .collect::<Vec<_>>()
        .join("、")
}

fn show_suggestion(out: &Out, s: &pb::Suggestion) {
    let text = |c: &Option<pb::Comment>| c.as_ref().map(|c| c.content.clone()).unwrap_or_default();
    let mut rows = vec![
        ("编号", format!("s:{}", names::short(&s.name))),
        ("状态", state_label(s.state).to_owned()),
        ("条数", s.member_count.to_string()),
        ("相似度", similarity(s)),
        ("代表意见", names::short(&s.representative).to_owned()),
        ("代表内容", text(&s.representative_comment)),
        (
            "渠道",
            facets(&s.channels, |c| {
                Channel::from_code(c).map_or(c.to_owned(), |ch| ch.label().to_owned())
            }),
        ),
        (
            "身份",
            facets(&s.submitter_categories, |c| {
                SubmitterCategory::from_code(c).map_or(c.to_owned(), |k| k.label().to_owned())
            }),
        ),
        (
            "已采用为",
            if s.opinion_group.is_empty() {
                String::new()
            } else {
                format!("g:{}", names::short(&s.opinion_group))
            },
        ),
        ("处理人", s.decided_by.clone()),
        ("计算时间", ts(s.create_time.as_ref())),
    ];
    let outliers: Vec<String> = s
        .outliers
        .iter()
        .map(|c| format!("{}  {}", names::short(&c.name), excerpt(&c.content, 60)))
        .collect();
    rows.push(("差异最大", outliers.join("\n")));
    // Shown for the officer to weigh, never to discard anyone.
    let repeated: Vec<String> = s
        .repeated_texts
        .iter()
        .map(|r| {
            format!(
                "{} 条相同文本，来自 {}，{} 至 {}：{}",
                r.count,
                r.submitted_by,
                ts(r.first_receive_time.as_ref()),
                ts(r.last_receive_time.as_ref()),
                excerpt(&r.excerpt, 40)
            )
        })
        .collect();
    rows.push(("同源重复", repeated.join("\n")));
    let shared: Vec<String> = s
        .shared_contacts
        .iter()
        .map(|r| {
            format!(
                "{} 条意见留有同一联系方式，{} 至 {}",
                r.count,
                ts(r.first_receive_time.as_ref()),
                ts(r.last_receive_time.as_ref()),
            )
        })
        .collect();
    rows.push(("同一联系人", shared.join("\n")));
    output::fields(out, &rows);
}

pub(super) async fn run(ctx: &Ctx, cmd: SuggestionCommand) -> Result<(), CliError> {
    match cmd {
        SuggestionCommand::Compute { consultation } => {
            let op = ctx
                .suggestions()
                .start_compute_suggestions(ctx.req(pb::StartComputeSuggestionsRequest {
                    parent: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            let r: pb::ComputeSuggestionsResponse = ctx.follow(op, "计算相似意见").await?;
            ctx.done(
                &r,
                format!(
                    "已比较 {} 条意见，得到 {} 条建议，涉及 {} 条意见；用 consultctl suggestion list {consultation} 查看",
                    r.compared_count, r.suggestion_count, r.suggested_count
                ),
            )
        }
        SuggestionCommand::List {
            consultation,
            state,
            paging,
        } => {
            let state = state_arg(&state)? as i32;
            let client = ctx.suggestions();
            let parent = names::consultation(&consultation);
            let items = collect_pages(paging.all, paging.limit, |token, size| {
                let mut client = client.clone();
                let request = ctx.req(pb::ListSuggestionsRequest {
                    parent: parent.clone(),
                    state,
                    page_size: size,
                    page_token: token,
                });
                async move {
                    let r = client.list_suggestions(request).await?.into_inner();
                    Ok((r.suggestions, r.next_page_token))
                }
            })
            .await?;
            ctx.show_all(&items, |out, items| {
                if items.is_empty() {
                    out.line(&format!(
                        "没有建议。可先运行 consultctl suggestion compute {consultation}"
                    ));
                    return;
                }
                let mut t = Table::new(&["编号", "条数", "相似度", "状态", "代表意见"]).numeric(1);
                for s in items {
                    t.row(vec![
                        format!("s:{}", names::short(&s.name)),
                        s.member_count.to_string(),
                        format!("{:.2}", s.similarity_median),
                        state_label(s.state).to_owned(),
                        s.representative_comment
                            .as_ref()
                            .map(|c| excerpt(&c.content, 40))
                            .unwrap_or_default(),
                    ]);
                }
                t.print(out);
            })
        }
        SuggestionCommand::Show {
            consultation,
            suggestion,
        } => {
            let s = ctx
                .suggestions()
                .get_suggestion(ctx.req(pb::GetSuggestionRequest {
                    name: names::suggestion(&consultation, &suggestion),
                }))
                .await?
                .into_inner();
            ctx.show(&s, show_suggestion)
        }
        SuggestionCommand::Accept {
            consultation,
            suggestion,
            summary,
            into,
        } => {
            let target = match (summary, into) {
                (_, Some(g)) => pb::accept_suggestion_request::Into::OpinionGroup(names::group(
                    &consultation,
                    &g,
                )),
                (Some(s), None) => pb::accept_suggestion_request::Into::Summary(s),
                (None, None) => {
                    return Err(CliError::Usage(
                        "须给出 --summary（新集中意见）或 --into（并入的集中意见）".into(),
                    ));
                }
            };
            let g = ctx
                .suggestions()
                .accept_suggestion(ctx.req(pb::AcceptSuggestionRequest {
                    name: names::suggestion(&consultation, &suggestion),
                    into: Some(target),
                }))
                .await?
                .into_inner();
            ctx.done(
                &g,
                format!(
                    "已采用为集中意见 g:{}（{} 条）：{}；用 consultctl answer group 答复",
                    names::short(&g.name),
                    g.member_count,
                    g.summary
                ),
            )
        }
        SuggestionCommand::Split {
            consultation,
            suggestion,
            comments,
        } => {
            let r = ctx
                .suggestions()
                .split_suggestion(
                    ctx.req(pb::SplitSuggestionRequest {
                        name: names::suggestion(&consultation, &suggestion),
                        comments: comments
                            .iter()
                            .map(|c| names::comment(&consultation, c))
                            .collect(),
                    }),
                )
                .await?
                .into_inner();
            let (rest, part) = (
                r.remaining.clone().unwrap_or_default(),
                r.split_off.clone().unwrap_or_default(),
            );
            ctx.done(
                &r,
                format!(
                    "已拆分：s:{} 余 {} 条，新建议 s:{} 含 {} 条",
                    names::short(&rest.name),
                    rest.member_count,
                    names::short(&part.name),
                    part.member_count
                ),
            )
        }
        SuggestionCommand::Dismiss {
            consultation,
            suggestion,
        } => {
            let s = ctx
                .suggestions()
                .dismiss_suggestion(ctx.req(pb::DismissSuggestionRequest {
                    name: names::suggestion(&consultation, &suggestion),
                }))
                .await?
                .into_inner();
            ctx.done(
                &s,
                format!(
                    "已忽略建议 s:{}（{} 条），这些意见不再一起建议",
                    names::short(&s.name),
                    s.member_count
                ),
            )
        }
    }
}
