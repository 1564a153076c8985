//! Argon2id password hashing.
//!
//! Hashing is deliberately slow (tens of milliseconds of CPU), so it runs on tokio's
//! blocking thread pool: done on the async runtime it would stall every other request.
//!
//! Each hash also takes 19 MiB of memory (argon2's default cost), and the blocking pool
//! would start a thread for every waiting login: 64 logins at once grew the process to
//! 6 GiB, and faulting in all that memory cut login throughput by more than half. So at
//! most one hash per CPU core runs at a time ([`HASHING_SLOTS`]); other logins wait for a
//! slot without holding a thread or memory. The cores are busy either way.

use std::{num::NonZeroUsize, sync::LazyLock, thread};

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use tokio::sync::Semaphore;

use crate::domain::Password;

/// One permit per CPU core: the hashes (and verifications) allowed to run at once.
static HASHING_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(cores()));

fn cores() -> usize {
    thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Runs `work` on the blocking pool once one of `slots` is free. The slot goes along
/// with the work: if the client hangs up, the request is dropped but the hash runs on,
/// and its slot must stay taken until it is done.
async fn in_a_slot<T: Send + 'static>(
    slots: &'static Semaphore,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    // The semaphore is never closed, so acquiring only ever waits.
    let slot = slots.acquire().await?;
    tokio::task::spawn_blocking(move || {
        let result = work();
        drop(slot);
        result
    })
    .await?
}

/// Hashes `password` with a fresh random salt into a PHC string (`$argon2id$v=19$...`).
pub async fn hash_password(password: Password) -> anyhow::Result<String> {
    in_a_slot(&HASHING_SLOTS, move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("hashing a password failed: {error}"))
    })
    .await
}

/// Checks `candidate` against a stored hash. With `None` (no such user) it checks against
/// a dummy hash and fails, so that "unknown user" takes as long as "wrong password" and
/// response times do not reveal which usernames exist.
pub async fn verify_password(
    candidate: String,
    stored_hash: Option<String>,
) -> anyhow::Result<bool> {
    in_a_slot(&HASHING_SLOTS, move || {
        let hash = stored_hash.as_deref().unwrap_or(DUMMY_HASH.as_str());
        let parsed = PasswordHash::new(hash)
            .map_err(|error| anyhow::anyhow!("stored password hash is corrupt: {error}"))?;
        let matches = Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok();
        Ok(matches && stored_hash.is_some())
    })
    .await
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
    async fn a_hash_waits_while_every_slot_is_taken() {
        let all_slots = HASHING_SLOTS
            .acquire_many(u32::try_from(cores()).unwrap())
            .await
            .unwrap();
        let password = Password::parse("patient horse".into()).unwrap();
        let hashing = tokio::spawn(hash_password(password));
        // Far longer than a hash takes (tens of milliseconds), so only the gate explains it.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(!hashing.is_finished(), "a hash ran without a free slot");
        drop(all_slots);
        assert!(hashing.await.unwrap().unwrap().starts_with("$argon2id$"));
    }

    #[tokio::test]
    async fn a_slot_stays_taken_while_an_abandoned_hash_runs() {
        static ONE_SLOT: Semaphore = Semaphore::const_new(1);
        let (started, has_started) = tokio::sync::oneshot::channel();
        let request = tokio::spawn(in_a_slot(&ONE_SLOT, move || {
            let _ = started.send(());
            std::thread::sleep(std::time::Duration::from_millis(300));
            Ok(())
        }));
        has_started.await.unwrap();
        // The client hangs up: the request's future is dropped; the work cannot be.
        request.abort();
        assert!(request.await.unwrap_err().is_cancelled());
        assert_eq!(
            ONE_SLOT.available_permits(),
            0,
            "freed while the work still ran"
        );
        let _slot = ONE_SLOT.acquire().await.unwrap(); // and freed once it is done
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
