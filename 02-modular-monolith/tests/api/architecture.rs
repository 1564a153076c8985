//! Architecture fitness tests: the module boundaries of phase 02, checked on every
//! `cargo test`, so breaking one fails the build instead of waiting for a code review.
//!
//! 1. **Dependencies between crates.** `cargo metadata` lists what each crate of the
//!    workspace depends on; [`check_dependencies`] compares that graph with [`ALLOWED`].
//! 2. **Table ownership.** Every module's SQL (its migrations, and the string literals in
//!    its Rust source) may name only its own schema; [`check_sql_ownership`] reads them.
//! 3. **Services speak no HTTP.** A module's business layer (`src/services/`) reports a
//!    `ServiceError` and never names the HTTP edge; [`check_services_speak_no_http`] reads it.
//!
//! Each check is a plain function that returns a list of problems, one learner-readable
//! sentence each. The tests run them on the real workspace (expecting none) and on
//! fabricated fixtures that break every rule (expecting each break to be reported), so a
//! check that silently accepts everything cannot go unnoticed.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::{Value, json};

/// What a check found wrong, one sentence per problem.
type Problems = Vec<String>;

// =============================================================================================
// 1. Dependencies between crates
// =============================================================================================

/// Every crate of phase 02, and the workspace crates it may depend on. A dependency on any
/// other crate of this workspace (another module, phase 01, phase 03) is a violation.
/// External crates from crates.io (axum, sqlx...) are not restricted here.
///
/// The modules depend only on the shared kernel, except that stats may use the *types* of
/// the tasks module's public API (it still calls tasks only through its `TaskCounts` seam).
/// Identity depends on no module, tasks not on stats, and nothing depends on the app.
const ALLOWED: &[(&str, &[&str])] = &[
    ("shared-kernel", &[]),
    ("identity", &["shared-kernel"]),
    ("tasks", &["shared-kernel"]),
    ("stats", &["shared-kernel", "tasks"]),
    (
        "modular-monolith",
        // `frontend` is the web app every phase serves at `/`, and `conformance` the
        // black-box test suite (a dev-dependency): tools, not modules.
        &[
            "shared-kernel",
            "identity",
            "tasks",
            "stats",
            "frontend",
            "conformance",
        ],
    ),
];

/// The phase's folder as it appears in manifest paths.
const PHASE_DIR: &str = "02-modular-monolith";

