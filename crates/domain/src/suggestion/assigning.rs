//! Suggestions kept up to date as comments arrive. An [`Assigner`] holds one consultation's
//! comments that can be suggested (visible, ungrouped, in no dismissed suggestion) in a
//! [`ClusterIndex`]; each new comment is compared with its candidates only, and placed:
//!
//! - with the open suggestion of a comment it was found similar to (the largest, when several:
//!   the others are merged into it, since the new comment shows them to be one cluster),
//!   together with the members of its component not yet in any suggestion;
//! - or, when its component's members in no suggestion reach [`SUGGESTION_MIN_MEMBERS`], in a
//!   new suggestion of them;
//! - or nowhere yet.
//!
//! Which suggestions are open is the database's to say (officers accept, split and dismiss
//! meanwhile): the store reads the neighbours' suggestions in the transaction that applies the
//! [`Plan`], so the assigner keeps only what it alone knows, the clusters and which of their
//! members it has not placed. Computing from scratch remains the reference: clusters are the
//! same whatever the order of arrival (see `similarity`), so the two agree but for what
//! officers decided in between.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::similarity::{self, ClusterIndex, Signature};

use super::{SUGGESTION_MIN_MEMBERS, SUGGESTION_OUTLIERS, Suggestion, SuggestionState};

/// One consultation's clusters, kept as its comments arrive.
#[derive(Debug, Default)]
pub struct Assigner {
    index: ClusterIndex,
    /// Comment id by position.
    ids: Vec<String>,
    /// By component root: the members in no suggestion the assigner knows of.
    unplaced: HashMap<u32, Vec<u32>>,
}

/// A comment added to an [`Assigner`], with what placing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The comment.
    pub comment_id: String,
    /// The comments it was found similar to, one per component it joined.
    pub neighbour_ids: Vec<String>,
    /// Its component's members in no suggestion, itself included.
    pub unplaced_ids: Vec<String>,
    root: u32,
}

/// An open suggestion a neighbour of a new comment is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSuggestion {
    /// Its id.
    pub id: String,
    /// Its members.
    pub members: u64,
}

/// What placing a new comment changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// `members` join the open suggestion `suggestion_id`; the open suggestions `absorbed`
    /// are merged into it.
    Join {
        /// The suggestion joined.
        suggestion_id: String,
        /// Other open suggestions whose members move to it.
        absorbed: Vec<String>,
        /// Comments in no suggestion that join it.
        members: Vec<String>,
    },
    /// A new open suggestion of `members`.
    Form {
        /// The suggestion (its member count is what the store finds still available).
        suggestion: Suggestion,
        /// Its members.
        members: Vec<String>,
    },
    /// Too few yet.
    Wait,
}

/// What one round of placing changed in a consultation. No audit event records it: placing
/// proposes and decides nothing (no comment's answer, group or visibility changes; officers'
/// decisions on suggestions are audited), and a round per second of a surge would grow the log
/// with the consultation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placed {
    /// New comments compared.
    pub compared: u64,
    /// Comments that joined an open suggestion.
    pub joined: u64,
    /// Suggestions formed.
    pub formed: u64,
    /// Comments in them.
    pub in_formed: u64,
    /// Open suggestions merged into others.
    pub merged: u64,
}

impl Assigner {
    /// An empty assigner.
    pub fn new() -> Self {
        Self {
            index: ClusterIndex::new(),
            ..Self::default()
        }
    }

    /// How many comments it holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds comment `id` with its text's `signature`; `in_suggestion` when it is already in an
    /// open suggestion (as read when loading). Only new comments' arrivals need placing.
    pub fn add(&mut self, id: String, signature: Signature, in_suggestion: bool) -> Arrival {
        let joined = self.index.add(signature);
        let position = joined.position;
        self.ids.push(id.clone());
        let root = self.index.component(position);
        // The lists of the components joined become the new component's.
        let mut unplaced: Vec<u32> = Vec::new();
        for &(_, before) in &joined.neighbours {
            if let Some(list) = self.unplaced.remove(&before) {
                unplaced.extend(list);
            }
        }
        if !in_suggestion {
            unplaced.push(position);
        }
        let unplaced_ids = unplaced
            .iter()
            .map(|&p| self.ids[p as usize].clone())
            .collect();
        if !unplaced.is_empty() {
            self.unplaced.insert(root, unplaced);
        }
        Arrival {
            comment_id: id,
            neighbour_ids: joined
                .neighbours
                .iter()
                .map(|&(p, _)| self.ids[p as usize].clone())
                .collect(),
            unplaced_ids,
            root,
        }
    }

