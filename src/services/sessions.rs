//! Browser sessions: sign-in with a password, the session behind a cookie,
//! sign-out, password change, and the first-run creation of the first
//! admin. A session's secret lives only in the cookie; the database keeps
//! its SHA-256 and the session's CSRF token.

use chrono::TimeDelta;

use super::{
    Caller,
    accounts::{self as account_service, CreateAccount},
    auth::{self, TOUCH_INTERVAL},
    passwords,
};
use crate::{
    AppState,
    db::{
        self,
        accounts::{self, Account, AccountChanges, SignedIn},
        sessions::{self, NewSession, Session},
        usage,
    },
    error::{AppError, AppResult},
};

/// A session ends after this long without use.
pub const IDLE_LIFETIME: TimeDelta = TimeDelta::days(14);

/// Opens a session for an account; returns the cookie's secret.
pub async fn open(state: &AppState, account_id: i64) -> AppResult<String> {
    let secret = auth::new_secret();
    let hash = auth::token_hash(&secret);
    // The CSRF token is another random secret, sent in forms, never in a
    // cookie.
    let csrf = auth::new_secret();
    let zone = state.settings.time_zone;
    state
        .db
        .run(move |conn| {
            let now = db::now();
            sessions::delete_expired(conn, now)?;
            sessions::insert(
                conn,
                &NewSession {
                    account_id,
                    secret_hash: &hash,
                    csrf_token: &csrf,
                    expires_at: now + IDLE_LIFETIME,
                },
            )?;
            usage::mark_active(conn, account_id, now, zone)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(secret)
}

/// Checks a username and password and opens a session.
pub async fn sign_in(state: &AppState, username: &str, password: &str) -> AppResult<String> {
    let account = auth::check_password(state, username, password).await?;
    open(state, account.id).await
}

/// The live session of a cookie's secret and its account; `None` for an
/// unknown, expired or disabled one.
pub async fn authenticate(
    state: &AppState,
    secret: &str,
) -> AppResult<Option<(Session, SignedIn)>> {
    if secret.len() > 100 {
        return Ok(None);
    }
    let hash = auth::token_hash(secret);
    let now = db::now();
    let found = state
        .db
        .read(move |conn| Ok::<_, AppError>(sessions::live_by_hash(conn, &hash, now)?))
        .await?;
    let Some((session, account)) = found else {
        return Ok(None);
    };
    if account.disabled || !account.local {
        return Ok(None);
    }
    // Every page reads the session; only one in many writes it.
    if now - session.last_seen_at > TOUCH_INTERVAL {
        let (id, account_id, zone) = (session.id, account.id, state.settings.time_zone);
        state
            .db
            .run(move |conn| {
                sessions::touch(conn, id, now, now + IDLE_LIFETIME)?;
                usage::mark_active(conn, account_id, now, zone)?;
                Ok::<_, AppError>(())
            })
            .await?;
    }
    Ok(Some((session, account)))
}

/// Ends the session of a cookie's secret (nothing happens for an unknown
/// one: signing out twice is fine).
pub async fn sign_out(state: &AppState, secret: &str) -> AppResult<()> {
    let hash = auth::token_hash(secret);
    state
        .db
        .run(move |conn| Ok::<_, AppError>(sessions::delete_by_hash(conn, &hash)?))
        .await?;
    Ok(())
}

/// Changes an account's own password after checking the current one, and
/// ends its other sessions.
pub async fn change_password(
    state: &AppState,
    session: &Session,
    account: &SignedIn,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let id = account.id;
    let stored = state
        .db
        .read(move |conn| Ok::<_, AppError>(accounts::by_id(conn, id)?.password_hash))
        .await?;
    let stored = stored.ok_or_else(|| {
        AppError::invalid("current_password: this account has no password")
            .says("refused.no_password", &[])
    })?;
    if !passwords::verify(current.to_string(), stored).await? {
        return Err(
            AppError::invalid("current_password: the current password is wrong")
                .says("refused.current_password_wrong", &[]),
        );
    }
    passwords::check_strength(new)?;
    let hash = passwords::hash(new.to_string()).await?;
    let (account_id, session_id) = (account.id, session.id);
    state
        .db
        .run(move |conn| {
            db::transaction(conn, |conn| {
                accounts::update(
                    conn,
                    account_id,
                    &AccountChanges {
                        password_hash: Some(Some(hash)),
                        updated_at: Some(db::now()),
                        ..AccountChanges::default()
                    },
                )?;
                sessions::delete_others(conn, account_id, session_id)?;
                Ok::<_, AppError>(())
            })
        })
        .await
}

/// Stores an account's language (`None`: follow the browser).
pub async fn set_locale(
    state: &AppState,
    account_id: i64,
    locale: Option<String>,
) -> AppResult<()> {
    state
        .db
        .run(move |conn| {
            accounts::update(
                conn,
                account_id,
                &AccountChanges {
                    locale: Some(locale),
                    ..AccountChanges::default()
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await
}

/// Whether the instance still has no local account: the first-run page is
/// open only then.
pub async fn needs_setup(state: &AppState) -> AppResult<bool> {
    state
        .db
        .read(|conn| Ok::<_, AppError>(accounts::count_local(conn)? == 0))
        .await
}

/// The code that opens the first-run page. Only the operator sees it (the
/// server logs the link at start, `preau admin setup-link` prints it), so
/// the first admin of an instance that is already reachable is not
/// whoever finds `/setup` first. It is derived from the instance's private
/// key: every process of the instance gives the same one, and nothing is
/// stored. It opens nothing once an account exists.
pub async fn setup_code(state: &AppState) -> AppResult<String> {
    use sha2::{Digest, Sha256};
    let row = super::instance::ensure_keys(state).await?;
    let digest = Sha256::digest(format!("preau first-run page\n{}", row.private_key));
    let hex = crate::files::hex(&digest[..10]);
    let groups: Vec<&str> = (0..hex.len()).step_by(5).map(|i| &hex[i..i + 5]).collect();
    Ok(groups.join("-"))
}

/// The first-run page's address, with its code.
pub async fn setup_link(state: &AppState) -> AppResult<String> {
    let code = setup_code(state).await?;
    Ok(state.settings.url(&format!("/setup?code={code}")))
}

/// Whether `sent` is the setup code.
pub async fn is_setup_code(state: &AppState, sent: &str) -> AppResult<bool> {
    let code = setup_code(state).await?;
    Ok(auth::same_secret(sent.trim(), &code))
}

/// Creates the first admin, only while the instance has no local account,
/// for whoever holds the setup code.
pub async fn create_first_admin(
    state: &AppState,
    code: &str,
    input: CreateAccount,
) -> AppResult<Account> {
    if !is_setup_code(state, code).await? {
        return Err(AppError::forbidden(
            "the first-run page needs the link with its code, from the server's log",
        )
        .says("refused.setup_code", &[]));
    }
    // Serialises concurrent first-run forms of this process; a second
    // process would still be stopped by the username's uniqueness.
    static SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = SETUP.lock().await;
    if !needs_setup(state).await? {
        return Err(
            AppError::conflict("this instance already has an admin: sign in instead")
                .says("refused.admin_exists", &[]),
        );
    }
    let view = account_service::create(
        state,
        &Caller::Operator,
        CreateAccount {
            is_admin: true,
            ..input
        },
    )
    .await?;
    let username = view.username;
    state
        .db
        .run(move |conn| {
            accounts::local_by_username(conn, &username)?
                .ok_or_else(|| AppError::not_found("account"))
        })
        .await
}
