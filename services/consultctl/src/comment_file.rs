//! Reading a file of comments officers received offline (letters, hearing and symposium
//! opinions, paper submissions): UTF-8 or GBK CSV with a header in Chinese or English, every
//! row read into a submission before anything is sent.

use consult_api::pb;
use consult_domain::{Channel, SubmitterCategory};

use crate::answer_file::RowProblem;
use crate::error::CliError;
use crate::names;

/// One comment of the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommentRow {
    /// Line of the file where the row starts.
    pub(crate) line: u64,
    pub(crate) comment: pb::Comment,
}

/// The file as read.
#[derive(Debug, Default)]
pub(crate) struct CommentFile {
    pub(crate) rows: Vec<CommentRow>,
    pub(crate) problems: Vec<RowProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Channel,
    Category,
    Name,
    Organization,
    Contact,
    Content,
    Clause,
    Postmark,
    Consent,
}

fn column(header: &str) -> Option<Column> {
    let h = header.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    Some(match h.as_str() {
        "channel" | "渠道" => Column::Channel,
        "category" | "submitter_category" | "类别" | "提出者类别" => Column::Category,
        "name" | "submitter_name" | "姓名" | "提出者" => Column::Name,
        "organization" | "单位" | "工作单位" => Column::Organization,
        "contact" | "联系方式" | "电话" => Column::Contact,
        "content" | "意见" | "意见内容" => Column::Content,
        "clause" | "clause_reference" | "条款" => Column::Clause,
        "postmarked" | "postmark" | "postmarked_at" | "邮戳日期" | "邮戳" => Column::Postmark,
        "consent" | "publish_name_consent" | "同意公开姓名" => Column::Consent,
        _ => return None,
    })
}

/// Parses the decoded text; `channel` applies to rows without a channel of their own.
pub(crate) fn parse(text: &str, channel: Option<Channel>) -> Result<CommentFile, CliError> {
    let (mut reader, headers, columns) = crate::answer_file::open_table(text, column)?;
    if !columns.contains_key(&Column::Content) {
        return Err(CliError::Usage(format!(
            "第1行须为表头，至少包含“意见内容”一列，可选“渠道”“类别”“姓名”“单位”“联系方式”“条款”“邮戳日期”“同意公开姓名”；实际表头：{} (header needs a content column)",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    }
    let mut file = CommentFile::default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                file.problems.push(RowProblem {
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    id: String::new(),
                    problem: format!("无法读取该行：{e}"),
                    rule: String::new(),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Column| {
            columns
                .get(&c)
                .and_then(|i| record.get(*i))
                .map(str::trim)
                .unwrap_or("")
        };
        let mut problems = Vec::new();
        let row_channel = match cell(Column::Channel) {
            "" => channel,
            text => match names::parse::<Channel>(text) {
                Ok(c) => Some(c),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
        };
        if row_channel.is_none() && problems.is_empty() {
            problems.push("缺少渠道：在“渠道”列填写或用 --channel 指定 (no channel)".to_owned());
        }
        let category = match cell(Column::Category) {
            "" => Some(SubmitterCategory::Citizen),
            text => names::parse::<SubmitterCategory>(text)
                .map_err(|e| problems.push(e))
                .ok(),
        };
        let postmark = match cell(Column::Postmark) {
            "" => None,
            text => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                // Noon in Beijing: the day's postmark, whatever the hour.
                Ok(d) => Some(prost_types::Timestamp {
                    seconds: d
                        .and_hms_opt(4, 0, 0)
                        .map(|t| t.and_utc().timestamp())
                        .unwrap_or(0),
                    nanos: 0,
                }),
                Err(_) => {
                    problems.push(format!("邮戳日期“{text}”须为 YYYY-MM-DD (postmark date)"));
                    None
                }
            },
        };
        let consent = match cell(Column::Consent) {
            "" | "否" | "no" | "false" | "0" => false,
            "是" | "yes" | "true" | "1" => true,
            other => {
                problems.push(format!("同意公开姓名“{other}”须为 是 或 否 (consent)"));
                false
            }
        };
        if !problems.is_empty() {
            file.problems.push(RowProblem {
                line,
                id: String::new(),
                problem: problems.join("；"),
                rule: String::new(),
            });
            continue;
        }
        let (Some(channel), Some(category)) = (row_channel, category) else {
            continue;
        };
        file.rows.push(CommentRow {
            line,
            comment: pb::Comment {
                channel: names::proto(channel, |s| pb::Channel::from_str_name(s).map(|v| v as i32)),
                submitter_category: names::proto(category, |s| {
                    pb::SubmitterCategory::from_str_name(s).map(|v| v as i32)
                }),
                submitter: Some(pb::Submitter {
                    name: cell(Column::Name).to_owned(),
                    organization: cell(Column::Organization).to_owned(),
                    contact: cell(Column::Contact).to_owned(),
                }),
                content: cell(Column::Content).to_owned(),
                clause_reference: cell(Column::Clause).to_owned(),
                postmarked_at: postmark,
                publish_name_consent: consent,
                ..Default::default()
            },
        });
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_with_defaults_and_every_bad_row_is_listed() {
        let text = "渠道,姓名,意见内容,条款,邮戳日期,同意公开姓名\n\
                    ,张三,建议延长过渡期,第五条,2026-03-20,是\n\
                    symposium,李四,座谈会上提出增加夜班公交,,,\n\
                    飞鸽传书,王五,意见,,,\n\
                    ,赵六,意见,,2026/03/20,也许\n\
                    \n";
        let file = parse(text, Some(Channel::Letter)).expect("a header");
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].line, 2);
        assert_eq!(file.rows[0].comment.channel, pb::Channel::Letter as i32);
        assert!(file.rows[0].comment.publish_name_consent);
        assert!(file.rows[0].comment.postmarked_at.is_some());
        assert_eq!(file.rows[1].comment.channel, pb::Channel::Symposium as i32);
        let lines: Vec<u64> = file.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![4, 5]);
        // Both problems of line 5 are named.
        assert!(file.problems[1].problem.contains("邮戳日期"));
        assert!(file.problems[1].problem.contains("同意公开姓名"));
        assert!(parse("姓名,单位\n张三,x\n", None).is_err());
        let no_channel = parse("意见内容\n建议\n", None).expect("a header");
        assert_eq!(no_channel.problems.len(), 1);
    }
}
