//! Exercise 02, "Give each module its own data": identity and tasks each own their tables
//! and migrations, and the foreign key from tasks to users gives way to a question asked
//! through the tasks module's own `UserDirectory` trait.
//!
//! Static steps read the variant's `src/` the way exercise 01's checker does (comments
//! skipped; SQL taken from `.sql` files and from string literals that look like SQL). The
//! runtime steps start the binary on a fresh SQLite file: one asks it to store a task for an
//! account that does not exist (then reads the database file to be sure nothing was
//! stored), the other runs the whole conformance suite.

use std::{collections::BTreeSet, path::Path};

use serde_json::json;

use crate::{
    exercise_01::{
        CrateSources, SourceFile, created_tables, listed, module_exists, referenced_tables,
        shown_root, start_monolith, words,
    },
    kit::{self, Report, Variant},
};

const FOLDER: &str = "02-own-your-data";
/// The modules that must own their data.
const MODULES: [&str; 2] = ["identity", "tasks"];
/// A user id no test registers: the "owner" of a validly signed token without an account.
const GHOST_USER_ID: i64 = 987_654_321;

/// The steps after "builds", in order.
const STEPS: [&str; 6] = [
    "identity and tasks each have their own migrations (src/identity/migrations/, src/tasks/migrations/)",
    "each module's SQL touches only the tables its own migrations create",
    "the tasks table has no foreign key into the identity module's table",
    "the tasks module asks about users through a trait of its own, never the identity module",
    "a task for an account that does not exist is refused (401) and nothing is stored",
    "the whole API contract still passes (conformance suite, all areas)",
];

pub async fn check(variant: Variant) -> Report {
    let mut report = Report::new(format!(
        "Exercise 02, give each module its own data ({})",
        variant.name()
    ));
    let package = kit::package(2, variant);
    let Some(binary) = kit::build_step(&mut report, &package, &STEPS).await else {
        return report;
    };
    let sources = CrateSources::read(&kit::variant_dir(FOLDER, variant));

    let owns_migrations = report.step(STEPS[0], own_migrations(&sources));
    if owns_migrations {
        report.step(STEPS[1], sql_stays_home(&sources));
    } else {
        report.skip(
            STEPS[1],
            "which tables a module owns is read from its own migrations (step above)",
        );
    }
    report.step(STEPS[2], no_foreign_key_out_of_tasks(&sources));
    report.step(STEPS[3], tasks_asks_through_its_own_trait(&sources));

    let database = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(error) => {
            report.step(
                STEPS[4],
                Err(format!("cannot make a temporary folder: {error}")),
            );
            report.skip(STEPS[5], "no temporary folder for the database");
            return report;
        }
    };
    match start_monolith(&binary, &package, database.path()).await {
        Ok((mut process, database_url)) => {
            report.step(
                STEPS[4],
                ghost_owner_is_refused(&process.base_url(), &database_url).await,
            );
            report.step(STEPS[5], kit::conformance(&process.base_url(), &[]).await);
            process.stop().await;
        }
        Err(error) => {
            report.step(STEPS[4], Err(error));
            report.skip(STEPS[5], "the binary does not start (step above)");
        }
    }
    report
}

/// The `.sql` files of module `name`, and the tables they create.
fn module_migrations(sources: &CrateSources, name: &str) -> (Vec<SourceFile>, BTreeSet<String>) {
    let files: Vec<SourceFile> = sources
        .module(name)
        .into_iter()
        .filter(|file| file.is_sql)
        .collect();
    let tables = files
        .iter()
        .flat_map(|file| created_tables(&file.sql))
        .map(|table| table.to_ascii_lowercase())
        .collect();
    (files, tables)
}

