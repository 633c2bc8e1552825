//! Comments: reads, and the writer that accepts submissions. Concurrent submissions queue to
//! one task that commits them together (group commit), so a surge costs one fsync per batch.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use consult_domain::answering::tally::{AnsweringStatus, GroupTally};
use consult_domain::clause::{Clause, article_number};
use consult_domain::redaction::Redaction;
use consult_domain::search::SearchText;
use consult_domain::{
    Actor, Channel, Comment, CommentContent, Consultation, DomainError, NewComment,
    SubmitterCategory,
};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::audit::{self, AuditRecord};
use crate::consultations::from_row as consultation_from_row;
use crate::counting::{CountChanges, comment_key};
use crate::entity::comment;
use crate::private_data::{PrivateDataKeys, PrivateField};
use crate::write::{RowLock, lock_consultations};
use crate::{Constraint, Store, StoreError, corrupt};

/// A submission that passed input validation.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The consultation commented on.
    pub consultation_id: String,
    /// Who submits (a calling system or an officer).
    pub actor: Actor,
    /// The submitter's idempotency key.
    pub request_id: String,
    /// The cleaned comment.
    pub comment: NewComment,
    /// The server's time of receipt.
    pub received_at: DateTime<Utc>,
}

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Most submissions committed in one transaction; 1 disables group commit.
    pub max_batch: usize,
    /// Submissions that may wait for the writer before callers are slowed down.
    pub queue: usize,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            max_batch: 256,
            queue: 4_096,
        }
    }
}

type Reply = oneshot::Sender<Result<Comment, StoreError>>;

/// Handle to the comment writer task.
#[derive(Clone)]
pub struct CommentWriter {
    jobs: mpsc::Sender<(Submission, Reply)>,
    /// Submissions taken from the queue since the writer started.
    taken: Arc<AtomicU64>,
    /// How many submissions each batch took.
    batch_sizes: Arc<BatchSizes>,
}

/// Upper bounds of the batch-size buckets.
const BATCH_SIZE_BOUNDS: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// Batches by size, counted as the writer takes them (for metrics).
#[derive(Debug, Default)]
struct BatchSizes {
    /// Batches at or below each bound of [`BATCH_SIZE_BOUNDS`] and above the previous one.
    buckets: [AtomicU64; BATCH_SIZE_BOUNDS.len()],
    batches: AtomicU64,
}

impl BatchSizes {
    fn observe(&self, size: u64) {
        if let Some(i) = BATCH_SIZE_BOUNDS.iter().position(|b| size <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the writer has done and has waiting, for metrics.
#[derive(Debug, Clone, Default)]
pub struct WriterStats {
    /// Submissions waiting in the queue.
    pub queued: u64,
    /// Batches by size: (upper bound, batches) for each of [`BATCH_SIZE_BOUNDS`], not
    /// cumulative.
    pub batch_sizes: Vec<(u64, u64)>,
    /// Submissions taken in all batches.
    pub taken: u64,
    /// Batches taken.
    pub batches: u64,
}

/// The running writer task, to stop it at shutdown.
pub struct WriterTask {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WriterTask {
    /// Refuses new submissions, commits every queued one, and waits for the task to end.
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "comment writer ended abnormally");
        }
    }
}

impl CommentWriter {
    /// Starts the writer on `store`. It runs until every handle is dropped or it is finished.
    pub fn start(store: Store, config: WriterConfig) -> (Self, WriterTask) {
        let (tx, mut rx) = mpsc::channel::<(Submission, Reply)>(config.queue.max(1));
        let (stop, mut stopping) = watch::channel(false);
        let max_batch = config.max_batch.max(1);
        let taken = Arc::new(AtomicU64::new(0));
        let counted = taken.clone();
        let batch_sizes = Arc::new(BatchSizes::default());
        let sized = batch_sizes.clone();
        let task = tokio::spawn(async move {
            let mut ids = ulid::Generator::new();
            let mut batch = Vec::with_capacity(max_batch);
            loop {
                let received = tokio::select! {
                    n = rx.recv_many(&mut batch, max_batch) => n,
                    _ = stopping.changed() => {
                        // Callers still holding a handle now get WriterStopped; the queue drains.
                        rx.close();
                        rx.recv_many(&mut batch, max_batch).await
                    }
                };
                if received == 0 {
                    break;
                }
                counted.fetch_add(received as u64, Ordering::Relaxed);
                sized.observe(received as u64);
                let jobs = std::mem::take(&mut batch);
                store.write_batch(jobs, &mut ids).await;
            }
        });
        (
            Self {
                jobs: tx,
                taken,
                batch_sizes,
            },
            WriterTask { stop, task },
        )
    }

    /// How many submissions the writer has taken since it started: background work that
    /// can wait (placing comments in suggestions) compares it between its passes to tell a
    /// surge from a quiet time.
    pub fn taken(&self) -> u64 {
        self.taken.load(Ordering::Relaxed)
    }

