//! The interface language: English, Simplified Chinese or Traditional Chinese.
//!
//! Traditional Chinese (zh-Hant) is not a third column of the catalogue: it is
//! the Simplified text converted with OpenCC's `s2twp` rules (characters and
//! Taiwan phrasing, e.g. 账号 → 帳號, 设置 → 設定) by the pure-Rust
//! `ferrous-opencc` crate, at build time (`build.rs` writes a sorted table
//! this module includes), so a zh-Hant run only looks texts up. One
//! translation to maintain, and a conversion that is a maintained data set
//! rather than a hand-made table.
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
/// Shared with `build.rs`; the library itself only needs it in its tests.
#[cfg(test)]
mod hant;

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

/// Text built at run time from the pieces of `hant::FRAGMENTS` (the
/// Chinese durations, `1小时12分`) in the current language's script: the
/// pieces swapped for their zh-Hant forms (converted at build time) in a
/// zh-Hant run, unchanged otherwise. The only conversion left at run time,
/// and a table lookup: no converter is built.
pub fn script(text: String) -> String {
    if current() != Lang::ZhHant || text.is_ascii() {
        return text;
    }
    catalogue::FRAGMENTS
        .iter()
        .fold(text, |out, (hans, hant)| out.replace(hans, hant))
}

/// The catalogue text of a key computed at run time (the `--help` walk of
/// `cli`, the `status --format` placeholders) in the current language, without
/// placeholders filled; `None` when the key is missing. Literal keys use
/// [`tr!`](crate::tr), which the catalogue test checks.
pub fn text(key: &str) -> Option<String> {
    catalogue::lookup(current(), key).map(str::to_string)
}

/// A message of the catalogue in the current thread's language, as a `String`.
/// `tr!("menu.refresh_now")`, `tr!("failures.many", n = 3)` (`%{n}` in the text).
/// The text comes from the static table of [`catalogue`] (no run-time map,
/// no conversion: zh-Hant was converted at build time); values are put in as
/// they are.
#[macro_export]
macro_rules! tr {
    ($key:literal) => {
        $crate::i18n::catalogue::text($crate::i18n::current(), $key).to_string()
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::catalogue::interpolate(
            $crate::i18n::catalogue::text($crate::i18n::current(), $key),
            &[$(stringify!($name)),+],
            &[$(format!("{}", $value)),+],
        )
    };
}

#[cfg(test)]
mod tests;
