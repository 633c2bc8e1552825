//! HTML of the public pages: Chinese first, printable, readable without JavaScript, with real
//! headings and captioned tables. Every value is escaped by the template engine.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use consult_domain::accountability::{YearFigures, YearlyAccount};
use consult_domain::answering::Outcome;
use consult_domain::catalogue::{Catalogue, CatalogueItem};
use consult_domain::department::{ChannelGuide, Department};
use consult_domain::report::{ReportAnswer, ReportVersion};
use consult_domain::window::{local_date, official_date, show_official};
use consult_domain::{
    Calendar, Channel, Comment, Consultation, ConsultationState, SubmitterCategory,
};
use consult_render::{Reader, Site, layout};
use maud::{Markup, html};

use super::form::FormView;

/// An error page.
pub(super) fn error(site: &Site, reader: &Reader, status: u16, message: &str) -> String {
    layout(
        "出错了",
        site,
        reader,
        html! {
            h1 { "出错了（" (status) "）" }
            p { (message) }
            p { a href="/" { "返回事项列表" } }
        },
    )
}

fn window_text(c: &Consultation) -> String {
    match (c.opens_at, c.closes_at) {
        (Some(o), Some(e)) => format!("{} 至 {}", show_official(o), show_official(e)),
        _ => "未定".to_owned(),
    }
}

/// The list of published consultations.
pub(super) fn list(
    site: &Site,
    reader: &Reader,
    rows: &[Consultation],
    now: DateTime<Utc>,
    next: Option<&str>,
    departments: &HashMap<String, String>,
) -> String {
    // The registry's full name; the code while a department is not registered.
    let department = |code: &str| {
        departments
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    };
    layout(
        "公开征求意见事项",
        site,
        reader,
        html! {
            h1 { "公开征求意见事项" }
            @if rows.is_empty() {
                p { "暂无公开的征求意见事项。" }
            } @else {
                table {
                    caption { "已发布的征求意见事项（新发布的在前）" }
                    thead { tr { th scope="col" { "事项" } th scope="col" { "承办部门" } th scope="col" { "类型" } th scope="col" { "状态" } th scope="col" { "征求意见期" } } }
                    tbody {
                        @for c in rows {
                            tr {
                                td { a href={ "/consultations/" (c.id) } { (c.title) } }
                                td { (department(&c.department)) }
                                td { (c.kind.label()) }
                                td { (c.state(now).label()) }
                                td { (window_text(c)) }
                            }
                        }
                    }
                }
            }
            @if let Some(n) = next {
                p.no-print { a href={ "/?after=" (n) } { "下一页" } }
            }
            p.no-print {
                a href="/catalogues" { "重大行政决策事项目录" } "　"
                a href={ "/accountability/" (local_date(now).year()) } { "年度公众参与情况" }
            }
        },
    )
}