    /// The queue and the batches so far.
    pub fn stats(&self) -> WriterStats {
        WriterStats {
            queued: (self.jobs.max_capacity() - self.jobs.capacity()) as u64,
            batch_sizes: BATCH_SIZE_BOUNDS
                .iter()
                .zip(&self.batch_sizes.buckets)
                .map(|(b, n)| (*b, n.load(Ordering::Relaxed)))
                .collect(),
            taken: self.taken(),
            batches: self.batch_sizes.batches.load(Ordering::Relaxed),
        }
    }

    /// Records a submission once it is committed, or says why not.
    pub async fn submit(&self, s: Submission) -> Result<Comment, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((s, reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct CommentFilter {
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this category.
    pub submitter_category: Option<SubmitterCategory>,
    /// Only comments about this clause, however their submitters wrote it.
    pub clause: Option<Clause>,
    /// Only comments in this answering status.
    pub status: Option<AnsweringStatus>,
    /// Only members of this opinion group.
    pub group_id: Option<String>,
    /// Only members of this suggestion.
    pub suggestion_id: Option<String>,
    /// Only comments containing every word of this query.
    pub text: Option<SearchText>,
}

/// A listed comment and where the page after it starts: its id, or its place in the search
/// index when a search lists comments in the index's order.
#[derive(Debug, Clone)]
pub struct ListedComment {
    /// What a page token carries to continue after this comment.
    pub position: String,
    /// The comment.
    pub comment: Comment,
}

impl CommentFilter {
    /// Narrows a query on `comments` of one consultation to this filter; `groups` are the
    /// consultation's groups with visible members (a grouped comment takes its group's answer).
    pub(crate) fn apply(
        &self,
        groups: &[GroupTally],
        mut q: sea_orm::Select<comment::Entity>,
    ) -> sea_orm::Select<comment::Entity> {
        use sea_orm::Condition;

        if let Some(ch) = self.channel {
            q = q.filter(comment::Column::Channel.eq(ch.code()));
        }
        if let Some(cat) = self.submitter_category {
            q = q.filter(comment::Column::SubmitterCategory.eq(cat.code()));
        }
        if let Some(clause) = &self.clause {
            q = q.filter(clause_condition(clause));
        }
        if let Some(g) = &self.group_id {
            q = q.filter(comment::Column::GroupId.eq(g.clone()));
        }
        if let Some(s) = &self.suggestion_id {
            q = q.filter(comment::Column::SuggestionId.eq(s.clone()));
        }
        let groups_where = |answered: bool| -> Vec<String> {
            groups
                .iter()
                .filter(|g| g.answered == answered)
                .map(|g| g.id.clone())
                .collect()
        };
        // Ungrouped comments by their own answer, or members of the groups given; with no such
        // group, the condition is exactly that of a partial index (`idx_comments_unanswered`
        // for the unanswered), so that a page is found without passing over the others.
        let by_answer = |own: Condition, groups: Vec<String>| {
            let ungrouped = Condition::all()
                .add(comment::Column::GroupId.is_null())
                .add(own);
            if groups.is_empty() {
                ungrouped
            } else {
                Condition::any()
                    .add(ungrouped)
                    .add(comment::Column::GroupId.is_in(groups))
            }
        };
        let visible = comment::Column::HideReason.is_null();
        q = match self.status {
            None => q,
            Some(AnsweringStatus::Visible) => q.filter(visible),
            Some(AnsweringStatus::Hidden) => q.filter(comment::Column::HideReason.is_not_null()),
            Some(AnsweringStatus::Grouped) => q
                .filter(visible)
                .filter(comment::Column::GroupId.is_not_null()),
            Some(AnsweringStatus::Answered) => q.filter(visible).filter(by_answer(
                Condition::all().add(comment::Column::Outcome.is_not_null()),
                groups_where(true),
            )),
            Some(AnsweringStatus::Unanswered) => q.filter(visible).filter(by_answer(
                Condition::all().add(comment::Column::Outcome.is_null()),
                groups_where(false),
            )),
        };
        q
    }
}

/// The comments about `clause`: an article by the number read from each reference (indexed),
/// any other reference as written.
pub(crate) fn clause_condition(clause: &Clause) -> sea_orm::Condition {
    use sea_orm::Condition;
    match clause {
        Clause::Article(n) => Condition::all()
            .add(comment::Column::ClauseArticle.eq(i32::try_from(*n).unwrap_or(i32::MAX))),
        Clause::Text(text) => {
            Condition::all().add(comment::Column::ClauseReference.eq(text.as_str()))
        }
    }
}

/// The bytes a request digest is taken over: what was submitted, where.
pub(crate) fn canonical_submission(consultation_id: &str, comment: &NewComment) -> Vec<u8> {
    serde_json::to_vec(&(consultation_id, comment)).unwrap_or_default()
}

pub(crate) fn digest(
    s: &Submission,
    keys: &PrivateDataKeys,
    key_id: Option<&str>,
) -> Result<String, StoreError> {
    keys.request_digest(
        key_id,
        &canonical_submission(&s.consultation_id, &s.comment),
    )
    .map_err(StoreError::Keys)
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh receipt code: 60 random bits as `XXXX-XXXX-XXXX` in Crockford base 32.
fn receipt_code() -> String {
    let mut rng = rand::rng();
    let mut out = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(CROCKFORD[rng.random_range(0..32)] as char);
    }
    out
}

fn to_row(
    c: &Comment,
    request_digest: String,
    keys: &PrivateDataKeys,
) -> Result<comment::Model, StoreError> {
    let seal = |field, plain: &str| keys.seal(&c.id, field, plain).map_err(StoreError::Keys);
    Ok(comment::Model {
        id: c.id.clone(),
        consultation_id: c.consultation_id.clone(),
        channel: c.body.channel.code().to_owned(),
        submitter_category: c.body.submitter_category.code().to_owned(),
        submitter_name: seal(PrivateField::Name, &c.body.submitter_name)?,
        submitter_organization: seal(PrivateField::Organization, &c.body.submitter_organization)?,
        submitter_contact: seal(PrivateField::Contact, &c.body.submitter_contact)?,
        content: c.body.content.as_str().to_owned(),
        clause_reference: c.body.clause_reference.clone(),
        clause_article: article_number(&c.body.clause_reference)
            .and_then(|n| i32::try_from(n).ok()),
        postmarked_at: c.body.postmarked_at,
        publish_name_consent: c.body.publish_name_consent,
        meeting: c.body.meeting.clone(),
        received_at: c.received_at,
        receipt_code: c.receipt_code.clone(),
        submitted_by: c.submitted_by.clone(),
        request_id: c.request_id.clone(),
        request_digest,
        moderation: json_opt(&c.moderation),
        group_id: c.group_id.clone(),
        disposition: json_opt(&c.disposition),
        hide_reason: c.moderation.as_ref().map(|m| m.reason.code().to_owned()),
        outcome: c
            .disposition
            .as_ref()
            .map(|d| d.answer.outcome.code().to_owned()),
        private_key_id: Some(keys.current().to_owned()),
        redactions: redactions_column(&c.redactions),
        suggestion_id: None,
        contact_digest: Some(keys.contact_digest_column(&c.body.submitter_contact)),
        awaiting_comparison: true,
    })
}

/// The `redactions` column: NULL when there are none, as on rows from before redaction.
pub(crate) fn redactions_column(redactions: &[Redaction]) -> Option<String> {
    (!redactions.is_empty())
        .then(|| serde_json::to_string(redactions).ok())
        .flatten()
}

pub(crate) fn json_opt<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().and_then(|x| serde_json::to_string(x).ok())
}

pub(crate) fn parse_opt<T: serde::de::DeserializeOwned>(
    v: Option<&str>,
) -> Result<Option<T>, StoreError> {
    v.map(serde_json::from_str).transpose().map_err(corrupt)
}

pub(crate) fn from_row(m: comment::Model, keys: &PrivateDataKeys) -> Result<Comment, StoreError> {
    let (name, organization, contact) = match &m.private_key_id {
        None => (
            m.submitter_name,
            m.submitter_organization,
            m.submitter_contact,
        ),
        Some(key) => {
            let open = |field, sealed: &str| {
                keys.open(key, &m.id, field, sealed)
                    .map_err(StoreError::Keys)
            };
            (
                open(PrivateField::Name, &m.submitter_name)?,
                open(PrivateField::Organization, &m.submitter_organization)?,
                open(PrivateField::Contact, &m.submitter_contact)?,
            )
        }
    };
    Ok(Comment {
        redactions: parse_opt(m.redactions.as_deref())?.unwrap_or_default(),
        moderation: parse_opt(m.moderation.as_deref())?,
        disposition: parse_opt(m.disposition.as_deref())?,
        group_id: m.group_id,
        body: NewComment {
            channel: Channel::from_code(&m.channel).ok_or_else(|| corrupt(&m.channel))?,
            submitter_category: SubmitterCategory::from_code(&m.submitter_category)
                .ok_or_else(|| corrupt(&m.submitter_category))?,
            submitter_name: name,
            submitter_organization: organization,
            submitter_contact: contact,
            content: CommentContent::stored(m.content),
            clause_reference: m.clause_reference,
            postmarked_at: m.postmarked_at,
            publish_name_consent: m.publish_name_consent,
            meeting: m.meeting,
        },
        id: m.id,
        consultation_id: m.consultation_id,
        received_at: m.received_at,
        receipt_code: m.receipt_code,
        submitted_by: m.submitted_by,
        request_id: m.request_id,
    })
}

/// A request key: the submitting principal and its request id.
pub(crate) type RequestKey = (String, String);

/// A comment stored under a request key, with the digest of its request and the key the
/// digest was taken with.
pub(crate) type Stored = (Comment, String, Option<String>);

/// Where one submission of a batch stands before the insert: decided without writing (a
/// replay of a stored request, or a refusal), or `None`, to be answered after the insert by
/// whichever comment then holds its request key (its own, an earlier one of this batch, or
/// one another replica committed first).
type Pending = Option<Result<Comment, StoreError>>;

/// Attempts per batch: a batch that failed for a transient reason (a lost connection, a busy
/// database) is tried once more on a fresh connection before its callers hear of it. A retry
/// is safe even when the first commit's answer was lost: the stored rows make it a replay.
const BATCH_ATTEMPTS: u32 = 2;
/// Only a batch that failed this fast is retried.
const BATCH_RETRY_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);
/// The pause before that retry.
const BATCH_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

impl Store {
    async fn write_batch(&self, jobs: Vec<(Submission, Reply)>, ids: &mut ulid::Generator) {
        let subs: Vec<&Submission> = jobs.iter().map(|(s, _)| s).collect();
        let mut attempt = 1;
        let result = loop {
            let started = std::time::Instant::now();
            match self.commit_batch(&subs, ids).await {
                // A batch that waited long already (for a connection to a database that is
                // down) fails at once: its callers retry sooner than a second wait would end.
                Err(e)
                    if e.is_transient()
                        && attempt < BATCH_ATTEMPTS
                        && started.elapsed() < BATCH_RETRY_WITHIN =>
                {
                    tracing::warn!(error = %e, batch = subs.len(), attempt, "comment batch rolled back; retrying");
                    attempt += 1;
                    tokio::time::sleep(BATCH_RETRY_PAUSE).await;
                }
                other => break other,
            }
        };
        match result {
            Ok(outcomes) => {
                for ((_, reply), outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                if e.is_transient() {
                    tracing::warn!(error = %e, batch = subs.len(), "comment batch rolled back");
                } else {
                    tracing::error!(error = %e, batch = subs.len(), "comment batch rolled back");
                }
                for (_, reply) in jobs {
                    let _ = reply.send(Err(e.for_another_caller()));
                }
            }
        }
    }

    /// Decides every submission of a batch and commits the new comments together. Each result
    /// is final only once this returns `Ok`: nothing is acknowledged before the commit.
    async fn commit_batch(
        &self,
        subs: &[&Submission],
        ids: &mut ulid::Generator,
    ) -> Result<Vec<Result<Comment, StoreError>>, StoreError> {
        let txn = self.begin_write().await?;
        // Shared locks: a close waits for this batch, and this batch sees a committed close.
        let consultations = lock_consultations(
            &txn,
            subs.iter().map(|s| s.consultation_id.as_str()),
            RowLock::Share,
        )
        .await?
        .into_iter()
        .map(|m| consultation_from_row(m).map(|c| (c.id.clone(), c)))
        .collect::<Result<HashMap<_, _>, _>>()?;
        let keys_wanted = subs
            .iter()
            .map(|s| (s.actor.id.as_str(), s.request_id.as_str()));
        let mut stored = load_stored(&txn, keys_wanted, &self.keys).await?;

        let mut fresh: Vec<(Comment, String)> = Vec::new();
        let mut fresh_by_key: HashMap<RequestKey, usize> = HashMap::new();
        let mut pending: Vec<Pending> = Vec::with_capacity(subs.len());
        for s in subs {
            let key = (s.actor.id.clone(), s.request_id.clone());
            let admitted = consultations
                .get(&s.consultation_id)
                .ok_or_else(|| {
                    DomainError::not_found(format!("consultations/{}", s.consultation_id))
                })
                .and_then(|c| s.actor.may_submit(c, s.comment.channel).map(|()| c));
            let consultation = match admitted {
                Err(e) => {
                    pending.push(Some(Err(e.into())));
                    continue;
                }
                Ok(c) => c,
            };
            if let Some(existing) = stored.get(&key) {
                pending.push(Some(resolve(s, existing, &self.keys)));
                continue;
            }
            if fresh_by_key.contains_key(&key) {
                pending.push(None);
                continue;
            }
            if let Err(e) = consultation.accepts_comment(&s.comment, s.received_at) {
                pending.push(Some(Err(e.into())));
                continue;
            }
            let comment = new_comment(s, ids);
            let d = digest(s, &self.keys, Some(self.keys.current()))?;
            fresh_by_key.insert(key, fresh.len());
            pending.push(None);
            fresh.push((comment, d));
        }

        let inserted = insert_new(&txn, &fresh, &self.keys).await?;
        // A comment not inserted lost its request key to a concurrent submission (another
        // replica): the winner decides, as if this request had come second.
        let lost = fresh
            .iter()
            .filter(|(c, _)| !inserted.contains(&c.id))
            .map(|(c, _)| (c.submitted_by.as_str(), c.request_id.as_str()));
        stored.extend(load_stored(&txn, lost, &self.keys).await?);
        let current = Some(self.keys.current().to_owned());
        let winner = |key: &RequestKey| -> Option<Stored> {
            match fresh_by_key.get(key).map(|&i| &fresh[i]) {
                Some((c, d)) if inserted.contains(&c.id) => {
                    Some((c.clone(), d.clone(), current.clone()))
                }
                _ => stored.get(key).cloned(),
            }
        };
        let outcomes = subs
            .iter()
            .zip(pending)
            .map(|(s, p)| match p {
                Some(decided) => decided,
                None => {
                    match winner(&(s.actor.id.clone(), s.request_id.clone())) {
                        Some(w) => resolve(s, &w, &self.keys),
                        // Neither inserted nor taken by anyone: another unique key collided
                        // (a receipt code); nothing was written for it.
                        None => Err(StoreError::Conflict(
                            "意见未能保存，请重试 (the comment could not be stored; retry)".into(),
                            Some(Constraint::ReceiptCode),
                        )),
                    }
                }
            })
            .collect();

        let audits: Vec<AuditRecord> = fresh
            .iter()
            .filter(|(c, _)| inserted.contains(&c.id))
            .map(|(c, d)| submission_event(c, d))
            .collect();
        audit::append_all(&*txn, audits).await?;
        let mut counts = CountChanges::default();
        for (c, _) in fresh.iter().filter(|(c, _)| inserted.contains(&c.id)) {
            counts.add(&c.consultation_id, comment_key(c), 1);
        }
        counts.write(&txn).await?;
        txn.commit().await?;
        Ok(outcomes)
    }

    /// Comment `id` of consultation `consultation_id`, or `NOT_FOUND`.
    pub async fn comment(&self, consultation_id: &str, id: &str) -> Result<Comment, StoreError> {
        let row = comment::Entity::find_by_id(id.to_owned())
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                DomainError::not_found(format!("consultations/{consultation_id}/comments/{id}"))
            })?;
        from_row(row, &self.keys)
    }

