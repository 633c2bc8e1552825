//! How results look: tables aligned by display width (a Chinese character takes two columns),
//! colours only on a terminal, times in Beijing time, and proto JSON for scripts.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::cli::{ColorChoice, OutputFormat};
use crate::error::CliError;

/// Where and how to print.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    pub(crate) format: OutputFormat,
    pub(crate) color: bool,
}

impl Out {
    pub(crate) fn new(format: OutputFormat, choice: ColorChoice) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Out { format, color }
    }

    pub(crate) fn json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Bold, when colours are on.
    pub(crate) fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    /// Green, for success lines.
    pub(crate) fn ok(&self, s: &str) -> String {
        self.paint("32", s)
    }

    /// Yellow, for warnings.
    pub(crate) fn warn(&self, s: &str) -> String {
        self.paint("33", s)
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{s}\u{1b}[0m")
        } else {
            s.to_owned()
        }
    }

    /// Prints a line to standard output.
    pub(crate) fn line(&self, s: &str) {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (e.g. `| head`) is not an error worth a message.
        let _ = writeln!(stdout, "{s}");
    }
}

/// A time in Beijing time, `2026-12-01 09:00`; midnight shows as 24:00 of the day before.
pub(crate) fn beijing(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Shanghai);
    if local.format("%H:%M:%S").to_string() == "00:00:00" {
        let prev = local.date_naive().pred_opt().unwrap_or(local.date_naive());
        format!("{} 24:00", prev.format("%Y-%m-%d"))
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// A wire timestamp in Beijing time, or empty.
pub(crate) fn ts(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| {
        DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)).map(beijing)
    })
    .unwrap_or_default()
}

/// A table whose columns line up in a terminal, whatever the script.
#[derive(Debug, Default)]
pub(crate) struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Widest a column may be before its cells are cut with `…`.
    max_width: usize,
    numeric: Vec<bool>,
    /// Columns never cut (ids, times, messages people must read whole).
    whole: Vec<bool>,
}

impl Table {
    pub(crate) fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            max_width: 40,
            numeric: vec![false; headers.len()],
            whole: vec![false; headers.len()],
        }
    }

    /// Right-aligns column `i` (counts).
    pub(crate) fn numeric(mut self, i: usize) -> Self {
        if let Some(n) = self.numeric.get_mut(i) {
            *n = true;
        }
        self
    }

    /// Never cuts column `i`.
    pub(crate) fn whole(mut self, i: usize) -> Self {
        if let Some(n) = self.whole.get_mut(i) {
            *n = true;
        }
        self
    }

    pub(crate) fn max_width(mut self, w: usize) -> Self {
        self.max_width = w.max(4);
        self
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text; headers bold when `out` has colours.
    pub(crate) fn render(&self, out: &Out) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let max = if self.whole.get(i) == Some(&true) {
                            usize::MAX
                        } else {
                            self.max_width
                        };
                        fit(c, max)
                    })
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for r in &cells {
            for (i, c) in r.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(c.width());
                }
            }
        }
        let line = |r: &[String], bold: bool| {
            let mut s = String::new();
            for (i, w) in widths.iter().enumerate() {
                let c = r.get(i).map(String::as_str).unwrap_or("");
                let pad = " ".repeat(w.saturating_sub(c.width()));
                let last = i + 1 == widths.len();
                let text = if bold { out.bold(c) } else { c.to_owned() };
                if self.numeric[i] {
                    s.push_str(&pad);
                    s.push_str(&text);
                } else {
                    s.push_str(&text);
                    if !last {
                        s.push_str(&pad);
                    }
                }
                if !last {
                    s.push_str("  ");
                }
            }
            s.trim_end().to_owned()
        };
        let mut text = line(&self.headers, true);
        text.push('\n');
        for r in &cells {
            text.push_str(&line(r, false));
            text.push('\n');
        }
        text
    }

    pub(crate) fn print(&self, out: &Out) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(self.render(out).as_bytes());
    }
}

