//! The feedback report (意见采纳情况反馈, spec 7): what was received, what was adopted and why
//! the rest was not, with no personal information. Its canonical JSON is what is hashed and kept.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::answering::tally::AnsweringTally;
use crate::answering::{
    AnsweringView, Disposition, HideReason, OpinionGroup, Outcome, effective_disposition,
};
use crate::calendar::Calendar;
use crate::comment::{Channel, Comment, SubmitterCategory};
use crate::consultation::Consultation;
use crate::hearing::Hearing;
use crate::meeting::Meeting;
use crate::pii::mask_personal_information;

/// A code with its Chinese label, as every vocabulary value appears in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Stable code, e.g. `NOT_ADOPTED`.
    pub code: String,
    /// Chinese label, e.g. `未采纳`.
    pub label: String,
}

/// A count of something named by a term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// What is counted.
    #[serde(flatten)]
    pub term: Term,
    /// How many.
    pub count: u64,
}

macro_rules! term {
    ($v:expr) => {
        Term {
            code: $v.code().to_owned(),
            label: $v.label().to_owned(),
        }
    };
}

/// The consultation the report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSubject {
    /// `consultations/{id}`.
    pub name: String,
    /// Title of the draft.
    pub title: String,
    /// Responsible department.
    pub department: String,
    /// Kind of decision.
    pub kind: Term,
    /// The decision catalogue item it carried out, as the catalogue named it at publication
    /// (empty for none).
    pub catalogue_item: String,
}

/// One extension of the window, as held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportExtension {
    /// End before.
    pub previous_closes_at: DateTime<Utc>,
    /// End after.
    pub closes_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// The window actually held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportWindow {
    /// Opening.
    pub opens_at: Option<DateTime<Utc>>,
    /// End as first published.
    pub original_closes_at: Option<DateTime<Utc>>,
    /// End after extensions.
    pub closes_at: Option<DateTime<Utc>>,
    /// Formal close.
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether it was shorter than 30 days.
    pub shortened: bool,
    /// Why it was shortened, as stated in the notice.
    pub shortened_reason: String,
    /// Extensions, oldest first.
    pub extensions: Vec<ReportExtension>,
}

/// Opinions heard at meetings of one kind (hearings, symposiums, attended meetings…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMeeting {
    /// The meeting channel.
    pub channel: Term,
    /// Opinions recorded from it.
    pub opinions: u64,
    /// Attendees' categories, by opinions recorded.
    pub attendee_categories: Vec<Count>,
}

/// A hearing held on the consultation (one whose notice was published), as the report lists
/// it: participants by category, never by name; the record's text stays with the department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportHearing {
    /// `consultations/{c}/hearings/{h}`.
    pub name: String,
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// The matters heard.
    pub matters: String,
    /// When its notice was published.
    pub notice_published_at: Option<DateTime<Utc>>,
    /// Its participants, by category.
    pub participant_categories: Vec<Count>,
    /// Opinions recorded from it (published ones; how they were handled is in the comments).
    pub opinions: u64,
    /// Whether every participant confirmed the record.
    pub record_confirmed: bool,
}

/// A meeting recorded on the consultation (symposium, field visit, expert review, or the
/// decision meeting attended by the public), as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportHeldMeeting {
    /// `consultations/{c}/meetings/{m}`.
    pub name: String,
    /// What kind.
    pub kind: Term,
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// Its title.
    pub title: String,
    /// Who attended, by category.
    pub attendee_categories: Vec<Count>,
    /// Names of attendees who consented to their publication.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consented_names: Vec<String>,
    /// Published opinions recorded from it as comments (how each was handled is in the
    /// comments); none for a decision meeting, whose opinions are summarised below.
    pub opinions: u64,
    /// For a decision meeting: what the attending representatives said.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub opinions_summary: String,
    /// For a decision meeting: how it was handled.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub handling: String,
}

/// Received comments counted several ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTotals {
    /// Every comment received.
    pub received: u64,
    /// Published (not hidden).
    pub published: u64,
    /// Hidden by moderation.
    pub hidden: u64,
    /// Published comments without an answer (zero once the gate is passed).
    pub unanswered: u64,
    /// Received, by channel.
    pub by_channel: Vec<Count>,
    /// Received, by submitter category.
    pub by_submitter_category: Vec<Count>,
    /// Published, by outcome.
    pub by_outcome: Vec<Count>,
    /// Hidden, by reason.
    pub hidden_by_reason: Vec<Count>,
}

