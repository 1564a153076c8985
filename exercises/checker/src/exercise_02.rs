//! Exercise 02, "Give each module its own data": identity and tasks each own their tables
//! and migrations, and the foreign key from tasks to users gives way to a question asked
//! through the tasks module's own `UserDirectory` trait.
//!
//! Static steps read the crate's `src/` (Rust with `syn`, so comments and strings never
//! count; SQL from `.sql` files and from string literals that look like SQL). What the data
//! looks like is read from the running database, not from the `.sql` files: the binary starts
//! on a fresh SQLite file, a user registers and creates a task through the API, and the
//! checker then opens the file: which tables hold the user and the task, whether a foreign
//! key joins them (`pragma foreign_key_list`), and whether each module's migrations are the
//! ones that ran (`_sqlx_migrations`). Then it asks the service to store a task for an account
//! that does not exist, and runs the whole conformance suite.

use std::{collections::BTreeSet, path::Path};

use serde_json::json;

use crate::{
    exercise_01::{
        CrateSources, SourceFile, created_tables, listed, module_exists, referenced_tables,
        start_monolith,
    },
    exercise_03::User,
    kit::{self, Report, Subject},
    metadata,
    syntax::{self, Names, RustFile},
};

/// The modules that must own their data.
const MODULES: [&str; 2] = ["identity", "tasks"];
/// A user id no test registers: the "owner" of a validly signed token without an account.
const GHOST_USER_ID: i64 = 987_654_321;

/// The steps, in order: the static ones, then (after "builds") the running binary.
const STEPS: [&str; 8] = [
    "identity and tasks each have their own migrations (src/identity/migrations/, src/tasks/migrations/)",
    "each module's SQL touches only the tables its own migrations create",
    "the tasks module asks about users through a trait of its own, never the identity module",
    metadata::STEP,
    "in the running database, the table that stores tasks has no foreign key into the table that stores users",
    "each module's own migrations are the ones that ran (the database's _sqlx_migrations)",
    "a task for an account that does not exist is refused (401) and nothing is stored",
    "the whole API contract still passes (conformance suite, all areas)",
];

pub async fn check(subject: &Subject) -> Report {
    let mut report = Report::of(
        format!(
            "Exercise 02, give each module its own data ({})",
            subject.label
        ),
        subject,
    );
    // First what the source and the manifest say (no build needed), then the running binary.
    let sources = CrateSources::read(&subject.dir);
    let files = syntax::read_crate(&subject.dir).unwrap_or_default();

    let owns_migrations = report.step(STEPS[0], own_migrations(&sources, &files));
    if owns_migrations {
        report.step(STEPS[1], sql_stays_home(&sources));
    } else {
        report.skip(
            STEPS[1],
            "which tables a module owns is read from its own migrations (step above)",
        );
    }
    report.step(STEPS[2], tasks_asks_through_its_own_trait(&files));
    report
        .check(STEPS[3], metadata::dependencies_step(subject))
        .await;
    let Some(binary) = kit::build_step(&mut report, subject, &STEPS[4..]).await else {
        return report;
    };

    let database = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(error) => {
            report.step(
                STEPS[4],
                Err(format!("cannot make a temporary folder: {error}")),
            );
            report.skip_all(&STEPS[5..], "no temporary folder for the database");
            return report;
        }
    };
    match start_monolith(&binary, &subject.package, database.path()).await {
        Ok((mut process, database_url)) => {
            let base_url = process.base_url();
            report
                .check(STEPS[4], no_live_foreign_key(&base_url, database.path()))
                .await;
            report
                .check(STEPS[5], own_migrations_ran(&sources, database.path()))
                .await;
            report
                .check(STEPS[6], ghost_owner_is_refused(&base_url, &database_url))
                .await;
            report
                .check(STEPS[7], kit::conformance(&base_url, &[]))
                .await;
            process.stop().await;
        }
        Err(error) => {
            report.step(STEPS[4], Err(error));
            report.skip_all(&STEPS[5..], "the binary does not start (step above)");
        }
    }
    report
}

/// The SQLite files the service made in `folder`, each opened read-only.
async fn databases(folder: &Path) -> Vec<(String, sqlx::SqlitePool)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return found;
    };
    let mut paths: Vec<_> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        let name = path.to_string_lossy().to_string();
        if !path.is_file()
            || ["-wal", "-shm", "-journal"]
                .iter()
                .any(|s| name.ends_with(s))
        {
            continue;
        }
        if let Ok(pool) = sqlx::SqlitePool::connect(&format!("sqlite://{name}?mode=ro")).await {
            found.push((name, pool));
        }
    }
    found
}

/// The tables of `pool` in which some column holds `value`.
async fn tables_holding(pool: &sqlx::SqlitePool, value: &str) -> Vec<String> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
    let mut holding = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap_or_default();
        for column in columns {
            let sql = format!(
                "SELECT COUNT(*) FROM \"{}\" WHERE CAST(\"{}\" AS TEXT) = ?",
                table.replace('"', "\"\""),
                column.replace('"', "\"\"")
            );
            let count: i64 = sqlx::query_scalar(&sql)
                .bind(value)
                .fetch_one(pool)
                .await
                .unwrap_or(0);
            if count > 0 {
                holding.push(table.clone());
                break;
            }
        }
    }
    holding
}

