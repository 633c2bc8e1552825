//! Feedback reports written as a stream: the summary comes from counts, the published comments
//! and adopted changes are read a page at a time in id order, masked, serialised and hashed one
//! by one, and stored as parts of the version (`feedback_report_parts`), so that neither the
//! comments nor the report is ever held whole. Reading a version assembles its parts in order.

use chrono::{DateTime, Utc};
use consult_domain::answering::OpinionGroup;
use consult_domain::answering::Outcome;
use consult_domain::events::{AuditPayload, ReportPublishedV1};
use consult_domain::report::{
    AnswerCorrection, CanonicalHasher, FeedbackReport, PartKind, PublishedReport, ReportComment,
    ReportEdition, ReportLayout, comment_adopted_change, comment_correction, entry_json,
    group_corrections, published_comment,
};
use consult_domain::{Calendar, Comment, Consultation, DomainError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use crate::answering::group_from_row;
use crate::audit::{self, AuditRecord};
use crate::comments::from_row as comment_from_row;
use crate::consultations::from_row as consultation_from_row;
use crate::counting::tally;
use crate::entity::{comment, feedback_report, feedback_report_part, opinion_group};
use crate::operations::{OperationOutcome, OperationRun};
use crate::private_data::PrivateDataKeys;
use crate::write::{RowLock, lock_consultations, update_consultation};
use crate::{Store, StoreError, corrupt};

/// Comments read per page while writing a report.
const COMMENT_PAGE: u64 = 1_000;
/// Parts inserted per statement.
const PART_ROWS: usize = 200;

/// Parts stored as rows of a published version.
struct StoredParts<'a> {
    txn: &'a DatabaseTransaction,
    consultation_id: String,
    version: i32,
    seq: i64,
    pending: Vec<feedback_report_part::ActiveModel>,
}

impl StoredParts<'_> {
    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        feedback_report_part::Entity::insert_many(std::mem::take(&mut self.pending))
            .exec_without_returning(self.txn)
            .await?;
        Ok(())
    }
}

/// Where the parts of a report go, each hashed on the way.
struct Sink<'a> {
    hasher: CanonicalHasher,
    comments: u64,
    to: Destination<'a>,
    /// The operation publishing, told of each page written.
    run: Option<&'a OperationRun>,
}

enum Destination<'a> {
    /// Rows of a published version.
    Stored(StoredParts<'a>),
    /// One text (a preview's FULL view), refused beyond `limit` bytes.
    Text { text: String, limit: usize },
    /// Nowhere: only the hash (a preview's BASIC view).
    HashOnly,
}

impl Sink<'_> {
    async fn push(
        &mut self,
        kind: PartKind,
        comment_id: Option<&str>,
        body: String,
    ) -> Result<(), StoreError> {
        let sep = self.hasher.push(kind, &body);
        if kind == PartKind::Comment {
            self.comments += 1;
        }
        match &mut self.to {
            Destination::Stored(parts) => {
                parts.seq += 1;
                parts.pending.push(feedback_report_part::ActiveModel {
                    consultation_id: Set(parts.consultation_id.clone()),
                    version: Set(parts.version),
                    seq: Set(parts.seq),
                    kind: Set(kind.code()),
                    comment_id: Set(comment_id.map(str::to_owned)),
                    body: Set(body),
                });
                if parts.pending.len() >= PART_ROWS {
                    parts.flush().await?;
                }
            }
            Destination::Text { text, limit } => {
                if text.len() + sep.len() + body.len() > *limit {
                    return Err(too_large(*limit));
                }
                text.push_str(sep);
                text.push_str(&body);
            }
            Destination::HashOnly => {}
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), StoreError> {
        match &mut self.to {
            Destination::Stored(parts) => parts.flush().await,
            _ => Ok(()),
        }
    }
}

