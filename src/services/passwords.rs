//! Argon2id password hashes, computed off the async workers.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_strength(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(format!(
            "password: must be at least {MIN_PASSWORD_CHARS} characters long"
        ))
        .says("refused.password_short", &[("n", &MIN_PASSWORD_CHARS)]));
    }
    if password.len() > 1024 {
        return Err(AppError::invalid("password: must be at most 1024 bytes")
            .says("refused.password_long", &[]));
    }
    Ok(())
}

/// Hashes with Argon2id and a random salt (PHC string).
pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(e.to_string()))
    })
    .await
    .map_err(AppError::internal)?
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub async fn verify(password: String, stored: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), h.clone())
                .await
                .expect("verify")
        );
        assert!(
            !verify("wrong horse battery".into(), h)
                .await
                .expect("verify")
        );
        assert!(
            !verify("x".into(), "not a hash".into())
                .await
                .expect("verify")
        );
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough!").is_ok());
    }
}
