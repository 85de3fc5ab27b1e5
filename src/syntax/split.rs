//! Splits a `.omni` file into its top-level items before parsing, so that a syntax error in
//! one item does not hide the rest of the file.
//!
//! The keywords that start an item (`policy`, `type`, `entity`, `channel`, `event`,
//! `external`, `action`, `rule`, `process`) are reserved and cannot appear anywhere else, so
//! every occurrence outside a comment or string starts a new item.

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

/// The words of `text` (identifier-like runs) with their byte offsets, skipping comments and
/// quoted strings.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            match bytes[i] {
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b if b.is_ascii_alphanumeric() || b == b'_' => {
                    let start = i;
                    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
                    {
                        i += 1;
                    }
                    return Some((start, &text[start..i]));
                }
                _ => i += 1,
            }
        }
        None
    })
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
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    })
}

/// The offset of the first parenthesis nested deeper than `limit`, if any.
///
/// Conditions recurse through parentheses; bounding their depth before parsing keeps the
/// parser's stack bounded whatever the input.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
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
    fn finds_deep_nesting_outside_strings() {
        assert_eq!(too_deep("((a))", 2), None);
        assert_eq!(too_deep("(((a)))", 2), Some(2));
        assert_eq!(too_deep("\"(((\" # (((\n(a)", 2), None);
    }
}
