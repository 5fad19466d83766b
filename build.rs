//! Compiles the message catalogue (`locales/poolwatch.toml`) into a sorted
//! static table (`$OUT_DIR/catalogue.rs`, read by `src/i18n/catalogue.rs`):
//! a lookup is a binary search, with nothing built at run time. rust-i18n's
//! own backend builds a hash map of every message on first use, which was a
//! seventh of a cache-hit menu run (docs/performance.md, issue 19). The
//! zh-Hant column is the zh-Hans text converted here with OpenCC `s2twp` and
//! poolwatch's overrides, exactly as `i18n::to_traditional` converts at run
//! time (a unit test compares every message), so a zh-Hant run converts only
//! the values it fills in.

use std::fmt::Write as _;

/// Must equal `HANT_OVERRIDES` in src/i18n/mod.rs (the catalogue test checks the result).
const HANT_OVERRIDES: [(&str, &str); 2] = [("周", "週"), ("賬號", "帳號")];

fn to_traditional(converter: &ferrous_opencc::OpenCC, text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut out = converter.convert(text);
    for (from, to) in HANT_OVERRIDES {
        out = out.replace(from, to);
    }
    out
}

fn main() {
    let source = "locales/poolwatch.toml";
    println!("cargo:rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("locales/poolwatch.toml");
    let table: toml::Table = text.parse().expect("the catalogue is TOML");
    let converter =
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2twp)
            .expect("OpenCC s2twp");
    let mut rows: Vec<(String, String, String, String)> = table
        .into_iter()
        .filter(|(key, _)| !key.starts_with('_'))
        .map(|(key, value)| {
            let text = |lang: &str| {
                value
                    .get(lang)
                    .and_then(toml::Value::as_str)
                    .unwrap_or_else(|| panic!("{key}: no {lang} text"))
                    .to_string()
            };
            let (en, zh) = (text("en"), text("zh-Hans"));
            let hant = to_traditional(&converter, &zh);
            (key, en, zh, hant)
        })
        .collect();
    rows.sort();
    let mut out = String::new();
    writeln!(
        out,
        "/// (key, en, zh-Hans, zh-Hant), sorted by key.\npub static CATALOGUE: [(&str, &str, &str, &str); {}] = [",
        rows.len()
    )
    .unwrap();
    for (key, en, zh, hant) in &rows {
        writeln!(out, "    ({key:?}, {en:?}, {zh:?}, {hant:?}),").unwrap();
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(std::path::Path::new(&dir).join("catalogue.rs"), out).expect("write catalogue");
}
