//! The audit log of admin actions (DESIGN section 7): who changed what the
//! instance does or who may do what, on what, and when. Each service writes
//! its entry in the transaction of the change, so the log holds an entry
//! exactly when the change was made; instance admins read it on
//! `/admin/audit` and `GET /api/v1/admin/audit`.

use chrono::TimeDelta;
use serde::Serialize;

use super::{
    Caller,
    pagination::{Page, PageRequest},
};
use crate::{
    AppState,
    db::{
        self, DbConn,
        audit_log::{self, NewEntry},
    },
    error::{AppError, AppResult},
};

/// Entries are kept a year, then removed: long enough to answer for a
/// school year, and the upper bound CNIL recommends for such logs.
pub const KEPT_FOR: TimeDelta = TimeDelta::days(366);

/// The actor written for the server's operator: its command line, and the
/// first-run page opened with the link of its log. A username never
/// starts with `@`, so it cannot be taken for one.
pub const OPERATOR: &str = "@operator";

/// Declares [`Action`] from one list of variants and keys, so that a key
/// and its label (`audit.<key>`) cannot drift apart.
macro_rules! actions {
    ($($variant:ident => $key:literal,)*) => {
        /// What was done. The key is what is stored and what the API gives;
        /// pages show the words of `audit.<key>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &[Self] = &[$(Self::$variant,)*];

            pub fn key(self) -> &'static str {
                match self {
                    $(Self::$variant => $key,)*
                }
            }

            /// The translation key of its label on the audit page.
            pub fn label_key(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!("audit.", $key),)*
                }
            }
        }
    };
}

actions! {
    AccountCreated => "account_created",
    AccountChanged => "account_changed",
    OrganisationCreated => "organisation_created",
    OrganisationChanged => "organisation_changed",
    MemberAdded => "member_added",
    MemberRemoved => "member_removed",
    ModulesChanged => "modules_changed",
    CategoryAdded => "category_added",
    FederationMode => "federation_mode",
    DomainRuleSet => "federation_domain_set",
    DomainRuleRemoved => "federation_domain_removed",
    PeeringRequested => "peering_requested",
    PeeringAccepted => "peering_accepted",
    PeeringRejected => "peering_rejected",
    MirroringChanged => "resources_mirroring",
    DirectoryImported => "directory_imported",
    TokenIssued => "token_issued",
    PersonalDataExported => "personal_data_exported",
    AccountDeleted => "account_deleted",
}

impl Action {
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.key() == key)
    }
}

/// Who acted, as the log names them.
#[derive(Debug, Clone)]
pub struct Actor {
    account_id: Option<i64>,
    name: String,
}

impl Actor {
    pub fn of(caller: &Caller) -> Self {
        match caller {
            Caller::Operator => Self {
                account_id: None,
                name: OPERATOR.to_string(),
            },
            Caller::Account(account) => Self {
                account_id: Some(account.id),
                name: account.username.clone(),
            },
        }
    }
}

/// Writes an entry; call it in the transaction of the change, after the
/// change, so that a refused change leaves no entry. Entries past
/// [`KEPT_FOR`] go at the same time (admin actions are rare, and the
/// delete reads the date index).
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    target: &str,
    detail: &str,
) -> Result<(), diesel::result::Error> {
    let now = db::now();
    audit_log::delete_before(conn, now - KEPT_FOR)?;
    audit_log::insert(
        conn,
        &NewEntry {
            actor_account_id: actor.account_id,
            actor: &actor.name,
            action: action.key(),
            target,
            detail,
        },
        now,
    )?;
    tracing::info!(
        actor = %actor.name,
        action = action.key(),
        %target,
        %detail,
        "audit"
    );
    Ok(())
}

/// The detail of a change: the parts that apply, joined by commas.
pub fn detail(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join(", ")
}

/// A part of a detail: `name` when it changed.
pub fn named(name: &str, changed: bool) -> Option<String> {
    changed.then(|| name.to_string())
}

/// A part of a detail: `name=value` when the value changed.
pub fn valued(name: &str, value: Option<impl std::fmt::Display>) -> Option<String> {
    value.map(|v| format!("{name}={v}"))
}

/// One entry, as the API gives it.
#[derive(Debug, Serialize)]
pub struct EntryView {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// A username, or `@operator` for the server's command line.
    pub actor: String,
    /// One of [`Action::key`].
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// The log, newest first, to instance admins; only `action`'s entries
/// when it is given (one of [`Action::key`]).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    request: &PageRequest,
    action: Option<&str>,
) -> AppResult<Page<audit_log::Entry>> {
    caller.instance_admin("only instance admins read the audit log")?;
    let action = match action.map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(key) => Some(Action::from_key(key).ok_or_else(|| {
            AppError::invalid(format!("action: `{key}` is not an audited action"))
                .says("refused.audit_action_unknown", &[("action", &key)])
        })?),
    };
    let (before, limit) = request.bounds()?;
    // On the blocking pool: with an action, the read may pass over a
    // year of other entries.
    let rows = state
        .db
        .run(move |conn| {
            Ok::<_, AppError>(audit_log::page(
                conn,
                before,
                limit + 1,
                action.map(Action::key),
            )?)
        })
        .await?;
    Ok(Page::from_rows(rows, limit, |e| e.id, |e| e))
}

impl From<audit_log::Entry> for EntryView {
    fn from(e: audit_log::Entry) -> Self {
        Self {
            id: e.id,
            at: e.at.and_utc().to_rfc3339(),
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: e.detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_key_and_label() {
        let mut keys: Vec<_> = Action::ALL.iter().map(|a| a.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Action::ALL.len());
        let mut labels: Vec<_> = Action::ALL.iter().map(|a| a.label_key()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Action::ALL.len());
        for &action in Action::ALL {
            assert_eq!(Action::from_key(action.key()), Some(action));
        }
        assert_eq!(Action::from_key("account_removed"), None);
    }

    /// The labels are made by the macro, so the scan of key literals in
    /// `web::i18n` does not see them: each is looked up here (English has
    /// the same keys as French, which `web::i18n` checks).
    #[test]
    fn every_action_has_words() {
        let tr = crate::web::i18n::Tr::new(crate::web::i18n::Locale::Fr, chrono_tz::Europe::Paris);
        for action in Action::ALL {
            let label = action.label_key();
            assert_ne!(tr.t(label), label, "no words for {label}");
        }
    }
}
