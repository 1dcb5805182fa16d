//! How model values map to columns: the administrative attributes, props
//! and notes (JSON), and a unit's variants (a JSON array).

use crate::lang::Lang;
use crate::model::{Admin, Meta, TmxDate, Variant};
use rusqlite::types::{ToSqlOutput, Type};
use rusqlite::{Row, ToSql};
use serde::{Deserialize, Serialize};

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

/// A variant as stored in `unit.variants` (JSON). Borrowed for writing.
#[derive(Serialize)]
struct VariantOut<'a> {
    lang: &'a str,
    markup: &'a str,
    /// Only when it differs from the markup (most segments have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    plain: Option<&'a str>,
    #[serde(skip_serializing_if = "is_empty_admin")]
    admin: &'a Admin,
    #[serde(skip_serializing_if = "is_empty_meta")]
    meta: &'a Meta,
}

#[derive(Deserialize)]
struct VariantIn {
    lang: String,
    markup: String,
    #[serde(default)]
    plain: Option<String>,
    #[serde(default)]
    admin: Admin,
    #[serde(default)]
    meta: Meta,
}

fn is_empty_admin(a: &&Admin) -> bool {
    a.is_empty()
}

fn is_empty_meta(m: &&Meta) -> bool {
    m.is_empty()
}

/// The JSON array stored in `unit.variants`.
pub fn variants_json(variants: &[Variant]) -> String {
    let out: Vec<VariantOut> = variants
        .iter()
        .map(|v| VariantOut {
            lang: v.lang.as_str(),
            markup: &v.markup,
            plain: (v.plain != v.markup).then_some(v.plain.as_str()),
            admin: &v.admin,
            meta: &v.meta,
        })
        .collect();
    serde_json::to_string(&out).unwrap_or_else(|_| "[]".into())
}

pub fn variants_from_row(row: &Row, at: usize) -> rusqlite::Result<Vec<Variant>> {
    let json: String = row.get(at)?;
    let bad = |e: Box<dyn std::error::Error + Send + Sync>| rusqlite::Error::FromSqlConversionFailure(at, Type::Text, e);
    let stored: Vec<VariantIn> = serde_json::from_str(&json).map_err(|e| bad(Box::new(e)))?;
    stored
        .into_iter()
        .map(|v| {
            let lang = Lang::parse(&v.lang).map_err(|e| bad(Box::new(e)))?;
            Ok(Variant {
                lang,
                plain: v.plain.unwrap_or_else(|| v.markup.clone()),
                markup: v.markup,
                admin: v.admin,
                meta: v.meta,
            })
        })
        .collect()
}
