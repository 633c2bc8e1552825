//! Searching a consultation's comments for words (see `consult_domain::search`). On SQLite the
//! words of three characters or more are looked up in the FTS5 trigram index, walked in its
//! own order a batch at a time, and each batch's comments are read with every other filter; on
//! PostgreSQL `ILIKE` conditions let the planner use the `pg_trgm` index. Words too short for
//! trigrams are `LIKE` conditions on the comments the rest found, or on the consultation's.

use std::collections::HashMap;

use consult_domain::DomainError;
use consult_domain::search::SearchText;
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Select, Statement,
};

use consult_domain::answering::tally::AnsweringTally;

use crate::comments::{CommentFilter, ListedComment, clause_condition, from_row};
use crate::entity::comment;
use crate::{Store, StoreError};

/// Index entries read in the first batch of a search; later batches double, up to
/// [`LAST_BATCH`], so that a word found in most comments answers from the first batch and a
/// rare combination does not take a statement per handful of entries.
const FIRST_BATCH: u64 = 128;
/// The largest batch of index entries read at once (ids bound in one statement stay far below
/// SQLite's limit).
const LAST_BATCH: u64 = 4_096;

/// At most this many comments passing the other filters are read one by one rather than found
/// through the index (see [`read_filtered_below`]).
pub const READ_FILTERED_BELOW: u64 = 20_000;

/// At least this many are read one by one: below it reading is always cheap.
const READ_FILTERED_AT_LEAST: u64 = 1_000;

/// How many comments passing the other filters a search reads one by one rather than walking
/// the index, in a consultation of `total` comments for pages of `page`: walking visits about
/// `page × total / passing` index entries to fill a page, reading visits `passing` comments, so
/// the two cost about the same near √(page × total) (7,000 for a page of 50 at a million; a
/// fixed 20,000 read 20,000 comments one by one for a phrase with 12345 + 第五条, 98-167 ms).
/// Never more than `cap` (the configured `search_reads_filtered_below`).
pub(crate) fn read_filtered_below(total: u64, page: u64, cap: u64) -> u64 {
    let meet = ((total.max(1) as f64) * (page.max(1) as f64)).sqrt() as u64;
    meet.max(READ_FILTERED_AT_LEAST).min(cap)
}

/// Whether a page token's position is one in the FTS5 index (`f` and the rowid; comment ids
/// are upper case).
pub(crate) fn is_index_position(position: &str) -> bool {
    position.starts_with('f')
}

/// Whether a search walks the FTS5 index: on SQLite, when a word is long enough for it.
pub(crate) fn uses_fts(backend: DbBackend, text: &SearchText) -> bool {
    backend == DbBackend::Sqlite && text.indexed_words().next().is_some()
}

/// A `LIKE` pattern (escaped by `\`) for texts containing `word`: `%word%`, with the word's
/// own `%`, `_` and `\` taken literally.
fn containing_pattern(word: &str) -> String {
    let mut escaped = String::with_capacity(word.len() + 2);
    escaped.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

/// Comments whose text contains every one of `words` (lower case), case aside: `ILIKE` on
/// PostgreSQL (which its trigram index serves), `LIKE` on SQLite (ASCII case aside, as the
/// trigram index folds it; Chinese has no case).
pub(crate) fn contains_every_word<'a>(
    backend: DbBackend,
    words: impl IntoIterator<Item = &'a String>,
) -> Condition {
    // Here only: its methods (`max`, `contains`) shadow std's wherever it is in scope.
    use sea_orm::sea_query::ExprTrait;

    let mut all = Condition::all();
    for word in words {
        all = all.add(match backend {
            // sea-query puts `ILIKE`'s pattern and `ESCAPE` in parentheses, which PostgreSQL
            // refuses; the condition is therefore written out.
            DbBackend::Postgres => Expr::cust_with_values(
                r#""content" ILIKE $1 ESCAPE '\'"#,
                [containing_pattern(word)],
            ),
            _ => Expr::col(comment::Column::Content)
                .like(LikeExpr::new(containing_pattern(word)).escape('\\')),
        });
    }
    all
}

/// Below this many index entries for a search's words, SQLite checks comments against the set
/// of those entries rather than reading each comment's text (see [`contains_text`]).
pub(crate) const FEW_ENTRIES: u64 = 20_000;

