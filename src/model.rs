//! The translation-memory data model, independent of any file format or of
//! the store.
//!
//! A [`Unit`] (TMX `<tu>`) holds any number of [`Variant`]s (TMX `<tuv>`),
//! one per language or several for one language; a unit is usable in every
//! direction between its languages. Each variant keeps its text twice:
//! `markup`, the segment content exactly as it was written in the source file
//! (inline elements, entity references and CDATA included), so that an export
//! gives back what was imported; and `plain`, the text a reader sees, for
//! matching and searching.

use crate::lang::{Lang, SrcLang};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;
use std::fmt;

/// A TMX date in its canonical form `YYYYMMDDThhmmssZ` (UTC). Canonical
/// dates sort lexicographically in time order, which the store relies on.
/// Held inline (16 bytes; `SmolStr` keeps up to 23 without allocating):
/// import reads one or two dates per unit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TmxDate(SmolStr);

impl TmxDate {
    /// Accepts the TMX form and the variants real tools write:
    /// `20171031T093000Z`, `20171031T093000` (no zone: taken as UTC),
    /// `2017-10-31T09:30:00Z`, `2017-10-31 09:30:00`, and `20171031`.
    pub fn parse(raw: &str) -> Option<TmxDate> {
        let b = raw.as_bytes();
        // Fast path for the canonical form, which nearly every file uses.
        if b.len() == 16 && b[8] == b'T' && b[15] == b'Z' && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit) {
            let n = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            let valid = (1..=12).contains(&n(4..6)) && (1..=31).contains(&n(6..8)) && n(9..11) <= 23 && n(11..13) <= 59 && n(13..15) <= 60;
            return valid.then(|| TmxDate(SmolStr::new(raw)));
        }
        let digits: String = raw
            .trim()
            .trim_end_matches(['Z', 'z'])
            .chars()
            .filter(|c| !matches!(c, '-' | ':' | 'T' | 't' | ' '))
            .collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let full = match digits.len() {
            8 => format!("{digits}000000"),
            14 => digits,
            _ => return None,
        };
        let n = |r: std::ops::Range<usize>| full[r].parse::<u32>().ok();
        let (month, day, hour, min, sec) = (n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?, n(12..14)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
            return None;
        }
        Some(TmxDate(smol_str::format_smolstr!("{}T{}Z", &full[..8], &full[8..])))
    }

    /// Builds a date from the store's canonical string; trusts it.
    pub fn from_canonical(s: String) -> TmxDate {
        TmxDate(SmolStr::from(s))
    }

    pub fn now() -> TmxDate {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        TmxDate::from_unix(secs)
    }

    /// Civil date from days since the epoch (Howard Hinnant's algorithm).
    pub fn from_unix(secs: u64) -> TmxDate {
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        TmxDate(smol_str::format_smolstr!(
            "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        ))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for TmxDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The administrative attributes TMX allows on both `<tu>` and `<tuv>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Admin {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<TmxDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_date: Option<TmxDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_usage_date: Option<TmxDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_tool: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_tool_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datatype: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub o_tmf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub o_encoding: Option<String>,
}

impl Admin {
    pub fn is_empty(&self) -> bool {
        *self == Admin::default()
    }

    /// Folds a duplicate's attributes into these: the earliest creation, the
    /// latest change and use, the larger usage count (importing one file
    /// twice must not double its counts). Returns true if anything changed.
    pub fn merge_from(&mut self, other: &Admin) -> bool {
        fn keep<T: Ord + Clone>(mine: &mut Option<T>, theirs: &Option<T>, prefer_theirs: impl Fn(&T, &T) -> bool) -> bool {
            match (mine.as_ref(), theirs) {
                (None, Some(t)) => {
                    *mine = Some(t.clone());
                    true
                }
                (Some(m), Some(t)) if prefer_theirs(m, t) => {
                    *mine = Some(t.clone());
                    true
                }
                _ => false,
            }
        }
        fn fill(mine: &mut Option<String>, theirs: &Option<String>) -> bool {
            keep(mine, theirs, |_, _| false)
        }
        let earlier = |m: &TmxDate, t: &TmxDate| t < m;
        let later = |m: &TmxDate, t: &TmxDate| t > m;
        let mut changed = false;
        let creation_was_later = matches!((&self.creation_date, &other.creation_date), (Some(m), Some(t)) if t < m);
        changed |= keep(&mut self.creation_date, &other.creation_date, earlier);
        if creation_was_later {
            self.creation_id = other.creation_id.clone().or(self.creation_id.take());
        } else {
            changed |= fill(&mut self.creation_id, &other.creation_id);
        }
        let change_was_earlier = matches!((&self.change_date, &other.change_date), (Some(m), Some(t)) if t > m);
        changed |= keep(&mut self.change_date, &other.change_date, later);
        if change_was_earlier {
            self.change_id = other.change_id.clone().or(self.change_id.take());
        } else {
            changed |= fill(&mut self.change_id, &other.change_id);
        }
        changed |= keep(&mut self.usage_count, &other.usage_count, |m, t| t > m);
        changed |= keep(&mut self.last_usage_date, &other.last_usage_date, later);
        for (mine, theirs) in [
            (&mut self.creation_tool, &other.creation_tool),
            (&mut self.creation_tool_version, &other.creation_tool_version),
            (&mut self.datatype, &other.datatype),
            (&mut self.o_tmf, &other.o_tmf),
            (&mut self.o_encoding, &other.o_encoding),
        ] {
            changed |= fill(mine, theirs);
        }
        changed
    }
}

/// A TMX `<prop type="…">`: tool-specific metadata, kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prop {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub o_encoding: Option<String>,
    pub value: String,
}

/// A TMX `<note>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub o_encoding: Option<String>,
    pub text: String,
}

