//! A clock tests can move forward, so expiry rules (24 h sessions, 60 min checkouts, JWT
//! lifetimes) are testable without waiting.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};

/// Real time plus an offset that only ever grows. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<Mutex<TimeDelta>>,
}

impl Clock {
    /// A clock at real time (no offset).
    pub fn new() -> Self {
        Clock::default()
    }

    /// Real time plus the offset.
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        now.checked_add_signed(self.offset())
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// How far the clock has been moved ahead of real time.
    pub fn offset(&self) -> TimeDelta {
        *self
            .offset
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Moves the clock forward by `by` and returns the new "now". The total offset is capped
    /// at [`Clock::MAX_OFFSET`], so date arithmetic in the API modules (`now + 24 h`) cannot
    /// overflow whatever a test asks for.
    pub fn advance(&self, by: std::time::Duration) -> DateTime<Utc> {
        let by = TimeDelta::from_std(by).unwrap_or(Self::MAX_OFFSET);
        {
            let mut offset = self
                .offset
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *offset = offset
                .checked_add(&by)
                .unwrap_or(Self::MAX_OFFSET)
                .min(Self::MAX_OFFSET);
        }
        self.now()
    }

    /// How far the clock can be moved: 100 years (36 525 days).
    pub const MAX_OFFSET: TimeDelta = TimeDelta::days(36_525);
}