    /// The comment with this receipt code and its consultation, or `NOT_FOUND`.
    pub async fn comment_by_receipt(
        &self,
        code: &str,
    ) -> Result<(Comment, Consultation), StoreError> {
        let row = comment::Entity::find()
            .filter(comment::Column::ReceiptCode.eq(code))
            .one(&self.db)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("回执码 {code} (receipt code)")))?;
        let c = from_row(row, &self.keys)?;
        let consultation = self.consultation(&c.consultation_id).await?;
        Ok((c, consultation))
    }

    /// One page of a consultation's comments matching `filter`, after the position `after`:
    /// in the order received, or in the search index's order when a search has words the index
    /// can look up on SQLite.
    pub async fn list_comments(
        &self,
        consultation_id: &str,
        filter: &CommentFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<ListedComment>, StoreError> {
        let tally = crate::counting::tally(&self.db, consultation_id).await?;
        // A filter that the kept counts say matches nothing answers at once instead of walking
        // the consultation to find so. (Clause and group filters have indexes.)
        if filter.clause.is_none()
            && filter.group_id.is_none()
            && !tally.any_comment(filter.channel, filter.submitter_category, filter.status)
        {
            return Ok(Vec::new());
        }
        let q = comment::Entity::find().filter(comment::Column::ConsultationId.eq(consultation_id));
        let mut q = filter.apply(&tally.groups, q);
        if let Some(text) = &filter.text {
            let backend = self.db.get_database_backend();
            if crate::search::uses_fts(backend, text) {
                // The first page chooses how to search (a page token keeps to it): the index
                // when many comments pass the other filters, reading those comments when few
                // do (walking the index for a word found in half the comments, to keep the
                // fifty that are hidden, took seconds at a million).
                let walk_index = match after {
                    Some(a) => crate::search::is_index_position(a),
                    None => {
                        let total = tally.count_comments(None, None, None);
                        let reads_below = crate::search::read_filtered_below(
                            total,
                            limit,
                            self.search_reads_filtered_below,
                        );
                        self.passing_at_least(consultation_id, filter, &tally, reads_below)
                            .await?
                    }
                };
                if walk_index {
                    return self
                        .search_in_index_order(consultation_id, q, text, after, limit)
                        .await;
                }
            }
            q = q.filter(
                if crate::search::uses_fts(backend, text)
                    && self
                        .few_index_entries(text, crate::search::FEW_ENTRIES)
                        .await?
                {
                    crate::search::contains_text(backend, text)
                } else {
                    crate::search::contains_every_word(backend, text.words())
                },
            );
        }
        if let Some(a) = after {
            q = q.filter(comment::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(comment::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| {
                Ok(ListedComment {
                    position: m.id.clone(),
                    comment: from_row(m, &self.keys)?,
                })
            })
            .collect()
    }
}

/// Most references other than articles a clause listing names (the most named first).
pub const CLAUSE_LISTING_OTHERS: u64 = 100;

/// How many comments name each clause of a consultation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClauseCounts {
    /// By article number.
    pub articles: Vec<(u32, u64)>,
    /// Other references as written, the [`CLAUSE_LISTING_OTHERS`] most named.
    pub others: Vec<(String, u64)>,
    /// Other references beyond those.
    pub others_not_listed: u64,
}

impl Store {
    /// Counts a consultation's comments by the clause they name (hidden ones included).
    pub async fn clause_counts(&self, consultation_id: &str) -> Result<ClauseCounts, StoreError> {
        use sea_orm::sea_query::Expr;

        let in_consultation = comment::Column::ConsultationId.eq(consultation_id);
        let articles: Vec<(i32, i64)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ClauseArticle)
            .expr(Expr::cust("COUNT(*)"))
            .filter(in_consultation.clone())
            .filter(comment::Column::ClauseArticle.is_not_null())
            .group_by(comment::Column::ClauseArticle)
            .into_tuple()
            .all(&self.db)
            .await?;
        let others: Vec<(String, i64)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ClauseReference)
            .expr(Expr::cust("COUNT(*)"))
            .filter(in_consultation)
            .filter(comment::Column::ClauseArticle.is_null())
            .filter(comment::Column::ClauseReference.ne(""))
            .group_by(comment::Column::ClauseReference)
            .order_by_desc(Expr::cust("COUNT(*)"))
            .order_by_asc(comment::Column::ClauseReference)
            .limit(CLAUSE_LISTING_OTHERS + 1)
            .into_tuple()
            .all(&self.db)
            .await?;
        let not_listed = if others.len() as u64 > CLAUSE_LISTING_OTHERS {
            let distinct: Option<i64> = comment::Entity::find()
                .select_only()
                .expr(Expr::cust("COUNT(DISTINCT clause_reference)"))
                .filter(comment::Column::ConsultationId.eq(consultation_id))
                .filter(comment::Column::ClauseArticle.is_null())
                .filter(comment::Column::ClauseReference.ne(""))
                .into_tuple()
                .one(&self.db)
                .await?;
            u64::try_from(distinct.unwrap_or(0))
                .map_err(corrupt)?
                .saturating_sub(CLAUSE_LISTING_OTHERS)
        } else {
            0
        };
        let count = |n: i64| u64::try_from(n).map_err(corrupt);
        Ok(ClauseCounts {
            articles: articles
                .into_iter()
                .map(|(a, n)| Ok((u32::try_from(a).map_err(corrupt)?, count(n)?)))
                .collect::<Result<_, StoreError>>()?,
            others: others
                .into_iter()
                .take(CLAUSE_LISTING_OTHERS as usize)
                .map(|(r, n)| Ok((r, count(n)?)))
                .collect::<Result<_, StoreError>>()?,
            others_not_listed: not_listed,
        })
    }
}

