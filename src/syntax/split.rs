//! Splits a `.omni` file into its top-level items before parsing, so that a syntax error in
//! one item does not hide the rest of the file.
//!
//! The keywords that start an item (`policy`, `type`, `entity`, `channel`, `event`,
//! `external`, `action`, `rule`, `process`) are reserved and cannot appear anywhere else, so
//! every occurrence outside a comment or string starts a new item.

use std::borrow::Cow;
use std::ops::Range;

/// A top-level piece of a file: the header, an item, or text before the first keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// The keyword that starts it; `None` for text before the first keyword.
    pub keyword: Option<&'static str>,
    /// The name after the keyword, when there is one.
    pub name: Option<String>,
}

const ITEM_KEYWORDS: &[&str] = &[
    "policy", "type", "entity", "channel", "event", "external", "action", "rule", "process",
];

/// What a piece of `.omni` text is, as far as cutting it up needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    /// Anything outside comments and quoted strings.
    Code,
    /// From `#` to the end of its line (the line feed is code).
    Comment,
    /// From `"` to the closing quote, or to the end of the line when there is none.
    Quoted,
}

/// `text` cut into code, comments and quoted strings, in order, covering all of it. Every
/// piece starts and ends at an ASCII byte or at an end of the text, so each is a `str` slice.
fn pieces(text: &str) -> impl Iterator<Item = (Piece, Range<usize>)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = i;
        let piece = match *bytes.get(i)? {
            b'#' => {
                i = comment_end(bytes, i);
                Piece::Comment
            }
            b'"' => {
                i = quoted_end(bytes, i);
                Piece::Quoted
            }
            _ => {
                while i < bytes.len() && bytes[i] != b'#' && bytes[i] != b'"' {
                    i += 1;
                }
                Piece::Code
            }
        };
        Some((piece, start..i))
    })
}

/// Where the comment starting at `start` (a `#`) ends: at its line feed, or the text's end.
fn comment_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// Where the quoted string starting at `start` (a `"`) ends: past its closing quote, or past
/// the line feed or the text's end when it has none.
fn quoted_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    // Past the closing quote; an escape may have stepped over the end.
    (i + 1).min(bytes.len())
}

/// The words of `text` (identifier-like runs) with their byte offsets, skipping comments and
/// quoted strings as [`pieces`] cuts them. Read byte by byte, in one pass: a byte of a
/// non-ASCII character is no word byte, and every word starts and ends at an ASCII byte.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            match *bytes.get(i)? {
                b'#' => i = comment_end(bytes, i),
                b'"' => i = quoted_end(bytes, i),
                byte if is_word(byte) => {
                    let start = i;
                    while i < bytes.len() && is_word(bytes[i]) {
                        i += 1;
                    }
                    return Some((start, &text[start..i]));
                }
                _ => i += 1,
            }
        }
    })
}

/// `text` with every comment replaced by as many spaces as it has bytes, so that every
/// offset stays where it was; `text` itself when it has none. The parser that reads
/// policies has no comment rule (see `grammar/comments.pest`): outside quoted strings,
/// where a comment may stand, a space may too, and it is skipped the same way.
pub fn without_comments(text: &str) -> Cow<'_, str> {
    if !text.contains('#') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (piece, range) in pieces(text) {
        match piece {
            Piece::Comment => out.extend(std::iter::repeat_n(' ', range.len())),
            Piece::Code | Piece::Quoted => out.push_str(&text[range]),
        }
    }
    Cow::Owned(out)
}

/// Splits `text` into chunks, in order, covering all of it.
pub fn split(text: &str) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut previous: Option<&str> = None;
    let mut awaiting_name = false;
    for (offset, word) in words(text) {
        let keyword = ITEM_KEYWORDS.iter().copied().find(|k| *k == word);
        let continues_external = word == "event" && previous == Some("external");
        match keyword {
            Some(keyword) if !continues_external => {
                if let Some(last) = chunks.last_mut() {
                    last.end = offset;
                } else if !is_blank(&text[..offset]) {
                    chunks.push(Chunk {
                        start: 0,
                        end: offset,
                        keyword: None,
                        name: None,
                    });
                }
                chunks.push(Chunk {
                    start: offset,
                    end: text.len(),
                    keyword: Some(keyword),
                    name: None,
                });
                awaiting_name = true;
            }
            _ if awaiting_name && !continues_external => {
                if let Some(last) = chunks.last_mut() {
                    last.name = Some(word.to_owned());
                }
                awaiting_name = false;
            }
            _ => {}
        }
        previous = Some(word);
    }
    if chunks.is_empty() && !is_blank(text) {
        chunks.push(Chunk {
            start: 0,
            end: text.len(),
            keyword: None,
            name: None,
        });
    }
    chunks
}

