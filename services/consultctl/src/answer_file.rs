//! Reading an answers file: UTF-8 (with or without BOM) or GBK as spreadsheet programs save it,
//! a header in Chinese or English, and every problem row found before anything is sent.

use std::collections::HashMap;

use consult_api::pb;
use consult_domain::answering::Outcome;

use crate::cli::Encoding;
use crate::error::CliError;
use crate::names;

/// Longest reason or adopted content the server accepts, in characters.
const MAX_TEXT: usize = 2000;

/// One answer of the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AnswerRow {
    /// Line of the file where the row starts.
    pub(crate) line: u64,
    /// What the officer wrote in the id column.
    pub(crate) id: String,
    /// The comment or opinion group name.
    pub(crate) name: String,
    pub(crate) outcome: Outcome,
    pub(crate) disposition: pb::Disposition,
}

/// Something wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowProblem {
    pub(crate) line: u64,
    pub(crate) id: String,
    pub(crate) problem: String,
    /// The server's rule, when the server refused the row.
    pub(crate) rule: String,
}

/// The file as read.
#[derive(Debug, Default)]
pub(crate) struct AnswerFile {
    pub(crate) rows: Vec<AnswerRow>,
    pub(crate) problems: Vec<RowProblem>,
    /// Rows with an id but no outcome yet: left for later.
    pub(crate) skipped: Vec<u64>,
    /// Set when the file was read as GBK.
    pub(crate) encoding_note: Option<String>,
}

/// The text of the file, decoded; the byte-order mark removed.
pub(crate) fn decode(
    bytes: &[u8],
    encoding: Encoding,
) -> Result<(String, Option<String>), CliError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let utf8 = std::str::from_utf8(bytes);
    let gbk = || {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|t| t.into_owned())
    };
    match (encoding, utf8) {
        (Encoding::Utf8 | Encoding::Auto, Ok(t)) => Ok((t.to_owned(), None)),
        (Encoding::Gbk, _) => gbk()
            .map(|t| (t, Some("按 GBK 编码读取".to_owned())))
            .ok_or_else(|| CliError::Usage("文件不是有效的 GBK 编码 (not valid GBK)".to_owned())),
        (Encoding::Auto, Err(e)) => match gbk() {
            Some(t) => Ok((t, Some("文件不是 UTF-8 编码，已按 GBK 编码读取".to_owned()))),
            None => Err(bad_utf8(bytes, &e)),
        },
        (Encoding::Utf8, Err(e)) => Err(bad_utf8(bytes, &e)),
    }
}

fn bad_utf8(bytes: &[u8], e: &std::str::Utf8Error) -> CliError {
    let line = bytes[..e.valid_up_to()]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1;
    CliError::Usage(format!(
        "第{line}行：文件不是有效的 UTF-8 编码（也不是 GBK）。请在表格软件中另存为“CSV UTF-8”后重试 (not valid UTF-8)"
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Comment,
    Group,
    Outcome,
    Reason,
    Adopted,
    Template,
}

fn column(header: &str) -> Option<Column> {
    let h = header.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    match h.as_str() {
        "id" | "comment" | "comment_id" | "name" | "意见编号" | "编号" | "意见id" => {
            Some(Column::Comment)
        }
        "group" | "group_id" | "opinion_group" | "集中意见编号" => Some(Column::Group),
        "outcome" | "采纳情况" | "处理结果" | "答复结果" => Some(Column::Outcome),
        "reason" | "理由" | "说明" | "理由说明" | "未采纳理由" => Some(Column::Reason),
        "adopted_content" | "adopted" | "采纳内容" => Some(Column::Adopted),
        "template" | "模板" | "答复模板" => Some(Column::Template),
        _ => None,
    }
}

/// A department's answer template as an answers file names it (the `模板` column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) outcome: Outcome,
    pub(crate) reason: String,
    pub(crate) adopted_content: String,
}

/// The department's templates by short name.
pub(crate) type Templates = HashMap<String, Template>;

/// Whether the file has a template column, so that the department's templates are needed.
pub(crate) fn names_templates(text: &str) -> bool {
    open_table(text, column).is_ok_and(|(_, _, columns)| columns.contains_key(&Column::Template))
}

/// A CSV file as officers' spreadsheets save it: its reader past the header, the header, and
/// where each known column is (the first of a name, by `column`).
pub(crate) type CsvTable<C> = (
    csv::Reader<std::io::Cursor<Vec<u8>>>,
    csv::StringRecord,
    HashMap<C, usize>,
);

/// Opens decoded CSV text with a header, finding the columns `column` knows.
pub(crate) fn open_table<C: Copy + Eq + std::hash::Hash>(
    text: &str,
    column: fn(&str) -> Option<C>,
) -> Result<CsvTable<C>, CliError> {
    // The reader's line positions miss CRLF terminators; spreadsheet programs write them.
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::Cursor::new(text.into_bytes()));
    let headers = reader
        .headers()
        .map_err(|e| CliError::Usage(format!("无法读取表头：{e}")))?
        .clone();
    let mut columns: HashMap<C, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = column(h) {
            columns.entry(c).or_insert(i);
        }
    }
    Ok((reader, headers, columns))
}

