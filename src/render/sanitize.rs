//! Making untrusted text (labels, emails, status messages, errors) safe to print.
//!
//! SwiftBar and xbar read one item per line, the title before the first `|` and
//! `key=value` parameters after it, so a `|` or a newline in server text could
//! forge parameters (`bash=`, `href=`) or whole items. See SPEC.md §3.

/// Replacement for `|` in menu titles (a broken bar looks the same and is inert).
const PIPE_REPLACEMENT: char = '¦';
/// Replacement for a leading `-`, so text never reads as a `--` or `---` prefix.
const DASH_REPLACEMENT: char = '‐';
/// Appended to truncated text.
const ELLIPSIS: char = '…';

/// Makes untrusted text safe as the TITLE part of one SwiftBar / xbar line.
///
/// Strips ANSI escape sequences, C0/C1 controls and invisible / bidi-override
/// characters; turns every newline kind into a space; collapses whitespace;
/// replaces `|` with `¦`; replaces leading `-` with `‐`; truncates to
/// `max_chars` visible characters (ending in `…`); finally doubles backslashes,
/// because SwiftBar and xbar both unescape `\n`, `\t` and `\\` in titles.
pub fn menu_text(s: &str, max_chars: usize) -> String {
    if is_plain(s, max_chars) && !s.starts_with('-') && !s.contains(['|', '\\']) {
        // Nothing below would change it (a menu renders ~100 such labels per run).
        return s.to_string();
    }
    let cleaned: String = clean(s)
        .chars()
        .map(|c| if c == '|' { PIPE_REPLACEMENT } else { c })
        .collect();
    let undashed = neutralise_leading_dashes(&cleaned);
    truncate(&undashed, max_chars).replace('\\', "\\\\")
}

/// Makes untrusted text safe for one cell of the terminal table: strips ANSI
/// escapes, controls, invisible characters and newlines, then truncates.
pub fn terminal_text(s: &str, max_chars: usize) -> String {
    if is_plain(s, max_chars) {
        return s.to_string();
    }
    truncate(&clean(s), max_chars)
}

/// Printable ASCII within `max_chars`, single spaces only, none at either
/// end: text that [`clean`] and [`truncate`] leave as it is.
fn is_plain(s: &str, max_chars: usize) -> bool {
    s.len() <= max_chars
        && s.bytes().all(|b| (0x20..0x7F).contains(&b))
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
}

/// Shared cleaning: escapes and controls out, whitespace collapsed and trimmed.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in strip_ansi(s).chars() {
        if is_line_break(c) || c.is_whitespace() {
            pending_space = true;
        } else if c.is_control() || is_invisible(c) {
            continue;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

/// Every character SwiftBar (Foundation `CharacterSet.newlines`) or xbar treats as a line break.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Zero-width, bidi-embedding/override/isolate and other invisible format characters.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{206A}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Removes ANSI escape sequences: CSI (`ESC [` or U+009B ... final byte), OSC /
/// DCS / APC / PM / SOS strings (terminated by BEL or `ESC \`), and two-char escapes.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1B}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | '_' | '^' | 'X') => skip_string(&mut chars),
                _ => {}
            },
            '\u{9B}' => skip_csi(&mut chars),
            '\u{9D}' | '\u{90}' | '\u{9F}' | '\u{9E}' | '\u{98}' => skip_string(&mut chars),
            _ => out.push(c),
        }
    }
    out
}

/// Skips CSI parameter and intermediate bytes up to and including the final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7E}').contains(&c) || !(' '..='\u{7E}').contains(&c) {
            break;
        }
    }
}

/// Skips a control string up to BEL, `ESC \` or ST (U+009C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9C}' => return,
            '\u{1B}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// Replaces each leading `-` so the text cannot act as a separator or submenu prefix.
fn neutralise_leading_dashes(s: &str) -> String {
    let dashes = s.chars().take_while(|&c| c == '-').count();
    let mut out = String::with_capacity(s.len() + dashes * 2);
    out.extend(std::iter::repeat_n(DASH_REPLACEMENT, dashes));
    out.push_str(&s[dashes..]);
    out
}

