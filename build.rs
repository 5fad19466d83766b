//! Build step: the Traditional Chinese (zh-Hant) catalogue, converted from
//! the zh-Hans column of `locales/poolwatch.toml` (OpenCC `s2twp` plus
//! poolwatch's overrides, `src/i18n/hant.rs`) and written as a sorted table
//! to `$OUT_DIR/zh_hant.rs`, which `src/i18n` includes: a zh-Hant run looks
//! its texts up instead of building the converter. `src/i18n/tests.rs`
//! converts again at run time and compares, so the table cannot drift.

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
        std::path::Path::new(&dir).join("zh_hant.rs"),
        hant::table_source(&catalogue),
    )
    .expect("write zh_hant.rs");
}