    /// Decides where `arrival` goes, given the open suggestions its neighbours are in now; a
    /// suggestion formed takes the id `new_id`.
    pub fn plan(
        &self,
        arrival: &Arrival,
        open: &[OpenSuggestion],
        consultation_id: &str,
        new_id: &str,
        now: DateTime<Utc>,
    ) -> Plan {
        let mut open: Vec<&OpenSuggestion> = open.iter().collect();
        open.sort_by(|a, b| a.id.cmp(&b.id));
        open.dedup_by(|a, b| a.id == b.id);
        open.sort_by(|a, b| b.members.cmp(&a.members).then(a.id.cmp(&b.id)));
        if let Some((largest, rest)) = open.split_first() {
            return Plan::Join {
                suggestion_id: largest.id.clone(),
                absorbed: rest.iter().map(|s| s.id.clone()).collect(),
                members: arrival.unplaced_ids.clone(),
            };
        }
        if (arrival.unplaced_ids.len() as u64) < SUGGESTION_MIN_MEMBERS {
            return Plan::Wait;
        }
        let positions = &self.unplaced[&arrival.root];
        let signatures: Vec<&Signature> =
            positions.iter().map(|&p| self.index.signature(p)).collect();
        let shape = similarity::shape(&signatures, SUGGESTION_OUTLIERS);
        let id_at = |k: usize| self.ids[positions[k] as usize].clone();
        Plan::Form {
            suggestion: Suggestion {
                id: new_id.to_owned(),
                consultation_id: consultation_id.to_owned(),
                state: SuggestionState::Open,
                members: positions.len() as u64,
                representative_id: id_at(shape.representative),
                similarity_low: shape.low,
                similarity_median: shape.median,
                outlier_ids: shape.outliers.iter().map(|&k| id_at(k)).collect(),
                opinion_group_id: None,
                decided_by: None,
                created_at: now,
                updated_at: now,
            },
            members: arrival.unplaced_ids.clone(),
        }
    }

    /// Records that `arrival`'s component was placed (it joined or formed a suggestion): its
    /// members are no longer unplaced.
    pub fn placed(&mut self, arrival: &Arrival) {
        self.unplaced.remove(&arrival.root);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap()
    }

    const CAMPAIGN: &str = "强烈建议将过渡期由三个月延长至六个月，给小微企业留出整改时间，\
                            否则很多小店只能关门，请起草部门认真考虑我们的实际困难。";

    fn copy(i: usize) -> String {
        format!(
            "{CAMPAIGN}（第{}位市民）",
            "一二三四五六七八九十".chars().nth(i).unwrap()
        )
    }

    #[test]
    fn copies_wait_until_enough_then_form_a_suggestion_and_later_ones_join_it() {
        let mut assigner = Assigner::new();
        let first = assigner.add("A".into(), Signature::of(&copy(0)), false);
        assert!(first.neighbour_ids.is_empty());
        assert_eq!(assigner.plan(&first, &[], "C1", "S-new", now()), Plan::Wait);
        let unrelated = assigner.add(
            "X".into(),
            Signature::of("地铁票价应当按里程计算，老年人优惠应覆盖全天。"),
            false,
        );
        assert_eq!(unrelated.unplaced_ids, ["X"]);
        let second = assigner.add("B".into(), Signature::of(&copy(1)), false);
        assert_eq!(second.neighbour_ids, ["A"]);
        assert_eq!(
            assigner.plan(&second, &[], "C1", "S-new", now()),
            Plan::Wait
        );
        let third = assigner.add("C".into(), Signature::of(&copy(2)), false);
        assert_eq!(third.unplaced_ids, ["A", "B", "C"]);
        let Plan::Form {
            suggestion,
            members,
        } = assigner.plan(&third, &[], "C1", "S-new", now())
        else {
            panic!("three copies form a suggestion");
        };
        assert_eq!(members, ["A", "B", "C"]);
        assert_eq!(suggestion.members, 3);
        assert_eq!(suggestion.id, "S-new");
        assert!(members.contains(&suggestion.representative_id));
        assigner.placed(&third);

        let fourth = assigner.add("D".into(), Signature::of(&copy(3)), false);
        assert_eq!(fourth.unplaced_ids, ["D"], "the three are placed");
        let open = [OpenSuggestion {
            id: suggestion.id.clone(),
            members: 3,
        }];
        assert_eq!(
            assigner.plan(&fourth, &open, "C1", "S-new", now()),
            Plan::Join {
                suggestion_id: suggestion.id,
                absorbed: vec![],
                members: vec!["D".into()],
            }
        );
    }

    #[test]
    fn a_comment_bridging_two_open_suggestions_merges_the_smaller_into_the_larger() {
        let mut assigner = Assigner::new();
        assigner.add("A".into(), Signature::of(&copy(0)), true);
        let arrival = assigner.add("B".into(), Signature::of(&copy(1)), false);
        let open = [
            OpenSuggestion {
                id: "S-small".into(),
                members: 4,
            },
            OpenSuggestion {
                id: "S-large".into(),
                members: 40,
            },
            OpenSuggestion {
                id: "S-small".into(),
                members: 4,
            },
        ];
        assert_eq!(
            assigner.plan(&arrival, &open, "C1", "S-new", now()),
            Plan::Join {
                suggestion_id: "S-large".into(),
                absorbed: vec!["S-small".into()],
                members: vec!["B".into()],
            }
        );
    }

    #[test]
    fn members_already_suggested_are_not_placed_again() {
        let mut assigner = Assigner::new();
        for (i, id) in ["A", "B", "C"].into_iter().enumerate() {
            let arrival = assigner.add(id.into(), Signature::of(&copy(i)), true);
            assert!(arrival.unplaced_ids.is_empty());
        }
        let arrival = assigner.add("D".into(), Signature::of(&copy(3)), false);
        assert_eq!(arrival.unplaced_ids, ["D"]);
        assert_eq!(
            assigner.plan(&arrival, &[], "C1", "S-new", now()),
            Plan::Wait,
            "its neighbours' suggestion is no longer open: one new copy is not a suggestion"
        );
        assert_eq!(assigner.len(), 4);
    }
}