/// The answer to a submission whose request key is already stored (the domain decides; the
/// store only knows whether the keyed digests match).
pub(crate) fn resolve(
    s: &Submission,
    (existing, existing_digest, key_id): &Stored,
    keys: &PrivateDataKeys,
) -> Result<Comment, StoreError> {
    let same_content = *existing_digest == digest(s, keys, key_id.as_deref())?;
    Ok(existing.answer_resubmission(same_content)?)
}

pub(crate) fn new_comment(s: &Submission, ids: &mut ulid::Generator) -> Comment {
    let id = ids
        .generate()
        .map(|u| u.to_string())
        .unwrap_or_else(|_| ulid::Ulid::new().to_string());
    Comment {
        id,
        consultation_id: s.consultation_id.clone(),
        body: s.comment.clone(),
        received_at: s.received_at,
        receipt_code: receipt_code(),
        submitted_by: s.actor.id.clone(),
        request_id: s.request_id.clone(),
        moderation: None,
        group_id: None,
        disposition: None,
        redactions: Vec::new(),
    }
}

pub(crate) fn submission_event(c: &Comment, request_digest: &str) -> AuditRecord {
    AuditRecord {
        consultation_id: Some(c.consultation_id.clone()),
        actor: c.submitted_by.clone(),
        action: "comment.submit",
        subject: c.name(),
        before: None,
        after: audit::to_json(&serde_json::json!({
            "channel": c.body.channel.code(),
            "submitter_category": c.body.submitter_category.code(),
            "receipt_code": c.receipt_code,
            "request_id": c.request_id,
            "request_digest": request_digest,
        })),
        occurred_at: c.received_at,
    }
}

