//! Terminology: concepts with terms per language, as TBX and glossary
//! spreadsheets describe them.
//!
//! A [`Concept`] is one meaning; each [`Term`] names it in one language, with
//! a [`TermStatus`] that says whether a translator may use it. Deprecated and
//! superseded terms are *forbidden*: the checker flags them in targets.

use crate::lang::Lang;
use serde::{Deserialize, Serialize};

pub mod extract;
pub mod find;
pub mod table;

/// Whether a term may be used (TBX `administrativeStatus`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermStatus {
    Preferred,
    /// Allowed, e.g. an acronym or a variant. The default when a source
    /// does not say.
    #[default]
    Admitted,
    Deprecated,
    Superseded,
}

impl TermStatus {
    /// Deprecated and superseded terms must not appear in translations.
    pub fn is_forbidden(self) -> bool {
        matches!(self, TermStatus::Deprecated | TermStatus::Superseded)
    }

    /// Reads TBX-Basic values (`preferredTerm-admn-sts`, …) and the plain
    /// words glossary spreadsheets use (`preferred`, `forbidden`, …).
    pub fn parse(raw: &str) -> Option<TermStatus> {
        let v = raw.trim().to_ascii_lowercase();
        let v = v.strip_suffix("-admn-sts").unwrap_or(&v);
        Some(match v {
            "preferredterm" | "preferred" | "approved" => TermStatus::Preferred,
            "admittedterm" | "admitted" | "allowed" | "standardizedterm" => TermStatus::Admitted,
            "deprecatedterm" | "deprecated" | "forbidden" | "notrecommended" => TermStatus::Deprecated,
            "supersededterm" | "superseded" | "obsolete" => TermStatus::Superseded,
            _ => return None,
        })
    }

    /// The plain word glossary spreadsheets and the store use.
    pub fn word(self) -> &'static str {
        match self {
            TermStatus::Preferred => "preferred",
            TermStatus::Admitted => "admitted",
            TermStatus::Deprecated => "deprecated",
            TermStatus::Superseded => "superseded",
        }
    }

    /// The TBX-Basic picklist value.
    pub fn tbx_value(self) -> &'static str {
        match self {
            TermStatus::Preferred => "preferredTerm-admn-sts",
            TermStatus::Admitted => "admittedTerm-admn-sts",
            TermStatus::Deprecated => "deprecatedTerm-admn-sts",
            TermStatus::Superseded => "supersededTerm-admn-sts",
        }
    }
}

/// One term of a concept in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub lang: Lang,
    pub text: String,
    pub status: TermStatus,
    /// `noun`, `verb`, `properNoun`, … as the source wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of_speech: Option<String>,
    /// `fullForm`, `acronym`, `abbreviation`, `variant`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Match only with this exact case (acronyms such as `IT`, `MIC`).
    #[serde(default)]
    pub case_sensitive: bool,
}

impl Term {
    /// A term with only its language, text and status.
    pub fn new(lang: Lang, text: impl Into<String>, status: TermStatus) -> Term {
        Term {
            lang,
            text: text.into(),
            status,
            part_of_speech: None,
            term_type: None,
            note: None,
            source: None,
            case_sensitive: false,
        }
    }
}

/// One meaning and its terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concept {
    /// The source file's id (`conceptEntry id`, `termEntry id`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub terms: Vec<Term>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(TermStatus::parse("deprecatedTerm-admn-sts"), Some(TermStatus::Deprecated));
        assert_eq!(TermStatus::parse("Preferred"), Some(TermStatus::Preferred));
        assert_eq!(TermStatus::parse("supersededTerm-admn-sts"), Some(TermStatus::Superseded));
        assert_eq!(TermStatus::parse("??"), None);
        assert!(TermStatus::Superseded.is_forbidden());
        assert!(!TermStatus::Admitted.is_forbidden());
        for s in [
            TermStatus::Preferred,
            TermStatus::Admitted,
            TermStatus::Deprecated,
            TermStatus::Superseded,
        ] {
            assert_eq!(TermStatus::parse(s.tbx_value()), Some(s));
        }
    }
}
