//! The public pages served over HTTP beside gRPC: published consultations, their feedback
//! reports as HTML, JSON and CSV, and receipt lookup. Nothing unpublished is ever served here.

mod pages;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use consult_api::rules::{is_resource_id, receipt_code};
use consult_domain::ListScope;
use consult_domain::report::PublishedReport;
use consult_store::{CommentScope, ConsultationFilter, StoreError};
use serde::Deserialize;

use crate::services::Core;

/// Consultations per list page.
const LIST_PAGE: u64 = 50;

/// The router of the public pages.
pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/", get(list))
        .route("/healthz", get(|| async { "ok" }))
        .route("/receipt", get(receipt))
        .route("/consultations/{id}", get(consultation))
        .route("/consultations/{id}/feedback", get(latest_report))
        .route("/consultations/{id}/feedback/{file}", get(report_file))
        .with_state(core)
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
            PageError::Unavailable => {
                let status = StatusCode::SERVICE_UNAVAILABLE;
                let page = pages::error(
                    status.as_u16(),
                    "服务暂时不可用，请稍后刷新 (temporarily unavailable; reload shortly)",
                );
                return (status, [(header::RETRY_AFTER, "5")], Html(page)).into_response();
            }
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务暂时不可用，请稍后再试 (temporarily unavailable)".to_owned(),
            ),
        };
        (status, Html(pages::error(status.as_u16(), &message))).into_response()
    }
}

fn not_found() -> PageError {
    PageError::NotFound("未找到该页面，或该事项尚未公开 (not found or not published)".to_owned())
}

#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
}

async fn list(
    State(core): State<Arc<Core>>,
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
    Ok(Html(pages::list(&rows, now, next.as_deref())))
}

async fn consultation(
    State(core): State<Arc<Core>>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    if !is_resource_id(&id) {
        return Err(not_found());
    }
    let c = core.store.consultation(&id).await?;
    if !c.is_public() {
        return Err(not_found());
    }
    let versions = core.store.report_versions(&id).await?;
    Ok(Html(pages::consultation(
        &c,
        core.clock.now(),
        &core.calendar,
        &versions,
    )))
}

async fn latest_report(
    State(core): State<Arc<Core>>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve_report(&core, &id, None, Format::Html).await
}

#[derive(Clone, Copy)]
enum Format {
    Html,
    Json,
    Csv,
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

async fn report_file(
    State(core): State<Arc<Core>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (version, format) = parse_file(&file).ok_or_else(not_found)?;
    serve_report(&core, &id, version, format).await
}

async fn serve_report(
    core: &Core,
    id: &str,
    version: Option<u32>,
    format: Format,
) -> Result<Response, PageError> {
    if !is_resource_id(id) {
        return Err(not_found());
    }
    let published = match core.store.published_report(id, version).await {
        Ok(p) => p,
        Err(StoreError::Domain(consult_domain::DomainError::NotFound { .. })) => {
            return Err(not_found());
        }
        Err(e) => return Err(e.into()),
    };
    let sha = HeaderValue::from_str(&published.sha256).map_err(|_| PageError::Internal)?;
    let mut response = match format {
        // The stored canonical text, byte for byte: its SHA-256 is the published hash.
        Format::Json => (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            published.content.clone(),
        )
            .into_response(),
        Format::Csv => {
            let report = read(&published)?;
            let name = format!(
                "attachment; filename=\"feedback-{id}-v{}.csv\"",
                published.version
            );
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, name),
                ],
                consult_render::csv::report(&report),
            )
                .into_response()
        }
        Format::Html => {
            let report = read(&published)?;
            let versions = core.store.report_versions(id).await?;
            Html(consult_render::report_html(
                &report,
                &consult_render::Edition {
                    consultation_id: id,
                    version: published.version,
                    sha256: &published.sha256,
                    versions: &versions,
                },
            ))
            .into_response()
        }
    };
    response.headers_mut().insert("x-content-sha256", sha);
    Ok(response)
}

fn read(p: &PublishedReport) -> Result<consult_domain::report::FeedbackReport, PageError> {
    p.report().map_err(|e| {
        tracing::error!(error = %e, consultation = %p.consultation_id, version = p.version, "stored report unreadable");
        PageError::Internal
    })
}

#[derive(Deserialize)]
struct ReceiptQuery {
    code: Option<String>,
}

async fn receipt(
    State(core): State<Arc<Core>>,
    Query(q): Query<ReceiptQuery>,
) -> Result<Response, PageError> {
    let Some(raw) = q.code else {
        return Ok(Html(pages::receipt_form(None)).into_response());
    };
    let code = raw.trim().to_uppercase();
    if receipt_code(&code).is_err() {
        let page = pages::receipt_form(Some(
            "回执码格式不正确，应为 XXXX-XXXX-XXXX (a receipt code looks like YJ7K-2M9Q-XW4D)",
        ));
        return Ok((StatusCode::BAD_REQUEST, Html(page)).into_response());
    }
    let (found, consultation) = match core.store.comment_by_receipt(&code).await {
        Ok(x) => x,
        Err(StoreError::Domain(consult_domain::DomainError::NotFound { .. })) => {
            let page = pages::receipt_form(Some(
                "未找到该回执码对应的意见，请核对后重试 (no comment has this receipt code)",
            ));
            return Ok((StatusCode::NOT_FOUND, Html(page)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let a = core
        .store
        .answering(&consultation.id, &CommentScope::Ids(vec![found.id.clone()]))
        .await?;
    let comment = a.comments.first().unwrap_or(&found);
    let group = comment
        .group_id
        .as_deref()
        .and_then(|g| a.groups.iter().find(|x| x.id == g));
    // The answer is public once the feedback report is, and only for published comments.
    let answer = (consultation.feedback_version > 0 && comment.is_visible())
        .then(|| consult_domain::answering::effective_disposition(comment, group))
        .flatten();
    Ok(Html(pages::receipt(
        comment,
        &consultation,
        core.clock.now(),
        answer,
    ))
    .into_response())
}
