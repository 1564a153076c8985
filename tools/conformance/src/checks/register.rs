//! `POST /api/v1/auth/register`: the run's three users, then the rules every new account obeys
//! (lower-cased unique email, case-insensitive unique username, length and character limits).

use serde_json::{Value, json};

use super::expect::{self, Check};
use super::fixtures::{LOGIN, REGISTER};
use super::{Ctx, User};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

/// The run's users that could register.
pub(crate) struct Registered {
    pub alice: Option<User>,
    pub bob: Option<User>,
    pub carol: Option<User>,
}

pub(crate) async fn run(ctx: &Ctx) -> (AreaReport, Registered) {
    let mut area = AreaReport::new(areas::REGISTER);
    let id = &ctx.run_id;

    let alice = register(
        ctx,
        json!({
            "email": format!("Alice.{id}@Example.COM"),
            "username": format!("Alice.{id}"),
            "password": "correct horse battery staple",
            "full_name": "Alice Example",
        }),
    )
    .await;
    let alice = area.record_value(
        "201 with the user: email stored lower-cased, full_name kept, is_active, no password or hash",
        alice,
    );
    // 32 characters using every allowed kind (A-Z a-z 0-9 _ . -), and the shortest password.
    let bob = register(
        ctx,
        json!({
            "email": format!("bob.{id}@example.com"),
            "username": format!("bob-{id}_{id}.Z9"),
            "password": "pa55word",
        }),
    )
    .await;
    let bob = area.record_value(
        "a 32-character username of every allowed kind and an 8-character password are accepted; a missing full_name is null",
        bob,
    );
    let carol = register(
        ctx,
        json!({
            "email": format!("carol.{id}@example.org"),
            "username": format!("carol_{id}"),
            "password": "carol-pw".repeat(16),
            "full_name": null,
        }),
    )
    .await;
    let carol = area.record_value(
        "a 128-character password is accepted; an explicit null full_name stays null",
        carol,
    );

    match &alice {
        Some(alice) => duplicates(ctx, &mut area, alice).await,
        None => area.skip(
            "duplicate email and username → 409",
            "needs the first registration to succeed",
        ),
    }
    for (check, body, fields) in invalid_signups(id) {
        area.record(check, rejected(ctx, body, fields).await);
    }
    area.record(
        "rejected registrations created no account (their logins fail)",
        no_account_created(ctx).await,
    );

    (area, Registered { alice, bob, carol })
}

/// Registers one user and checks the answer against what was sent.
async fn register(ctx: &Ctx, body: Value) -> Result<User, String> {
    let reply = ctx
        .api
        .send(&Request::post(REGISTER).json(body.clone()))
        .await?;
    let user = expect::json(&reply, 201)?;
    let in_reply = expect::in_reply(&reply);
    expect::user_shape(&user).map_err(&in_reply)?;
    let sent = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    let email = sent("email").to_lowercase();
    let stored = |key| expect::str_field(&user, key).map_err(&in_reply);
    expect::that(stored("email")? == email, || {
        in_reply(format!("expected `email` stored lower-cased as {email:?}"))
    })?;
    expect::that(stored("username")? == sent("username"), || {
        in_reply(format!("expected `username` {:?}", sent("username")))
    })?;
    let full_name = body.get("full_name").cloned().unwrap_or(Value::Null);
    expect::that(user.get("full_name") == Some(&full_name), || {
        in_reply(format!("expected `full_name` {full_name}"))
    })?;
    Ok(User {
        id: expect::int_field(&user, "id").map_err(&in_reply)?,
        email,
        username: sent("username").to_owned(),
        password: sent("password").to_owned(),
        json: user,
    })
}

