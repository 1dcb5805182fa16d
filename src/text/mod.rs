//! Text processing: language detection (more to come).
pub mod langcheck;
