//! Exercise 01, "Find the seams": the tasks code moves behind a module facade.
//!
//! Static steps read the variant's `src/` (comments skipped, so a doc comment that talks
//! *about* `TaskRepository` is never a violation); the last step runs the built binary and
//! the whole conformance suite, because moving code must not change what the API does.
//!
//! The source-reading helpers are `pub(crate)`: exercise 02 reads modules the same way.

use std::path::{Path, PathBuf};

use syn::Item;

use crate::{
    kit::{self, Process, Report, Subject},
    metadata, probe,
    syntax::{self, Names, RustFile},
};

/// The module's insides: what only the facade may hold.
const INSIDES: [&str; 2] = ["TaskRepository", "TaskService"];

pub async fn check(subject: &Subject) -> Report {
    let mut report = Report::of(
        format!("Exercise 01, find the seams ({})", subject.label),
        subject,
    );
    // First what the source and the manifest say (no build needed), then the build, then
    // what the compiler and the running binary say.
    let crate_sources = CrateSources::read(&subject.dir);
    let files = match syntax::read_crate(&subject.dir) {
        Ok(files) => files,
        Err(error) => {
            report.step(STEPS[0], Err(error));
            report.skip_all(&STEPS[1..], "the sources cannot be read");
            return report;
        }
    };

    let has_module = report.step(STEPS[0], module_declared(&files, "tasks"));
    let facade = if has_module {
        let facade = public_facade(&files, "tasks");
        report.step(STEPS[1], facade.clone().map(drop));
        facade.ok()
    } else {
        report.skip(STEPS[1], "there is no tasks module yet (step above)");
        None
    };
    report.step(STEPS[2], nobody_outside_names(&files, "tasks", &INSIDES));
    match (&facade, has_module) {
        (Some(facade), _) => report.step(
            STEPS[3],
            insides_are_private(&files, "tasks", facade, &INSIDES),
        ),
        (None, true) => report.step(STEPS[3], insides_are_private(&files, "tasks", "", &INSIDES)),
        (None, false) => {
            report.skip(STEPS[3], "there is no tasks module yet");
            false
        }
    };
    report.step(
        STEPS[4],
        stats_asks_the_facade(&crate_sources, facade.as_deref()),
    );
    report.step(
        STEPS[5],
        no_sql_outside(&crate_sources, "tasks", &["tasks"]),
    );
    report
        .check(STEPS[6], metadata::dependencies_step(subject))
        .await;

    let Some(binary) = kit::build_step(&mut report, subject, &STEPS[7..]).await else {
        return report;
    };
    match &facade {
        Some(facade) => {
            report
                .check(STEPS[7], async {
                    probe::facade_leaks(subject, "tasks", facade)
                        .await
                        .and_then(|leaks| {
                            listed(
                                leaks,
                                "a probe compiled inside the crate, outside the tasks module, reached the module's insides through the facade:",
                            )
                        })
                })
                .await
        }
        None => {
            report.skip(STEPS[7], "there is no facade yet");
            false
        }
    };
    report
        .check(STEPS[8], whole_contract(&binary, &subject.package))
        .await;
    report
}

/// The steps, in order: the static ones, then (after "builds") the compile probe and the
/// running binary.
const STEPS: [&str; 9] = [
    "a `tasks` module exists (src/tasks/mod.rs), declared in src/lib.rs",
    "the tasks module exposes a public facade (`pub struct TasksFacade`)",
    "no code outside the tasks module uses `TaskRepository` or `TaskService`",
    "the tasks repository and service are private to the tasks module",
    "the stats service gets its numbers from the tasks facade",
    "no SQL over the `tasks` table outside the tasks module",
    metadata::STEP,
    "the facade hands out nothing that reaches the repository or the service (compile probe)",
    "the whole API contract still passes (conformance suite, all areas)",
];

// ---------------------------------------------------------------------------------------------
// What the syntax tree says
// ---------------------------------------------------------------------------------------------

