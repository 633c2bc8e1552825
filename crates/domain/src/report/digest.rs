//! The report as a citizen reads it first: "你们说 · 我们做" — what most people asked, what
//! changed in the draft and what did not and why, with counts — and the changes grouped by
//! article, each distinct change once, ordered by how many comments asked for it.
//!
//! Everything here is computed from a report's summary (its groups and adopted changes), never
//! from its comment list, so it costs the same whatever the number of comments.

use std::collections::HashMap;

use crate::answering::Outcome;

use super::{AdoptedChange, FeedbackReport, ReportOpinionGroup, Term};
use crate::clause::leading_article;
pub use crate::clause::{article_number, article_title};

/// A change's text as it reads under its article's heading: without a leading reference to
/// that same article and the punctuation after it (`第五条：早晚高峰…` under 第五条 reads
/// `早晚高峰…`). Any other text is kept whole.
pub fn under_article<'a>(text: &'a str, clause: &str) -> &'a str {
    let Some(n) = article_number(clause) else {
        return text;
    };
    let trimmed = text.trim_start();
    if leading_article(trimmed) != Some(n) {
        return text;
    }
    let Some(at) = trimmed.find('条') else {
        return text;
    };
    let rest = trimmed[at + '条'.len_utf8()..]
        .trim_start_matches(|c: char| c.is_whitespace() || "：:，,、。.".contains(c));
    if rest.is_empty() { text } else { rest }
}

/// One distinct change to the draft and how many comments it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinctChange {
    /// Adopted or partially adopted.
    pub outcome: Term,
    /// What was adopted, as the first answer worded it.
    pub adopted_content: String,
    /// Comments answered with it (a concentrated opinion counts its members).
    pub comments: u64,
}

/// The changes made to one article (or to none named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseChanges {
    /// `第五条`; the reference as written when it names no article; empty when none was given.
    pub clause: String,
    /// Comments whose answers changed it.
    pub comments: u64,
    /// Each distinct change once, most asked-for first.
    pub changes: Vec<DistinctChange>,
}

/// A change as compared: outcome code and comparable text.
type ChangeKey = (String, String);

/// Text compared to tell repeats apart: no spaces or end punctuation, letters in one width.
fn comparable(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_end_matches(['。', '.', '；', ';', '！', '!'])
        .to_owned()
}

/// The adopted changes of `report` grouped by article, de-duplicated and ordered by how many
/// comments asked for them (ties: article order, then first appearance).
pub fn changes_by_clause(report: &FeedbackReport) -> Vec<ClauseChanges> {
    let members: HashMap<&str, u64> = report
        .opinion_groups
        .iter()
        .map(|g| (g.id.as_str(), g.count))
        .collect();
    // Per article (or reference as written), in first-seen order: its changes and where each
    // distinct one (outcome, comparable text) is in them.
    let mut clauses: Vec<(Option<u32>, ClauseChanges, HashMap<ChangeKey, usize>)> = Vec::new();
    for AdoptedChange {
        source,
        outcome,
        clause_reference,
        adopted_content,
    } in &report.adopted_changes
    {
        let weight = match source.strip_prefix("opinionGroups/") {
            Some(g) => members.get(g).copied().unwrap_or(1),
            None => 1,
        };
        // A concentrated opinion has no clause of its own; its answer often names the article
        // it changes first (`第五条：…`).
        let article = article_number(clause_reference).or_else(|| {
            clause_reference
                .trim()
                .is_empty()
                .then(|| leading_article(adopted_content))
                .flatten()
        });
        let clause = match article {
            Some(n) => article_title(n),
            None => clause_reference.trim().to_owned(),
        };
        let at = match clauses.iter().position(|(_, c, _)| c.clause == clause) {
            Some(i) => i,
            None => {
                clauses.push((
                    article,
                    ClauseChanges {
                        clause,
                        comments: 0,
                        changes: Vec::new(),
                    },
                    HashMap::new(),
                ));
                clauses.len() - 1
            }
        };
        let (_, entry, seen) = &mut clauses[at];
        entry.comments += weight;
        let key = (outcome.code.clone(), comparable(adopted_content));
        match seen.get(&key) {
            Some(i) => entry.changes[*i].comments += weight,
            None => {
                seen.insert(key, entry.changes.len());
                entry.changes.push(DistinctChange {
                    outcome: outcome.clone(),
                    adopted_content: adopted_content.clone(),
                    comments: weight,
                });
            }
        }
    }
    let mut out: Vec<(Option<u32>, ClauseChanges)> =
        clauses.into_iter().map(|(n, c, _)| (n, c)).collect();
    for (_, c) in &mut out {
        // Stable: equal counts keep their first-seen order.
        c.changes.sort_by_key(|d| std::cmp::Reverse(d.comments));
    }
    out.sort_by(|(na, a), (nb, b)| {
        b.comments
            .cmp(&a.comments)
            .then_with(|| na.unwrap_or(u32::MAX).cmp(&nb.unwrap_or(u32::MAX)))
    });
    out.into_iter().map(|(_, c)| c).collect()
}