fn too_large(limit: usize) -> StoreError {
    DomainError::precondition(
        "REPORT_TOO_LARGE",
        "view",
        format!(
            "报告全文超过{} MiB，无法放入一条消息；请使用 BASIC 视图并分页读取或下载全文 (the full report exceeds {} MiB: use the BASIC view, the paged entries or the download)",
            limit >> 20,
            limit >> 20
        ),
    )
    .into()
}

/// Every group of a consultation (officers form them one by one; they stay few).
async fn groups<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
) -> Result<Vec<OpinionGroup>, StoreError> {
    opinion_group::Entity::find()
        .filter(opinion_group::Column::ConsultationId.eq(consultation_id))
        .order_by_asc(opinion_group::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(group_from_row)
        .collect()
}

/// One page of a consultation's visible comments after `after`, in id order; with
/// `adopted_ungrouped`, only those whose own answer adopted something.
async fn visible_page(
    txn: &DatabaseTransaction,
    keys: &PrivateDataKeys,
    consultation_id: &str,
    adopted_ungrouped: bool,
    after: Option<&str>,
) -> Result<Vec<Comment>, StoreError> {
    let mut q = comment::Entity::find()
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .filter(comment::Column::HideReason.is_null());
    if adopted_ungrouped {
        q = q.filter(comment::Column::GroupId.is_null()).filter(
            comment::Column::Outcome
                .is_in(Outcome::ALL.iter().filter(|o| o.adopts()).map(|o| o.code())),
        );
    }
    if let Some(a) = after {
        q = q.filter(comment::Column::Id.gt(a));
    }
    q.order_by_asc(comment::Column::Id)
        .limit(COMMENT_PAGE)
        .all(txn)
        .await?
        .into_iter()
        .map(|row| comment_from_row(row, keys))
        .collect()
}

/// Writes the whole report of `consultation` into `sink`, part by part, from one transaction,
/// and returns its summary (the report without its per-comment lists).
async fn write_report(
    txn: &DatabaseTransaction,
    keys: &PrivateDataKeys,
    consultation: &Consultation,
    calendar: &Calendar,
    edition: ReportEdition,
    sink: &mut Sink<'_>,
) -> Result<FeedbackReport, StoreError> {
    let cid = consultation.id.as_str();
    let counts = tally(txn, cid).await?;
    let groups = groups(txn, cid).await?;
    let representatives = crate::suggestions::group_representatives(txn, keys, cid).await?;
    let by_group: std::collections::BTreeMap<&str, &Comment> = representatives
        .iter()
        .filter_map(|c| c.group_id.as_deref().map(|g| (g, c)))
        .collect();
    let hearings = crate::hearings::hearings_of(txn, cid, keys).await?;
    let opinions = crate::hearings::opinions_by_meeting(txn, cid).await?;
    let summary = FeedbackReport::summary(consultation, &counts, &groups, calendar, edition)
        .represented_by(&by_group)
        .with_hearings(&hearings, &opinions)
        .with_meetings(&crate::meetings::meetings_of(txn, cid).await?, &opinions);
    if let Some(run) = sink.run {
        run.set_total(summary.totals.published);
    }
    let ReportLayout {
        head,
        between,
        before_corrections,
        tail,
        group_changes,
    } = summary.clone().layout();
    let group_of = |c: &Comment| {
        c.group_id
            .as_deref()
            .and_then(|g| groups.iter().find(|x| x.id == g))
    };
    sink.push(PartKind::Frame, None, head).await?;
    // Every published comment, then the changes single comments' answers made.
    for adopted_ungrouped in [false, true] {
        let mut after: Option<String> = None;
        loop {
            let page = visible_page(txn, keys, cid, adopted_ungrouped, after.as_deref()).await?;
            let full = page.len() as u64 == COMMENT_PAGE;
            for c in &page {
                if adopted_ungrouped {
                    if let Some(change) = comment_adopted_change(c, None) {
                        sink.push(PartKind::AdoptedChange, None, entry_json(&change))
                            .await?;
                    }
                } else {
                    let entry = entry_json(&published_comment(c, group_of(c)));
                    sink.push(PartKind::Comment, Some(&c.id), entry).await?;
                }
            }
            // Progress counts the published comments written; the pass over adopted ones
            // still looks at cancellation.
            if let (Some(run), Destination::Stored(parts)) = (sink.run, &sink.to) {
                let written = if adopted_ungrouped {
                    0
                } else {
                    page.len() as u64
                };
                run.advance(parts.txn, written).await?;
            }
            after = page.last().map(|c| c.id.clone());
            if !full {
                break;
            }
        }
        if !adopted_ungrouped {
            sink.push(PartKind::Frame, None, between.clone()).await?;
        }
    }
    for change in group_changes {
        sink.push(PartKind::AdoptedChange, None, entry_json(&change))
            .await?;
    }
    sink.push(PartKind::Frame, None, before_corrections).await?;
    // A correction (or the preview of one) lists the answers changed since the version before.
    let corrected = match summary.edition.version {
        0 => consultation.feedback_version,
        v => v - 1,
    };
    let mut summary = summary;
    if corrected > 0 {
        summary.answer_corrections =
            write_corrections(txn, keys, &summary, &groups, corrected, sink).await?;
    }
    sink.push(PartKind::Frame, None, tail).await?;
    sink.finish().await?;
    Ok(summary)
}

/// Writes (and returns) the corrected answers between version `corrected` and the report
/// being written:
/// the concentrated opinions' first, then the comments', found by walking the earlier version's
/// published comments and the comments now published side by side in id order, a page of each
/// at a time.
async fn write_corrections(
    txn: &DatabaseTransaction,
    keys: &PrivateDataKeys,
    summary: &FeedbackReport,
    groups: &[OpinionGroup],
    corrected: u32,
    sink: &mut Sink<'_>,
) -> Result<Vec<AnswerCorrection>, StoreError> {
    // Part of the summary too, as every list but the comments is (read back from a published
    // version's parts the same way).
    let mut written = Vec::new();
    let cid = summary
        .consultation
        .name
        .trim_start_matches("consultations/")
        .to_owned();
    let edition = edition_in(txn, &cid, Some(corrected)).await?;
    let mut text = String::new();
    let mut cursor = TextCursor::new(Parts::Summary);
    while let Some(chunk) = next_text_in(txn, &edition, &mut cursor).await? {
        text.push_str(&chunk);
    }
    let before: FeedbackReport = serde_json::from_str(&text).map_err(corrupt)?;
    for correction in group_corrections(&before.opinion_groups, &summary.opinion_groups) {
        sink.push(PartKind::AnswerCorrection, None, entry_json(&correction))
            .await?;
        written.push(correction);
    }
    let group_of = |c: &Comment| {
        c.group_id
            .as_deref()
            .and_then(|g| groups.iter().find(|x| x.id == g))
    };
    let mut earlier = EarlierComments::new(edition);
    let mut after: Option<String> = None;
    loop {
        let page = visible_page(txn, keys, &cid, false, after.as_deref()).await?;
        let full = page.len() as u64 == COMMENT_PAGE;
        for c in &page {
            let now = published_comment(c, group_of(c));
            // Published then, not now: hidden since.
            while let Some(gone) = earlier.next_before(txn, &c.id).await? {
                if let Some(x) = comment_correction(&gone, None) {
                    sink.push(PartKind::AnswerCorrection, None, entry_json(&x))
                        .await?;
                    written.push(x);
                }
            }
            if let Some(then) = earlier.take(txn, &c.id).await?
                && let Some(x) = comment_correction(&then, Some(&now))
            {
                sink.push(PartKind::AnswerCorrection, None, entry_json(&x))
                    .await?;
                written.push(x);
            }
        }
        after = page.last().map(|c| c.id.clone());
        if !full {
            break;
        }
    }
    while let Some(gone) = earlier.next(txn).await? {
        if let Some(x) = comment_correction(&gone, None) {
            sink.push(PartKind::AnswerCorrection, None, entry_json(&x))
                .await?;
            written.push(x);
        }
    }
    Ok(written)
}

/// The published comments of an earlier version, read a page at a time in report (id) order.
struct EarlierComments {
    edition: StoredEdition,
    after_seq: i64,
    page: std::collections::VecDeque<ReportComment>,
    done: bool,
}

impl EarlierComments {
    fn new(edition: StoredEdition) -> Self {
        Self {
            edition,
            after_seq: 0,
            page: std::collections::VecDeque::new(),
            done: false,
        }
    }

    /// The next comment, loading a page when the last is used up.
    async fn peek(
        &mut self,
        txn: &DatabaseTransaction,
    ) -> Result<Option<&ReportComment>, StoreError> {
        if self.page.is_empty() && !self.done {
            self.load(txn).await?;
        }
        Ok(self.page.front())
    }

    /// The next comment.
    async fn next(
        &mut self,
        txn: &DatabaseTransaction,
    ) -> Result<Option<ReportComment>, StoreError> {
        self.peek(txn).await?;
        Ok(self.page.pop_front())
    }

    /// The next comment if it comes before `id`.
    async fn next_before(
        &mut self,
        txn: &DatabaseTransaction,
        id: &str,
    ) -> Result<Option<ReportComment>, StoreError> {
        match self.peek(txn).await? {
            Some(c) if c.id.as_str() < id => Ok(self.page.pop_front()),
            _ => Ok(None),
        }
    }

    /// The next comment if it is `id`.
    async fn take(
        &mut self,
        txn: &DatabaseTransaction,
        id: &str,
    ) -> Result<Option<ReportComment>, StoreError> {
        match self.peek(txn).await? {
            Some(c) if c.id == id => Ok(self.page.pop_front()),
            _ => Ok(None),
        }
    }

    async fn load(&mut self, txn: &DatabaseTransaction) -> Result<(), StoreError> {
        if let Some(whole) = &self.edition.whole {
            // Versions published before parts existed are small: read at once.
            let report: FeedbackReport = serde_json::from_str(whole).map_err(corrupt)?;
            self.page.extend(report.comments);
            self.done = true;
            return Ok(());
        }
        let rows: Vec<(i64, String)> = feedback_report_part::Entity::find()
            .select_only()
            .column(feedback_report_part::Column::Seq)
            .column(feedback_report_part::Column::Body)
            .filter(feedback_report_part::Column::ConsultationId.eq(&self.edition.consultation_id))
            .filter(feedback_report_part::Column::Version.eq(self.edition.version_code()?))
            .filter(feedback_report_part::Column::Kind.eq(PartKind::Comment.code()))
            .filter(feedback_report_part::Column::Seq.gt(self.after_seq))
            .order_by_asc(feedback_report_part::Column::Seq)
            .limit(COMMENT_PAGE)
            .into_tuple()
            .all(txn)
            .await?;
        self.done = (rows.len() as u64) < COMMENT_PAGE;
        for (seq, body) in rows {
            self.page
                .push_back(serde_json::from_str(&body).map_err(corrupt)?);
            self.after_seq = seq;
        }
        Ok(())
    }
}

/// What publishing a version wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedVersion {
    /// Version number.
    pub version: u32,
    /// SHA-256 of its canonical JSON.
    pub sha256: String,
    /// Bytes of its canonical JSON.
    pub bytes: u64,
    /// Published comments in it.
    pub comments: u64,
}

