//! HS256 JSON Web Tokens: issued at login by the identity module, checked on every
//! authenticated request by every module, and `AuthUser`, the extractor that does the check.
//!
//! Shared because a token is a contract between modules: the one that signs and the ones
//! that verify must agree on the algorithm, the claims and the key. (Only identity calls
//! [`JwtKeys::issue`]; in phase 03 each service gets a copy of the verifying half.)

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderMap, header::AUTHORIZATION, request::Parts},
};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::{domain::UserId, error::ApiError};

/// The claims we put in a token. `sub` is the user id as a string, as RFC 7519 requires.
///
/// `acct` is the account's identity ([`AccountId`]), an addition to the contract's claims:
/// unlike a user id, it is never handed to another account, even when the users database
/// is recreated and its ids start again at 1. Within one database (phases 01 and 02) `sub`
/// is enough and nobody reads `acct`; phase 03's task-service keys its tasks by it (ADR
/// 0017). Tokens issued without it still parse.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acct: Option<String>,
}

/// An account's identity that is never reused: minted at random when the account is
/// created, and stored with it (see [`Claims`]). Opaque: compared, never parsed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(Arc<str>);

impl AccountId {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who a verified token speaks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    pub user_id: UserId,
    /// `None` for a token issued without `acct`.
    pub account: Option<AccountId>,
    expires_at: i64,
}

/// Why a bearer token was refused. Every variant is a 401, and its `Display` text is the
/// problem's `detail`, word for word, as clients have always read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    /// A bad signature, another algorithm (`alg: none`), a missing claim, or not a JWT at all.
    /// Which of them is not told: it would only help someone forging tokens.
    #[error("the token is not valid")]
    Invalid,
    #[error("the token's subject is not a user id")]
    NotAUserId,
    /// A service that tells accounts apart by [`AccountId`] was given a token without one
    /// (issued before accounts had one): logging in again gives a token with it.
    #[error("the token carries no account identity; log in again")]
    NoAccount,
}

/// A freshly issued token and how long it lives.
#[derive(Debug)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: Duration,
}

/// Signing and verification keys, built once at start-up and shared by every request.
#[derive(Clone)]
pub struct JwtKeys(Arc<Keys>);

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    /// Refuse tokens without `acct` ([`JwtKeys::requiring_account`]).
    account_required: bool,
    verified: VerifiedTokens,
}

/// At most this many verified tokens are remembered; then the memory starts over, so a
/// flood of distinct tokens costs at most this much memory (a few MiB).
const REMEMBERED_TOKENS: usize = 10_000;

/// The tokens this process has verified, each with its user, account and expiry.
///
/// Checking a token is the largest single cost of an authenticated read: callgrind counts
/// about 34,000 of the 155,000 instructions of a task read in it (base64, the claims' JSON,
/// and HMAC-SHA256 with its key schedule built afresh each time). A token is a fixed string
/// signed with a fixed key, so once checked its answer can only change by expiring, and
/// expiry is checked again at every use. A lookup costs a hash of the string. Only tokens
/// that passed every check are remembered.
#[derive(Default)]
struct VerifiedTokens(RwLock<HashMap<Box<str>, VerifiedToken>>);