/// `<prop>` and `<note>` elements of one level, in document order within
/// each kind (TMX gives their relative order no meaning).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl Meta {
    pub fn is_empty(&self) -> bool {
        self.props.is_empty() && self.notes.is_empty()
    }

    /// Adds the other's props and notes that these lack. Returns true if
    /// anything was added.
    pub fn merge_from(&mut self, other: &Meta) -> bool {
        let before = (self.props.len(), self.notes.len());
        for p in &other.props {
            if !self.props.contains(p) {
                self.props.push(p.clone());
            }
        }
        for n in &other.notes {
            if !self.notes.contains(n) {
                self.notes.push(n.clone());
            }
        }
        before != (self.props.len(), self.notes.len())
    }

    /// The value of the first prop of this type.
    pub fn prop(&self, kind: &str) -> Option<&str> {
        self.props.iter().find(|p| p.kind == kind).map(|p| p.value.as_str())
    }
}

/// One language version of a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub lang: Lang,
    /// Segment content as written in the source, XML-escaped, inline
    /// elements included. Always well-formed XML content.
    pub markup: String,
    /// The readable text: entities resolved, inline codes removed.
    pub plain: String,
    pub admin: Admin,
    pub meta: Meta,
}

/// A translation unit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unit {
    pub tuid: Option<String>,
    pub srclang: Option<SrcLang>,
    pub segtype: Option<String>,
    pub admin: Admin,
    pub meta: Meta,
    pub variants: Vec<Variant>,
}

impl Unit {
    /// The variants in `lang` (a filter: `en` selects `en-GB` too).
    pub fn variants_in<'a>(&'a self, lang: &'a Lang) -> impl Iterator<Item = &'a Variant> + 'a {
        self.variants.iter().filter(move |v| lang.matches(&v.lang))
    }

    /// Identity of a unit for duplicate detection: its languages and
    /// texts, independent of variant order. A 64-bit XXH3 of the sorted
    /// `(lang, markup)` pairs; the store confirms equality on a hash hit.
    pub fn content_hash(&self) -> i64 {
        thread_local! {
            /// The bytes hashed, kept from one unit to the next.
            static BYTES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut few = [("", ""); 4];
        let mut many = Vec::new();
        let pairs = sorted_on_stack(
            &mut few,
            &mut many,
            self.variants.iter().map(|v| (v.lang.as_str(), v.markup.as_str())),
        );
        // Hashed in one call over the pairs laid end to end, `lang 00 markup
        // FF` each: the same hash as feeding them to the streaming hasher,
        // whose set-up and buffering cost more than copying a unit's text.
        BYTES.with_borrow_mut(|bytes| {
            bytes.clear();
            for (lang, markup) in pairs.iter() {
                bytes.extend_from_slice(lang.as_bytes());
                bytes.push(0);
                bytes.extend_from_slice(markup.as_bytes());
                bytes.push(0xff);
            }
            let hash = xxhash_rust::xxh3::xxh3_64(bytes) as i64;
            if bytes.capacity() > 1 << 20 {
                *bytes = Vec::new();
            }
            hash
        })
    }

    /// True when both units have the same languages and texts.
    pub fn same_content(&self, other: &Unit) -> bool {
        let key = |u: &Unit| {
            let mut v: Vec<(String, String)> = u.variants.iter().map(|v| (v.lang.to_string(), v.markup.clone())).collect();
            v.sort_unstable();
            v
        };
        key(self) == key(other)
    }
}

/// `items` sorted, in `few` when they fit (most units have two or three
/// variants: no allocation), in `many` otherwise.
pub(crate) fn sorted_on_stack<'a, T: Ord + Copy, const N: usize>(
    few: &'a mut [T; N],
    many: &'a mut Vec<T>,
    items: impl ExactSizeIterator<Item = T>,
) -> &'a [T] {
    let sorted: &mut [T] = if items.len() <= N {
        let n = items.len();
        for (slot, item) in few.iter_mut().zip(items) {
            *slot = item;
        }
        &mut few[..n]
    } else {
        many.extend(items);
        many
    };
    sorted.sort_unstable();
    sorted
}

