//! End-to-end tests against the `consultd` binary over real gRPC.
//! One binary; each test starts its own server and database (see `consult_e2e`).

#![allow(clippy::unwrap_used, missing_docs)]

mod answering;
mod audit;
mod bad_input;
mod batch;
mod comments;
mod ctl;
mod departments;
mod fuzz;
mod hostile;
mod lifecycle;
mod limits;
mod matrix;
mod pagination;
mod platform;
mod private_data;
mod tls;
mod tokens;
mod web;

use consult_api::pb;
use consult_e2e::{TestServer, authed, draft, token};

/// Creates a draft as the fgw officer and publishes it; returns the published consultation.
pub(crate) async fn published(server: &TestServer, title: &str) -> pb::Consultation {
    let mut api = server.consultations();
    let c = api
        .create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(draft(title)),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    api.publish_consultation(authed(
        token::OFFICER_FGW,
        pb::PublishConsultationRequest { name: c.name },
    ))
    .await
    .unwrap()
    .into_inner()
}