impl Store {
    /// Publishes a version of consultation `consultation_id`'s report: `change` moves the
    /// consultation (publication or correction) and returns the correction's reason; the
    /// report is then written from the state after it, with one audit event, atomically.
    #[allow(clippy::too_many_arguments)]
    pub async fn publish_report<F>(
        &self,
        consultation_id: &str,
        actor: &str,
        action: &'static str,
        subject: String,
        now: DateTime<Utc>,
        calendar: &Calendar,
        run: Option<&OperationRun>,
        change: F,
    ) -> Result<PublishedVersion, StoreError>
    where
        F: FnOnce(&mut Consultation) -> Result<String, DomainError>,
    {
        let txn = self.begin_write().await?;
        let row = lock_consultations(&txn, [consultation_id], RowLock::Update)
            .await?
            .pop()
            .ok_or_else(|| DomainError::not_found(format!("consultations/{consultation_id}")))?;
        let before = consultation_from_row(row)?;
        let mut after = before.clone();
        let correction_reason = change(&mut after)?;
        update_consultation(&txn, &before, &after).await?;
        let version = i32::try_from(after.feedback_version).map_err(corrupt)?;
        let mut sink = Sink {
            hasher: CanonicalHasher::default(),
            comments: 0,
            to: Destination::Stored(StoredParts {
                txn: &txn,
                consultation_id: consultation_id.to_owned(),
                version,
                seq: 0,
                pending: Vec::with_capacity(PART_ROWS),
            }),
            run,
        };
        let edition = ReportEdition {
            version: after.feedback_version,
            published_at: Some(now),
            correction_reason: correction_reason.clone(),
        };
        write_report(&txn, &self.keys, &after, calendar, edition, &mut sink).await?;
        let (bytes, comments) = (sink.hasher.bytes(), sink.comments);
        let sha256 = sink.hasher.finish();
        // An empty `content` says the text is in the parts (a canonical JSON is never empty).
        feedback_report::Entity::insert(feedback_report::ActiveModel {
            consultation_id: Set(consultation_id.to_owned()),
            version: Set(version),
            content: Set(String::new()),
            sha256: Set(sha256.clone()),
            published_by: Set(actor.to_owned()),
            published_at: Set(now),
            correction_reason: Set(correction_reason.clone()),
        })
        .exec_without_returning(&*txn)
        .await?;
        let event = AuditPayload::ReportPublished(ReportPublishedV1 {
            previous_state: before.stored_state.code().to_owned(),
            version: after.feedback_version,
            sha256: sha256.clone(),
            bytes,
            comments,
            correction_reason: correction_reason.clone(),
            decision: after.decision.clone(),
        });
        audit::append(
            &*txn,
            AuditRecord {
                consultation_id: Some(consultation_id.to_owned()),
                actor: actor.to_owned(),
                action,
                subject,
                before: None,
                after: audit::to_json(&event),
                occurred_at: now,
            },
        )
        .await?;
        if let Some(run) = run {
            let outcome = OperationOutcome::Published {
                version: after.feedback_version,
            };
            run.finish_in(&txn, &outcome, now).await?;
        }
        txn.commit().await?;
        Ok(PublishedVersion {
            version: after.feedback_version,
            sha256,
            bytes,
            comments,
        })
    }

