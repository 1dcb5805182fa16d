//! Fuzzy matching: how close a TM source is to a query, and where they
//! differ.
//!
//! The pieces, from text to number:
//!
//! 1. [`normalize`](crate::text::normalize::normalize) folds what a reader
//!    does not see as a difference (width, case, whitespace, invisible
//!    characters).
//! 2. [`tokens()`] cuts the normalised text into the units an edit counts:
//!    words in space-delimited scripts, single characters in CJK text, so
//!    that Japanese needs no word segmenter and mixed runs (`IoT機器`) work.
//! 3. [`score()`] turns two segments into a percentage a translator can
//!    trust: 100 only for identical segments, 95–99 for differences in
//!    formatting or tags alone, below 95 an edit-distance similarity over
//!    tokens. The exact formula is in [`score`](mod@score)'s documentation.
//! 4. [`diff()`] shows what in the TM source differs from the query, in the
//!    texts as written.
//!
//! Numbers that differ between query and match are placeables, handled by
//! [`crate::text::numbers`].
//!
//! [`memory`] applies them to a language pair of the store, where the
//! candidate index decides which units are considered and [`screen`]
//! bounds their scores from their signatures before any text is read;
//! [`batch`] runs many lookups on several cores.

pub mod batch;
pub mod diff;
pub mod memory;
pub mod score;
pub mod screen;

pub use crate::text::tokens::tokens;
pub use diff::{diff, DiffKind, DiffOp};
pub use score::{score, MatchKind, Scored};
