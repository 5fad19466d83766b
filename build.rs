//! Compiles the message catalogue (`locales/poolwatch.toml`) into a sorted
//! static table (`$OUT_DIR/catalogue.rs`, read by `src/i18n/catalogue.rs`):
//! a lookup is a binary search, with nothing built at run time. rust-i18n's
//! own backend builds a hash map of every message on first use, which was a
//! seventh of a cache-hit menu run (docs/performance.md, issue 19).

use std::fmt::Write as _;

fn main() {
    let source = "locales/poolwatch.toml";
    println!("cargo:rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("locales/poolwatch.toml");
    let table: toml::Table = text.parse().expect("the catalogue is TOML");
    let mut rows: Vec<(String, String, String)> = table
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
            (key, en, zh)
        })
        .collect();
    rows.sort();
    let mut out = String::new();
    writeln!(
        out,
        "/// (key, en, zh-Hans), sorted by key.\npub static CATALOGUE: [(&str, &str, &str); {}] = [",
        rows.len()
    )
    .unwrap();
    for (key, en, zh) in &rows {
        writeln!(out, "    ({key:?}, {en:?}, {zh:?}),").unwrap();
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(std::path::Path::new(&dir).join("catalogue.rs"), out).expect("write catalogue");
}