/// An answer as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAnswer {
    /// Adopted or not.
    pub outcome: Term,
    /// Why not (or what was not adopted and why).
    pub reason: String,
    /// What was adopted.
    pub adopted_content: String,
}

/// A concentrated opinion as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOpinionGroup {
    /// `{group}` id.
    pub id: String,
    /// What the comments say, in the officer's words.
    pub summary: String,
    /// Published comments in it.
    pub count: u64,
    /// The group's answer.
    pub answer: Option<ReportAnswer>,
    /// One member's words standing for the group (ACUS Recommendation 2021-1: one
    /// representative text with its count; every member is still published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<ReportRepresentative>,
}

/// The member whose words stand for a concentrated opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRepresentative {
    /// `{comment}` id, one of the published comments.
    pub comment: String,
    /// Its text as published (personal information masked).
    pub text: String,
}

/// The first visible member (by id) of each group among `comments`: the representative when
/// no better one is known.
pub fn first_members(comments: &[Comment]) -> BTreeMap<&str, &Comment> {
    let mut out: BTreeMap<&str, &Comment> = BTreeMap::new();
    for c in comments.iter().filter(|c| c.is_visible()) {
        if let Some(g) = c.group_id.as_deref() {
            out.entry(g)
                .and_modify(|k| {
                    if c.id < k.id {
                        *k = c;
                    }
                })
                .or_insert(c);
        }
    }
    out
}

/// One published comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportComment {
    /// `{comment}` id.
    pub id: String,
    /// When received.
    pub received_at: DateTime<Utc>,
    /// Channel.
    pub channel: Term,
    /// Submitter category.
    pub submitter_category: Term,
    /// Name or organisation, only with the submitter's consent.
    pub submitter: Option<String>,
    /// Article of the draft.
    pub clause_reference: String,
    /// The text, personal information masked.
    pub content: String,
    /// Its concentrated opinion, if any.
    pub opinion_group: Option<String>,
    /// Its answer (the group's for grouped comments).
    pub answer: Option<ReportAnswer>,
}

/// A change made to the draft because of the comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdoptedChange {
    /// `comments/{id}` or `opinionGroups/{id}`.
    pub source: String,
    /// Adopted or partially adopted.
    pub outcome: Term,
    /// Article concerned, if the comment named one.
    pub clause_reference: String,
    /// What was adopted.
    pub adopted_content: String,
}

/// An answer as one version published it and as the next one corrects it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerCorrection {
    /// `comments/{id}` or `opinionGroups/{id}`.
    pub subject: String,
    /// The answer the previous version published.
    pub before: Option<ReportAnswer>,
    /// The answer now; `None` when the comment was taken out of publication (hidden).
    pub after: Option<ReportAnswer>,
}

/// The corrections to concentrated opinions' answers between two versions' groups.
pub fn group_corrections(
    previous: &[ReportOpinionGroup],
    next: &[ReportOpinionGroup],
) -> Vec<AnswerCorrection> {
    previous
        .iter()
        .filter_map(|before| {
            let after = next.iter().find(|g| g.id == before.id);
            let after_answer = after.and_then(|g| g.answer.clone());
            (after_answer != before.answer).then(|| AnswerCorrection {
                subject: format!("opinionGroups/{}", before.id),
                before: before.answer.clone(),
                after: after_answer,
            })
        })
        .collect()
}

/// The correction of one comment's answer between two versions: `None` when it is unchanged,
/// or when it follows its concentrated opinion's answer (listed once, for the group).
pub fn comment_correction(
    previous: &ReportComment,
    next: Option<&ReportComment>,
) -> Option<AnswerCorrection> {
    let after = next.and_then(|c| c.answer.clone());
    let same_group = next.is_some_and(|c| c.opinion_group == previous.opinion_group);
    if (same_group && previous.opinion_group.is_some())
        || (next.is_some() && after == previous.answer)
    {
        return None;
    }
    Some(AnswerCorrection {
        subject: format!("comments/{}", previous.id),
        before: previous.answer.clone(),
        after,
    })
}

/// The decision document as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDecision {
    /// 文号.
    pub number: String,
    /// Title.
    pub title: String,
    /// Date.
    pub decided_on: NaiveDate,
    /// Where its full text is published; absent when not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text_url: String,
}

