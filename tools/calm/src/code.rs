//! Facts read from the Rust source with `syn`: what the compiler would see, not what a comment
//! or a line of text says.
//!
//! - [`seams`]: in the modular monolith, the app implements a module's *need* (a trait the
//!   module declares, `stats::TaskCounts`) with an adapter around another module's *facade*
//!   (`tasks::TasksApi`). That is a call between modules, and the only kind there is.
//! - [`facades`]: the facade each module exposes, as the app holds it in `AppState`.
//! - [`data_modules`]: the modules whose schema the app migrates and attaches
//!   (`MODULE_SCHEMAS`): the only modules that reach the database.
//! - [`jwt_algorithms`]: every `jsonwebtoken::Algorithm::X` a crate names.
//! - [`names_type`]: whether a crate names a type at all (a module reaching past a seam).
//!
//! Test code (`#[cfg(test)]` modules, `#[test]` functions) is skipped everywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use syn::visit::Visit;
use syn::{Attribute, Expr, Fields, Item, Type, UseTree};

/// One seam of the modular monolith: `adapter` implements `needs::trait_name` by calling
/// `provides::facade`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seam {
    /// The crate that declares the trait: the module that needs something.
    pub needs: String,
    pub trait_name: String,
    /// The crate whose facade answers it: the module that provides it.
    pub provides: String,
    pub facade: String,
    pub adapter: String,
}

/// A parsed file and its `use` declarations: each imported name and the path it stands for.
struct Source {
    file: syn::File,
    imports: BTreeMap<String, Vec<String>>,
}

impl Source {
    fn read(path: &Path) -> anyhow::Result<Self> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let file =
            syn::parse_file(&text).with_context(|| format!("cannot parse {}", path.display()))?;
        let mut imports = BTreeMap::new();
        for item in &file.items {
            if let Item::Use(item) = item {
                collect_imports(&item.tree, &mut Vec::new(), &mut imports);
            }
        }
        Ok(Self { file, imports })
    }

    /// The crate a path written in this file starts from: `tasks` for `tasks::TasksApi`, and
    /// for `TasksApi` alone, the crate its `use` names.
    fn crate_of(&self, path: &syn::Path) -> Option<String> {
        let first = path.segments.first()?.ident.to_string();
        if path.segments.len() > 1 {
            return Some(match self.imports.get(&first) {
                Some(imported) => imported.first()?.clone(),
                None => first,
            });
        }
        self.imports.get(&first)?.first().cloned()
    }

    /// Items outside test code.
    fn items(&self) -> impl Iterator<Item = &Item> {
        self.file
            .items
            .iter()
            .filter(|item| !is_test_item(item_attributes(item)))
    }
}

fn collect_imports(
    tree: &UseTree,
    prefix: &mut Vec<String>,
    imports: &mut BTreeMap<String, Vec<String>>,
) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            collect_imports(&path.tree, prefix, imports);
            prefix.pop();
        }
        UseTree::Name(name) => {
            let mut full = prefix.clone();
            full.push(name.ident.to_string());
            imports.insert(name.ident.to_string(), full);
        }
        UseTree::Rename(rename) => {
            let mut full = prefix.clone();
            full.push(rename.ident.to_string());
            imports.insert(rename.rename.to_string(), full);
        }
        UseTree::Group(group) => {
            for tree in &group.items {
                collect_imports(tree, prefix, imports);
            }
        }
        UseTree::Glob(_) => {}
    }
}