async fn duplicates(ctx: &Ctx, area: &mut AreaReport, alice: &User) {
    let id = &ctx.run_id;
    let taken = [
        (
            "an email already taken → 409",
            alice.email.clone(),
            format!("dupmail_{id}"),
        ),
        (
            "an email already taken, in other letter case → 409",
            alice.email.to_uppercase(),
            format!("dupcase_{id}"),
        ),
        (
            "a username already taken, in other letter case → 409",
            format!("other.{id}@example.com"),
            alice.username.to_uppercase(),
        ),
    ];
    for (check, email, username) in taken {
        let body = json!({ "email": email, "username": username, "password": "another password" });
        let reply = ctx.api.send(&Request::post(REGISTER).json(body)).await;
        area.record(check, reply.and_then(|reply| expect::problem(&reply, 409)));
    }
}

/// Bodies that break exactly the named fields (everything else valid and unique).
fn invalid_signups(id: &str) -> Vec<(&'static str, Value, &'static [&'static str])> {
    let email = |tag: &str| format!("{tag}.{id}@example.com");
    vec![
        (
            "a username of 2 characters → 422 naming username",
            json!({ "email": email("short"), "username": "ab", "password": "long enough" }),
            &["username"],
        ),
        (
            "a username of 33 characters → 422 naming username",
            json!({ "email": email("long"), "username": format!("{id}{}", "u".repeat(21)), "password": "long enough" }),
            &["username"],
        ),
        (
            "a username with a space and '!' → 422 naming username",
            json!({ "email": email("chars"), "username": format!("bad name!{id}"), "password": "long enough" }),
            &["username"],
        ),
        (
            "a password of 7 characters → 422 naming password",
            json!({ "email": email("pw7"), "username": format!("pw7_{id}"), "password": "seven77" }),
            &["password"],
        ),
        (
            "a password of 129 characters → 422 naming password",
            json!({ "email": email("pw129"), "username": format!("pw129_{id}"), "password": "p".repeat(129) }),
            &["password"],
        ),
        (
            "an invalid email → 422 naming email",
            json!({ "email": format!("not-an-email-{id}"), "username": format!("mail_{id}"), "password": "long enough" }),
            &["email"],
        ),
        (
            "a NUL character in the email → 422 naming email",
            json!({ "email": format!("nul\u{0}.{id}@example.com"), "username": format!("nul_e_{id}"), "password": "long enough" }),
            &["email"],
        ),
        (
            "a NUL character in the username → 422 naming username",
            json!({ "email": email("nul.user"), "username": format!("nul\u{0}{id}"), "password": "long enough" }),
            &["username"],
        ),
        (
            "a NUL character in the password → 422 naming password",
            json!({ "email": email("nul.pw"), "username": format!("nul_p_{id}"), "password": "long\u{0}enough" }),
            &["password"],
        ),
        (
            "a NUL character in the full_name → 422 naming full_name",
            json!({ "email": email("nul.name"), "username": format!("nul_n_{id}"), "password": "long enough", "full_name": "Ann\u{0}" }),
            &["full_name"],
        ),
        (
            "several invalid fields → 422 naming each",
            json!({ "email": "nope", "username": "x", "password": "short" }),
            &["email", "username", "password"],
        ),
        (
            "an empty object → 422 naming each missing field",
            json!({}),
            &["email", "username", "password"],
        ),
    ]
}

async fn rejected(ctx: &Ctx, body: Value, fields: &[&str]) -> Check {
    let reply = ctx.api.send(&Request::post(REGISTER).json(body)).await?;
    expect::validation(&reply, fields)
}

/// The username of a refused duplicate and of a refused short password cannot log in.
async fn no_account_created(ctx: &Ctx) -> Check {
    let id = &ctx.run_id;
    let attempts = [
        (format!("dupmail_{id}"), "another password"),
        (format!("pw7_{id}"), "seven77"),
    ];
    let mut results = Vec::new();
    for (username, password) in attempts {
        let form = [("username", username.as_str()), ("password", password)];
        let reply = ctx.api.send(&Request::post(LOGIN).form(&form)).await;
        results.push(reply.and_then(|reply| expect::status(&reply, 401)));
    }
    expect::all(results)
}
