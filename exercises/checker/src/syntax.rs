//! Reading the learner's Rust with `syn`: what is declared where, with which visibility, and
//! which paths the code names. Comments are not part of the syntax tree and a string literal
//! is a literal, never a name, so neither can satisfy or fail a check.

use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use syn::{
    Item, UseTree, Visibility,
    spanned::Spanned,
    visit::{self, Visit},
};

use crate::kit;

/// One parsed `.rs` file of the crate.
pub struct RustFile {
    /// Relative to the crate: `src/tasks/mod.rs`.
    pub relative: String,
    /// Relative to the repository, for messages.
    pub shown: String,
    pub ast: syn::File,
}

/// Every `.rs` file under the crate's `src/`, parsed. A file that does not parse is an error
/// (the crate builds, so only a file it does not compile can fail here).
pub fn read_crate(dir: &Path) -> Result<Vec<RustFile>, String> {
    let root = kit::workspace_root();
    let dir_canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut files = Vec::new();
    for (path, text) in kit::sources(&dir.join("src")) {
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        let relative = canonical
            .strip_prefix(&dir_canonical)
            .unwrap_or(&canonical)
            .to_string_lossy()
            .replace('\\', "/");
        let shown = canonical
            .strip_prefix(&root)
            .unwrap_or(&canonical)
            .to_string_lossy()
            .replace('\\', "/");
        let ast = syn::parse_file(&text).map_err(|error| {
            format!(
                "{shown}:{}: cannot be read as Rust: {error}",
                error.span().start().line
            )
        })?;
        files.push(RustFile {
            relative,
            shown,
            ast,
        });
    }
    Ok(files)
}

/// A file the crate compiles from a path its code names: a `#[path = "..."]` module, or an
/// `include!` (also `include_str!`, `include_bytes!`), resolved as rustc resolves it.
#[derive(Debug)]
pub struct CompiledFile {
    /// Where it is named, for messages: `exercises/05-survive-failure/starter/src/main.rs:31`.
    pub named_at: String,
    /// The file, canonical when it exists.
    pub target: std::path::PathBuf,
}

/// Every file `files` (the crate's own, from [`read_crate`]) compile from a path they name.
/// A `#[path]` inside an inline module is relative to that module's folder, as rustc has it.
pub fn compiled_files(dir: &Path, files: &[RustFile]) -> Vec<CompiledFile> {
    struct Finder<'a> {
        file: &'a RustFile,
        /// The folder `#[path]` and `include!` are relative to, with inline modules pushed.
        folder: std::path::PathBuf,
        found: Vec<CompiledFile>,
    }
    impl Finder<'_> {
        fn add(&mut self, literal: &str, line: usize) {
            let target = self.folder.join(literal);
            self.found.push(CompiledFile {
                named_at: format!("{}:{line}", self.file.shown),
                target: target.canonicalize().unwrap_or(target),
            });
        }
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
            for attribute in &module.attrs {
                if attribute.path().is_ident("path")
                    && let syn::Meta::NameValue(pair) = &attribute.meta
                    && let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(literal),
                        ..
                    }) = &pair.value
                {
                    self.add(&literal.value(), line_of(literal.span()));
                }
            }
            if module.content.is_some() {
                self.folder.push(module.ident.to_string());
                visit::visit_item_mod(self, module);
                self.folder.pop();
            }
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let name = mac.path.segments.last().map(|s| s.ident.to_string());
            if matches!(
                name.as_deref(),
                Some("include" | "include_str" | "include_bytes")
            ) {
                match mac.parse_body::<syn::LitStr>() {
                    Ok(literal) => self.add(&literal.value(), line_of(literal.span())),
                    // `concat!(env!("OUT_DIR"), ...)` and the like: nobody can say which file.
                    Err(_) => self.found.push(CompiledFile {
                        named_at: format!("{}:{}", self.file.shown, line_of(mac.path.span())),
                        target: "(a path computed while compiling)".into(),
                    }),
                }
            }
            visit::visit_macro(self, mac);
        }
    }
    let mut found = Vec::new();
    for file in files {
        let folder = dir
            .join(&file.relative)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.to_path_buf());
        let mut finder = Finder {
            file,
            folder,
            found: Vec::new(),
        };
        finder.visit_file(&file.ast);
        found.extend(finder.found);
    }
    found
}

/// `src/<name>.rs` or anything under `src/<name>/`.
pub fn in_module(relative: &str, name: &str) -> bool {
    relative == format!("src/{name}.rs") || relative.starts_with(&format!("src/{name}/"))
}

