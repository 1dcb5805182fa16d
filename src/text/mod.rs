//! Text processing: language detection (more to come).
pub mod langcheck;
pub mod normalize;
pub mod numbers;
