//! What Préau does, independent of how it is asked: the API, the web pages
//! and the CLI all call these functions, which check input and permissions.

pub mod account_deletion;
pub mod accounts;
pub mod acknowledgements;
pub mod announcements;
pub mod audit;
pub mod auth;
pub mod directory;
pub mod directory_copies;
pub mod federation_admin;
pub mod follows;
pub mod instance;
pub mod kept_copy;
pub mod mirroring;
pub mod modules;
pub mod organisations;
pub mod pagination;
pub mod passwords;
pub mod periodic;
pub mod personal_data;
pub mod resources;
pub mod sessions;
pub mod statistics;
pub mod throttle;
pub mod timeline;
pub mod uploads;

use crate::{
    db::accounts::SignedIn,
    error::{AppError, AppResult},
};

/// Who asks for an action.
#[derive(Debug, Clone)]
pub enum Caller {
    /// The operator at the server's command line: trusted with everything.
    Operator,
    /// A signed-in local account.
    Account(Box<SignedIn>),
}

impl Caller {
    pub fn is_instance_admin(&self) -> bool {
        match self {
            Self::Operator => true,
            Self::Account(a) => a.is_admin,
        }
    }

    pub fn account_id(&self) -> Option<i64> {
        match self {
            Self::Operator => None,
            Self::Account(a) => Some(a.id),
        }
    }

    /// Passes for instance admins and the operator; anyone else is refused
    /// with `why`, the English words of the refusal.
    pub fn instance_admin(&self, why: &'static str) -> AppResult<()> {
        if self.is_instance_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden(why).says("refused.admins_only", &[]))
        }
    }

    /// The account acting, for what only an account can do (sign an
    /// announcement or a resource, follow); the operator is refused with
    /// `why`, the English words of the refusal.
    pub fn account(&self, why: &'static str) -> AppResult<&SignedIn> {
        match self {
            Self::Account(account) => Ok(account),
            Self::Operator => Err(AppError::bad_request(why).says("refused.account_needed", &[])),
        }
    }
}

/// Trims an optional text field; blank means absent.
pub(crate) fn clean(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Deserialises a field that distinguishes "absent" (`None`) from `null`
/// (`Some(None)`), for PATCH bodies.
pub(crate) fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn only_an_account_acts_where_an_account_is_needed() {
        let account = SignedIn {
            id: 7,
            username: "jdupont".into(),
            local: true,
            ap_id: "https://example.org/users/jdupont".into(),
            display_name: "Jeanne Dupont".into(),
            email: None,
            is_admin: false,
            disabled: false,
            locale: None,
        };
        let caller = Caller::Account(Box::new(account));
        assert_eq!(caller.account("why").map(|a| a.id).ok(), Some(7));

        let refused = Caller::Operator
            .account("the operator cannot follow: use an account")
            .expect_err("the operator is refused");
        assert_eq!(refused.kind, ErrorKind::BadRequest);
        assert_eq!(
            refused.message,
            "the operator cannot follow: use an account"
        );
        assert_eq!(refused.said.map(|s| s.key), Some("refused.account_needed"));
    }
}
