//! The public pages served over HTTP beside gRPC: published consultations, their feedback
//! reports as HTML, JSON and CSV, and receipt lookup. Nothing unpublished is ever served here.

mod form;
mod pages;

pub(crate) use form::CommentFormSettings;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use consult_api::rules::is_resource_id;
use consult_domain::ListScope;
use consult_domain::comment::ReceiptCode;
use consult_render::{Answers, Reader, RowContext};
use consult_store::{ConsultationFilter, StoreError, StoredEdition};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::report_files::{DOWNLOAD_BUFFER, Format, write_file};
use crate::services::Core;

/// How a page or a latest report may be cached (a CDN in front, the browser): a minute, so
/// that a publication or a correction shows everywhere within one while a national draft's
/// page read by millions is mostly served by the cache.
const SHARED_MINUTE: &str = "public, max-age=60";
/// A numbered version of a report's JSON or CSV never changes: its content is its hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// What is one person's (a receipt looked up) is kept by no cache.
const PRIVATE: &str = "private, no-store";
/// Probes, metrics, redirects, errors and answers to forms: never kept.
const NO_STORE: &str = "no-store";

/// Consultations per list page.
const LIST_PAGE: u64 = 50;
/// Comments per page of the public report page.
const ANSWERS_PAGE: u64 = 100;

/// The router of the public pages.
pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/", get(list))
        .route("/healthz", get(|| async { "ok" }))
        .route("/receipt", get(receipt))
        .route("/display", get(display))
        .route("/consultations/{id}", get(consultation))
        .route("/consultations/{id}/comments", post(form::submit))
        .route("/consultations/{id}/feedback", get(report_page))
        .route("/consultations/{id}/feedback/{file}", get(report_file))
        .route("/accountability/{year}", get(accountability))
        .route("/catalogues", get(catalogue_list))
        .route("/catalogues/{id}", get(catalogue_page))
        .route("/catalogues/{id}/versions/{file}", get(catalogue_version))
        .layer(axum::middleware::from_fn_with_state(
            core.clone(),
            render_error_pages,
        ))
        .with_state(core)
}

/// An error page still to be rendered: [`PageError`] cannot reach the site's identity, so
/// it leaves this on its response and [`render_error_pages`] writes the page.
#[derive(Clone)]
struct ErrorPage {
    status: u16,
    message: String,
}

async fn render_error_pages(
    State(core): State<Arc<Core>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let reader = reader_of(request.headers(), request.uri());
    let mut response = next.run(request).await;
    if let Some(e) = response.extensions_mut().remove::<ErrorPage>() {
        *response.body_mut() =
            axum::body::Body::from(pages::error(&core.site, &reader, e.status, &e.message));
    }
    response
}

/// The cookie that keeps the larger type (适老化) chosen.
const SIZE_COOKIE: &str = "consult_size";

/// How this reader sees the pages: the type size from its cookie, and the page's address.
fn reader_of(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> Reader {
    let large_type = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim() == format!("{SIZE_COOKIE}=large"));
    Reader {
        large_type,
        path: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned()),
    }
}

/// Says how a response may be cached, unless its handler did: the public pages and files for
/// a minute in any cache, varying with the type-size cookie for pages; a receipt lookup, probes,
/// metrics, errors, redirects and answers to forms in none. Pages are the same for everyone,
/// which is what makes them cacheable; the one that is not (a consultation's page carrying the
/// comment form, whose request id is the visitor's) says so itself.
pub(crate) async fn cache_policy(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let reads = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let shared = reads
        && response.status() == StatusCode::OK
        && !matches!(
            path.as_str(),
            "/receipt" | "/display" | "/healthz" | "/readyz" | "/metrics"
        );
    let policy = if shared {
        SHARED_MINUTE
    } else if path == "/receipt" {
        PRIVATE
    } else {
        NO_STORE
    };
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if shared && html {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    response
}

/// Whether `If-None-Match` names `etag` (weak comparison, as the header wants).
fn matches_etag(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// The reader's choice, as a handler argument.
struct ReaderChoice(Reader);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ReaderChoice {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(reader_of(&parts.headers, &parts.uri)))
    }
}

#[derive(Deserialize)]
struct DisplayQuery {
    size: Option<String>,
    back: Option<String>,
}

