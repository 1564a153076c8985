//! `POST /api/v1/auth/login`: the OAuth2 password grant (form-urlencoded, or the same fields as
//! JSON), the token it issues, and one indistinguishable 401 for a wrong username or password.

use chrono::Utc;
use serde_json::{Value, json};

use super::expect::{self, Check};
use super::fixtures::LOGIN;
use super::register::Registered;
use super::{Account, Ctx, User};
use crate::areas;
use crate::http::{Reply, Request};
use crate::jwt;
use crate::report::AreaReport;

/// How the credentials travel.
#[derive(Clone, Copy)]
enum Encoding {
    Form,
    Json,
}

/// Which identifier goes in the `username` field.
#[derive(Clone, Copy)]
enum LoginName {
    Username,
    Email,
}

/// The checks, then the accounts `[alice, bob, carol]` that could log in.
pub(crate) async fn run(ctx: &Ctx, registered: Registered) -> (AreaReport, [Option<Account>; 3]) {
    let mut area = AreaReport::new(areas::LOGIN);
    let logins = [
        (
            "form-urlencoded with the username → 200 {access_token, token_type \"bearer\", expires_in}",
            &registered.alice,
            Encoding::Form,
            LoginName::Username,
        ),
        (
            "JSON with the email → 200 bearer token",
            &registered.bob,
            Encoding::Json,
            LoginName::Email,
        ),
        (
            "form-urlencoded with the email → 200 bearer token",
            &registered.carol,
            Encoding::Form,
            LoginName::Email,
        ),
    ];
    let mut accounts = [None, None, None];
    for (slot, (check, user, encoding, name)) in accounts.iter_mut().zip(logins) {
        let Some(user) = user else {
            area.skip(check, "needs this user registered (see the register area)");
            continue;
        };
        let login = token(ctx, encoding, login_name(user, name), &user.password).await;
        *slot = area.record_value(check, login).map(|(token, _)| Account {
            user: user.clone(),
            token,
        });
    }

    match &registered.alice {
        Some(alice) => {
            area.record(
                "JSON with the username → 200; the JWT carries sub (the user id as a string), iat, exp = iat + expires_in",
                claims(ctx, alice).await,
            );
            area.record(
                "wrong password and unknown user → the same 401 problem with WWW-Authenticate: Bearer",
                refused(ctx, alice).await,
            );
            area.record(
                "a form without password → 422 naming password",
                without_password(ctx, alice).await,
            );
            area.record(
                "a NUL character in the username (JSON) or the password (form) → 422 naming it, never a 5xx",
                with_nul(ctx, alice).await,
            );
        }
        None => area.skip(
            "token claims and refused logins",
            "needs the first registration to succeed",
        ),
    }
    (area, accounts)
}

fn login_name(user: &User, name: LoginName) -> &str {
    match name {
        LoginName::Username => &user.username,
        LoginName::Email => &user.email,
    }
}

async fn login(
    ctx: &Ctx,
    encoding: Encoding,
    username: &str,
    password: &str,
) -> Result<Reply, String> {
    let request = Request::post(LOGIN);
    let request = match encoding {
        Encoding::Form => request.form(&[("username", username), ("password", password)]),
        Encoding::Json => request.json(json!({ "username": username, "password": password })),
    };
    ctx.api.send(&request).await
}

/// Logs in and checks the token answer's shape; returns the token and its `expires_in`.
async fn token(
    ctx: &Ctx,
    encoding: Encoding,
    username: &str,
    password: &str,
) -> Result<(String, i64), String> {
    let reply = login(ctx, encoding, username, password).await?;
    let body = expect::json(&reply, 200)?;
    let in_reply = expect::in_reply(&reply);
    let token = expect::str_field(&body, "access_token").map_err(&in_reply)?;
    let token_type = expect::str_field(&body, "token_type").map_err(&in_reply)?;
    expect::that(token_type == "bearer", || {
        in_reply(format!(
            "expected `token_type` \"bearer\", found {token_type:?}"
        ))
    })?;
    let expires_in = expect::int_field(&body, "expires_in").map_err(&in_reply)?;
    expect::that(expires_in > 0, || {
        in_reply(format!(
            "expected a positive `expires_in`, found {expires_in}"
        ))
    })?;
    Ok((token.to_owned(), expires_in))
}

/// The claims of a freshly issued token, read without verifying it (the suite may not know the
/// secret).
async fn claims(ctx: &Ctx, alice: &User) -> Check {
    let (token, expires_in) = token(ctx, Encoding::Json, &alice.username, &alice.password).await?;
    let claims = jwt::claims_unverified(&token)?;
    let context = |message: String| format!("{message}\n  in the claims {claims}");
    let sub = claims.get("sub");
    expect::that(sub == Some(&Value::String(alice.id.to_string())), || {
        context(format!(
            "expected `sub` to be the user id as a string, {:?}",
            alice.id.to_string()
        ))
    })?;
    let iat = expect::int_field(&claims, "iat").map_err(context)?;
    let exp = expect::int_field(&claims, "exp").map_err(context)?;
    expect::that((exp - iat - expires_in).abs() <= 5, || {
        context(format!(
            "expected exp - iat ({}) to equal expires_in ({expires_in})",
            exp - iat
        ))
    })?;
    let now = Utc::now().timestamp();
    expect::that((iat - now).abs() <= 300, || {
        context(format!("expected `iat` near now ({now}), found {iat}"))
    })
}

/// A wrong password and an unknown user must look the same, or attackers learn which usernames
/// exist.
async fn refused(ctx: &Ctx, alice: &User) -> Check {
    let unknown = format!("nobody_{}", ctx.run_id);
    let wrong_password = login(ctx, Encoding::Form, &alice.username, "not the password").await?;
    let unknown_user = login(ctx, Encoding::Form, &unknown, "not the password").await?;
    for reply in [&wrong_password, &unknown_user] {
        expect::problem(reply, 401)?;
        let challenge = reply.header("www-authenticate").unwrap_or_default();
        expect::that(challenge.to_ascii_lowercase().starts_with("bearer"), || {
            format!(
                "expected a WWW-Authenticate: Bearer header, but {}",
                reply.describe()
            )
        })?;
    }
    let answer = |reply: &Reply| {
        let body = reply.json().unwrap_or_default();
        let members = ["type", "title", "status", "detail"].map(|key| body.get(key).cloned());
        (reply.header("www-authenticate").map(str::to_owned), members)
    };
    expect::that(answer(&wrong_password) == answer(&unknown_user), || {
        format!(
            "expected identical answers, but\n  {}\n  {}",
            wrong_password.describe(),
            unknown_user.describe()
        )
    })
}

async fn without_password(ctx: &Ctx, alice: &User) -> Check {
    let request = Request::post(LOGIN).form(&[("username", alice.username.as_str())]);
    let reply = ctx.api.send(&request).await?;
    expect::validation(&reply, &["password"])
}

/// No account can hold a NUL character, and some databases cannot even compare one: it is
/// refused as invalid input, on every database alike, before any lookup.
async fn with_nul(ctx: &Ctx, alice: &User) -> Check {
    let username = format!("{}\u{0}", alice.username);
    let request =
        Request::post(LOGIN).json(json!({ "username": username, "password": alice.password }));
    expect::validation(&ctx.api.send(&request).await?, &["username"])?;
    let password = format!("{}\u{0}", alice.password);
    let request = Request::post(LOGIN).form(&[
        ("username", alice.username.as_str()),
        ("password", password.as_str()),
    ]);
    expect::validation(&ctx.api.send(&request).await?, &["password"])
}
