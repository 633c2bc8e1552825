//! The comment form on an open consultation's page: a citizen takes part without any other
//! system. It works without JavaScript, submits through the comment writer exactly as a
//! calling system's `PORTAL` submission does (same checks, same idempotency by request id),
//! and answers with the receipt code. A hidden honeypot field and a limit per client address
//! keep scripts from flooding a consultation.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use consult_api::rules::is_resource_id;
use consult_domain::actor::Role;
use consult_domain::comment::{CommentFields, NewComment};
use consult_domain::{Actor, Channel, DomainError, SubmitterCategory};
use consult_render::Reader;
use consult_store::{StoreError, Submission};
use serde::Deserialize;

use super::{PageError, ReaderChoice, consultation_page, not_found};
use crate::limits::Limiter;
use crate::services::Core;
use crate::settings::SiteSettings;

/// The principal the form submits as: a calling system bound to the `PORTAL` channel, so that
/// audit and idempotency treat the site like any portal.
pub(crate) const FORM_PRINCIPAL: &str = "public-site-form";

/// The form's settings, read once at start-up.
#[derive(Debug)]
pub(crate) struct CommentFormSettings {
    /// Whether open consultations offering `PORTAL` show the form.
    pub(crate) enabled: bool,
    limiter: Limiter,
    client_address_header: Option<HeaderName>,
}

impl CommentFormSettings {
    pub(crate) fn from_settings(site: &SiteSettings) -> Result<Self, String> {
        let header = site.client_address_header.trim();
        let client_address_header = match header {
            "" => None,
            h => Some(HeaderName::try_from(h).map_err(|e| {
                format!("site.client_address_header {h:?} is not a header name: {e}")
            })?),
        };
        Ok(Self {
            enabled: site.comment_form,
            limiter: Limiter::new(site.form_rate_limit),
            client_address_header,
        })
    }

    /// The client's address: the last entry of the proxy's header when one is configured (the
    /// proxy appends the address it saw; earlier entries are the client's own claims), else the
    /// connection's peer.
    fn client(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        match &self.client_address_header {
            Some(h) => headers
                .get_all(h)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok()),
            None => peer.map(|p| p.ip()),
        }
    }
}

/// A fresh idempotency key for one rendering of the form: a double click, a reload after a
/// lost answer or the back button resend it, and get the same receipt.
pub(crate) fn new_request_id() -> String {
    format!("web-{:032x}", rand::random::<u128>())
}

/// The fields as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    pub(crate) request_id: String,
    #[serde(default)]
    pub(crate) content: String,
    #[serde(default)]
    pub(crate) clause_reference: String,
    #[serde(default)]
    pub(crate) submitter_category: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) organization: String,
    #[serde(default)]
    pub(crate) contact: String,
    /// `yes` when the box is ticked; absent otherwise.
    #[serde(default)]
    pub(crate) consent: Option<String>,
    /// The honeypot: hidden from people, filled in by scripts that fill every field.
    #[serde(default)]
    pub(crate) website: String,
}

/// The form as the page shows it: empty with a fresh key, or as sent with what was wrong.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormView {
    pub(crate) values: CommentForm,
    pub(crate) problems: Vec<String>,
}

impl FormView {
    /// An empty form with a new key.
    pub(crate) fn fresh() -> Self {
        Self {
            values: CommentForm {
                request_id: new_request_id(),
                submitter_category: SubmitterCategory::Citizen.code().to_owned(),
                ..CommentForm::default()
            },
            problems: Vec::new(),
        }
    }
}

/// The form's field labels, for problems named by the domain's field paths.
fn label(field: &str) -> &'static str {
    match field {
        "comment.content" => "意见内容",
        "comment.clause_reference" => "涉及条款",
        "comment.submitter.name" => "姓名",
        "comment.submitter.organization" => "单位",
        "comment.submitter.contact" => "联系方式",
        "comment.submitter_category" => "身份",
        _ => "提交",
    }
}

fn problems(e: &DomainError) -> Vec<String> {
    match e {
        DomainError::InvalidArgument(v) => v
            .iter()
            .map(|f| format!("{}：{}", label(&f.field), f.description))
            .collect(),
        DomainError::FailedPrecondition(v) => v.iter().map(|r| r.description.clone()).collect(),
        other => vec![other.to_string()],
    }
}