impl VerifiedTokens {
    /// What a token verified before said, if it was.
    fn get(&self, token: &str) -> Option<VerifiedToken> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map is still sound.
        let verified = self.0.read().unwrap_or_else(|e| e.into_inner());
        verified.get(token).cloned()
    }

    fn remember(&self, token: &str, verified_token: VerifiedToken) {
        let mut verified = self.0.write().unwrap_or_else(|e| e.into_inner());
        if verified.len() >= REMEMBERED_TOKENS {
            verified.clear();
        }
        verified.insert(token.into(), verified_token);
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self::build(secret, ttl, false)
    }

    /// Keys that only verify (they issue nothing) and refuse a token without `acct`: for a
    /// service that keeps data per account across a recreated users database (phase 03's
    /// task-service, and stats-service, which must agree with it on every token).
    pub fn requiring_account(secret: &[u8]) -> Self {
        Self::build(secret, Duration::ZERO, true)
    }

    fn build(secret: &[u8], ttl: Duration, account_required: bool) -> Self {
        // Only HS256 is accepted: this is what rejects `alg: none` and algorithm-swap tokens.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        // Every phase runs on one clock here; an expired token is expired, no grace period.
        validation.leeway = 0;
        Self(Arc::new(Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
            account_required,
            verified: VerifiedTokens::default(),
        }))
    }

    /// A token for `user_id` without an account identity (phases 01 and 02 need none).
    pub fn issue(&self, user_id: UserId) -> anyhow::Result<AccessToken> {
        self.sign(user_id, None)
    }

    /// A token for `user_id` that also names the account ([`Claims`]' `acct`).
    pub fn issue_for_account(
        &self,
        user_id: UserId,
        account: &AccountId,
    ) -> anyhow::Result<AccessToken> {
        self.sign(user_id, Some(account))
    }

    fn sign(&self, user_id: UserId, account: Option<&AccountId>) -> anyhow::Result<AccessToken> {
        let now = Utc::now().timestamp();
        let ttl = self.0.ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + i64::try_from(ttl.as_secs())?,
            acct: account.map(|account| account.as_str().to_string()),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)?;
        Ok(AccessToken {
            token,
            expires_in: ttl,
        })
    }

    /// The user id in a valid token, or why the token is not acceptable.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        self.verify_account(token).map(|verified| verified.user_id)
    }

    /// The user id and account identity in a valid token, or why it is not acceptable.
    pub fn verify_account(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        if let Some(verified) = self.0.verified.get(token) {
            // Expired exactly when jsonwebtoken says so with no leeway: after `exp`.
            return if verified.expires_at < Utc::now().timestamp() {
                Err(TokenError::Expired)
            } else {
                Ok(verified)
            };
        }
        let data =
            decode::<Claims>(token, &self.0.decoding, &self.0.validation).map_err(|error| {
                match error.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        let user_id = data
            .claims
            .sub
            .parse::<UserId>()
            .map_err(|_| TokenError::NotAUserId)?;
        let account = data.claims.acct.map(AccountId::new);
        if self.0.account_required && account.is_none() {
            return Err(TokenError::NoAccount);
        }
        let verified = VerifiedToken {
            user_id,
            account,
            expires_at: data.claims.exp,
        };
        self.0.verified.remember(token, verified.clone());
        Ok(verified)
    }
}

/// The authenticated caller, taken from `Authorization: Bearer <token>`.
///
/// A layer in front of the routes may have resolved the caller already and put an
/// `AuthUser` in the request's extensions (phase 03's task-service does: its owners are
/// accounts, not user ids, see ADR 0017); then that one is the caller. Only server code
/// can put it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: UserId,
}

/// The token in `Authorization: Bearer <token>`, or the 401 for its absence.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing Authorization header".into()))?;
    header
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })
}