/// The root file of module `name` among `files`: `src/<name>/mod.rs` or `src/<name>.rs`.
pub fn module_root<'a>(files: &'a [RustFile], name: &str) -> Option<&'a RustFile> {
    files.iter().find(|file| {
        file.relative == format!("src/{name}/mod.rs") || file.relative == format!("src/{name}.rs")
    })
}

/// Anything but private: `pub`, `pub(crate)`, `pub(super)`, `pub(in ...)`.
pub fn is_visible(visibility: &Visibility) -> bool {
    !matches!(visibility, Visibility::Inherited)
}

/// The line a piece of syntax starts on.
pub fn line_of(span: proc_macro2::Span) -> usize {
    span.start().line
}

/// One name a `use` brings in: `local` is the name in scope (`*` for a glob), `path` what it
/// stands for.
#[derive(Clone, Debug)]
pub struct Import {
    pub local: String,
    pub path: Vec<String>,
    pub visible: bool,
    pub line: usize,
}

/// Every `use` of a list of items (a file or an inline module), flattened.
pub fn imports(items: &[Item]) -> Vec<Import> {
    let mut found = Vec::new();
    for item in items {
        if let Item::Use(item_use) = item {
            flatten_use(
                &item_use.tree,
                &mut Vec::new(),
                is_visible(&item_use.vis),
                line_of(item_use.use_token.span),
                &mut found,
            );
        }
    }
    found
}

fn flatten_use(
    tree: &UseTree,
    prefix: &mut Vec<String>,
    visible: bool,
    line: usize,
    found: &mut Vec<Import>,
) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten_use(&path.tree, prefix, visible, line, found);
            prefix.pop();
        }
        UseTree::Name(name) => {
            let mut path = prefix.clone();
            path.push(name.ident.to_string());
            let local = if name.ident == "self" {
                prefix.last().cloned().unwrap_or_default()
            } else {
                name.ident.to_string()
            };
            found.push(Import {
                local,
                path,
                visible,
                line,
            });
        }
        UseTree::Rename(rename) => {
            let mut path = prefix.clone();
            path.push(rename.ident.to_string());
            found.push(Import {
                local: rename.rename.to_string(),
                path,
                visible,
                line,
            });
        }
        UseTree::Glob(_) => found.push(Import {
            local: "*".into(),
            path: prefix.clone(),
            visible,
            line,
        }),
        UseTree::Group(group) => {
            for tree in &group.items {
                flatten_use(tree, prefix, visible, line, found);
            }
        }
    }
}

/// What a file's code names: every path (with its line), and every string literal, including
/// those inside macro calls (`sqlx::query!("...")`, `format!(...)`).
#[derive(Default)]
pub struct Names {
    pub paths: Vec<(Vec<String>, usize)>,
    pub strings: Vec<(String, usize)>,
}

impl Names {
    pub fn of(file: &syn::File) -> Self {
        let mut names = Names::default();
        names.visit_file(file);
        for import in imports(&file.ast_items()) {
            names.paths.push((import.path, import.line));
        }
        names
    }

    /// The paths of the code, each with its first segment replaced by what a `use` of the
    /// same file says it stands for (`m::rate_limit` with `use service_kit::middleware as m`
    /// is `service_kit::middleware::rate_limit`).
    pub fn resolved_paths(&self, file: &syn::File) -> Vec<(Vec<String>, usize)> {
        let imports = imports(&file.ast_items());
        self.paths
            .iter()
            .map(|(path, line)| {
                let first = path.first().cloned().unwrap_or_default();
                match imports
                    .iter()
                    .find(|import| import.local == first && import.path.len() > 1)
                {
                    Some(import) => {
                        let mut resolved = import.path.clone();
                        resolved.extend(path.iter().skip(1).cloned());
                        (resolved, *line)
                    }
                    None => (path.clone(), *line),
                }
            })
            .collect()
    }

    /// Every identifier the code names, anywhere in a path.
    pub fn mentions(&self, ident: &str) -> Vec<usize> {
        self.paths
            .iter()
            .filter(|(path, _)| path.iter().any(|segment| segment == ident))
            .map(|(_, line)| *line)
            .collect()
    }
}

/// `file.items`, for helpers that take a slice.
trait Items {
    fn ast_items(&self) -> Vec<Item>;
}

impl Items for syn::File {
    fn ast_items(&self) -> Vec<Item> {
        let mut items = self.items.clone();
        // Inline modules' uses count too (`mod inner { use ...; }`).
        for item in &self.items {
            if let Item::Mod(module) = item
                && let Some((_, inner)) = &module.content
            {
                items.extend(inner.iter().cloned());
            }
        }
        items
    }
}

