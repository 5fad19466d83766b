//! The catalogue is complete in both languages, every key the code asks for
//! exists, and `auto` picks the right language.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::*;

const CATALOGUE: &str = include_str!("../../locales/poolwatch.toml");

/// key -> (language -> text), without `_version`.
fn catalogue() -> BTreeMap<String, BTreeMap<String, String>> {
    let table: toml::Table = CATALOGUE.parse().expect("the catalogue is TOML");
    table
        .into_iter()
        .filter(|(key, _)| key != "_version")
        .map(|(key, value)| {
            let toml::Value::Table(langs) = value else {
                panic!("{key}: not a table of languages");
            };
            let langs = langs
                .into_iter()
                .map(|(lang, text)| match text {
                    toml::Value::String(text) => (lang, text),
                    other => panic!("{key}.{lang}: {other} is not a string"),
                })
                .collect();
            (key, langs)
        })
        .collect()
}

fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("%{")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn every_message_exists_in_both_languages_with_the_same_placeholders() {
    let catalogue = catalogue();
    assert!(catalogue.len() > 50, "{}", catalogue.len());
    let codes: BTreeSet<String> = Lang::CATALOGUE
        .iter()
        .map(|l| l.code().to_string())
        .collect();
    for (key, langs) in &catalogue {
        let have: BTreeSet<String> = langs.keys().cloned().collect();
        assert_eq!(have, codes, "{key}: languages");
        for (lang, text) in langs {
            assert!(!text.trim().is_empty(), "{key}.{lang} is empty");
        }
        assert_eq!(
            placeholders(&langs["en"]),
            placeholders(&langs["zh-Hans"]),
            "{key}: placeholders differ"
        );
    }
}

#[test]
fn the_embedded_catalogue_answers_every_key_in_both_languages() {
    for (key, langs) in catalogue() {
        for lang in Lang::CATALOGUE {
            let got = crate::_rust_i18n_try_translate(lang.code(), &key)
                .unwrap_or_else(|| panic!("{key} missing in {} at run time", lang.code()));
            assert_eq!(got, langs[lang.code()].as_str(), "{key}");
        }
    }
}

/// Every key a `tr!` call in the sources names is in the catalogue.
#[test]
fn every_key_the_code_asks_for_exists() {
    let catalogue = catalogue();
    let mut used = BTreeSet::new();
    collect_keys(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut used,
    );
    assert!(!used.is_empty());
    let missing: Vec<&String> = used
        .iter()
        .filter(|k| !catalogue.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "keys used but not in locales/poolwatch.toml: {missing:?}"
    );
}

fn collect_keys(dir: &Path, used: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_keys(&path, used);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut pieces = text.split("tr!(\"");
            let mut before = pieces.next().unwrap_or("");
            for rest in pieces {
                // `tr!` itself, not `include_str!` or another macro ending in `tr!`.
                let is_tr = !before
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if let (true, Some((key, _))) = (is_tr, rest.split_once('"')) {
                    used.insert(key.to_string());
                }
                before = rest;
            }
        }
    }
}

#[test]
fn tr_follows_the_thread_language_and_fills_placeholders() {
    with(Lang::ZhHans, || {
        assert_eq!(crate::tr!("menu.refresh_now"), "立即刷新");
        assert_eq!(crate::tr!("failures.many", n = 3), "最近 30 分钟失败 3 次");
        assert!(is_zh());
    });
    assert_eq!(current(), Lang::En, "restored");
    assert_eq!(crate::tr!("menu.refresh_now"), "Refresh now");
    assert_eq!(
        crate::tr!("failures.many", n = 3),
        "3 failures in the last 30 min"
    );
}

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn auto_follows_apple_languages_then_the_locale_environment() {
    let none = env_of(&[]);
    assert_eq!(choose("en", Some("zh-Hans-CN"), &none), Lang::En);
    assert_eq!(choose("zh-Hans", None, &none), Lang::ZhHans);
    assert_eq!(
        choose(
            "auto",
            Some("zh-Hans-CN"),
            &env_of(&[("LANG", "en_US.UTF-8")])
        ),
        Lang::ZhHans
    );
    assert_eq!(
        choose("auto", Some("en-GB"), &env_of(&[("LANG", "zh_CN.UTF-8")])),
        Lang::En
    );
    assert_eq!(choose("auto", Some("zh-Hant-TW"), &none), Lang::ZhHant);
    assert_eq!(choose("auto", Some("zh-Hans-TW"), &none), Lang::ZhHans);
    assert_eq!(choose("zh-Hant", None, &none), Lang::ZhHant);
    assert_eq!(
        from_locale_env(&env_of(&[("LANG", "zh_TW.UTF-8")])),
        Lang::ZhHant
    );
    assert_eq!(
        from_locale_env(&env_of(&[("LANG", "zh_HK.UTF-8")])),
        Lang::ZhHant
    );
    assert_eq!(choose("auto", None, &none), Lang::En);
    assert_eq!(
        choose("auto", None, &env_of(&[("LANG", "zh_CN.UTF-8")])),
        Lang::ZhHans
    );
    // LC_ALL beats LC_MESSAGES beats LANG.
    let env = env_of(&[
        ("LC_ALL", "C"),
        ("LC_MESSAGES", "zh_CN"),
        ("LANG", "zh_CN.UTF-8"),
    ]);
    assert_eq!(choose("auto", None, &env), Lang::En);
    let env = env_of(&[
        ("LC_ALL", ""),
        ("LC_MESSAGES", "zh_SG.GB2312"),
        ("LANG", "en_US"),
    ]);
    assert_eq!(choose("auto", None, &env), Lang::ZhHans);
    assert_eq!(from_locale_env(&env_of(&[("LANG", "POSIX")])), Lang::En);
    assert_eq!(from_locale_env(&env_of(&[("LANG", "zh")])), Lang::ZhHans);
    assert_eq!(
        from_locale_env(&env_of(&[("LANG", "zu_ZA.UTF-8")])),
        Lang::En
    );
}

