//! Argon2id password hashing.
//!
//! Hashing is deliberately slow (tens of milliseconds of CPU), so it runs on tokio's
//! blocking thread pool: done on the async runtime it would stall every other request.
//!
//! Each hash also takes 19 MiB of memory (argon2's default cost), and the blocking pool
//! would start a thread for every waiting login: 64 logins at once grew the process to
//! 6 GiB, and faulting in all that memory cut login throughput by more than half. So at
//! most a fixed number of hashes run at a time ([`HashingSlots`]; one per CPU core by
//! default, `HASH_SLOTS`); other logins wait for a slot without holding a thread or
//! memory. The cores are busy either way.
//!
//! The wait is bounded too (`HASH_QUEUE_MAX`): when that many logins and registrations
//! already wait, the next is refused at once ([`HashingError::Busy`], a 503 with
//! `Retry-After`). Without a bound one client could queue logins faster than the cores
//! hash them, and every other login would wait behind its queue, for ever longer.
//!
//! The 19 MiB are also reused (each slot's scratch memory): allocated once per slot, then kept. Allocated
//! afresh for every hash, as argon2's own `hash_password` does, their cost depended on the
//! allocator's history: glibc's malloc either maps fresh pages, which the kernel faults in
//! and zeroes one by one (4,865 minor page faults per hash), or hands back memory still
//! mapped from an earlier hash, depending on its dynamic mmap threshold and on which arena
//! serves the blocking thread. So the same login cost one process about 10 ms more than
//! another, and flipped between logins of one process (measured in docs/benchmarks.md).
//! Kept memory is faulted in once per slot and never again.

use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{
        self,
        phc::{Output, ParamsString, PasswordHash, Salt},
    },
};
use tokio::sync::Semaphore;

use crate::domain::Password;

/// The hashes (and verifications) allowed to run at once, the queue in front of them, and
/// each slot's working memory. Cheap to clone: clones share the slots.
#[derive(Clone)]
pub struct HashingSlots {
    inner: Arc<Slots>,
}

struct Slots {
    /// One permit per slot: a hash runs only while it holds one.
    running: Arc<Semaphore>,
    /// One permit per slot plus one per place in the queue: a login that cannot take one
    /// is refused instead of waiting.
    admitted: Arc<Semaphore>,
    capacity: usize,
    slots: usize,
    /// Argon2's working memory, one block per slot that has hashed (see `with_scratch`).
    scratch: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every slot is busy and the queue is full: try again shortly.
    #[error("every hashing slot is busy and the queue is full")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl HashingSlots {
    /// `slots` hashes at once (at least one), and at most `queue_max` waiting for a slot.
    pub fn new(slots: usize, queue_max: usize) -> Self {
        // A semaphore holds at most MAX_PERMITS: more slots or places than that mean "any".
        let slots = slots.clamp(1, Semaphore::MAX_PERMITS);
        let capacity = slots.saturating_add(queue_max).min(Semaphore::MAX_PERMITS);
        Self {
            inner: Arc::new(Slots {
                running: Arc::new(Semaphore::new(slots)),
                admitted: Arc::new(Semaphore::new(capacity)),
                capacity,
                slots,
                scratch: Arc::default(),
            }),
        }
    }

    /// How many hashes wait for a slot right now.
    pub fn queue_depth(&self) -> usize {
        let inner = &self.inner;
        let admitted = inner.capacity - inner.admitted.available_permits();
        let running = inner.slots - inner.running.available_permits();
        admitted.saturating_sub(running)
    }

    /// Hashes `password` with a fresh random salt into a PHC string (`$argon2id$v=19$...`).
    pub async fn hash(&self, password: Password) -> Result<String, HashingError> {
        let scratch = self.inner.scratch.clone();
        self.in_a_slot(move || {
            with_scratch(&scratch, PARAMS.block_count(), |memory| {
                hash_into(memory, password.expose().as_bytes())
            })
        })
        .await
    }

