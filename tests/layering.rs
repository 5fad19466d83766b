//! The one-way data flow of docs/architecture.md, checked on the source:
//! `commands → session → api/store → quota (pure) → render (pure)`, with the
//! shared data types (`model`, `provider`) at the bottom. A module may not
//! name a module above it (`crate::<module>` outside comments and test code);
//! this test fails when such an edge comes back.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// (module, modules it must never name).
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "api", "store", "session", "commands", "render", "quota", "config", "serve", "alerts",
            "history",
        ],
    ),
    (
        "provider",
        &[
            "api", "store", "session", "commands", "render", "quota", "config", "serve", "alerts",
            "history",
        ],
    ),
    (
        "quota",
        &[
            "api", "store", "session", "commands", "render", "config", "serve", "alerts",
        ],
    ),
    (
        "history",
        &[
            "api", "store", "session", "commands", "render", "config", "serve",
        ],
    ),
    ("render", &["api", "store", "session", "commands", "serve"]),
    ("alerts", &["api", "store", "session", "commands", "serve"]),
    (
        "api",
        &[
            "store", "session", "commands", "render", "serve", "history", "alerts",
        ],
    ),
    ("store", &["api", "session", "commands", "serve"]),
    ("config", &["api", "session", "commands", "render", "serve"]),
    ("session", &["commands", "serve"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its test module(s).
fn production_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::<name>` a piece of code names, including `use crate::{a, b::c}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

#[test]
fn no_module_names_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.ends_with("tests.rs") || rel.contains("/tests/") || rel.ends_with("_tests.rs") {
            continue;
        }
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs");
        let Some((_, forbidden)) = FORBIDDEN.iter().find(|(m, _)| *m == module) else {
            continue;
        };
        let code = production_code(&std::fs::read_to_string(file).unwrap());
        for named in named_modules(&code) {
            if forbidden.contains(&named.as_str()) {
                violations.push(format!("src/{rel} names crate::{named}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "upward imports (see docs/architecture.md, data flow):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_both_spellings_of_an_import() {
    let code = production_code(
        "use crate::{api::Client, quota};\n// crate::session in a comment\nfn f() { crate::store::x(); }\n#[cfg(test)]\nmod tests { use crate::commands; }",
    );
    let named = named_modules(&code);
    assert_eq!(
        named.into_iter().collect::<Vec<_>>(),
        ["api", "quota", "store"]
    );
}