/// Inserts the new comments, skipping any whose unique keys are taken (a concurrent
/// submission of the same request committed first), and returns the ids inserted.
pub(crate) async fn insert_new(
    txn: &DatabaseTransaction,
    fresh: &[(Comment, String)],
    keys: &PrivateDataKeys,
) -> Result<HashSet<String>, StoreError> {
    let mut inserted = HashSet::with_capacity(fresh.len());
    if fresh.is_empty() {
        return Ok(inserted);
    }
    // Rows go in by request key, so that replicas inserting the same keys at once wait for one
    // another in one order on the unique index instead of deadlocking.
    let mut ordered: Vec<&(Comment, String)> = fresh.iter().collect();
    ordered.sort_by(|(a, _), (b, _)| {
        (&a.submitted_by, &a.request_id).cmp(&(&b.submitted_by, &b.request_id))
    });
    let rows = ordered
        .into_iter()
        // A sealing failure is the machine's, not the caller's: the whole batch rolls back.
        .map(|(c, d)| to_row(c, d.clone(), keys).map(IntoActiveModel::into_active_model))
        .collect::<Result<Vec<_>, _>>()?;
    let mut insert = comment::Entity::insert_many(rows)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .into_query();
    insert.returning_col(comment::Column::Id);
    let backend = txn.get_database_backend();
    for row in txn.query_all_raw(backend.build(&insert)).await? {
        inserted.insert(row.try_get::<String>("", "id")?);
    }
    Ok(inserted)
}