    /// The report as it would be published now (version 0), from one consistent snapshot: its
    /// summary, its text (with `keep`, refused beyond `limit` bytes; else empty) and its hash.
    pub async fn preview_report(
        &self,
        consultation: &Consultation,
        calendar: &Calendar,
        keep: bool,
        limit: usize,
    ) -> Result<(FeedbackReport, String, String), StoreError> {
        let txn = self.db.begin().await?;
        let mut sink = Sink {
            hasher: CanonicalHasher::default(),
            comments: 0,
            to: match keep {
                true => Destination::Text {
                    text: String::new(),
                    limit,
                },
                false => Destination::HashOnly,
            },
            run: None,
        };
        let edition = ReportEdition {
            version: 0,
            published_at: None,
            correction_reason: String::new(),
        };
        let summary =
            write_report(&txn, &self.keys, consultation, calendar, edition, &mut sink).await?;
        txn.commit().await?;
        let text = match sink.to {
            Destination::Text { text, .. } => text,
            _ => String::new(),
        };
        Ok((summary, text, sink.hasher.finish()))
    }

    /// A published version (`None`: the latest) with its whole canonical JSON, or `NOT_FOUND`.
    pub async fn published_report(
        &self,
        consultation_id: &str,
        version: Option<u32>,
    ) -> Result<PublishedReport, StoreError> {
        self.published_report_within(consultation_id, version, usize::MAX)
            .await
    }

