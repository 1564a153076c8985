//! HS256 JSON Web Tokens: issued at login, checked on every authenticated request.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::domain::UserId;

/// The claims we put in a token. `sub` is the user id as a string, as RFC 7519 requires.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
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
    verified: VerifiedTokens,
}

/// At most this many verified tokens are remembered; then the memory starts over, so a
/// flood of distinct tokens costs at most this much memory (a few MiB).
const REMEMBERED_TOKENS: usize = 10_000;

/// The tokens this process has verified, each with its user and expiry.
///
/// Checking a token is the largest single cost of an authenticated read: callgrind counts
/// about 34,000 of the 155,000 instructions of a task read in it (base64, the claims' JSON,
/// and HMAC-SHA256 with its key schedule built afresh each time). A token is a fixed string
/// signed with a fixed key, so once checked its answer can only change by expiring, and
/// expiry is checked again at every use. A lookup costs a hash of the string. Only tokens
/// that passed every check are remembered.
#[derive(Default)]
struct VerifiedTokens(RwLock<HashMap<Box<str>, (UserId, i64)>>);

impl VerifiedTokens {
    /// The user and expiry of a token verified before, if it was.
    fn get(&self, token: &str) -> Option<(UserId, i64)> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map is still sound.
        let verified = self.0.read().unwrap_or_else(|e| e.into_inner());
        verified.get(token).copied()
    }

    fn remember(&self, token: &str, user_id: UserId, expires_at: i64) {
        let mut verified = self.0.write().unwrap_or_else(|e| e.into_inner());
        if verified.len() >= REMEMBERED_TOKENS {
            verified.clear();
        }
        verified.insert(token.into(), (user_id, expires_at));
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
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
            verified: VerifiedTokens::default(),
        }))
    }

    pub fn issue(&self, user_id: UserId) -> anyhow::Result<AccessToken> {
        let now = Utc::now().timestamp();
        let ttl = self.0.ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + i64::try_from(ttl.as_secs())?,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)?;
        Ok(AccessToken {
            token,
            expires_in: ttl,
        })
    }

    /// The user id in a valid token, or why the token is not acceptable.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        if let Some((user_id, expires_at)) = self.0.verified.get(token) {
            // Expired exactly when jsonwebtoken says so with no leeway: after `exp`.
            return if expires_at < Utc::now().timestamp() {
                Err(TokenError::Expired)
            } else {
                Ok(user_id)
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
        self.0.verified.remember(token, user_id, data.claims.exp);
        Ok(user_id)
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
            },
            &[7; 32],
        );
        assert_eq!(keys.verify(&token), Ok(user_id), "valid until its `exp`");
        assert_eq!(keys.0.verified.get(&token), Some((user_id, now)));
        // Once past `exp` the remembered answer is refused, exactly as a fresh check would.
        keys.0.verified.remember(&token, user_id, now - 1);
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
            keys.0.verified.remember(&format!("token-{n}"), user_id, 0);
        }
        let remembered = keys.0.verified.0.read().unwrap().len();
        assert!(remembered <= REMEMBERED_TOKENS, "{remembered} remembered");
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