/// The comment form: plain HTML that posts without JavaScript. The private fields say that
/// they are not published; the honeypot is out of sight and out of the tab order.
fn comment_form(consultation_id: &str, f: &FormView) -> Markup {
    let v = &f.values;
    html! {
        form.comment method="post" action={ "/consultations/" (consultation_id) "/comments" } accept-charset="utf-8" {
            h3 #form-title { "在线提交意见" }
            @if !f.problems.is_empty() {
                div.notice role="alert" {
                    strong { "提交未成功，请修改后重新提交：" }
                    ul { @for p in &f.problems { li { (p) } } }
                }
            }
            input type="hidden" name="request_id" value=(v.request_id);
            p {
                label for="content" { "意见内容" span.req { "（必填）" } }
                textarea #content name="content" rows="8" maxlength="5000" required aria-describedby="content-hint" { (v.content) }
                small #content-hint { "请写明您的意见和理由，最多 5000 字。请勿在意见内容中填写身份证号、电话等个人信息。" }
            }
            p {
                label for="clause" { "涉及条款（选填）" }
                input #clause type="text" name="clause_reference" maxlength="200" placeholder="如：第五条" value=(v.clause_reference);
            }
            p {
                label for="category" { "您的身份" }
                select #category name="submitter_category" {
                    @for cat in SubmitterCategory::ALL {
                        option value=(cat.code()) selected[v.submitter_category == cat.code()] { (cat.label()) }
                    }
                }
            }
            fieldset {
                legend { "联系信息（选填，仅供工作人员核实和联系，不公开）" }
                p { label for="name" { "姓名" } input #name type="text" name="name" maxlength="200" autocomplete="name" value=(v.name); }
                p { label for="organization" { "单位" } input #organization type="text" name="organization" maxlength="200" autocomplete="organization" value=(v.organization); }
                p { label for="contact" { "联系电话或邮箱" } input #contact type="text" name="contact" maxlength="200" autocomplete="tel" value=(v.contact); }
                p.check {
                    input #consent type="checkbox" name="consent" value="yes" checked[v.consent.as_deref() == Some("yes")];
                    label for="consent" { "同意在反馈中公开我的姓名或单位名称（联系方式始终不公开）" }
                }
            }
            div.hp aria-hidden="true" {
                label for="website" { "请勿填写此项" }
                input #website type="text" name="website" tabindex="-1" autocomplete="off" value="";
            }
            p { button type="submit" { "提交意见" } }
            p.meta { "提交后将显示回执码，请妥善保存，用于查询办理情况和答复。" }
        }
    }
}

/// One consultation with its materials and window history; while it takes comments on the
/// site, the comment form.
#[allow(clippy::too_many_arguments)]
pub(super) fn consultation(
    site: &Site,
    reader: &Reader,
    c: &Consultation,
    now: DateTime<Utc>,
    calendar: &Calendar,
    versions: &[ReportVersion],
    received: u64,
    department: Option<&Department>,
    form: Option<&FormView>,
) -> String {
    let state = c.state(now);
    // The registry's full name; the code while the department is not registered.
    let department_name = department.map_or(c.department.as_str(), |d| d.name.as_str());
    let days_left = c.days_left(now);
    layout(
        &c.title,
        site,
        reader,
        html! {
            h1 { (c.title) }
            @if state == ConsultationState::Withdrawn {
                div.withdrawn role="note" {
                    strong { "本事项已撤回。" }
                    " 撤回理由：" (c.withdrawal_reason)
                    @if let Some(t) = c.withdrawn_at { "（" (show_official(t)) "）" }
                }
            }
            @if let (Some(days), Some(close)) = (days_left, c.closes_at) {
                section.take-part aria-labelledby="take-part" {
                    h2 #take-part { "参与方式" }
                    p.countdown {
                        "正在公开征求意见，距截止还有 " strong { (days) } " 天（截止时间："
                        (show_official(close)) "）。已收到意见 " strong { (received) } " 条。"
                    }
                    p { "您可以通过以下渠道提出意见：" }
                    ul.channels {
                        @for ch in &c.channels {
                            li { (channel_guide(*ch, department.and_then(|d| d.guide(*ch)), form.is_some())) }
                        }
                    }
                    p { "通过网站、政务新媒体或12345热线提交的，请保存回执码，可随时"
                        a href="/receipt" { "查询办理情况" } "。" }
                }
            } @else if received > 0 {
                p { "本事项共收到意见 " (received) " 条。" }
            }
            table {
                caption { "事项概况" }
                tbody {
                    tr { th scope="row" { "承办部门" } td { (department_name) } }
                    tr { th scope="row" { "事项类型" } td { (c.kind.label()) } }
                    tr { th scope="row" { "当前状态" } td { (state.label()) } }
                    tr { th scope="row" { "征求意见期" } td { (window_text(c)) } }
                    tr { th scope="row" { "意见征集渠道" } td { (c.channels.iter().map(|ch| ch.label()).collect::<Vec<_>>().join("、")) } }
                }
            }
            @if c.is_shortened(calendar) || !c.shortened_reason.is_empty() {
                div.notice role="note" {
                    strong { "征求意见期限少于30日的说明：" }
                    (c.shortened_reason)
                }
            }
            @if !c.extensions.is_empty() {
                table {
                    caption { "延期情况" }
                    thead { tr { th scope="col" { "原截止时间" } th scope="col" { "延期至" } th scope="col" { "延期理由" } } }
                    tbody {
                        @for e in &c.extensions {
                            tr { td { (show_official(e.previous_closes_at)) } td { (show_official(e.closes_at)) } td { (e.reason) } }
                        }
                    }
                }
            }
            @if let Some(d) = &c.decision {
                h2 { "决策文件" }
                p { (d.title) "（" (d.number) "，" (official_date(d.decided_on)) "）" }
            }
            @if !versions.is_empty() {
                h2 { "意见采纳情况反馈" }
                p { a href={ "/consultations/" (c.id) "/feedback" } { "查看意见采纳情况反馈" } }
            }
            h2 { "决策草案" }
            pre.text { (c.draft_text) }
            @if !c.basis.is_empty() {
                h2 { "决策依据" }
                pre.text { (c.basis) }
            }
            @if !c.explanation.is_empty() {
                h2 { "起草说明" }
                pre.text { (c.explanation) }
            }
            @if let Some(f) = form {
                section.no-print aria-labelledby="form-title" { (comment_form(&c.id, f)) }
            }
        },
    )
}

/// One channel of an open consultation: its name, and where and how to use it when the
/// department gives a guide for it; the portal points to the form on the page when there is one.
fn channel_guide(channel: Channel, guide: Option<&ChannelGuide>, has_form: bool) -> Markup {
    html! {
        strong { (channel.label()) }
        @if let Some(g) = guide {
            "："
            @if let Some(href) = g.href() {
                a href=(href) { (g.address) }
            } @else {
                (g.address)
            }
            @if !g.note.is_empty() { "（" (g.note) "）" }
        }
        @if channel == Channel::Letter {
            span.meta { " 信函以寄出邮戳日期为准。" }
        }
        @if channel == Channel::Portal && has_form {
            " " a.no-print href="#form-title" { "在本页在线提交意见" }
        }
    }
}

/// The receipt lookup form, with an optional message.
pub(super) fn receipt_form(site: &Site, reader: &Reader, message: Option<&str>) -> String {
    layout(
        "意见回执查询",
        site,
        reader,
        html! {
            h1 { "意见回执查询" }
            @if let Some(m) = message { p.notice role="alert" { (m) } }
            form method="get" action="/receipt" {
                p {
                    label for="code" { "回执码" }
                    " "
                    // Any form people type or read out is accepted (see ReceiptCode::parse), so
                    // the browser does not insist on the hyphens.
                    input id="code" name="code" type="text" inputmode="latin" autocomplete="off" autocapitalize="characters" placeholder="XXXX-XXXX-XXXX" required maxlength="40";
                    " "
                    button type="submit" { "查询" }
                }
            }
            p.meta { "提交意见时获得的回执码可用于查询意见的办理情况；反馈公开后可查看答复。" }
        },
    )
}

/// What a submitter sees of a comment by its receipt code.
pub(super) fn receipt(
    site: &Site,
    reader: &Reader,
    c: &Comment,
    consultation: &Consultation,
    now: DateTime<Utc>,
    answer: Option<&ReportAnswer>,
    just_received: bool,
) -> String {
    let state = consultation.state(now);
    layout(
        "意见回执查询",
        site,
        reader,
        html! {
            h1 { "意见回执查询" }
            @if just_received {
                div.received role="status" {
                    p { strong { "提交成功，您的意见已收到。" } }
                    p { "回执码：" strong.code { (c.receipt_code) } }
                    p { "请保存或抄下回执码，凭它可随时在本站查询办理情况；反馈公开后可查看答复。" }
                }
            }
            table {
                caption { "回执码 " (c.receipt_code) }
                tbody {
                    tr { th scope="row" { "事项" } td { a href={ "/consultations/" (consultation.id) } { (consultation.title) } } }
                    tr { th scope="row" { "事项状态" } td { (state.label()) } }
                    tr { th scope="row" { "收到时间" } td { (show_official(c.received_at)) } }
                    tr { th scope="row" { "渠道" } td { (c.body.channel.label()) } }
                    tr { th scope="row" { "意见内容" } td {
                        @if let Some(text) = c.public_content() { (text) } @else { "（该意见依规不予公开）" }
                    } }
                    tr { th scope="row" { "办理情况" } td {
                        @if !c.is_visible() {
                            "该意见依规不予公开。"
                        } @else if let Some(d) = answer {
                            // As the latest published version has it, already masked.
                            strong { (d.outcome.label) }
                            @if !d.adopted_content.is_empty() { br; "采纳内容：" (d.adopted_content) }
                            @if !d.reason.is_empty() { br; "理由：" (d.reason) }
                        } @else if consultation.feedback_version > 0 {
                            "已公开反馈。"
                        } @else {
                            "已收到，答复将随意见采纳情况反馈一并公开。"
                        }
                    } }
                }
            }
            @if consultation.feedback_version > 0 {
                p {
                    @if c.is_visible() {
                        a href={ "/consultations/" (consultation.id) "/feedback?comment=" (c.id) "#c-" (c.id) } { "在意见采纳情况反馈中查看本条意见" }
                        " · "
                    }
                    a href={ "/consultations/" (consultation.id) "/feedback" } { "查看意见采纳情况反馈" }
                }
            }
            p.no-print { a href="/receipt" { "查询其他回执码" } }
        },
    )
}

/// Adoption in per mille as a percentage with one decimal, or a dash.
fn adoption(f: &YearFigures) -> String {
    f.adoption_per_mille()
        .map(|p| format!("{}.{}%", p / 10, p % 10))
        .unwrap_or_else(|| "—".to_owned())
}

/// One row of the yearly account, as the page and the CSV show it.
fn account_cells(f: &YearFigures, name: &str) -> Vec<String> {
    let outcome = |o: Outcome| f.by_outcome.get(&o).copied().unwrap_or(0).to_string();
    vec![
        name.to_owned(),
        f.consultations.to_string(),
        f.comments_received.to_string(),
        outcome(Outcome::Adopted),
        outcome(Outcome::PartiallyAdopted),
        outcome(Outcome::NotAdopted),
        outcome(Outcome::OutOfScope),
        adoption(f),
        f.reports_on_time.to_string(),
        f.reports_late.to_string(),
        f.reports_overdue.to_string(),
        f.hearings_held.to_string(),
        f.attended_meetings.to_string(),
        if f.below_attendance() {
            "未达到"
        } else {
            "达到"
        }
        .to_owned(),
    ]
}

const ACCOUNT_HEADERS: [&str; 14] = [
    "单位",
    "公开征求意见事项",
    "收到意见",
    "采纳",
    "部分采纳",
    "未采纳",
    "不属于征求意见范围",
    "采纳率（含部分采纳）",
    "按时反馈",
    "逾期反馈",
    "逾期未反馈",
    "举行听证会",
    "决策会议邀请公众列席",
    "年内列席不少于1次",
];

/// The yearly account of public participation.
pub(super) fn accountability(
    site: &Site,
    reader: &Reader,
    account: &YearlyAccount,
    departments: &HashMap<String, String>,
) -> String {
    let name = |code: &str| {
        departments
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    };
    let flagged: Vec<&YearFigures> = account
        .departments
        .iter()
        .filter(|f| f.below_attendance())
        .collect();
    let title = format!("{}年度公众参与重大行政决策情况", account.year);
    layout(
        &title,
        site,
        reader,
        html! {
            h1 { (title) }
            p {
                "全年公开征求意见事项 " strong { (account.total.consultations) } " 件，收到意见 "
                strong { (account.total.comments_received) } " 条，采纳率 " (adoption(&account.total))
                "；按时反馈 " (account.total.reports_on_time) " 件，逾期反馈 " (account.total.reports_late)
                " 件，逾期未反馈 " (account.total.reports_overdue) " 件；举行听证会 " (account.total.hearings_held)
                " 次，决策会议邀请公众列席 " (account.total.attended_meetings) " 次。"
            }
            @if !flagged.is_empty() {
                p.notice {
                    "年内邀请公众代表列席决策会议少于1次的单位："
                    (flagged.iter().map(|f| name(&f.department)).collect::<Vec<_>>().join("、"))
                }
            }
            table.cards {
                caption { "按单位统计（事项按发布日期、会议按召开日期计入年度）" }
                thead { tr { @for h in ACCOUNT_HEADERS { th scope="col" { (h) } } } }
                tbody {
                    @for f in &account.departments {
                        tr.flagged[f.below_attendance()] {
                            @for (i, cell) in account_cells(f, &name(&f.department)).iter().enumerate() {
                                td data-label=(ACCOUNT_HEADERS[i]) { (cell) }
                            }
                        }
                    }
                    tr.total {
                        @for (i, cell) in account_cells(&account.total, "合计").iter().enumerate() {
                            td data-label=(ACCOUNT_HEADERS[i]) { (cell) }
                        }
                    }
                }
            }
            p.no-print {
                a href={ "/accountability/" (account.year) ".csv" } { "下载表格（CSV）" }
            }
        },
    )
}

/// The yearly account as CSV, one row per unit and the total.
pub(super) fn accountability_csv(
    account: &YearlyAccount,
    departments: &HashMap<String, String>,
) -> String {
    let mut out = String::from(consult_render::csv::BOM);
    consult_render::csv::row(&mut out, &ACCOUNT_HEADERS);
    for f in &account.departments {
        let name = departments
            .get(&f.department)
            .cloned()
            .unwrap_or_else(|| f.department.clone());
        let cells = account_cells(f, &name);
        consult_render::csv::row(
            &mut out,
            &cells.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
    let cells = account_cells(&account.total, "合计");
    consult_render::csv::row(
        &mut out,
        &cells.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    out
}

/// A catalogue item's planned month as officials write it: `2026年9月`.
fn planned(i: &CatalogueItem) -> String {
    format!("{}年{}月", i.planned.year, i.planned.month)
}

const CATALOGUE_HEADERS: [&str; 7] = [
    "序号",
    "决策事项",
    "承办部门",
    "决策时间",
    "是否听证",
    "状态",
    "征求意见",
];

fn catalogue_cells(n: usize, i: &CatalogueItem, department: &str) -> [String; 7] {
    [
        n.to_string(),
        i.title.clone(),
        department.to_owned(),
        planned(i),
        if i.hearing_required { "是" } else { "否" }.to_owned(),
        i.status.label().to_owned(),
        i.consultation_id.clone().unwrap_or_default(),
    ]
}

/// The published catalogues, by year.
pub(super) fn catalogues(site: &Site, reader: &Reader, list: &[Catalogue]) -> String {
    layout(
        "重大行政决策事项目录",
        site,
        reader,
        html! {
            h1 { "重大行政决策事项目录" }
            @if list.is_empty() {
                p { "暂无公布的决策事项目录。" }
            } @else {
                ul {
                    @for c in list {
                        li {
                            a href={ "/catalogues/" (c.id) } { (c.title) }
                            " （第" (c.version) "版，" (c.items.len()) "项）"
                        }
                    }
                }
            }
        },
    )
}

/// One published version of a catalogue, with its items, approval and other versions.
pub(super) fn catalogue(
    site: &Site,
    reader: &Reader,
    c: &Catalogue,
    versions: &[Catalogue],
    departments: &HashMap<String, String>,
) -> String {
    let department = |code: &str| {
        departments
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    };
    let version_path = format!("/catalogues/{}/versions/{}", c.id, c.version);
    layout(
        &c.title,
        site,
        reader,
        html! {
            h1 { (c.title) }
            p {
                (c.government) "，第" (c.version) "版（" (c.state.label()) "）"
                @if let Some(a) = &c.approval {
                    "，经 " (a.document_number) " 于" (official_date(a.approved_on)) "批准"
                }
                @if let Some(t) = c.published_at { "，" (show_official(t)) "公布" }
                "。"
            }
            @if !c.adjustment_reason.is_empty() {
                p { "调整理由：" (c.adjustment_reason) }
            }
            table.cards {
                caption { "决策事项（" (c.items.len()) "项）" }
                thead { tr { @for h in CATALOGUE_HEADERS { th scope="col" { (h) } } } }
                tbody {
                    @for (n, i) in c.items.iter().enumerate() {
                        tr {
                            @let cells = catalogue_cells(n + 1, i, &department(&i.department));
                            @for (k, cell) in cells.iter().enumerate() {
                                td data-label=(CATALOGUE_HEADERS[k]) {
                                    @if k == 6 && !cell.is_empty() {
                                        a href={ "/consultations/" (cell) } { "查看" }
                                    } @else { (cell) }
                                }
                            }
                        }
                    }
                }
            }
            p.no-print {
                "下载：" a href={ (version_path) ".json" } { "JSON" } "　" a href={ (version_path) ".csv" } { "CSV" }
            }
            @if versions.len() > 1 {
                h2 { "历次版本" }
                ul {
                    @for v in versions {
                        li {
                            a href={ "/catalogues/" (v.id) "/versions/" (v.version) } { "第" (v.version) "版" }
                            " " (v.state.label())
                            @if !v.adjustment_reason.is_empty() { "：" (v.adjustment_reason) }
                        }
                    }
                }
            }
        },
    )
}

/// A catalogue version as CSV, one row per item.
pub(super) fn catalogue_csv(c: &Catalogue, departments: &HashMap<String, String>) -> String {
    let mut out = String::from(consult_render::csv::BOM);
    consult_render::csv::row(&mut out, &CATALOGUE_HEADERS);
    for (n, i) in c.items.iter().enumerate() {
        let department = departments
            .get(&i.department)
            .cloned()
            .unwrap_or_else(|| i.department.clone());
        let cells = catalogue_cells(n + 1, i, &department);
        consult_render::csv::row(
            &mut out,
            &cells.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
    out
}

/// A catalogue version as JSON: what the page shows, for other systems.
pub(super) fn catalogue_json(c: &Catalogue) -> String {
    let items: Vec<serde_json::Value> = c
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id,
                "title": i.title,
                "department": i.department,
                "planned_month": format!("{:04}-{:02}", i.planned.year, i.planned.month),
                "hearing_required": i.hearing_required,
                "status": i.status.code(),
                "consultation": i.consultation_id.as_ref().map(|id| format!("consultations/{id}")),
            })
        })
        .collect();
    serde_json::json!({
        "name": c.name(),
        "government": c.government,
        "year": c.year,
        "title": c.title,
        "version": c.version,
        "state": c.state.code(),
        "approval": c.approval.as_ref().map(|a| serde_json::json!({
            "document_number": a.document_number,
            "approved_on": a.approved_on.format("%Y-%m-%d").to_string(),
        })),
        "adjustment_reason": c.adjustment_reason,
        "published_at": c.published_at.map(|t| t.to_rfc3339()),
        "items": items,
    })
    .to_string()
}
