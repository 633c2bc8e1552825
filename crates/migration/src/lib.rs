//! Schema migrations of the consult database, for SQLite and PostgreSQL alike.
//! `consultd` runs them at start-up; each file is one step and is never edited once released.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261124_000002_answering;
mod m20261125_000003_audit_chain;
mod m20261126_000004_private_data;
mod m20261130_000005_audit_links;
mod m20261201_000007_answering_at_scale;
mod m20261202_000008_reports_and_operations;
mod m20261203_000009_answering_counts;
mod m20261204_000010_audit_chain_heads;
mod m20261205_000011_comment_redactions;
mod m20261206_000012_departments;
mod m20261207_000013_channel_guides;
mod m20261208_000014_clause_articles;
mod m20261208_000015_comment_search;
mod m20261209_000016_hidden_comments;
mod m20261210_000017_suggestions;
mod m20261211_000018_answer_templates;
mod m20261212_000019_contact_digests;
mod m20261213_000020_search_rowids;
mod m20261214_000021_pending_contact_digests;
mod m20261215_000022_suggestion_assigning;
mod m20261216_000023_catalogues;
mod m20261217_000024_hearings;
mod m20261218_000025_meetings;
mod m20261219_000026_calendar_years;
mod m20261220_000027_representatives;
mod m20261221_000028_calling_systems;
mod m20261222_000029_events;
mod m20261223_000030_event_relays;
mod m20261224_000031_comment_counts;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261124_000002_answering::Migration),
            Box::new(m20261125_000003_audit_chain::Migration),
            Box::new(m20261126_000004_private_data::Migration),
            Box::new(m20261130_000005_audit_links::Migration),
            Box::new(m20261201_000007_answering_at_scale::Migration),
            Box::new(m20261202_000008_reports_and_operations::Migration),
            Box::new(m20261203_000009_answering_counts::Migration),
            Box::new(m20261204_000010_audit_chain_heads::Migration),
            Box::new(m20261205_000011_comment_redactions::Migration),
            Box::new(m20261206_000012_departments::Migration),
            Box::new(m20261207_000013_channel_guides::Migration),
            Box::new(m20261208_000014_clause_articles::Migration),
            Box::new(m20261208_000015_comment_search::Migration),
            Box::new(m20261209_000016_hidden_comments::Migration),
            Box::new(m20261210_000017_suggestions::Migration),
            Box::new(m20261211_000018_answer_templates::Migration),
            Box::new(m20261212_000019_contact_digests::Migration),
            Box::new(m20261213_000020_search_rowids::Migration),
            Box::new(m20261214_000021_pending_contact_digests::Migration),
            Box::new(m20261215_000022_suggestion_assigning::Migration),
            Box::new(m20261216_000023_catalogues::Migration),
            Box::new(m20261217_000024_hearings::Migration),
            Box::new(m20261218_000025_meetings::Migration),
            Box::new(m20261219_000026_calendar_years::Migration),
            Box::new(m20261220_000027_representatives::Migration),
            Box::new(m20261221_000028_calling_systems::Migration),
            Box::new(m20261222_000029_events::Migration),
            Box::new(m20261223_000030_event_relays::Migration),
            Box::new(m20261224_000031_comment_counts::Migration),
        ]
    }
}
