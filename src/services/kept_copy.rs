//! A process's copy of instance settings that admins rarely change and
//! nearly every page reads: the module switches and the announcement
//! categories. Several `preau` processes may share one database, so a copy
//! is trusted for a few seconds only; the process that makes a change
//! replaces or drops its copy at once, the others follow within that time.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long a process trusts its copy.
const TRUST_FOR: Duration = Duration::from_secs(5);

pub struct SettingsCopy<T>(Mutex<Option<(Instant, T)>>);

impl<T> Default for SettingsCopy<T> {
    fn default() -> Self {
        Self(Mutex::new(None))
    }
}

impl<T: Clone> SettingsCopy<T> {
    /// The copy, unless it is missing or too old.
    pub fn fresh(&self) -> Option<T> {
        self.lock()
            .as_ref()
            .filter(|(at, _)| at.elapsed() < TRUST_FOR)
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
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_kept_until_forgotten() {
        let copy = SettingsCopy::default();
        assert_eq!(copy.fresh(), None);
        copy.store(vec!["sortie"]);
        assert_eq!(copy.fresh(), Some(vec!["sortie"]));
        copy.forget();
        assert_eq!(copy.fresh(), None);
    }

    #[test]
    fn an_old_copy_is_not_trusted() {
        let copy = SettingsCopy::default();
        *copy.lock() = Some((Instant::now() - TRUST_FOR, 1));
        assert_eq!(copy.fresh(), None);
    }
}
