//! Deleting a local account (GDPR article 17): what belongs to the person
//! goes (profile, roles, sessions, tokens, read marks, reminders, follows),
//! what they wrote for an organisation stays with it, and every instance
//! that may hold some of their data is sent a `Delete` of the person.
//!
//! The `Delete` is signed by the instance actor: the person's keys go with
//! the account, and deliveries may be retried for days. Receivers accept
//! it because the instance and the person share an origin.

use activitypub_federation::kinds::{activity::DeleteType, public};
use url::Url;

use super::{
    Caller,
    audit::{self, Action, Actor},
};
use crate::{
    AppState,
    db::{self, accounts, outbox, personal_data, tombstones},
    error::{AppError, AppResult},
    federation::{
        activities::new_activity_id,
        protocol::activities::deletion::{Delete, ObjectRef},
        send::{self, Outgoing},
    },
};

/// Deletes a local account, for good (instance admins only).
pub async fn delete(state: &AppState, caller: &Caller, username: &str) -> AppResult<()> {
    caller.instance_admin("only instance admins delete accounts")?;
    let (username, caller, settings) = (
        username.trim().to_string(),
        caller.clone(),
        state.settings.clone(),
    );
    let queued = state
        .db
        .run(move |conn| {
            db::transaction(conn, |conn| {
                let account = accounts::local_by_username(conn, &username)?
                    .ok_or_else(|| AppError::not_found("account"))?;
                if caller.account_id() == Some(account.id) {
                    return Err(AppError::invalid(
                        "username: an admin does not delete their own account; ask another admin",
                    )
                    .says("refused.delete_self", &[]));
                }
                if account.is_admin && accounts::count_local_admins(conn)? <= 1 {
                    return Err(AppError::invalid(
                        "username: the last instance admin cannot be deleted",
                    )
                    .says("refused.last_admin", &[]));
                }
                let inboxes = personal_data::holders(conn, account.id, &account.ap_id)?
                    .iter()
                    .filter_map(|inbox| Url::parse(inbox).ok())
                    .collect::<Vec<_>>();
                let instance = settings.url("/actor");
                let person = Url::parse(&account.ap_id).map_err(AppError::internal)?;
                let delete = Delete {
                    id: new_activity_id(&settings, "delete").map_err(AppError::internal)?,
                    kind: DeleteType::Delete,
                    actor: Url::parse(&instance).map_err(AppError::internal)?.into(),
                    object: ObjectRef::Id(person),
                    to: vec![public()],
                    cc: vec![],
                };
                let queued = !inboxes.is_empty();
                Outgoing::new(delete, inboxes, &settings)
                    .map_err(AppError::internal)?
                    .enqueue(conn)?;
                outbox::forget_actor(conn, &account.ap_id)?;
                // The id is never given again: peers keep its tombstone.
                tombstones::bury(conn, &account.ap_id, &instance)?;
                accounts::delete_local(conn, account.id)?;
                audit::record(
                    conn,
                    &Actor::of(&caller),
                    Action::AccountDeleted,
                    &username,
                    "",
                )?;
                Ok(queued)
            })
        })
        .await?;
    if queued {
        send::wake();
    }
    Ok(())
}
