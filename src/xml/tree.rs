//! A small element tree for the parts of a document a reader interprets as
//! a whole (a TBX concept entry, an SRX file, an XLIFF unit).
//!
//! Readers stream the document with [`Events`] and build a tree only for one
//! entry at a time ([`Events::read_element`]), so memory stays bounded by
//! the largest entry. Texts are kept as written except that CR LF and CR
//! are read as LF, as XML requires; entity references are resolved (only
//! the predefined ones and character references exist, see
//! [`super::resolve_entity`]).

use super::{resolve_entity, Events, Parse};
use quick_xml::events::{BytesStart, Event};

/// An element with its attributes (values normalised) and content.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    /// The qualified name as written (`basic:partOfSpeech`).
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// The line of the start tag (1-based), for warnings.
    pub line: u64,
    /// Where the start tag begins in the decoded stream, for located
    /// errors ([`Events::error_at`]).
    pub offset: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// The local name (after any prefix).
    pub fn local(&self) -> &str {
        local_name(&self.name)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// All text inside, markup removed, as written.
    pub fn text_as_written(&self) -> String {
        fn collect(e: &Element, out: &mut String) {
            for n in &e.children {
                match n {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(c) => collect(c, out),
                }
            }
        }
        let mut out = String::new();
        collect(self, &mut out);
        out
    }

    /// All text inside, markup removed, trimmed.
    pub fn text(&self) -> String {
        self.text_as_written().trim().to_string()
    }

    /// The content as XML (escaped text and inline elements), without the
    /// element's own tags: the markup of a segment.
    pub fn inner_markup(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            n.write_markup(&mut out);
        }
        out
    }
}

impl Node {
    fn write_markup(&self, out: &mut String) {
        match self {
            Node::Text(t) => super::escape_text(t, out),
            Node::Element(e) => {
                out.push('<');
                out.push_str(&e.name);
                for (k, v) in &e.attrs {
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    super::escape_attr(v, out);
                    out.push('"');
                }
                if e.children.is_empty() {
                    out.push_str("/>");
                } else {
                    out.push('>');
                    for c in &e.children {
                        c.write_markup(out);
                    }
                    out.push_str("</");
                    out.push_str(&e.name);
                    out.push('>');
                }
            }
        }
    }
}

/// The part of a qualified name after any prefix.
pub fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

impl Events {
    /// Reads the element whose start tag was just read (`empty`: it was
    /// `<x/>`), with everything inside.
    pub fn read_element(&mut self, start: &BytesStart, empty: bool) -> Parse<Element> {
        let mut root = self.new_element(start)?;
        if empty {
            return Ok(root);
        }
        let mut stack: Vec<Element> = Vec::new();
        loop {
            match self.next_event()? {
                Event::Start(e) => {
                    let child = self.new_element(&e)?;
                    stack.push(child);
                }
                Event::Empty(e) => {
                    let child = self.new_element(&e)?;
                    stack.last_mut().unwrap_or(&mut root).children.push(Node::Element(child));
                }
                Event::End(_) => match stack.pop() {
                    Some(done) => stack.last_mut().unwrap_or(&mut root).children.push(Node::Element(done)),
                    None => return Ok(root),
                },
                Event::Text(t) => {
                    let text = normalise_newlines(&t);
                    push_text(stack.last_mut().unwrap_or(&mut root), &text);
                }
                Event::CData(c) => {
                    push_text(stack.last_mut().unwrap_or(&mut root), &c);
                }
                Event::GeneralRef(r) => {
                    let c = resolve_entity(&r).or_else(|m| self.error(m))?;
                    push_text(stack.last_mut().unwrap_or(&mut root), c.encode_utf8(&mut [0; 4]));
                }
                Event::Eof => {
                    let name = root.name.clone();
                    return self.error(format!("the file ends inside <{name}> (is it truncated?)"));
                }
                _ => {}
            }
        }
    }

    fn new_element(&self, start: &BytesStart) -> Parse<Element> {
        Ok(Element {
            name: start.name().as_ref().to_string(),
            attrs: self
                .attributes(start)?
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into_owned()))
                .collect(),
            children: Vec::new(),
            line: self.line(),
            offset: self.offset(),
        })
    }
}

fn push_text(e: &mut Element, text: &str) {
    if let Some(Node::Text(t)) = e.children.last_mut() {
        t.push_str(text);
    } else {
        e.children.push(Node::Text(text.to_string()));
    }
}

fn normalise_newlines(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    }
}