impl<'ast> Visit<'ast> for Names {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        self.paths
            .push((segments, line_of(path.segments[0].ident.span())));
        visit::visit_path(self, path);
    }

    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        self.strings
            .push((literal.value(), line_of(literal.span())));
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.tokens(mac.tokens.clone());
    }

    fn visit_attribute(&mut self, _attribute: &'ast syn::Attribute) {
        // Attributes (doc comments included) are not code that runs.
    }
}

impl Names {
    /// Paths (`a::b::c`) and string literals inside a macro call's tokens.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Ident(ident) => {
                    let line = line_of(ident.span());
                    let mut path = vec![ident.to_string()];
                    let mut j = i + 1;
                    let colon = |k: usize| matches!(trees.get(k), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                    while colon(j) && colon(j + 1) {
                        let Some(TokenTree::Ident(next)) = trees.get(j + 2) else {
                            break;
                        };
                        path.push(next.to_string());
                        j += 3;
                    }
                    self.paths.push((path, line));
                    i = j;
                    continue;
                }
                TokenTree::Literal(literal) => {
                    if let Ok(string) = syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                        self.strings.push((string.value(), line_of(literal.span())));
                    }
                }
                TokenTree::Group(group) => self.tokens(group.stream()),
                TokenTree::Punct(_) => {}
            }
            i += 1;
        }
    }
}

/// The items of a file, with those of its inline modules.
pub fn items_of(file: &syn::File) -> Vec<Item> {
    file.ast_items()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> syn::File {
        syn::parse_file(text).expect("valid Rust")
    }

    #[test]
    fn files_compiled_in_place_are_found_where_rustc_finds_them() {
        let dir = Path::new("/nowhere/crate");
        let file = RustFile {
            relative: "src/main.rs".into(),
            shown: "crate/src/main.rs".into(),
            ast: parse(
                "#[path = \"../../other/x.rs\"] mod a;\n\
                 mod b { #[path = \"y.rs\"] mod c; }\n\
                 // #[path = \"in/a/comment.rs\"] mod d;\n\
                 fn f() { let _ = include_str!(\"z.txt\"); }\n\
                 include!(concat!(env!(\"OUT_DIR\"), \"/answer.rs\"));\n",
            ),
        };
        let found: Vec<String> = compiled_files(dir, &[file])
            .iter()
            .map(|file| format!("{} {}", file.named_at, file.target.display()))
            .collect();
        assert_eq!(
            found,
            [
                "crate/src/main.rs:1 /nowhere/crate/src/../../other/x.rs",
                "crate/src/main.rs:2 /nowhere/crate/src/b/y.rs",
                "crate/src/main.rs:4 /nowhere/crate/src/z.txt",
                "crate/src/main.rs:5 (a path computed while compiling)",
            ]
        );
    }

    #[test]
    fn comments_and_strings_are_never_names() {
        let file = parse(
            "// uses TaskRepository\n/// TaskRepository\nfn f() { let s = \"TaskRepository\"; }\n",
        );
        assert!(Names::of(&file).mentions("TaskRepository").is_empty());
        let file = parse("fn f() { let r = crate::tasks::TaskRepository::new(); }");
        assert_eq!(Names::of(&file).mentions("TaskRepository"), vec![1]);
    }

    #[test]
    fn macro_arguments_are_read() {
        let file = parse(
            "fn f() { let q = sqlx::query!(\"SELECT * FROM tasks\"); let v = vec![a::TaskRepository::new()]; }",
        );
        let names = Names::of(&file);
        assert!(
            names
                .strings
                .iter()
                .any(|(s, _)| s == "SELECT * FROM tasks")
        );
        assert!(!names.mentions("TaskRepository").is_empty());
    }

    #[test]
    fn uses_are_flattened_and_resolved() {
        let file = parse(
            "pub use repository::{TaskRepository as Repo, *};\nuse service_kit::middleware as m;\nfn f() { m::rate_limit(); }",
        );
        let found = imports(&file.items);
        assert!(found.iter().any(|i| i.local == "Repo" && i.visible));
        assert!(
            found
                .iter()
                .any(|i| i.local == "*" && i.path == ["repository"])
        );
        let names = Names::of(&file);
        let resolved = names.resolved_paths(&file);
        assert!(
            resolved
                .iter()
                .any(|(path, _)| path == &["service_kit", "middleware", "rate_limit"])
        );
    }
}