    /// [`Store::published_report`], refused with `REPORT_TOO_LARGE` beyond `limit` bytes.
    pub async fn published_report_within(
        &self,
        consultation_id: &str,
        version: Option<u32>,
        limit: usize,
    ) -> Result<PublishedReport, StoreError> {
        self.read_published(consultation_id, version, Parts::All, limit)
            .await
    }

    /// A published version whose `content` is its summary: the canonical JSON without the
    /// published comments (the list is empty), whatever their number.
    pub async fn published_summary(
        &self,
        consultation_id: &str,
        version: Option<u32>,
    ) -> Result<PublishedReport, StoreError> {
        self.read_published(consultation_id, version, Parts::Summary, usize::MAX)
            .await
    }

    async fn read_published(
        &self,
        consultation_id: &str,
        version: Option<u32>,
        parts: Parts,
        limit: usize,
    ) -> Result<PublishedReport, StoreError> {
        let edition = self.report_edition(consultation_id, version).await?;
        let mut content = String::new();
        let mut cursor = TextCursor::new(parts);
        while let Some(chunk) = self.next_report_text(&edition, &mut cursor).await? {
            if content.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            content.push_str(&chunk);
        }
        Ok(PublishedReport {
            version: edition.version,
            consultation_id: edition.consultation_id,
            content,
            sha256: edition.sha256,
            published_by: edition.published_by,
            published_at: edition.published_at,
            correction_reason: edition.correction_reason,
        })
    }