/// The stored comments of these request keys.
pub(crate) async fn load_stored<'a>(
    txn: &DatabaseTransaction,
    wanted: impl Iterator<Item = (&'a str, &'a str)>,
    keys: &PrivateDataKeys,
) -> Result<HashMap<RequestKey, Stored>, StoreError> {
    let mut by_actor: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (actor, request_id) in wanted {
        by_actor.entry(actor).or_default().insert(request_id);
    }
    let mut found = HashMap::new();
    for (actor, request_ids) in by_actor {
        let rows = comment::Entity::find()
            .filter(comment::Column::SubmittedBy.eq(actor))
            .filter(comment::Column::RequestId.is_in(request_ids))
            .all(txn)
            .await?;
        for m in rows {
            let d = m.request_digest.clone();
            let key_id = m.private_key_id.clone();
            let c = from_row(m, keys)?;
            found.insert(
                (c.submitted_by.clone(), c.request_id.clone()),
                (c, d, key_id),
            );
        }
    }
    Ok(found)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn receipt_codes_have_the_published_shape() {
        for _ in 0..100 {
            let code = receipt_code();
            assert_eq!(code.len(), 14);
            assert!(
                code.split('-')
                    .all(|g| g.len() == 4 && g.bytes().all(|b| CROCKFORD.contains(&b)))
            );
        }
        assert_ne!(receipt_code(), receipt_code());
    }

    /// A database file of its own for a test, and its URL.
    pub(crate) fn temp_database(prefix: &str) -> (std::path::PathBuf, String) {
        let dir = std::env::temp_dir().join(format!("consult-{prefix}-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("t.db").display());
        (dir, url)
    }

    /// Consultation `C1`, as rows are written by hand for migration tests.
    pub(crate) const CONSULTATION_C1: &str = "INSERT INTO consultations (id, department, kind, title, \
        draft_text, basis, explanation, channels, shortened_reason, state, extensions, \
        withdrawal_reason, warnings, created_by, created_at, updated_at) VALUES ('C1', 'fgw', \
        'rule', 't', '', '', '', '[]', '', 'open', '[]', '', '[]', 'o', \
        '2026-03-01 00:00:00+00:00', '2026-03-01 00:00:00+00:00')";

    /// Comment `K{i}` on `C1` written by hand, its private fields in plain text as before
    /// sealing existed.
    pub(crate) fn comment_row(i: usize, contact: &str, content: &str, clause: &str) -> String {
        format!(
            "INSERT INTO comments (id, consultation_id, channel, submitter_category, \
             submitter_name, submitter_organization, submitter_contact, content, \
             clause_reference, publish_name_consent, received_at, receipt_code, submitted_by, \
             request_id, request_digest) VALUES ('K{i}', 'C1', 'PORTAL', 'CITIZEN', '', '', \
             '{contact}', '{content}', '{clause}', false, '2026-03-02 00:00:00+00:00', 'R{i}', \
             'portal', 'r{i}', 'd')"
        )
    }

    #[tokio::test]
    async fn the_migration_reads_the_article_of_every_stored_reference() {
        use consult_migration::{Migrator, MigratorTrait};
        use sea_orm::{ConnectionTrait, QuerySelect};

        let (dir, url) = temp_database("clause");
        let db = crate::pool::connect(&url).await.expect("connect");
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name() == "m20261208_000014_clause_articles")
            .expect("the clause migration") as u32;
        Migrator::up(&db, Some(before)).await.expect("migrate");
        db.execute_unprepared(CONSULTATION_C1)
            .await
            .expect("consultation");
        let references = [
            "第五条",
            "5",
            "第 五 条",
            "第5条第二款",
            "附件1",
            "",
            "第十二条",
        ];
        for (i, r) in references.iter().enumerate() {
            db.execute_unprepared(&comment_row(i, "", "意见", r))
                .await
                .expect("comment");
        }
        db.close().await.expect("close");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("the remaining migrations run");
        let articles: Vec<(String, Option<i32>)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ClauseReference)
            .column(comment::Column::ClauseArticle)
            .order_by_asc(comment::Column::Id)
            .into_tuple()
            .all(&store.db)
            .await
            .expect("rows");
        let expected: Vec<(String, Option<i32>)> = references
            .iter()
            .zip([Some(5), Some(5), Some(5), Some(5), None, None, Some(12)])
            .map(|(r, n)| (r.to_string(), n))
            .collect();
        assert_eq!(articles, expected);
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_search_index_takes_its_comments_rowids_and_keeps_them_for_new_comments() {
        use consult_migration::{Migrator, MigratorTrait};
        use sea_orm::{ConnectionTrait, DbBackend, Statement};

        let (dir, url) = temp_database("fts");
        let db = crate::pool::connect(&url).await.expect("connect");
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name() == "m20261213_000020_search_rowids")
            .expect("the rowid migration") as u32;
        Migrator::up(&db, Some(before)).await.expect("migrate");
        db.execute_unprepared(CONSULTATION_C1)
            .await
            .expect("consultation");
        let insert = |i: usize, text: &str| comment_row(i, "", text, "");
        let texts = [
            "建议延长过渡期",
            "停车收费过高",
            "过渡期太短了",
            "无关的意见",
        ];
        for (i, t) in texts.iter().enumerate() {
            db.execute_unprepared(&insert(i, t)).await.expect("comment");
        }
        // As an index numbering its entries itself may have them: out of step.
        db.execute_unprepared(
            "DELETE FROM comments_fts; INSERT INTO comments_fts (rowid, content, comment_id, \
             consultation_id) SELECT rowid + 100, content, id, consultation_id FROM comments",
        )
        .await
        .expect("renumbered");
        db.close().await.expect("close");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("the remaining migrations run");
        store
            .db
            .execute_unprepared(&insert(4, "过渡期应当六个月"))
            .await
            .expect("a comment after");
        let in_step = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_owned());
        let matched = store
            .db
            .query_one_raw(in_step(
                "SELECT count(*) FROM comments c JOIN comments_fts f \
                 ON f.rowid = c.rowid AND f.comment_id = c.id",
            ))
            .await
            .expect("count")
            .expect("a row");
        assert_eq!(matched.try_get_by_index::<i64>(0).expect("count"), 5);
        let found: Vec<String> = comment::Entity::find()
            .filter(crate::search::contains_text(
                DbBackend::Sqlite,
                &SearchText::parse("query", "过渡期")
                    .expect("a query")
                    .expect("words"),
            ))
            .order_by_asc(comment::Column::Id)
            .all(&store.db)
            .await
            .expect("search")
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(found, ["K0", "K2", "K4"]);
        // Listing gathers the index's entries only when they are few: three here.
        let query = SearchText::parse("query", "过渡期")
            .expect("a query")
            .expect("words");
        assert!(!store.few_index_entries(&query, 3).await.expect("probe"));
        assert!(store.few_index_entries(&query, 4).await.expect("probe"));
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn older_comments_get_their_contact_digest_once_and_blank_contacts_an_empty_one() {
        use sea_orm::ConnectionTrait;

        let (dir, url) = temp_database("digest");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("open");
        store
            .db
            .execute_unprepared(CONSULTATION_C1)
            .await
            .expect("consultation");
        // As stored before digests existed: contacts in plain text, no digest.
        for (i, contact) in ["138 0013 8000", "", "+86-13800138000"].iter().enumerate() {
            store
                .db
                .execute_unprepared(&comment_row(i, contact, "意见", ""))
                .await
                .expect("comment");
        }
        let first = store.digest_contacts_batch(2).await.expect("a batch");
        assert_eq!(first.digested, 2);
        let second = store.digest_contacts_batch(2).await.expect("a batch");
        assert_eq!(second.digested, 1);
        assert_eq!(
            store.digest_contacts_batch(2).await.expect("done").digested,
            0
        );
        let digests: Vec<Option<String>> = comment::Entity::find()
            .order_by_asc(comment::Column::Id)
            .all(&store.db)
            .await
            .expect("rows")
            .into_iter()
            .map(|c| c.contact_digest)
            .collect();
        let expected = store.keys.contact_digest("13800138000");
        assert!(expected.is_some());
        assert_eq!(
            digests,
            vec![expected.clone(), Some(String::new()), expected]
        );
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }
}
