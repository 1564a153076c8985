//! Registration, login and profile lookup.

use std::{
    collections::HashSet,
    sync::{Arc, RwLock},
};

use shared_kernel::{AccessToken, AccountId, JwtKeys};

use crate::{
    auth::{HashingSlots, LoginLimiter},
    domain::{self, LoginAttempt, NewUser, User, UserId},
    repositories::{Taken, UserRepository},
    services::ServiceError,
};

#[derive(Clone)]
pub struct UserService {
    users: UserRepository,
    jwt: JwtKeys,
    known: KnownUsers,
    hashing: HashingSlots,
    failed_logins: LoginLimiter,
}

impl UserService {
    pub fn new(
        users: UserRepository,
        jwt: JwtKeys,
        hashing: HashingSlots,
        failed_logins: LoginLimiter,
    ) -> Self {
        Self {
            users,
            jwt,
            known: KnownUsers::default(),
            hashing,
            failed_logins,
        }
    }

    /// Creates an account. Taken emails and usernames are refused before the slow hashing
    /// with a message naming the field; the UNIQUE constraints still catch a race between
    /// two identical registrations.
    #[tracing::instrument(level = "debug", name = "UserService::register", skip_all)]
    pub async fn register(&self, new_user: NewUser) -> Result<User, ServiceError> {
        match self
            .users
            .taken(&new_user.email, &new_user.username)
            .await?
        {
            Some(Taken::Email) => {
                return Err(ServiceError::Conflict(
                    "that email is already registered".into(),
                ));
            }
            Some(Taken::Username) => {
                return Err(ServiceError::Conflict(
                    "that username is already taken".into(),
                ));
            }
            None => {}
        }
        let password_hash = self.hashing.hash(new_user.password.clone()).await?;
        // Random, so never the identity of another account, even one in a users database
        // that was recreated (ids start again at 1 there); see the token's `acct` claim.
        let account = AccountId::new(uuid::Uuid::new_v4().to_string());
        let user = self
            .users
            .insert(&new_user, &account, &password_hash, domain::now())
            .await?;
        self.known.remember(user.id);
        Ok(user)
    }

    /// Checks a username-or-email and password and issues a token. Unknown user and wrong
    /// password get the same answer, so the endpoint cannot be used to discover accounts.
    /// A username with too many failed logins is refused before anything is hashed.
    #[tracing::instrument(level = "debug", name = "UserService::login", skip_all)]
    pub async fn login(&self, attempt: LoginAttempt) -> Result<AccessToken, ServiceError> {
        self.failed_logins.admit(&attempt.login)?;
        let credentials = self.users.find_credentials(&attempt.login).await?;
        let (ids, stored_hash) = match credentials {
            Some(found) => (
                Some((found.user_id, found.account)),
                Some(found.password_hash),
            ),
            None => (None, None),
        };
        let valid = match self.hashing.verify(attempt.password, stored_hash).await {
            Ok(valid) => valid,
            Err(error) => {
                self.failed_logins.not_checked(&attempt.login);
                return Err(error.into());
            }
        };
        match ids {
            Some((user_id, account)) if valid => {
                self.failed_logins.succeeded(&attempt.login);
                Ok(self.jwt.issue_for_account(user_id, &account)?)
            }
            _ => Err(ServiceError::Unauthenticated(
                "incorrect username or password".into(),
            )),
        }
    }

    /// Whether the account exists (for other modules, through the facade). A yes is
    /// remembered (see [`KnownUsers`]), so only the first question about an account costs
    /// a query.
    #[tracing::instrument(level = "debug", name = "UserService::exists", skip_all)]
    pub async fn exists(&self, user_id: UserId) -> Result<bool, ServiceError> {
        if self.known.contains(user_id) {
            return Ok(true);
        }
        let exists = self.users.exists(user_id).await?;
        if exists {
            self.known.remember(user_id);
        }
        Ok(exists)
    }

    /// The caller's own account. A valid token for an account that no longer exists is
    /// treated like an invalid token.
    #[tracing::instrument(level = "debug", name = "UserService::me", skip_all)]
    pub async fn me(&self, user_id: UserId) -> Result<User, ServiceError> {
        self.users
            .find_by_id(user_id)
            .await?
            .ok_or_else(|| ServiceError::Unauthenticated("the account no longer exists".into()))
    }
}

/// The ids of accounts this process has seen exist.
///
/// The tasks module asks "does this user exist?" before every task it stores. Phase 01 got
/// that answer for free from a foreign key inside the INSERT; here it would be a second
/// query on every write, queued for the same SQLite connection as every other request.
/// The API has no way to delete or deactivate an account, so once an id is known to
/// exist it stays true, and this module (the only one that writes accounts) can answer
/// from memory. A "no" is never remembered: an account registered a moment later is found.
/// One id per account, a few bytes each.
#[derive(Clone, Default)]
struct KnownUsers(Arc<RwLock<HashSet<UserId>>>);

impl KnownUsers {
    fn contains(&self, user_id: UserId) -> bool {
        // A poisoned lock only means another thread panicked mid-insert; the set is fine.
        let ids = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        ids.contains(&user_id)
    }

    fn remember(&self, user_id: UserId) {
        let mut ids = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        ids.insert(user_id);
    }
}
