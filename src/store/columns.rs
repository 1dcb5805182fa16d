//! Column lists shared by the `unit` and `variant` tables, so that reading
//! and writing the administrative attributes is written once.

use crate::model::{Admin, Meta, TmxDate};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Row, ToSql};

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
