//! Suggestions kept up to date as comments arrive (see `consult_domain::suggestion::assigning`):
//! the comments awaiting comparison are read a round at a time through their partial index,
//! placed by the consultation's [`Assigner`] in one transaction that reads the neighbours'
//! suggestions as they are now, and marked compared; one replica at a time does it, under a
//! [lease](Store::hold_lease).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use consult_domain::similarity::Signature;
use consult_domain::suggestion::assigning::{Assigner, Placed, Plan};
use consult_domain::suggestion::{
    SUGGESTION_MIN_MEMBERS, SuggestionState, check_computable, may_be_placed,
};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entity::{comment, consultation, suggestion};
use crate::suggestions::{CHUNK, PAGE, SUGGESTIONS_REVISION, comparable_page, locked, to_row};
use crate::{Store, StoreError};

/// The condition of `idx_comments_awaiting_comparison`, written as the index has it.
const AWAITING: &str = r#""comments"."awaiting_comparison" = TRUE"#;

/// A comment awaiting comparison: id, text, hide reason, group, suggestion.
type AwaitingRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A consultation's assigner, loaded from the database.
#[derive(Debug)]
pub struct LoadedAssigner {
    /// The clusters of its comments already compared.
    pub assigner: Assigner,
    /// The consultation's suggestions revision when loaded.
    pub revision: i64,
}

impl Store {
    /// Takes the lease `name` for `holder` until `now + lease` if it is free, lapsed or
    /// already `holder`'s; returns whether `holder` holds it. One conditional statement, so
    /// that of replicas asking at once exactly one gets it.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        // Here only: its methods shadow std's wherever it is in scope.
        use sea_orm::sea_query::ExprTrait;

