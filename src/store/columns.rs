//! How model values map to columns: the administrative attributes, props
//! and notes (JSON), and a unit's variants (a JSON array).

use crate::lang::{Lang, TagCache};
use crate::model::{Admin, Meta, TmxDate, Variant};
use rusqlite::types::{ToSqlOutput, Type, ValueRef};
use rusqlite::{Row, ToSql};
use serde::Deserialize;
use std::borrow::Cow;

/// The administrative columns, in the order of [`admin_values`].
pub const ADMIN: &str = "creation_date, creation_id, change_date, change_id, usage_count, last_usage_date, creation_tool, creation_tool_version, datatype, o_tmf, o_encoding";
pub const ADMIN_COUNT: usize = 11;

/// `creation_date = ?N, …` for an UPDATE whose first admin parameter is `?first`.
pub fn admin_assignments(first: usize) -> String {
    ADMIN
        .split(", ")
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the admin columns starting at column index `at`.
pub fn admin_from_row(row: &Row, at: usize) -> rusqlite::Result<Admin> {
    let date = |i: usize| -> rusqlite::Result<Option<TmxDate>> { Ok(row.get::<_, Option<String>>(at + i)?.map(TmxDate::from_canonical)) };
    let text = |i: usize| row.get::<_, Option<String>>(at + i);
    Ok(Admin {
        creation_date: date(0)?,
        creation_id: text(1)?,
        change_date: date(2)?,
        change_id: text(3)?,
        usage_count: row.get(at + 4)?,
        last_usage_date: date(5)?,
        creation_tool: text(6)?,
        creation_tool_version: text(7)?,
        datatype: text(8)?,
        o_tmf: text(9)?,
        o_encoding: text(10)?,
    })
}

/// The admin values as borrowed SQL parameters, in [`ADMIN`] order.
pub fn admin_params(a: &Admin) -> [&dyn ToSql; ADMIN_COUNT] {
    [
        &a.creation_date,
        &a.creation_id,
        &a.change_date,
        &a.change_id,
        &a.usage_count,
        &a.last_usage_date,
        &a.creation_tool,
        &a.creation_tool_version,
        &a.datatype,
        &a.o_tmf,
        &a.o_encoding,
    ]
}

impl ToSql for TmxDate {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

/// Props and notes as JSON, or `None` when there are none.
pub fn meta_json(m: &Meta) -> Option<String> {
    (!m.is_empty()).then(|| serde_json::to_string(m).unwrap_or_default())
}

pub fn meta_from_row(row: &Row, at: usize) -> rusqlite::Result<Meta> {
    match row.get::<_, Option<String>>(at)? {
        None => Ok(Meta::default()),
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, Box::new(e)))
        }
    }
}

/// A variant as stored, borrowed from the row's text where it needs no
/// unescaping.
#[derive(Deserialize)]
struct VariantIn<'a> {
    #[serde(borrow)]
    lang: Cow<'a, str>,
    #[serde(borrow)]
    markup: Cow<'a, str>,
    #[serde(default, borrow)]
    plain: Option<Cow<'a, str>>,
    #[serde(default)]
    admin: Admin,
    #[serde(default)]
    meta: Meta,
}