/// Which version of the report this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportEdition {
    /// 1 for the first publication; 0 for a preview.
    pub version: u32,
    /// When this version was published (`None` for a preview).
    pub published_at: Option<DateTime<Utc>>,
    /// Why this version corrects the previous one.
    pub correction_reason: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackReport {
    /// The consultation.
    pub consultation: ReportSubject,
    /// The window held.
    pub window: ReportWindow,
    /// Channels offered.
    pub channels_offered: Vec<Term>,
    /// Channels through which comments came.
    pub channels_used: Vec<Term>,
    /// Opinions from meetings.
    pub meetings: Vec<ReportMeeting>,
    /// Hearings held (absent from versions published before hearings were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hearings: Vec<ReportHearing>,
    /// Other meetings recorded, decision meetings attended by the public included (absent
    /// from versions published before meetings were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_meetings: Vec<ReportHeldMeeting>,
    /// Counts.
    pub totals: ReportTotals,
    /// Concentrated opinions.
    pub opinion_groups: Vec<ReportOpinionGroup>,
    /// Every published comment.
    pub comments: Vec<ReportComment>,
    /// What changed in the draft.
    pub adopted_changes: Vec<AdoptedChange>,
    /// Answers this version corrects, each as the previous version published it and as it is
    /// now; empty in version 1. Versions published before corrections were listed have none.
    #[serde(default)]
    pub answer_corrections: Vec<AnswerCorrection>,
    /// The decision.
    pub decision: Option<ReportDecision>,
    /// Version and publication.
    pub edition: ReportEdition,
}

/// Channels where opinions are voiced at a meeting rather than sent in.
pub const MEETING_CHANNELS: [Channel; 4] = [
    Channel::Hearing,
    Channel::Symposium,
    Channel::ExpertReview,
    Channel::MeetingAttendance,
];

fn counts<K: Ord + Copy>(map: &BTreeMap<K, u64>, term: impl Fn(K) -> Term) -> Vec<Count> {
    map.iter()
        .map(|(k, n)| Count {
            term: term(*k),
            count: *n,
        })
        .collect()
}

/// An answer as published: no officer, no time, personal information masked.
fn published_answer(d: &Disposition) -> ReportAnswer {
    ReportAnswer {
        outcome: term!(d.answer.outcome),
        reason: mask_personal_information(&d.answer.reason),
        adopted_content: mask_personal_information(&d.answer.adopted_content),
    }
}

/// The change to the draft an answer records, if it adopted something it describes.
fn adopted_change(d: Option<&Disposition>, source: String, clause: &str) -> Option<AdoptedChange> {
    let d = d?;
    (d.answer.outcome.adopts() && !d.answer.adopted_content.is_empty()).then(|| AdoptedChange {
        source,
        outcome: term!(d.answer.outcome),
        clause_reference: mask_personal_information(clause),
        adopted_content: mask_personal_information(&d.answer.adopted_content),
    })
}

/// What may be published of a submitter: only with consent, never the contact details.
fn published_submitter(c: &Comment) -> Option<String> {
    if !c.body.publish_name_consent {
        return None;
    }
    let who = if c.body.submitter_organization.trim().is_empty() {
        c.body.submitter_name.trim()
    } else {
        c.body.submitter_organization.trim()
    };
    (!who.is_empty()).then(|| mask_personal_information(who))
}

/// A visible comment as published, with the answer that applies to it.
pub fn published_comment(c: &Comment, group: Option<&OpinionGroup>) -> ReportComment {
    ReportComment {
        id: c.id.clone(),
        received_at: c.received_at,
        channel: term!(c.body.channel),
        submitter_category: term!(c.body.submitter_category),
        submitter: published_submitter(c),
        clause_reference: mask_personal_information(&c.body.clause_reference),
        content: c.published_text(),
        opinion_group: group.map(|g| g.id.clone()),
        answer: effective_disposition(c, group).map(published_answer),
    }
}

/// The change a single (ungrouped) comment's answer made to the draft; a grouped comment's
/// change is listed once, under its group.
pub fn comment_adopted_change(c: &Comment, group: Option<&OpinionGroup>) -> Option<AdoptedChange> {
    if group.is_some() || c.group_id.is_some() {
        return None;
    }
    adopted_change(
        c.disposition.as_ref(),
        format!("comments/{}", c.id),
        &c.body.clause_reference,
    )
}

/// The change a concentrated opinion's answer made to the draft.
pub fn group_adopted_change(g: &OpinionGroup) -> Option<AdoptedChange> {
    adopted_change(
        g.disposition.as_ref(),
        format!("opinionGroups/{}", g.id),
        "",
    )
}

