//! Removing what one import brought: its units, its glossary concepts and
//! the origin itself, in one transaction. The fuzzy index keeps the deleted
//! units' entries, which lookups skip (see [`super::index`]).

use super::{busy_aware, Store, StoreError};
use rusqlite::{params, TransactionBehavior};

/// What [`Store::delete_origin`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Deleted {
    pub units: u64,
    pub concepts: u64,
}

impl Store {
    /// Deletes origin `id` with its units and concepts; `None` when there
    /// is no such origin.
    pub fn delete_origin(&mut self, id: i64) -> Result<Option<Deleted>, StoreError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy_aware)?;
        let deleted = Deleted {
            units: tx.execute("DELETE FROM unit WHERE origin_id = ?1", params![id])? as u64,
            concepts: tx.execute("DELETE FROM concept WHERE origin_id = ?1", params![id])? as u64,
        };
        if tx.execute("DELETE FROM origin WHERE id = ?1", params![id])? == 0 {
            return Ok(None);
        }
        tx.commit().map_err(busy_aware)?;
        Ok(Some(deleted))
    }
}
