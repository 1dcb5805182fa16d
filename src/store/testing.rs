//! Stores for the tests of the engines that read them.

use super::{NewOrigin, Store};
use crate::lang::Lang;
use crate::model::{Unit, Variant};

/// SQL that takes a store's duplicate lookup back to before schema 6 (an
/// index on `unit` instead of the `unit_key` table), for tests of the
/// migrations from older stores.
pub const UNDO_UNIT_KEY: &str = "DROP TRIGGER unit_key_forget; DROP TABLE unit_key; CREATE INDEX unit_hash ON unit(content_hash);";

/// A variant whose markup and plain text are both `text`.
pub fn variant(lang: &str, text: &str) -> Variant {
    Variant {
        lang: Lang::parse(lang).unwrap(),
        markup: text.into(),
        plain: text.into(),
        admin: Default::default(),
        meta: Default::default(),
    }
}

/// A TMX file named `name`, with an empty header.
pub fn origin(name: &str) -> NewOrigin {
    NewOrigin {
        name: name.into(),
        format: "tmx",
        header: Default::default(),
    }
}

/// A store in a temporary folder (kept as long as the returned guard) with
/// one unit per item of `units`, each given as its variants (language,
/// text), imported from one file in that order: unit ids count from 1.
pub fn store_of(units: &[Vec<(&str, &str)>]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let mut import = store.begin_import(&origin("t.tmx")).unwrap();
    for variants in units {
        let variants = variants.iter().map(|&(lang, text)| variant(lang, text)).collect();
        import
            .add(&Unit {
                variants,
                ..Unit::default()
            })
            .unwrap();
    }
    import.commit().unwrap();
    (dir, store)
}

/// A store of `n` ja-en meeting announcements differing only in their
/// number (`第{i}回の会議が東京で開催されました。`), for tests that need
/// many similar units.
pub fn meetings_store(n: usize) -> (tempfile::TempDir, Store) {
    let texts: Vec<[String; 2]> = (0..n)
        .map(|i| {
            [
                format!("第{i}回の会議が東京で開催されました。"),
                format!("Meeting number {i} was held in Tokyo."),
            ]
        })
        .collect();
    let units: Vec<Vec<(&str, &str)>> = texts
        .iter()
        .map(|[ja, en]| vec![("ja", ja.as_str()), ("en", en.as_str())])
        .collect();
    store_of(&units)
}
