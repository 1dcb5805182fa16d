//! `tag-mismatch`: the inline tags of the target are not those of the
//! source.
//!
//! The segments' markup is read with a small scanner (it is well-formed
//! XML content by construction: [`crate::model::Variant::markup`]). Every
//! start or empty element is a tag, known by its name and its identifying
//! attribute: `x` (TMX), `id` (XLIFF), or none. TMX's `i` is not an
//! identity: it only pairs `bpt` with `ept` inside one segment, and tools
//! number it afresh in each language. `sub` (translatable text inside a
//! code) and the annotations `mrk`, `sm`, `em` (which translators may move
//! or drop) are not tags; what is inside a code (`{\b }`, `&lt;b&gt;`) is text.
//!
//! Tags are compared as multisets: translation reorders them freely. The
//! finding lists what the target lacks (spans in the source markup) and
//! what it adds (spans in the target markup).

use super::{Finding, Kind, Segment};
use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Tag {
    name: String,
    id: Option<String>,
    range: Range<usize>,
}

impl Tag {
    fn same(&self, other: &Tag) -> bool {
        self.name == other.name && self.id == other.id
    }
}

pub fn check(seg: &Segment) -> Option<Finding> {
    let (source, target) = (seg.source.markup.as_str(), seg.target_markup());
    let (s, t) = (tags(source), tags(target));
    if s.is_empty() && t.is_empty() {
        return None;
    }
    let mut unmatched_target: Vec<Option<&Tag>> = t.iter().map(Some).collect();
    let mut missing = Vec::new();
    for tag in &s {
        match unmatched_target.iter_mut().find(|u| u.is_some_and(|u| u.same(tag))) {
            Some(slot) => *slot = None,
            None => missing.push(tag),
        }
    }
    let extra: Vec<Range<usize>> = unmatched_target.into_iter().flatten().map(|t| t.range.clone()).collect();
    let missing: Vec<Range<usize>> = missing.iter().map(|t| t.range.clone()).collect();
    let mut f = Finding::mismatch(
        Kind::TagMismatch,
        seg,
        (source, &missing),
        (target, &extra),
        " ",
        (|m| format!("the target lacks {m}"), |e| format!("the target adds {e}")),
    )?;
    f.on_markup = true;
    Some(f)
}

/// Elements whose content is native code, not translatable text.
const CODES: [&str; 5] = ["bpt", "ept", "it", "ph", "ut"];

/// The tags of a markup string, in order.
fn tags(markup: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let bytes = markup.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + off;
        let rest = &markup[start..];
        // Comments, CDATA and processing instructions are skipped whole.
        let skip_to = |end: &str| rest.find(end).map_or(markup.len(), |e| start + e + end.len());
        if rest.starts_with("<!--") {
            i = skip_to("-->");
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            i = skip_to("]]>");
            continue;
        }
        if rest.starts_with("<?") {
            i = skip_to("?>");
            continue;
        }
        let end = tag_end(markup, start);
        if !rest.starts_with("</") {
            let inner = markup[start + 1..end].trim_end_matches('>').trim_end_matches('/');
            let name_len = inner.find(|c: char| c.is_whitespace()).unwrap_or(inner.len());
            let name = &inner[..name_len];
            let local = name.rsplit(':').next().unwrap_or(name);
            if !name.is_empty() && !["sub", "mrk", "sm", "em"].contains(&local) {
                let attrs = attributes(&inner[name_len..]);
                let id = ["x", "id"]
                    .iter()
                    .find_map(|want| attrs.iter().find(|(k, _)| k == want).map(|(_, v)| v.clone()));
                // A code element is shown whole (`<ph x="1">&lt;br/&gt;</ph>`);
                // codes do not nest, so its end is the next end tag of its name.
                let self_closing = markup[..end].ends_with("/>");
                let whole = match CODES.contains(&local) && !self_closing {
                    true => markup[end..].find(&format!("</{name}>")).map(|e| end + e + name.len() + 3),
                    false => None,
                };
                out.push(Tag {
                    name: local.to_string(),
                    id,
                    range: start..whole.unwrap_or(end),
                });
            }
        }
        i = end;
    }
    out
}

/// The end (exclusive) of the tag starting at `start`: after its `>`,
/// skipping `>` inside quoted attribute values.
fn tag_end(markup: &str, start: usize) -> usize {
    let mut quote: Option<char> = None;
    for (k, c) in markup[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return start + k + 1,
            _ => {}
        }
    }
    markup.len()
}

/// `name="value"` pairs, values as written (still escaped).
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(close) = after[1..].find(q) else { break };
        out.push((name, after[1..1 + close].to_string()));
        rest = &after[1 + close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::model::Variant;
    use crate::qa::Side;

    fn seg(source: &str, target: &str) -> Segment {
        let v = |lang: &str, text: &str| Variant {
            lang: Lang::parse(lang).unwrap(),
            markup: text.to_string(),
            plain: String::new(),
            admin: Default::default(),
            meta: Default::default(),
        };
        Segment {
            id: "1".into(),
            source: v("en", source),
            target: Some(v("ja", target)),
        }
    }

    #[test]
    fn same_tags_in_any_order_and_numbering_are_clean() {
        for (s, t) in [
            ("plain", "テキスト"),
            (
                r#"<bpt i="1" x="1">{\b </bpt>Bold<ept i="1">}</ept> and <ph x="2">&lt;br/&gt;</ph>"#,
                r#"<ph x="2">&lt;br/&gt;</ph>と<bpt i="7" x="1">{\b </bpt>太字<ept i="7">}</ept>"#,
            ),
            (r#"<g id="1">a</g><x id="2"/>"#, r#"<x id='2'/><g id="1">あ</g>"#),
            (r#"a <mrk mtype="term">b</mrk>"#, "あ"),
            (r#"<ph>x &gt; y</ph><![CDATA[<b>]]>"#, r#"<ph>x &gt; y</ph>"#),
        ] {
            assert_eq!(check(&seg(s, t)).map(|f| f.message), None, "{s} / {t}");
        }
    }

    #[test]
    fn missing_extra_and_renumbered_tags_are_found() {
        let target = r#"<bpt i="1" x="2">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept>をクリック<it pos="begin" x="3">&lt;i&gt;</it>"#;
        let f = check(&seg(
            r#"<ph x="1"/>Click <bpt i="1" x="2">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept>"#,
            target,
        ))
        .unwrap();
        assert_eq!(
            f.message,
            r#"the target lacks <ph x="1"/>; the target adds <it pos="begin" x="3">&lt;i&gt;</it>"#
        );
        assert_eq!(f.spans[0].side, Side::Source);
        assert_eq!(f.spans[1].side, Side::Target);
        assert!(f.on_markup);
        assert_eq!(&target[f.spans[1].start..f.spans[1].end], r#"<it pos="begin" x="3">&lt;i&gt;</it>"#);
        assert!(check(&seg(r#"<x id="1"/><x id="2"/>"#, r#"<x id="1"/><x id="1"/>"#)).is_some());
        assert!(check(&seg("a", r#"<ph x="1"/>あ"#)).is_some());
    }
}
