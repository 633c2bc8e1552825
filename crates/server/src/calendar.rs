//! The working-day calendar this replica answers with: the notices built in and configured,
//! plus those administrators loaded at run time, read from the database so that a year loaded
//! on one replica is known to every replica within [`REFRESH`], without a restart.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use consult_domain::Calendar;
use consult_domain::calendar::Notice;
use consult_store::{Store, StoreError};

/// How often a replica reads the loaded years.
pub(crate) const REFRESH: Duration = Duration::from_secs(2);

/// The calendar of this replica, replaced whole when a year is loaded.
pub(crate) struct SharedCalendar {
    /// Built-in and configured notices: what start-up knew.
    base: Calendar,
    current: RwLock<Arc<Calendar>>,
    /// The loaded years last applied, with when each was loaded.
    applied: Mutex<Vec<(i32, DateTime<Utc>)>>,
}

impl SharedCalendar {
    pub(crate) fn new(base: Calendar) -> Self {
        Self {
            current: RwLock::new(Arc::new(base.clone())),
            base,
            applied: Mutex::new(Vec::new()),
        }
    }

    /// The calendar as it stands.
    pub(crate) fn get(&self) -> Arc<Calendar> {
        self.current
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Reads the years loaded at run time and, if they changed, rebuilds the calendar.
    pub(crate) async fn refresh(&self, store: &Store) -> Result<(), StoreError> {
        let loaded = store.calendar_years().await?;
        let stamp: Vec<(i32, DateTime<Utc>)> =
            loaded.iter().map(|y| (y.year, y.loaded_at)).collect();
        if self.applied.lock().is_ok_and(|a| *a == stamp) {
            return Ok(());
        }
        let mut calendar = self.base.clone();
        for y in &loaded {
            match Notice::parse(&y.notice) {
                Ok(n) => calendar.add(&n),
                // Checked when it was loaded: only a hand-edited row gets here.
                Err(e) => {
                    tracing::error!(year = y.year, error = %e, "stored holiday notice unreadable")
                }
            }
        }
        if let Ok(mut c) = self.current.write() {
            *c = Arc::new(calendar);
        }
        if let Ok(mut a) = self.applied.lock() {
            *a = stamp;
        }
        tracing::info!(years = ?loaded.iter().map(|y| y.year).collect::<Vec<_>>(), "holiday notices loaded at run time applied");
        Ok(())
    }
}
