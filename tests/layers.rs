//! The crate's layers point one way (the diagram at the top of `src/lib.rs`): no module of
//! a lower layer names a module of a higher one, and siblings of one layer do not name each
//! other. A grep of the code (comments and doc comments aside) for `crate::<module>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, bottom to top; modules on one line are siblings. `error` and `sync` are the
/// foundation every layer may use; `lib.rs` (the crate root: re-exports, the macros'
/// `__private` paths, the DSLs' `dsl` module) sits above them all.
const LAYERS: &[&[&str]] = &[
    &["error", "sync"],
    &["raw"],
    &["executor"],
    &["time", "timeline"],
    &["mailbox", "object"],
    &["wire"],
    &["host"],
    &["actor", "task", "stream"],
    &["runtime"],
    &["node"],
];

/// Items of the crate root that every layer may name: the exported macros (`$crate::…` in
/// expansions names them at the root) and the root re-exports used in doc links only.
fn is_root_item(name: &str) -> bool {
    name.starts_with("__rr") || name == "__private"
}

/// The module behind a root re-export (`crate::Runtime` is the runtime layer's).
fn reexported_from(name: &str) -> Option<&'static str> {
    Some(match name {
        "Error" => "error",
        "JoinHandle" | "LocalExecutor" => "executor",
        "ObjectRef" | "Promise" | "Store" | "StoreStats" | "ObjectId" | "wait" => "object",
        "Host" => "host",
        "Actor" | "ActorContext" | "ActorHandle" | "ActorOptions" | "get_actor" | "get_actor_on" => "actor",
        "cancel" => "task",
        "Runtime" | "Handle" | "Builder" | "init" | "put" | "shutdown" | "spawn" | "MAX_WORKER_THREADS" | "Metrics"
        | "MailboxDepth" => "runtime",
        _ => return None,
    })
}

fn level(module: &str) -> Option<usize> {
    let module = reexported_from(module).unwrap_or(module);
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src dir") {
        let path = entry.expect("a dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/actor/handle.rs` → `actor`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

#[test]
fn lower_layers_never_name_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = BTreeMap::<String, Vec<String>>::new();
    let mut checked = 0;
    for file in &files {
        let Some(module) = module_of(&src, file) else { continue };
        if module == "lib" {
            continue;
        }
        let Some(own) = level(&module) else {
            panic!(
                "{}: module `{module}` is in no layer; add it to LAYERS and to src/lib.rs's diagram",
                file.display()
            );
        };
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue; // comments and doc comments may mention anything
            }
            for (i, _) in code.match_indices("crate::") {
                // `$crate::` in macro expansions names the crate root's exports.
                if code[..i].ends_with('$') {
                    continue;
                }
                let name: String =
                    code[i + "crate::".len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if name.is_empty() || is_root_item(&name) || reexported_from(&name).unwrap_or(&name) == module {
                    continue;
                }
                checked += 1;
                match level(&name) {
                    Some(l) if l < own || LAYERS[l].contains(&"error") => {}
                    Some(_) => violations.entry(format!("{module} → {name}")).or_default().push(format!(
                        "{}:{}: {}",
                        file.strip_prefix(&src).unwrap().display(),
                        n + 1,
                        code
                    )),
                    None => violations
                        .entry(format!("{module} → {name} (unknown: add it to LAYERS or reexported_from)"))
                        .or_default()
                        .push(format!("{}:{}: {}", file.strip_prefix(&src).unwrap().display(), n + 1, code)),
                }
            }
        }
    }
    assert!(checked > 100, "the check saw only {checked} references: is it reading the sources?");
    assert!(
        violations.is_empty(),
        "lower layers name higher ones (or siblings each other):\n{}",
        violations.iter().map(|(k, v)| format!("  {k}:\n    {}", v.join("\n    "))).collect::<Vec<_>>().join("\n")
    );
}