#[test]
fn apple_languages_output_is_read() {
    let output = "(\n    \"zh-Hans-CN\",\n    \"en-US\"\n)\n";
    assert_eq!(first_apple_language(output).as_deref(), Some("zh-Hans-CN"));
    assert_eq!(first_apple_language("(\n    en\n)").as_deref(), Some("en"));
    assert_eq!(first_apple_language("(\n)"), None);
    assert_eq!(first_apple_language(""), None);
}

#[test]
fn explicit_settings_need_no_lookup() {
    let env = env_of(&[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(resolve("en", &env, None), Lang::En);
    assert_eq!(resolve("zh-Hans", &env_of(&[]), None), Lang::ZhHans);
    #[cfg(not(target_os = "macos"))]
    assert_eq!(resolve("auto", &env, None), Lang::ZhHans);
}

#[test]
fn notifications_speak_the_run_language() {
    let settings = crate::alerts::AlertSettings::default();
    let previous = crate::alerts::AlertState::default();
    let (_, zh) = with(Lang::ZhHans, || {
        crate::alerts::evaluate(&previous, None, true, &settings, 0)
    });
    assert_eq!(zh[0].title, "号池拒绝了 Management key");
    let (_, en) = crate::alerts::evaluate(&previous, None, true, &settings, 0);
    assert_eq!(en[0].title, "Pool rejected the management key");
}

#[test]
fn traditional_chinese_is_the_simplified_catalogue_converted() {
    let (hans, hant) = (
        with(Lang::ZhHans, || crate::tr!("menu.refresh_now")),
        with(Lang::ZhHant, || crate::tr!("menu.refresh_now")),
    );
    assert_eq!(hans, "立即刷新");
    assert_eq!(hant, "立即重新整理", "Taiwan phrasing (s2twp)");
    let accounts = with(Lang::ZhHant, || crate::tr!("refresh.n_accounts", n = 3));
    assert!(accounts.contains("號"), "{accounts}");
    assert_eq!(
        with(Lang::ZhHant, || crate::render::duration::short(3720)),
        "1小時2分"
    );
    // English is never converted.
    assert_eq!(to_traditional("abc 小时"), "abc 小時");
}

/// Simplified → Traditional (Taiwan) at run time, as `build.rs` does it at
/// build time (the same function: `hant::hant_template`).
fn to_traditional(text: &str) -> String {
    super::hant::hant_template(text)
}

/// The build step cannot drift: the generated zh-Hant table holds exactly
/// the catalogue's keys, each the runtime conversion of its zh-Hans text.
#[test]
fn the_generated_zh_hant_table_is_the_runtime_conversion_of_every_key() {
    let catalogue = catalogue();
    let keys: Vec<&str> = super::catalogue::entries().map(|[key, ..]| key).collect();
    assert_eq!(keys.len(), catalogue.len());
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by key");
    for (key, langs) in &catalogue {
        let want = to_traditional(&langs["zh-Hans"]);
        assert_eq!(
            super::catalogue::lookup(Lang::ZhHant, key),
            Some(want.as_str()),
            "{key}"
        );
    }
    // The included file is what the shared function writes today.
    let source: toml::Table = CATALOGUE.parse().unwrap();
    assert_eq!(
        include_str!(concat!(env!("OUT_DIR"), "/catalogue.rs")),
        super::hant::table_source(&source)
    );
    let pieces: Vec<&str> = super::catalogue::FRAGMENTS
        .iter()
        .map(|(h, _)| *h)
        .collect();
    assert_eq!(pieces, super::hant::FRAGMENTS);
    for (hans, hant) in super::catalogue::FRAGMENTS {
        assert_eq!(*hant, to_traditional(hans), "{hans}");
    }
}

/// Durations are built from pieces at run time: swapping the pieces gives
/// what converting the whole text would.
#[test]
fn durations_in_traditional_chinese_match_a_whole_conversion() {
    for seconds in [
        1,
        45,
        60,
        61,
        3599,
        3600,
        3720,
        86_399,
        86_400,
        90_000,
        2 * 86_400 + 3 * 3600,
        40 * 86_400,
    ] {
        let hans = with(Lang::ZhHans, || crate::render::duration::short(seconds));
        let hant = with(Lang::ZhHant, || crate::render::duration::short(seconds));
        assert_eq!(hant, to_traditional(&hans), "{seconds}");
    }
    assert_eq!(
        with(Lang::ZhHant, || crate::render::duration::short(38 * 60)),
        "38分鐘"
    );
}

/// Values are put into a zh-Hant message as they are: user data such as a
/// label written in Simplified characters is never rewritten, nor are text
/// already localized or placeholders inside a value.
#[test]
fn zh_hant_messages_never_convert_their_values() {
    let title = with(Lang::ZhHant, || {
        crate::tr!("alert.killed_title", label = "测试账号")
    });
    assert!(title.contains("测试账号"), "{title}");
    assert_ne!(
        title,
        with(Lang::ZhHans, || crate::tr!(
            "alert.killed_title",
            label = "测试账号"
        ))
    );
    let same = with(Lang::ZhHant, || {
        crate::tr!("menu.same_login", label = "%{label} 设置")
    });
    assert!(same.contains("%{label} 设置"), "{same}");
    assert!(
        !same.contains("同一个"),
        "the template is Traditional: {same}"
    );
}
