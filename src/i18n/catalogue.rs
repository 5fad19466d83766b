//! The message catalogue as a static table compiled from
//! `locales/poolwatch.toml` by `build.rs`: a lookup is a binary search over
//! sorted keys, with nothing built at run time. (rust-i18n's backend, which
//! `tr!` used before, fills a hash map with every message on first use: a
//! seventh of a cache-hit menu run.) The text and the `%{name}`
//! interpolation are rust-i18n's, so the output is the same. The zh-Hant
//! column is converted at build time (`build.rs`, the same OpenCC and
//! overrides as [`super::to_traditional`]); a zh-Hant run converts only the
//! values it fills in.

use super::Lang;

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// The message `key` in `lang` (zh-Hant: converted at build time); the key
/// itself when it is missing (as rust-i18n answers).
pub fn text(lang: Lang, key: &'static str) -> &'static str {
    match CATALOGUE.binary_search_by(|(k, _, _, _)| (*k).cmp(key)) {
        Ok(i) => match lang {
            Lang::En => CATALOGUE[i].1,
            Lang::ZhHans => CATALOGUE[i].2,
            Lang::ZhHant => CATALOGUE[i].3,
        },
        Err(_) => key,
    }
}

/// [`super::interpolate_hant`] of a template already in Traditional Chinese:
/// each `%{name}` replaced by its value, converted on its own.
pub fn interpolate_hant(template: &str, args: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("%{{{name}}}"), &super::to_traditional(value));
    }
    out
}

/// `%{name}` in `template` replaced by the values (rust-i18n's own replacement).
pub fn interpolate(template: &str, names: &[&str], values: &[String]) -> String {
    rust_i18n::replace_patterns(template, names, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_static_table_answers_like_rust_i18n_for_every_key() {
        assert!(
            CATALOGUE.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, unique"
        );
        for (key, _, zh, hant) in CATALOGUE.iter() {
            // The build-time zh-Hant column is what the run-time conversion gives.
            assert_eq!(*hant, crate::i18n::to_traditional(zh), "{key} in zh-Hant");
            for lang in Lang::CATALOGUE {
                let expected = crate::_rust_i18n_try_translate(lang.code(), key).unwrap();
                assert_eq!(text(lang, key), expected, "{key} in {}", lang.code());
            }
        }
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
    }
}
