//! The translation as a self-contained HTML report: the analysis table,
//! then every segment with its band, its source with the glossary terms
//! marked (their approved renderings in the tooltip and listed below), the
//! best match's TM source with the differences from the segment
//! highlighted (`<del>` only in the TM source, `<ins>` only in the new
//! segment), and the proposed target. No scripts, no external resources.

use super::{Translated, TranslatedSegment};
use crate::fuzzy::DiffKind;
use crate::xml::{escape_attr, escape_text};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}.seg{border-top:1px solid #ddd;padding:.6em 0}
.band{display:inline-block;min-width:6em;font-weight:bold}.context,.exact,.repetition{color:#176b2c}
.fuzzy95,.fuzzy85{color:#8a6d00}.fuzzy75,.fuzzy50{color:#a0522d}.no-match{color:#999}
mark.term{background:#dbeafe;border-bottom:2px solid #2563eb}mark.forbidden{background:#fee2e2;border-bottom-color:#dc2626}
del{background:#fecaca;text-decoration:line-through}ins{background:#bbf7d0;text-decoration:none}
.label{color:#666;display:inline-block;width:7em}.small{color:#666;font-size:.9em}";

/// The report as one HTML document.
pub fn report(doc: &Translated) -> String {
    let mut b = String::with_capacity(4096 + doc.units.len() * 1024);
    b.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>yakugo: ");
    escape_text(&doc.original, &mut b);
    b.push_str("</title><style>");
    b.push_str(STYLE);
    b.push_str("</style></head><body>\n<h1>");
    escape_text(&doc.original, &mut b);
    b.push_str(&format!(" <span class=\"small\">{} → {}</span></h1>\n", doc.src, doc.tgt));
    let analysis = doc.analysis();
    b.push_str(&format!(
        "<table><tr><th>Band</th><th>Segments</th><th>{}</th><th>%</th></tr>\n",
        analysis.unit
    ));
    for row in &analysis.rows {
        b.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td></tr>\n",
            row.label, row.segments, row.words, row.percent
        ));
    }
    b.push_str(&format!(
        "<tr><th>Total</th><th>{}</th><th>{}</th><th>100</th></tr></table>\n",
        analysis.total_segments, analysis.total_words
    ));
    for s in doc.segments() {
        segment(&mut b, s);
    }
    b.push_str("</body></html>\n");
    b
}

fn segment(b: &mut String, s: &TranslatedSegment) {
    let class = serde_json::to_value(s.band)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let score = s.matches.first().map(|m| format!("{:.2}%", m.score)).unwrap_or_default();
    b.push_str(&format!(
        "<div class=\"seg\" id=\"{}\"><span class=\"small\">{} · line {}</span> <span class=\"band {class}\">{} {score}</span>",
        s.number,
        s.number,
        s.line,
        s.band.label()
    ));
    if let Some(first) = s.repetition_of {
        b.push_str(&format!(" <span class=\"small\">repeats <a href=\"#{first}\">{first}</a></span>"));
    }
    b.push_str("<br><span class=\"label\">Source</span>");
    let mut at = 0;
    for t in &s.terms {
        if t.start < at || t.end > s.source.len() {
            continue;
        }
        escape_text(&s.source[at..t.start], b);
        let class = if t.forbidden { "term forbidden" } else { "term" };
        b.push_str(&format!("<mark class=\"{class}\" title=\""));
        escape_attr(&t.approved.join(" / "), b);
        b.push_str("\">");
        escape_text(&t.matched, b);
        b.push_str("</mark>");
        at = t.end;
    }
    escape_text(&s.source[at..], b);
    if let Some(m) = s.matches.first() {
        b.push_str("<br><span class=\"label\">TM source</span>");
        for op in &m.diff {
            let tag = match op.kind {
                DiffKind::Equal => None,
                DiffKind::Delete => Some("del"),
                DiffKind::Insert => Some("ins"),
            };
            if let Some(tag) = tag {
                b.push_str(&format!("<{tag}>"));
                escape_text(&op.text, b);
                b.push_str(&format!("</{tag}>"));
            } else {
                escape_text(&op.text, b);
            }
        }
        b.push_str("<br><span class=\"label\">TM target</span>");
        escape_text(&m.target, b);
        if let Some(adapted) = &m.adapted_target {
            b.push_str("<br><span class=\"label\">Adapted</span>");
            escape_text(adapted, b);
            b.push_str(" <span class=\"small\">(numbers adapted)</span>");
        }
        b.push_str(&format!("<br><span class=\"small\">unit {} from ", m.id));
        escape_text(&m.origin, b);
        b.push_str("</span>");
    }
    if let Some(t) = &s.target {
        b.push_str("<br><span class=\"label\">Target</span><b>");
        escape_text(t, b);
        b.push_str("</b>");
    }
    for t in &s.terms {
        b.push_str("<br><span class=\"label\">Term</span>");
        escape_text(&t.matched, b);
        b.push_str(" → ");
        escape_text(if t.approved.is_empty() { "-" } else { "" }, b);
        escape_text(&t.approved.join(" / "), b);
        if t.forbidden {
            b.push_str(" <span class=\"small\">(forbidden term)</span>");
        }
    }
    b.push_str("</div>\n");
}
