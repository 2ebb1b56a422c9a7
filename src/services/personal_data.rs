//! The export of one person's data (GDPR articles 15 and 20): everything
//! the instance holds about a local account, as one JSON document, for
//! the person themselves or an instance admin. Secrets are left out; an
//! admin's export of someone else's data is audited.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    Caller,
    audit::{self, Action, Actor},
};
use crate::{
    AppState,
    db::{self, audit_log, personal_data as rows},
    error::{AppError, AppResult},
};

/// What the instance holds about one account.
#[derive(Debug, Serialize)]
pub struct PersonalData {
    pub exported_at: DateTime<Utc>,
    /// This instance's domain.
    pub instance: String,
    pub account: rows::Profile,
    pub memberships: Vec<rows::Membership>,
    pub follows: Vec<rows::Follow>,
    pub announcements: Vec<rows::Authored>,
    pub resources: Vec<rows::Authored>,
    /// The announcements marked "I have read this", and when.
    pub reads: Vec<rows::AboutAnnouncement>,
    pub reminders: Vec<rows::AboutAnnouncement>,
    pub sessions: Vec<rows::Session>,
    /// API tokens by name (never the token itself).
    pub api_tokens: Vec<rows::Token>,
    /// ISO weeks in which the account was used (usage statistics).
    pub active_weeks: Vec<String>,
    /// Admin actions by the account, or on it.
    pub audit: Vec<audit_log::Entry>,
}

/// The data of a local account, for its owner or an instance admin.
pub async fn export(state: &AppState, caller: &Caller, username: &str) -> AppResult<PersonalData> {
    let (username, caller, domain) = (
        username.trim().to_string(),
        caller.clone(),
        state.settings.domain.clone(),
    );
    state
        .db
        .run(move |conn| {
            db::transaction(conn, |conn| {
                let account = rows::profile(conn, &username)?
                    .ok_or_else(|| AppError::not_found("account"))?;
                let own = caller.account_id() == Some(account.id);
                if !own {
                    caller.instance_admin(
                        "only its owner and instance admins export an account's data",
                    )?;
                }
                let id = account.id;
                let data = PersonalData {
                    exported_at: Utc::now(),
                    instance: domain,
                    memberships: rows::memberships(conn, id)?,
                    follows: rows::follows(conn, &account.ap_id)?,
                    announcements: rows::announcements(conn, id)?,
                    resources: rows::resources(conn, id)?,
                    reads: rows::reads(conn, id)?,
                    reminders: rows::reminders(conn, id)?,
                    sessions: rows::sessions(conn, id)?,
                    api_tokens: rows::tokens(conn, id)?,
                    active_weeks: rows::active_weeks(conn, id)?,
                    audit: audit_log::about(conn, id, &username)?,
                    account,
                };
                if !own {
                    audit::record(
                        conn,
                        &Actor::of(&caller),
                        Action::PersonalDataExported,
                        &username,
                        "",
                    )?;
                }
                Ok(data)
            })
        })
        .await
}