    /// Checks `candidate` against a stored hash. With `None` (no such user) it checks
    /// against a dummy hash and fails, so that "unknown user" takes as long as "wrong
    /// password" and response times do not reveal which usernames exist.
    pub async fn verify(
        &self,
        candidate: String,
        stored_hash: Option<String>,
    ) -> Result<bool, HashingError> {
        let scratch = self.inner.scratch.clone();
        self.in_a_slot(move || {
            let hash = stored_hash.as_deref().unwrap_or(DUMMY_HASH.as_str());
            let parsed = PasswordHash::new(hash)
                .map_err(|error| anyhow::anyhow!("stored password hash is corrupt: {error}"))?;
            Ok(matches(&scratch, candidate.as_bytes(), &parsed) && stored_hash.is_some())
        })
        .await
    }

    /// Runs `work` on the blocking pool once a slot is free, or refuses at once when the
    /// queue is full. The slot goes along with the work: if the client hangs up, the
    /// request is dropped but the hash runs on, and its slot must stay taken until it is
    /// done. A login that hangs up while it waits gives its place in the queue back.
    async fn in_a_slot<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, HashingError> {
        let place = self
            .inner
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashingError::Busy)?;
        // The semaphores are never closed, so acquiring only ever waits.
        let slot = self
            .inner
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(anyhow::Error::from)?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(slot);
            drop(place);
            result
        })
        .await
        .map_err(anyhow::Error::from)?
        .map_err(HashingError::Failed)
    }
}

/// The parameters new hashes get: argon2's defaults (argon2id, version 19, 19 MiB, two
/// passes, one lane, 32 bytes), which `PasswordHasher::hash_password` used before.
const ALGORITHM: Algorithm = Algorithm::Argon2id;
const VERSION: Version = Version::V0x13;
const PARAMS: Params = Params::DEFAULT;

/// Runs `work` on at least `blocks` blocks of working memory taken from `pool`, and puts
/// the memory back: one 19 MiB block per slot that has hashed, kept between hashes. Only
/// a slot's holder takes one, so a pool never holds more blocks than it has slots. A block
/// keeps what its last hash left in it, as freed heap memory would; it is never handed to
/// anything but the next hash. A memory cost above the default (a hash stored with other parameters)
/// gets a block of its own that is not kept, so one odd row cannot pin its memory forever.
fn with_scratch<T>(
    pool: &Mutex<Vec<Vec<Block>>>,
    blocks: usize,
    work: impl FnOnce(&mut [Block]) -> T,
) -> T {
    // Nothing panics while holding the lock, but if something did, the pool is still sound.
    let pooled = pool.lock().unwrap_or_else(PoisonError::into_inner).pop();
    let mut memory = pooled.unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let result = work(&mut memory[..blocks]);
    if memory.len() <= PARAMS.block_count() {
        pool.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(memory);
    }
    result
}

/// What `PasswordHasher::hash_password` does, with the caller's memory: a random salt of
/// the recommended 16 bytes, the default parameters, and the PHC string built from them.
fn hash_into(memory: &mut [Block], password: &[u8]) -> anyhow::Result<String> {
    let failed =
        |error: &dyn std::fmt::Display| anyhow::anyhow!("hashing a password failed: {error}");
    let salt = password_hash::try_generate_salt().map_err(|error| failed(&error))?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(ALGORITHM, VERSION, PARAMS)
        .hash_password_into_with_memory(password, &salt, &mut output, memory)
        .map_err(|error| failed(&error))?;
    let hash = PasswordHash {
        algorithm: ALGORITHM.ident(),
        version: Some(VERSION.into()),
        params: ParamsString::try_from(&PARAMS).map_err(|error| failed(&error))?,
        salt: Some(Salt::new(&salt).map_err(|error| failed(&error))?),
        hash: Some(Output::new(&output).map_err(|error| failed(&error))?),
    };
    Ok(hash.to_string())
}