impl<S> FromRequestParts<S> for AuthUser
where
    JwtKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(resolved) = parts.extensions.get::<AuthUser>() {
            return Ok(*resolved);
        }
        let token = bearer_token(&parts.headers)?;
        let user_id = JwtKeys::from_ref(state)
            .verify(token)
            .map_err(|error| ApiError::Unauthorized(error.to_string()))?;
        Ok(Self { user_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&[7; 32], Duration::from_secs(60))
    }

    fn sign(claims: &Claims, secret: &[u8]) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let user_id = UserId::new(42).unwrap();
        let token = keys().issue(user_id).unwrap();
        assert_eq!(token.expires_in, Duration::from_secs(60));
        assert_eq!(keys().verify(&token.token), Ok(user_id));
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = keys();
        let user_id = UserId::new(7).unwrap();
        let now = Utc::now().timestamp();
        let token = sign(
            &Claims {
                sub: "7".into(),
                iat: now,
                exp: now,
                acct: None,
            },
            &[7; 32],
        );
        assert_eq!(keys.verify(&token), Ok(user_id), "valid until its `exp`");
        let remembered = keys.0.verified.get(&token).expect("remembered");
        assert_eq!((remembered.user_id, remembered.expires_at), (user_id, now));
        // Once past `exp` the remembered answer is refused, exactly as a fresh check would.
        keys.0.verified.remember(
            &token,
            VerifiedToken {
                expires_at: now - 1,
                ..remembered
            },
        );
        assert_eq!(keys.verify(&token), Err(TokenError::Expired));
    }

    #[test]
    fn only_tokens_that_passed_are_remembered_and_the_memory_is_bounded() {
        let keys = keys();
        let forged = sign(
            &Claims {
                sub: "1".into(),
                iat: 0,
                exp: i64::MAX,
                acct: None,
            },
            &[8; 32],
        );
        assert_eq!(keys.verify(&forged), Err(TokenError::Invalid));
        assert_eq!(
            keys.verify(&forged),
            Err(TokenError::Invalid),
            "still refused"
        );
        assert_eq!(keys.0.verified.get(&forged), None);
        let user_id = UserId::new(1).unwrap();
        for n in 0..REMEMBERED_TOKENS + 5 {
            let verified = VerifiedToken {
                user_id,
                account: None,
                expires_at: 0,
            };
            keys.0.verified.remember(&format!("token-{n}"), verified);
        }
        let remembered = keys.0.verified.0.read().unwrap().len();
        assert!(remembered <= REMEMBERED_TOKENS, "{remembered} remembered");
    }

    #[test]
    fn the_account_identity_travels_in_the_token_and_can_be_required() {
        let user_id = UserId::new(3).unwrap();
        let account = AccountId::new("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d");
        let with = keys().issue_for_account(user_id, &account).unwrap().token;
        let without = keys().issue(user_id).unwrap().token;
        let verified = keys().verify_account(&with).unwrap();
        assert_eq!(
            (verified.user_id, verified.account),
            (user_id, Some(account.clone()))
        );
        assert_eq!(keys().verify_account(&without).unwrap().account, None);
        assert_eq!(keys().verify(&without), Ok(user_id), "optional by default");

        let requiring = JwtKeys::requiring_account(&[7; 32]);
        assert_eq!(
            requiring.verify_account(&with).unwrap().account,
            Some(account)
        );
        assert_eq!(requiring.verify(&without), Err(TokenError::NoAccount));
        assert_eq!(
            requiring.verify(&without),
            Err(TokenError::NoAccount),
            "and not remembered as good"
        );
    }

    #[test]
    fn refusals_say_what_clients_have_always_read() {
        assert_eq!(TokenError::Expired.to_string(), "the token has expired");
        assert_eq!(TokenError::Invalid.to_string(), "the token is not valid");
        assert_eq!(
            TokenError::NotAUserId.to_string(),
            "the token's subject is not a user id"
        );
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let now = Utc::now().timestamp();
        let token = sign(
            &Claims {
                sub: "1".into(),
                iat: now - 120,
                exp: now - 1,
                acct: None,
            },
            &[7; 32],
        );
        assert_eq!(keys().verify(&token), Err(TokenError::Expired));
    }

    #[test]
    fn tokens_signed_with_another_key_are_rejected() {
        let now = Utc::now().timestamp();
        let token = sign(
            &Claims {
                sub: "1".into(),
                iat: now,
                exp: now + 60,
                acct: None,
            },
            &[8; 32],
        );
        assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn unsigned_tokens_are_rejected() {
        // {"alg":"none","typ":"JWT"} . {"sub":"1","iat":0,"exp":9999999999} . (no signature)
        let token =
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwiaWF0IjowLCJleHAiOjk5OTk5OTk5OTl9.";
        assert_eq!(keys().verify(token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_subject_that_is_not_a_user_id_is_rejected() {
        let now = Utc::now().timestamp();
        for sub in ["admin", "0", "-3"] {
            let token = sign(
                &Claims {
                    sub: sub.into(),
                    iat: now,
                    exp: now + 60,
                    acct: None,
                },
                &[7; 32],
            );
            assert_eq!(
                keys().verify(&token),
                Err(TokenError::NotAUserId),
                "sub {sub:?}"
            );
        }
    }
}