/// Checks the workspace crates' dependencies (as `cargo metadata --format-version 1
/// --no-deps` prints them) against `allowed`. Only path dependencies count: those are the
/// other crates of this workspace.
fn check_dependencies(metadata: &Value, allowed: &[(&str, &[&str])]) -> Problems {
    let mut problems = Problems::new();
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();

    // A rule about a crate that no longer exists protects nothing (a renamed crate would
    // silently escape every rule).
    for (name, _) in allowed {
        if !names.contains(name) {
            problems.push(format!(
                "the architecture rules name the crate `{name}`, but the workspace has no such \
                 package: if it was renamed, rename it in ALLOWED too"
            ));
        }
    }

    for package in &packages {
        let name = package["name"].as_str().unwrap_or("?");
        let manifest = package["manifest_path"].as_str().unwrap_or("");
        let rule = allowed.iter().find(|(rule_name, _)| *rule_name == name);
        let Some((_, may_use)) = rule else {
            if manifest.contains(&format!("/{PHASE_DIR}/")) {
                problems.push(format!(
                    "`{name}` ({manifest}) is a crate of phase 02 that the architecture rules do \
                     not know: add it to ALLOWED with the crates it may depend on"
                ));
            }
            continue;
        };
        let dependencies = package["dependencies"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for dependency in &dependencies {
            if dependency["path"].as_str().is_none() {
                continue; // from crates.io: not one of ours
            }
            let used = dependency["name"].as_str().unwrap_or("?");
            if may_use.contains(&used) {
                continue;
            }
            let kind = match dependency["kind"].as_str() {
                Some("dev") => " (as a dev-dependency)",
                Some("build") => " (as a build-dependency)",
                _ => "",
            };
            let allowed_list = if may_use.is_empty() {
                "no other crate of the workspace".to_string()
            } else {
                may_use
                    .iter()
                    .map(|crate_name| format!("`{crate_name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            problems.push(format!(
                "`{name}` depends on `{used}`{kind}, but `{name}` may depend only on \
                 {allowed_list}. A module that needs another module declares a trait for what \
                 it needs and the app plugs the other module in (see src/seams.rs)"
            ));
        }
    }
    problems
}

/// `cargo metadata --format-version 1 --no-deps` for this workspace, parsed.
fn workspace_metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

#[test]
fn module_crates_depend_only_on_what_the_rules_allow() {
    let problems = check_dependencies(&workspace_metadata(), ALLOWED);
    assert!(
        problems.is_empty(),
        "{}",
        report("the crate graph", &problems)
    );
}

/// A fabricated `cargo metadata` answer in which every rule is broken once.
fn broken_metadata() -> Value {
    let package = |name: &str, folder: &str, deps: &[(&str, Option<&str>)]| {
        json!({
            "name": name,
            "manifest_path": format!("/repo/{PHASE_DIR}/{folder}/Cargo.toml"),
            "dependencies": deps.iter().map(|(dep, kind)| json!({
                "name": dep,
                "kind": kind,
                "path": format!("/repo/{PHASE_DIR}/modules/{dep}"),
            })).chain(std::iter::once(json!({
                // A crates.io dependency: never a violation.
                "name": "serde", "kind": null, "source": "registry+https://github.com/rust-lang/crates.io-index",
            }))).collect::<Vec<_>>(),
        })
    };
    json!({
        "packages": [
            package("shared-kernel", "shared", &[("identity", None)]),
            package("identity", "modules/identity", &[("shared-kernel", None), ("tasks", None)]),
            package("tasks", "modules/tasks", &[("shared-kernel", None), ("stats", Some("dev"))]),
            package("stats", "modules/stats", &[("shared-kernel", None), ("tasks", None), ("identity", None)]),
            package("modular-monolith", ".", &[("identity", None), ("monolith", None)]),
            package("notifications", "modules/notifications", &[("shared-kernel", None)]),
        ]
    })
}

#[test]
fn the_dependency_check_reports_every_broken_rule() {
    let problems = check_dependencies(&broken_metadata(), ALLOWED);
    for needles in [
        &["`stats` depends on `identity`", "`shared-kernel`, `tasks`"][..],
        &["`identity` depends on `tasks`", "only on `shared-kernel`"],
        &["`tasks` depends on `stats` (as a dev-dependency)"],
        &["`shared-kernel` depends on `identity`", "no other crate"],
        &["`modular-monolith` depends on `monolith`"],
        &["`notifications`", "add it to ALLOWED"],
    ] {
        assert_reported(&problems, needles);
    }
    assert_eq!(
        problems.len(),
        6,
        "{}",
        report("the broken graph", &problems)
    );

    // A rule about a crate that is gone is reported too.
    let problems = check_dependencies(&json!({"packages": []}), ALLOWED);
    assert_reported(&problems, &["`stats`", "no such package"]);
}

// =============================================================================================
// 2. Table ownership
// =============================================================================================

/// The SQL keywords after which a table name follows.
const TABLE_KEYWORDS: [&str; 6] = ["FROM", "JOIN", "INTO", "UPDATE", "TABLE", "REFERENCES"];
/// Words that may sit between such a keyword and the name.
const SKIPPED: [&str; 4] = ["IF", "NOT", "EXISTS", "ONLY"];

/// Every table a piece of SQL names, as written (`identity.users`, or `users` with no
/// schema). Keywords are matched in any case. `CREATE INDEX s.i ON t` names `s.t`
/// (SQLite's spelling); a subquery `FROM (SELECT ...)` names no table.
fn referenced_tables(sql: &str) -> Vec<String> {
    let words: Vec<&str> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|word| !word.is_empty())
        .collect();
    let next_name = |mut i: usize| {
        while i < words.len() && SKIPPED.contains(&words[i].to_ascii_uppercase().as_str()) {
            i += 1;
        }
        // A table name is an identifier: it starts with a letter or `_` (not `from 1`).
        words
            .get(i)
            .copied()
            .filter(|word| word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
    };
    let mut tables = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let upper = word.to_ascii_uppercase();
        if TABLE_KEYWORDS.contains(&upper.as_str()) {
            if let Some(name) = next_name(i + 1).filter(|name| !name.eq_ignore_ascii_case("SELECT"))
            {
                tables.push(name.to_string());
            }
        } else if upper == "INDEX" {
            let index = next_name(i + 1).unwrap_or("");
            let schema = index.split_once('.').map(|(schema, _)| schema);
            let on = words[i + 1..]
                .iter()
                .position(|w| w.eq_ignore_ascii_case("ON"))
                .map(|offset| i + 1 + offset);
            if let Some(table) = on.and_then(|on| words.get(on + 1)) {
                tables.push(match schema {
                    Some(schema) if !table.contains('.') => format!("{schema}.{table}"),
                    _ => table.to_string(),
                });
            }
        }
    }
    tables
}

/// Schemas a piece of SQL creates, changes or drops (`CREATE SCHEMA IF NOT EXISTS identity`).
fn referenced_schemas(sql: &str) -> Vec<String> {
    let words: Vec<&str> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect();
    let is_ddl =
        |word: &str| ["CREATE", "ALTER", "DROP"].contains(&word.to_ascii_uppercase().as_str());
    words
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| is_ddl(pair[0]) && pair[1].eq_ignore_ascii_case("SCHEMA"))
        .filter_map(|(i, _)| {
            let i = i + 1;
            words[i + 1..]
                .iter()
                .find(|w| !SKIPPED.contains(&w.to_ascii_uppercase().as_str()))
                .map(|schema| schema.to_string())
        })
        .collect()
}

