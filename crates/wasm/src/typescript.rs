//! The TypeScript declarations of every value that crosses the wasm boundary, generated from the
//! Rust types (`#[derive(TS)]`, ts-rs) into `npm/core/types/protocol.d.ts`, which `index.d.ts`
//! re-exports. The test fails when the checked-in file differs from what the types say now;
//! `UPDATE_TYPES=1 cargo test -p red_exec_wasm typescript` rewrites it.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use red_exec_core::pipeline::{Reply, RunInput};
use red_exec_core::skill::Skill;
use ts_rs::{Config, TS, TypeVisitor};

use super::{ModelInfo, Step};

const REGENERATE: &str = "UPDATE_TYPES=1 cargo test -p red_exec_wasm typescript";

/// Every declared type reachable from the boundary's own values, by TypeScript name.
#[derive(Default)]
struct Declarations {
    seen: HashSet<TypeId>,
    by_name: BTreeMap<String, (&'static str, String)>,
    clashes: Vec<String>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and containers have no declaration of their own; their contents are visited.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let cfg = config();
        let decl = format!("{}export {}", T::docs().unwrap_or_default(), T::decl(&cfg));
        let rust = std::any::type_name::<T>();
        if let Some((other, _)) = self.by_name.insert(T::ident(&cfg), (rust, decl)) {
            self.clashes.push(format!("{} is the TypeScript name of both {other} and {rust}", T::ident(&cfg)));
        }
        T::visit_dependencies(self);
    }
}

/// u64 values cross as JS numbers (serde-wasm-bindgen's json_compatible serializer), not bigints.
fn config() -> Config {
    Config::new().with_large_int("number")
}

fn render() -> String {
    let mut d = Declarations::default();
    // What `new Session(input)` takes, what `resume(reply)` takes and returns, and what the other
    // exports return (`knownModels()` values, `parseSkill()`); everything else is reached from these.
    d.visit::<RunInput>();
    d.visit::<Reply>();
    d.visit::<Step<'static>>();
    d.visit::<ModelInfo>();
    d.visit::<Skill>();
    assert!(d.clashes.is_empty(), "two Rust types would be declared under one TypeScript name (add #[ts(rename)]):\n{}", d.clashes.join("\n"));
    let mut out = String::from(
        "// Generated from the Rust types that cross the wasm boundary (`#[derive(TS)]`, ts-rs). Do not edit:\n",
    );
    out.push_str(&format!("// change the Rust types, then run `{REGENERATE}`.\n"));
    for (_, decl) in d.by_name.values() {
        out.push('\n');
        out.push_str(decl);
        out.push('\n');
    }
    out
}

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../npm/core/types/protocol.d.ts")
}

#[test]
fn checked_in_declarations_match_the_rust_types() {
    let path = checked_in();
    let generated = render();
    if std::env::var_os("UPDATE_TYPES").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let first = current.lines().zip(generated.lines()).position(|(a, b)| a != b);
        let line = first.unwrap_or_else(|| current.lines().count().min(generated.lines().count()));
        panic!(
            "{} differs from the Rust types (first difference at line {}):\n  checked in: {}\n  generated:  {}\nRegenerate it with: {REGENERATE}",
            path.display(),
            line + 1,
            current.lines().nth(line).unwrap_or("(end of file)"),
            generated.lines().nth(line).unwrap_or("(end of file)"),
        );
    }
}

/// `provider` is declared by hand (`#[ts(type)]`, the Rust field is a `&str`): it must name every
/// provider of the price table.
#[test]
fn model_info_declares_every_provider_of_the_price_table() {
    let decl = ModelInfo::decl(&config());
    for (model, provider, ..) in red_exec_core::report::PRICES {
        assert!(decl.contains(&format!("'{provider}'")), "{model}: provider {provider} missing from {decl}");
    }
}
