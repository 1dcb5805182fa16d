//! TMX (Translation Memory eXchange) 1.1–1.4b: a streaming reader that keeps
//! segment markup verbatim, and a writer of valid TMX 1.4b.

mod reader;
pub mod writer;

pub use reader::TmxReader;
pub use writer::TmxWriter;

use serde::Serialize;

/// The values the TMX 1.4b DTD allows for `segtype`.
pub const SEGTYPES: [&str; 4] = ["block", "paragraph", "sentence", "phrase"];

/// A rule the input broke that did not stop the import. Warnings name the
/// unit (1-based position in the file, and its `tuid` when it has one), the
/// line, and a stable rule name that scripts can filter on.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Warning {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuid: Option<String>,
    pub line: u64,
    pub rule: &'static str,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(unit) = self.unit {
            write!(f, ", unit {unit}")?;
        }
        if let Some(tuid) = &self.tuid {
            write!(f, " (tuid {tuid})")?;
        }
        write!(f, ": [{}] {}", self.rule, self.message)
    }
}