    /// A published version (`None`: the latest), located for reading, or `NOT_FOUND`.
    pub async fn report_edition(
        &self,
        consultation_id: &str,
        version: Option<u32>,
    ) -> Result<StoredEdition, StoreError> {
        edition_in(&self.db, consultation_id, version).await
    }

    /// The next piece of a version's canonical JSON (or of its summary), a page of parts at a
    /// time, so that a download streams from storage; `None` once it is all given.
    pub async fn next_report_text(
        &self,
        edition: &StoredEdition,
        cursor: &mut TextCursor,
    ) -> Result<Option<String>, StoreError> {
        next_text_in(&self.db, edition, cursor).await
    }

    /// The summary of a version: the report without its published comments (the list is
    /// empty; `totals.published` counts them).
    pub async fn report_summary(
        &self,
        edition: &StoredEdition,
    ) -> Result<FeedbackReport, StoreError> {
        let mut text = String::new();
        let mut cursor = TextCursor::new(Parts::Summary);
        while let Some(chunk) = self.next_report_text(edition, &mut cursor).await? {
            text.push_str(&chunk);
        }
        serde_json::from_str(&text).map_err(corrupt)
    }

    /// Up to `limit` published comments of a version from position `from` (0 is the first), in
    /// report order.
    pub async fn report_comments(
        &self,
        edition: &StoredEdition,
        from: u64,
        limit: u64,
    ) -> Result<Vec<ReportComment>, StoreError> {
        if let Some(whole) = &edition.whole {
            let report: FeedbackReport = serde_json::from_str(whole).map_err(corrupt)?;
            return Ok(report
                .comments
                .into_iter()
                .skip(usize::try_from(from).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .collect());
        }
        let Some(first) = self.first_comment_seq(edition).await? else {
            return Ok(Vec::new());
        };
        let from = i64::try_from(from).map_err(corrupt)?;
        let bodies: Vec<String> = feedback_report_part::Entity::find()
            .select_only()
            .column(feedback_report_part::Column::Body)
            .filter(feedback_report_part::Column::ConsultationId.eq(&edition.consultation_id))
            .filter(feedback_report_part::Column::Version.eq(edition.version_code()?))
            .filter(feedback_report_part::Column::Seq.gte(first.saturating_add(from)))
            .filter(feedback_report_part::Column::Kind.eq(PartKind::Comment.code()))
            .order_by_asc(feedback_report_part::Column::Seq)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(corrupt))
            .collect()
    }

