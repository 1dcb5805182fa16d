//! Reading units back: single units, streaming scans for export, and
//! statistics.

use super::columns::{self, ADMIN};
use super::signature::{self, Signature};
use super::{Store, StoreError};
use crate::lang::{Lang, SrcLang};
use crate::model::{Header, Unit};
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
    #[serde(skip)]
    pub header: Header,
}

/// An imported file with the number of units first imported from it.
#[derive(Clone, Debug, Serialize)]
pub struct OriginCount {
    #[serde(flatten)]
    pub origin: OriginInfo,
    pub units: u64,
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
    pub concepts: u64,
    pub terms: u64,
    pub languages: BTreeMap<String, u64>,
    pub pairs: Vec<LangPair>,
    pub origins: Vec<OriginCount>,
}

pub(super) fn unit_sql(filter: &str) -> String {
    format!("SELECT id, origin_id, tuid, srclang, segtype, {ADMIN}, meta, variants FROM unit {filter}")
}

pub(super) fn unit_from_row(row: &Row) -> rusqlite::Result<StoredUnit> {
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
            variants: columns::variants_from_row(row, 17)?,
        },
    })
}

/// Loads one unit with its variants.
pub(crate) fn load_unit(conn: &Connection, id: i64) -> Result<StoredUnit, StoreError> {
    Ok(conn.prepare_cached(&unit_sql("WHERE id = ?1"))?.query_row([id], unit_from_row)?)
}

impl Store {
    pub fn unit(&self, id: i64) -> Result<StoredUnit, StoreError> {
        load_unit(self.conn(), id)
    }

    /// The (plain, markup) source text of unit `id` for the pair `src` →
    /// `tgt` (see `columns::source_text_from_row`); `None` when the unit
    /// does not exist or lacks either language.
    pub fn source_text(&self, id: i64, src: &Lang, tgt: &Lang) -> Result<Option<(String, String)>, StoreError> {
        let mut stmt = self.conn().prepare_cached("SELECT variants FROM unit WHERE id = ?1")?;
        let mut rows = stmt.query([id])?;
        match rows.next()? {
            Some(row) => Ok(columns::source_text_from_row(row, 0, src, tgt)?),
            None => Ok(None),
        }
    }

    /// What the signature of unit `id` says about it as a candidate for
    /// `src` → `tgt`, passed to `f` (it borrows from the row).
    pub fn signature<R>(&self, id: i64, src: &Lang, tgt: &Lang, f: impl FnOnce(Signature<'_>) -> R) -> Result<R, StoreError> {
        let mut stmt = self.conn().prepare_cached("SELECT langs, fuzzy FROM unit WHERE id = ?1")?;
        let mut rows = stmt.query([id])?;
        let Some(row) = rows.next()? else { return Ok(f(Signature::Absent)) };
        let columns = || -> rusqlite::Result<(&str, Option<&[u8]>)> { Ok((row.get_ref(0)?.as_str()?, row.get_ref(1)?.as_blob_or_null()?)) };
        let (langs, blob) = columns()?;
        Ok(f(signature::read(blob, langs, src, tgt)))
    }

    /// The plain texts of every unit that has a `src` and a `tgt` variant
    /// (the first of each; `en` selects `en-US` too), as (unit id, source,
    /// target), in id order.
    pub fn pairs(&self, src: &Lang, tgt: &Lang) -> Result<Vec<(i64, String, String)>, StoreError> {
        let mut out = Vec::new();
        self.for_each_unit(&ExportFilter::default(), |stored| -> Result<(), StoreError> {
            let unit = &stored.unit;
            if let (Some(s), Some(t)) = (unit.variants_in(src).next(), unit.variants_in(tgt).next()) {
                out.push((stored.id, s.plain.clone(), t.plain.clone()));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Visits every unit in id order with its variants, streaming: memory
    /// does not grow with the store.
    pub fn for_each_unit<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        mut f: impl FnMut(StoredUnit) -> Result<(), E>,
    ) -> Result<(), E> {
        let unit_filter = match &filter.origins {
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!("WHERE origin_id IN ({}) ORDER BY id", list.join(","))
            }
            None => "ORDER BY id".to_string(),
        };
        let mut stmt = self.conn().prepare(&unit_sql(&unit_filter)).map_err(StoreError::from)?;
        for stored in stmt.query_map([], unit_from_row).map_err(StoreError::from)? {
            f(stored.map_err(StoreError::from)?)?;
        }
        Ok(())
    }

    /// Each origin's id and file name, without decoding the headers as
    /// [`Store::origins`] does.
    pub fn origin_names(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self.conn().prepare_cached("SELECT id, name FROM origin ORDER BY id")?;
        let names = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(names)
    }

    /// The imported files, in import order.
    pub fn origins(&self) -> Result<Vec<OriginInfo>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, name, imported_at, format, header FROM origin ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            let header: String = r.get(4)?;
            Ok(OriginInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                imported_at: r.get(2)?,
                format: r.get(3)?,
                header: serde_json::from_str(&header).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The imported files with their unit counts. Counting reads every unit
    /// (`origin_id` is not indexed: an index would cost every import more
    /// than it saves here), so only `stats` does it.
    pub fn origin_counts(&self) -> Result<Vec<OriginCount>, StoreError> {
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        let mut stmt = self.conn().prepare("SELECT origin_id, count(*) FROM unit GROUP BY origin_id")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64)))? {
            let (id, n) = row?;
            counts.insert(id, n);
        }
        Ok(self
            .origins()?
            .into_iter()
            .map(|origin| OriginCount {
                units: counts.get(&origin.id).copied().unwrap_or(0),
                origin,
            })
            .collect())
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        let conn = self.conn();
        let units: i64 = conn.query_row("SELECT count(*) FROM unit", [], |r| r.get(0))?;
        let variants: i64 = conn.query_row("SELECT coalesce(sum(variant_count), 0) FROM unit", [], |r| r.get(0))?;
        let mut languages = BTreeMap::new();
        let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
        // `langs` holds each unit's sorted distinct languages: grouping on it
        // counts pairs without reading every unit.
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
        let (concepts, terms) = self.terms_counts()?;
        Ok(Stats {
            units: units as u64,
            variants: variants as u64,
            concepts,
            terms,
            languages,
            pairs: pairs.into_iter().map(|((src, tgt), units)| LangPair { src, tgt, units }).collect(),
            origins: self.origin_counts()?,
        })
    }
}
