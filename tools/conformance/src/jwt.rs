//! Hand-made JSON Web Tokens for the token checks.
//!
//! A JWT is three base64url segments joined by dots: `header.payload.signature`. The attacks a
//! server must refuse are easy to build by hand, which is the point of showing them here:
//! - `alg: none`: a header saying "unsigned" and an empty signature;
//! - a tampered payload: another `sub` spliced in, the original signature kept;
//! - a token signed with a key that is not the server's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

/// base64url (no padding) of a JSON value: one JWT segment.
pub fn encode_segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The JSON value inside one JWT segment (padding tolerated).
pub fn decode_segment(segment: &str) -> Result<Value, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|error| format!("segment is not base64url: {error}"))?;
    serde_json::from_slice(&bytes).map_err(|error| format!("segment is not JSON: {error}"))
}

/// Splits a compact JWT into its three segments.
fn segments(token: &str) -> Result<[&str; 3], String> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.as_slice() {
        [header, payload, signature] => Ok([header, payload, signature]),
        _ => Err(format!(
            "a JWT has 3 dot-separated segments, this one has {}",
            parts.len()
        )),
    }
}

/// The claims of a token, read without checking the signature (to inspect what a server issued).
pub fn claims_unverified(token: &str) -> Result<Value, String> {
    let [_, payload, _] = segments(token)?;
    decode_segment(payload)
}

/// The usual claims: `sub` (the user id as a string), `iat` and `exp` in Unix seconds.
pub fn claims(subject: &str, issued_at: i64, expires_at: i64) -> Value {
    json!({ "sub": subject, "iat": issued_at, "exp": expires_at })
}

/// An unsigned token: header `{"alg":"none","typ":"JWT"}`, the claims, an empty signature.
pub fn alg_none(claims: &Value) -> String {
    let header = json!({ "alg": "none", "typ": "JWT" });
    format!("{}.{}.", encode_segment(&header), encode_segment(claims))
}

/// The same token with `sub` replaced and the original header and signature kept, so the
/// signature no longer matches the payload.
pub fn with_subject(token: &str, subject: &str) -> Result<String, String> {
    let [header, payload, signature] = segments(token)?;
    let mut claims = decode_segment(payload)?;
    let Some(object) = claims.as_object_mut() else {
        return Err("the payload is not a JSON object".to_owned());
    };
    object.insert("sub".to_owned(), Value::String(subject.to_owned()));
    Ok(format!("{header}.{}.{signature}", encode_segment(&claims)))
}

/// A correctly formed HS256 token signed with `secret`.
pub fn sign_hs256(secret: &[u8], claims: &Value) -> Result<String, String> {
    jsonwebtoken::encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|error| format!("could not sign a token: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    const SECRET: &[u8] = b"a-test-secret-that-is-at-least-32-bytes-long";

    fn verify(token: &str) -> Result<Value, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_secret(SECRET), &validation)
            .map(|data| data.claims)
    }

    #[test]
    fn alg_none_token_is_header_payload_and_empty_signature() {
        let claims = claims("42", 1_000, 2_000);
        let token = alg_none(&claims);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], "", "signature must be empty");
        assert!(!token.contains('='), "base64url segments carry no padding");
        assert_eq!(
            decode_segment(parts[0]).expect("header decodes"),
            json!({ "alg": "none", "typ": "JWT" })
        );
        assert_eq!(claims_unverified(&token).expect("claims decode"), claims);
        assert!(verify(&token).is_err(), "a real verifier must refuse it");
    }

    #[test]
    fn tampered_token_keeps_header_and_signature_but_fails_verification() {
        let original = sign_hs256(SECRET, &claims("1", 1_000, 2_000)).expect("signs");
        assert_eq!(verify(&original).expect("original verifies")["sub"], "1");

        let tampered = with_subject(&original, "2").expect("tampers");
        let (old, new): (Vec<&str>, Vec<&str>) =
            (original.split('.').collect(), tampered.split('.').collect());
        assert_eq!(old[0], new[0], "header kept");
        assert_eq!(old[2], new[2], "signature kept");
        assert_ne!(old[1], new[1], "payload changed");
        assert_eq!(
            claims_unverified(&tampered).expect("claims decode"),
            claims("2", 1_000, 2_000)
        );
        assert!(verify(&tampered).is_err(), "signature no longer matches");
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        assert!(claims_unverified("not-a-jwt").is_err());
        assert!(claims_unverified("a.b.c").is_err());
        assert!(with_subject("a.b", "1").is_err());
        assert!(with_subject(&alg_none(&json!([1, 2])), "1").is_err());
    }
}
