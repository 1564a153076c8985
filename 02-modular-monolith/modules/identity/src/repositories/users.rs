//! SQL for the `identity.users` table.

use chrono::{DateTime, Utc};
use shared_kernel::{AccountId, Pools};

use super::{RepositoryResult, from_micros, to_micros};
use crate::domain::{Email, FullName, InvalidUserField, NewUser, User, UserId, Username};

#[derive(Clone, Debug)]
pub struct UserRepository {
    pools: Pools,
}

/// What login needs: the ids that go into the token, and the stored password hash.
pub struct Credentials {
    pub user_id: UserId,
    pub account: AccountId,
    pub password_hash: String,
}

/// Which unique value a registration collides with.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Email,
    Username,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    email: String,
    username: String,
    full_name: Option<String>,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = anyhow::Error;

    /// Stored values are parsed again, so a corrupt row is an error, never a bad response.
    fn try_from(row: UserRow) -> anyhow::Result<Self> {
        let corrupt = |field: &str, reason: InvalidUserField| {
            anyhow::anyhow!("stored user {} has an invalid {field}: {reason}", row.id)
        };
        Ok(User {
            id: row.id,
            email: Email::parse(&row.email).map_err(|e| corrupt("email", e))?,
            username: Username::parse(&row.username).map_err(|e| corrupt("username", e))?,
            full_name: row
                .full_name
                .map(FullName::parse)
                .transpose()
                .map_err(|e| corrupt("full_name", e))?,
            created_at: from_micros(row.created_at)?,
        })
    }
}

impl UserRepository {
    pub fn new(pools: Pools) -> Self {
        Self { pools }
    }

    #[tracing::instrument(level = "debug", name = "INSERT identity.users", skip_all, fields(otel.kind = "client", code.function = "UserRepository::insert"))]
    pub async fn insert(
        &self,
        user: &NewUser,
        account: &AccountId,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> RepositoryResult<User> {
        let row: UserRow = sqlx::query_as(
            "INSERT INTO identity.users (email, username, password_hash, full_name, created_at, account_id)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, email, username, full_name, created_at",
        )
        .bind(user.email.as_str())
        .bind(user.username.as_str())
        .bind(password_hash)
        .bind(
            user.full_name
                .as_ref()
                .map(|name| name.as_str().to_string()),
        )
        .bind(to_micros(now))
        .bind(account.as_str())
        .fetch_one(&self.pools.write)
        .await?;
        Ok(User::try_from(row)?)
    }

    /// Whether `email`, or `username` ignoring case, already belongs to someone.
    #[tracing::instrument(level = "debug", name = "SELECT identity.users", skip_all, fields(otel.kind = "client", code.function = "UserRepository::taken"))]
    pub async fn taken(
        &self,
        email: &Email,
        username: &Username,
    ) -> RepositoryResult<Option<Taken>> {
        let stored_email: Option<String> = sqlx::query_scalar(
            "SELECT email FROM identity.users WHERE email = $1 OR lower(username) = lower($2) LIMIT 1",
        )
        .bind(email.as_str())
        .bind(username.as_str())
        .fetch_optional(&self.pools.read)
        .await?;
        Ok(stored_email.map(|stored| {
            if stored == email.as_str() {
                Taken::Email
            } else {
                Taken::Username
            }
        }))
    }

    #[tracing::instrument(level = "debug", name = "SELECT identity.users", skip_all, fields(otel.kind = "client", code.function = "UserRepository::exists"))]
    pub async fn exists(&self, id: UserId) -> RepositoryResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM identity.users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pools.read)
            .await?;
        Ok(found.is_some())
    }

    #[tracing::instrument(level = "debug", name = "SELECT identity.users", skip_all, fields(otel.kind = "client", code.function = "UserRepository::find_by_id"))]
    pub async fn find_by_id(&self, id: UserId) -> RepositoryResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT id, email, username, full_name, created_at FROM identity.users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pools.read)
        .await?;
        Ok(row.map(User::try_from).transpose()?)
    }

    /// Looks a login name up as an email (if it contains `@`) or else as a username;
    /// a username cannot contain `@`, so the two never collide.
    #[tracing::instrument(level = "debug", name = "SELECT identity.users", skip_all, fields(otel.kind = "client", code.function = "UserRepository::find_credentials"))]
    pub async fn find_credentials(&self, login: &str) -> RepositoryResult<Option<Credentials>> {
        let (sql, key) = if login.contains('@') {
            (
                "SELECT id, account_id, password_hash FROM identity.users WHERE email = $1",
                login.trim().to_lowercase(),
            )
        } else {
            (
                "SELECT id, account_id, password_hash FROM identity.users WHERE lower(username) = lower($1)",
                login.to_string(),
            )
        };
        let row: Option<(UserId, String, String)> = sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(&self.pools.read)
            .await?;
        Ok(row.map(|(user_id, account, password_hash)| Credentials {
            user_id,
            account: AccountId::new(account),
            password_hash,
        }))
    }
}