fn item_attributes(item: &Item) -> &[Attribute] {
    match item {
        Item::Mod(item) => &item.attrs,
        Item::Fn(item) => &item.attrs,
        Item::Impl(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        Item::Const(item) => &item.attrs,
        Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

/// `#[cfg(test)]` or `#[test]`.
fn is_test_item(attributes: &[Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("test")
            || (attribute.path().is_ident("cfg")
                && attribute
                    .parse_args::<syn::Ident>()
                    .is_ok_and(|ident| ident == "test"))
    })
}

/// The last segment of a type written as a path (`Arc<X>` is not unwrapped: adapters and
/// state hold facades by value).
fn type_path(ty: &Type) -> Option<&syn::Path> {
    match ty {
        Type::Path(path) => Some(&path.path),
        _ => None,
    }
}

/// The seams wired in `file` (the app's `src/seams.rs`): every `impl Trait for Adapter` whose
/// trait comes from one crate and whose adapter wraps a type from another.
pub fn seams(file: &Path) -> anyhow::Result<Vec<Seam>> {
    let source = Source::read(file)?;
    // Adapter structs with one field: `struct TasksAsTaskCounts(pub TasksApi);`
    let mut wrapped: BTreeMap<String, (String, String)> = BTreeMap::new();
    for item in source.items() {
        if let Item::Struct(item) = item {
            let field = match &item.fields {
                Fields::Unnamed(fields) if fields.unnamed.len() == 1 => &fields.unnamed[0],
                Fields::Named(fields) if fields.named.len() == 1 => &fields.named[0],
                _ => continue,
            };
            if let Some(path) = type_path(&field.ty)
                && let (Some(krate), Some(last)) = (source.crate_of(path), path.segments.last())
            {
                wrapped.insert(item.ident.to_string(), (krate, last.ident.to_string()));
            }
        }
    }
    let mut seams = Vec::new();
    for item in source.items() {
        let Item::Impl(item) = item else { continue };
        let Some((_, trait_path, _)) = &item.trait_ else {
            continue;
        };
        let Some(adapter) = type_path(&item.self_ty)
            .and_then(|path| path.get_ident())
            .map(ToString::to_string)
        else {
            continue;
        };
        let (Some(needs), Some(trait_name), Some((provides, facade))) = (
            source.crate_of(trait_path),
            trait_path.segments.last(),
            wrapped.get(&adapter),
        ) else {
            continue;
        };
        seams.push(Seam {
            needs,
            trait_name: trait_name.ident.to_string(),
            provides: provides.clone(),
            facade: facade.clone(),
            adapter,
        });
    }
    seams.sort();
    Ok(seams)
}

/// The facades the app holds in `struct AppState` of `file` (`src/state.rs`): crate → type.
pub fn facades(file: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let source = Source::read(file)?;
    let mut facades = BTreeMap::new();
    for item in source.items() {
        let Item::Struct(item) = item else { continue };
        if item.ident != "AppState" {
            continue;
        }
        for field in &item.fields {
            if let Some(path) = type_path(&field.ty)
                && let (Some(krate), Some(last)) = (source.crate_of(path), path.segments.last())
            {
                facades.insert(krate, last.ident.to_string());
            }
        }
    }
    Ok(facades)
}

/// The crates named in `const MODULE_SCHEMAS` in any file of `src` (`[identity::SCHEMA,
/// tasks::SCHEMA]` → identity, tasks), or `None` when no file declares it.
pub fn data_modules(src: &Path) -> anyhow::Result<Option<BTreeSet<String>>> {
    for path in rust_files(src)? {
        let source = Source::read(&path)?;
        for item in source.items() {
            let Item::Const(item) = item else { continue };
            if item.ident != "MODULE_SCHEMAS" {
                continue;
            }
            let Expr::Array(array) = &*item.expr else {
                anyhow::bail!("{}: MODULE_SCHEMAS is not an array", path.display());
            };
            let mut crates = BTreeSet::new();
            for element in &array.elems {
                match element {
                    Expr::Path(path) => crates.extend(source.crate_of(&path.path)),
                    _ => anyhow::bail!(
                        "MODULE_SCHEMAS holds something other than a module's SCHEMA constant"
                    ),
                }
            }
            return Ok(Some(crates));
        }
    }
    Ok(None)
}

/// Every `Algorithm::X` of `jsonwebtoken` named in the source files of `dirs` (`HS256`).
pub fn jwt_algorithms(dirs: &[PathBuf]) -> anyhow::Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for dir in dirs {
        for path in rust_files(dir)? {
            let source = Source::read(&path)?;
            let mut visitor = Paths::default();
            for item in source.items() {
                visitor.visit_item(item);
            }
            for path in visitor.paths {
                let segments: Vec<String> = path
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect();
                if let [.., enum_name, variant] = segments.as_slice()
                    && enum_name == "Algorithm"
                    && source.crate_of(&path).as_deref() == Some("jsonwebtoken")
                {
                    found.insert(variant.clone());
                }
            }
        }
    }
    Ok(found)
}

/// Whether any source file under `src` names `type_name` in a path (a type, a call, a `use`).
pub fn names_type(src: &Path, type_name: &str) -> anyhow::Result<bool> {
    for path in rust_files(src)? {
        let source = Source::read(&path)?;
        let mut visitor = Paths::default();
        for item in source.items() {
            visitor.visit_item(item);
        }
        let named_in_use = source
            .imports
            .values()
            .any(|full| full.last().is_some_and(|last| last == type_name));
        if named_in_use
            || visitor.paths.iter().any(|path| {
                path.segments
                    .iter()
                    .any(|segment| segment.ident == type_name)
            })
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Collects every path outside test code.
#[derive(Default)]
struct Paths {
    paths: Vec<syn::Path>,
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.paths.push(path.clone());
        syn::visit::visit_path(self, path);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test_item(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_item(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    // Doc comments are attributes: what they say is not code.
    fn visit_attribute(&mut self, _: &'ast Attribute) {}
}

/// Every `.rs` file under `dir`, sorted (none if `dir` does not exist).
pub fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).expect("writable temp dir");
        path
    }

    #[test]
    fn a_seam_is_an_impl_of_one_crates_trait_around_anothers_type() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = write(
            dir.path(),
            "seams.rs",
            "use stats::{TaskCount, TaskCounts};\nuse tasks::TasksApi;\n\
             pub struct TasksAsTaskCounts(pub TasksApi);\n\
             impl TaskCounts for TasksAsTaskCounts {}\n\
             impl identity::Directory for TasksAsTaskCounts {}\n\
             #[cfg(test)] mod tests { struct Fake(tasks::TasksApi); impl stats::TaskCounts for Fake {} }\n",
        );
        let seams = seams(&file).expect("parsable");
        let pairs: Vec<(&str, &str)> = seams
            .iter()
            .map(|seam| (seam.needs.as_str(), seam.provides.as_str()))
            .collect();
        assert_eq!(pairs, [("identity", "tasks"), ("stats", "tasks")]);
        assert_eq!(seams[1].trait_name, "TaskCounts");
        assert_eq!(seams[1].facade, "TasksApi");
    }

    #[test]
    fn module_schemas_and_algorithms_are_read_from_the_code_not_comments() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(
            dir.path(),
            "database.rs",
            "/// stats::SCHEMA is not here\npub const MODULE_SCHEMAS: [&str; 2] = [identity::SCHEMA, tasks::SCHEMA];\n",
        );
        write(
            dir.path(),
            "jwt.rs",
            "use jsonwebtoken::{Algorithm, Header};\nuse argon2::Algorithm as Hash;\n\
             /// Algorithm::HS512 in a comment\nfn sign() { Header::new(Algorithm::HS256); let _ = Hash::Argon2id; }\n\
             #[cfg(test)] mod tests { fn t() { let _ = jsonwebtoken::Algorithm::HS384; } }\n",
        );
        let modules = data_modules(dir.path()).expect("parsable");
        assert_eq!(
            modules,
            Some(BTreeSet::from(["identity".into(), "tasks".into()]))
        );
        assert_eq!(
            jwt_algorithms(&[dir.path().to_path_buf()]).expect("parsable"),
            BTreeSet::from(["HS256".to_owned()])
        );
        assert!(names_type(dir.path(), "Header").expect("parsable"));
        assert!(!names_type(dir.path(), "HS512").expect("parsable"));
    }
}