/// One line of at most `max` display columns: line breaks become spaces, the rest is cut.
pub(crate) fn fit(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.width() <= max {
        return flat;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in flat.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Key-value lines with the keys aligned, for one resource.
pub(crate) fn fields(out: &Out, rows: &[(&str, String)]) {
    let width = rows.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    for (k, v) in rows {
        if v.is_empty() {
            continue;
        }
        let pad = " ".repeat(width - k.width());
        let mut lines = v.lines();
        let first = lines.next().unwrap_or("");
        out.line(&format!("{}{pad}  {first}", out.bold(k)));
        for more in lines {
            out.line(&format!("{}  {more}", " ".repeat(width)));
        }
    }
}

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool = DescriptorPool::new();
        // The descriptor set is compiled into consult-api from the same protos as the types.
        if let Err(e) = pool.decode_file_descriptor_set(consult_api::FILE_DESCRIPTOR_SET) {
            panic!("consult-api's descriptor set does not decode: {e}");
        }
        pool
    })
}

/// A message as proto JSON (the mapping grpcurl and other tools use), every field present.
pub(crate) fn to_json<M: prost::Message + prost::Name>(
    m: &M,
) -> Result<serde_json::Value, CliError> {
    let desc = pool()
        .get_message_by_name(&M::full_name())
        .ok_or_else(|| CliError::Usage(format!("no descriptor for {}", M::full_name())))?;
    let dynamic = DynamicMessage::decode(desc, m.encode_to_vec().as_slice())
        .map_err(|e| CliError::Usage(format!("cannot re-read {}: {e}", M::full_name())))?;
    let options = SerializeOptions::new()
        .stringify_64_bit_integers(false)
        .skip_default_fields(false);
    dynamic
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| CliError::Usage(format!("cannot print {}: {e}", M::full_name())))
}

/// Prints a JSON value, pretty, to standard output.
pub(crate) fn print_json(out: &Out, v: &serde_json::Value) {
    out.line(&serde_json::to_string_pretty(v).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Out {
        Out {
            format: OutputFormat::Table,
            color: false,
        }
    }

    #[test]
    fn chinese_text_takes_two_columns_and_lines_up() {
        let mut t = Table::new(&["编号", "渠道", "条数"]).numeric(2);
        t.row(vec!["A1".into(), "政府网站".into(), "12".into()]);
        t.row(vec!["B22".into(), "12345热线".into(), "3".into()]);
        t.row(vec!["C".into(), "wechat".into(), "1024".into()]);
        assert_eq!(
            t.render(&plain()),
            "\
编号  渠道       条数
A1    政府网站     12
B22   12345热线     3
C     wechat     1024
"
        );
    }

    #[test]
    fn long_cells_are_cut_by_display_width() {
        let mut t = Table::new(&["意见内容", "状态"]).max_width(10);
        t.row(vec!["建议将过渡期延长至六个月".into(), "未答复".into()]);
        t.row(vec!["short\ntext".into(), "已答复".into()]);
        assert_eq!(
            t.render(&plain()),
            "\
意见内容    状态
建议将过…   未答复
short text  已答复
"
        );
    }

    #[test]
    fn colours_do_not_break_alignment() {
        let out = Out {
            format: OutputFormat::Table,
            color: true,
        };
        let mut t = Table::new(&["事项", "状态"]);
        t.row(vec!["民营经济".into(), "征求意见中".into()]);
        let text = t.render(&out);
        let stripped = text.replace("\u{1b}[1m", "").replace("\u{1b}[0m", "");
        assert_eq!(stripped, "事项      状态\n民营经济  征求意见中\n");
        assert!(text.starts_with("\u{1b}[1m事项\u{1b}[0m"));
    }

    #[test]
    fn times_show_in_beijing() {
        let t: DateTime<Utc> = "2026-12-01T01:00:00Z".parse().unwrap();
        assert_eq!(beijing(t), "2026-12-01 09:00");
        let midnight: DateTime<Utc> = "2026-12-31T16:00:00Z".parse().unwrap();
        assert_eq!(beijing(midnight), "2026-12-31 24:00");
    }

    #[test]
    fn messages_print_as_proto_json() {
        let c = consult_api::pb::Consultation {
            name: "consultations/X".into(),
            title: "关于促进民营经济发展的若干措施".into(),
            state: consult_api::pb::ConsultationState::Open as i32,
            feedback_version: 2,
            ..Default::default()
        };
        let v = to_json(&c).unwrap();
        assert_eq!(v["name"], "consultations/X");
        assert_eq!(v["title"], "关于促进民营经济发展的若干措施");
        assert_eq!(v["state"], "CONSULTATION_STATE_OPEN");
        assert_eq!(v["feedbackVersion"], 2);
        assert_eq!(v["basis"], "");
    }
}
