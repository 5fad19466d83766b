//! Build step: compiles the message catalogue (`locales/poolwatch.toml`)
//! into a sorted static table, `$OUT_DIR/catalogue.rs`, that
//! `src/i18n/catalogue.rs` includes: a lookup is a binary search, nothing is
//! built at run time (rust-i18n's backend filled a hash map with every
//! message on first use: a seventh of a cache-hit menu run, issue 19). The
//! zh-Hant column is the zh-Hans text converted here with OpenCC `s2twp` plus
//! poolwatch's overrides (`src/i18n/hant.rs`), so a zh-Hant run never builds
//! a converter. `src/i18n/tests.rs` converts again at run time and compares,
//! so the table cannot drift.

#[path = "src/i18n/hant.rs"]
mod hant;

fn main() {
    let source = "locales/poolwatch.toml";
    println!("cargo:rerun-if-changed={source}");
    println!("cargo:rerun-if-changed=src/i18n/hant.rs");
    let text = std::fs::read_to_string(source).expect("locales/poolwatch.toml");
    let catalogue: toml::Table = text.parse().expect("the catalogue is TOML");
    let dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(
        std::path::Path::new(&dir).join("catalogue.rs"),
        hant::table_source(&catalogue),
    )
    .expect("write catalogue.rs");
}
