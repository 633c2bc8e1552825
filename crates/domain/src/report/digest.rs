//! The report as a citizen reads it first: "你们说 · 我们做" — what most people asked, what
//! changed in the draft and what did not and why, with counts — and the changes grouped by
//! article, each distinct change once, ordered by how many comments asked for it.
//!
//! Everything here is computed from a report's summary (its groups and adopted changes), never
//! from its comment list, so it costs the same whatever the number of comments.

use std::collections::HashMap;

use crate::answering::Outcome;

use super::{AdoptedChange, FeedbackReport, ReportOpinionGroup, Term};

/// A clause reference as people write it, read as an article number where it names one:
/// `5`, `第5条`, `第五条`, `第 五 条` and `第五条第二款` are all article 5.
pub fn article_number(reference: &str) -> Option<u32> {
    let compact: String = reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    let number = match compact.split_once('条') {
        // 第五条…, 五条…: the number before the first 条.
        Some((before, _)) => before.strip_prefix('第').unwrap_or(before),
        // A bare number; "五", "5年" or "第三章" name no article.
        None if compact.chars().all(|c| c.is_ascii_digit()) => compact.as_str(),
        None => return None,
    };
    if number.chars().all(|c| c.is_ascii_digit()) {
        return number.parse().ok().filter(|n| *n > 0);
    }
    chinese_number(number)
}

/// The article a text begins with: `第五条：…` → 5.
fn leading_article(text: &str) -> Option<u32> {
    let text = text.trim_start();
    if !text.starts_with('第') {
        return None;
    }
    let end = text.char_indices().take(12).find(|(_, c)| *c == '条')?.0;
    article_number(&text[..end + '条'.len_utf8()])
}

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

/// `五` → 5, `十二` → 12, `一百零三` → 103, `二十` → 20; up to 9999.
fn chinese_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c);
    let mut total = 0u32;
    let mut current: Option<u32> = None;
    for c in s.chars() {
        if let Some(d) = digit(c).or(match c {
            '〇' => Some(0),
            '两' => Some(2),
            _ => None,
        }) {
            current = Some(d as u32);
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        // 十二: a unit with no digit before it counts once.
        total += current.take().unwrap_or(1) * unit;
    }
    total += current.unwrap_or(0);
    (total > 0).then_some(total)
}

/// An article number as the official style writes it: 5 → `第五条`.
pub fn article_title(n: u32) -> String {
    format!("第{}条", chinese_numeral(n))
}

fn chinese_numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n < 10 {
        return DIGITS[n as usize].to_owned();
    }
    if n < 20 {
        return format!(
            "十{}",
            if n == 10 {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        );
    }
    let mut out = String::new();
    let mut zero = false;
    for (unit, name) in [(1000, "千"), (100, "百"), (10, "十"), (1, "")] {
        let d = (n / unit) % 10;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push_str(DIGITS[d as usize]);
        out.push_str(name);
    }
    out
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

    #[test]
    fn clause_references_as_people_write_them_are_one_article() {
        for r in [
            "5",
            "第5条",
            "第五条",
            "第 五 条",
            "第五条第二款",
            "第５条",
            "五",
        ] {
            let expected = if r == "五" { None } else { Some(5) };
            assert_eq!(article_number(r), expected, "{r}");
        }
        assert_eq!(article_number("第十二条"), Some(12));
        assert_eq!(article_number("第二十条"), Some(20));
        assert_eq!(article_number("第一百零三条"), Some(103));
        assert_eq!(article_number("第三十五条第一款第（二）项"), Some(35));
        // Not articles.
        for r in ["", "附件1", "5年", "总则", "第三章", "50%"] {
            assert_eq!(article_number(r), None, "{r}");
        }
        assert_eq!(leading_article("第五条：高峰间隔缩短至8分钟"), Some(5));
        assert_eq!(leading_article("增加第五条"), None);
        assert_eq!(article_title(5), "第五条");
        assert_eq!(article_title(12), "第十二条");
        assert_eq!(article_title(20), "第二十条");
        assert_eq!(article_title(103), "第一百零三条");
        assert_eq!(article_title(110), "第一百一十条");
        for n in 1..=400 {
            assert_eq!(article_number(&article_title(n)), Some(n), "{n}");
        }
    }
}