/// `src/lib.rs` declares `mod <name>` (any visibility) and the module's root file exists.
pub(crate) fn module_declared(files: &[RustFile], name: &str) -> Result<(), String> {
    let Some(root) = syntax::module_root(files, name) else {
        return Err(format!(
            "there is no src/{name}/mod.rs (or src/{name}.rs). Create the folder src/{name}/ \
             with a mod.rs: it is the module's front door"
        ));
    };
    let declared = files
        .iter()
        .filter(|file| file.relative == "src/lib.rs")
        .flat_map(|lib| lib.ast.items.iter())
        .any(|item| matches!(item, Item::Mod(module) if module.ident == name));
    if declared {
        Ok(())
    } else {
        Err(format!(
            "{} exists, but src/lib.rs does not declare it: add `pub mod {name};` to src/lib.rs",
            root.relative
        ))
    }
}

/// The name of a visible struct or trait whose name ends in `Facade` (or `Api`, as phase 02
/// calls it), declared in the module.
fn public_facade(files: &[RustFile], module: &str) -> Result<String, String> {
    for file in files
        .iter()
        .filter(|f| syntax::in_module(&f.relative, module))
    {
        for item in syntax::items_of(&file.ast) {
            let (visibility, ident) = match &item {
                Item::Struct(item) => (&item.vis, &item.ident),
                Item::Trait(item) => (&item.vis, &item.ident),
                _ => continue,
            };
            let name = ident.to_string();
            if syntax::is_visible(visibility) && (name.ends_with("Facade") || name.ends_with("Api"))
            {
                return Ok(name);
            }
        }
    }
    Err(
        "the tasks module declares no `pub struct TasksFacade` (or a pub trait named …Facade). \
         Declare it in src/tasks/mod.rs, with one method per thing the rest of the \
         application does with tasks (create, get, list, update, toggle, delete, and the \
         counts the stats need)"
            .into(),
    )
}

/// No code outside module `name` names any of `insides` (in a path, a `use`, a type or a
/// macro's arguments), and none declares a type of that name.
pub(crate) fn nobody_outside_names(
    files: &[RustFile],
    name: &str,
    insides: &[&str],
) -> Result<(), String> {
    let mut offenders = Vec::new();
    for file in files
        .iter()
        .filter(|f| !syntax::in_module(&f.relative, name))
    {
        let names = Names::of(&file.ast);
        for inside in insides {
            let mut lines = names.mentions(inside);
            lines.sort();
            lines.dedup();
            if !lines.is_empty() {
                let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
                offenders.push(format!(
                    "{}: uses `{inside}` (line {})",
                    file.shown,
                    lines.join(", ")
                ));
            }
        }
        for item in syntax::items_of(&file.ast) {
            if let Item::Struct(item) = item
                && insides.iter().any(|inside| item.ident == inside)
            {
                offenders.push(format!(
                    "{}:{}: declares `{}` outside the {name} module: move it into src/{name}/",
                    file.shown,
                    syntax::line_of(item.ident.span()),
                    item.ident
                ));
            }
        }
    }
    listed(
        offenders,
        &format!(
            "these files reach past the {name} module's facade; they must go through the facade \
             (or move into src/{name}/):"
        ),
    )
}

