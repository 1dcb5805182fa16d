//! Text processing shared by every engine: normalisation, tokens, numbers,
//! language detection and the n-grams the fuzzy index is keyed by.
pub mod grams;
pub mod keys;
pub mod langcheck;
pub mod normalize;
pub mod numbers;
pub mod tokens;
