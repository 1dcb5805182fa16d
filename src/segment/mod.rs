//! Sentence segmentation of documents: paragraphs first, then SRX rules
//! inside each paragraph.
//!
//! A document is cut in two steps:
//!
//! 1. **Paragraphs** ([`Paragraph`]) come from the layout, never from the
//!    rules. A blank line always ends one. In plain text every line is a
//!    paragraph of its own (a heading or a list item written without a
//!    final period is a segment by itself), except a *wrapped* line: one
//!    that does not end in sentence punctuation and is followed by a line
//!    starting with a lower-case letter (not an item number such as `iv.`)
//!    is joined with it. In Markdown
//!    ([`Format::Markdown`]) the lines of a paragraph are joined (soft
//!    wraps), and ATX headings (`## …`) and list items (`- `, `* `, `+ `,
//!    `1. `, `1) `) are paragraphs of their own; their markers are removed
//!    from the text and kept in [`Paragraph::marker`]; fenced code blocks
//!    are skipped. Joined lines are separated by a space, or by nothing
//!    between two CJK characters (Japanese has no spaces to restore).
//! 2. **Segments** ([`Segment`]): the SRX rules ([`srx`]) for the language
//!    break each paragraph's text; segments are trimmed and empty ones
//!    dropped. The bundled rules (`src/segment/default.srx`) handle
//!    abbreviations (Prof., Mr., No. 5, e.g., U.S., Oct. 3), numbered
//!    headings (`1.`, `i.`, `(1)`, `1．`) and Japanese 。！？ with the
//!    closing brackets 」』） that follow them.
//!
//! Invariants: segments never cross a paragraph; every segment knows the
//! byte range of its text in the document (from its first to its last
//! character, across any joined line breaks) and the 1-based line where it
//! starts; segments are in document order, so their 1-based position in
//! the flattened list is "segment number N" in reports.

pub mod srx;

use crate::lang::Lang;
use crate::text::normalize::is_cjk;
use crate::xml::InputError;
use regex::Regex;
use serde::Serialize;
use srx::Srx;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

/// How the document's layout is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Plain,
    Markdown,
}

impl Format {
    /// Markdown for `.md` and `.markdown` files, plain text otherwise.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("md" | "markdown") => Format::Markdown,
            _ => Format::Plain,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParagraphKind {
    Text,
    /// A Markdown ATX heading, with its level (1–6).
    Heading(u8),
    /// A Markdown list item.
    ListItem,
}

/// A run of text that segmentation never crosses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Paragraph {
    pub kind: ParagraphKind,
    /// The Markdown marker removed from the first line, as written
    /// (`## `, `  - `, `1. `); empty otherwise.
    pub marker: String,
    /// Bytes of the document the paragraph covers, marker included.
    pub range: Range<usize>,
    /// The line where it starts (1-based).
    pub line: usize,
    pub segments: Vec<Segment>,
}

/// One sentence (or heading, or list item) to translate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Segment {
    /// The text: markers removed, joined lines separated by one space (or
    /// nothing between CJK characters), trimmed.
    pub text: String,
    /// Bytes of the document from the segment's first to its last
    /// character.
    pub range: Range<usize>,
    /// The line where it starts (1-based).
    pub line: usize,
}

/// Cuts documents into paragraphs and segments with one set of SRX rules.
#[derive(Debug)]
pub struct Segmenter {
    srx: Srx,
}

impl Segmenter {
    /// The bundled rules for Japanese, English and other languages.
    pub fn default_rules() -> Segmenter {
        Segmenter { srx: Srx::default_rules() }
    }

    /// The rules of an SRX 2.0 file.
    pub fn from_srx(path: &Path) -> Result<Segmenter, InputError> {
        Ok(Segmenter { srx: Srx::open(path)? })
    }

    /// The paragraphs of `text`, each with its segments.
    pub fn segment_document(&self, text: &str, lang: &Lang, format: Format) -> Vec<Paragraph> {
        let rules = self.srx.rules_for(lang);
        layout(text, format)
            .into_iter()
            .map(|draft| {
                let joined = draft.joined();
                let mut cuts = rules.breaks(&joined.text);
                cuts.push(joined.text.len());
                let mut segments = Vec::new();
                let mut from = 0;
                for to in cuts {
                    let piece = &joined.text[from..to];
                    let start = from + (piece.len() - piece.trim_start().len());
                    let end = from + piece.trim_end().len();
                    if start < end {
                        let (begin, line) = joined.source_of(start);
                        segments.push(Segment {
                            text: joined.text[start..end].to_string(),
                            range: begin..joined.source_end_of(end),
                            line,
                        });
                    }
                    from = to;
                }
                Paragraph {
                    kind: draft.kind,
                    marker: draft.marker,
                    range: draft.range,
                    line: draft.lines[0].line,
                    segments,
                }
            })
            .filter(|p| !p.segments.is_empty())
            .collect()
    }