/// The string literals of a Rust source file, where its SQL lives. Comments (and so doc
/// comments that talk *about* tables) are skipped.
fn rust_string_literals(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut literals = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            '\'' => {
                // A char literal ('"', '\'') must not start a string; a lifetime ('a) is skipped.
                if chars.get(i + 1) == Some(&'\\') {
                    i += 3;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            'r' if matches!(chars.get(i + 1), Some('"') | Some('#'))
                && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) =>
            {
                let mut hashes = 0;
                let mut j = i + 1;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let closing: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let rest: String = chars[j + 1..].iter().collect();
                let end = rest.find(&closing).unwrap_or(rest.len());
                literals.push(rest[..end].to_string());
                i = j + 1 + rest[..end].chars().count() + closing.chars().count();
            }
            '"' => {
                let mut literal = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if let Some(c) = chars.get(i) {
                        literal.push(*c);
                    }
                    i += 1;
                }
                literals.push(literal);
                i += 1;
            }
            _ => i += 1,
        }
    }
    literals
}

/// Statement verbs: a string literal that starts with one (in any case) is SQL.
const SQL_VERBS: [&str; 8] = [
    "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "CREATE", "ALTER", "DROP",
];

/// Whether a Rust string literal holds SQL: it starts with a statement verb (`select ...`
/// in any case), or it contains a table keyword in capitals (a piece of SQL such as
/// `"FROM tasks.tasks WHERE"`). Prose like "must be an integer from 1 to 100" is not SQL.
fn looks_like_sql(literal: &str) -> bool {
    let mut words = literal
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty());
    let starts_with_verb = words
        .next()
        .is_some_and(|first| SQL_VERBS.contains(&first.to_ascii_uppercase().as_str()));
    starts_with_verb || words.any(|word| TABLE_KEYWORDS.contains(&word))
}

