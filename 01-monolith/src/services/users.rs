//! Registration, login and profile lookup.

use crate::{
    auth::{AccessToken, HashingSlots, JwtKeys, LoginLimiter},
    domain::{self, LoginAttempt, NewUser, User, UserId},
    repositories::{Taken, UserRepository},
    services::ServiceError,
};

#[derive(Clone)]
pub struct UserService {
    users: UserRepository,
    jwt: JwtKeys,
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
        Ok(self
            .users
            .insert(&new_user, &password_hash, domain::now())
            .await?)
    }

    /// Checks a username-or-email and password and issues a token. Unknown user and wrong
    /// password get the same answer, so the endpoint cannot be used to discover accounts.
    /// A username with too many failed logins is refused before anything is hashed.
    #[tracing::instrument(level = "debug", name = "UserService::login", skip_all)]
    pub async fn login(&self, attempt: LoginAttempt) -> Result<AccessToken, ServiceError> {
        self.failed_logins.admit(&attempt.login)?;
        let credentials = self.users.find_credentials(&attempt.login).await?;
        let (user_id, stored_hash) = match credentials {
            Some(found) => (Some(found.user_id), Some(found.password_hash)),
            None => (None, None),
        };
        let valid = match self.hashing.verify(attempt.password, stored_hash).await {
            Ok(valid) => valid,
            Err(error) => {
                self.failed_logins.not_checked(&attempt.login);
                return Err(error.into());
            }
        };
        match user_id {
            Some(user_id) if valid => {
                self.failed_logins.succeeded(&attempt.login);
                Ok(self.jwt.issue(user_id)?)
            }
            _ => Err(ServiceError::Unauthenticated(
                "incorrect username or password".into(),
            )),
        }
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
