//! A process's copy of something nearly every page (or every look at a
//! page) reads and that changes rarely or needs not be to the second: the
//! module switches and the announcement categories (trusted 5 s), the
//! statistics report (trusted a minute, and dated on the page). Several
//! `preau` processes may share one database, so a copy is trusted for a
//! short time only; the process that makes a change replaces or drops its
//! copy at once, the others follow within that time.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long a process trusts its copy of instance settings.
const SETTINGS_TRUSTED_FOR: Duration = Duration::from_secs(5);

pub struct KeptCopy<T> {
    kept: Mutex<Option<(Instant, T)>>,
    trusted_for: Duration,
}

impl<T> Default for KeptCopy<T> {
    fn default() -> Self {
        Self::trusted_for(SETTINGS_TRUSTED_FOR)
    }
}

impl<T> KeptCopy<T> {
    pub fn trusted_for(trusted_for: Duration) -> Self {
        Self {
            kept: Mutex::new(None),
            trusted_for,
        }
    }
}

impl<T: Clone> KeptCopy<T> {
    /// The copy, unless it is missing or too old.
    pub fn fresh(&self) -> Option<T> {
        self.lock()
            .as_ref()
            .filter(|(at, _)| at.elapsed() < self.trusted_for)
            .map(|(_, value)| value.clone())
    }

    /// Keeps a value just read from, or written to, the database.
    pub fn store(&self, value: T) {
        *self.lock() = Some((Instant::now(), value));
    }

    /// Drops the copy: the next reader reads the database.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, T)>> {
        // A panic elsewhere cannot leave a half-written `Option`.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_kept_until_forgotten() {
        let copy = KeptCopy::default();
        assert_eq!(copy.fresh(), None);
        copy.store(vec!["sortie"]);
        assert_eq!(copy.fresh(), Some(vec!["sortie"]));
        copy.forget();
        assert_eq!(copy.fresh(), None);
    }

    #[test]
    fn an_old_copy_is_not_trusted() {
        let copy = KeptCopy::default();
        *copy.lock() = Some((Instant::now() - SETTINGS_TRUSTED_FOR, 1));
        assert_eq!(copy.fresh(), None);
        let longer = KeptCopy::trusted_for(Duration::from_secs(60));
        *longer.lock() = Some((Instant::now() - SETTINGS_TRUSTED_FOR, 1));
        assert_eq!(longer.fresh(), Some(1), "trusted for its own duration");
        *longer.lock() = Some((Instant::now() - Duration::from_secs(60), 1));
        assert_eq!(longer.fresh(), None);
    }
}