        let (table, name_col, holder_col, until_col) = (
            Alias::new("leases"),
            Alias::new("name"),
            Alias::new("holder"),
            Alias::new("held_until"),
        );
        let insert = Query::insert()
            .into_table(table.clone())
            .columns([name_col.clone(), holder_col.clone(), until_col.clone()])
            .values_panic([name.into(), holder.into(), (now + lease).into()])
            .on_conflict(
                OnConflict::column(name_col)
                    .update_columns([holder_col.clone(), until_col.clone()])
                    .action_and_where(
                        Expr::col((table.clone(), holder_col.clone()))
                            .eq(holder)
                            .or(Expr::col((table, until_col)).lt(now)),
                    )
                    .to_owned(),
            )
            .to_owned();
        let changed = self.db.execute(&insert).await?.rows_affected();
        Ok(changed == 1)
    }

    /// Consultations with comments awaiting comparison, at most `limit`.
    pub async fn consultations_awaiting_comparison(
        &self,
        limit: u64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(comment::Entity::find()
            .select_only()
            .column(comment::Column::ConsultationId)
            .distinct()
            .filter(Expr::cust(AWAITING))
            .limit(limit)
            .into_tuple::<String>()
            .all(&self.db)
            .await?)
    }

    /// How many times officers have changed the suggestions of `consultation_id` (computed,
    /// accepted, split, dismissed) or made a comment comparable again (shown again, released
    /// from a group): an assigner loaded at another revision is out of date.
    pub async fn suggestions_revision(&self, consultation_id: &str) -> Result<i64, StoreError> {
        let revision: Option<i64> = consultation::Entity::find_by_id(consultation_id.to_owned())
            .select_only()
            .expr(Expr::col(Alias::new(SUGGESTIONS_REVISION)))
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(revision.unwrap_or(0))
    }

    /// Loads the assigner of `consultation_id`: the visible, ungrouped comments already
    /// compared that are in no dismissed suggestion, a page at a time. `None` when there are
    /// more than `most` comments (their clusters would not fit the memory allowed).
    pub async fn load_assigner(
        &self,
        consultation_id: &str,
        most: u64,
    ) -> Result<Option<LoadedAssigner>, StoreError> {
        let revision = self.suggestions_revision(consultation_id).await?;
        let total = comment::Entity::find()
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .count(&self.db)
            .await?;
        if total > most {
            return Ok(None);
        }
        let mut open: HashMap<String, u64> = HashMap::new();
        let mut dismissed: HashSet<String> = HashSet::new();
        let states: Vec<(String, String, i64)> = suggestion::Entity::find()
            .select_only()
            .column(suggestion::Column::Id)
            .column(suggestion::Column::State)
            .column(suggestion::Column::Members)
            .filter(suggestion::Column::ConsultationId.eq(consultation_id))
            .into_tuple()
            .all(&self.db)
            .await?;
        for (id, state, members) in states {
            match SuggestionState::from_code(&state) {
                Some(SuggestionState::Open) => {
                    open.insert(id, u64::try_from(members).unwrap_or(0));
                }
                Some(SuggestionState::Dismissed) => {
                    dismissed.insert(id);
                }
                _ => {}
            }
        }
        let mut assigner = Assigner::new();
        let mut after: Option<String> = None;
        loop {
            let rows = comparable_page(&self.db, consultation_id, after.as_deref(), true).await?;
            for (id, content, in_suggestion) in &rows {
                if in_suggestion
                    .as_ref()
                    .is_some_and(|s| dismissed.contains(s))
                {
                    continue;
                }
                let in_open = in_suggestion
                    .as_ref()
                    .and_then(|s| open.get(s).map(|n| (s.as_str(), *n)));
                assigner.load(id.clone(), Signature::of(content), in_open);
            }
            match rows.last() {
                Some(last) if rows.len() as u64 == PAGE => after = Some(last.0.clone()),
                _ => break,
            }
        }
        Ok(Some(LoadedAssigner { assigner, revision }))
    }

    /// Marks every comment of `consultation_id` awaiting comparison as compared without
    /// placing it (a consultation too large to keep, or past grouping); returns how many.
    pub async fn skip_comparison(&self, consultation_id: &str) -> Result<u64, StoreError> {
        let txn = self.begin_write().await?;
        let n = mark_compared(&txn, consultation_id, None).await?;
        txn.commit().await?;
        Ok(n)
    }

    /// One round of placing: up to `limit` comments of `consultation_id` awaiting comparison,
    /// in the order received, are added to `assigner` and placed. Where they go is decided in
    /// memory first (reading the neighbours' suggestions, a statement or two per arriving copy,
    /// held intake back by a third in a surge); the changes are then written in one
    /// transaction, a statement per suggestion, each conditional on what it assumed (the
    /// suggestion still open, the comment still visible, ungrouped and in none). After an error
    /// the assigner is ahead of the database and must be loaded again.
    pub async fn assign_arrivals(
        &self,
        consultation_id: &str,
        assigner: &mut Assigner,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Placed, StoreError> {
        let rows: Vec<AwaitingRow> = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .column(comment::Column::Content)
            .column(comment::Column::HideReason)
            .column(comment::Column::GroupId)
            .column(comment::Column::SuggestionId)
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(Expr::cust(AWAITING))
            .order_by_asc(comment::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Ok(Placed::default());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let consultation = self.consultation(consultation_id).await?;
        if check_computable(&consultation, now).is_err() {
            // Groups can no longer change: nothing to suggest.
            let txn = self.begin_write().await?;
            mark_compared(&txn, consultation_id, Some(&ids)).await?;
            txn.commit().await?;
            return Ok(Placed {
                compared: ids.len() as u64,
                ..Placed::default()
            });
        }

        let mut round = Round::default();
        for (id, content, hidden, grouped, suggested) in rows {
            if !may_be_placed(hidden.is_some(), grouped.is_some(), suggested.is_some()) {
                continue;
            }
            let arrival = assigner.add(id, Signature::of(&content));
            let new_id = ulid::Ulid::new().to_string();
            let plan = assigner.plan(&arrival, consultation_id, &new_id, now);
            assigner.placed(&arrival, &plan);
            round.plan(plan);
        }

        let txn = self.begin_write().await?;
        let consultation = locked(&txn, consultation_id).await?;
        let mut placed = Placed {
            compared: ids.len() as u64,
            ..Placed::default()
        };
        if check_computable(&consultation, now).is_ok() {
            round.write(&txn, consultation_id, now, &mut placed).await?;
        }
        mark_compared(&txn, consultation_id, Some(&ids)).await?;
        txn.commit().await?;
        Ok(placed)
    }
}

/// What a round decided, before it is written.
#[derive(Default)]
struct Round {
    /// Suggestions formed, with their members, in order.
    formed: Vec<(consult_domain::suggestion::Suggestion, Vec<String>)>,
    /// Open suggestions merged into another, in order.
    merged: Vec<(String, String)>,
    /// Comments joining a suggestion (as decided; merges are followed when written).
    joined: Vec<(String, String)>,
    /// Where each merged suggestion went.
    merged_into: HashMap<String, String>,
}

impl Round {
    /// Where suggestion `id` is now, following merges.
    fn resolve(&self, id: &str) -> String {
        let mut at = id.to_owned();
        while let Some(next) = self.merged_into.get(&at) {
            at = next.clone();
        }
        at
    }

    /// Takes a plan in.
    fn plan(&mut self, plan: Plan) {
        match plan {
            Plan::Wait => {}
            Plan::Join {
                suggestion_id,
                absorbed,
                members,
            } => {
                for other in absorbed {
                    self.merged_into
                        .insert(other.clone(), suggestion_id.clone());
                    self.merged.push((other, suggestion_id.clone()));
                }
                for m in members {
                    self.joined.push((m, suggestion_id.clone()));
                }
            }
            Plan::Form {
                suggestion,
                members,
            } => self.formed.push((suggestion, members)),
        }
    }

    /// Writes what was decided: suggestions formed, then merges, then each suggestion's new
    /// members, every statement conditional on what it assumed.
    async fn write(
        &self,
        txn: &DatabaseTransaction,
        consultation_id: &str,
        now: DateTime<Utc>,
        placed: &mut Placed,
    ) -> Result<(), StoreError> {
        for (suggestion, members) in &self.formed {
            suggestion::Entity::insert(to_row(suggestion))
                .exec(txn)
                .await?;
            let taken = take_members(txn, consultation_id, &suggestion.id, members).await?;
            if taken < SUGGESTION_MIN_MEMBERS {
                // Officers took some meanwhile: too few are left (comments decided to join it
                // later in the round find it gone and stay in none).
                comment::Entity::update_many()
                    .col_expr(
                        comment::Column::SuggestionId,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(comment::Column::SuggestionId.eq(suggestion.id.as_str()))
                    .exec(txn)
                    .await?;
                suggestion::Entity::delete_by_id(suggestion.id.clone())
                    .exec(txn)
                    .await?;
                continue;
            }
            set_members(txn, &suggestion.id, taken as i64, now).await?;
            placed.formed += 1;
            placed.in_formed += taken;
        }
        for (from, to) in &self.merged {
            let to = self.resolve(to);
            if !is_open(txn, from).await? || !is_open(txn, &to).await? {
                continue;
            }
            let moved = comment::Entity::update_many()
                .col_expr(comment::Column::SuggestionId, Expr::value(to.clone()))
                .filter(comment::Column::SuggestionId.eq(from.as_str()))
                .exec(txn)
                .await?
                .rows_affected;
            suggestion::Entity::delete_by_id(from.clone())
                .exec(txn)
                .await?;
            add_members(txn, &to, moved as i64, now).await?;
            placed.merged += 1;
        }
        let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (comment_id, target) in &self.joined {
            by_target
                .entry(self.resolve(target))
                .or_default()
                .push(comment_id.clone());
        }
        for (target, members) in by_target {
            if !is_open(txn, &target).await? {
                continue;
            }
            let taken = take_members(txn, consultation_id, &target, &members).await?;
            add_members(txn, &target, taken as i64, now).await?;
            placed.joined += taken;
        }
        Ok(())
    }
}

/// Whether suggestion `id` exists and is open.
async fn is_open(txn: &DatabaseTransaction, id: &str) -> Result<bool, StoreError> {
    Ok(suggestion::Entity::find_by_id(id.to_owned())
        .filter(suggestion::Column::State.eq(SuggestionState::Open.code()))
        .count(txn)
        .await?
        > 0)
}

/// Sets the member count of suggestion `id`.
async fn set_members(
    txn: &DatabaseTransaction,
    id: &str,
    members: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    suggestion::Entity::update_many()
        .col_expr(suggestion::Column::Members, Expr::value(members))
        .col_expr(suggestion::Column::UpdatedAt, Expr::value(now))
        .filter(suggestion::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Adds `n` to the member count of suggestion `id`.
async fn add_members(
    txn: &DatabaseTransaction,
    id: &str,
    n: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if n == 0 {
        return Ok(());
    }
    suggestion::Entity::update_many()
        .col_expr(
            suggestion::Column::Members,
            sea_orm::sea_query::ExprTrait::add(Expr::col(suggestion::Column::Members), n),
        )
        .col_expr(suggestion::Column::UpdatedAt, Expr::value(now))
        .filter(suggestion::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Puts those of `members` still visible, ungrouped and in no suggestion into `suggestion_id`;
/// returns how many.
async fn take_members(
    txn: &DatabaseTransaction,
    consultation_id: &str,
    suggestion_id: &str,
    members: &[String],
) -> Result<u64, StoreError> {
    let mut taken = 0;
    for chunk in members.chunks(CHUNK) {
        taken += comment::Entity::update_many()
            .col_expr(
                comment::Column::SuggestionId,
                Expr::value(suggestion_id.to_owned()),
            )
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
            .filter(comment::Column::HideReason.is_null())
            .filter(comment::Column::GroupId.is_null())
            .filter(comment::Column::SuggestionId.is_null())
            .exec(txn)
            .await?
            .rows_affected;
    }
    Ok(taken)
}

/// Marks the comments `ids` of `consultation_id` (all awaiting, when `None`) compared.
/// Marks the comments of `consultation_id` up to id `through` compared: computing from
/// scratch read them (without it, with the assigner off, the partial index would keep every
/// comment ever stored).
pub(crate) async fn mark_compared_through(
    txn: &DatabaseTransaction,
    consultation_id: &str,
    through: &str,
) -> Result<u64, StoreError> {
    Ok(comment::Entity::update_many()
        .col_expr(comment::Column::AwaitingComparison, Expr::value(false))
        .filter(comment::Column::ConsultationId.eq(consultation_id))
        .filter(Expr::cust(AWAITING))
        .filter(comment::Column::Id.lte(through))
        .exec(txn)
        .await?
        .rows_affected)
}

async fn mark_compared(
    txn: &DatabaseTransaction,
    consultation_id: &str,
    ids: Option<&[String]>,
) -> Result<u64, StoreError> {
    let update = || {
        comment::Entity::update_many()
            .col_expr(comment::Column::AwaitingComparison, Expr::value(false))
            .filter(comment::Column::ConsultationId.eq(consultation_id))
            .filter(Expr::cust(AWAITING))
    };
    let Some(ids) = ids else {
        return Ok(update().exec(txn).await?.rows_affected);
    };
    let mut n = 0;
    for chunk in ids.chunks(CHUNK) {
        n += update()
            .filter(comment::Column::Id.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?
            .rows_affected;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use sea_orm::ConnectionTrait;

    use super::*;
    use crate::PrivateDataKeys;
    use crate::comments::tests::{comment_row, temp_database};

    /// Consultation `C1`, open in March 2026.
    const OPEN_C1: &str = "INSERT INTO consultations (id, department, kind, title, draft_text, \
        basis, explanation, channels, shortened_reason, state, extensions, withdrawal_reason, \
        warnings, created_by, created_at, updated_at, opens_at, closes_at) VALUES ('C1', 'fgw', \
        'RULE', 't', '', '', '', '[\"PORTAL\"]', '', 'OPEN', '[]', '', '[]', 'o', \
        '2026-03-01 00:00:00+00:00', '2026-03-01 00:00:00+00:00', \
        '2026-03-01 00:00:00+00:00', '2026-04-01 00:00:00+00:00')";

    const CAMPAIGN: &str = "强烈建议将过渡期由三个月延长至六个月，给小微企业留出整改时间，\
                            否则很多小店只能关门，请起草部门认真考虑我们的实际困难。";

    fn copy(i: usize) -> String {
        format!("{CAMPAIGN}（市民{i}号）")
    }

    async fn arrive(store: &Store, i: usize, content: &str) {
        store
            .db
            .execute_unprepared(&comment_row(i, "", content, ""))
            .await
            .expect("comment");
        store
            .db
            .execute_unprepared(&format!(
                "UPDATE comments SET awaiting_comparison = TRUE WHERE id = 'K{i}'"
            ))
            .await
            .expect("awaiting");
    }

    async fn suggestion_of(store: &Store, i: usize) -> Option<String> {
        comment::Entity::find_by_id(format!("K{i}"))
            .one(&store.db)
            .await
            .expect("read")
            .expect("the comment")
            .suggestion_id
    }

    /// A store with consultation `C1` open and three copies of the campaign awaiting
    /// comparison (`K0`-`K2`), and a time while it is open.
    async fn with_three_copies(url: &str) -> (Store, DateTime<Utc>) {
        let store = Store::open(url, PrivateDataKeys::development())
            .await
            .expect("open");
        store
            .db
            .execute_unprepared(OPEN_C1)
            .await
            .expect("consultation");
        for i in 0..3 {
            arrive(&store, i, &copy(i)).await;
        }
        (store, Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap())
    }

    #[tokio::test]
    async fn arriving_copies_form_a_suggestion_then_join_it_across_a_reload() {
        let (dir, url) = temp_database("assign");
        let (store, now) = with_three_copies(&url).await;
        arrive(&store, 3, "地铁票价应当按里程计算，老年人优惠应覆盖全天。").await;
        assert_eq!(
            store
                .consultations_awaiting_comparison(10)
                .await
                .expect("awaiting"),
            ["C1"]
        );
        let LoadedAssigner {
            mut assigner,
            revision,
        } = store
            .load_assigner("C1", 1_000)
            .await
            .expect("load")
            .expect("small enough");
        assert!(assigner.is_empty(), "comments awaiting are not loaded");
        assert_eq!(revision, 0);

        let placed = store
            .assign_arrivals("C1", &mut assigner, 100, now)
            .await
            .expect("round");
        assert_eq!(
            placed,
            Placed {
                compared: 4,
                joined: 0,
                formed: 1,
                in_formed: 3,
                merged: 0
            }
        );
        let formed = suggestion_of(&store, 0).await.expect("in a suggestion");
        assert_eq!(suggestion_of(&store, 1).await.as_ref(), Some(&formed));
        assert_eq!(suggestion_of(&store, 2).await.as_ref(), Some(&formed));
        assert_eq!(suggestion_of(&store, 3).await, None);
        assert!(
            store
                .consultations_awaiting_comparison(10)
                .await
                .expect("awaiting")
                .is_empty()
        );
        let audited = crate::entity::audit_event::Entity::find()
            .count(&store.db)
            .await
            .expect("audit");
        assert_eq!(audited, 0, "placing proposes: nothing to audit");

        // A hidden copy is compared but not placed; a visible one joins.
        arrive(&store, 4, &copy(4)).await;
        arrive(&store, 5, &copy(5)).await;
        store
            .db
            .execute_unprepared("UPDATE comments SET hide_reason = 'SPAM' WHERE id = 'K5'")
            .await
            .expect("hidden");
        let placed = store
            .assign_arrivals("C1", &mut assigner, 100, now)
            .await
            .expect("round");
        assert_eq!((placed.compared, placed.joined), (2, 1));
        assert_eq!(suggestion_of(&store, 4).await.as_ref(), Some(&formed));
        assert_eq!(suggestion_of(&store, 5).await, None);

        // Another replica loads what is stored and carries on alike.
        let mut reloaded = store
            .load_assigner("C1", 1_000)
            .await
            .expect("load")
            .expect("small enough")
            .assigner;
        assert_eq!(reloaded.len(), 5, "K0-K4: the hidden one stays out");
        arrive(&store, 6, &copy(6)).await;
        let placed = store
            .assign_arrivals("C1", &mut reloaded, 100, now)
            .await
            .expect("round");
        assert_eq!(placed.joined, 1);
        assert_eq!(suggestion_of(&store, 6).await.as_ref(), Some(&formed));
        let members = suggestion::Entity::find_by_id(formed.clone())
            .one(&store.db)
            .await
            .expect("read")
            .expect("the suggestion")
            .members;
        assert_eq!(members, 5);
        assert!(
            store.load_assigner("C1", 6).await.expect("load").is_none(),
            "seven comments are more than six"
        );
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_comment_shown_again_reloads_the_assigner_and_computing_marks_what_it_read() {
        use crate::answering::CommentScope;
        use consult_domain::answering::HideReason;

        let (dir, url) = temp_database("assign-unhide");
        let (store, now) = with_three_copies(&url).await;
        let mut assigner = store
            .load_assigner("C1", 1_000)
            .await
            .expect("load")
            .expect("small enough")
            .assigner;
        store
            .assign_arrivals("C1", &mut assigner, 100, now)
            .await
            .expect("round");
        assert_eq!(store.suggestions_revision("C1").await.expect("rev"), 0);

        let moderate = |hide: bool| {
            let store = &store;
            async move {
                store
                    .change_answering(
                        "C1",
                        CommentScope::Ids(vec!["K1".into()]),
                        "o",
                        if hide {
                            "comment.hide"
                        } else {
                            "comment.unhide"
                        },
                        "consultations/C1/comments/K1".into(),
                        now,
                        |a| {
                            let consultation = a.consultation.clone();
                            let c = a.comment_mut("K1")?;
                            if hide {
                                c.hide(&consultation, HideReason::Spam, "", "o", now)
                            } else {
                                c.unhide(&consultation, None, now)
                            }
                        },
                    )
                    .await
                    .expect("moderated")
            }
        };
        moderate(true).await;
        assert_eq!(
            store.suggestions_revision("C1").await.expect("rev"),
            0,
            "hiding leaves the assigner as it is"
        );
        moderate(false).await;
        assert_eq!(
            store.suggestions_revision("C1").await.expect("rev"),
            1,
            "shown again: the assigner loads it"
        );

        // With no assigner running, computing from scratch marks what it read compared.
        arrive(&store, 3, &copy(3)).await;
        arrive(&store, 4, &copy(4)).await;
        assert_eq!(
            store
                .consultations_awaiting_comparison(10)
                .await
                .expect("awaiting"),
            ["C1"]
        );
        let computed = store
            .compute_suggestions("C1", "o", now, None, |_| Ok(()))
            .await
            .expect("computed");
        assert_eq!((computed.compared, computed.suggested), (5, 5));
        assert!(
            store
                .consultations_awaiting_comparison(10)
                .await
                .expect("awaiting")
                .is_empty()
        );
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn one_holder_at_a_time_has_a_lease_until_it_lapses() {
        let (dir, url) = temp_database("lease");
        let store = Store::open(&url, PrivateDataKeys::development())
            .await
            .expect("open");
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap();
        let lease = Duration::seconds(30);
        let hold = |who: &'static str, after: i64| {
            let store = store.clone();
            async move {
                store
                    .hold_lease("assigner", who, at + Duration::seconds(after), lease)
                    .await
                    .expect("lease")
            }
        };
        assert!(hold("A", 0).await);
        assert!(!hold("B", 1).await, "A holds it");
        assert!(hold("A", 20).await, "renewed until 50 s");
        assert!(!hold("B", 40).await);
        assert!(hold("B", 51).await, "lapsed");
        assert!(!hold("A", 52).await);
        store.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }
}
