//! Compile probes: does a module's facade hand out its insides?
//!
//! Names alone cannot tell. A facade can leak its repository through a `pub type` alias, a
//! glob or renamed `pub use`, `Deref`, an accessor (sync or async, returning a reference, a
//! clone, an `Arc`, an `Option` or a `Result`), a public field, or a method that hands the
//! repository to a closure. The compiler knows; so the probe asks it.
//!
//! `syn` lists what the module declares: its inside types (the structs whose name ends in
//! `Repository` or `Service`), the methods only they have, and the facade's public surface.
//! For every way in, the probe writes a small function into a scratch copy of the learner's
//! crate (a module of the crate root, so `pub(crate)` counts as public, as it does for the
//! rest of the application) that tries to call an inside-only method through it. Then it
//! compiles the copy once: every probe function that compiles is a way in. A control function
//! that only names the facade must compile, or the probe proves nothing.

use std::{collections::BTreeSet, fmt::Write};

use serde_json::Value;
use syn::{FnArg, GenericParam, ImplItem, Item, Type, TypeParamBound, WherePredicate};

use crate::{
    kit::{self, Subject},
    scratch,
    syntax::{self, RustFile},
};

/// The module file the probe is written to (inside the scratch copy).
const PROBE_FILE: &str = "src/seam_probe.rs";

/// What the probe found: each way in that compiled, in the learner's words.
pub async fn facade_leaks(
    subject: &Subject,
    module: &str,
    facade: &str,
) -> Result<Vec<String>, String> {
    let files = syntax::read_crate(&subject.dir)?;
    let module_files: Vec<&RustFile> = files
        .iter()
        .filter(|file| syntax::in_module(&file.relative, module))
        .collect();
    let inside_types = inside_types(&module_files, facade);
    if inside_types.is_empty() {
        return Err(format!(
            "the {module} module declares no repository or service type (a struct named …Repository \
             or …Service) to keep inside"
        ));
    }
    let facade_methods = methods_of(&module_files, facade);
    let facade_names: BTreeSet<String> = facade_methods.iter().map(|m| m.name.clone()).collect();
    let mut inside: Vec<Method> = inside_types
        .iter()
        .flat_map(|inside| methods_of(&module_files, inside))
        .filter(|method| !COMMON.contains(&method.name.as_str()))
        .collect();
    inside.sort_by(|a, b| a.name.cmp(&b.name));
    inside.dedup_by(|a, b| a.name == b.name);
    // On the facade itself (Deref), and on a path that might be the facade renamed, only a
    // method the facade does not have proves anything.
    let distinct: Vec<&Method> = inside
        .iter()
        .filter(|method| !facade_names.contains(&method.name))
        .collect();
    // On a value a facade method returns, which may be a `Vec` or an `Option`, only a method no
    // standard type has proves anything.
    let unusual: Vec<&Method> = inside
        .iter()
        .filter(|method| method.receiver && !STANDARD.contains(&method.name.as_str()))
        .collect();

    let facade_path = format!("crate::{module}::{facade}");
    let mut probes = Probes::default();
    probes.control(&format!("fn control(_: &{facade_path}) {{}}"));

    // Deref (and DerefMut) to an inside: the inside's own methods on the facade itself.
    for method in distinct.iter().filter(|m| m.receiver) {
        probes.add(
            format!(
                "`{facade}` derefs to an inside: `{}` is callable on the facade",
                method.name
            ),
            format!("fn p(f: &{facade_path}) {{ let _ = f.{}; }}", call(method)),
        );
    }
    // Fields that are not private.
    for field in facade_fields(&module_files, facade) {
        for method in &unusual {
            probes.add(
                format!("the field `{facade}.{field}` is visible and holds an inside"),
                format!(
                    "fn p(f: &{facade_path}) {{ let _ = f.{field}.{}; }}",
                    call(method)
                ),
            );
        }
    }
    // Methods: what they return (sync or async; a reference, a clone, an Arc, an Option, a
    // Result), and what they hand to a closure.
    for method in facade_methods.iter().filter(|m| m.visible) {
        let arguments = vec!["todo!()".to_string(); method.closures.len()];
        let invoke = |arguments: &[String]| {
            if method.receiver {
                format!("f.{}({})", method.name, arguments.join(", "))
            } else {
                format!("{facade_path}::{}({})", method.name, arguments.join(", "))
            }
        };
        for inner in &unusual {
            let what = format!(
                "`{facade}::{}` hands out an inside: `{}` is callable on what it returns",
                method.name, inner.name
            );
            // A constructor returns the facade itself, whose own methods prove nothing.
            let returns_facade = method
                .output
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == "Self" || word == facade);
            let variants: &[(&str, &str)] = if returns_facade {
                &[]
            } else {
                &[("", ""), ("async ", ".await")]
            };
            for &(asynchronous, await_) in variants {
                for open in [
                    format!("let _ = x.{};", call(inner)),
                    format!("if let Some(v) = x {{ let _ = v.{}; }}", call(inner)),
                    format!("if let Ok(v) = x {{ let _ = v.{}; }}", call(inner)),
                ] {
                    probes.add(
                        what.clone(),
                        format!(
                            "{asynchronous}fn p(f: &{facade_path}) {{ let x = {}{await_}; {open} }}",
                            invoke(&arguments)
                        ),
                    );
                }
            }
            for (position, closure) in method.closures.iter().enumerate() {
                let Some(arity) = closure else { continue };
                let mut with_closure = arguments.clone();
                let parameters: Vec<String> = (0..*arity).map(|i| format!("a{i}")).collect();
                let uses: String = parameters
                    .iter()
                    .map(|p| format!("let _ = {p}.{};", call(inner)))
                    .collect();
                with_closure[position] =
                    format!("|{}| {{ {uses} todo!() }}", parameters.join(", "));
                probes.add(
                    format!(
                        "`{facade}::{}` hands an inside to its closure: `{}` is callable on the closure's argument",
                        method.name, inner.name
                    ),
                    format!("fn p(f: &{facade_path}) {{ let _ = {}; }}", invoke(&with_closure)),
                );
            }
        }
    }
    // Paths: every name the module makes public (declared, `pub use`d, renamed, globbed, in a
    // public submodule), tried as an inside type.
    for path in public_paths(&files, module) {
        if path == format!("{module}::{facade}") {
            continue;
        }
        for method in distinct
            .iter()
            .filter(|m| !STANDARD.contains(&m.name.as_str()))
        {
            probes.add(
                format!(
                    "`{path}` names an inside: its `{}` is reachable",
                    method.name
                ),
                format!("fn p() {{ let _ = <crate::{path}>::{}; }}", method.name),
            );
        }
    }

    probes.run(subject).await
}

