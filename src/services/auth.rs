//! API tokens: creation (CLI or password login), authentication of bearer
//! tokens, revocation. Only a SHA-256 of each token is stored: tokens are
//! 256 random bits, so a slow hash would add nothing.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::TimeDelta;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::time::Instant;

use super::{Caller, audit, passwords};
use crate::{
    AppState,
    db::{self, accounts, tokens, usage},
    error::{AppError, AppResult, ErrorKind},
};

const TOKEN_PREFIX: &str = "preau_";

/// Last-use times are written at most this often, to spare the database a
/// write on every request.
pub(crate) const TOUCH_INTERVAL: TimeDelta = TimeDelta::minutes(5);

pub(crate) fn new_secret() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn token_hash(token: &str) -> String {
    crate::files::hex(&Sha256::digest(token.as_bytes()))
}

/// Whether a secret sent by a client is the expected one. Hashing both
/// sides first makes the comparison's time independent of the secret.
pub(crate) fn same_secret(sent: &str, expected: &str) -> bool {
    !sent.is_empty() && Sha256::digest(sent.as_bytes()) == Sha256::digest(expected.as_bytes())
}

/// Issues a token for a local account; returns the secret, shown only once.
/// Admins may issue tokens for anyone, accounts only for themselves.
pub async fn create_token(
    state: &AppState,
    caller: &Caller,
    username: &str,
    name: &str,
) -> AppResult<String> {
    let username = username.trim().to_string();
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(
            AppError::invalid("name: must be 1 to 100 characters").says("refused.token_name", &[])
        );
    }
    let caller = caller.clone();
    let secret = new_secret();
    let hash = token_hash(&secret);
    state
        .db
        .run(move |conn| {
            let account = accounts::local_by_username(conn, &username)?
                .ok_or_else(|| AppError::not_found(&format!("account `{username}`")))?;
            if !caller.is_instance_admin() && caller.account_id() != Some(account.id) {
                return Err(AppError::forbidden("you may only create your own tokens")
                    .says("refused.own_account_only", &[]));
            }
            crate::db::transaction(conn, |conn| {
                tokens::insert(conn, account.id, &name, &hash)?;
                // A token made for someone else lets its holder act as them.
                if caller.account_id() != Some(account.id) {
                    audit::record(
                        conn,
                        &audit::Actor::of(&caller),
                        audit::Action::TokenIssued,
                        &username,
                        &name,
                    )?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(secret)
}

/// Exchanges a username and password for a token. Every failure is the same
/// 401, whichever part was wrong.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    name: &str,
) -> AppResult<String> {
    let account = check_password(state, username, password).await?;
    let username = account.username.clone();
    create_token(
        state,
        &Caller::Account(Box::new(account.into())),
        &username,
        name,
    )
    .await
}

/// The enabled local account of a username and password, or 401 whichever
/// part was wrong; failures count towards the sign-in throttle. Shared by
/// API logins and browser sign-ins.
pub async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> AppResult<accounts::Account> {
    let lookup = username.trim().to_string();
    if let Some(wait) = state.login_throttle.check(&lookup, Instant::now()) {
        return Err(AppError::new(
            ErrorKind::TooManyRequests,
            format!(
                "too many failed sign-ins for this account: try again in {} minutes",
                wait.as_secs().div_ceil(60)
            ),
        )
        .says(
            "refused.sign_in_throttled",
            &[("n", &wait.as_secs().div_ceil(60))],
        ));
    }
    let account = state
        .db
        .read(move |conn| Ok::<_, AppError>(accounts::local_by_username(conn, &lookup)?))
        .await?;
    let stored = account
        .as_ref()
        .filter(|a| !a.disabled)
        .and_then(|a| a.password_hash.clone());
    // Verify against a dummy hash when there is no account, so that timing
    // does not tell which usernames exist.
    let (stored, exists) = match stored {
        Some(h) => (h, true),
        None => (dummy_hash().await?, false),
    };
    let ok = passwords::verify(password.to_string(), stored).await?;
    if ok && exists {
        state.login_throttle.record_success(username.trim());
    } else {
        state
            .login_throttle
            .record_failure(username.trim(), Instant::now());
    }
    match account {
        Some(account) if ok && exists => Ok(account),
        _ => Err(AppError::unauthorized()),
    }
}

async fn dummy_hash() -> AppResult<String> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| passwords::hash("preau-dummy-password".into()))
        .await
        .cloned()
}

/// The account behind a bearer token, or 401.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<accounts::SignedIn> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Err(AppError::unauthorized());
    }
    let hash = token_hash(token);
    let found = state
        .db
        .read(move |conn| Ok::<_, AppError>(tokens::account_by_hash(conn, &hash)?))
        .await?;
    let Some((token_id, last_used, account)) = found else {
        return Err(AppError::unauthorized());
    };
    if account.disabled || !account.local {
        return Err(AppError::unauthorized());
    }
    // Every request reads the token; only one in many writes it.
    let now = db::now();
    if last_used.is_none_or(|t| now - t > TOUCH_INTERVAL) {
        let (account_id, zone) = (account.id, state.settings.time_zone);
        state
            .db
            .run(move |conn| {
                tokens::touch(conn, token_id, now)?;
                usage::mark_active(conn, account_id, now, zone)?;
                Ok::<_, AppError>(())
            })
            .await?;
    }
    Ok(account)
}

/// Revokes the token that made the request.
pub async fn revoke(state: &AppState, token: &str) -> AppResult<()> {
    let hash = token_hash(token);
    state
        .db
        .run(move |conn| {
            let n = tokens::delete_by_hash(conn, &hash)?;
            if n == 0 {
                return Err(AppError::unauthorized());
            }
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hashed_hex() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
        let h = token_hash(&a);
        assert_eq!(h.len(), 64);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(h, token_hash(&b));
    }
}
