//! sea-orm entities: one module per table, plain rows with no behaviour.
//! Conversion to and from domain types lives beside the queries that need it.

pub(crate) mod answer_template;
pub(crate) mod answering_count;
pub(crate) mod audit_chain_head;
pub(crate) mod audit_event;
pub(crate) mod calendar_year;
pub(crate) mod calling_system;
pub(crate) mod catalogue;
pub(crate) mod comment;
pub(crate) mod comment_count;
pub(crate) mod consultation;
pub(crate) mod department;
pub(crate) mod disposition_revision;
pub(crate) mod event;
pub(crate) mod feedback_report;
pub(crate) mod feedback_report_part;
pub(crate) mod hearing;
pub(crate) mod meeting;
pub(crate) mod operation;
pub(crate) mod opinion_group;
pub(crate) mod representative;
pub(crate) mod suggestion;