/// Methods every type may have; an inside having them proves nothing.
const COMMON: [&str; 6] = ["clone", "fmt", "eq", "default", "into", "from"];

/// Methods standard types have (`Vec`, slices, `Option`, `Result`, maps, iterators): a
/// facade's own return values may have them too.
const STANDARD: [&str; 40] = [
    "insert",
    "remove",
    "get",
    "get_mut",
    "find",
    "push",
    "pop",
    "len",
    "is_empty",
    "iter",
    "iter_mut",
    "map",
    "contains",
    "contains_key",
    "clear",
    "extend",
    "first",
    "last",
    "sort",
    "retain",
    "take",
    "split",
    "join",
    "filter",
    "count",
    "max",
    "min",
    "sum",
    "unwrap",
    "expect",
    "ok",
    "err",
    "and",
    "or",
    "as_ref",
    "as_mut",
    "to_string",
    "to_owned",
    "entry",
    "drain",
];

fn call(method: &Method) -> String {
    let arguments = vec!["todo!()"; method.closures.len()];
    format!("{}({})", method.name, arguments.join(", "))
}

/// Structs declared in the module whose names end in `Repository` or `Service`.
fn inside_types(files: &[&RustFile], facade: &str) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        for item in syntax::items_of(&file.ast) {
            if let Item::Struct(item) = item {
                let name = item.ident.to_string();
                if name != facade && (name.ends_with("Repository") || name.ends_with("Service")) {
                    found.push(name);
                }
            }
        }
    }
    found
}

/// An inherent method: name, receiver, visibility, and per argument (after `self`)
/// `Some(arity)` when it is a closure (`impl Fn(A, B)` or a type parameter bounded by `Fn*`).
#[derive(Clone, Debug)]
struct Method {
    name: String,
    receiver: bool,
    visible: bool,
    closures: Vec<Option<usize>>,
    /// The return type, as tokens (`Self` for a constructor).
    output: String,
}

fn methods_of(files: &[&RustFile], type_name: &str) -> Vec<Method> {
    let mut found = Vec::new();
    for file in files {
        for item in syntax::items_of(&file.ast) {
            let Item::Impl(block) = item else { continue };
            if block.trait_.is_some() || !names_type(&block.self_ty, type_name) {
                continue;
            }
            for impl_item in &block.items {
                let ImplItem::Fn(function) = impl_item else {
                    continue;
                };
                let signature = &function.sig;
                let bounded = closure_params(&signature.generics);
                let receiver = signature.receiver().is_some();
                let closures = signature
                    .inputs
                    .iter()
                    .filter_map(|input| match input {
                        FnArg::Receiver(_) => None,
                        FnArg::Typed(typed) => Some(closure_arity(&typed.ty, &bounded)),
                    })
                    .collect::<Vec<_>>();
                found.push(Method {
                    name: signature.ident.to_string(),
                    receiver,
                    visible: syntax::is_visible(&function.vis),
                    closures,
                    output: quote::ToTokens::to_token_stream(&signature.output).to_string(),
                });
            }
        }
    }
    found
}

