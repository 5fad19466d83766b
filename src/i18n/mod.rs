//! The interface language: English or Simplified Chinese.
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

mod detect;

pub use detect::{choose, first_apple_language, from_locale_env, resolve};

/// A language poolwatch speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    ZhHans,
}

impl Lang {
    /// The locale code used in the catalogue and the widget snapshot.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
        }
    }

    /// Every language, in catalogue order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhHans];
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
    current() == Lang::ZhHans
}

/// A message of the catalogue in the current thread's language, as a `String`.
/// `tr!("menu.refresh_now")`, `tr!("failures.many", n = 3)` (`%{n}` in the text).
#[macro_export]
macro_rules! tr {
    ($key:literal) => {
        rust_i18n::t!($key, locale = $crate::i18n::current().code()).into_owned()
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        rust_i18n::t!($key, locale = $crate::i18n::current().code(), $($name = $value),+).into_owned()
    };
}

#[cfg(test)]
mod tests;