/// What argon2's `PasswordVerifier::verify_password` does, hashing into a slot's memory:
/// the algorithm, version, parameters, salt and output length the stored hash names, then
/// a constant-time comparison (`Output`'s `==` is constant-time), so the time taken does
/// not tell how much of a guess was right. A hash argon2 cannot recompute (no salt or no
/// output, another algorithm, parameters out of range) matches nothing, as with argon2's.
fn matches(scratch: &Mutex<Vec<Vec<Block>>>, candidate: &[u8], stored: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = stored.version.map(Version::try_from).transpose() else {
        return false;
    };
    // The stored parameters, with the output length of the stored output.
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut buffer = [0u8; Output::MAX_LENGTH];
    let Some(output) = buffer.get_mut(..expected.len()) else {
        return false;
    };
    let hashed = with_scratch(scratch, blocks, |memory| {
        argon2.hash_password_into_with_memory(candidate, salt, output, memory)
    });
    hashed.is_ok() && Output::new(output).is_ok_and(|computed| computed == *expected)
}

/// Made once per process, on memory of its own that is freed afterwards.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    with_scratch(&Mutex::default(), PARAMS.block_count(), |memory| {
        hash_into(memory, b"a password no account has")
    })
    .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn slots() -> HashingSlots {
        HashingSlots::new(2, 64)
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let password = Password::parse("correct horse".into()).unwrap();
        let hash = slots().hash(password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            slots()
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !slots()
                .verify("wrong horse".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let password = Password::parse("same password".into()).unwrap();
        let first = slots().hash(password.clone()).await.unwrap();
        let second = slots().hash(password).await.unwrap();
        assert_ne!(first, second, "each hash needs its own salt");
    }

    #[tokio::test]
    async fn a_hash_waits_while_every_slot_is_taken() {
        let hashing = HashingSlots::new(2, 64);
        // Two hashes running: each holds a place and a slot.
        let places = hashing
            .inner
            .admitted
            .clone()
            .acquire_many_owned(2)
            .await
            .unwrap();
        let all_slots = hashing
            .inner
            .running
            .clone()
            .acquire_many_owned(2)
            .await
            .unwrap();
        let password = Password::parse("patient horse".into()).unwrap();
        let waiting = tokio::spawn({
            let hashing = hashing.clone();
            async move { hashing.hash(password).await }
        });
        // Far longer than a hash takes (tens of milliseconds), so only the gate explains it.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!waiting.is_finished(), "a hash ran without a free slot");
        assert_eq!(hashing.queue_depth(), 1);
        drop((all_slots, places));
        assert!(waiting.await.unwrap().unwrap().starts_with("$argon2id$"));
        assert_eq!(hashing.queue_depth(), 0);
    }

    /// Work that holds its slot until told to finish.
    fn held(
        hashing: &HashingSlots,
    ) -> (
        tokio::task::JoinHandle<Result<(), HashingError>>,
        std::sync::mpsc::Sender<()>,
    ) {
        let (finish, finished) = std::sync::mpsc::channel::<()>();
        let hashing = hashing.clone();
        let work = tokio::spawn(async move {
            hashing
                .in_a_slot(move || {
                    let _ = finished.recv();
                    Ok(())
                })
                .await
        });
        (work, finish)
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once_and_a_place_is_given_back() {
        let hashing = HashingSlots::new(1, 1);
        let (running, finish_running) = held(&hashing);
        while hashing.inner.running.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let (queued, finish_queued) = held(&hashing);
        while hashing.queue_depth() < 1 {
            tokio::task::yield_now().await;
        }
        let password = Password::parse("one too many".into()).unwrap();
        let refused = tokio::time::timeout(Duration::from_secs(1), hashing.hash(password))
            .await
            .expect("a full queue must refuse at once, not wait");
        assert!(matches!(refused, Err(HashingError::Busy)), "{refused:?}");

        // The queued login hangs up: its place is free again.
        queued.abort();
        drop(finish_queued);
        while hashing.queue_depth() > 0 {
            tokio::task::yield_now().await;
        }
        let (queued_again, finish_again) = held(&hashing);
        finish_running.send(()).unwrap();
        finish_again.send(()).unwrap();
        running.await.unwrap().unwrap();
        queued_again.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn with_no_queue_a_busy_slot_refuses_the_next() {
        let hashing = HashingSlots::new(1, 0);
        let (running, finish) = held(&hashing);
        while hashing.inner.running.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let refused = hashing.verify("any".into(), None).await;
        assert!(matches!(refused, Err(HashingError::Busy)), "{refused:?}");
        finish.send(()).unwrap();
        running.await.unwrap().unwrap();
        assert!(!hashing.verify("any".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_slot_stays_taken_while_an_abandoned_hash_runs() {
        let hashing = HashingSlots::new(1, 0);
        let (started, has_started) = tokio::sync::oneshot::channel();
        let request = tokio::spawn({
            let hashing = hashing.clone();
            async move {
                hashing
                    .in_a_slot(move || {
                        let _ = started.send(());
                        std::thread::sleep(Duration::from_millis(300));
                        Ok(())
                    })
                    .await
            }
        });
        has_started.await.unwrap();
        // The client hangs up: the request's future is dropped; the work cannot be.
        request.abort();
        assert!(request.await.unwrap_err().is_cancelled());
        assert_eq!(
            hashing.inner.running.available_permits(),
            0,
            "freed while the work still ran"
        );
        // and freed once it is done
        let _slot = hashing.inner.running.acquire().await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(
            !slots()
                .verify("a password no account has".into(), None)
                .await
                .unwrap()
        );
    }

    /// The plain argon2 API, as the code before reused memory hashed and verified.
    mod plain {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};

        use super::*;

        pub fn hash(argon2: &Argon2, password: &str) -> String {
            argon2
                .hash_password(password.as_bytes())
                .unwrap()
                .to_string()
        }

        pub fn verifies(password: &str, hash: &str) -> bool {
            Argon2::default()
                .verify_password(password.as_bytes(), &PasswordHash::new(hash).unwrap())
                .is_ok()
        }
    }

    #[tokio::test]
    async fn a_hash_made_here_verifies_with_the_plain_argon2_verifier_and_back() {
        let password = Password::parse("interoperable horse".into()).unwrap();
        let ours = slots().hash(password).await.unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(plain::verifies("interoperable horse", &ours));
        assert!(!plain::verifies("interoperable hose", &ours));

        // Hashes stored before this change, made by argon2's own hasher, still verify here.
        let theirs = plain::hash(&Argon2::default(), "interoperable horse");
        assert!(
            slots()
                .verify("interoperable horse".into(), Some(theirs.clone()))
                .await
                .unwrap()
        );
        assert!(
            !slots()
                .verify("interoperable hose".into(), Some(theirs))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashes_stored_with_other_parameters_verify_with_their_own() {
        let cheaper = Params::new(8 * 1024, 1, 1, Some(16)).unwrap();
        let dearer = Params::new(24 * 1024, 1, 2, None).unwrap();
        for (algorithm, params) in [(Algorithm::Argon2id, cheaper), (Algorithm::Argon2i, dearer)] {
            let stored = plain::hash(&Argon2::new(algorithm, Version::V0x13, params), "old horse");
            assert!(
                slots()
                    .verify("old horse".into(), Some(stored.clone()))
                    .await
                    .unwrap(),
                "{stored}"
            );
            assert!(
                !slots()
                    .verify("new horse".into(), Some(stored.clone()))
                    .await
                    .unwrap(),
                "{stored}"
            );
        }
    }

    #[tokio::test]
    async fn a_stored_hash_without_output_matches_nothing() {
        let stored = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA";
        assert!(
            !slots()
                .verify("anything at all".into(), Some(stored.into()))
                .await
                .unwrap()
        );
        assert!(
            slots()
                .verify("anything at all".into(), Some("not a hash".into()))
                .await
                .is_err(),
            "a corrupt row is an error, not a wrong password"
        );
    }

    #[test]
    fn the_working_memory_is_reused_not_reallocated() {
        static POOL: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
        let blocks = PARAMS.block_count();
        let first = with_scratch(&POOL, blocks, |memory| {
            assert_eq!(memory.len(), blocks);
            memory.as_ptr()
        });
        let second = with_scratch(&POOL, blocks, |memory| memory.as_ptr());
        assert_eq!(first, second, "the second hash got new memory");
        assert_eq!(POOL.lock().unwrap().len(), 1);

        // A dearer stored hash gets memory of its own, which is not kept.
        with_scratch(&POOL, blocks * 2, |memory| {
            assert_eq!(memory.len(), blocks * 2)
        });
        assert!(POOL.lock().unwrap().is_empty());
    }
}