/// Switches the type size and goes back: a link and a cookie, so that it works without
/// JavaScript and stays chosen on every page.
async fn display(Query(q): Query<DisplayQuery>) -> Response {
    // Only a path on this site: never an address elsewhere (`//host`, `https:`).
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = match q.size.as_deref() {
        Some("large") => format!("{SIZE_COOKIE}=large; Path=/; Max-Age=31536000; SameSite=Lax"),
        _ => format!("{SIZE_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"),
    };
    let mut response = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// What went wrong, as a page a citizen can read.
enum PageError {
    NotFound(String),
    /// The database cannot answer now; the reader may reload shortly.
    Unavailable,
    Internal,
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(consult_domain::DomainError::NotFound { .. }) => {
                PageError::NotFound("未找到该页面 (not found)".to_owned())
            }
            other if other.is_transient() => {
                tracing::warn!(error = %other, "public page: storage unavailable");
                PageError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "public page failed");
                PageError::Internal
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "服务暂时不可用，请稍后刷新 (temporarily unavailable; reload shortly)".to_owned(),
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务暂时不可用，请稍后再试 (temporarily unavailable)".to_owned(),
            ),
        };
        let mut response = (status, Html(String::new())).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response.extensions_mut().insert(ErrorPage {
            status: status.as_u16(),
            message,
        });
        response
    }
}

fn not_found() -> PageError {
    PageError::NotFound("未找到该页面，或该事项尚未公开 (not found or not published)".to_owned())
}

/// The published catalogues.
async fn catalogue_list(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
) -> Result<Html<String>, PageError> {
    let list = core
        .store
        .list_catalogues(None, consult_store::CatalogueView::Published)
        .await?;
    Ok(Html(pages::catalogues(&core.site, &reader, &list)))
}

/// A catalogue's latest published version.
async fn catalogue_page(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if !is_resource_id(&id) {
        return Err(not_found());
    }
    let c = core
        .store
        .published_catalogue(&id)
        .await?
        .ok_or_else(not_found)?;
    catalogue_response(&core, &reader, c, Format::Html).await
}

/// One version of a catalogue (never a draft): `…/versions/2` as a page, `2.json`, `2.csv`.
async fn catalogue_version(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (version, format) = match file.split_once('.') {
        Some((v, "json")) => (v, Format::Json),
        Some((v, "csv")) => (v, Format::Csv),
        Some(_) => return Err(not_found()),
        None => (file.as_str(), Format::Html),
    };
    let version: u32 = version
        .parse()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(not_found)?;
    if !is_resource_id(&id) {
        return Err(not_found());
    }
    let c = core.store.catalogue(&id, Some(version)).await?;
    if c.state == consult_domain::catalogue::CatalogueState::Draft {
        return Err(not_found());
    }
    catalogue_response(&core, &reader, c, format).await
}

async fn catalogue_response(
    core: &Core,
    reader: &consult_render::Reader,
    c: consult_domain::catalogue::Catalogue,
    format: Format,
) -> Result<Response, PageError> {
    let departments = core.store.department_names().await?;
    let (body, content_type) = match format {
        Format::Html => {
            let versions: Vec<_> = core
                .store
                .catalogue_versions(&c.id)
                .await?
                .into_iter()
                .filter(|v| v.state != consult_domain::catalogue::CatalogueState::Draft)
                .collect();
            (
                pages::catalogue(&core.site, reader, &c, &versions, &departments),
                "text/html; charset=utf-8",
            )
        }
        Format::Json => (pages::catalogue_json(&c), "application/json; charset=utf-8"),
        Format::Csv => (
            pages::catalogue_csv(&c, &departments),
            "text/csv; charset=utf-8",
        ),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if format == Format::Csv
        && let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"catalogue-{}-v{}.csv\"",
            c.id, c.version
        ))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The yearly account of public participation: `/accountability/2026` as a page,
/// `/accountability/2026.csv` as a table to download.
async fn accountability(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Path(year): Path<String>,
) -> Result<Response, PageError> {
    let (digits, csv) = match year.strip_suffix(".csv") {
        Some(y) => (y, true),
        None => (year.as_str(), false),
    };
    let year: i32 = digits
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(not_found)?;
    let account = core.store.yearly_account(year, core.clock.now()).await?;
    let departments = core.store.department_names().await?;
    if csv {
        let mut response = pages::accountability_csv(&account, &departments).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"accountability-{year}.csv\""
        )) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
        return Ok(response);
    }
    Ok(Html(pages::accountability(
        &core.site,
        &reader,
        &account,
        &departments,
    ))
    .into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
}

async fn list(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let after = q.after.filter(|a| is_resource_id(a));
    let now = core.clock.now();
    let mut rows = core
        .store
        .list_consultations(
            &ListScope::Published,
            &ConsultationFilter::default(),
            after.as_deref(),
            LIST_PAGE + 1,
            now,
        )
        .await?;
    let more = rows.len() as u64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let next = more.then(|| rows.last().map(|c| c.id.clone())).flatten();
    let departments = core.store.department_names().await?;
    Ok(Html(pages::list(
        &core.site,
        &reader,
        &rows,
        now,
        next.as_deref(),
        &departments,
    )))
}

