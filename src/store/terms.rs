//! Glossaries in the store: concepts and their terms, imported one file per
//! transaction, with duplicate concepts (same content) merged away.

use super::{busy_aware, NewOrigin, Store, StoreError};
use crate::lang::Lang;
use crate::terms::{Concept, Term, TermStatus};
use rusqlite::{params, Connection, Row, Transaction};

/// What [`TermsImport::add`] did with a concept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConceptOutcome {
    Added,
    /// The store already holds a concept with the same content.
    Duplicate,
}

/// An open glossary import: a write transaction, rolled back unless
/// [`TermsImport::commit`] is called.
pub struct TermsImport<'c> {
    tx: Transaction<'c>,
    origin_id: i64,
    known: super::import::KnownHashes,
}

/// A concept's identity: its serialised content (ids excluded, so the same
/// glossary exported and re-imported is recognised).
fn concept_hash(c: &Concept) -> i64 {
    let mut keyed = c.clone();
    keyed.id = None;
    let json = serde_json::to_string(&keyed).unwrap_or_default();
    xxhash_rust::xxh3::xxh3_64(json.as_bytes()) as i64
}

impl Store {
    /// Starts a glossary import from one file.
    pub fn begin_terms_import(&mut self, origin: &NewOrigin) -> Result<TermsImport<'_>, StoreError> {
        let (tx, origin_id, known) = super::import::begin_file(self.conn_mut(), origin, "SELECT content_hash FROM concept")?;
        Ok(TermsImport { tx, origin_id, known })
    }

    /// Every concept with its terms, in import order. Every caller needs the
    /// whole glossary at once (to compile a term index or write a file), and
    /// even JMdict's 190k concepts fit in memory.
    pub fn concepts(&self) -> Result<Vec<Concept>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, source_id, subject_field, definition, note FROM concept ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Concept {
                    id: r.get(1)?,
                    subject_field: r.get(2)?,
                    definition: r.get(3)?,
                    note: r.get(4)?,
                    terms: Vec::new(),
                },
            ))
        })?;
        let mut concepts = Vec::new();
        for row in rows {
            let (id, mut concept) = row?;
            concept.terms = terms_of(conn, id)?;
            concepts.push(concept);
        }
        Ok(concepts)
    }

    /// (concepts, terms) in the store.
    pub fn terms_counts(&self) -> Result<(u64, u64), StoreError> {
        let conn = self.conn();
        let concepts: i64 = conn.query_row("SELECT count(*) FROM concept", [], |r| r.get(0))?;
        let terms: i64 = conn.query_row("SELECT count(*) FROM term", [], |r| r.get(0))?;
        Ok((concepts as u64, terms as u64))
    }
}

fn terms_of(conn: &Connection, concept_id: i64) -> Result<Vec<Term>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT lang, text, status, part_of_speech, term_type, note, source, case_sensitive FROM term WHERE concept_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([concept_id], term_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn term_from_row(r: &Row) -> rusqlite::Result<Term> {
    let bad = |i: usize, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
    };
    let lang: String = r.get(0)?;
    let status: String = r.get(2)?;
    Ok(Term {
        lang: Lang::parse(&lang).map_err(|e| bad(0, Box::new(e)))?,
        text: r.get(1)?,
        status: TermStatus::parse(&status).ok_or_else(|| bad(2, format!("unknown status {status}").into()))?,
        part_of_speech: r.get(3)?,
        term_type: r.get(4)?,
        note: r.get(5)?,
        source: r.get(6)?,
        case_sensitive: r.get(7)?,
    })
}

impl TermsImport<'_> {
    pub fn add(&mut self, concept: &Concept) -> Result<ConceptOutcome, StoreError> {
        let hash = concept_hash(concept);
        if !self.known.insert(hash) {
            return Ok(ConceptOutcome::Duplicate);
        }
        self.tx
            .prepare_cached(
                "INSERT INTO concept (origin_id, content_hash, source_id, subject_field, definition, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                self.origin_id,
                hash,
                concept.id,
                concept.subject_field,
                concept.definition,
                concept.note
            ])?;
        let concept_id = self.tx.last_insert_rowid();
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO term (concept_id, seq, lang, text, status, part_of_speech, term_type, note, source, case_sensitive)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for (seq, t) in concept.terms.iter().enumerate() {
            stmt.execute(params![
                concept_id,
                seq as i64,
                t.lang.as_str(),
                t.text,
                t.status.word(),
                t.part_of_speech,
                t.term_type,
                t.note,
                t.source,
                t.case_sensitive
            ])?;
        }
        Ok(ConceptOutcome::Added)
    }

    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().map_err(busy_aware)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Header;

    fn concept() -> Concept {
        let term = |lang: &str, text: &str, status| Term {
            part_of_speech: Some("noun".into()),
            ..Term::new(Lang::parse(lang).unwrap(), text, status)
        };
        Concept {
            id: Some("c1".into()),
            subject_field: Some("ICT".into()),
            definition: None,
            note: None,
            terms: vec![
                term("ja", "総務省", TermStatus::Preferred),
                term("en", "Ministry of Internal Affairs and Communications", TermStatus::Preferred),
                term("en", "Ministry of Interior", TermStatus::Deprecated),
            ],
        }
    }

    #[test]
    fn concepts_round_trip_and_duplicates_are_not_doubled() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let origin = NewOrigin {
            name: "g.tbx".into(),
            format: "tbx",
            header: Header::default(),
        };
        let mut import = store.begin_terms_import(&origin).unwrap();
        assert_eq!(import.add(&concept()).unwrap(), ConceptOutcome::Added);
        let mut renamed = concept();
        renamed.id = Some("other-id".into());
        assert_eq!(import.add(&renamed).unwrap(), ConceptOutcome::Duplicate);
        import.commit().unwrap();
        assert_eq!(store.concepts().unwrap(), vec![concept()]);
        assert_eq!(store.terms_counts().unwrap(), (1, 3));
    }
}