/// The SQL of one file: a `.sql` file without its `--` comments, or the string literals of
/// a `.rs` file that hold SQL.
fn sql_of(file: &Path, text: &str) -> String {
    if file.extension().is_some_and(|ext| ext == "sql") {
        text.lines()
            .map(|line| line.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        rust_string_literals(text)
            .into_iter()
            .filter(|literal| looks_like_sql(literal))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Checks that the SQL in `text` (from `file`, in `module`) names only `owned_schema`'s
/// tables, always with the schema written out. `owned_schema` is `None` for a crate that
/// owns no tables at all (stats, the shared kernel, the app).
fn check_sql_ownership(
    module: &str,
    owned_schema: Option<&str>,
    file: &str,
    text: &str,
) -> Problems {
    let sql = sql_of(Path::new(file), text);
    let mut problems = Problems::new();
    for table in referenced_tables(&sql) {
        let schema = table.split_once('.').map(|(schema, _)| schema);
        match (owned_schema, schema) {
            (Some(own), Some(schema)) if schema.eq_ignore_ascii_case(own) => {}
            (Some(own), None) => problems.push(format!(
                "{file}: `{table}` names no schema; the {module} module must write its own \
                 tables as `{own}.{table}`, so that every table's owner is visible"
            )),
            (Some(own), Some(schema)) => problems.push(format!(
                "{file}: the {module} module touches `{table}`, a table of the `{schema}` \
                 module; it may only touch `{own}.*`. Ask the `{schema}` module's public API \
                 instead (through a seam trait)"
            )),
            (None, _) => problems.push(format!(
                "{file}: {module} owns no tables, but its SQL touches `{table}`; ask the \
                 owning module's public API instead (through a seam trait)"
            )),
        }
    }
    for schema in referenced_schemas(&sql) {
        if owned_schema.is_none_or(|own| !schema.eq_ignore_ascii_case(own)) {
            problems.push(format!(
                "{file}: the {module} module creates or changes the schema `{schema}`, which \
                 is not its own"
            ));
        }
    }
    problems
}

/// Every `.sql` and `.rs` file under `folder`, recursively.
fn source_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(folder) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(source_files(&path));
        } else if path
            .extension()
            .is_some_and(|ext| ext == "sql" || ext == "rs")
        {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Runs [`check_sql_ownership`] over a crate's `migrations/` and `src/`; also returns how
/// many table references it read.
fn check_crate_sql(module: &str, owned_schema: Option<&str>, folder: &Path) -> (Problems, usize) {
    let mut problems = Problems::new();
    let mut references = 0;
    for sub in ["migrations", "src"] {
        for file in source_files(&folder.join(sub)) {
            let text = fs::read_to_string(&file).expect("read a source file");
            let name = file
                .strip_prefix(phase_dir())
                .unwrap_or(&file)
                .display()
                .to_string();
            references += referenced_tables(&sql_of(&file, &text)).len();
            problems.extend(check_sql_ownership(module, owned_schema, &name, &text));
        }
    }
    (problems, references)
}

fn phase_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_module_touches_only_its_own_tables() {
    let modules = phase_dir().join("modules");
    let crates = [
        ("identity", Some(identity::SCHEMA), modules.join("identity")),
        ("tasks", Some(tasks::SCHEMA), modules.join("tasks")),
        ("stats", None, modules.join("stats")),
        ("the shared kernel", None, phase_dir().join("shared")),
        ("the app", None, phase_dir()),
    ];
    let mut problems = Problems::new();
    for (module, schema, folder) in &crates {
        let (found, references) = check_crate_sql(module, *schema, folder);
        problems.extend(found);
        // A check that reads nothing proves nothing: the modules with tables have SQL.
        if schema.is_some() {
            assert!(
                references >= 5,
                "read only {references} table references in {module}: is the check still reading its SQL?"
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{}",
        report("the modules' SQL", &problems)
    );

    // Every module folder is covered by the list above.
    let folders: BTreeSet<String> = fs::read_dir(&modules)
        .expect("read modules/")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let checked = BTreeSet::from(["identity".into(), "tasks".into(), "stats".into()]);
    assert_eq!(folders, checked, "a new module must be added to this test");
}

#[test]
fn the_sql_check_reports_reads_across_modules() {
    let tasks_repository = r##"
        // A comment that mentions FROM identity.users is not SQL and is not reported.
        const JOINED: &str = "SELECT t.id, u.username
            FROM tasks.tasks t JOIN identity.users u ON u.id = t.owner_id";
        let raw = sqlx::query(r#"UPDATE identity.users SET full_name = $1"#);
        let sneaky = "select count(*) from identity.users";
        let c = '"'; let s = "DELETE FROM tasks.tasks WHERE id = $1";
        let prose = "must be an integer from 1 to 100, taken from the users";
    "##;
    let problems = check_sql_ownership(
        "tasks",
        Some("tasks"),
        "tasks/src/repo.rs",
        tasks_repository,
    );
    assert_reported(
        &problems,
        &[
            "the tasks module touches `identity.users`",
            "a table of the `identity` module",
            "tasks.*",
        ],
    );
    assert_eq!(problems.len(), 3, "{}", report("the fixture", &problems));

    let unqualified = check_sql_ownership(
        "identity",
        Some("identity"),
        "identity/src/repo.rs",
        r#"let q = "SELECT id FROM users WHERE id = $1";"#,
    );
    assert_reported(
        &unqualified,
        &["`users` names no schema", "`identity.users`"],
    );

    let stats = check_sql_ownership(
        "stats",
        None,
        "stats/src/services/stats.rs",
        r#"sqlx::query("SELECT status, COUNT(*) FROM tasks.tasks GROUP BY status")"#,
    );
    assert_reported(&stats, &["stats owns no tables", "`tasks.tasks`"]);
}

#[test]
fn the_sql_check_reports_foreign_keys_and_schemas_across_modules() {
    let migration = "
        -- A foreign key into identity would tie the two modules' tables together.
        CREATE SCHEMA IF NOT EXISTS identity;
        CREATE TABLE tasks.tasks (
            id BIGINT PRIMARY KEY,
            owner_id BIGINT NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE
        );
        CREATE INDEX tasks.by_owner ON tasks (owner_id);
        CREATE INDEX by_name ON identity.users (username);
    ";
    let problems = check_sql_ownership(
        "tasks",
        Some("tasks"),
        "tasks/migrations/postgres/2002_bad.sql",
        migration,
    );
    assert_reported(&problems, &["touches `identity.users`", "2002_bad.sql"]);
    assert_reported(&problems, &["schema `identity`, which is not its own"]);
    // The REFERENCES clause and the index on identity.users: two reports of identity.users.
    let cross = problems
        .iter()
        .filter(|p| p.contains("`identity.users`"))
        .count();
    assert_eq!(cross, 2, "{}", report("the migration fixture", &problems));
    assert_eq!(
        problems.len(),
        3,
        "{}",
        report("the migration fixture", &problems)
    );
}

#[test]
fn tables_are_read_from_every_kind_of_statement() {
    let sql = "INSERT INTO a.x (id) VALUES (1); UPDATE a.y SET z = 1; DELETE FROM a.z;
               SELECT * FROM (SELECT 1) sub JOIN b.w ON true;
               CREATE TABLE IF NOT EXISTS c.v (id INT);
               CREATE UNIQUE INDEX d.i ON u (lower(name));";
    assert_eq!(
        referenced_tables(sql),
        ["a.x", "a.y", "a.z", "b.w", "c.v", "d.u"]
    );
}

// =============================================================================================
// 3. Services speak no HTTP
// =============================================================================================

/// Names that belong to the HTTP edge, never to a module's business layer (phase 01's
/// `tests/layers.rs` checks the same list). A service says what went wrong with a
/// `ServiceError`; the kernel's one `From<ServiceError> for ApiError` picks the status. A
/// service that named `ApiError` could not be called from anything but a route, and the
/// seams (`TaskCounts`, `UserDirectory`) would carry HTTP into the modules behind them.
const HTTP_NAMES: [&str; 4] = ["ApiError", "StatusCode", "axum", "IntoResponse"];

/// Every line of one service file's code (comments may talk about the edge) that names
/// the HTTP layer.
fn check_services_speak_no_http(file: &str, source: &str) -> Problems {
    let mut problems = Problems::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for name in HTTP_NAMES {
            if code.contains(name) {
                problems.push(format!(
                    "{file}:{}: a service names `{name}`, the HTTP layer: return a \
                     ServiceError and let the route turn it into an answer",
                    number + 1
                ));
            }
        }
    }
    problems
}

#[test]
fn no_module_service_names_the_http_layer() {
    let mut problems = Problems::new();
    let mut files = 0;
    for module in ["identity", "tasks", "stats"] {
        let folder = phase_dir()
            .join("modules")
            .join(module)
            .join("src/services");
        for entry in fs::read_dir(&folder).expect("read a module's src/services") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            files += 1;
            let source = fs::read_to_string(&path).expect("read a service file");
            let name = format!(
                "{module}/src/services/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            problems.extend(check_services_speak_no_http(&name, &source));
        }
    }
    // Three modules, each with a `mod.rs` and at least one service.
    assert!(
        files >= 6,
        "read only {files} service files: is the check still reading them?"
    );
    assert!(
        problems.is_empty(),
        "{}",
        report("the modules' services", &problems)
    );
}

#[test]
fn the_http_check_reports_a_service_that_answers_in_http() {
    let service = r#"
        use shared_kernel::ApiError; // a comment may say ApiError
        pub async fn get(&self) -> Result<Task, ApiError> {
            Err(ApiError::NotFound("task 7 not found".into()))
        }
        fn status() -> axum::http::StatusCode { todo!() }
    "#;
    let problems = check_services_speak_no_http("tasks/src/services/tasks.rs", service);
    assert_reported(&problems, &["tasks/src/services/tasks.rs:2", "`ApiError`"]);
    assert_reported(&problems, &[":4:", "`ApiError`"]);
    assert_reported(&problems, &[":6:", "`axum`"]);
    assert_reported(&problems, &[":6:", "`StatusCode`"]);
    assert_eq!(problems.len(), 5, "{}", report("the fixture", &problems));
}

// =============================================================================================
// Reporting
// =============================================================================================

fn report(what: &str, problems: &[String]) -> String {
    let mut out = format!("{what} breaks {} architecture rule(s):\n", problems.len());
    for problem in problems {
        out.push_str(&format!("  - {problem}\n"));
    }
    out
}

/// `problems` contains one mentioning every fragment in `needles`; otherwise fail and show all.
#[track_caller]
fn assert_reported(problems: &[String], needles: &[&str]) {
    assert!(
        problems
            .iter()
            .any(|p| needles.iter().all(|n| p.contains(n))),
        "expected a problem mentioning {needles:?}, but the checks reported:\n{}",
        problems
            .iter()
            .map(|p| format!("  - {p}\n"))
            .collect::<String>()
    );
}
