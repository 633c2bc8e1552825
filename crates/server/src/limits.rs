//! Per-caller submission limits: a token bucket per principal, so that one calling system that
//! floods the service is slowed down alone while every other caller keeps its share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How fast each caller may submit comments.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimit {
    /// Sustained submissions per second per caller; 0 turns the limit off.
    pub per_second: f64,
    /// Submissions a caller may make at once above the sustained rate.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        // Well above what a portal sends on a busy day, far below what takes the writer down.
        RateLimit {
            per_second: 500.0,
            burst: 1000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before full ones are dropped: a key whose bucket has refilled is as good as
/// new, so forgetting it changes nothing, and a limiter keyed by client address stays small.
const PRUNE_ABOVE: usize = 10_000;

/// Token buckets keyed by principal (or, for the public form, by client address).
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Limiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `caller`, or says how long until one is there.
    pub(crate) fn take(&self, caller: &str) -> Result<(), Duration> {
        self.take_at(caller, Instant::now())
    }

    fn take_at(&self, caller: &str, now: Instant) -> Result<(), Duration> {
        if self.limit.per_second <= 0.0 {
            return Ok(());
        }
        let burst = f64::from(self.limit.burst.max(1));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= PRUNE_ABOVE && !buckets.contains_key(caller) {
            let per_second = self.limit.per_second;
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
            });
        }
        let b = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refill = now.saturating_duration_since(b.at).as_secs_f64() * self.limit.per_second;
        b.tokens = (b.tokens + refill).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - b.tokens) / self.limit.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate_and_callers_apart() {
        let l = Limiter::new(RateLimit {
            per_second: 10.0,
            burst: 3,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take_at("wechat", t0).is_ok());
        }
        let wait = l.take_at("wechat", t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(90) && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        // Another caller is untouched by the first one's flood.
        assert!(l.take_at("portal", t0).is_ok());
        // 100 ms later one more token has come back, not more.
        let t1 = t0 + Duration::from_millis(100);
        assert!(l.take_at("wechat", t1).is_ok());
        assert!(l.take_at("wechat", t1).is_err());
    }

    #[test]
    fn refilled_buckets_are_forgotten_so_the_map_stays_small() {
        let l = Limiter::new(RateLimit {
            per_second: 1.0,
            burst: 2,
        });
        let t0 = Instant::now();
        for i in 0..PRUNE_ABOVE {
            assert!(
                l.take_at(&format!("10.0.{}.{}", i / 256, i % 256), t0)
                    .is_ok()
            );
        }
        // One address is drained and stays so.
        assert!(l.take_at("10.9.9.9", t0).is_ok());
        assert!(l.take_at("10.9.9.9", t0).is_ok());
        // A second later the others have refilled and go when a new key arrives; the drained one
        // is kept with its debt.
        let t1 = t0 + Duration::from_millis(1500);
        assert!(l.take_at("10.8.8.8", t1).is_ok());
        let kept = l.buckets.lock().unwrap().len();
        assert!(kept <= 3, "{kept} buckets kept");
        assert!(l.take_at("10.9.9.9", t1).is_ok());
        assert!(l.take_at("10.9.9.9", t1).is_err());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let l = Limiter::new(RateLimit {
            per_second: 0.0,
            burst: 0,
        });
        for _ in 0..10_000 {
            assert!(l.take("anyone").is_ok());
        }
    }
}
