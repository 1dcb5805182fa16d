//! `yakugo delete --origin ORIGIN`: remove what one import brought.
//!
//! Usage: `yakugo delete --origin NAME_OR_ID [--json]`
//!
//! Deletes the units and glossary concepts of one imported file, and the
//! record of its import, in one transaction. ORIGIN is the id `yakugo
//! stats --json` lists, or the file's path or name when exactly one import
//! has it.
//! Lookups and concordance stop finding the units at once.

use crate::cli::{print_json, Global, Outcome};
use anyhow::bail;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo stats                       # the origins, with their units
  yakugo delete --origin 3
  yakugo delete --origin old-memoq-export.tmx --json")]
pub struct Args {
    /// The import to delete: its id, or its file name.
    #[arg(long, value_name = "NAME_OR_ID")]
    origin: String,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let mut store = global.open_store()?;
    let origins = store.origin_names()?;
    let matching: Vec<_> = origins
        .iter()
        .filter(|(id, name)| {
            id.to_string() == args.origin
                || *name == args.origin
                || std::path::Path::new(name).file_name().is_some_and(|f| f == args.origin.as_str())
        })
        .collect();
    let origin = match matching.as_slice() {
        [one] => *one,
        [] => bail!("no import named or numbered `{}` (see `yakugo stats`)", args.origin),
        many => bail!(
            "`{}` names {} imports (ids {}); give the id",
            args.origin,
            many.len(),
            many.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(", ")
        ),
    };
    let (id, name) = origin.clone();
    let Some(deleted) = store.delete_origin(id)? else {
        bail!("import {id} was deleted by another process meanwhile");
    };
    if global.json {
        print_json(&serde_json::json!({"origin": id, "name": name, "units": deleted.units, "concepts": deleted.concepts}))?;
    } else {
        println!(
            "deleted import {id} ({name}): {} units, {} concepts",
            deleted.units, deleted.concepts
        );
    }
    Ok(Outcome::Ok)
}