/// Whether `text` holds nothing but whitespace and comments.
fn is_blank(text: &str) -> bool {
    pieces(text).all(|(piece, range)| match piece {
        Piece::Comment => true,
        Piece::Code => text[range].trim().is_empty(),
        Piece::Quoted => false,
    })
}

/// The offset of the first parenthesis nested deeper than `limit`, if any.
///
/// Conditions recurse through parentheses; bounding their depth before parsing keeps the
/// parser's stack bounded whatever the input.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    // Nesting deeper than `limit` needs more opening parentheses than that: most texts
    // have a few, and counting bytes is a fraction of telling code from strings.
    if text.bytes().filter(|&byte| byte == b'(').count() <= limit {
        return None;
    }
    let mut depth = 0usize;
    for (_, range) in pieces(text).filter(|(piece, _)| *piece == Piece::Code) {
        for (i, byte) in text.as_bytes()[range.clone()].iter().enumerate() {
            match byte {
                b'(' => {
                    depth += 1;
                    if depth > limit {
                        return Some(range.start + i);
                    }
                }
                b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Vec<(Option<&'static str>, Option<String>, &str)> {
        split(text)
            .into_iter()
            .map(|c| (c.keyword, c.name, &text[c.start..c.end]))
            .collect()
    }

    #[test]
    fn splits_at_item_keywords_only() {
        let text = "policy p\n# type in a comment\nentity c { x: bool }\nexternal event e\nrule r: invariant c.x == \"type\"\n";
        assert_eq!(
            shape(text),
            vec![
                (
                    Some("policy"),
                    Some("p".into()),
                    "policy p\n# type in a comment\n"
                ),
                (Some("entity"), Some("c".into()), "entity c { x: bool }\n"),
                (Some("external"), Some("e".into()), "external event e\n"),
                (
                    Some("rule"),
                    Some("r".into()),
                    "rule r: invariant c.x == \"type\"\n"
                ),
            ]
        );
    }

    #[test]
    fn keeps_leading_garbage_as_its_own_chunk() {
        let chunks = split("oops\npolicy p");
        assert_eq!(chunks[0].keyword, None);
        assert_eq!(chunks[1].keyword, Some("policy"));
        assert!(split("   \n# only a comment\n").is_empty());
    }

    #[test]
    fn blanks_comments_out_byte_for_byte_and_leaves_strings() {
        let text = "state s { # café \"\n  on a when c.x == \"#\\\"#\" -> t # ✓\n}";
        let blanked = without_comments(text);
        // `# café "` is 9 bytes, `# ✓` 5.
        let expected = format!(
            "state s {{ {}\n  on a when c.x == \"#\\\"#\" -> t {}\n}}",
            " ".repeat(9),
            " ".repeat(5)
        );
        assert_eq!(blanked, expected);
        assert_eq!(blanked.len(), text.len());
        // An unterminated string ends at its line; what follows is read again.
        assert_eq!(without_comments("\"a # b\n# c"), "\"a # b\n   ");
        assert!(matches!(without_comments("no comment"), Cow::Borrowed(_)));
    }

    #[test]
    fn finds_deep_nesting_outside_strings() {
        assert_eq!(too_deep("((a))", 2), None);
        assert_eq!(too_deep("(((a)))", 2), Some(2));
        assert_eq!(too_deep("\"(((\" # (((\n(a)", 2), None);
    }

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_cases(512))]

        /// The byte scan finds the words splitting each piece of code at every character
        /// that is not ASCII alphanumeric or `_` finds.
        #[test]
        fn words_are_the_code_split_at_non_word_characters(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "policy", "process", " ", "\n", "#", "\"", "\\", "_x1", "é", "漢", "(", "a.b", "9",
                ]),
                0..40,
            )
        ) {
            let text = parts.concat();
            let expected: Vec<(usize, &str)> = pieces(&text)
                .filter(|(piece, _)| *piece == Piece::Code)
                .flat_map(|(_, range)| {
                    let code = &text[range.clone()];
                    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .filter(|word| !word.is_empty())
                        .map(move |word| {
                            (range.start + word.as_ptr() as usize - code.as_ptr() as usize, word)
                        })
                })
                .collect();
            proptest::prop_assert_eq!(words(&text).collect::<Vec<_>>(), expected);
        }
    }
}