/// Inside module `name`: no submodule is visible outside it, no visible `use` or `type`
/// re-exports an inside (by name, renamed, or with a glob over a file that declares one), and
/// no trait impl connects the facade with an inside (`Deref<Target = TaskService>`,
/// `AsRef<TaskRepository>`, `From<&TasksFacade> for TaskRepository`).
fn insides_are_private(
    files: &[RustFile],
    name: &str,
    facade: &str,
    insides: &[&str],
) -> Result<(), String> {
    let module_files: Vec<&RustFile> = files
        .iter()
        .filter(|f| syntax::in_module(&f.relative, name))
        .collect();
    let declares_inside = |sub: &str| {
        module_files.iter().any(|file| {
            (file.relative == format!("src/{name}/{sub}.rs")
                || file.relative == format!("src/{name}/{sub}/mod.rs"))
                && syntax::items_of(&file.ast).iter().any(
                    |item| matches!(item, Item::Struct(s) if insides.iter().any(|i| s.ident == i)),
                )
        })
    };
    let mentions_inside = |tokens: String| {
        tokens
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| insides.contains(&word))
    };
    let mut offenders = Vec::new();
    for file in &module_files {
        for item in syntax::items_of(&file.ast) {
            match &item {
                Item::Mod(module) if syntax::is_visible(&module.vis) => offenders.push(format!(
                    "{}:{}: `{} mod {}` makes a submodule public; write `mod {}` so only the module itself can use it",
                    file.shown,
                    syntax::line_of(module.ident.span()),
                    quote_visibility(&module.vis),
                    module.ident,
                    module.ident
                )),
                Item::Type(alias)
                    if syntax::is_visible(&alias.vis)
                        && mentions_inside(quote::ToTokens::to_token_stream(&alias.ty).to_string()) =>
                {
                    offenders.push(format!(
                        "{}:{}: `type {}` re-exports the module's insides under another name",
                        file.shown,
                        syntax::line_of(alias.ident.span()),
                        alias.ident
                    ))
                }
                Item::Impl(block) if block.trait_.is_some() => {
                    let header = format!(
                        "{} {}",
                        quote::ToTokens::to_token_stream(&block.self_ty),
                        block
                            .trait_
                            .as_ref()
                            .map(|(_, path, _)| quote::ToTokens::to_token_stream(path).to_string())
                            .unwrap_or_default()
                    );
                    let types: String = block
                        .items
                        .iter()
                        .filter_map(|item| match item {
                            syn::ImplItem::Type(ty) => {
                                Some(quote::ToTokens::to_token_stream(&ty.ty).to_string())
                            }
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    let whole = format!("{header} {types}");
                    let names_facade = !facade.is_empty()
                        && whole
                            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .any(|word| word == facade);
                    if names_facade && mentions_inside(whole) {
                        offenders.push(format!(
                            "{}:{}: a trait impl joins the facade to the module's insides \
                             (`impl {}`): it hands out its insides",
                            file.shown,
                            syntax::line_of(block.impl_token.span),
                            header.trim()
                        ));
                    }
                }
                _ => {}
            }
        }
        for import in syntax::imports(&syntax::items_of(&file.ast))
            .into_iter()
            .filter(|import| import.visible)
        {
            let names_inside = import
                .path
                .iter()
                .any(|segment| insides.contains(&segment.as_str()));
            let globs_inside =
                import.local == "*" && import.path.last().is_some_and(|sub| declares_inside(sub));
            if names_inside || globs_inside {
                offenders.push(format!(
                    "{}:{}: `pub use {}{}` re-exports the module's insides; export only the facade and its types",
                    file.shown,
                    import.line,
                    import.path.join("::"),
                    if import.local == "*" { "::*".to_string() } else { String::new() }
                ));
            }
        }
    }
    listed(
        offenders,
        "the module's insides can be reached from outside:",
    )
}

fn quote_visibility(visibility: &syn::Visibility) -> String {
    quote::ToTokens::to_token_stream(visibility)
        .to_string()
        .replace(' ', "")
}

// ---------------------------------------------------------------------------------------------
// Reading the learner's sources
// ---------------------------------------------------------------------------------------------

/// One source file of the variant, split for checking.
#[derive(Clone)]
pub(crate) struct SourceFile {
    /// Relative to the variant's folder: `src/state.rs`.
    pub(crate) relative: String,
    /// Shown to the learner: relative to the repository root.
    pub(crate) shown: String,
    /// For `.rs`: the code with comments removed and string literals emptied, newlines kept
    /// (so line numbers still match). For `.sql`: the text without `--` comments.
    pub(crate) code: String,
    /// The SQL this file holds: a `.sql` file's text, or a `.rs` file's string literals that
    /// look like SQL.
    pub(crate) sql: String,
    pub(crate) is_sql: bool,
}

/// Every `.rs` and `.sql` file of a variant's folder.
pub(crate) struct CrateSources {
    pub(crate) root: PathBuf,
    pub(crate) files: Vec<SourceFile>,
}

impl CrateSources {
    pub(crate) fn read(root: &Path) -> Self {
        let workspace = kit::workspace_root();
        let workspace = workspace.canonicalize().unwrap_or(workspace);
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let files = kit::sources(root)
            .into_iter()
            .map(|(path, text)| {
                let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
                let relative = canonical
                    .strip_prefix(&canonical_root)
                    .unwrap_or(&canonical)
                    .to_string_lossy()
                    .replace('\\', "/");
                let shown = canonical
                    .strip_prefix(&workspace)
                    .unwrap_or(&canonical)
                    .to_string_lossy()
                    .replace('\\', "/");
                let is_sql = path.extension().is_some_and(|ext| ext == "sql");
                let (code, sql) = if is_sql {
                    let code = strip_sql_comments(&text);
                    (code.clone(), code)
                } else {
                    let (code, literals) = split_rust(&text);
                    let sql = literals
                        .into_iter()
                        .filter(|literal| looks_like_sql(literal))
                        .collect::<Vec<_>>()
                        .join("\n");
                    (code, sql)
                };
                SourceFile {
                    relative,
                    shown,
                    code,
                    sql,
                    is_sql,
                }
            })
            .collect();
        Self {
            root: root.to_path_buf(),
            files,
        }
    }

    /// The files of module `name`: `src/<name>.rs` and everything under `src/<name>/`.
    pub(crate) fn module(&self, name: &str) -> Vec<SourceFile> {
        self.files
            .iter()
            .filter(|file| in_module(&file.relative, name))
            .cloned()
            .collect()
    }

    /// The files that belong to none of `modules`.
    pub(crate) fn outside(&self, modules: &[&str]) -> Vec<&SourceFile> {
        self.files
            .iter()
            .filter(|file| !modules.iter().any(|name| in_module(&file.relative, name)))
            .collect()
    }

    pub(crate) fn file(&self, relative: &str) -> Option<&SourceFile> {
        self.files.iter().find(|file| file.relative == relative)
    }
}

fn in_module(relative: &str, name: &str) -> bool {
    relative == format!("src/{name}.rs") || relative.starts_with(&format!("src/{name}/"))
}

/// `src/<name>/mod.rs` or `src/<name>.rs` exists, and `src/lib.rs` declares `mod <name>`.
pub(crate) fn module_exists(sources: &CrateSources, name: &str) -> Result<(), String> {
    let root_file = [format!("src/{name}/mod.rs"), format!("src/{name}.rs")]
        .into_iter()
        .find(|relative| sources.file(relative).is_some());
    let Some(root_file) = root_file else {
        return Err(format!(
            "there is no {}/src/{name}/mod.rs (or src/{name}.rs). Create the folder src/{name}/ \
             with a mod.rs: it is the module's front door",
            shown_root(sources)
        ));
    };
    let declared = sources.file("src/lib.rs").is_some_and(|lib| {
        lib.code
            .lines()
            .any(|line| words(line).windows(2).any(|pair| pair == ["mod", name]))
    });
    if declared {
        Ok(())
    } else {
        Err(format!(
            "{root_file} exists, but src/lib.rs does not declare it: add `pub mod {name};` to src/lib.rs"
        ))
    }
}

/// The file that defines `struct StatsService` names the facade and not the repository.
fn stats_asks_the_facade(sources: &CrateSources, facade: Option<&str>) -> Result<(), String> {
    let stats = sources.files.iter().find(|file| {
        !file.is_sql
            && file
                .code
                .lines()
                .any(|l| has_words(l, &["struct", "StatsService"]))
    });
    let Some(stats) = stats else {
        return Err(
            "no file defines `struct StatsService` any more; keep the stats service \
                    (src/services/stats.rs) and give it the tasks facade"
                .into(),
        );
    };
    if let Some((number, _)) = stats
        .code
        .lines()
        .enumerate()
        .find(|(_, line)| words(line).contains(&"TaskRepository"))
    {
        return Err(format!(
            "{}:{}: the stats service holds the tasks repository and so runs its own query over \
             the tasks' table; give it the tasks facade instead, and add a facade method that \
             returns the counts it needs",
            stats.shown,
            number + 1
        ));
    }
    let Some(facade) = facade else {
        return Err(format!(
            "{} cannot use the tasks facade: there is none yet (see the steps above)",
            stats.shown
        ));
    };
    if stats.code.lines().any(|line| words(line).contains(&facade)) {
        Ok(())
    } else {
        Err(format!(
            "{} does not use `{facade}`: the stats service should hold the tasks facade and ask \
             it for the counts",
            stats.shown
        ))
    }
}

/// No SQL outside `modules` names any of `tables`.
pub(crate) fn no_sql_outside(
    sources: &CrateSources,
    module: &str,
    tables: &[&str],
) -> Result<(), String> {
    let mut offenders = Vec::new();
    for file in sources.outside(&[module]) {
        for table in referenced_tables(&file.sql) {
            if tables.iter().any(|t| table.eq_ignore_ascii_case(t)) {
                offenders.push(format!("{}: SQL names the table `{table}`", file.shown));
            }
        }
    }
    offenders.dedup();
    listed(
        offenders,
        &format!("only the {module} module may run SQL over its table; these files do too:"),
    )
}

async fn whole_contract(binary: &Path, package: &str) -> Result<(), String> {
    let database = tempfile::tempdir().map_err(|error| error.to_string())?;
    let (process, _) = start_monolith(binary, package, database.path()).await?;
    kit::conformance(&process.base_url(), &[]).await
}

/// Starts a phase-01-like binary on a free port with a fresh SQLite file in `folder`;
/// returns the process and the database URL.
pub(crate) async fn start_monolith(
    binary: &Path,
    package: &str,
    folder: &Path,
) -> Result<(Process, String), String> {
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        folder.join("tasktracker.sqlite3").display()
    );
    let port = kit::free_port();
    let process = Process::start(
        package,
        binary,
        &[],
        &[
            ("DATABASE_URL", database_url.clone()),
            ("JWT_SECRET", kit::TEST_JWT_SECRET.to_string()),
            ("RATE_LIMIT_PER_SECOND", "0".to_string()),
        ],
        port,
    )
    .await?;
    Ok((process, database_url))
}