/// Both modules exist, each has `.sql` migrations that create a table, and the crate no
/// longer runs phase 01's shared migrations.
fn own_migrations(sources: &CrateSources) -> Result<(), String> {
    let mut missing = Vec::new();
    for name in MODULES {
        if let Err(problem) = module_exists(sources, name) {
            missing.push(problem);
            continue;
        }
        let (files, tables) = module_migrations(sources, name);
        if files.is_empty() {
            missing.push(format!(
                "the {name} module has no migrations: create src/{name}/migrations/sqlite/ (and \
                 postgres/) with the .sql that creates its table(s), and run them from the \
                 {name} module with `sqlx::migrate!(\"src/{name}/migrations/sqlite\")`"
            ));
        } else if tables.is_empty() {
            missing.push(format!(
                "the {name} module's .sql files create no table (no `CREATE TABLE`)"
            ));
        }
    }
    let shared: Vec<String> = sources
        .files
        .iter()
        .filter(|file| !file.is_sql && file.text.contains("01-monolith/migrations"))
        .map(|file| {
            format!(
                "{} still runs phase 01's shared migrations (01-monolith/migrations), which \
                 create every table in one place; each module runs its own instead",
                file.shown
            )
        })
        .collect();
    missing.extend(shared);
    listed(missing, "the data is not owned by the modules yet:")
}

