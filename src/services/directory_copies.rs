//! Organisation profiles as this process last read them, each labelled
//! with the directory version it was read at (`db::directory_version`).
//!
//! An organisation's page is the directory's widest read: its children,
//! its members and the roles they hold, a thousand fields for a
//! circonscription of sixty schools, and the same for every visitor of one
//! kind. The directory changes a few times a day. A copy is used only
//! while the database's version is still the one it was read at, and the
//! database raises that version in the transaction of every change, by
//! triggers, whichever process or command makes it. A page is therefore
//! never older than the database, unlike a copy trusted for a time
//! (`kept_copy`); checking costs one read of one row.

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError},
};

use super::directory::OrganisationProfile;
use crate::model::Viewer;

/// At most this many profiles are kept; past it the copies start again
/// from none. A profile is a few tens of kilobytes at most (100 children,
/// 100 members), and as much again for its renderings in each language,
/// so the bound keeps the copies under about 25 MB.
const KEEP_AT_MOST: usize = 256;

/// The key of a profile: the handle as asked (trimmed) and who looks.
type Key = (String, Viewer);

#[derive(Default)]
pub struct ProfileCopies {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// The directory version every profile in `profiles` was read at.
    version: i64,
    profiles: HashMap<Key, Arc<OrganisationProfile>>,
}

impl ProfileCopies {
    /// The profile `viewer` was shown of `handle`, if it was read at
    /// `version`, the directory's version now.
    pub fn get(
        &self,
        version: i64,
        handle: &str,
        viewer: Viewer,
    ) -> Option<Arc<OrganisationProfile>> {
        let kept = self.lock();
        if kept.version != version {
            return None;
        }
        kept.profiles.get(&(handle.to_string(), viewer)).cloned()
    }

    /// Keeps a profile read at `version`. Copies of an older version are
    /// dropped; a profile older than the copies (another task read before
    /// a change and finished after) is not kept.
    pub fn keep(
        &self,
        version: i64,
        handle: String,
        viewer: Viewer,
        profile: Arc<OrganisationProfile>,
    ) {
        let mut kept = self.lock();
        if version < kept.version {
            return;
        }
        if version > kept.version || kept.profiles.len() >= KEEP_AT_MOST {
            kept.profiles.clear();
            kept.version = version;
        }
        kept.profiles.insert((handle, viewer), profile);
    }

    /// How many profiles are kept.
    pub fn len(&self) -> usize {
        self.lock().profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        // Every change to `Kept` leaves it whole: a panic elsewhere while
        // holding the lock cannot corrupt it.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How many interface languages a rendering is kept in
/// (`web::i18n::Locale::ALL`, which checks it).
pub const LANGUAGES: usize = 2;

/// What a page made of a kept profile, in each interface language: the
/// HTML of its lists, a hundred children and a hundred members, which
/// costs more to write out than the rest of the page. It is kept in the
/// profile, so it goes when the profile does and is never older than the
/// database either.
#[derive(Debug, Default)]
pub struct Renderings([OnceLock<Box<str>>; LANGUAGES]);

impl Renderings {
    /// The rendering in language `language`, made by `render` the first
    /// time; not kept for a language past [`LANGUAGES`].
    pub fn get_or_render<E>(
        &self,
        language: usize,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Cow<'_, str>, E> {
        let Some(slot) = self.0.get(language) else {
            return render().map(Cow::Owned);
        };
        if let Some(kept) = slot.get() {
            return Ok(Cow::Borrowed(kept));
        }
        let made = render()?.into_boxed_str();
        // Two tasks may render at once; both made the same text, and the
        // first one set is kept.
        Ok(Cow::Borrowed(slot.get_or_init(|| made)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::directory::OrganisationEntry;

    fn profile(name: &str) -> Arc<OrganisationProfile> {
        Arc::new(OrganisationProfile {
            entry: OrganisationEntry {
                id: format!("https://example.org/organisations/{name}"),
                slug: name.into(),
                domain: "example.org".into(),
                local: true,
                kind: "school".into(),
                name: name.into(),
                uai: None,
                parent: None,
                department: None,
                address: None,
                postal_code: None,
                city: None,
                phone: None,
                email: None,
                website: None,
                closed: false,
                visibility: "public".into(),
            },
            description: String::new(),
            children: Vec::new(),
            more_children: false,
            members: Vec::new(),
            more_members: false,
            rendered: Renderings::default(),
        })
    }

    fn name(p: Option<Arc<OrganisationProfile>>) -> Option<String> {
        p.map(|p| p.entry.name.clone())
    }

    #[test]
    fn a_copy_is_given_only_at_its_version_and_to_its_kind_of_viewer() {
        let copies = ProfileCopies::default();
        copies.keep(3, "ecole-a".into(), Viewer::Anonymous, profile("A"));
        assert_eq!(
            name(copies.get(3, "ecole-a", Viewer::Anonymous)),
            Some("A".into())
        );
        assert!(copies.get(3, "ecole-a", Viewer::Account).is_none());
        assert!(copies.get(3, "ecole-b", Viewer::Anonymous).is_none());
        assert!(copies.get(4, "ecole-a", Viewer::Anonymous).is_none());
        assert!(copies.get(2, "ecole-a", Viewer::Anonymous).is_none());
    }

    #[test]
    fn a_newer_version_drops_the_older_copies_and_an_older_one_is_not_kept() {
        let copies = ProfileCopies::default();
        copies.keep(3, "ecole-a".into(), Viewer::Anonymous, profile("A3"));
        copies.keep(4, "ecole-b".into(), Viewer::Anonymous, profile("B4"));
        assert_eq!(copies.len(), 1, "the version 3 copy went");
        copies.keep(3, "ecole-a".into(), Viewer::Anonymous, profile("A3"));
        assert!(copies.get(3, "ecole-a", Viewer::Anonymous).is_none());
        assert!(copies.get(4, "ecole-a", Viewer::Anonymous).is_none());
        assert_eq!(
            name(copies.get(4, "ecole-b", Viewer::Anonymous)),
            Some("B4".into())
        );
    }

    #[test]
    fn the_copies_stay_within_their_bound() {
        let copies = ProfileCopies::default();
        for i in 0..KEEP_AT_MOST + 10 {
            copies.keep(1, format!("ecole-{i}"), Viewer::Account, profile("x"));
            assert!(copies.len() <= KEEP_AT_MOST);
        }
        assert!(!copies.is_empty());
    }

    #[test]
    fn a_rendering_is_made_once_per_language_and_not_kept_when_it_fails() {
        let renderings = Renderings::default();
        let made = std::cell::Cell::new(0);
        let render = |text: &str| {
            made.set(made.get() + 1);
            Ok::<_, ()>(text.to_string())
        };
        assert_eq!(renderings.get_or_render(0, || Err(())), Err(()));
        assert_eq!(
            renderings.get_or_render(0, || render("fr")).as_deref(),
            Ok("fr")
        );
        assert_eq!(
            renderings.get_or_render(0, || render("autre")).as_deref(),
            Ok("fr")
        );
        assert_eq!(
            renderings.get_or_render(1, || render("en")).as_deref(),
            Ok("en")
        );
        assert_eq!(made.get(), 2);
        // A language past the slots is rendered every time, never kept.
        for _ in 0..2 {
            let past = renderings.get_or_render(LANGUAGES, || render("xx"));
            assert!(matches!(past, Ok(Cow::Owned(ref text)) if text == "xx"));
        }
        assert_eq!(made.get(), 4);
    }
}
