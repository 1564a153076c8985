//! Argon2id password hashing.
//!
//! Hashing is deliberately slow (tens of milliseconds of CPU), so it runs on tokio's
//! blocking thread pool: done on the async runtime it would stall every other request.

use std::sync::LazyLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

use crate::domain::Password;

/// Hashes `password` with a fresh random salt into a PHC string (`$argon2id$v=19$...`).
pub async fn hash_password(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("hashing a password failed: {error}"))
    })
    .await?
}

/// Checks `candidate` against a stored hash. With `None` (no such user) it checks against
/// a dummy hash and fails, so that "unknown user" takes as long as "wrong password" and
/// response times do not reveal which usernames exist.
pub async fn verify_password(
    candidate: String,
    stored_hash: Option<String>,
) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let hash = stored_hash.as_deref().unwrap_or(DUMMY_HASH.as_str());
        let parsed = PasswordHash::new(hash)
            .map_err(|error| anyhow::anyhow!("stored password hash is corrupt: {error}"))?;
        let matches = Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok();
        Ok(matches && stored_hash.is_some())
    })
    .await?
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"a password no account has")
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let password = Password::parse("correct horse".into()).unwrap();
        let hash = hash_password(password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let password = Password::parse("same password".into()).unwrap();
        let first = hash_password(password.clone()).await.unwrap();
        let second = hash_password(password).await.unwrap();
        assert_ne!(first, second, "each hash needs its own salt");
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(
            !verify_password("a password no account has".into(), None)
                .await
                .unwrap()
        );
    }
}
