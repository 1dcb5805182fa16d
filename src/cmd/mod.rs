//! One module per subcommand, each opening with its usage.

pub mod analyze;
pub mod check;
pub mod concordance;
pub mod delete;
pub mod export;
pub mod import;
pub mod lookup;
pub mod stats;
pub mod terms;
pub mod translate;