/// Every table a module's SQL names was created by that module's migrations, and no SQL
/// outside the modules names a module's table.
fn sql_stays_home(sources: &CrateSources) -> Result<(), String> {
    let owned: Vec<(&str, BTreeSet<String>)> = MODULES
        .iter()
        .map(|name| (*name, module_migrations(sources, name).1))
        .collect();
    let owner_of = |table: &str| {
        owned
            .iter()
            .find(|(_, tables)| tables.contains(&table.to_ascii_lowercase()))
            .map(|(name, _)| *name)
    };
    let mut problems = Vec::new();
    for (name, tables) in &owned {
        for file in sources.module(name) {
            for table in referenced_tables(&file.sql) {
                if tables.contains(&table.to_ascii_lowercase()) {
                    continue;
                }
                let whose = match owner_of(&table) {
                    Some(other) => format!(
                        "a table of the {other} module: ask the {other} module's facade instead"
                    ),
                    None => "a table no module's migrations create (an old shared table?)".into(),
                };
                problems.push(format!("{}: names `{table}`, {whose}", file.shown));
            }
        }
    }
    for file in sources.outside(&MODULES) {
        for table in referenced_tables(&file.sql) {
            if let Some(owner) = owner_of(&table) {
                problems.push(format!(
                    "{}: names `{table}`, a table of the {owner} module, outside that module",
                    file.shown
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    listed(problems, "SQL that crosses a module's boundary:")
}

/// The tasks module's migrations declare no `REFERENCES` to a table they do not create.
fn no_foreign_key_out_of_tasks(sources: &CrateSources) -> Result<(), String> {
    let (files, own) = module_migrations(sources, "tasks");
    if files.is_empty() {
        return if sources
            .files
            .iter()
            .any(|file| file.text.contains("01-monolith/migrations"))
        {
            Err("the tasks table is still created by phase 01's migrations \
                 (01-monolith/migrations/sqlite/20261122000002_create_tasks.sql), where \
                 `owner_id ... REFERENCES users (id)` ties it to the users' table. Create it in \
                 the tasks module's own migrations, with `owner_id` as a plain integer"
                .into())
        } else {
            Err(
                "the tasks module has no migrations yet (see the first step), so its table \
                 cannot be checked"
                    .into(),
            )
        };
    }
    let mut problems = Vec::new();
    for file in &files {
        let words: Vec<&str> = file
            .sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .filter(|word| !word.is_empty())
            .collect();
        for pair in words.windows(2) {
            if pair[0].eq_ignore_ascii_case("REFERENCES")
                && !own.contains(&pair[1].to_ascii_lowercase())
            {
                problems.push(format!(
                    "{}: `REFERENCES {}` is a foreign key into another module's table; drop it \
                     and check that the owner exists through the tasks module's own trait",
                    file.shown, pair[1]
                ));
            }
        }
    }
    listed(
        problems,
        "the tasks module's data still depends on identity's:",
    )
}

/// The tasks module declares a `pub trait` and names nothing of the identity module.
fn tasks_asks_through_its_own_trait(sources: &CrateSources) -> Result<(), String> {
    let module = sources.module("tasks");
    let code_files: Vec<&SourceFile> = module.iter().filter(|file| !file.is_sql).collect();
    if code_files.is_empty() {
        return Err(format!(
            "there is no tasks module in {}/src/tasks/",
            shown_root(sources)
        ));
    }
    let mut problems = Vec::new();
    for file in &code_files {
        for (number, line) in file.code.lines().enumerate() {
            let named: Vec<&str> = words(line)
                .into_iter()
                .filter(|word| {
                    word.to_ascii_lowercase().contains("identity")
                        || ["UserRepository", "UserService"].contains(word)
                })
                .collect();
            if let Some(name) = named.first() {
                problems.push(format!(
                    "{}:{}: names `{name}`: the tasks module must not know the identity module; \
                     it declares what it needs as a trait, and src/state.rs plugs identity in",
                    file.shown,
                    number + 1
                ));
            }
        }
    }
    let declares_trait = code_files.iter().any(|file| {
        file.code
            .lines()
            .any(|line| words(line).windows(2).any(|pair| pair == ["pub", "trait"]))
    });
    if !declares_trait {
        problems.push(
            "the tasks module declares no `pub trait` for what it needs to know about users. \
             Declare one in src/tasks/mod.rs (e.g. `pub trait UserDirectory` with \
             `user_exists`), take it in `TasksFacade::new`, and implement it in src/state.rs \
             with the identity facade"
                .into(),
        );
    }
    listed(
        problems,
        "tasks does not reach users through a seam of its own:",
    )
}

/// A validly signed token for a user id without an account: creating a task answers a 401
/// problem, and the database holds no row owned by that id.
async fn ghost_owner_is_refused(base_url: &str, database_url: &str) -> Result<(), String> {
    let now = chrono::Utc::now().timestamp();
    let claims = conformance::jwt::claims(&GHOST_USER_ID.to_string(), now, now + 600);
    let token = conformance::jwt::sign_hs256(kit::TEST_JWT_SECRET.as_bytes(), &claims)?;
    let response = reqwest::Client::new()
        .post(format!("{base_url}/api/v1/tasks"))
        .bearer_auth(token)
        .json(&json!({ "title": "a task for nobody" }))
        .send()
        .await
        .map_err(|error| format!("POST /api/v1/tasks failed: {error}"))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_string();
    let stored = rows_owned_by(database_url, GHOST_USER_ID).await?;
    let what = format!(
        "POST /api/v1/tasks with a validly signed token for user {GHOST_USER_ID}, who has no account,"
    );
    if status != 401 {
        return Err(format!(
            "{what} answered {status}, expected 401 (stored rows: {stored}). Without the foreign \
             key, nothing stops a task for a missing owner: before storing, the tasks module must \
             ask its user directory whether the owner exists"
        ));
    }
    if !content_type.starts_with("application/problem+json") {
        return Err(format!(
            "{what} answered 401 with Content-Type `{content_type}`; errors are RFC 9457 \
             problems (`application/problem+json`): return an `ApiError`"
        ));
    }
    if stored > 0 {
        return Err(format!(
            "{what} answered 401, but {stored} row(s) with owner_id {GHOST_USER_ID} were stored \
             anyway: check that the owner exists before inserting"
        ));
    }
    Ok(())
}

/// How many rows, in any table with an `owner_id` column, belong to `owner_id`.
async fn rows_owned_by(database_url: &str, owner_id: i64) -> Result<i64, String> {
    let path = database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default();
    if !Path::new(path).exists() {
        return Err(format!("the database file {path} was not created"));
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}?mode=ro"))
        .await
        .map_err(|error| format!("cannot open the database file {path}: {error}"))?;
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&pool)
            .await
            .map_err(|error| format!("cannot list the tables of {path}: {error}"))?;
    let mut stored = 0;
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(&table)
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
        if !columns.iter().any(|column| column == "owner_id") {
            continue;
        }
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM \"{}\" WHERE owner_id = ?",
            table.replace('"', "\"\"")
        ))
        .bind(owner_id)
        .fetch_one(&pool)
        .await
        .map_err(|error| format!("cannot count the rows of {table}: {error}"))?;
        stored += count;
    }
    pool.close().await;
    Ok(stored)
}