/// Parses the decoded text. Problems of single rows are collected; a file that cannot be read
/// as answers at all (no header) is an error.
pub(crate) fn parse(
    text: &str,
    consultation: &str,
    templates: &Templates,
) -> Result<AnswerFile, CliError> {
    let (mut reader, headers, columns) = open_table(text, column)?;
    if !(columns.contains_key(&Column::Comment) || columns.contains_key(&Column::Group))
        || !(columns.contains_key(&Column::Outcome) || columns.contains_key(&Column::Template))
    {
        return Err(CliError::Usage(format!(
            "第1行须为表头，至少包含“意见编号”（或“集中意见编号”）和“采纳情况”（或“模板”）两列，可选“理由”“采纳内容”；实际表头：{} (header needs id and outcome or template columns)",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    }
    let mut file = AnswerFile::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                file.problems.push(RowProblem {
                    line,
                    id: String::new(),
                    problem: format!("无法读取该行：{e}"),
                    rule: String::new(),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let cell = |c: Column| {
            columns
                .get(&c)
                .and_then(|i| record.get(*i))
                .map(str::trim)
                .unwrap_or("")
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (comment, group) = (cell(Column::Comment), cell(Column::Group));
        let mut problem = |id: &str, text: String| {
            file.problems.push(RowProblem {
                line,
                id: id.to_owned(),
                problem: text,
                rule: String::new(),
            });
        };
        let (id, name) = match (comment.is_empty(), group.is_empty()) {
            (false, true) => (comment, names::subject(consultation, comment)),
            (true, false) => (group, names::group(consultation, group)),
            (true, true) => {
                problem("", "缺少意见编号 (no id)".to_owned());
                continue;
            }
            (false, false) => {
                problem(
                    comment,
                    "意见编号和集中意见编号只能填一个 (both a comment and a group id)".to_owned(),
                );
                continue;
            }
        };
        let outcome_text = cell(Column::Outcome);
        let template_name = cell(Column::Template);
        if outcome_text.is_empty() && template_name.is_empty() {
            file.skipped.push(line);
            continue;
        }
        let (outcome, reason, adopted) = if template_name.is_empty() {
            match names::parse::<Outcome>(outcome_text) {
                Ok(o) => (o, cell(Column::Reason), cell(Column::Adopted)),
                Err(e) => {
                    problem(id, e);
                    continue;
                }
            }
        } else if !outcome_text.is_empty() || !cell(Column::Reason).is_empty() {
            problem(
                id,
                "填写模板时“采纳情况”和“理由”留空，由模板给出 (a template gives the outcome and reason)"
                    .to_owned(),
            );
            continue;
        } else {
            match templates.get(template_name) {
                // The row's adopted content, when given, replaces the template's.
                Some(t) => (
                    t.outcome,
                    t.reason.as_str(),
                    match cell(Column::Adopted) {
                        "" => t.adopted_content.as_str(),
                        own => own,
                    },
                ),
                None => {
                    problem(
                        id,
                        format!(
                            "本部门没有名为“{template_name}”的答复模板（consultctl template list 列出）(no such template)"
                        ),
                    );
                    continue;
                }
            }
        };
        let mut bad = Vec::new();
        match outcome {
            Outcome::NotAdopted | Outcome::OutOfScope if reason.is_empty() => {
                bad.push(format!("{}须填写理由 (reason required)", outcome.label()));
            }
            Outcome::PartiallyAdopted => {
                if adopted.is_empty() {
                    bad.push("部分采纳须填写采纳内容 (adopted_content required)".to_owned());
                }
                if reason.is_empty() {
                    bad.push("部分采纳须说明未采纳部分的理由 (reason required)".to_owned());
                }
            }
            _ => {}
        }
        for (what, text) in [("理由", reason), ("采纳内容", adopted)] {
            if text.chars().count() > MAX_TEXT {
                bad.push(format!("{what}不能超过{MAX_TEXT}个字符"));
            }
        }
        if let Some(first) = seen.get(&name) {
            bad.push(format!("与第{first}行重复 (listed twice)"));
        }
        if !bad.is_empty() {
            problem(id, bad.join("；"));
            continue;
        }
        seen.insert(name.clone(), line);
        file.rows.push(AnswerRow {
            line,
            id: id.to_owned(),
            name,
            outcome,
            disposition: pb::Disposition {
                outcome: names::proto(outcome, |s| pb::Outcome::from_str_name(s).map(|o| o as i32)),
                reason: reason.to_owned(),
                adopted_content: adopted.to_owned(),
                ..Default::default()
            },
        });
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "01JD0000000000000000000000";

    #[test]
    fn a_good_file_with_a_bom_and_chinese_headers() {
        let text = "\u{feff}意见编号,采纳情况,理由,采纳内容\r\nA1,采纳,,\r\nA2,未采纳,与上位法不一致,\r\ng:G1,部分采纳,其余不采纳,第五条改为六个月\r\n";
        let (decoded, note) = decode(text.as_bytes(), Encoding::Auto).unwrap();
        assert!(note.is_none());
        let f = parse(&decoded, C, &Templates::new()).unwrap();
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.rows.len(), 3);
        assert_eq!(f.rows[0].name, format!("consultations/{C}/comments/A1"));
        assert_eq!(f.rows[0].line, 2);
        assert_eq!(f.rows[1].outcome, Outcome::NotAdopted);
        assert_eq!(f.rows[1].disposition.reason, "与上位法不一致");
        assert_eq!(
            f.rows[2].name,
            format!("consultations/{C}/opinionGroups/G1")
        );
        assert_eq!(f.rows[2].disposition.adopted_content, "第五条改为六个月");
    }

    #[test]
    fn a_template_column_gives_the_outcome_and_reason_by_name() {
        let templates: Templates = [(
            "上位法".to_owned(),
            Template {
                outcome: Outcome::NotAdopted,
                reason: "与上位法规定不一致".to_owned(),
                adopted_content: String::new(),
            },
        )]
        .into();
        let text = "意见编号,模板,采纳情况,理由,采纳内容\nA1,上位法,,,\nA2,,采纳,,\nA3,上位法,未采纳,,\nA4,没有这个,,,\nA5,,,,\n";
        let f = parse(text, C, &templates).unwrap();
        assert_eq!(f.rows.len(), 2, "{:?}", f.problems);
        assert_eq!(f.rows[0].outcome, Outcome::NotAdopted);
        assert_eq!(f.rows[0].disposition.reason, "与上位法规定不一致");
        assert_eq!(f.rows[1].outcome, Outcome::Adopted);
        let problems: Vec<(u64, &str)> = f
            .problems
            .iter()
            .map(|p| (p.line, p.problem.as_str()))
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].0 == 4 && problems[0].1.contains("留空"),
            "{problems:?}"
        );
        assert!(
            problems[1].0 == 5 && problems[1].1.contains("没有这个"),
            "{problems:?}"
        );
        assert_eq!(f.skipped, vec![6]);
        // A file with only a template column is an answers file too.
        assert!(names_templates("id,template\nA1,上位法\n"));
        assert_eq!(
            parse("id,template\nA1,上位法\n", C, &templates)
                .unwrap()
                .rows
                .len(),
            1
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "id,outcome,reason\nA1,未采纳,\nA2,采纲,x\nA3,adopted,\nA1,adopted,\n,采纳,\nA5,部分采纳,只有理由\nA6,,\n";
        let f = parse(text, C, &Templates::new()).unwrap();
        let lines: Vec<(u64, &str)> = f
            .problems
            .iter()
            .map(|p| (p.line, p.problem.as_str()))
            .collect();
        assert_eq!(f.rows.len(), 2, "{lines:?}");
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert_eq!(lines[0].0, 2);
        assert!(lines[0].1.contains("未采纳须填写理由"));
        assert_eq!(lines[1].0, 3);
        assert!(lines[1].1.contains("采纲"));
        assert_eq!(lines[2].0, 6);
        assert!(lines[2].1.contains("缺少意见编号"));
        assert_eq!(lines[3].0, 7);
        assert!(lines[3].1.contains("采纳内容"));
        assert_eq!(f.skipped, vec![8]);
    }

    #[test]
    fn a_duplicate_names_the_first_line() {
        let f = parse("id,outcome\nA1,采纳\nA1,采纳\n", C, &Templates::new()).unwrap();
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.problems.len(), 1);
        assert!(f.problems[0].problem.contains("与第2行重复"));
    }

    #[test]
    fn gbk_files_are_read() {
        let text = "意见编号,采纳情况,理由\r\nA1,未采纳,与上位法不一致\r\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        assert!(std::str::from_utf8(&bytes).is_err());
        let (decoded, note) = decode(&bytes, Encoding::Auto).unwrap();
        assert_eq!(decoded, text);
        assert!(note.unwrap().contains("GBK"));
        let err = decode(&bytes, Encoding::Utf8).unwrap_err();
        assert!(err.to_string().contains("第1行"), "{err}");
    }

    #[test]
    fn a_file_without_a_header_is_refused() {
        let err = parse("A1,采纳,\nA2,采纳,\n", C, &Templates::new()).unwrap_err();
        assert!(err.to_string().contains("表头"), "{err}");
    }
}
