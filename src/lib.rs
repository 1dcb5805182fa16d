//! yakugo: a translation-memory and terminology manager.
//!
//! Data flows one way: file formats ([`tmx`], [`tsv`]) produce the
//! [`model`], which the [`store`] keeps in SQLite; engines read the store;
//! the command line (`src/cmd`) only wires them together and prints.

pub mod concordance;
pub mod fuzzy;
pub mod lang;
pub mod model;
pub mod qa;
pub mod segment;
pub mod store;
pub mod tbx;
pub mod terms;
pub mod text;
pub mod tmx;
pub mod translate;
pub mod tsv;
pub mod xliff;
pub mod xml;
