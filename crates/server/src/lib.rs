//! The gRPC face of consult: translates requests, checks identity, calls the domain, persists.
//! Handlers hold no rules; `error` maps every refusal to a status in one place.

mod access;
pub mod app;
mod assigning;
pub mod auth;
pub mod backup;
mod calendar;
pub mod clock;
mod convert;
pub mod error;
mod health;
pub mod limits;
mod metrics;
mod operations;
mod pagination;
mod relay;
mod report_files;
mod services;
pub mod settings;
pub mod traces;
mod transport;
mod web;

pub use app::{
    Application, StartupError, export_archive, load_private_data_keys, private_data_status,
    verify_audit_log,
};
pub use consult_domain::archive::verify as verify_archive;
pub use consult_store::{AuditVerification, KeyUsage, PrivateDataKeys};
pub use settings::Settings;
