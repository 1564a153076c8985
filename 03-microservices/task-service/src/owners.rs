//! Who owns a task here: an account, not a user id.
//!
//! The tasks module keys every task by an `owner_id`, and its routes take it from the
//! caller's token. In phase 02 that was the user id, and it was safe: users and tasks lived
//! in one database and were recreated together. Here the users live in user-service's
//! database. If that one is recreated, its ids start again at 1, and a new account would
//! get an old account's user id and, with it, the old account's tasks.
//!
//! So task-service names owners by the account identity the token carries (`acct`, minted
//! at random by user-service for each account, never reused) and keeps, in its own table
//! `tasks.owners`, which owner id each account has. An account gets its user id as owner
//! id when no other account has it, which is always the case until a users database is
//! recreated; a new account whose user id is already another account's gets a fresh owner
//! id from a range no user id reaches. An account's owner id never changes, so a request
//! resolved to one can never touch another account's tasks, however requests interleave.
//!
//! [`resolve_owner`] does this in front of the module's routes: it hands the module the
//! caller as its owner id (the module, its SQL and its tables are unchanged), and where
//! that differs from the user id it puts the user id back into the answers' `owner_id`,
//! which the contract says is the caller's user id. See ADR 0017.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::Value;
use shared_kernel::{
    AccountId, ApiError, AuthUser, Backend, JwtKeys, Pools, RepositoryResult, ServiceError, UserId,
    bearer_token,
};
use sqlx::migrate::Migrator;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Owner ids given to accounts whose user id is another account's start above this: 2^62,
/// far beyond any user id a database will hand out.
pub const REASSIGNED_OWNER_IDS_ABOVE: i64 = 1 << 62;

/// At most this many accounts' owner ids are kept in memory; then the memory starts over.
const REMEMBERED_OWNERS: usize = 10_000;

/// The largest answer whose `owner_id`s are put back (a page of 100 tasks is ~50 KiB).
const MAX_REWRITTEN_BODY: usize = 4 * 1024 * 1024;

/// Accounts and the owner ids they have in this service. Cheap to clone.
#[derive(Clone)]
pub struct Owners {
    pools: Pools,
    keys: JwtKeys,
    /// An account's owner id never changes once given, so it is looked up once.
    known: Arc<RwLock<HashMap<AccountId, UserId>>>,
}

impl Owners {
    /// `keys` must be the ones the module verifies with ([`JwtKeys::requiring_account`]).
    pub fn new(pools: Pools, keys: JwtKeys) -> Self {
        Self {
            pools,
            keys,
            known: Arc::default(),
        }
    }

    /// Creates `tasks.owners` (the module's migrations create the `tasks` schema first).
    pub async fn migrate(pools: &Pools, backend: Backend) -> anyhow::Result<()> {
        shared_kernel::db::migrate(
            &pools.write,
            backend,
            "task-service owners",
            &SQLITE_MIGRATIONS,
            &POSTGRES_MIGRATIONS,
        )
        .await
    }

    /// The owner id of `account`, whose user id is `user_id`; given now if it has none.
    pub async fn owner_of(&self, account: &AccountId, user_id: UserId) -> RepositoryResult<UserId> {
        if let Some(owner_id) = self.remembered(account) {
            return Ok(owner_id);
        }
        let owner_id = match self.stored(account).await? {
            Some(owner_id) => owner_id,
            None => self.give_owner_id(account, user_id).await?,
        };
        let owner_id = UserId::new(owner_id)
            .map_err(|_| anyhow::anyhow!("stored owner id {owner_id} is not positive"))?;
        self.remember(account, owner_id);
        Ok(owner_id)
    }

    async fn stored(&self, account: &AccountId) -> RepositoryResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT owner_id FROM tasks.owners WHERE account = $1")
                .bind(account.as_str())
                .fetch_optional(&self.pools.write)
                .await?,
        )
    }

    /// The user id if no account has it, else the next id above
    /// [`REASSIGNED_OWNER_IDS_ABOVE`]. Each attempt is one statement that does nothing on a
    /// conflict (the id or the account taken by a concurrent request), then the account's
    /// row is read back: whoever inserted it, that is its owner id from now on.
    async fn give_owner_id(&self, account: &AccountId, user_id: UserId) -> RepositoryResult<i64> {
        sqlx::query(
            "INSERT INTO tasks.owners (owner_id, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(account.as_str())
        .execute(&self.pools.write)
        .await?;
        for _ in 0..5 {
            if let Some(owner_id) = self.stored(account).await? {
                return Ok(owner_id);
            }
            tracing::warn!(
                %user_id,
                "user id already owned by another account (users database recreated?): \
                 giving this account a new owner id"
            );
            sqlx::query(
                "INSERT INTO tasks.owners (owner_id, account)
                 SELECT COALESCE(MAX(owner_id), $1) + 1, $2 FROM tasks.owners WHERE owner_id > $1
                 ON CONFLICT DO NOTHING",
            )
            .bind(REASSIGNED_OWNER_IDS_ABOVE)
            .bind(account.as_str())
            .execute(&self.pools.write)
            .await?;
        }
        self.stored(account).await?.ok_or_else(|| {
            anyhow::anyhow!("no owner id could be given to an account after 5 attempts").into()
        })
    }

    fn remembered(&self, account: &AccountId) -> Option<UserId> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map is still sound.
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        known.get(account).copied()
    }

    fn remember(&self, account: &AccountId, owner_id: UserId) {
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        if known.len() >= REMEMBERED_OWNERS {
            known.clear();
        }
        known.insert(account.clone(), owner_id);
    }
}

/// The layer in front of the module's routes: a request with a valid token goes on as its
/// account's owner (an [`AuthUser`] in its extensions, which the module's extractor takes).
/// Any other request goes on unchanged, and the module's extractor refuses it with the
/// usual 401 where a token is needed.
pub async fn resolve_owner(
    State(owners): State<Owners>,
    mut request: Request,
    next: Next,
) -> Response {
    let verified = bearer_token(request.headers())
        .ok()
        .and_then(|token| owners.keys.verify_account(token).ok());
    let Some((user_id, Some(account))) = verified.map(|v| (v.user_id, v.account)) else {
        return next.run(request).await;
    };
    let owner_id = match owners.owner_of(&account, user_id).await {
        Ok(owner_id) => owner_id,
        Err(error) => return ApiError::from(ServiceError::from(error)).into_response(),
    };
    request
        .extensions_mut()
        .insert(AuthUser { user_id: owner_id });
    let response = next.run(request).await;
    if owner_id == user_id {
        response
    } else {
        show_user_id(response, owner_id, user_id).await
    }
}

/// Puts `user_id` back where the answer says `"owner_id": <owner_id>`.
async fn show_user_id(response: Response, owner_id: UserId, user_id: UserId) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_REWRITTEN_BODY).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "cannot read an answer to show the caller's user id");
            return ApiError::Internal(anyhow::anyhow!("unreadable answer")).into_response();
        }
    };
    let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    replace_owner_ids(&mut json, owner_id, user_id);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json.to_string()))
}

fn replace_owner_ids(json: &mut Value, owner_id: UserId, user_id: UserId) {
    match json {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                if key == "owner_id" && value.as_i64() == Some(owner_id.get()) {
                    *value = user_id.get().into();
                } else {
                    replace_owner_ids(value, owner_id, user_id);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                replace_owner_ids(item, owner_id, user_id);
            }
        }
        _ => {}
    }
}