// ---------------------------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------------------------

/// `Err(heading + one line per offender)`, or `Ok` when there is none.
pub(crate) fn listed(offenders: Vec<String>, heading: &str) -> Result<(), String> {
    if offenders.is_empty() {
        return Ok(());
    }
    let mut text = heading.to_string();
    for offender in offenders.iter().take(12) {
        text.push_str("\n  ");
        text.push_str(offender);
    }
    if offenders.len() > 12 {
        text.push_str(&format!("\n  ... and {} more", offenders.len() - 12));
    }
    Err(text)
}

pub(crate) fn shown_root(sources: &CrateSources) -> String {
    let workspace = kit::workspace_root();
    let workspace = workspace.canonicalize().unwrap_or(workspace);
    let root = sources
        .root
        .canonicalize()
        .unwrap_or_else(|_| sources.root.clone());
    root.strip_prefix(&workspace)
        .unwrap_or(&root)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The identifiers and keywords of a line of code (`pub(crate)` stays one word).
pub(crate) fn words(line: &str) -> Vec<&str> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '(' || c == ')'))
        .flat_map(|word| {
            // `pub(crate)` is one word; `TaskService::new(x)` is `TaskService`, `new`, `x`.
            if word.starts_with("pub(") {
                vec![word]
            } else {
                word.split(['(', ')']).collect()
            }
        })
        .filter(|word| !word.is_empty())
        .collect()
}