async fn consultation(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (page, with_form) = consultation_page(&core, &reader, &id, form::FormView::fresh()).await?;
    let mut response = Html(page).into_response();
    if with_form {
        // The form carries a request id of its own for each visitor (a form sent twice is
        // stored once): a page served from a shared cache would give many people one id.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE));
    }
    Ok(response)
}

/// A published consultation's page, and whether it carries the comment form: it does while the
/// consultation takes comments on the `PORTAL` channel, as `form` holds it.
async fn consultation_page(
    core: &Core,
    reader: &Reader,
    id: &str,
    form: form::FormView,
) -> Result<(String, bool), PageError> {
    if !is_resource_id(id) {
        return Err(not_found());
    }
    let c = core.store.consultation(id).await?;
    if !c.is_public() {
        return Err(not_found());
    }
    let versions = core.store.report_versions(id).await?;
    // Kept counts: one small query whatever the number of comments.
    let received = core.store.answering_tally(id).await?.received();
    let department = core.store.find_department(&c.department).await?;
    let now = core.clock.now();
    let takes_form = core.form.enabled && c.takes_comments_on(consult_domain::Channel::Portal, now);
    let page = pages::consultation(
        &core.site,
        reader,
        &c,
        now,
        &core.calendar(),
        &versions,
        received,
        department.as_ref(),
        takes_form.then_some(&form),
    );
    Ok((page, takes_form))
}

#[derive(Deserialize)]
struct ReportPageQuery {
    /// A published version; the latest by default.
    version: Option<u32>,
    /// From 1.
    page: Option<u64>,
    /// A comment whose row to show: redirects to its page, anchored.
    comment: Option<String>,
}

/// The public report page: the summary (totals, concentrated opinions, adopted changes) and one
/// page of the per-comment answers, each row anchored so that a receipt links to it.
async fn report_page(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Path(id): Path<String>,
    Query(q): Query<ReportPageQuery>,
) -> Result<Response, PageError> {
    if !is_resource_id(&id) || q.version == Some(0) {
        return Err(not_found());
    }
    let edition = locate(&core, &id, q.version).await?;
    let v = edition.version;
    if let Some(comment) = q.comment {
        if !is_resource_id(&comment) {
            return Err(not_found());
        }
        let position = core
            .store
            .report_comment_position(&edition, &comment)
            .await?
            .ok_or_else(|| {
                PageError::NotFound(
                    "该意见未在此版反馈中公开 (the comment is not published in this report)"
                        .to_owned(),
                )
            })?;
        let page = position / ANSWERS_PAGE + 1;
        let to = format!("/consultations/{id}/feedback?version={v}&page={page}#c-{comment}");
        return Ok(Redirect::to(&to).into_response());
    }
    let summary = core.store.report_summary(&edition).await?;
    let pages = summary.totals.published.div_ceil(ANSWERS_PAGE).max(1);
    let number = q.page.unwrap_or(1);
    if number == 0 || number > pages {
        return Err(not_found());
    }
    let first = (number - 1) * ANSWERS_PAGE;
    let comments = core
        .store
        .report_comments(&edition, first, ANSWERS_PAGE)
        .await?;
    let versions = core.store.report_versions(&id).await?;
    let department = core
        .store
        .department_display_name(&summary.consultation.department)
        .await?;
    let path = format!("/consultations/{id}/feedback?version={v}&");
    let frame = consult_render::report_frame(
        &summary,
        &consult_render::Edition {
            consultation_id: &id,
            version: v,
            sha256: &edition.sha256,
            versions: &versions,
            site: &core.site,
            department: &department,
            reader: &reader,
        },
        &Answers::Page {
            number,
            pages,
            path: &path,
        },
    );
    let mut page = frame.head;
    consult_render::comment_rows(&mut page, first + 1, &comments, &RowContext::of(&summary));
    page.push_str(&frame.tail);
    Ok(Html(page).into_response())
}