/// What kind of text a stored part of a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// The text around the lists.
    Frame,
    /// One published comment.
    Comment,
    /// One adopted change.
    AdoptedChange,
    /// One corrected answer.
    AnswerCorrection,
}

impl PartKind {
    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Frame => 0,
            Self::Comment => 1,
            Self::AdoptedChange => 2,
            Self::AnswerCorrection => 3,
        }
    }

    /// From the stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Frame),
            1 => Some(Self::Comment),
            2 => Some(Self::AdoptedChange),
            3 => Some(Self::AnswerCorrection),
            _ => None,
        }
    }

    /// What goes between a part of kind `previous` and one of this kind: a comma between two
    /// entries of the same list, nothing otherwise.
    pub fn separator_after(self, previous: Option<PartKind>) -> &'static str {
        match (previous, self) {
            (Some(p), n) if p == n && n != PartKind::Frame => ",",
            _ => "",
        }
    }
}

/// A report's canonical JSON as the text around its three lists: `head`, the comments joined
/// by commas, `between`, the adopted changes (single comments' first, then `group_changes`),
/// `before_corrections`, the corrected answers (groups' first, then comments'), `tail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLayout {
    /// Up to the opening of the comment list.
    pub head: String,
    /// From the end of the comment list to the opening of the adopted changes.
    pub between: String,
    /// From the end of the adopted changes to the opening of the corrected answers.
    pub before_corrections: String,
    /// From the end of the adopted changes.
    pub tail: String,
    /// The concentrated opinions' changes, which end the list of adopted changes.
    pub group_changes: Vec<AdoptedChange>,
}

/// Hashes a report's canonical JSON part by part, in order, adding the separators.
#[derive(Debug, Clone, Default)]
pub struct CanonicalHasher {
    hasher: Sha256,
    previous: Option<PartKind>,
    bytes: u64,
}

impl CanonicalHasher {
    /// Adds the next part; returns the separator written before it.
    pub fn push(&mut self, kind: PartKind, body: &str) -> &'static str {
        let sep = kind.separator_after(self.previous);
        self.hasher.update(sep.as_bytes());
        self.hasher.update(body.as_bytes());
        self.bytes += (sep.len() + body.len()) as u64;
        self.previous = Some(kind);
        sep
    }

    /// Bytes so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Lower-case hex SHA-256 of everything pushed.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// One entry (published comment or adopted change) as its canonical JSON text.
pub fn entry_json<T: Serialize>(entry: &T) -> String {
    // Plain structs of strings, integers and dates always serialise.
    serde_json::to_string(entry).unwrap_or_default()
}

impl FeedbackReport {
    /// Builds the report of `consultation` from its comments and groups, as of `edition`.
    pub fn build(
        consultation: &Consultation,
        view: AnsweringView<'_>,
        calendar: &Calendar,
        edition: ReportEdition,
    ) -> Self {
        let tally = AnsweringTally::of(view);
        let mut report = Self::summary(consultation, &tally, view.groups, calendar, edition)
            .represented_by(&first_members(view.comments));
        let groups = view.group_index();
        let mut changes = Vec::new();
        for c in view.comments.iter().filter(|c| c.is_visible()) {
            let group = c.group_id.as_deref().and_then(|g| groups.get(g).copied());
            report.comments.push(published_comment(c, group));
            changes.extend(comment_adopted_change(c, group));
        }
        // Changes of single comments come first, then those of concentrated opinions.
        changes.append(&mut report.adopted_changes);
        report.adopted_changes = changes;
        report
    }

    /// Lists the hearings whose notice was published, with the published opinions recorded
    /// from each (`opinions`, by hearing name).
    pub fn with_hearings(mut self, hearings: &[Hearing], opinions: &BTreeMap<String, u64>) -> Self {
        self.hearings = hearings
            .iter()
            .filter(|h| h.is_public())
            .map(|h| {
                let mut by_category = BTreeMap::<SubmitterCategory, u64>::new();
                for p in &h.participants {
                    *by_category.entry(p.category).or_default() += 1;
                }
                ReportHearing {
                    name: h.name(),
                    held_at: h.plan.held_at,
                    place: h.plan.place.clone(),
                    matters: h.plan.matters.clone(),
                    notice_published_at: h.notice_published_at,
                    participant_categories: counts(&by_category, |k| term!(k)),
                    opinions: opinions.get(&h.name()).copied().unwrap_or(0),
                    record_confirmed: h.is_confirmed(),
                }
            })
            .collect();
        self
    }