/// What the public said and what the government did, in a few lines each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YouSaidWeDid<'a> {
    /// The concentrated opinions, most comments first (at most `top`).
    pub most_asked: Vec<&'a ReportOpinionGroup>,
    /// The changes made, most asked-for first (at most `top`).
    pub changed: Vec<(String, DistinctChange)>,
    /// How many distinct changes there are in all.
    pub changes_total: usize,
    /// Concentrated opinions not taken up, with their reasons, most comments first (at most
    /// `top`).
    pub not_taken: Vec<&'a ReportOpinionGroup>,
    /// Comments adopted in full or in part.
    pub adopted_comments: u64,
    /// Comments not adopted or out of scope.
    pub not_adopted_comments: u64,
}

/// The "你们说 · 我们做" summary of `report`, keeping `top` items of each list.
pub fn you_said_we_did(report: &FeedbackReport, top: usize) -> YouSaidWeDid<'_> {
    let adopts = |t: &Term| Outcome::from_code(&t.code).is_some_and(Outcome::adopts);
    let mut most_asked: Vec<&ReportOpinionGroup> = report.opinion_groups.iter().collect();
    most_asked.sort_by_key(|g| std::cmp::Reverse(g.count));
    let mut not_taken: Vec<&ReportOpinionGroup> = most_asked
        .iter()
        .copied()
        .filter(|g| g.answer.as_ref().is_some_and(|a| !adopts(&a.outcome)))
        .collect();
    not_taken.truncate(top);
    most_asked.truncate(top);
    let mut changed: Vec<(String, DistinctChange)> = changes_by_clause(report)
        .into_iter()
        .flat_map(|c| {
            let clause = c.clause;
            c.changes.into_iter().map(move |d| (clause.clone(), d))
        })
        .collect();
    let changes_total = changed.len();
    changed.sort_by_key(|(_, d)| std::cmp::Reverse(d.comments));
    changed.truncate(top);
    let (mut adopted_comments, mut not_adopted_comments) = (0, 0);
    for c in &report.totals.by_outcome {
        if adopts(&c.term) {
            adopted_comments += c.count;
        } else {
            not_adopted_comments += c.count;
        }
    }
    YouSaidWeDid {
        most_asked,
        changed,
        changes_total,
        not_taken,
        adopted_comments,
        not_adopted_comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_under_its_article_does_not_repeat_the_article() {
        assert_eq!(
            under_article("第五条：早晚高峰发车间隔缩短至8分钟", "第五条"),
            "早晚高峰发车间隔缩短至8分钟"
        );
        assert_eq!(
            under_article("第5条 增加夜班线路", "第五条"),
            "增加夜班线路"
        );
        // However the clause was written.
        assert_eq!(
            under_article("第五条：早晚高峰发车间隔缩短至8分钟", "5"),
            "早晚高峰发车间隔缩短至8分钟"
        );
        // Another article, no article, or nothing after it: kept whole.
        assert_eq!(
            under_article("第七条：增开夜班", "第五条"),
            "第七条：增开夜班"
        );
        assert_eq!(under_article("增开夜班", "第五条"), "增开夜班");
        assert_eq!(under_article("第五条", "第五条"), "第五条");
        assert_eq!(under_article("第五条：增开夜班", ""), "第五条：增开夜班");
        // 第五十条 is not 第五条.
        assert_eq!(under_article("第五十条：删去", "第五条"), "第五十条：删去");
    }
}