    /// Comment `comment_id` as the latest published version of its consultation's report
    /// published it, if it did: its answer is the public one even while a revised answer waits
    /// for the next corrected version.
    pub async fn published_entry(
        &self,
        consultation_id: &str,
        comment_id: &str,
    ) -> Result<Option<ReportComment>, StoreError> {
        let edition = match self.report_edition(consultation_id, None).await {
            Ok(e) => e,
            Err(StoreError::Domain(DomainError::NotFound { .. })) => return Ok(None),
            Err(e) => return Err(e),
        };
        if let Some(whole) = &edition.whole {
            let report: FeedbackReport = serde_json::from_str(whole).map_err(corrupt)?;
            return Ok(report.comments.into_iter().find(|c| c.id == comment_id));
        }
        let body: Option<String> = feedback_report_part::Entity::find()
            .select_only()
            .column(feedback_report_part::Column::Body)
            .filter(feedback_report_part::Column::ConsultationId.eq(consultation_id))
            .filter(feedback_report_part::Column::Version.eq(edition.version_code()?))
            .filter(feedback_report_part::Column::CommentId.eq(comment_id))
            .into_tuple()
            .one(&self.db)
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    /// The position (0 is the first) of comment `comment_id` in a version, if it is published
    /// there.
    pub async fn report_comment_position(
        &self,
        edition: &StoredEdition,
        comment_id: &str,
    ) -> Result<Option<u64>, StoreError> {
        if let Some(whole) = &edition.whole {
            let report: FeedbackReport = serde_json::from_str(whole).map_err(corrupt)?;
            return Ok(report
                .comments
                .iter()
                .position(|c| c.id == comment_id)
                .map(|p| p as u64));
        }
        let seq: Option<i64> = feedback_report_part::Entity::find()
            .select_only()
            .column(feedback_report_part::Column::Seq)
            .filter(feedback_report_part::Column::ConsultationId.eq(&edition.consultation_id))
            .filter(feedback_report_part::Column::Version.eq(edition.version_code()?))
            .filter(feedback_report_part::Column::CommentId.eq(comment_id))
            .into_tuple()
            .one(&self.db)
            .await?;
        let (Some(seq), Some(first)) = (seq, self.first_comment_seq(edition).await?) else {
            return Ok(None);
        };
        Ok(Some(u64::try_from(seq - first).map_err(corrupt)?))
    }

    /// The comments of a version are consecutive parts; where they start.
    async fn first_comment_seq(&self, edition: &StoredEdition) -> Result<Option<i64>, StoreError> {
        Ok(feedback_report_part::Entity::find()
            .select_only()
            .column(feedback_report_part::Column::Seq)
            .filter(feedback_report_part::Column::ConsultationId.eq(&edition.consultation_id))
            .filter(feedback_report_part::Column::Version.eq(edition.version_code()?))
            .filter(feedback_report_part::Column::Kind.eq(PartKind::Comment.code()))
            .order_by_asc(feedback_report_part::Column::Seq)
            .into_tuple()
            .one(&self.db)
            .await?)
    }
}

/// A published version located for reading: its identity, and where its text lies.
#[derive(Debug, Clone)]
pub struct StoredEdition {
    /// The consultation id.
    pub consultation_id: String,
    /// Version number, from 1.
    pub version: u32,
    /// SHA-256 of its canonical JSON.
    pub sha256: String,
    /// The officer who published it.
    pub published_by: String,
    /// When.
    pub published_at: DateTime<Utc>,
    /// Why it corrects the previous version (empty for version 1).
    pub correction_reason: String,
    /// The whole text of a version published before parts existed.
    whole: Option<String>,
}

impl StoredEdition {
    fn version_code(&self) -> Result<i32, StoreError> {
        i32::try_from(self.version).map_err(corrupt)
    }
}

/// How far a reading of a version's text has come.
#[derive(Debug, Clone)]
pub struct TextCursor {
    parts: Parts,
    after: i64,
    previous: Option<PartKind>,
    done: bool,
}

impl TextCursor {
    /// From the start of the whole text, or of its summary.
    pub fn new(parts: Parts) -> Self {
        Self {
            parts,
            after: 0,
            previous: None,
            done: false,
        }
    }
}

/// The summary of a whole stored text: the same JSON with an empty comment list.
fn summary_of_whole(whole: &str) -> Result<String, StoreError> {
    let mut report: FeedbackReport = serde_json::from_str(whole).map_err(corrupt)?;
    report.comments.clear();
    Ok(report.canonical_json())
}

/// Which parts of a version to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// The whole canonical JSON.
    All,
    /// Everything but the published comments.
    Summary,
}

