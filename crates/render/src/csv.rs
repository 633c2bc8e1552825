//! The feedback report as CSV: one row per published comment, UTF-8 with a byte-order mark so
//! that spreadsheet programs open the Chinese text correctly.

use consult_domain::report::{FeedbackReport, ReportComment};

use crate::RowContext;
use consult_domain::window::show_local;

/// The byte-order mark that tells spreadsheet programs the file is UTF-8.
pub const BOM: &str = "\u{feff}";

/// Appends a field, quoted when it holds a separator, a quote or a line break (RFC 4180).
fn push_field(out: &mut String, s: &str) {
    let quoted = s.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    // A leading =, +, - or @ would make a spreadsheet evaluate the cell as a formula.
    if s.starts_with(['=', '+', '-', '@']) {
        out.push('\'');
    }
    if quoted {
        let mut parts = s.split('"');
        out.push_str(parts.next().unwrap_or_default());
        for part in parts {
            out.push_str("\"\"");
            out.push_str(part);
        }
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Appends one CRLF-terminated row.
pub fn row(out: &mut String, cells: &[&str]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, cell);
    }
    out.push_str("\r\n");
}

/// The report's comments with their answers.
pub fn report(r: &FeedbackReport) -> String {
    let mut out = header();
    comment_rows(&mut out, 1, &r.comments, &RowContext::of(r));
    out
}

/// The byte-order mark and the header row: the start of a report's CSV.
pub fn header() -> String {
    let mut out = String::from(BOM);
    row(
        &mut out,
        &[
            "序号",
            "意见编号",
            "收到时间（北京时间）",
            "渠道",
            "提出者类别",
            "提出者",
            "条款",
            "意见内容",
            "所属集中意见",
            "采纳情况",
            "采纳内容",
            "理由",
        ],
    );
    out
}

/// Appends the rows of `comments`, numbered from `first_number`.
pub fn comment_rows(
    out: &mut String,
    first_number: u64,
    comments: &[ReportComment],
    groups: &RowContext,
) {
    for (n, c) in (first_number..).zip(comments) {
        let n = n.to_string();
        let received = show_local(c.received_at);
        let group = c
            .opinion_group
            .as_deref()
            .and_then(|g| groups.group(g))
            .unwrap_or_default();
        let (outcome, adopted, reason) = match &c.answer {
            Some(a) => (
                a.outcome.label.as_str(),
                a.adopted_content.as_str(),
                a.reason.as_str(),
            ),
            None => ("尚未答复", "", ""),
        };
        row(
            out,
            &[
                &n,
                &c.id,
                &received,
                &c.channel.label,
                &c.submitter_category.label,
                c.submitter.as_deref().unwrap_or_default(),
                &c.clause_reference,
                &c.content,
                group,
                outcome,
                adopted,
                reason,
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> String {
        let mut out = String::new();
        push_field(&mut out, s);
        out
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("普通"), "普通");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("说\"好\""), "\"说\"\"好\"\"\"");
        assert_eq!(field("第一行\n第二行"), "\"第一行\n第二行\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("=A1,\"B\""), "\"'=A1,\"\"B\"\"\"");
        let mut out = String::new();
        row(&mut out, &["a", "b,c", ""]);
        assert_eq!(out, "a,\"b,c\",\r\n");
    }
}
