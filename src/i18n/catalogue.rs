//! The message catalogue as a static table compiled from
//! `locales/poolwatch.toml` by `build.rs` (`src/i18n/hant.rs` writes it): a
//! lookup is a binary search over sorted keys, with nothing built at run
//! time. (rust-i18n's backend, which `tr!` used before, fills a hash map with
//! every message on first use: a seventh of a cache-hit menu run.) The text
//! and the `%{name}` interpolation are rust-i18n's, so the output is the
//! same. The zh-Hant column is converted at build time; values filled in are
//! never converted (they are numbers, text already in the run's language, or
//! user data that must be shown as written).

use super::Lang;

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// The text at a range of the table.
fn at((start, end): (u32, u32)) -> &'static str {
    &TEXT[start as usize..end as usize]
}

/// Every message: (key, en, zh-Hans, zh-Hant), sorted by key.
pub fn entries() -> impl Iterator<Item = [&'static str; 4]> {
    CATALOGUE.iter().map(|row| row.map(at))
}

/// The message `key` in `lang`, or None when the catalogue has no such key.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    let found = CATALOGUE.binary_search_by(|row| at(row[0]).cmp(key)).ok()?;
    let [_, en, hans, hant] = CATALOGUE[found];
    Some(at(match lang {
        Lang::En => en,
        Lang::ZhHans => hans,
        Lang::ZhHant => hant,
    }))
}

/// The message `key` in `lang`; the key itself when it is missing (as
/// rust-i18n answers; the catalogue test does not let such a key ship).
pub fn text(lang: Lang, key: &'static str) -> &'static str {
    lookup(lang, key).unwrap_or(key)
}

/// `%{name}` in `template` replaced by the values, as they are (rust-i18n's
/// own replacement, one pass: a value holding `%{…}` stays as written).
pub fn interpolate(template: &str, names: &[&str], values: &[String]) -> String {
    rust_i18n::replace_patterns(template, names, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_static_table_answers_like_rust_i18n_for_every_key() {
        let keys: Vec<&str> = entries().map(|[key, ..]| key).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        for key in keys {
            for lang in Lang::CATALOGUE {
                let expected = crate::_rust_i18n_try_translate(lang.code(), key).unwrap();
                assert_eq!(text(lang, key), expected, "{key} in {}", lang.code());
            }
        }
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(lookup(Lang::ZhHant, "no.such.key"), None);
    }

    #[test]
    fn interpolation_is_one_pass_and_leaves_values_as_written() {
        let out = interpolate(
            "%{a} and %{b}",
            &["a", "b"],
            &["%{b}".to_string(), "测试".to_string()],
        );
        assert_eq!(out, "%{b} and 测试");
    }
}
