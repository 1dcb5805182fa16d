//! Reading units back: single units, streaming scans for export, and
//! statistics.

use super::columns::{self, ADMIN};
use super::{Store, StoreError};
use crate::lang::{Lang, SrcLang};
use crate::model::{Header, Unit, Variant};
use rusqlite::{Connection, Row};
use serde::Serialize;
use std::collections::BTreeMap;

/// A unit as stored, with its row id and origin.
#[derive(Clone, Debug)]
pub struct StoredUnit {
    pub id: i64,
    pub origin_id: i64,
    pub unit: Unit,
}

/// Which units a scan visits.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    /// Only units first imported from these origins (ids).
    pub origins: Option<Vec<i64>>,
}

/// One imported file.
#[derive(Clone, Debug, Serialize)]
pub struct OriginInfo {
    pub id: i64,
    pub name: String,
    pub imported_at: String,
    pub format: String,
    pub units: u64,
    #[serde(skip)]
    pub header: Header,
}

#[derive(Clone, Debug, Serialize)]
pub struct LangPair {
    pub src: String,
    pub tgt: String,
    pub units: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub units: u64,
    pub variants: u64,
    pub languages: BTreeMap<String, u64>,
    pub pairs: Vec<LangPair>,
    pub origins: Vec<OriginInfo>,
}

fn unit_sql(filter: &str) -> String {
    format!("SELECT id, origin_id, tuid, srclang, segtype, {ADMIN}, meta FROM unit {filter}")
}

fn variant_sql(filter: &str) -> String {
    format!("SELECT unit_id, seq, lang, markup, plain, {ADMIN}, meta FROM variant {filter}")
}

fn unit_from_row(row: &Row) -> rusqlite::Result<StoredUnit> {
    let srclang: Option<String> = row.get(3)?;
    Ok(StoredUnit {
        id: row.get(0)?,
        origin_id: row.get(1)?,
        unit: Unit {
            tuid: row.get(2)?,
            srclang: srclang.and_then(|s| SrcLang::parse(&s).ok()),
            segtype: row.get(4)?,
            admin: columns::admin_from_row(row, 5)?,
            meta: columns::meta_from_row(row, 16)?,
            variants: Vec::new(),
        },
    })
}

/// (unit_id, variant)
fn variant_from_row(row: &Row) -> rusqlite::Result<(i64, Variant)> {
    let lang: String = row.get(2)?;
    let lang = Lang::parse(&lang).map_err(|e| rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e)))?;
    let markup: String = row.get(3)?;
    let plain: Option<String> = row.get(4)?;
    Ok((
        row.get(0)?,
        Variant {
            lang,
            plain: plain.unwrap_or_else(|| markup.clone()),
            markup,
            admin: columns::admin_from_row(row, 5)?,
            meta: columns::meta_from_row(row, 16)?,
        },
    ))
}

/// Loads one unit with its variants.
pub(crate) fn load_unit(conn: &Connection, id: i64) -> Result<StoredUnit, StoreError> {
    let mut stored = conn.prepare_cached(&unit_sql("WHERE id = ?1"))?.query_row([id], unit_from_row)?;
    let mut stmt = conn.prepare_cached(&variant_sql("WHERE unit_id = ?1 ORDER BY seq"))?;
    for row in stmt.query_map([id], variant_from_row)? {
        stored.unit.variants.push(row?.1);
    }
    Ok(stored)
}

impl Store {
    pub fn unit(&self, id: i64) -> Result<StoredUnit, StoreError> {
        load_unit(self.conn(), id)
    }

    /// Visits every unit in id order with its variants, streaming: units
    /// and variants are read by two cursors merged on the unit id, so
    /// memory does not grow with the store.
    pub fn for_each_unit<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        mut f: impl FnMut(StoredUnit) -> Result<(), E>,
    ) -> Result<(), E> {
        let origin_list = filter
            .origins
            .as_ref()
            .map(|ids| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
        let (unit_filter, variant_filter) = match &origin_list {
            Some(list) => (
                format!("WHERE origin_id IN ({list}) ORDER BY id"),
                format!("WHERE unit_id IN (SELECT id FROM unit WHERE origin_id IN ({list})) ORDER BY unit_id, seq"),
            ),
            None => ("ORDER BY id".to_string(), "ORDER BY unit_id, seq".to_string()),
        };
        let conn = self.conn();
        let mut unit_stmt = conn.prepare(&unit_sql(&unit_filter)).map_err(StoreError::from)?;
        let mut variant_stmt = conn.prepare(&variant_sql(&variant_filter)).map_err(StoreError::from)?;
        let mut variants = variant_stmt.query_map([], variant_from_row).map_err(StoreError::from)?.peekable();
        let units = unit_stmt.query_map([], unit_from_row).map_err(StoreError::from)?;
        for stored in units {
            let mut stored = stored.map_err(StoreError::from)?;
            // Variants of units that no longer exist cannot occur (foreign
            // key), so anything below this id is skipped defensively.
            while let Some(next) = variants.peek() {
                match next {
                    Ok((unit_id, _)) if *unit_id < stored.id => {
                        variants.next();
                    }
                    Ok((unit_id, _)) if *unit_id == stored.id => {
                        if let Some(Ok((_, v))) = variants.next() {
                            stored.unit.variants.push(v);
                        }
                    }
                    Ok(_) => break,
                    Err(_) => {
                        if let Some(Err(e)) = variants.next() {
                            return Err(StoreError::from(e).into());
                        }
                    }
                }
            }
            f(stored)?;
        }
        Ok(())
    }

    pub fn origins(&self) -> Result<Vec<OriginInfo>, StoreError> {
        // One pass over the units for all counts (origin_id is not indexed:
        // an index would cost every import more than it saves here).
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        let mut stmt = self.conn().prepare("SELECT origin_id, count(*) FROM unit GROUP BY origin_id")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64)))? {
            let (id, n) = row?;
            counts.insert(id, n);
        }
        let mut stmt = self
            .conn()
            .prepare("SELECT id, name, imported_at, format, header FROM origin ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            let header: String = r.get(4)?;
            let id: i64 = r.get(0)?;
            Ok(OriginInfo {
                id,
                name: r.get(1)?,
                imported_at: r.get(2)?,
                format: r.get(3)?,
                header: serde_json::from_str(&header).unwrap_or_default(),
                units: counts.get(&id).copied().unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        let conn = self.conn();
        let units: i64 = conn.query_row("SELECT count(*) FROM unit", [], |r| r.get(0))?;
        let variants: i64 = conn.query_row("SELECT count(*) FROM variant", [], |r| r.get(0))?;
        let mut languages = BTreeMap::new();
        let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
        // `langs` holds each unit's sorted distinct languages: grouping on it
        // counts pairs without joining the variant table with itself.
        let mut stmt = conn.prepare("SELECT langs, count(*) FROM unit GROUP BY langs")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        for row in rows {
            let (langs, n) = row?;
            let list: Vec<&str> = langs.split(' ').filter(|s| !s.is_empty()).collect();
            for (i, a) in list.iter().enumerate() {
                *languages.entry(a.to_string()).or_insert(0) += n;
                for b in &list[i + 1..] {
                    *pairs.entry((a.to_string(), b.to_string())).or_insert(0) += n;
                }
            }
        }
        Ok(Stats {
            units: units as u64,
            variants: variants as u64,
            languages,
            pairs: pairs.into_iter().map(|((src, tgt), units)| LangPair { src, tgt, units }).collect(),
            origins: self.origins()?,
        })
    }
}
