//! Registration, login and profile lookup.

use crate::{
    auth::{AccessToken, JwtKeys, hash_password, verify_password},
    domain::{self, LoginAttempt, NewUser, User, UserId},
    services::ServiceError,
};

use super::repository::{Taken, UserRepository};

#[derive(Clone)]
pub struct UserService {
    users: UserRepository,
    jwt: JwtKeys,
}

impl UserService {
    pub fn new(users: UserRepository, jwt: JwtKeys) -> Self {
        Self { users, jwt }
    }

    /// Creates an account. Taken emails and usernames are refused before the slow hashing
    /// with a message naming the field; the UNIQUE constraints still catch a race between
    /// two identical registrations.
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
        let password_hash = hash_password(new_user.password.clone()).await?;
        Ok(self
            .users
            .insert(&new_user, &password_hash, domain::now())
            .await?)
    }

    /// Checks a username-or-email and password and issues a token. Unknown user and wrong
    /// password get the same answer, so the endpoint cannot be used to discover accounts.
    pub async fn login(&self, attempt: LoginAttempt) -> Result<AccessToken, ServiceError> {
        let credentials = self.users.find_credentials(&attempt.login).await?;
        let (user_id, stored_hash) = match credentials {
            Some(found) => (Some(found.user_id), Some(found.password_hash)),
            None => (None, None),
        };
        let valid = verify_password(attempt.password, stored_hash).await?;
        match user_id {
            Some(user_id) if valid => Ok(self.jwt.issue(user_id)?),
            _ => Err(ServiceError::Unauthenticated(
                "incorrect username or password".into(),
            )),
        }
    }

    /// Whether an account with this id exists.
    pub async fn exists(&self, user_id: UserId) -> Result<bool, ServiceError> {
        Ok(self.users.find_by_id(user_id).await?.is_some())
    }

    /// The caller's own account. A valid token for an account that no longer exists is
    /// treated like an invalid token.
    pub async fn me(&self, user_id: UserId) -> Result<User, ServiceError> {
        self.users
            .find_by_id(user_id)
            .await?
            .ok_or_else(|| ServiceError::Unauthenticated("the account no longer exists".into()))
    }
}
