//! Where the domain learns the time: always passed in, never read from the system.
//! Servers inject a clock so that tests can walk through a 30-day window in milliseconds.

use chrono::{DateTime, Utc};

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}