/// A user registers and creates a task through the API; then, in the database files: the
/// table holding the task has no foreign key into the table holding the user.
async fn no_live_foreign_key(base_url: &str, folder: &Path) -> Result<(), String> {
    let client = crate::exercise_03::client();
    let user = User::register(&client, base_url).await?;
    let title = format!("checker-{}", uuid::Uuid::new_v4().simple());
    user.create_task(&client, base_url, &json!({ "title": title }))
        .await?;
    let (status, me) = user.get(&client, base_url, "/api/v1/users/me").await?;
    let username = me["username"].as_str().unwrap_or_default().to_string();
    if status != 200 || username.is_empty() {
        return Err(format!("GET /api/v1/users/me answered {status}: {me}"));
    }
    let mut task_tables = Vec::new();
    let mut user_tables = Vec::new();
    let mut foreign_keys = Vec::new();
    for (file, pool) in databases(folder).await {
        for table in tables_holding(&pool, &title).await {
            let references: Vec<String> =
                sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list(?)")
                    .bind(&table)
                    .fetch_all(&pool)
                    .await
                    .unwrap_or_default();
            foreign_keys.push((table.clone(), references));
            task_tables.push(table);
        }
        for table in tables_holding(&pool, &username).await {
            user_tables.push(table);
        }
        let _ = file;
        pool.close().await;
    }
    if task_tables.is_empty() {
        return Err(format!(
            "a task was created through the API, but no table of the database files in its folder holds its title {title:?}"
        ));
    }
    let mut problems = Vec::new();
    for (table, references) in foreign_keys {
        for referenced in references {
            if user_tables
                .iter()
                .any(|users| users.eq_ignore_ascii_case(&referenced))
            {
                problems.push(format!(
                    "`{table}` (where the tasks are stored) has a foreign key into `{referenced}` \
                     (where the users are stored), whatever the .sql files say. Create the tasks' \
                     table in the tasks module's own migrations, with `owner_id` as a plain integer, \
                     and make sure those migrations are the ones that run"
                ));
            }
        }
    }
    listed(problems, "the tasks' data still depends on identity's:")
}

/// Every migration file under `src/<module>/migrations/sqlite/` of both modules is recorded as
/// applied in the database (`_sqlx_migrations`), so the module's files are what made its tables.
async fn own_migrations_ran(sources: &CrateSources, folder: &Path) -> Result<(), String> {
    let mut applied = BTreeSet::new();
    for (_, pool) in databases(folder).await {
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
        applied.extend(versions);
        pool.close().await;
    }
    let mut problems = Vec::new();
    for module in MODULES {
        let files: Vec<&SourceFile> = sources
            .files
            .iter()
            .filter(|file| {
                file.is_sql
                    && file
                        .relative
                        .starts_with(&format!("src/{module}/migrations/sqlite/"))
            })
            .collect();
        if files.is_empty() {
            problems.push(format!(
                "the {module} module has no migrations under src/{module}/migrations/sqlite/"
            ));
        }
        for file in files {
            let name = file.relative.rsplit('/').next().unwrap_or_default();
            let version = name
                .split('_')
                .next()
                .and_then(|version| version.parse::<i64>().ok());
            match version {
                Some(version) if applied.contains(&version) => {}
                Some(version) => problems.push(format!(
                    "{} (version {version}) never ran: the database's _sqlx_migrations does not \
                     list it. Run the module's own migrations at start-up \
                     (`sqlx::migrate!(\"src/{module}/migrations/sqlite\")`)",
                    file.shown
                )),
                None => problems.push(format!(
                    "{}: a migration's name starts with its version number (`1001_create_....sql`)",
                    file.shown
                )),
            }
        }
    }
    listed(
        problems,
        "the modules' migrations did not make the database:",
    )
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
fn own_migrations(sources: &CrateSources, files: &[RustFile]) -> Result<(), String> {
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
    let shared: Vec<String> = files
        .iter()
        .filter(|file| {
            Names::of(&file.ast)
                .strings
                .iter()
                .any(|(text, _)| text.contains("01-monolith/migrations"))
        })
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

/// The tasks module names nothing of the identity module (in code: paths, `use`s, types,
/// macro arguments) and declares a visible trait for what it needs to know about users.
fn tasks_asks_through_its_own_trait(files: &[RustFile]) -> Result<(), String> {
    let module: Vec<&RustFile> = files
        .iter()
        .filter(|file| syntax::in_module(&file.relative, "tasks"))
        .collect();
    if module.is_empty() {
        return Err("there is no tasks module in src/tasks/".into());
    }
    let mut problems = Vec::new();
    for file in &module {
        let names = Names::of(&file.ast);
        let mut seen = BTreeSet::new();
        for (path, line) in names.resolved_paths(&file.ast) {
            let Some(name) = path.iter().find(|segment| {
                segment.to_ascii_lowercase().contains("identity")
                    || ["UserRepository", "UserService"].contains(&segment.as_str())
            }) else {
                continue;
            };
            if seen.insert(line) {
                problems.push(format!(
                    "{}:{line}: names `{name}`: the tasks module must not know the identity module; \
                     it declares what it needs as a trait, and src/state.rs plugs identity in",
                    file.shown
                ));
            }
        }
    }
    let declares_trait = module.iter().any(|file| {
        syntax::items_of(&file.ast)
            .iter()
            .any(|item| matches!(item, syn::Item::Trait(t) if syntax::is_visible(&t.vis)))
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