    /// Lists the meetings recorded, with the published opinions recorded from each
    /// (`opinions`, by meeting name).
    pub fn with_meetings(mut self, meetings: &[Meeting], opinions: &BTreeMap<String, u64>) -> Self {
        self.held_meetings = meetings
            .iter()
            .map(|m| ReportHeldMeeting {
                name: m.name(),
                kind: term!(m.kind),
                held_at: m.held_at,
                title: mask_personal_information(&m.title),
                attendee_categories: m
                    .attendees
                    .iter()
                    .map(|a| Count {
                        term: term!(a.category),
                        count: u64::from(a.count),
                    })
                    .collect(),
                consented_names: m
                    .attendees
                    .iter()
                    .flat_map(|a| a.consented_names.iter().cloned())
                    .collect(),
                opinions: opinions.get(&m.name()).copied().unwrap_or(0),
                opinions_summary: mask_personal_information(&m.opinions_summary),
                handling: mask_personal_information(&m.handling),
            })
            .collect();
        self
    }

    /// Gives each group the words of its member in `representatives` (by group id), if that
    /// member is a visible member of it.
    pub fn represented_by(mut self, representatives: &BTreeMap<&str, &Comment>) -> Self {
        for g in &mut self.opinion_groups {
            g.representative = representatives
                .get(g.id.as_str())
                .filter(|c| c.group_id.as_deref() == Some(g.id.as_str()))
                .and_then(|c| {
                    c.public_content().map(|text| ReportRepresentative {
                        comment: c.id.clone(),
                        text,
                    })
                });
        }
        self
    }

    /// The report without its per-comment parts: everything decided by counts, the groups and
    /// the consultation. `comments` is empty, and `adopted_changes` holds the groups' changes
    /// only (those of single comments precede them in the whole report).
    pub fn summary(
        consultation: &Consultation,
        tally: &AnsweringTally,
        groups: &[OpinionGroup],
        calendar: &Calendar,
        edition: ReportEdition,
    ) -> Self {
        let mut by_channel = BTreeMap::<Channel, u64>::new();
        let mut by_category = BTreeMap::<SubmitterCategory, u64>::new();
        let mut hidden_by_reason = BTreeMap::<HideReason, u64>::new();
        let mut by_outcome = BTreeMap::<Outcome, u64>::new();
        let mut meetings = BTreeMap::<Channel, BTreeMap<SubmitterCategory, u64>>::new();
        let mut unanswered = 0;
        for r in tally.rows.iter().filter(|r| r.count > 0) {
            *by_channel.entry(r.channel).or_default() += r.count;
            *by_category.entry(r.submitter_category).or_default() += r.count;
            if let Some(reason) = r.hide_reason {
                *hidden_by_reason.entry(reason).or_default() += r.count;
                continue;
            }
            if MEETING_CHANNELS.contains(&r.channel) {
                *meetings
                    .entry(r.channel)
                    .or_default()
                    .entry(r.submitter_category)
                    .or_default() += r.count;
            }
            match r.outcome {
                Some(o) => *by_outcome.entry(o).or_default() += r.count,
                None => unanswered += r.count,
            }
        }
        let counted: BTreeMap<&str, u64> = tally
            .groups
            .iter()
            .map(|g| (g.id.as_str(), g.visible_members))
            .collect();
        let mut opinion_groups = Vec::new();
        let mut adopted_changes = Vec::new();
        for g in groups {
            let Some(count) = counted.get(g.id.as_str()).copied() else {
                // A group whose members were all removed or hidden says nothing publicly.
                continue;
            };
            adopted_changes.extend(group_adopted_change(g));
            opinion_groups.push(ReportOpinionGroup {
                id: g.id.clone(),
                summary: mask_personal_information(&g.summary),
                count,
                answer: g.disposition.as_ref().map(published_answer),
                representative: None,
            });
        }
        let hidden: u64 = hidden_by_reason.values().sum();
        let received = tally.received();
        FeedbackReport {
            consultation: ReportSubject {
                name: format!("consultations/{}", consultation.id),
                title: consultation.title.clone(),
                department: consultation.department.clone(),
                kind: term!(consultation.kind),
                catalogue_item: consultation.catalogue_item_label.clone(),
            },
            window: ReportWindow {
                opens_at: consultation.opens_at,
                original_closes_at: consultation.original_closes_at(),
                closes_at: consultation.closes_at,
                closed_at: consultation.closed_at,
                shortened: consultation.is_shortened(calendar),
                shortened_reason: consultation.shortened_reason.clone(),
                extensions: consultation
                    .extensions
                    .iter()
                    .map(|e| ReportExtension {
                        previous_closes_at: e.previous_closes_at,
                        closes_at: e.closes_at,
                        reason: e.reason.clone(),
                    })
                    .collect(),
            },
            channels_offered: consultation.channels.iter().map(|c| term!(c)).collect(),
            channels_used: by_channel.keys().map(|c| term!(c)).collect(),
            meetings: meetings
                .iter()
                .map(|(ch, cats)| ReportMeeting {
                    channel: term!(ch),
                    opinions: cats.values().sum(),
                    attendee_categories: counts(cats, |c| term!(c)),
                })
                .collect(),
            hearings: Vec::new(),
            held_meetings: Vec::new(),
            totals: ReportTotals {
                received,
                published: received - hidden,
                hidden,
                unanswered,
                by_channel: counts(&by_channel, |c| term!(c)),
                by_submitter_category: counts(&by_category, |c| term!(c)),
                by_outcome: counts(&by_outcome, |c| term!(c)),
                hidden_by_reason: counts(&hidden_by_reason, |c| term!(c)),
            },
            opinion_groups,
            comments: Vec::new(),
            adopted_changes,
            answer_corrections: Vec::new(),
            decision: consultation.decision.as_ref().map(|d| ReportDecision {
                number: d.number.clone(),
                title: d.title.clone(),
                decided_on: d.decided_on,
                text_url: d.text_url.clone(),
            }),
            edition,
        }
    }

