//! The frame every page shares (`templates/base.html`): menu, account,
//! language, CSRF token and flash message.

use crate::{services::modules::Modules, web::i18n::Tr};

/// The signed-in account, as the menu shows it.
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
}

pub struct Chrome {
    pub tr: Tr,
    pub account: Option<Me>,
    pub csrf: String,
    pub modules: Modules,
    /// The menu entry of this page (`timeline`, `directory`…).
    pub current: &'static str,
    /// Translation key of a message from the previous request.
    pub flash: Option<String>,
    pub path: String,
}

impl Chrome {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.tr.t(key)
    }

    pub fn n(&self, key: &str, n: &i64) -> String {
        self.tr.n(key, *n)
    }

    pub fn lang(&self) -> &'static str {
        self.tr.locale.code()
    }

    /// `aria-current="page"` for the menu entry of this page.
    pub fn here(&self, entry: &str) -> &'static str {
        if self.current == entry {
            "page"
        } else {
            "false"
        }
    }

    pub fn is_admin(&self) -> bool {
        self.account.as_ref().is_some_and(|a| a.is_admin)
    }

    pub fn signed_in(&self) -> bool {
        self.account.is_some()
    }

    pub fn flash_text(&self) -> Option<&str> {
        self.flash.as_deref().map(|key| self.tr.t(key))
    }
}