    /// The segments of one paragraph's text (no layout): for texts that
    /// arrive already cut into paragraphs, such as XLIFF units.
    pub fn segment_text(&self, text: &str, lang: &Lang) -> Vec<String> {
        let mut cuts = self.srx.rules_for(lang).breaks(text);
        cuts.push(text.len());
        let mut from = 0;
        let mut out = Vec::new();
        for to in cuts {
            let piece = text[from..to].trim();
            if !piece.is_empty() {
                out.push(piece.to_string());
            }
            from = to;
        }
        out
    }
}

/// One line's contribution to a paragraph.
struct LinePiece<'t> {
    /// The text, marker and surrounding whitespace removed.
    text: &'t str,
    /// Where `text` starts in the document.
    start: usize,
    line: usize,
}

/// A paragraph before segmentation.
struct Draft<'t> {
    kind: ParagraphKind,
    marker: String,
    range: Range<usize>,
    lines: Vec<LinePiece<'t>>,
}

/// A paragraph's lines joined, with the way back to document offsets.
struct Joined<'d, 't> {
    text: String,
    /// Offset in `text` where each line's piece starts.
    starts: Vec<usize>,
    draft: &'d Draft<'t>,
}

impl Draft<'_> {
    fn joined(&self) -> Joined<'_, '_> {
        let mut text = String::new();
        let mut starts = Vec::with_capacity(self.lines.len());
        for piece in &self.lines {
            if let (Some(last), Some(first)) = (text.chars().next_back(), piece.text.chars().next()) {
                if !(is_cjk(last) && is_cjk(first)) {
                    text.push(' ');
                }
            }
            starts.push(text.len());
            text.push_str(piece.text);
        }
        Joined { text, starts, draft: self }
    }
}

impl Joined<'_, '_> {
    /// The document offset and line of the character at `at` (which is
    /// inside a piece: segments are trimmed, separators are spaces).
    fn source_of(&self, at: usize) -> (usize, usize) {
        let i = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        let piece = &self.draft.lines[i];
        (piece.start + (at - self.starts[i]), piece.line)
    }

    /// The document offset just after the character that ends at `end`.
    fn source_end_of(&self, end: usize) -> usize {
        let last = self.text[..end].chars().next_back().map_or(0, char::len_utf8);
        self.source_of(end - last).0 + last
    }
}

static MD_HEADING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}(#{1,6})(?:[ \t]+|$)").expect("valid pattern"));
static MD_LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+").expect("valid pattern"));
static MD_FENCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}(?:```|~~~)").expect("valid pattern"));

/// Finds the paragraphs of a document.
fn layout(text: &str, format: Format) -> Vec<Draft<'_>> {
    let mut drafts: Vec<Draft> = Vec::new();
    // Whether the last draft may still take lines.
    let mut open = false;
    let mut in_fence = false;
    let mut offset = 0;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = n + 1;
        let content = raw.trim_end_matches(['\n', '\r']);
        if format == Format::Markdown && MD_FENCE.is_match(content) {
            in_fence = !in_fence;
            open = false;
            continue;
        }
        if in_fence {
            continue;
        }
        if content.trim().is_empty() {
            open = false;
            continue;
        }
        let (kind, marker_len) = match format {
            Format::Plain => (ParagraphKind::Text, 0),
            Format::Markdown => {
                if let Some(c) = MD_HEADING.captures(content) {
                    (ParagraphKind::Heading(c[1].len() as u8), c[0].len())
                } else if let Some(m) = MD_LIST_ITEM.find(content) {
                    (ParagraphKind::ListItem, m.end())
                } else {
                    (ParagraphKind::Text, 0)
                }
            }
        };
        let body = &content[marker_len..];
        let mut trimmed = body.trim();
        if let ParagraphKind::Heading(_) = kind {
            // The optional closing sequence: `## Title ##`.
            let without = trimmed.trim_end_matches('#');
            if without.is_empty() || without.ends_with([' ', '\t']) {
                trimmed = without.trim_end();
            }
        }
        let piece = LinePiece {
            text: trimmed,
            start: start + marker_len + (body.len() - body.trim_start().len()),
            line,
        };
        let continues = open
            && kind == ParagraphKind::Text
            && drafts.last().is_some_and(|d| match format {
                Format::Plain => d.lines.last().is_some_and(|prev| is_wrap(prev.text, piece.text)),
                Format::Markdown => !matches!(d.kind, ParagraphKind::Heading(_)),
            });
        if let (true, Some(draft)) = (continues, drafts.last_mut()) {
            draft.range.end = start + content.len();
            draft.lines.push(piece);
        } else if !piece.text.is_empty() {
            drafts.push(Draft {
                kind,
                marker: content[..marker_len].to_string(),
                range: start..start + content.len(),
                lines: vec![piece],
            });
        }
        open = !matches!(kind, ParagraphKind::Heading(_));
    }
    drafts
}

