//! Text that reaches a terminal: which characters a name may hold, how text written by other
//! clients is shown (escaped, never raw), and how long values are cut in messages.

use std::borrow::Cow;
use std::fmt;

/// Longest value echoed in a message, in characters.
pub const MESSAGE_VALUE_CHARS: usize = 40;

/// A character a name may not hold, and where it is (counted in characters, from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnsafeCharacter {
    pub character: char,
    pub position: usize,
}

impl fmt::Display for UnsafeCharacter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "may not contain {} (U+{:04X}) at character {}",
            kind(self.character),
            u32::from(self.character),
            self.position
        )
    }
}

fn kind(c: char) -> &'static str {
    match c {
        c if c.is_control() => "a control character",
        '\u{2028}' | '\u{2029}' => "a line separator",
        _ => "a bidirectional override",
    }
}

/// Characters that steer a terminal or reorder the text around them: C0 and C1 controls, bidi
/// embeddings, overrides and isolates, line and paragraph separators, interlinear annotations.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// Characters that show nothing by themselves: spaces, zero-width characters, joiners, marks
/// for direction, variation selectors, tags, fillers.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
                | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}' | '\u{FFA0}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// The first character a name may not hold, if any.
pub fn first_unsafe_character(text: &str) -> Option<UnsafeCharacter> {
    text.chars()
        .enumerate()
        .find(|(_, c)| is_unsafe(*c))
        .map(|(at, character)| UnsafeCharacter {
            character,
            position: at + 1,
        })
}

/// Whether anything is left to see once invisible characters are set aside.
pub fn has_visible_character(text: &str) -> bool {
    text.chars().any(|c| !is_invisible(c) && !is_unsafe(c))
}

/// `text` as it may be printed to a terminal: every unsafe character, and every invisible one
/// other than a space, a joiner or a variation selector (which emoji sequences use), written as
/// `\u{…}`. Unchanged (and not copied) when there is nothing to escape.
pub fn escape_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// `c`, or a visible stand-in (`�`) for a character [`escape_for_terminal`] would escape: for text
/// being edited, where each character must keep its one place.
pub fn shown_in_place(c: char) -> char {
    if needs_escape(c) { '\u{FFFD}' } else { c }
}

fn needs_escape(c: char) -> bool {
    is_unsafe(c)
        || (is_invisible(c)
            && !matches!(c, ' ' | '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}'))
}

/// Serialized JSON with the same characters written as `\uXXXX` escapes: still the same JSON
/// value, and safe to print. (serde_json escapes C0 controls itself, not C1 or bidi controls.)
pub fn escape_json_for_terminal(json: String) -> String {
    if !json.chars().any(needs_escape) {
        return json;
    }
    let mut escaped = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// `text` cut to [`MESSAGE_VALUE_CHARS`] characters for a message, saying how long it was.
pub fn cut(text: &str) -> Cow<'_, str> {
    cut_to(text, MESSAGE_VALUE_CHARS)
}

/// `text` cut to `longest` characters, saying how long it was.
pub fn cut_to(text: &str, longest: usize) -> Cow<'_, str> {
    let total = text.chars().count();
    if total <= longest {
        return Cow::Borrowed(text);
    }
    let kept: String = text.chars().take(longest).collect();
    Cow::Owned(format!("{kept}… ({total} characters)"))
}

/// Text that may span lines (a server's message), on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message of several lines (a client library's: "…failed: Connection refused\n\tIs the
/// server running…?") as one line, a line that ends without punctuation ending in a full stop.
pub fn one_line_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(one_line).filter(|line| !line.is_empty()) {
        if let Some(last) = out.chars().last() {
            if !matches!(last, '.' | ':' | ';' | ',' | '!' | '?') {
                out.push('.');
            }
            out.push(' ');
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_of_several_lines_reads_as_sentences_on_one() {
        assert_eq!(
            one_line_message(
                "connection to server at \"::1\", port 5432 failed: Connection refused\n\tIs \
                 the server running on that host?\n"
            ),
            "connection to server at \"::1\", port 5432 failed: Connection refused. Is the \
             server running on that host?"
        );
        assert_eq!(one_line_message("one\n\n  two  words \n"), "one. two words");
        assert_eq!(one_line_message("done."), "done.");
    }

    #[test]
    fn controls_and_bidi_overrides_are_unsafe_with_their_position() {
        assert_eq!(
            first_unsafe_character("ab\u{1b}[31m"),
            Some(UnsafeCharacter {
                character: '\u{1b}',
                position: 3
            })
        );
        assert_eq!(
            first_unsafe_character("\u{9b}x").map(|u| u.position),
            Some(1)
        );
        let bidi = first_unsafe_character("Zoë\u{202E}x").unwrap();
        assert_eq!(bidi.position, 4);
        assert_eq!(
            bidi.to_string(),
            "may not contain a bidirectional override (U+202E) at character 4"
        );
        assert!(first_unsafe_character("\u{2067}x").is_some());
        assert_eq!(first_unsafe_character("Zoë Ångström-李"), None);
    }

    #[test]
    fn emoji_with_joiners_are_fine_and_invisible_only_names_are_empty() {
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(first_unsafe_character(family), None);
        assert!(has_visible_character(family));
        assert_eq!(escape_for_terminal(family), family);
        assert!(!has_visible_character("\u{200B}\u{200D}\u{FEFF}"));
        assert!(!has_visible_character("\u{2060}\u{3000}\u{00AD}"));
        assert!(has_visible_character("\u{200B}a"));
    }

    #[test]
    fn escaping_shows_what_would_steer_the_terminal() {
        assert_eq!(escape_for_terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_for_terminal("\u{202E}abc"), "\\u{202e}abc");
        assert_eq!(escape_for_terminal("\u{9b}"), "\\u{9b}");
        assert_eq!(escape_for_terminal("\u{200B}"), "\\u{200b}");
        assert!(matches!(escape_for_terminal("plain Zoë"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_keep_the_value() {
        let json = serde_json::to_string("a\u{9b}b\u{202e}c\u{E0041}").unwrap();
        let safe = escape_json_for_terminal(json);
        assert!(safe.is_ascii(), "{safe}");
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "a\u{9b}b\u{202e}c\u{E0041}");
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(10_000);
        let shown = cut(&long);
        assert!(shown.chars().count() < 70, "{shown}");
        assert!(shown.ends_with("(10000 characters)"));
        assert_eq!(cut("short"), "short");
    }
}