fn has_words(line: &str, wanted: &[&str]) -> bool {
    let words = words(line);
    words.windows(wanted.len()).any(|window| window == wanted)
}

fn strip_sql_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits Rust source into code (comments removed, string literals emptied, newlines kept)
/// and its string literals.
pub(crate) fn split_rust(source: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = source.chars().collect();
    let mut code = String::with_capacity(source.len());
    let mut literals = Vec::new();
    let newlines_in = |range: &[char]| range.iter().filter(|c| **c == '\n').count();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let start = i;
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                let end = i.min(chars.len());
                code.push_str(&"\n".repeat(newlines_in(&chars[start..end])));
            }
            '\'' => {
                // A char literal ('"', '\'') must not start a string; a lifetime ('a) is code.
                if chars.get(i + 1) == Some(&'\\') {
                    i += 3;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                    code.push_str("' '");
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                    code.push_str("' '");
                } else {
                    code.push('\'');
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
                    code.push('r');
                    i += 1;
                    continue;
                }
                let start = j + 1;
                let mut end = start;
                while end < chars.len()
                    && !(chars[end] == '"'
                        && (0..hashes).all(|k| chars.get(end + 1 + k) == Some(&'#')))
                {
                    end += 1;
                }
                let end = end.min(chars.len());
                literals.push(chars[start..end].iter().collect());
                code.push_str("\"\"");
                code.push_str(&"\n".repeat(newlines_in(&chars[start..end])));
                i = end + 1 + hashes;
            }
            '"' => {
                let mut literal = String::new();
                let start = i + 1;
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
                let end = i.min(chars.len());
                literals.push(literal);
                code.push_str("\"\"");
                code.push_str(&"\n".repeat(newlines_in(&chars[start..end])));
                i += 1;
            }
            other => {
                code.push(other);
                i += 1;
            }
        }
    }
    (code, literals)
}