/// Whether a plain-text line break inside a paragraph is a hard wrap: the
/// line does not end a sentence and the next goes on in lower case (and
/// does not start with a lower-case item number such as `iv.` or `a)`).
fn is_wrap(line: &str, next: &str) -> bool {
    static ITEM_NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:[ivxlcdm]{1,6}|[a-z])[.)．）]").expect("valid pattern"));
    let ends_sentence = line
        .trim_end_matches(['"', '\'', '’', '”', ')', ']', '」', '』', '）'])
        .ends_with(['.', '!', '?', ':', ';', '。', '！', '？', '：']);
    !ends_sentence && next.chars().next().is_some_and(char::is_lowercase) && !ITEM_NUMBER.is_match(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(paragraphs: &[Paragraph]) -> Vec<Vec<&str>> {
        paragraphs
            .iter()
            .map(|p| p.segments.iter().map(|s| s.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn ranges_and_lines_point_into_the_document() {
        let doc = "Title\n\nOne sentence. Another\nsentence here.\n日本語の文です。次の文\nです。\n";
        let paragraphs = Segmenter::default_rules().segment_document(doc, &"en".parse().unwrap(), Format::Plain);
        assert_eq!(
            texts(&paragraphs),
            vec![
                vec!["Title"],
                vec!["One sentence.", "Another sentence here."],
                vec!["日本語の文です。", "次の文"],
                vec!["です。"]
            ]
        );
        let another = &paragraphs[1].segments[1];
        assert_eq!(&doc[another.range.clone()], "Another\nsentence here.");
        assert_eq!((another.line, paragraphs[1].line), (3, 3));
        assert_eq!(paragraphs[3].segments[0].line, 6);
    }

    #[test]
    fn markdown_markers_are_kept_apart() {
        let doc = "# Results ##\n\nSome text\nwrapped here. 日本語\nの文。\n\n- item one\n  goes on\n2. second\n\n```\ncode. Not segmented.\n```\n";
        let paragraphs = Segmenter::default_rules().segment_document(doc, &"en".parse().unwrap(), Format::Markdown);
        assert_eq!(
            texts(&paragraphs),
            vec![
                vec!["Results"],
                vec!["Some text wrapped here.", "日本語の文。"],
                vec!["item one goes on"],
                vec!["second"]
            ]
        );
        assert_eq!(paragraphs[0].kind, ParagraphKind::Heading(1));
        assert_eq!(paragraphs[2].marker, "- ");
        assert_eq!(paragraphs[3].marker, "2. ");
        assert_eq!(&doc[paragraphs[2].range.clone()], "- item one\n  goes on");
        assert_eq!(&doc[paragraphs[1].segments[1].range.clone()], "日本語\nの文。");
    }

    #[test]
    fn formats_from_extensions() {
        assert_eq!(Format::from_path(Path::new("a/README.MD")), Format::Markdown);
        assert_eq!(Format::from_path(Path::new("new-text.ja.txt")), Format::Plain);
    }

    #[test]
    fn segment_text_uses_the_rules_only() {
        let s = Segmenter::default_rules();
        assert_eq!(
            s.segment_text("One. Two.\nThree", &"en".parse().unwrap()),
            vec!["One.", "Two.", "Three"]
        );
    }
}