/// Comments whose text contains every word of `text`, case aside. On SQLite the words long
/// enough for trigrams are looked up in the FTS5 index, whose rowids are the comments' own
/// (migration 20), so that the comments passing the other filters are checked by rowid without
/// reading their text. The index's entries for the words are gathered first, in all
/// consultations: cheap for a rare phrase, but for one in a third of a million comments about
/// 45 ms whatever else the search asks, more than reading 4,000 comments' texts (`LIKE`, about
/// 25 µs each); listing therefore uses it only below [`FEW_ENTRIES`] entries. Shorter words are
/// `LIKE` conditions; on PostgreSQL every word is an `ILIKE` condition, which its trigram index
/// serves.
pub(crate) fn contains_text(backend: DbBackend, text: &SearchText) -> Condition {
    if backend != DbBackend::Sqlite || text.indexed_words().next().is_none() {
        return contains_every_word(backend, text.words());
    }
    let short: Vec<String> = text.short_words().map(str::to_owned).collect();
    contains_every_word(backend, &short).add(Expr::cust_with_values(
        r#""comments"."rowid" IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?)"#,
        [fts_query(text)],
    ))
}

/// `part` of `total`, as a fraction (0 of none).
fn share(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

/// How many of a consultation's `total` comments must name a clause for about `n` of the
/// `expected` passing the other filters to name it too; `None` when even all would not do.
fn clause_entries_needed(n: u64, total: u64, expected: f64) -> Option<u64> {
    if expected < n as f64 || expected <= 0.0 {
        return None;
    }
    Some(((n as f64 * total as f64 / expected).ceil() as u64).clamp(1, total.max(1)))
}

/// An FTS5 query requiring every word as a phrase (a substring, with the trigram tokenizer).
fn fts_query(text: &SearchText) -> String {
    text.indexed_words()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

impl Store {
    /// SQLite: whether the FTS5 index holds fewer than `n` entries with every indexed word of
    /// `text`, reading at most `n` of them.
    pub(crate) async fn few_index_entries(
        &self,
        text: &SearchText,
        n: u64,
    ) -> Result<bool, StoreError> {
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT count(*) FROM (SELECT rowid FROM comments_fts \
                 WHERE comments_fts MATCH ? LIMIT ?)",
                [fts_query(text).into(), (n as i64).into()],
            ))
            .await?;
        let seen: i64 = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        };
        Ok((seen as u64) < n)
    }

    /// Whether about `n` comments or more of `consultation_id` pass `filter`'s conditions
    /// other than its words, judged from the kept counts (channel, category, status) and, for
    /// a clause or a group, its share of the consultation, taken as independent of the rest.
    /// A clause's share is read from its index alone, no further than the decision needs:
    /// counting the comments that name clause 5 *and* came by 12345 read every one naming
    /// clause 5 (its index knows no channel), about 100 ms at a million. The answer only
    /// chooses between two ways of searching that find the same comments.
    pub(crate) async fn passing_at_least(
        &self,
        consultation_id: &str,
        filter: &CommentFilter,
        tally: &AnsweringTally,
        n: u64,
    ) -> Result<bool, StoreError> {
        use sea_orm::QuerySelect;

        let total = tally.count_comments(None, None, None);
        let mut expected =
            tally.count_comments(filter.channel, filter.submitter_category, filter.status) as f64;
        if let Some(group) = &filter.group_id {
            let members = tally
                .groups
                .iter()
                .find(|g| &g.id == group)
                .map_or(0, |g| g.visible_members);
            expected *= share(members, total);
        }
        let Some(clause) = &filter.clause else {
            return Ok(expected >= n as f64);
        };
        let Some(needed) = clause_entries_needed(n, total, expected) else {
            return Ok(false);
        };
        let seen = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(clause_condition(clause))
            .limit(needed)
            .into_tuple::<String>()
            .all(&self.db)
            .await?
            .len();
        Ok(seen as u64 >= needed)
    }

    /// SQLite: the comments `filtered` selects that contain every word of `text`, in the FTS5
    /// index's order after the index position `after`.
    pub(crate) async fn search_in_index_order(
        &self,
        consultation_id: &str,
        filtered: Select<comment::Entity>,
        text: &SearchText,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<ListedComment>, StoreError> {
        let mut from: i64 = match after {
            None => 0,
            Some(a) => a.trim_start_matches('f').parse().map_err(|_| {
                DomainError::invalid(
                    "page_token",
                    "分页标记不属于这次检索 (the page token is not one of this search)",
                )
            })?,
        };
        let query = fts_query(text);
        let short: Vec<String> = text.short_words().map(str::to_owned).collect();
        let mut batch = FIRST_BATCH.max(limit);
        let mut out = Vec::new();
        loop {
            let entries = self
                .db
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "SELECT rowid, comment_id FROM comments_fts WHERE comments_fts MATCH ? \
                     AND consultation_id = ? AND rowid > ? ORDER BY rowid LIMIT ?",
                    [
                        query.clone().into(),
                        consultation_id.into(),
                        from.into(),
                        (batch as i64).into(),
                    ],
                ))
                .await?;
            let mut order = Vec::with_capacity(entries.len());
            for e in &entries {
                let rowid: i64 = e.try_get_by_index(0)?;
                let id: String = e.try_get_by_index(1)?;
                order.push((rowid, id));
            }
            let Some(&(last, _)) = order.last() else {
                break;
            };
            from = last;
            let mut found: HashMap<String, comment::Model> = filtered
                .clone()
                .filter(comment::Column::Id.is_in(order.iter().map(|(_, id)| id.clone())))
                .filter(contains_every_word(DbBackend::Sqlite, &short))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|m| (m.id.clone(), m))
                .collect();
            for (rowid, id) in order.iter() {
                if let Some(m) = found.remove(id) {
                    out.push(ListedComment {
                        position: format!("f{rowid}"),
                        comment: from_row(m, &self.keys)?,
                    });
                    if out.len() as u64 == limit {
                        return Ok(out);
                    }
                }
            }
            if (entries.len() as u64) < batch {
                break;
            }
            batch = (batch * 2).min(LAST_BATCH);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_one_by_one_stops_where_walking_the_index_costs_as_much() {
        assert_eq!(
            read_filtered_below(1_000_000, 50, READ_FILTERED_BELOW),
            7_071
        );
        assert_eq!(
            read_filtered_below(100_000_000, 50, READ_FILTERED_BELOW),
            20_000
        );
        assert_eq!(read_filtered_below(2_000, 50, READ_FILTERED_BELOW), 1_000);
        assert_eq!(
            read_filtered_below(1_000_000, 50, 0),
            0,
            "configured to always walk"
        );
    }

    #[test]
    fn like_patterns_take_the_words_own_wildcards_literally() {
        let sql = |word: &str| {
            sea_orm::sea_query::Query::select()
                .column(comment::Column::Id)
                .from(comment::Entity)
                .cond_where(contains_every_word(DbBackend::Sqlite, &[word.to_owned()]))
                .to_string(sea_orm::sea_query::SqliteQueryBuilder)
        };
        let escaped = sql("50%_a");
        assert!(
            str::contains(&escaped, r"LIKE '%50\%\_a%' ESCAPE '\'"),
            "{escaped}"
        );
        let backslash = sql(r"a\b");
        assert!(str::contains(&backslash, r"LIKE '%a\\b%'"), "{backslash}");
        let postgres = sea_orm::sea_query::Query::select()
            .column(comment::Column::Id)
            .from(comment::Entity)
            .cond_where(contains_every_word(DbBackend::Postgres, &["5%".to_owned()]))
            .to_string(sea_orm::sea_query::PostgresQueryBuilder);
        assert!(
            str::contains(&postgres, r#""content" ILIKE E'%5\\%%' ESCAPE '\'"#),
            "{postgres}"
        );
    }

    #[test]
    fn an_fts_query_requires_each_long_word_as_a_phrase() {
        let text = SearchText::parse("query", "延长过渡期 票价 \"地铁\"线")
            .expect("valid")
            .expect("words");
        assert_eq!(fts_query(&text), r#""延长过渡期" AND """地铁""线""#);
    }

    #[test]
    fn a_clause_share_is_read_only_as_far_as_the_choice_needs() {
        // 100,000 of a million came by 12345; 7,071 must pass for the index to be walked: a
        // clause named by 70,710 comments or more would give that many.
        assert_eq!(
            clause_entries_needed(7_071, 1_000_000, 100_000.0),
            Some(70_710)
        );
        assert_eq!(
            clause_entries_needed(7_071, 1_000_000, 5_000.0),
            None,
            "fewer pass the other filters than the clause could keep"
        );
        assert_eq!(
            clause_entries_needed(10, 1_000, 10.0),
            Some(1_000),
            "every comment would have to name it"
        );
        assert_eq!(clause_entries_needed(0, 0, 0.0), None);
        assert_eq!(share(3, 0), 0.0);
        assert_eq!(share(1, 4), 0.25);
    }
}