/// The JSON array stored in `unit.variants`: `{lang, markup, plain?,
/// admin?, meta?}` per variant, `plain` only when it differs from the markup.
/// Written by hand rather than derived: it runs once per imported unit, and
/// segment text rarely needs escaping, which [`push_json_str`] checks first.
pub fn variants_json(variants: &[Variant]) -> String {
    let text: usize = variants.iter().map(|v| v.markup.len() + 32).sum();
    let mut out = String::with_capacity(text + 2);
    out.push('[');
    for (i, v) in variants.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"lang\":");
        push_json_str(&mut out, v.lang.as_str());
        out.push_str(",\"markup\":");
        push_json_str(&mut out, &v.markup);
        if v.plain != v.markup {
            out.push_str(",\"plain\":");
            push_json_str(&mut out, &v.plain);
        }
        if !v.admin.is_empty() {
            out.push_str(",\"admin\":");
            out.push_str(&serde_json::to_string(&v.admin).unwrap_or_else(|_| "{}".into()));
        }
        if !v.meta.is_empty() {
            out.push_str(",\"meta\":");
            out.push_str(&serde_json::to_string(&v.meta).unwrap_or_else(|_| "{}".into()));
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// Appends `s` as a JSON string. Only `"`, `\` and control characters need
/// escaping; a test over the bytes that vectorises finds most text free of
/// them, and serde_json escapes the rest.
fn push_json_str(out: &mut String, s: &str) {
    let special = s
        .bytes()
        .fold(0u8, |acc, b| acc | u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\'));
    if special == 0 {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

/// The markup and plain text of the first variant selected by `src`, when
/// a variant selected by `tgt` exists too: the part of a unit a fuzzy
/// lookup scores, read without building the unit.
pub fn source_text_from_row(row: &Row, at: usize, src: &Lang, tgt: &Lang) -> rusqlite::Result<Option<(String, String)>> {
    let json = row.get_ref(at)?.as_str()?;
    let stored: Vec<VariantIn> =
        serde_json::from_str(json).map_err(|e| rusqlite::Error::FromSqlConversionFailure(at, Type::Text, Box::new(e)))?;
    if !stored.iter().any(|v| tgt.selects(&v.lang)) {
        return Ok(None);
    }
    Ok(stored.into_iter().find(|v| src.selects(&v.lang)).map(|v| {
        let markup = v.markup.into_owned();
        (v.plain.map_or_else(|| markup.clone(), Cow::into_owned), markup)
    }))
}

pub fn variants_from_row(row: &Row, at: usize) -> rusqlite::Result<Vec<Variant>> {
    let bad = |e: Box<dyn std::error::Error + Send + Sync>| rusqlite::Error::FromSqlConversionFailure(at, Type::Text, e);
    // Parsed where SQLite holds it, not from a copy, and checked by
    // simdutf8 rather than `str::from_utf8`, which took 9 % of an export's
    // samples on mostly Japanese text (1M Kyoto units, perf).
    let json = match row.get_ref(at)? {
        ValueRef::Text(bytes) => simdutf8::basic::from_utf8(bytes).map_err(|e| bad(Box::new(e)))?,
        other => return Err(rusqlite::Error::InvalidColumnType(at, "variants".into(), other.data_type())),
    };
    let stored: Vec<VariantIn> = serde_json::from_str(json).map_err(|e| bad(Box::new(e)))?;
    stored
        .into_iter()
        .map(|v| {
            let lang = parse_stored_lang(&v.lang).map_err(|e| bad(Box::new(e)))?;
            let markup = v.markup.into_owned();
            Ok(Variant {
                lang,
                plain: v.plain.map_or_else(|| markup.clone(), Cow::into_owned),
                markup,
                admin: v.admin,
                meta: v.meta,
            })
        })
        .collect()
}

/// A stored variant's language tag, through a cache per thread: parsing
/// each was 4 % of an export's samples (1M Kyoto units, perf).
fn parse_stored_lang(tag: &str) -> Result<Lang, crate::lang::LangError> {
    thread_local! {
        static SEEN: std::cell::RefCell<TagCache> = std::cell::RefCell::new(TagCache::default());
    }
    SEEN.with_borrow_mut(|seen| seen.parse(tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Prop;

    #[test]
    fn variants_json_is_the_json_of_the_documented_shape() {
        let mut tricky = Variant {
            lang: Lang::parse("en-GB").unwrap(),
            markup: "say \"hi\" \\ <ph x=\"1\"/>\ttab\u{1}".into(),
            plain: "say \"hi\" \\ \ttab\u{1}".into(),
            admin: Admin::default(),
            meta: Meta::default(),
        };
        tricky.admin.usage_count = Some(3);
        tricky.meta.props.push(Prop {
            kind: "x-a".into(),
            lang: None,
            o_encoding: None,
            value: "v".into(),
        });
        let simple = Variant {
            lang: Lang::parse("ja").unwrap(),
            markup: "会議 &amp; 日本".into(),
            plain: "会議 &amp; 日本".into(),
            admin: Admin::default(),
            meta: Meta::default(),
        };
        let json = variants_json(&[simple.clone(), tricky.clone()]);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let expected = serde_json::json!([
            {"lang": "ja", "markup": simple.markup},
            {"lang": "en-GB", "markup": tricky.markup, "plain": tricky.plain, "admin": {"usage_count": 3}, "meta": {"props": [{"type": "x-a", "value": "v"}]}},
        ]);
        assert_eq!(value, expected);
        assert!(
            json.starts_with(r#"[{"lang":"ja","markup":"会議 &amp; 日本"},{"lang":"en-GB","markup":"say \"hi\" \\"#),
            "compact, in field order: {json}"
        );
    }
}