/// Keeps at most `max_chars` characters; longer text ends in `…` (counted).
fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    if max_chars == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max_chars - 1).collect();
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    out.push(ELLIPSIS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path for plain text answers what the full pipeline answers.
    #[test]
    fn the_plain_text_shortcut_changes_nothing() {
        let slow_menu = |s: &str, max: usize| {
            let cleaned: String = clean(s)
                .chars()
                .map(|c| if c == '|' { PIPE_REPLACEMENT } else { c })
                .collect();
            truncate(&neutralise_leading_dashes(&cleaned), max).replace('\\', "\\\\")
        };
        let samples = [
            "alice@example.com",
            "",
            " lead",
            "trail ",
            "two  spaces",
            "-dash",
            "a|b",
            "back\\slash",
            "tab\there",
            "esc\u{1b}[31mred",
            "exactly ten",
            "é accent",
            "\u{7f}del",
            "a-b c",
        ];
        for s in samples {
            for max in [0, 1, 5, 10, 11, 12, 40] {
                assert_eq!(menu_text(s, max), slow_menu(s, max), "{s:?} {max}");
                assert_eq!(
                    terminal_text(s, max),
                    truncate(&clean(s), max),
                    "{s:?} {max}"
                );
            }
        }
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(menu_text("alice@example.com", 40), "alice@example.com");
        assert_eq!(terminal_text("alice@example.com", 40), "alice@example.com");
    }

    #[test]
    fn pipe_becomes_broken_bar_in_menus_only() {
        assert_eq!(
            menu_text("a | bash=/bin/sh param1=-c", 80),
            "a ¦ bash=/bin/sh param1=-c"
        );
        assert_eq!(terminal_text("a|b", 80), "a|b");
    }

    #[test]
    fn every_newline_kind_becomes_one_space() {
        for nl in [
            "\n", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}", "\u{0B}", "\u{0C}",
        ] {
            assert_eq!(menu_text(&format!("a{nl}b"), 10), "a b", "{nl:?}");
            assert_eq!(terminal_text(&format!("a{nl}b"), 10), "a b", "{nl:?}");
        }
    }

    #[test]
    fn controls_are_removed() {
        assert_eq!(menu_text("a\u{0}b\u{7}c\u{7F}d\u{81}e", 20), "abcde");
    }

    #[test]
    fn ansi_sequences_are_removed() {
        assert_eq!(menu_text("\u{1B}[31;1mred\u{1B}[0m", 20), "red");
        assert_eq!(
            terminal_text("\u{1B}]8;;http://x\u{7}link\u{1B}]8;;\u{1B}\\", 20),
            "link"
        );
        assert_eq!(terminal_text("\u{9B}2Jx", 20), "x");
        assert_eq!(terminal_text("a\u{1B}", 20), "a");
    }

    #[test]
    fn bidi_and_invisible_characters_are_removed() {
        assert_eq!(
            menu_text("a\u{202E}b\u{2066}c\u{200B}d\u{FEFF}", 20),
            "abcd"
        );
    }

    #[test]
    fn backslashes_are_doubled_after_truncation() {
        assert_eq!(menu_text(r"a\nb", 20), r"a\\nb");
        assert_eq!(menu_text(r"\\", 20), r"\\\\");
        // Truncation counts visible characters, so a backslash is never split from its twin.
        assert_eq!(menu_text(r"ab\cdef", 4), "ab\\\\…");
    }

    #[test]
    fn leading_dashes_are_neutralised() {
        assert_eq!(menu_text("---", 10), "‐‐‐");
        assert_eq!(menu_text("--x | y", 10), "‐‐x ¦ y");
        assert_eq!(menu_text("  -x", 10), "‐x");
        assert_eq!(menu_text("a-b", 10), "a-b");
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(menu_text("  a \t\n b  ", 10), "a b");
        assert_eq!(menu_text("\n\n", 10), "");
    }

    #[test]
    fn truncation_uses_ellipsis_within_limit() {
        assert_eq!(menu_text("abcdef", 6), "abcdef");
        assert_eq!(menu_text("abcdefg", 6), "abcde…");
        assert_eq!(menu_text("ab  cdefg", 4), "ab…");
        assert_eq!(menu_text("éééé", 3), "éé…");
        assert_eq!(menu_text("abc", 0), "");
        assert_eq!(menu_text("abc", 1), "…");
    }
}