fn names_type(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == name),
        _ => false,
    }
}

/// Type parameters bounded by `Fn`, `FnMut` or `FnOnce`, with the closure's arity.
fn closure_params(generics: &syn::Generics) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for parameter in &generics.params {
        if let GenericParam::Type(parameter) = parameter
            && let Some(arity) = fn_bound_arity(parameter.bounds.iter())
        {
            found.push((parameter.ident.to_string(), arity));
        }
    }
    if let Some(clause) = &generics.where_clause {
        for predicate in &clause.predicates {
            if let WherePredicate::Type(predicate) = predicate
                && let Type::Path(path) = &predicate.bounded_ty
                && let Some(ident) = path.path.get_ident()
                && let Some(arity) = fn_bound_arity(predicate.bounds.iter())
            {
                found.push((ident.to_string(), arity));
            }
        }
    }
    found
}

fn fn_bound_arity<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<usize> {
    bounds.find_map(|bound| match bound {
        TypeParamBound::Trait(bound) => bound.path.segments.last().and_then(|segment| {
            let is_fn = ["Fn", "FnMut", "FnOnce"].contains(&segment.ident.to_string().as_str());
            match (&segment.arguments, is_fn) {
                (syn::PathArguments::Parenthesized(arguments), true) => {
                    Some(arguments.inputs.len())
                }
                _ => None,
            }
        }),
        _ => None,
    })
}

fn closure_arity(ty: &Type, closures: &[(String, usize)]) -> Option<usize> {
    match ty {
        Type::ImplTrait(bounds) => fn_bound_arity(bounds.bounds.iter()),
        Type::Path(path) => path
            .path
            .get_ident()
            .and_then(|ident| closures.iter().find(|(name, _)| ident == name))
            .map(|(_, arity)| *arity),
        _ => None,
    }
}

/// The facade's fields that are not private: names, or tuple indexes.
fn facade_fields(files: &[&RustFile], facade: &str) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        for item in syntax::items_of(&file.ast) {
            if let Item::Struct(item) = item
                && item.ident == facade
            {
                for (index, field) in item.fields.iter().enumerate() {
                    if syntax::is_visible(&field.vis) {
                        found.push(
                            field
                                .ident
                                .as_ref()
                                .map_or(index.to_string(), ToString::to_string),
                        );
                    }
                }
            }
        }
    }
    found
}

/// Every path below `module` a name may be public at: `module::Name` for every visible item
/// and every visible `use` (its local name; a glob brings the visible items of the module it
/// names), and `module::sub::Name` for a visible submodule.
fn public_paths(files: &[RustFile], module: &str) -> BTreeSet<String> {
    let declared = |file: &RustFile| -> Vec<String> {
        syntax::items_of(&file.ast)
            .iter()
            .filter_map(|item| match item {
                Item::Struct(i) if syntax::is_visible(&i.vis) => Some(i.ident.to_string()),
                Item::Enum(i) if syntax::is_visible(&i.vis) => Some(i.ident.to_string()),
                Item::Type(i) if syntax::is_visible(&i.vis) => Some(i.ident.to_string()),
                Item::Trait(i) if syntax::is_visible(&i.vis) => Some(i.ident.to_string()),
                _ => None,
            })
            .collect()
    };
    let file_of = |sub: &str| {
        files.iter().find(|file| {
            file.relative == format!("src/{module}/{sub}.rs")
                || file.relative == format!("src/{module}/{sub}/mod.rs")
        })
    };
    let mut paths = BTreeSet::new();
    let Some(root) = syntax::module_root(files, module) else {
        return paths;
    };
    for name in declared(root) {
        paths.insert(format!("{module}::{name}"));
    }
    for import in syntax::imports(&root.ast.items)
        .into_iter()
        .filter(|import| import.visible)
    {
        if import.local == "*" {
            let sub = import
                .path
                .iter()
                .rev()
                .find(|segment| !["self", "super", "crate"].contains(&segment.as_str()));
            if let Some(file) = sub.and_then(|sub| file_of(sub)) {
                for name in declared(file) {
                    paths.insert(format!("{module}::{name}"));
                }
            }
        } else {
            paths.insert(format!("{module}::{}", import.local));
        }
    }
    for item in &root.ast.items {
        if let Item::Mod(sub) = item
            && syntax::is_visible(&sub.vis)
            && let Some(file) = file_of(&sub.ident.to_string())
        {
            for name in declared(file) {
                paths.insert(format!("{module}::{}::{name}", sub.ident));
            }
        }
    }
    paths
}