/// The header of an imported file, kept with the origin so a single-origin
/// export can give it back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// TMX version of the source file (`1.4`, `1.1`, …); empty for TSV.
    pub version: String,
    /// `srclang` as written canonically (`*all*` or a tag); `None` when absent.
    pub srclang: Option<String>,
    /// The header's other attributes, by name, as written.
    pub attributes: Vec<(String, String)>,
    #[serde(default)]
    pub meta: Meta,
    /// `<ude>` elements, raw XML.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub udes: Vec<String>,
}

impl Header {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_the_forms_tools_write() {
        for raw in ["20171031T093000Z", "20171031T093000", "2017-10-31T09:30:00Z", "2017-10-31 09:30:00"] {
            assert_eq!(TmxDate::parse(raw).unwrap().as_str(), "20171031T093000Z", "{raw}");
        }
        assert_eq!(TmxDate::parse("20171031").unwrap().as_str(), "20171031T000000Z");
        for bad in ["yesterday", "", "20171331T000000Z", "2017103", "20171031T250000Z"] {
            assert!(TmxDate::parse(bad).is_none(), "{bad}");
        }
    }

    fn variant(lang: &str, markup: &str) -> Variant {
        Variant {
            lang: Lang::parse(lang).unwrap(),
            markup: markup.into(),
            plain: markup.into(),
            admin: Admin::default(),
            meta: Meta::default(),
        }
    }

    #[test]
    fn content_hash_is_the_streaming_hash_of_the_sorted_pairs() {
        // Stores hold these hashes: they must not change.
        let long = "long text ".repeat(500);
        let unit = Unit {
            variants: vec![variant("ja", "総務省<ph x=\"1\"/>"), variant("en", &long), variant("en-GB", "")],
            ..Unit::default()
        };
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (lang, markup) in [("en", long.as_str()), ("en-GB", ""), ("ja", "総務省<ph x=\"1\"/>")] {
            h.update(lang.as_bytes());
            h.update(&[0]);
            h.update(markup.as_bytes());
            h.update(&[0xff]);
        }
        assert_eq!(unit.content_hash(), h.digest() as i64);
    }

    #[test]
    fn content_hash_of_more_variants_than_fit_on_the_stack_ignores_their_order() {
        let pairs = [
            ("ja", "会議"),
            ("en", "meeting"),
            ("de", "Sitzung"),
            ("fr", "réunion"),
            ("es", "reunión"),
            ("en", "session"),
        ];
        let unit = |order: &[usize]| Unit {
            variants: order.iter().map(|&i| variant(pairs[i].0, pairs[i].1)).collect(),
            ..Unit::default()
        };
        let mut sorted = pairs;
        sorted.sort_unstable();
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (lang, markup) in sorted {
            h.update(lang.as_bytes());
            h.update(&[0]);
            h.update(markup.as_bytes());
            h.update(&[0xff]);
        }
        assert_eq!(unit(&[0, 1, 2, 3, 4, 5]).content_hash(), h.digest() as i64);
        assert_eq!(unit(&[5, 3, 1, 0, 4, 2]).content_hash(), h.digest() as i64);
    }

    #[test]
    fn unix_epoch_conversion() {
        assert_eq!(TmxDate::from_unix(0).as_str(), "19700101T000000Z");
        assert_eq!(TmxDate::from_unix(1_509_441_600).as_str(), "20171031T092000Z");
        assert_eq!(TmxDate::from_unix(951_782_400).as_str(), "20000229T000000Z");
    }

    #[test]
    fn merging_keeps_earliest_creation_latest_change_and_max_usage() {
        let d = |s| TmxDate::parse(s);
        let mut a = Admin {
            creation_date: d("20170101"),
            change_date: d("20170201"),
            usage_count: Some(3),
            ..Admin::default()
        };
        let b = Admin {
            creation_date: d("20160101"),
            creation_id: Some("ann".into()),
            change_date: d("20180101"),
            usage_count: Some(2),
            last_usage_date: d("20190101"),
            ..Admin::default()
        };
        assert!(a.merge_from(&b));
        assert_eq!(a.creation_date, d("20160101"));
        assert_eq!(a.creation_id.as_deref(), Some("ann"));
        assert_eq!(a.change_date, d("20180101"));
        assert_eq!(a.usage_count, Some(3));
        assert_eq!(a.last_usage_date, d("20190101"));
        let again = a.clone();
        assert!(!a.merge_from(&again), "merging a unit with itself changes nothing");
    }
}