/// The SQL keywords after which a table name follows.
const TABLE_KEYWORDS: [&str; 6] = ["FROM", "JOIN", "INTO", "UPDATE", "TABLE", "REFERENCES"];
/// Words that may sit between such a keyword and the name.
const SKIPPED: [&str; 4] = ["IF", "NOT", "EXISTS", "ONLY"];
/// Statement verbs: a string literal that starts with one (in any case) is SQL.
const SQL_VERBS: [&str; 8] = [
    "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "CREATE", "ALTER", "DROP",
];

/// Whether a string literal holds SQL: it starts with a statement verb, or contains a
/// table keyword in capitals (`"FROM tasks WHERE"`). Prose ("from 1 to 100") is not SQL.
fn looks_like_sql(literal: &str) -> bool {
    let mut words = literal
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty());
    let starts_with_verb = words
        .next()
        .is_some_and(|first| SQL_VERBS.contains(&first.to_ascii_uppercase().as_str()));
    starts_with_verb || words.any(|word| TABLE_KEYWORDS.contains(&word))
}

/// Every table a piece of SQL names, as written. `CREATE INDEX i ON t` names `t`.
pub(crate) fn referenced_tables(sql: &str) -> Vec<String> {
    let words: Vec<&str> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|word| !word.is_empty())
        .collect();
    let next_name = |mut i: usize| {
        while i < words.len() && SKIPPED.contains(&words[i].to_ascii_uppercase().as_str()) {
            i += 1;
        }
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
            let on = words[i + 1..]
                .iter()
                .position(|w| w.eq_ignore_ascii_case("ON"))
                .map(|offset| i + 1 + offset);
            if let Some(table) = on.and_then(|on| words.get(on + 1)) {
                tables.push(table.to_string());
            }
        }
    }
    tables
}

/// Tables a piece of SQL creates.
pub(crate) fn created_tables(sql: &str) -> Vec<String> {
    let words: Vec<&str> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|word| !word.is_empty())
        .collect();
    let mut tables = Vec::new();
    for (i, pair) in words.windows(2).enumerate() {
        if pair[0].eq_ignore_ascii_case("CREATE")
            && pair[1].eq_ignore_ascii_case("TABLE")
            && let Some(name) = words[i + 2..]
                .iter()
                .find(|w| !SKIPPED.contains(&w.to_ascii_uppercase().as_str()))
        {
            tables.push(name.to_string());
        }
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_strings_are_split_from_code() {
        let (code, literals) = split_rust(
            "// TaskRepository\nlet x = \"SELECT * FROM tasks\"; /* TaskRepository */ let c = '\"';\nuse a::TaskRepository;",
        );
        assert!(!code.lines().next().unwrap_or("").contains("TaskRepository"));
        assert_eq!(code.lines().count(), 3);
        assert!(code.lines().nth(2).unwrap_or("").contains("TaskRepository"));
        assert_eq!(literals, vec!["SELECT * FROM tasks".to_string()]);
    }

    #[test]
    fn tables_are_found_in_sql() {
        assert_eq!(
            referenced_tables("SELECT a FROM tasks WHERE x IN (SELECT 1) JOIN users u"),
            vec!["tasks", "users"]
        );
        assert_eq!(
            created_tables("CREATE TABLE IF NOT EXISTS tasks_tasks (id INTEGER)"),
            vec!["tasks_tasks"]
        );
        assert!(!looks_like_sql("must be an integer from 1 to 100"));
    }

    #[test]
    fn pub_crate_is_one_word() {
        assert_eq!(
            words("pub(crate) mod repository;"),
            vec!["pub(crate)", "mod", "repository"]
        );
        assert_eq!(
            words("TaskService::new(x)"),
            vec!["TaskService", "new", "x"]
        );
    }
}