/// [`Store::report_edition`] on any connection (a publishing transaction reads the version it
/// corrects).
async fn edition_in<C: ConnectionTrait>(
    db: &C,
    consultation_id: &str,
    version: Option<u32>,
) -> Result<StoredEdition, StoreError> {
    let mut q = feedback_report::Entity::find()
        .filter(feedback_report::Column::ConsultationId.eq(consultation_id));
    q = match version {
        Some(v) => q.filter(feedback_report::Column::Version.eq(i64::from(v))),
        None => q.order_by_desc(feedback_report::Column::Version),
    };
    let m = q.one(db).await?.ok_or_else(|| {
            DomainError::not_found(match version {
                Some(v) => format!("consultations/{consultation_id}/feedbackReports/{v}"),
                None => format!(
                    "consultations/{consultation_id}/feedbackReports/latest：反馈尚未公开 (no published feedback report)"
                ),
            })
        })?;
    Ok(StoredEdition {
        version: u32::try_from(m.version).map_err(corrupt)?,
        consultation_id: m.consultation_id,
        sha256: m.sha256,
        published_by: m.published_by,
        published_at: m.published_at,
        correction_reason: m.correction_reason,
        // An empty `content` says the text is in the parts (a canonical JSON is never empty).
        whole: (!m.content.is_empty()).then_some(m.content),
    })
}

/// [`Store::next_report_text`] on any connection.
async fn next_text_in<C: ConnectionTrait>(
    db: &C,
    edition: &StoredEdition,
    cursor: &mut TextCursor,
) -> Result<Option<String>, StoreError> {
    if cursor.done {
        return Ok(None);
    }
    if let Some(whole) = &edition.whole {
        // Versions published before parts existed keep their whole text in one row.
        cursor.done = true;
        return Ok(Some(match cursor.parts {
            Parts::All => whole.clone(),
            Parts::Summary => summary_of_whole(whole)?,
        }));
    }
    let mut q = feedback_report_part::Entity::find()
        .select_only()
        .column(feedback_report_part::Column::Seq)
        .column(feedback_report_part::Column::Kind)
        .column(feedback_report_part::Column::Body)
        .filter(feedback_report_part::Column::ConsultationId.eq(&edition.consultation_id))
        .filter(feedback_report_part::Column::Version.eq(edition.version_code()?))
        .filter(feedback_report_part::Column::Seq.gt(cursor.after));
    if cursor.parts == Parts::Summary {
        // Written out, not bound: the partial index `idx_report_parts_summary` (kind <> 1)
        // is used only when the query's condition is visibly its own.
        debug_assert_eq!(PartKind::Comment.code(), 1);
        q = q.filter(Expr::cust("kind <> 1"));
    }
    let rows: Vec<(i64, i16, String)> = q
        .order_by_asc(feedback_report_part::Column::Seq)
        .limit(COMMENT_PAGE)
        .into_tuple()
        .all(db)
        .await?;
    cursor.done = (rows.len() as u64) < COMMENT_PAGE;
    let mut chunk = String::new();
    for (seq, kind, body) in rows {
        let kind =
            PartKind::from_code(kind).ok_or_else(|| corrupt(format!("report part kind {kind}")))?;
        chunk.push_str(kind.separator_after(cursor.previous));
        chunk.push_str(&body);
        cursor.previous = Some(kind);
        cursor.after = seq;
    }
    Ok((!chunk.is_empty() || !cursor.done).then_some(chunk))
}