/// `POST /consultations/{id}/comments`.
pub(super) async fn submit(
    State(core): State<Arc<Core>>,
    ReaderChoice(reader): ReaderChoice,
    Path(id): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<CommentForm>,
) -> Result<Response, PageError> {
    if !core.form.enabled || !is_resource_id(&id) {
        return Err(not_found());
    }
    // The form's page is the consultation's; switching the type size goes back there.
    let reader = Reader {
        path: format!("/consultations/{id}"),
        ..reader
    };
    if !form.website.trim().is_empty() {
        tracing::info!(consultation = %id, "comment form: honeypot filled; refused");
        return Ok(refusal(
            &core,
            &reader,
            StatusCode::BAD_REQUEST,
            "提交未被受理：表单中有不应填写的内容。请刷新页面后重新填写 (the submission was refused)",
        ));
    }
    let Some(client) = core.form.client(&headers, peer.map(|p| (p.0).0)) else {
        return Ok(refusal(
            &core,
            &reader,
            StatusCode::BAD_REQUEST,
            "无法识别提交来源，请稍后重试 (the client address is unknown)",
        ));
    };
    if let Err(wait) = core.form.limiter.take(&client.to_string()) {
        let seconds = wait.as_secs().max(1);
        let mut response = refusal(
            &core,
            &reader,
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "提交过于频繁，请在 {seconds} 秒后重试；已填写的内容请先自行保存 (too many submissions from this address; retry in {seconds} s)"
            ),
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&seconds.to_string()).map_err(|_| PageError::Internal)?,
        );
        return Ok(response);
    }
    let mut view = FormView {
        values: form.clone(),
        problems: Vec::new(),
    };
    if consult_api::rules::request_id(&form.request_id).is_err() {
        // Not this page's form: give a fresh one, keeping what was typed.
        view.values.request_id = new_request_id();
        view.problems
            .push("表单已过期，请确认内容后重新提交 (the form expired; submit again)".to_owned());
        return again(&core, &reader, &id, view, StatusCode::BAD_REQUEST).await;
    }
    let category = match form.submitter_category.as_str() {
        "" => Some(SubmitterCategory::Citizen),
        code => SubmitterCategory::from_code(code),
    };
    let Some(category) = category else {
        view.problems
            .push("身份：请从列表中选择 (choose a category from the list)".to_owned());
        return again(&core, &reader, &id, view, StatusCode::BAD_REQUEST).await;
    };
    let parsed = NewComment::parse(
        Channel::Portal,
        category,
        CommentFields {
            submitter_name: &form.name,
            submitter_organization: &form.organization,
            submitter_contact: &form.contact,
            content: &form.content,
            clause_reference: &form.clause_reference,
        },
        None,
        form.consent.as_deref() == Some("yes"),
    );
    let comment = match parsed {
        Ok(c) => c,
        Err(e) => {
            view.problems = problems(&e);
            return again(&core, &reader, &id, view, StatusCode::BAD_REQUEST).await;
        }
    };
    let submitted = core
        .writer
        .submit(Submission {
            consultation_id: id.clone(),
            actor: Actor {
                id: FORM_PRINCIPAL.to_owned(),
                role: Role::CallingSystem {
                    channels: vec![Channel::Portal],
                },
            },
            request_id: form.request_id.clone(),
            comment,
            received_at: core.clock.now(),
        })
        .await;
    match submitted {
        Ok(saved) => {
            tracing::info!(consultation = %id, comment = %saved.id, "comment received through the site's form");
            let to = format!("/receipt?code={}&new=1", saved.receipt_code);
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Domain(DomainError::NotFound { .. })) => Err(not_found()),
        Err(StoreError::Domain(DomainError::AlreadyExists { .. })) => {
            // This form was sent before with other text (edited after the back button): the
            // first one stands; a new key lets the edited text go as a comment of its own.
            view.values.request_id = new_request_id();
            view.problems.push(
                "此表单此前已提交过另一份内容，已受理的意见不受影响；如需再提意见，请确认以下内容后重新提交 (this form was already submitted with other text)"
                    .to_owned(),
            );
            again(&core, &reader, &id, view, StatusCode::CONFLICT).await
        }
        // The window closed (or the site's channel is not offered) meanwhile: the page no
        // longer has a form, so the refusal is its own page.
        Err(StoreError::Domain(e @ DomainError::FailedPrecondition(_))) => Ok(refusal(
            &core,
            &reader,
            StatusCode::CONFLICT,
            &problems(&e).join("；"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The consultation's page again, with the form as sent and what to fix.
async fn again(
    core: &Core,
    reader: &Reader,
    id: &str,
    view: FormView,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (page, _) = consultation_page(core, reader, id, view).await?;
    Ok((status, Html(page)).into_response())
}

/// A refusal that keeps nothing, as a page.
fn refusal(core: &Core, reader: &Reader, status: StatusCode, message: &str) -> Response {
    (
        status,
        Html(super::pages::error(
            &core.site,
            reader,
            status.as_u16(),
            message,
        )),
    )
        .into_response()
}