/// A published version of consultation `id`, or a page saying there is none.
async fn locate(core: &Core, id: &str, version: Option<u32>) -> Result<StoredEdition, PageError> {
    match core.store.report_edition(id, version).await {
        Ok(e) => Ok(e),
        Err(StoreError::Domain(consult_domain::DomainError::NotFound { .. })) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// `latest.json`, `v2.csv`, `v1.html`…
fn parse_file(file: &str) -> Option<(Option<u32>, Format)> {
    let (stem, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "html" => Format::Html,
        "json" => Format::Json,
        "csv" => Format::Csv,
        _ => return None,
    };
    let version = match stem {
        "latest" => None,
        v => Some(
            v.strip_prefix('v')?
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)?,
        ),
    };
    Some((version, format))
}

/// A whole report as a file: the canonical JSON (whose SHA-256 is the published hash), the CSV
/// table or the full printable page, streamed from storage as it is read.
async fn report_file(
    State(core): State<Arc<Core>>,
    Path((id, file)): Path<(String, String)>,
    request_headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let (version, format) = parse_file(&file).ok_or_else(not_found)?;
    if !is_resource_id(&id) {
        return Err(not_found());
    }
    let edition = locate(&core, &id, version).await?;
    let sha = HeaderValue::from_str(&edition.sha256).map_err(|_| PageError::Internal)?;
    // The JSON is the published text itself and the CSV is made from it alone, so their tags
    // follow the published hash; the page also lists the versions and the site, so it has none.
    let etag = match format {
        Format::Json => Some(format!("\"{}\"", edition.sha256)),
        Format::Csv => Some(format!("\"{}.csv\"", edition.sha256)),
        Format::Html => None,
    };
    let cache = match (version, format) {
        (Some(_), Format::Json | Format::Csv) => IMMUTABLE,
        _ => SHARED_MINUTE,
    };
    let etag = etag
        .map(|t| HeaderValue::from_str(&t).map_err(|_| PageError::Internal))
        .transpose()?;
    if let Some(tag) = &etag
        && matches_etag(&request_headers, tag.to_str().unwrap_or_default())
    {
        // The reader already holds this file: nothing is read from storage.
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ETAG, tag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        return Ok(response);
    }
    let (content_type, attachment) = match format {
        Format::Json => ("application/json; charset=utf-8", None),
        Format::Csv => (
            "text/csv; charset=utf-8",
            Some(format!(
                "attachment; filename=\"feedback-{id}-v{}.csv\"",
                edition.version
            )),
        ),
        Format::Html => ("text/html; charset=utf-8", None),
    };
    // The versions list is small; read it before the body starts.
    let versions = match format {
        Format::Html => core.store.report_versions(&id).await?,
        _ => Vec::new(),
    };
    let (tx, rx) = mpsc::channel(DOWNLOAD_BUFFER);
    tokio::spawn(async move {
        if let Err(e) = write_file(&core.store, &edition, format, &versions, &core.site, &tx).await
        {
            // The body is cut short, so the reader sees an incomplete transfer, never a
            // shorter file that looks whole.
            tracing::warn!(error = %e, consultation = %edition.consultation_id, version = edition.version, "report download interrupted");
            let _ = tx
                .send(Err(std::io::Error::other("report download interrupted")))
                .await;
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(rx)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(a) = attachment {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&a).map_err(|_| PageError::Internal)?,
        );
    }
    headers.insert("x-content-sha256", sha);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Some(tag) = etag {
        headers.insert(header::ETAG, tag);
    }
    Ok(response)
}

#[derive(Deserialize)]
struct ReceiptQuery {
    code: Option<String>,
    /// Set by the comment form's redirect: the comment was just received.
    new: Option<String>,
}

async fn receipt(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Query(q): Query<ReceiptQuery>,
) -> Result<Response, PageError> {
    let Some(raw) = q.code else {
        return Ok(Html(pages::receipt_form(&core.site, &reader, None)).into_response());
    };
    let Ok(code) = ReceiptCode::parse(&raw) else {
        let page = pages::receipt_form(&core.site, &reader, Some(ReceiptCode::MALFORMED));
        return Ok((StatusCode::BAD_REQUEST, Html(page)).into_response());
    };
    let (found, consultation) = match core.store.comment_by_receipt(code.as_str()).await {
        Ok(x) => x,
        Err(StoreError::Domain(consult_domain::DomainError::NotFound { .. })) => {
            let page = pages::receipt_form(
                &core.site,
                &reader,
                Some("未找到该回执码对应的意见，请核对后重试 (no comment has this receipt code)"),
            );
            return Ok((StatusCode::NOT_FOUND, Html(page)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    // The answer is public once the feedback report is, and only for published comments: as
    // the latest version published it, not as revised since for the next correction.
    let answer = match consultation.feedback_version > 0 && found.is_visible() {
        true => core
            .store
            .published_entry(&consultation.id, &found.id)
            .await?
            .and_then(|entry| entry.answer),
        false => None,
    };
    Ok(Html(pages::receipt(
        &core.site,
        &reader,
        &found,
        &consultation,
        core.clock.now(),
        answer.as_ref(),
        q.new.is_some(),
    ))
    .into_response())
}
