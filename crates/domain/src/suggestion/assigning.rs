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
//! The assigner knows which open suggestion each cluster's placed members are in (read when it
//! is loaded, then as it places), so that placing reads nothing from the database: reading the
//! neighbours' suggestions per arriving copy cost 0.3-0.7 ms each and held intake back. Officers'
//! decisions on suggestions make the store load it again; the store writes each [`Plan`] on
//! the condition that what it assumed still holds (the suggestion open, the comment visible,
//! ungrouped and in none). Computing from scratch remains the reference: clusters are the same
//! whatever the order of arrival (see `similarity`), so the two agree but for what officers
//! decided in between.

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
    /// By component root: the open suggestion its placed members are in.
    suggestion_of: HashMap<u32, String>,
    /// Members of each open suggestion known.
    members: HashMap<String, u64>,
}

/// A comment added to an [`Assigner`], with what placing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The comment.
    pub comment_id: String,
    /// The open suggestions of the components it joined, largest first.
    pub open: Vec<OpenSuggestion>,
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

    /// Adds a comment already compared, as loaded: `in_suggestion` is the open suggestion it
    /// is in, with that suggestion's `members`.
    pub fn load(&mut self, id: String, signature: Signature, in_suggestion: Option<(&str, u64)>) {
        if let Some((s, members)) = in_suggestion {
            self.members.insert(s.to_owned(), members);
        }
        let arrival = self.add_inner(id, signature, in_suggestion.map(|(s, _)| s));
        if let Some(largest) = arrival.open.first() {
            // Components in several suggestions (an officer split one) keep the largest; a
            // comment joining later merges the others into it.
            self.suggestion_of.insert(arrival.root, largest.id.clone());
        }
    }

    /// Adds a new comment; the arrival says what placing it needs.
    pub fn add(&mut self, id: String, signature: Signature) -> Arrival {
        self.add_inner(id, signature, None)
    }

    fn add_inner(
        &mut self,
        id: String,
        signature: Signature,
        in_suggestion: Option<&str>,
    ) -> Arrival {
        let joined = self.index.add(signature);
        let position = joined.position;
        self.ids.push(id.clone());
        let root = self.index.component(position);
        // The lists and suggestions of the components joined become the new component's.
        let mut unplaced: Vec<u32> = Vec::new();
        let mut open: Vec<String> = Vec::new();
        for &(_, before) in &joined.neighbours {
            if let Some(list) = self.unplaced.remove(&before) {
                unplaced.extend(list);
            }
            if let Some(s) = self.suggestion_of.remove(&before) {
                open.push(s);
            }
        }
        match in_suggestion {
            Some(s) => open.push(s.to_owned()),
            None => unplaced.push(position),
        }
        let unplaced_ids = unplaced
            .iter()
            .map(|&p| self.ids[p as usize].clone())
            .collect();
        if !unplaced.is_empty() {
            self.unplaced.insert(root, unplaced);
        }
        open.sort();
        open.dedup();
        let mut open: Vec<OpenSuggestion> = open
            .into_iter()
            .map(|id| OpenSuggestion {
                members: self.members.get(&id).copied().unwrap_or(0),
                id,
            })
            .collect();
        open.sort_by(|a, b| b.members.cmp(&a.members).then(a.id.cmp(&b.id)));
        Arrival {
            comment_id: id,
            open,
            unplaced_ids,
            root,
        }
    }

    /// Decides where `arrival` goes; a suggestion formed takes the id `new_id`.
    pub fn plan(
        &self,
        arrival: &Arrival,
        consultation_id: &str,
        new_id: &str,
        now: DateTime<Utc>,
    ) -> Plan {
        if let Some((largest, rest)) = arrival.open.split_first() {
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

    /// Takes `plan`, decided for `arrival`, as done: the component's members are placed in
    /// the suggestion joined or formed.
    pub fn placed(&mut self, arrival: &Arrival, plan: &Plan) {
        match plan {
            Plan::Wait => {}
            Plan::Join {
                suggestion_id,
                absorbed,
                members,
            } => {
                let moved: u64 = absorbed
                    .iter()
                    .map(|a| self.members.remove(a).unwrap_or(0))
                    .sum();
                *self.members.entry(suggestion_id.clone()).or_insert(0) +=
                    moved + members.len() as u64;
                self.unplaced.remove(&arrival.root);
                self.suggestion_of
                    .insert(arrival.root, suggestion_id.clone());
            }
            Plan::Form {
                suggestion,
                members,
            } => {
                self.members
                    .insert(suggestion.id.clone(), members.len() as u64);
                self.unplaced.remove(&arrival.root);
                self.suggestion_of
                    .insert(arrival.root, suggestion.id.clone());
            }
        }
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
        let first = assigner.add("A".into(), Signature::of(&copy(0)));
        assert_eq!(first.unplaced_ids, ["A"]);
        assert_eq!(assigner.plan(&first, "C1", "S-new", now()), Plan::Wait);
        let unrelated = assigner.add(
            "X".into(),
            Signature::of("地铁票价应当按里程计算，老年人优惠应覆盖全天。"),
        );
        assert_eq!(unrelated.unplaced_ids, ["X"]);
        let second = assigner.add("B".into(), Signature::of(&copy(1)));
        assert_eq!(second.unplaced_ids, ["A", "B"], "found like A");
        assert_eq!(assigner.plan(&second, "C1", "S-new", now()), Plan::Wait);
        let third = assigner.add("C".into(), Signature::of(&copy(2)));
        assert_eq!(third.unplaced_ids, ["A", "B", "C"]);
        let plan = assigner.plan(&third, "C1", "S-new", now());
        let Plan::Form {
            suggestion,
            members,
        } = &plan
        else {
            panic!("three copies form a suggestion");
        };
        assert_eq!(members, &["A", "B", "C"]);
        assert_eq!(suggestion.members, 3);
        assert_eq!(suggestion.id, "S-new");
        assert!(members.contains(&suggestion.representative_id));
        assigner.placed(&third, &plan);

        let fourth = assigner.add("D".into(), Signature::of(&copy(3)));
        assert_eq!(fourth.unplaced_ids, ["D"], "the three are placed");
        assert_eq!(
            fourth.open,
            [OpenSuggestion {
                id: "S-new".into(),
                members: 3
            }]
        );
        let plan = assigner.plan(&fourth, "C1", "S-other", now());
        assert_eq!(
            plan,
            Plan::Join {
                suggestion_id: "S-new".into(),
                absorbed: vec![],
                members: vec!["D".into()],
            }
        );
        assigner.placed(&fourth, &plan);
        let fifth = assigner.add("E".into(), Signature::of(&copy(4)));
        assert_eq!(fifth.open[0].members, 4, "counted as placed");
    }

    #[test]
    fn a_comment_bridging_two_open_suggestions_merges_the_smaller_into_the_larger() {
        const OTHER: &str = "医院和学校周边应当增设临时停车泊位，高峰时段限时免费十五分钟，\
                             方便家长接送孩子和患者就医，同时加强违停巡查。";
        let mut assigner = Assigner::new();
        assigner.load("A".into(), Signature::of(&copy(0)), Some(("S-small", 4)));
        assigner.load("L".into(), Signature::of(OTHER), Some(("S-large", 40)));
        // Saying both, it is like each: the two are one cluster.
        let bridge = assigner.add("B".into(), Signature::of(&format!("{}{OTHER}", copy(0))));
        assert_eq!(
            bridge.open,
            [
                OpenSuggestion {
                    id: "S-large".into(),
                    members: 40
                },
                OpenSuggestion {
                    id: "S-small".into(),
                    members: 4
                }
            ]
        );
        let plan = assigner.plan(&bridge, "C1", "S-new", now());
        assert_eq!(
            plan,
            Plan::Join {
                suggestion_id: "S-large".into(),
                absorbed: vec!["S-small".into()],
                members: vec!["B".into()],
            }
        );
        assigner.placed(&bridge, &plan);
        let next = assigner.add("C".into(), Signature::of(&copy(5)));
        assert_eq!(
            next.open,
            [OpenSuggestion {
                id: "S-large".into(),
                members: 45
            }],
            "merged: 40 + 4 + the bridge"
        );
    }

    #[test]
    fn members_already_suggested_are_not_placed_again() {
        let mut assigner = Assigner::new();
        for (i, id) in ["A", "B", "C"].into_iter().enumerate() {
            assigner.load(id.into(), Signature::of(&copy(i)), None);
        }
        // Loaded in no open suggestion (theirs was accepted or dismissed, say): they wait
        // together with the next copy, which forms a suggestion of all four.
        let arrival = assigner.add("D".into(), Signature::of(&copy(3)));
        assert_eq!(arrival.unplaced_ids, ["A", "B", "C", "D"]);
        assert!(matches!(
            assigner.plan(&arrival, "C1", "S-new", now()),
            Plan::Form { .. }
        ));
        let mut in_one = Assigner::new();
        for (i, id) in ["A", "B", "C"].into_iter().enumerate() {
            in_one.load(id.into(), Signature::of(&copy(i)), Some(("S1", 3)));
        }
        let arrival = in_one.add("D".into(), Signature::of(&copy(3)));
        assert_eq!(arrival.unplaced_ids, ["D"]);
        assert_eq!(
            in_one.plan(&arrival, "C1", "S-new", now()),
            Plan::Join {
                suggestion_id: "S1".into(),
                absorbed: vec![],
                members: vec!["D".into()],
            }
        );
        assert_eq!(in_one.len(), 4);
    }
}
