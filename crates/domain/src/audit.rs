//! The audit log's hash chains: every event's hash covers its content, the hash of the previous
//! event of the same consultation and the hash of the previous event overall, so that editing,
//! inserting or deleting a stored event breaks a link that verification names.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};

/// What an event says, as hashed.
#[derive(Debug, Clone, Copy)]
pub struct EventContent<'a> {
    /// The consultation concerned, if any.
    pub consultation_id: Option<&'a str>,
    /// Who acted.
    pub actor: &'a str,
    /// What was done.
    pub action: &'a str,
    /// Resource name of the subject.
    pub subject: &'a str,
    /// JSON before.
    pub before: Option<&'a str>,
    /// JSON after.
    pub after: Option<&'a str>,
    /// When, at microsecond precision (what both databases keep).
    pub occurred_at: DateTime<Utc>,
}

/// The time as stored and hashed: both databases keep microseconds.
pub fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// SHA-256 (hex) of an event chained after `prev` (same consultation) and `global_prev`.
pub fn event_hash(prev: &str, global_prev: &str, e: &EventContent<'_>) -> String {
    let canonical = serde_json::json!([
        "consult.audit.v1",
        prev,
        global_prev,
        e.consultation_id,
        e.actor,
        e.action,
        e.subject,
        e.before,
        e.after,
        stored_time(e.occurred_at)
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string(),
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The links of one event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// Hash of the previous event of the same consultation; empty for the first.
    pub prev_hash: String,
    /// Hash of the previous event overall; empty for the first.
    pub global_prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The ends of the chains, for appending.
#[derive(Debug, Clone, Default)]
pub struct ChainHeads {
    /// Hash of the newest event overall.
    pub global: String,
    /// Hash of the newest event of each consultation seen.
    pub by_consultation: HashMap<String, String>,
}

impl ChainHeads {
    /// Links a new event after the heads and moves them.
    pub fn append(&mut self, e: &EventContent<'_>) -> Links {
        let prev = e
            .consultation_id
            .and_then(|c| self.by_consultation.get(c))
            .cloned()
            .unwrap_or_default();
        let hash = event_hash(&prev, &self.global, e);
        let links = Links {
            prev_hash: prev,
            global_prev_hash: std::mem::replace(&mut self.global, hash.clone()),
            hash: hash.clone(),
        };
        if let Some(c) = e.consultation_id {
            self.by_consultation.insert(c.to_owned(), hash);
        }
        links
    }
}

/// The first link found broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The stored event where the chain breaks.
    pub event_id: i64,
    /// `global` or `consultations/{id}`.
    pub chain: String,
    /// What is wrong, in words.
    pub problem: String,
}

/// Walks stored events in order and checks every link.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    /// Whether events of every consultation are walked (so the global chain can be checked).
    global: bool,
    heads: ChainHeads,
    checked: u64,
}

impl ChainVerifier {
    /// A verifier of the whole log (`global`) or of one consultation's events only.
    pub fn new(global: bool) -> Self {
        ChainVerifier {
            global,
            heads: ChainHeads::default(),
            checked: 0,
        }
    }

    /// Events checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Checks the next stored event.
    pub fn check(
        &mut self,
        id: i64,
        e: &EventContent<'_>,
        stored: &Links,
    ) -> Result<(), BrokenLink> {
        let chain = e
            .consultation_id
            .map_or_else(|| "global".to_owned(), |c| format!("consultations/{c}"));
        let broken = |chain: String, problem: &str| BrokenLink {
            event_id: id,
            chain,
            problem: problem.to_owned(),
        };
        if event_hash(&stored.prev_hash, &stored.global_prev_hash, e) != stored.hash {
            return Err(broken(
                chain,
                "事件内容与其哈希值不符：该记录被修改过 (content does not match its hash: the event was altered)",
            ));
        }
        let expected_prev = e
            .consultation_id
            .and_then(|c| self.heads.by_consultation.get(c))
            .map_or("", String::as_str);
        if e.consultation_id.is_some() && stored.prev_hash != expected_prev {
            return Err(broken(
                chain,
                "与本事项上一条事件的链接断开：其间有事件被删除、插入或修改 (link to the previous event of this consultation is broken)",
            ));
        }
        if self.global && stored.global_prev_hash != self.heads.global {
            return Err(broken(
                "global".to_owned(),
                "与上一条事件的全局链接断开：其间有事件被删除、插入或修改 (link to the previous event is broken)",
            ));
        }
        self.heads.global = stored.hash.clone();
        if let Some(c) = e.consultation_id {
            self.heads
                .by_consultation
                .insert(c.to_owned(), stored.hash.clone());
        }
        self.checked += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    struct Owned {
        consultation: Option<String>,
        actor: String,
        action: String,
        subject: String,
        after: Option<String>,
        at: DateTime<Utc>,
    }

    impl Owned {
        fn content(&self) -> EventContent<'_> {
            EventContent {
                consultation_id: self.consultation.as_deref(),
                actor: &self.actor,
                action: &self.action,
                subject: &self.subject,
                before: None,
                after: self.after.as_deref(),
                occurred_at: self.at,
            }
        }
    }

    fn log(n: usize) -> Vec<Owned> {
        (0..n)
            .map(|i| Owned {
                consultation: (i % 5 != 0).then(|| format!("C{}", i % 3)),
                actor: format!("officer-{}", i % 2),
                action: "comment.answer".to_owned(),
                subject: format!("consultations/C{}/comments/{i}", i % 3),
                after: Some(format!("{{\"n\":{i},\"text\":\"意见{i}\"}}")),
                at: DateTime::from_timestamp(1_790_000_000 + i as i64, 123_456_789).unwrap(),
            })
            .collect()
    }

    fn chain(events: &[Owned]) -> Vec<Links> {
        let mut heads = ChainHeads::default();
        events.iter().map(|e| heads.append(&e.content())).collect()
    }

    fn verify(events: &[Owned], links: &[Links]) -> Result<u64, BrokenLink> {
        let mut v = ChainVerifier::new(true);
        for (i, (e, l)) in events.iter().zip(links).enumerate() {
            v.check(i as i64 + 1, &e.content(), l)?;
        }
        Ok(v.checked())
    }

    #[test]
    fn an_untouched_log_verifies() {
        let events = log(40);
        let links = chain(&events);
        assert_eq!(verify(&events, &links), Ok(40));
        assert_eq!(links[0].prev_hash, "");
        assert_eq!(links[0].global_prev_hash, "");
        assert_eq!(links[1].global_prev_hash, links[0].hash);
    }

    #[test]
    fn nanoseconds_beyond_what_databases_keep_do_not_matter() {
        let events = log(3);
        let mut links = chain(&events);
        let mut stored = log(3);
        for e in &mut stored {
            e.at = stored_time(e.at);
        }
        assert_eq!(verify(&stored, &links), Ok(3));
        links[2].hash.replace_range(0..1, "x");
        assert_eq!(verify(&stored, &links).unwrap_err().event_id, 3);
    }

    #[test]
    fn one_consultation_verifies_on_its_own() {
        let events = log(30);
        let links = chain(&events);
        let mut v = ChainVerifier::new(false);
        for (i, (e, l)) in events.iter().zip(&links).enumerate() {
            if e.consultation.as_deref() == Some("C1") {
                v.check(i as i64 + 1, &e.content(), l).unwrap();
            }
        }
        assert!(v.checked() > 0);
    }

    proptest! {
        #[test]
        fn any_edit_or_deletion_is_found_where_it_happened(
            n in 2usize..40,
            victim in 0usize..40,
            edit in 0u8..4,
        ) {
            let victim = victim % n;
            let mut events = log(n);
            let mut links = chain(&events);
            let expected = match edit {
                0 => { events[victim].actor.push('x'); victim }
                1 => { events[victim].at += chrono::Duration::seconds(1); victim }
                2 => { events[victim].after = Some("{}".to_owned()); victim }
                _ => {
                    // Deleting an event breaks the link of the one after it.
                    events.remove(victim);
                    links.remove(victim);
                    if victim == events.len() { return Ok(()); }
                    victim
                }
            };
            let broken = verify(&events, &links).unwrap_err();
            prop_assert_eq!(broken.event_id, expected as i64 + 1);
        }
    }
}
