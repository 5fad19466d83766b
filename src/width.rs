//! Display width of terminal text: how many columns a string takes, not how
//! many bytes or chars. East Asian wide characters (CJK) take 2 columns,
//! combining marks 0, as `unicode-width` says. ANSI colour sequences
//! (`ESC [ ... m`) take no columns, so painted text measures like plain text.
//!
//! Pure helpers shared by every terminal renderer: measure with
//! [`display_width`], cut with [`truncate_to_width`], align with
//! [`pad_to_width`], break long text into lines with [`wrap_to_width`].

use unicode_width::UnicodeWidthChar;

/// Appended to truncated text (1 column).
const ELLIPSIS: char = '…';

/// Columns `c` takes (controls count 0).
fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// The chars of `text` with ANSI CSI sequences (`ESC [ params final`) left out.
fn visible_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = text.chars();
    std::iter::from_fn(move || loop {
        let c = chars.next()?;
        if c != '\u{1b}' {
            return Some(c);
        }
        // Skip `[`, parameters and the final byte (0x40..=0x7e).
        if chars.next() == Some('[') {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
    })
}

/// Columns `text` takes on a terminal: CJK = 2, combining marks = 0,
/// ANSI colour sequences = 0.
pub fn display_width(text: &str) -> usize {
    visible_chars(text).map(char_width).sum()
}

/// `text` cut to at most `width` columns, ending in `…` when something was
/// cut (the ellipsis counts). A wide character that would straddle the limit
/// is left out whole. For plain text (no ANSI sequences).
pub fn truncate_to_width(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let budget = width - 1; // room for the ellipsis
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push(ELLIPSIS);
    out
}

/// `text` followed by spaces up to `width` columns (unchanged when already
/// that wide or wider).
pub fn pad_to_width(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(pad))
}

/// Spaces before `text` up to `width` columns (right alignment).
pub fn pad_left_to_width(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(display_width(text));
    format!("{}{text}", " ".repeat(pad))
}

/// `text` broken at spaces into lines of at most `width` columns. The first
/// line starts with `first`, the others with `rest` (both counted). A word
/// longer than a line is cut into pieces. Always at least one line. For plain
/// text (no ANSI sequences).
pub fn wrap_to_width(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut line_has_word = false;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_string();
        loop {
            let needed = display_width(&word) + usize::from(line_has_word);
            if display_width(&line) + needed <= width {
                if line_has_word {
                    line.push(' ');
                }
                line.push_str(&word);
                line_has_word = true;
                break;
            }
            if line_has_word {
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                line_has_word = false;
                continue;
            }
            // The word alone is too wide for an empty line: cut it.
            let room = width.saturating_sub(display_width(&line)).max(1);
            let (head, tail) = split_at_width(&word, room);
            line.push_str(&head);
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            if tail.is_empty() {
                break;
            }
            word = tail;
        }
    }
    if line_has_word || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The longest prefix of `word` within `width` columns (at least one char),
/// and the rest.
fn split_at_width(word: &str, width: usize) -> (String, String) {
    let mut used = 0;
    for (i, c) in word.char_indices() {
        let w = char_width(c);
        if used + w > width && i > 0 {
            return (word[..i].to_string(), word[i..].to_string());
        }
        used += w;
    }
    (word.to_string(), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_cjk_and_combining_widths() {
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("alice"), 5);
        assert_eq!(display_width("张三"), 4);
        assert_eq!(display_width("账号 a"), 6);
        assert_eq!(display_width("e\u{301}"), 1); // e + combining acute
        assert_eq!(display_width("█░·—…"), 5);
    }

    #[test]
    fn ansi_colour_sequences_take_no_columns() {
        assert_eq!(display_width("\u{1b}[32mok\u{1b}[0m"), 2);
        assert_eq!(display_width("\u{1b}[1;31m张\u{1b}[0m"), 2);
    }

    #[test]
    fn truncation_counts_columns_and_the_ellipsis() {
        assert_eq!(truncate_to_width("alice", 5), "alice");
        assert_eq!(truncate_to_width("alice", 4), "ali…");
        assert_eq!(truncate_to_width("alice", 0), "");
        // 张三李四 is 8 columns; 5 columns hold two wide chars and the ellipsis.
        assert_eq!(truncate_to_width("张三李四", 5), "张三…");
        // A wide char never straddles the limit: 4 columns hold one + ellipsis.
        assert_eq!(truncate_to_width("张三李四", 4), "张…");
        for width in 0..10 {
            assert!(display_width(&truncate_to_width("张三李四abc", width)) <= width);
        }
    }

    #[test]
    fn padding_uses_display_width() {
        assert_eq!(pad_to_width("ab", 4), "ab  ");
        assert_eq!(pad_to_width("张三", 6), "张三  ");
        assert_eq!(pad_to_width("toolong", 3), "toolong");
        assert_eq!(pad_left_to_width("5%", 4), "  5%");
        assert_eq!(pad_left_to_width("张", 4), "  张");
    }

    #[test]
    fn wrapping_respects_width_and_prefixes() {
        let lines = wrap_to_width("429 Too Many Requests: cooling down", 16, "  ", "    ");
        assert_eq!(
            lines,
            ["  429 Too Many", "    Requests:", "    cooling down"]
        );
        for line in &lines {
            assert!(display_width(line) <= 16);
        }
        assert_eq!(wrap_to_width("", 10, "> ", "  "), ["> "]);
        assert_eq!(wrap_to_width("short", 10, "", ""), ["short"]);
    }

    #[test]
    fn overlong_words_and_cjk_are_cut() {
        let lines = wrap_to_width("abcdefghij", 4, "", "");
        assert_eq!(lines, ["abcd", "efgh", "ij"]);
        let lines = wrap_to_width("张三李四王五", 5, "", "");
        assert_eq!(lines, ["张三", "李四", "王五"]);
        for width in 4..12 {
            for line in wrap_to_width("a 张三李四王五 bcdefgh 里", width, " ", "  ") {
                assert!(display_width(&line) <= width, "{line:?} at {width}");
            }
        }
    }
}
