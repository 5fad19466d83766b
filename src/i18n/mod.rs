//! The interface language: English, Simplified Chinese or Traditional Chinese.
//!
//! Traditional Chinese (zh-Hant) is not a third column of the catalogue: it is
//! the Simplified text converted with OpenCC's `s2twp` rules (characters and
//! Taiwan phrasing, e.g. 账号 → 帳號, 设置 → 設定) by the pure-Rust
//! `ferrous-opencc` crate, once per message. One translation to maintain, and
//! a conversion that is a maintained data set rather than a hand-made table.
//!
//! Messages live in `locales/poolwatch.toml` (rust-i18n's format v2: one table
//! per key holding `en` and `zh-Hans`), embedded at compile time. Code asks for
//! them with [`tr!`](crate::tr), which reads the language of the current
//! thread: renderers stay pure functions of their input (no global locale
//! shared between test threads), and the commands layer sets the language once
//! per run with [`set`] after loading the settings (`language = "auto" | "en" |
//! "zh-Hans"`, env `POOLWATCH_LANGUAGE`).
//!
//! `auto` follows the macOS interface language (`defaults read -g
//! AppleLanguages`, remembered for an hour in the cache folder so a plugin run
//! does not start a process), else `LC_ALL`, `LC_MESSAGES`, `LANG`; anything
//! that is not Chinese is English.

use std::cell::Cell;

pub mod catalogue;
mod detect;

pub use detect::{choose, first_apple_language, from_locale_env, resolve};

/// A language poolwatch speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    ZhHans,
    /// Traditional Chinese: the zh-Hans catalogue converted (see the module doc).
    ZhHant,
}

impl Lang {
    /// The locale code used in the catalogue and the widget snapshot.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
        }
    }

    /// The catalogue column a language reads (zh-Hant reads zh-Hans, then converts).
    pub fn catalogue_code(self) -> &'static str {
        match self {
            Lang::ZhHant => "zh-Hans",
            other => other.code(),
        }
    }

    /// Every language, in catalogue order.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::ZhHans, Lang::ZhHant];

    /// The languages with a column of their own in the catalogue.
    pub const CATALOGUE: [Lang; 2] = [Lang::En, Lang::ZhHans];
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The language of this thread (English until [`set`]).
pub fn current() -> Lang {
    CURRENT.with(Cell::get)
}

/// Set the language of this thread.
pub fn set(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
}

/// Run `f` with `lang` as this thread's language, then restore the previous one.
pub fn with<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let previous = current();
    set(lang);
    struct Restore(Lang);
    impl Drop for Restore {
        fn drop(&mut self) {
            set(self.0);
        }
    }
    let _restore = Restore(previous);
    f()
}

/// True when the current language is Chinese (for the few places that build
/// text from pieces, such as durations).
pub fn is_zh() -> bool {
    matches!(current(), Lang::ZhHans | Lang::ZhHant)
}

/// `text` in the current language's script: Traditional characters and Taiwan
/// phrasing for zh-Hant (OpenCC `s2twp`), unchanged otherwise.
pub fn script(text: String) -> String {
    if current() != Lang::ZhHant || text.is_ascii() {
        return text;
    }
    to_traditional(&text)
}

/// Words OpenCC leaves as they are in general text but poolwatch always means
/// one way: 周 is always "week" (週), an account is 帳號 in Taiwan usage.
const HANT_OVERRIDES: [(&str, &str); 2] = [("周", "週"), ("賬號", "帳號")];

/// A catalogue message in Traditional Chinese: the template is converted on
/// its own (so a value such as `3天` cannot join the text around it into
/// another word, e.g. 天后), then each `%{name}` is replaced by its value,
/// converted on its own too.
pub fn interpolate_hant(template: &str, args: &[(&str, String)]) -> String {
    let mut out = to_traditional(template);
    for (name, value) in args {
        out = out.replace(&format!("%{{{name}}}"), &to_traditional(value));
    }
    out
}

/// Simplified → Traditional (Taiwan) with OpenCC's `s2twp` rules, then
/// [`HANT_OVERRIDES`]; the converter is built once per process, on first use.
pub fn to_traditional(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut out = opencc_s2twp(text);
    for (from, to) in HANT_OVERRIDES {
        out = out.replace(from, to);
    }
    out
}

fn opencc_s2twp(text: &str) -> String {
    use std::sync::OnceLock;
    static CONVERTER: OnceLock<Option<ferrous_opencc::OpenCC>> = OnceLock::new();
    let converter = CONVERTER.get_or_init(|| {
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2twp).ok()
    });
    match converter {
        Some(c) => c.convert(text),
        None => text.to_string(),
    }
}

/// A message of the catalogue in the current thread's language, as a `String`.
/// `tr!("menu.refresh_now")`, `tr!("failures.many", n = 3)` (`%{n}` in the text).
/// The text comes from the static table of [`catalogue`] (no run-time map).
#[macro_export]
macro_rules! tr {
    ($key:literal) => {
        $crate::i18n::catalogue::text($crate::i18n::current(), $key).to_string()
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        if $crate::i18n::current() == $crate::i18n::Lang::ZhHant {
            $crate::i18n::catalogue::interpolate_hant(
                $crate::i18n::catalogue::text($crate::i18n::Lang::ZhHant, $key),
                &[$((stringify!($name), ($value).to_string())),+],
            )
        } else {
            $crate::i18n::catalogue::interpolate(
                $crate::i18n::catalogue::text($crate::i18n::current(), $key),
                &[$(stringify!($name)),+],
                &[$(format!("{}", $value)),+],
            )
        }
    };
}

#[cfg(test)]
mod tests;