    /// Splits a [`FeedbackReport::summary`] into the text around its three lists, so that the
    /// canonical JSON can be written (and hashed) one comment at a time.
    pub fn layout(mut self) -> ReportLayout {
        let group_changes = std::mem::take(&mut self.adopted_changes);
        self.comments.clear();
        self.answer_corrections.clear();
        let skeleton = self.canonical_json();
        // Strings are escaped in JSON, so this text occurs only as the structure itself.
        const LISTS: &str = r#""comments":[],"adopted_changes":[],"answer_corrections":[]"#;
        let at = skeleton.find(LISTS).unwrap_or(skeleton.len());
        let (before, after) = skeleton.split_at(at);
        let after = after.get(LISTS.len()..).unwrap_or_default();
        ReportLayout {
            head: format!(r#"{before}"comments":["#),
            between: r#"],"adopted_changes":["#.to_owned(),
            before_corrections: r#"],"answer_corrections":["#.to_owned(),
            tail: format!("]{after}"),
            group_changes,
        }
    }

    /// The canonical content: compact JSON with fields in declaration order. This exact text is
    /// stored, served as the JSON download, and hashed.
    pub fn canonical_json(&self) -> String {
        // Serialising plain structs, strings, integers and dates cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Lower-case hex SHA-256 of `content`, as published beside each version.
pub fn content_sha256(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A published version without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVersion {
    /// Version number.
    pub version: u32,
    /// SHA-256 of the content.
    pub sha256: String,
    /// When.
    pub published_at: DateTime<Utc>,
    /// Why it corrects the previous one.
    pub correction_reason: String,
}

/// A published version as kept: the canonical text and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedReport {
    /// The consultation id.
    pub consultation_id: String,
    /// Version number, from 1.
    pub version: u32,
    /// Canonical JSON of the report.
    pub content: String,
    /// SHA-256 of `content`.
    pub sha256: String,
    /// The officer who published it.
    pub published_by: String,
    /// When.
    pub published_at: DateTime<Utc>,
    /// Why it corrects the previous version (empty for version 1).
    pub correction_reason: String,
}

impl PublishedReport {
    /// Seals `report` as a published version.
    pub fn seal(report: &FeedbackReport, consultation_id: &str, published_by: &str) -> Self {
        let content = report.canonical_json();
        Self {
            consultation_id: consultation_id.to_owned(),
            version: report.edition.version,
            sha256: content_sha256(&content),
            content,
            published_by: published_by.to_owned(),
            published_at: report.edition.published_at.unwrap_or_default(),
            correction_reason: report.edition.correction_reason.clone(),
        }
    }

    /// The report back from its canonical text.
    pub fn report(&self) -> Result<FeedbackReport, serde_json::Error> {
        serde_json::from_str(&self.content)
    }
}

pub mod digest;
#[cfg(test)]
mod reference;