/// The probe functions, each on its own lines, and what each one proves when it compiles.
#[derive(Default)]
struct Probes {
    source: String,
    /// (first line, last line, what it proves)
    ranges: Vec<(usize, usize, String)>,
    control: Option<(usize, usize)>,
}

impl Probes {
    fn line(&self) -> usize {
        self.source.lines().count() + 1
    }

    fn push(&mut self, function: &str, name: &str) -> (usize, usize) {
        let first = self.line();
        let function = function.replacen("fn p(", &format!("fn {name}("), 1);
        let function = function.replacen("fn control(", &format!("fn {name}("), 1);
        let _ = writeln!(self.source, "{function}");
        (first, self.line() - 1)
    }

    fn control(&mut self, function: &str) {
        self.control = Some(self.push(function, "control"));
    }

    fn add(&mut self, what: String, function: String) {
        let name = format!("probe_{}", self.ranges.len());
        let (first, last) = self.push(&function, &name);
        self.ranges.push((first, last, what));
    }

    /// Compiles the probes into a scratch copy of `subject` (its library); what compiled.
    async fn run(self, subject: &Subject) -> Result<Vec<String>, String> {
        // A scratch copy already (a fixture) is probed in place and restored afterwards.
        let in_place = subject.dir == scratch::scratch_dir(subject.number);
        let copy = if in_place {
            subject.clone()
        } else {
            scratch::copy_of(subject.number, &subject.dir, "probe")?
        };
        let header = "// Written by the exercise checker: each function tries one way past the facade.\n\
                      #![allow(unused, unreachable_code, unused_must_use, clippy::all)]\n";
        let offset = header.lines().count();
        let probe_file = copy.dir.join(PROBE_FILE);
        std::fs::write(&probe_file, format!("{header}{}", self.source))
            .map_err(|error| format!("cannot write the probe: {error}"))?;
        let lib = copy.dir.join("src/lib.rs");
        let original = std::fs::read_to_string(&lib)
            .map_err(|error| format!("the crate has no src/lib.rs to probe: {error}"))?;
        std::fs::write(&lib, format!("{original}\nmod seam_probe;\n"))
            .map_err(|error| format!("cannot write {}: {error}", lib.display()))?;
        let output = kit::cargo_lib_messages(&copy).await;
        if in_place {
            let _ = std::fs::write(&lib, original);
            let _ = std::fs::remove_file(&probe_file);
        }
        let output = output?;
        let mut failing_lines = BTreeSet::new();
        for line in output.lines() {
            let Ok(message) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
                continue;
            }
            for span in message["message"]["spans"].as_array().into_iter().flatten() {
                if span["file_name"]
                    .as_str()
                    .is_some_and(|file| file.ends_with("seam_probe.rs"))
                    && let Some(line) = span["line_start"].as_u64()
                {
                    failing_lines.insert(line as usize - offset);
                }
            }
        }
        let compiled = |(first, last): (usize, usize)| {
            !failing_lines.iter().any(|l| (first..=last).contains(l))
        };
        if let Some(control) = self.control
            && !compiled(control)
        {
            return Err(
                "the probe cannot name the facade at its module's root (`crate::<module>::<Facade>`): \
                 export the facade from the module's mod.rs"
                    .into(),
            );
        }
        let mut leaks: Vec<String> = self
            .ranges
            .into_iter()
            .filter(|(first, last, _)| compiled((*first, *last)))
            .map(|(_, _, what)| what)
            .collect();
        leaks.dedup();
        Ok(leaks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_arguments_are_recognised() {
        let function: syn::ImplItemFn = syn::parse_str(
            "pub fn with<F: FnOnce(&TaskRepository) -> R, R>(&self, f: F, g: impl Fn(u8, u8)) -> R { todo!() }",
        )
        .expect("valid Rust");
        let closures = closure_params(&function.sig.generics);
        assert_eq!(closures, vec![("F".to_string(), 1)]);
        let arities: Vec<Option<usize>> = function
            .sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(typed) => Some(closure_arity(&typed.ty, &closures)),
                FnArg::Receiver(_) => None,
            })
            .collect();
        assert_eq!(arities, vec![Some(1), Some(2)]);
    }
}
