//! TBX (TermBase eXchange): a streaming reader for TBX v3 (ISO 30042:2019,
//! DCA and DCT styles, either namespace spelling or none) and TBX v2
//! (`martif`), and a writer of TBX v3 TBX-Basic in DCA style.
//!
//! Both work on the terminology model of [`crate::terms`]: the reader yields
//! one [`Concept`](crate::terms::Concept) per `conceptEntry`/`termEntry`,
//! the writer writes every field of the model, so that reading what it wrote
//! gives the same concepts back.
//!
//! Warnings use the TMX [`Warning`](crate::tmx::Warning) type: `unit` is the
//! 1-based position of the concept entry in the file and `tuid` its `id`.

mod reader;
pub mod writer;

pub use reader::{read_all, TbxReader, TbxVersion};
pub use writer::{write_tbx, TbxWriter};
