//! Failed logins per account: after too many wrong passwords for one username, its logins
//! are refused for a while, before any password is hashed.
//!
//! Counted by the username (or email) as the client typed it, trimmed and lower-cased as
//! the login looks it up, whether or not such an account exists: a 429 then says nothing
//! about which accounts exist, and guessing costs the same for every name.
//!
//! The per-client rate limit at the edge cannot do this: one client spreads its guesses
//! over many accounts, many clients (a botnet) over one.
//!
//! Memory stays bounded: at most [`TRACKED_LOGINS`] names are counted, the least recently
//! tried forgotten first, and each is kept as a 64-bit hash (keyed at random per process,
//! so a client cannot aim collisions at an account), never as the text sent, which may
//! be 64 KiB long.

use std::{
    hash::BuildHasher,
    num::NonZeroUsize,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use lru::LruCache;

/// At most this many usernames are counted at once: about 6 MB. A name pushed out by
/// newer ones starts again from zero, so an attacker who wants to reset one account's
/// count must first fail this many logins on other names, each costing a hash.
pub const TRACKED_LOGINS: usize = 100_000;

/// The failed-login limiter. Cheap to clone: clones share the counts.
#[derive(Clone)]
pub struct LoginLimiter {
    limit: Option<(u32, Duration)>,
    counts: Arc<Mutex<Counts>>,
}

struct Counts {
    hasher: std::collections::hash_map::RandomState,
    failures: LruCache<u64, Failures>,
}

/// One username's failures since `window_ends - window`.
struct Failures {
    count: u32,
    window_ends: Instant,
}

/// The account is locked: try again after this long (the `Retry-After` of a 429).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockedFor(pub Duration);

impl LoginLimiter {
    /// `max_failures` failed logins for one username within `window` of its first failure;
    /// `0` in either switches the limit off.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        let limit = (max_failures > 0 && !window.is_zero()).then_some((max_failures, window));
        Self {
            limit,
            counts: Arc::new(Mutex::new(Counts {
                hasher: Default::default(),
                failures: LruCache::new(
                    NonZeroUsize::new(TRACKED_LOGINS).unwrap_or(NonZeroUsize::MIN),
                ),
            })),
        }
    }

    /// Called before the password is checked. Counts this attempt as a failure until
    /// [`Self::succeeded`] says otherwise, so that many concurrent guesses cannot all pass
    /// before the first of them is counted; refuses it when the count is already full.
    pub fn admit(&self, login: &str) -> Result<(), LockedFor> {
        self.admit_at(login, Instant::now())
    }

    /// The password was right: the username starts again from zero.
    pub fn succeeded(&self, login: &str) {
        self.change(login, |failures, key| {
            failures.pop(&key);
        });
    }

    /// The password could not be checked (no hashing slot was free): the attempt admitted
    /// by [`Self::admit`] does not count.
    pub fn not_checked(&self, login: &str) {
        self.change(login, |failures, key| {
            if let Some(entry) = failures.peek_mut(&key) {
                entry.count = entry.count.saturating_sub(1);
            }
        });
    }

    fn admit_at(&self, login: &str, now: Instant) -> Result<(), LockedFor> {
        let Some((max_failures, window)) = self.limit else {
            return Ok(());
        };
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let key = counts.hasher.hash_one(normalise(login));
        let failures = counts.failures.get_or_insert_mut(key, || Failures {
            count: 0,
            window_ends: now + window,
        });
        if now >= failures.window_ends {
            *failures = Failures {
                count: 0,
                window_ends: now + window,
            };
        }
        if failures.count >= max_failures {
            return Err(LockedFor(failures.window_ends - now));
        }
        failures.count += 1;
        Ok(())
    }

    fn change(&self, login: &str, change: impl FnOnce(&mut LruCache<u64, Failures>, u64)) {
        if self.limit.is_none() {
            return;
        }
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let key = counts.hasher.hash_one(normalise(login));
        change(&mut counts.failures, key);
    }
}

/// The login as the repository looks it up: emails are stored lower-cased and usernames
/// are unique ignoring case, so `Ann` and `ann` are one account and share one count.
fn normalise(login: &str) -> String {
    login.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(300);

    #[test]
    fn the_limit_refuses_only_after_max_failures_until_the_window_ends() {
        let limiter = LoginLimiter::new(3, WINDOW);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.admit_at("ann", start), Ok(()));
        }
        let later = start + Duration::from_secs(100);
        assert_eq!(
            limiter.admit_at("ann", later),
            Err(LockedFor(Duration::from_secs(200)))
        );
        // Case and surrounding spaces do not make another account.
        assert!(limiter.admit_at(" ANN ", later).is_err());
        // Another name, existing or not, has its own count.
        assert_eq!(limiter.admit_at("bob", later), Ok(()));
        // Once the window has passed, the name starts again.
        assert_eq!(limiter.admit_at("ann", start + WINDOW), Ok(()));
    }

    #[test]
    fn a_success_clears_the_count_and_an_unchecked_attempt_does_not_count() {
        let limiter = LoginLimiter::new(2, WINDOW);
        let now = Instant::now();
        limiter.admit_at("ann", now).unwrap();
        limiter.admit_at("ann", now).unwrap();
        limiter.succeeded("ann");
        limiter.admit_at("ann", now).unwrap();
        limiter.not_checked("ann");
        limiter.admit_at("ann", now).unwrap();
        limiter.admit_at("ann", now).unwrap();
        assert!(limiter.admit_at("ann", now).is_err());
    }

    #[test]
    fn zero_switches_it_off() {
        for limiter in [
            LoginLimiter::new(0, WINDOW),
            LoginLimiter::new(3, Duration::ZERO),
        ] {
            for _ in 0..100 {
                assert_eq!(limiter.admit("ann"), Ok(()));
            }
        }
    }

    #[test]
    fn memory_is_bounded_by_the_tracked_logins() {
        let limiter = LoginLimiter::new(1, WINDOW);
        let now = Instant::now();
        for name in 0..TRACKED_LOGINS + 10 {
            limiter.admit_at(&format!("user-{name}"), now).unwrap();
        }
        let counts = limiter.counts.lock().unwrap();
        assert_eq!(counts.failures.len(), TRACKED_LOGINS);
    }
}
