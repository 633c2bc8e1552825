//! The feedback report as people read it: a printable HTML page and a CSV table, the same
//! bytes on the public pages and in the files officers export.

pub mod csv;

use std::collections::HashMap;

use chrono::Datelike;
use consult_domain::report::digest::{changes_by_clause, under_article, you_said_we_did};
use consult_domain::report::{Count, FeedbackReport, ReportAnswer, ReportComment, ReportVersion};
use consult_domain::window::{decided_title, local_date, official_date, show_official, show_short};
use maud::{DOCTYPE, Markup, PreEscaped, html};

pub use maud;

const STYLE: &str = r#"
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:60rem;margin:0 auto;padding:1rem 1.25rem;line-height:1.7;color:#1a1a1a;font-size:1rem}
body.large{font-size:1.3rem;line-height:1.8;max-width:66rem}
body.large td,body.large th{padding:.5rem .6rem}
header.site{border-bottom:3px solid #b3202a;margin-bottom:1rem}
header.site p{margin:.25rem 0}
header.site p a{color:#b3202a;text-decoration:none;font-weight:bold}
header.site nav a{display:inline-block;min-height:44px;line-height:44px;padding:0 .5rem;margin-left:-.5rem}
h1{font-size:1.6em;line-height:1.4}h2{font-size:1.25em;border-left:4px solid #b3202a;padding-left:.5rem;margin-top:2rem}h3{font-size:1.1em}
table{border-collapse:collapse;width:100%;margin:.75rem 0}caption{text-align:left;font-weight:bold;padding:.25rem 0}
th,td{border:1px solid #999;padding:.35rem .5rem;vertical-align:top;text-align:left}th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#444}.notice{background:#fff6e5;border:1px solid #e0b050;padding:.5rem .75rem}
tr.flagged td{background:#fff6e5}tr.total td{font-weight:bold}
.withdrawn{background:#fdecea;border:1px solid #c62828;padding:.5rem .75rem}
.received{background:#e8f5e9;border:1px solid #2e7d32;padding:.5rem .75rem}.received .code{font-size:1.4em;letter-spacing:.05em}
pre.text{white-space:pre-wrap;font-family:inherit;background:#fafafa;border:1px solid #ddd;padding:.75rem}
code.hash{word-break:break-all}
a{color:#0b57a4}
tr:target{background:#fff6e5;outline:2px solid #e0b050}
nav.pages a,p.downloads a,p.more a{display:inline-block;min-height:44px;line-height:44px;padding:0 .4rem}
section.digest{background:#f6f8fb;border:1px solid #c9d3e0;border-radius:6px;padding:.25rem 1rem .75rem;margin:1rem 0}
section.digest h2{margin-top:1rem}section.digest h3{margin:.75rem 0 .25rem}
section.digest ol{margin:.25rem 0;padding-left:1.5rem}
.count{color:#555;white-space:nowrap}
.representative{margin:.4em 0 0;padding-left:.6em;border-left:3px solid #ccc;color:#333}
.outcome{font-weight:bold}
ul.changes{padding-left:1.5rem}
form.comment{border:1px solid #c9d3e0;border-radius:6px;padding:.5rem 1rem;margin:1rem 0;background:#fbfcfe}
form.comment label{display:block;font-weight:bold;margin-bottom:.25rem}
form.comment p.check label{display:inline;font-weight:normal}
form.comment textarea,form.comment input[type=text],form.comment select{width:100%;box-sizing:border-box;font:inherit;min-height:44px;padding:.4rem;border:1px solid #777;border-radius:4px}
form.comment input[type=checkbox]{width:24px;height:24px;vertical-align:middle;margin:10px .5rem 10px 0}
form.comment fieldset{border:1px solid #ccc;border-radius:4px}
form.comment small{display:block;color:#444}
button{font:inherit;min-height:44px;min-width:44px;padding:.4rem 1.5rem;background:#b3202a;color:#fff;border:0;border-radius:4px;cursor:pointer}
input#code{font:inherit;min-height:44px;padding:0 .4rem;box-sizing:border-box}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
.req{color:#b3202a;font-weight:normal}
@media (max-width:600px){
body{padding:.5rem .75rem}
table.cards thead{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto}
table.cards tr{border:1px solid #bbb;border-radius:6px;margin:.75rem 0;padding:.4rem .6rem}
table.cards td{border:0;padding:.15rem 0;text-align:left}
table.cards td[data-label]::before{content:attr(data-label) "：";font-weight:bold;color:#555}
table.cards td:empty{display:none}
}
@media print{
@page{size:A4;margin:10mm}
body{max-width:none;padding:0;font-size:8pt;line-height:1.3}
header.site nav,.no-print,section.form{display:none}
a{color:inherit;text-decoration:none}th{background:none}h1{font-size:14pt}h2{font-size:11pt;break-after:avoid;margin-top:8pt}
th,td{padding:1pt 3pt}
tr{break-inside:avoid}
section.digest{border:0;padding:0;background:none}
table.answers,table.answers tbody{display:block}
table.answers thead{display:none}
table.answers tr{display:block;border-bottom:.5pt solid #999;padding:1pt 0}
table.answers td{display:inline;border:0;padding:0}
table.answers td.n{font-weight:bold}table.answers td.n::after{content:"."}
table.answers td.t,table.answers td.ch,table.answers td.who{color:#444}
table.answers td.t::after,table.answers td.ch::after{content:" ·"}
table.answers td.who::after{content:"："}
table.answers td.o::before{content:" 【"}table.answers td.o::after{content:"】"}
table.answers small{font-size:inherit}
}
"#;

/// Who runs the site, shown in every page's header and footer, as government websites must
/// (网站标识码 and the ICP and public-security filing numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// The government that runs it, e.g. `南昌市人民政府`; empty: not shown.
    pub government: String,
    /// 网站标识码 from the national government website registry.
    pub site_code: String,
    /// ICP filing number, e.g. `赣ICP备05004567号`.
    pub icp_record: String,
    /// Public-security filing number, e.g. `赣公网安备 36010202000123号`.
    pub police_record: String,
}

/// How this reader asked to see the pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reader {
    /// The elderly-friendly larger type (适老化), chosen by a link and kept in a cookie, so
    /// that it works without JavaScript.
    pub large_type: bool,
    /// The page's own address (path and query), for the link that switches the type size and
    /// comes back; empty: no such link (downloaded files).
    pub path: String,
}

/// Where the link that switches the type size goes, back to `path` afterwards.
pub fn type_size_link(path: &str, large: bool) -> String {
    let size = if large { "large" } else { "standard" };
    let mut back = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                back.push(char::from(b));
            }
            _ => back.push_str(&format!("%{b:02X}")),
        }
    }
    format!("/display?size={size}&back={back}")
}

/// A public page around `body`: the site header, the styles and the footer.
pub fn layout(title: &str, site: &Site, reader: &Reader, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title {
                    (title) " — "
                    @if !site.government.is_empty() { (site.government) " " }
                    "公开征求意见"
                }
                style { (PreEscaped(STYLE)) }
            }
            body class=[reader.large_type.then_some("large")] {
                header.site {
                    p { a href="/" {
                        @if !site.government.is_empty() { (site.government) " · " }
                        "公开征求意见"
                    } }
                    nav aria-label="网站导航" {
                        a href="/" { "全部事项" } " · " a href="/receipt" { "回执查询" }
                        @if !reader.path.is_empty() {
                            " · "
                            @if reader.large_type {
                                a href=(type_size_link(&reader.path, false)) { "标准字号" }
                            } @else {
                                a href=(type_size_link(&reader.path, true)) lang="zh-CN" { "大字版" }
                            }
                        }
                    }
                }
                main { (body) }
                footer.meta {
                    hr;
                    p { "时间均为北京时间。本页面不公开意见提出者的个人信息。" }
                    @if !site.government.is_empty() || !site.site_code.is_empty() {
                        p {
                            @if !site.government.is_empty() { "主办单位：" (site.government) }
                            @if !site.site_code.is_empty() { " · 网站标识码：" (site.site_code) }
                        }
                    }
                    @if !site.icp_record.is_empty() || !site.police_record.is_empty() {
                        p {
                            (site.icp_record)
                            @if !site.icp_record.is_empty() && !site.police_record.is_empty() { " · " }
                            (site.police_record)
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

fn count_table(caption: &str, head: &str, counts: &[Count]) -> Markup {
    let total: u64 = counts.iter().map(|c| c.count).sum();
    html! {
        table {
            caption { (caption) }
            thead { tr { th scope="col" { (head) } th scope="col" { "条数" } } }
            tbody {
                @for c in counts {
                    tr { td { (c.term.label) } td.n { (c.count) } }
                }
            }
            tfoot { tr { th scope="row" { "合计" } td.n { (total) } } }
        }
    }
}

fn answer_cells(a: Option<&ReportAnswer>) -> Markup {
    html! {
        @match a {
            Some(a) => {
                td.o data-label="采纳情况" { (a.outcome.label) }
                td.r data-label="说明" {
                    @if !a.adopted_content.is_empty() { "采纳内容：" (a.adopted_content) @if !a.reason.is_empty() { br; } }
                    @if !a.reason.is_empty() { "理由：" (a.reason) }
                }
            }
            None => { td.o data-label="采纳情况" { "尚未答复" } td.r {} }
        }
    }
}

/// One answer in a sentence: outcome, then what was adopted and why.
fn answer_text(a: Option<&ReportAnswer>, none: &str) -> Markup {
    html! {
        @match a {
            Some(a) => {
                strong { (a.outcome.label) }
                @if !a.adopted_content.is_empty() { "。采纳内容：" (a.adopted_content) }
                @if !a.reason.is_empty() { "。理由：" (a.reason) }
            }
            None => { (none) }
        }
    }
}

/// Where a corrected answer's subject is on the page.
fn subject_link(subject: &str) -> Markup {
    html! {
        @if let Some(id) = subject.strip_prefix("comments/") {
            a href={ "#c-" (id) } { "意见 " (id) }
        } @else {
            "集中意见 " (subject.strip_prefix("opinionGroups/").unwrap_or(subject))
        }
    }
}

fn version_path(id: &str, version: u32, ext: &str) -> String {
    format!("/consultations/{id}/feedback/v{version}.{ext}")
}

/// Which edition of a report is rendered, and its siblings.
#[derive(Debug, Clone, Copy)]
pub struct Edition<'a> {
    /// `{consultation}` id.
    pub consultation_id: &'a str,
    /// Version number; 0 for a preview, which is not public.
    pub version: u32,
    /// SHA-256 of the canonical JSON.
    pub sha256: &'a str,
    /// Every published version, oldest first.
    pub versions: &'a [ReportVersion],
    /// Who runs the site.
    pub site: &'a Site,
    /// The responsible department as the public reads it (the registry's full name).
    pub department: &'a str,
    /// How the reader asked to see it.
    pub reader: &'a Reader,
}

/// The feedback report as one printable page holding every published comment.
pub fn report_html(r: &FeedbackReport, edition: &Edition<'_>) -> String {
    let frame = report_frame(r, edition, &Answers::All);
    let mut page = frame.head;
    comment_rows(&mut page, 1, &r.comments, &RowContext::of(r));
    page.push_str(&frame.tail);
    page
}

/// Which of the per-comment answers a report page holds.
#[derive(Debug, Clone, Copy)]
pub enum Answers<'a> {
    /// All of them: the full document, downloadable and printable.
    All,
    /// One page of them on the public report page, with links to the others.
    Page {
        /// From 1.
        number: u64,
        /// How many pages there are.
        pages: u64,
        /// The page's address up to its query's last `&` (or `?`); `page=N` is added.
        path: &'a str,
    },
}

/// What the comment rows need of the report's summary: its concentrated opinions (a grouped
/// comment points to its group's answer instead of repeating it) and the year its window
/// opened (times in the rows leave it out).
#[derive(Debug, Clone, Default)]
pub struct RowContext {
    groups: HashMap<String, String>,
    year: i32,
}

impl RowContext {
    /// The context of report `r` (its summary suffices).
    pub fn of(r: &FeedbackReport) -> Self {
        Self {
            groups: r
                .opinion_groups
                .iter()
                .map(|g| (g.id.clone(), g.summary.clone()))
                .collect(),
            year: r
                .window
                .opens_at
                .map(|t| local_date(t).year())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn group(&self, id: &str) -> Option<&str> {
        self.groups.get(id).map(String::as_str)
    }
}

/// A report page in two pieces, the comment rows going between them, so that a page of any
/// length can be written as it is read.
#[derive(Debug, Clone)]
pub struct ReportFrame {
    /// Everything before the first comment row.
    pub head: String,
    /// Everything after the last.
    pub tail: String,
}

/// Items in each list of the "你们说 · 我们做" summary.
const DIGEST_ITEMS: usize = 5;

/// The concentrated opinions, most comments first.
fn said_groups(r: &FeedbackReport) -> Vec<&consult_domain::report::ReportOpinionGroup> {
    let mut groups: Vec<_> = r.opinion_groups.iter().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}

/// Where the comment rows go; the text is escaped everywhere else, so it cannot occur there.
const ROWS: &str = "<!--rows-->";

/// The report page around its comment rows, from the report's summary (its comment list is not
/// read: `totals.published` counts them).
pub fn report_frame(
    r: &FeedbackReport,
    edition: &Edition<'_>,
    answers: &Answers<'_>,
) -> ReportFrame {
    let id = edition.consultation_id;
    let v = edition.version;
    let versions = edition.versions;
    let w = &r.window;
    let said = you_said_we_did(r, DIGEST_ITEMS);
    let clauses = changes_by_clause(r);
    let page = layout(
        &format!("{}意见采纳情况反馈", decided_title(&r.consultation.title)),
        edition.site,
        edition.reader,
        html! {
            // The decision is made: the title no longer carries its （征求意见稿）.
            h1 { "关于《" (decided_title(&r.consultation.title)) "》公开征求意见采纳情况的反馈" }
            @if v == 0 {
                div.notice role="note" { strong { "预览稿：" } "本文件尚未公开，内容以正式公开的版本为准。" }
                p.meta { "承办部门：" (edition.department) }
            } @else {
                p.meta {
                    "第" (v) "版 · 公开时间："
                    (r.edition.published_at.map(show_official).unwrap_or_default())
                    " · 承办部门：" (edition.department)
                }
            }
            @if !r.edition.correction_reason.is_empty() {
                div.notice role="note" { strong { "更正说明：" } (r.edition.correction_reason) }
            }
            @if !r.answer_corrections.is_empty() {
                table.corrections.cards {
                    caption { "本版更正的答复（共 " (r.answer_corrections.len()) " 处，与上一版相比）" }
                    thead { tr { th scope="col" { "意见" } th scope="col" { "原答复" } th scope="col" { "更正后" } } }
                    tbody {
                        @for x in &r.answer_corrections {
                            tr {
                                td data-label="意见" { (subject_link(&x.subject)) }
                                td data-label="原答复" { (answer_text(x.before.as_ref(), "尚未答复")) }
                                td data-label="更正后" { (answer_text(x.after.as_ref(), "不再公开")) }
                            }
                        }
                    }
                }
            }
            @if v > 0 { p.no-print.downloads {
                "下载："
                a href=(version_path(id, v, "json")) { "JSON" } " · "
                a href=(version_path(id, v, "csv")) { "CSV（Excel 可直接打开）" } " · "
                @if matches!(answers, Answers::Page { .. }) {
                    a href=(version_path(id, v, "html")) { "完整版（HTML，可打印）" } " · "
                }
                a href={ "/consultations/" (id) } { "事项详情" }
            } }

            section.digest aria-labelledby="digest" {
                h2 #digest { "你们说 · 我们做" }
                p {
                    "共收到意见 " strong { (r.totals.received) } " 条"
                    @if said.adopted_comments > 0 { "，采纳或部分采纳 " strong { (said.adopted_comments) } " 条" }
                    @if said.not_adopted_comments > 0 { "，未采纳 " (said.not_adopted_comments) " 条" }
                    @if r.totals.unanswered > 0 { "，尚未答复 " (r.totals.unanswered) " 条" }
                    "。"
                }
                @if !said.most_asked.is_empty() {
                    h3 { "你们说：意见较为集中的是" }
                    ol {
                        @for g in &said.most_asked {
                            li { a href={ "#g-" (g.id) } { (g.summary) } " " span.count { "（" (g.count) " 条）" } }
                        }
                    }
                }
                h3 { "我们做：根据意见作出的修改" }
                @if said.changed.is_empty() {
                    p { "本次未根据意见修改草案。" }
                } @else {
                    ol {
                        @for (clause, d) in &said.changed {
                            li {
                                @if !clause.is_empty() { strong { (clause) } "：" }
                                (under_article(&d.adopted_content, clause)) " " span.count { "（" (d.comments) " 条意见）" }
                            }
                        }
                    }
                    @if said.changes_total > said.changed.len() {
                        p.more { a href="#changes" { "查看全部 " (said.changes_total) " 项修改" } }
                    }
                }
                @if !said.not_taken.is_empty() {
                    h3 { "未采纳的集中意见及理由" }
                    ol {
                        @for g in &said.not_taken {
                            li {
                                (g.summary) " " span.count { "（" (g.count) " 条）" }
                                @if let Some(a) = &g.answer {
                                    "：" span.outcome { (a.outcome.label) }
                                    @if !a.reason.is_empty() { "。" (a.reason) }
                                }
                            }
                        }
                    }
                }
                @if let Some(d) = &r.decision {
                    p {
                        "最终决策文件："
                        @if d.text_url.is_empty() {
                            "《" (d.title) "》"
                        } @else {
                            a href=(d.text_url) { "《" (d.title) "》" }
                        }
                        "（" (d.number) "，" (official_date(d.decided_on)) "）"
                    }
                }
            }

            h2 { "一、基本情况" }
            table {
                caption { "征求意见基本情况" }
                tbody {
                    tr { th scope="row" { "事项" } td { (r.consultation.title) } }
                    tr { th scope="row" { "事项类型" } td { (r.consultation.kind.label) } }
                    @if !r.consultation.catalogue_item.is_empty() {
                        tr { th scope="row" { "决策事项目录" } td { (r.consultation.catalogue_item) } }
                    }
                    tr { th scope="row" { "征求意见期" } td {
                        (w.opens_at.map(show_official).unwrap_or_default()) " 至 "
                        (w.closes_at.map(show_official).unwrap_or_default())
                    } }
                    tr { th scope="row" { "意见征集渠道" } td { (r.channels_offered.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join("、")) } }
                    @if let Some(d) = &r.decision {
                        tr { th scope="row" { "决策文件" } td {
                            @if d.text_url.is_empty() { (d.title) } @else { a href=(d.text_url) { (d.title) } }
                            "（" (d.number) "，" (official_date(d.decided_on)) "）"
                        } }
                    }
                }
            }
            @if w.shortened {
                div.notice role="note" { strong { "征求意见期限少于30日，理由：" } (w.shortened_reason) }
            }
            @if !w.extensions.is_empty() {
                table {
                    caption { "延期情况" }
                    thead { tr { th scope="col" { "原截止时间" } th scope="col" { "延期至" } th scope="col" { "理由" } } }
                    tbody {
                        @for e in &w.extensions {
                            tr { td { (show_official(e.previous_closes_at)) } td { (show_official(e.closes_at)) } td { (e.reason) } }
                        }
                    }
                }
            }

            h2 { "二、意见收集情况" }
            p {
                "共收到意见 " strong { (r.totals.received) } " 条，公开 " (r.totals.published) " 条"
                @if r.totals.hidden > 0 { "，依规不予公开 " (r.totals.hidden) " 条" }
                "。"
            }
            (count_table("按渠道统计", "渠道", &r.totals.by_channel))
            (count_table("按意见提出者类别统计", "类别", &r.totals.by_submitter_category))
            @if !r.meetings.is_empty() {
                table {
                    caption { "会议听取意见情况" }
                    thead { tr { th scope="col" { "会议形式" } th scope="col" { "意见条数" } th scope="col" { "参会人员类别" } } }
                    tbody {
                        @for m in &r.meetings {
                            tr {
                                td { (m.channel.label) }
                                td.n { (m.opinions) }
                                td { (m.attendee_categories.iter().map(|c| format!("{} {}条", c.term.label, c.count)).collect::<Vec<_>>().join("、")) }
                            }
                        }
                    }
                }
            }

            @if !r.hearings.is_empty() {
                table.hearings {
                    caption { "听证会" }
                    thead { tr { th scope="col" { "时间" } th scope="col" { "地点" } th scope="col" { "听证事项" } th scope="col" { "参加人类别" } th scope="col" { "听证意见" } th scope="col" { "笔录" } } }
                    tbody {
                        @for h in &r.hearings {
                            tr {
                                td { (show_official(h.held_at)) }
                                td { (h.place) }
                                td { (h.matters) }
                                td { (h.participant_categories.iter().map(|c| format!("{} {}人", c.term.label, c.count)).collect::<Vec<_>>().join("、")) }
                                td.n { (h.opinions) "条" }
                                td { @if h.record_confirmed { "经参加人确认" } @else { "未经全部参加人确认" } }
                            }
                        }
                    }
                }
            }

            @if !r.held_meetings.is_empty() {
                table.meetings {
                    caption { "座谈会、实地走访、专家论证及决策会议列席情况" }
                    thead { tr { th scope="col" { "形式" } th scope="col" { "时间" } th scope="col" { "会议" } th scope="col" { "参会人员类别" } th scope="col" { "意见及采纳情况" } } }
                    tbody {
                        @for m in &r.held_meetings {
                            tr {
                                td { (m.kind.label) }
                                td { (show_official(m.held_at)) }
                                td { (m.title) }
                                td {
                                    (m.attendee_categories.iter().map(|c| format!("{} {}人", c.term.label, c.count)).collect::<Vec<_>>().join("、"))
                                    @if !m.consented_names.is_empty() { br; "（" (m.consented_names.join("、")) "）" }
                                }
                                td {
                                    @if m.opinions_summary.is_empty() {
                                        "登记意见 " (m.opinions) " 条，逐条答复见意见列表"
                                    } @else {
                                        (m.opinions_summary) br; "采纳情况：" (m.handling)
                                    }
                                }
                            }
                        }
                    }
                }
            }

            h2 { "三、采纳情况" }
            (count_table("按采纳情况统计（公开的意见）", "采纳情况", &r.totals.by_outcome))
            @if !r.totals.hidden_by_reason.is_empty() {
                (count_table("不予公开的意见（按原因）", "原因", &r.totals.hidden_by_reason))
            }

            h2 { "四、较为集中的意见及处理情况" }
            @if r.opinion_groups.is_empty() {
                p { "无。" }
            } @else {
                table.groups.cards {
                    caption { "较为集中的意见（按意见条数排列）" }
                    thead { tr { th scope="col" { "意见概括" } th scope="col" { "条数" } th scope="col" { "采纳情况" } th scope="col" { "说明" } } }
                    tbody {
                        @for g in &said_groups(r) {
                            tr id={ "g-" (g.id) } {
                                td data-label="意见概括" {
                                    (g.summary)
                                    @if let Some(rep) = &g.representative {
                                        blockquote.representative {
                                            span.count { "代表性意见（" a href={ "#c-" (rep.comment) } { (rep.comment) } "）：" }
                                            (rep.text)
                                        }
                                    }
                                }
                                td.n data-label="条数" { (g.count) }
                                (answer_cells(g.answer.as_ref()))
                            }
                        }
                    }
                }
            }

            h2 #changes { "五、根据意见作出的修改" }
            @if clauses.is_empty() {
                p { "无。" }
            } @else {
                p.meta { "按条款归并，相同的修改只列一次，按提出意见的条数排列。" }
                @for c in &clauses {
                    h3 {
                        @if c.clause.is_empty() { "未指明条款" } @else { (c.clause) }
                        " " span.count { "（" (c.comments) " 条意见）" }
                    }
                    ul.changes {
                        @for d in &c.changes {
                            li {
                                span.outcome { "【" (d.outcome.label) "】" }
                                (under_article(&d.adopted_content, &c.clause))
                                @if d.comments > 1 { " " span.count { "（" (d.comments) " 条意见）" } }
                            }
                        }
                    }
                }
            }

            h2 { "六、逐条意见及答复" }
            table.answers.cards {
                caption { "公开的意见及答复（共 " (r.totals.published) " 条）" }
                thead { tr {
                    th scope="col" { "序号" } th scope="col" { "收到时间" } th scope="col" { "渠道" }
                    th scope="col" { "提出者" } th scope="col" { "意见内容" } th scope="col" { "采纳情况" } th scope="col" { "说明" }
                } }
                tbody { (PreEscaped(ROWS)) }
            }
            @if let Answers::Page { number, pages, path } = answers {
                @if *pages > 1 {
                    nav.pages.no-print aria-label="逐条意见分页" {
                        @if *number > 1 { a href={ (path) "page=" (number - 1) } rel="prev" { "上一页" } " · " }
                        "第 " (number) " / " (pages) " 页"
                        @if number < pages { " · " a href={ (path) "page=" (number + 1) } rel="next" { "下一页" } }
                    }
                }
            }

            h2 { "七、版本与校验" }
            p { "本版本内容（JSON 下载文件）的 SHA-256 校验值：" br; code.hash { (edition.sha256) } }
            table.cards {
                caption { "历次公开版本" }
                thead { tr { th scope="col" { "版本" } th scope="col" { "公开时间" } th scope="col" { "更正说明" } th scope="col" { "SHA-256" } } }
                tbody {
                    @for ver in versions {
                        tr {
                            td data-label="版本" { a href=(version_path(id, ver.version, "html")) { "第" (ver.version) "版" } }
                            td data-label="公开时间" { (show_official(ver.published_at)) }
                            td data-label="更正说明" { (ver.correction_reason) }
                            td data-label="SHA-256" { code.hash { (ver.sha256) } }
                        }
                    }
                }
            }
        },
    );
    let (head, tail) = page
        .split_once(ROWS)
        .unwrap_or_else(|| unreachable!("the frame holds the rows' place"));
    ReportFrame {
        head: head.to_owned(),
        tail: tail.to_owned(),
    }
}

/// Appends the rows of `comments`, numbered from `first_number`; each row is anchored
/// `#c-{comment}` so that a receipt can link to it. A comment answered with its concentrated
/// opinion points to that answer rather than repeating it, so that it is printed once.
pub fn comment_rows(
    out: &mut String,
    first_number: u64,
    comments: &[ReportComment],
    ctx: &RowContext,
) {
    for (n, c) in (first_number..).zip(comments) {
        let group = c
            .opinion_group
            .as_deref()
            .and_then(|g| ctx.group(g).map(|summary| (g, summary)));
        let row = html! {
            tr id={ "c-" (c.id) } {
                td.n data-label="序号" { (n) }
                td.t data-label="收到时间" { (show_short(c.received_at, ctx.year)) }
                td.ch data-label="渠道" { (c.channel.label) }
                td.who data-label="提出者" { (c.submitter_category.label) @if let Some(s) = &c.submitter { "：" (s) } }
                td.content data-label="意见内容" {
                    @if !c.clause_reference.is_empty() { "【" (c.clause_reference) "】" }
                    (c.content)
                }
                @match (group, c.answer.as_ref()) {
                    (Some((id, summary)), Some(a)) => {
                        td.o data-label="采纳情况" { (a.outcome.label) }
                        td.r data-label="说明" { "同集中意见：" a href={ "#g-" (id) } { (summary) } }
                    }
                    _ => { (answer_cells(c.answer.as_ref())) }
                }
            }
        };
        out.push_str(&row.into_string());
    }
}
