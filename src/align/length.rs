//! The length model: how long a translation is, given its source.
//!
//! Lengths are measured in **Latin-equivalent characters** ([`text_length`]):
//! a character of an alphabetic script, a digit or a punctuation mark counts
//! one, a kana one and a half, a Han character four and a half (Hangul two
//! and a third; whitespace nothing). A translation's length is then
//! modelled as the source's length times a ratio, with log-normal noise:
//!
//! ```text
//! r = ln((target + K) / (ratio × source + K)),   r ~ Normal(0, sd²)
//! ```
//!
//! Counting CJK text by character with one ratio (Gale-Church; Okapi's 0.5)
//! treats `陰陽頭` and `ている` alike, yet a kanji carries a content morpheme
//! (a name's kanji become a romanised syllable or two, `菅原` → `Sugawara`)
//! while kana mostly spell endings and particles, and the Latin tokens and
//! digits inside Japanese text (`ASEAN`, `1978`) are copied as they are.
//! The weights were fitted by least squares on the log ratio to 200,000
//! held-out Kyoto Wikipedia pairs (rows 50,001–250,000 of the full corpus,
//! none of the evaluation's articles: Han 4.6, kana 1.6, Latin and digits
//! near 0, punctuation 1.6) and rounded; the bundled newsletter, fitted
//! on its own, gives Han 4.6 as well. Against one ratio per character the
//! weighted lengths cut the spread of the log ratio from 0.30 to 0.27 on
//! Kyoto and from 0.21 to 0.145 on the newsletter, whose median ratio they
//! also bring within 7% of 1 (a per-character ratio is 2.9 on Kyoto
//! Wikipedia, 2.4 on the newsletter). Short segments gain most: names and
//! headings are mostly kanji.
//!
//! `K` ([`SMOOTHING`]) keeps very short segments (headings, `1．日時等`)
//! from producing huge log ratios out of a couple of characters. Working in
//! log space makes the noise proportional to the length, as Gale and Church
//! observed, without their length-dependent variance term.
//!
//! [`LengthModel::cost`] scores `z = r / sd` with a Student t distribution
//! ([`DEGREES_OF_FREEDOM`]) rather than a Gaussian: real translations have
//! heavy tails (a sentence expanded with an explanation, a name list
//! abbreviated), and a Gaussian's `z²/2` makes one such pair so expensive
//! that the aligner would rather shift a whole run of sentences. On Kyoto
//! Wikipedia this raised strict bead F1 by about 3 points.
//!
//! With weighted lengths the default ratio is 1 for every pair
//! ([`LengthModel::default_for`]); [`LengthModel::learn`] fits `ratio` and
//! `sd` to the user's own TM for the pair when it holds at least
//! [`MIN_PAIRS`] pairs, which follows the house style (ministry English
//! runs shorter than Wikipedia English).

use crate::lang::Lang;
use crate::store::{ExportFilter, Store, StoreError};

/// Characters added to both lengths before taking the log ratio.
pub const SMOOTHING: f64 = 10.0;

/// How many pairs' worth of evidence a model counts as when one document
/// pair adapts it ([`LengthModel::adapt`]).
pub const PSEUDO_PAIRS: f64 = 50.0;

/// A TM needs this many pairs before its statistics replace the default.
pub const MIN_PAIRS: usize = 200;

/// Pairs whose log ratio is further than this from the median are left out
/// of the fit: misaligned or half-translated units in a TM must not widen
/// the model.
const OUTLIER_LOG_RATIO: f64 = 1.5;

/// The smallest standard deviation a fit may produce: a TM of near-copies
/// would otherwise make every real difference look impossible.
const MIN_SD: f64 = 0.15;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LengthModel {
    /// Expected target length per unit of source length (both
    /// [`text_length`]s).
    pub ratio: f64,
    /// Standard deviation of the smoothed log ratio.
    pub sd: f64,
    /// Whether the model was fitted to a TM (`false`: the default).
    pub learned: bool,
}

impl LengthModel {
    /// The model for a pair without a TM: weighted lengths make any two
    /// languages about 1:1.
    pub fn default_for(_src: &Lang, _tgt: &Lang) -> LengthModel {
        LengthModel {
            ratio: 1.0,
            sd: DEFAULT_SD,
            learned: false,
        }
    }

    /// Fits the model to `(source chars, target chars)` pairs; `None` with
    /// fewer than [`MIN_PAIRS`] usable pairs. The ratio is the one whose
    /// smoothed log ratio has median zero (robust to stray units); `sd` is
    /// the root mean square of the log ratios within `OUTLIER_LOG_RATIO`
    /// of it.
    pub fn fit(pairs: &[(f64, f64)]) -> Option<LengthModel> {
        let usable: Vec<(f64, f64)> = pairs.iter().copied().filter(|&(s, t)| s > 0.0 && t > 0.0).collect();
        if usable.len() < MIN_PAIRS {
            return None;
        }
        // Plain ratio first, then refine it so that the smoothed residuals
        // (which is what the model scores) are centred.
        let mut ratio = median(usable.iter().map(|(s, t)| t / s).collect())?;
        for _ in 0..3 {
            let shift = median(usable.iter().map(|&(s, t)| log_ratio(s, t, ratio)).collect())?;
            ratio *= shift.exp();
        }
        let kept: Vec<f64> = usable
            .iter()
            .map(|&(s, t)| log_ratio(s, t, ratio))
            .filter(|r| r.abs() <= OUTLIER_LOG_RATIO)
            .collect();
        let sd = (kept.iter().map(|r| r * r).sum::<f64>() / kept.len().max(1) as f64).sqrt();
        Some(LengthModel {
            ratio,
            sd: sd.max(MIN_SD),
            learned: true,
        })
    }

    /// The model adapted to one document pair: `pairs` are the `(source,
    /// target)` lengths of the 1-1 beads of a first alignment. The ratio
    /// moves by their median log residual and the spread towards their
    /// root mean square residual (within `OUTLIER_LOG_RATIO`), each
    /// weighted against this model as [`PSEUDO_PAIRS`] pairs: a list of
    /// names romanised in full runs longer than prose, a summary shorter.
    pub fn adapt(&self, pairs: &[(f64, f64)]) -> LengthModel {
        let residuals: Vec<f64> = pairs.iter().map(|&(s, t)| log_ratio(s, t, self.ratio)).collect();
        let Some(shift) = median(residuals.clone()) else { return *self };
        let n = residuals.len() as f64;
        let shift = shift * n / (n + PSEUDO_PAIRS);
        let kept: Vec<f64> = residuals
            .iter()
            .map(|r| r - shift)
            .filter(|r| r.abs() <= OUTLIER_LOG_RATIO)
            .collect();
        let k = kept.len() as f64;
        let variance = (kept.iter().map(|r| r * r).sum::<f64>() + PSEUDO_PAIRS * self.sd * self.sd) / (k + PSEUDO_PAIRS);
        LengthModel {
            ratio: self.ratio * shift.exp(),
            sd: variance.sqrt().max(MIN_SD),
            learned: self.learned,
        }
    }

    /// The model learned from the store's `src`→`tgt` pairs, or the
    /// default when the store has too few.
    pub fn learn(store: &Store, src: &Lang, tgt: &Lang) -> Result<LengthModel, StoreError> {
        let mut pairs = Vec::new();
        store.for_each_unit(&ExportFilter::default(), |stored| -> Result<(), StoreError> {
            let unit = &stored.unit;
            if let (Some(s), Some(t)) = (unit.variants_in(src).next(), unit.variants_in(tgt).next()) {
                pairs.push((text_length(&s.plain), text_length(&t.plain)));
            }
            Ok(())
        })?;
        Ok(LengthModel::fit(&pairs).unwrap_or_else(|| LengthModel::default_for(src, tgt)))
    }

    /// How many standard deviations a target of length `target` is from
    /// what a source of length `source` predicts (signed: positive when the
    /// target is longer).
    pub fn z(&self, source: f64, target: f64) -> f64 {
        log_ratio(source, target, self.ratio) / self.sd
    }

    /// The cost (negative log-likelihood, in nats, without constants) of a
    /// target of length `target` for a source of length `source`: about
    /// `z²/2` near the expectation, growing only logarithmically far from it.
    pub fn cost(&self, source: f64, target: f64) -> f64 {
        let z = self.z(source, target);
        (DEGREES_OF_FREEDOM + 1.0) / 2.0 * (z * z / DEGREES_OF_FREEDOM).ln_1p()
    }
}

/// Degrees of freedom of the Student t length cost.
pub const DEGREES_OF_FREEDOM: f64 = 4.0;

/// The spread of the log ratio without a TM: measured 0.27 on Kyoto
/// Wikipedia and 0.145 on the newsletter; the wider one, for the heavy
/// tails of texts that are not a TM's clean units.
pub const DEFAULT_SD: f64 = 0.3;

/// The length the model counts, in Latin-equivalent characters (see the
/// module documentation); whitespace counts nothing.
pub fn text_length(text: &str) -> f64 {
    text.chars().map(char_weight).sum()
}

fn char_weight(c: char) -> f64 {
    match c as u32 {
        0x3041..=0x30FF | 0xFF66..=0xFF9D => 1.5,
        0x3005 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F => 4.5,
        0xAC00..=0xD7A3 => 2.3,
        _ if c.is_whitespace() => 0.0,
        _ => 1.0,
    }
}

fn log_ratio(source: f64, target: f64, ratio: f64) -> f64 {
    ((target + SMOOTHING) / (ratio * source + SMOOTHING)).ln()
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(tag: &str) -> Lang {
        tag.parse().unwrap()
    }

    #[test]
    fn weighted_lengths_make_translations_about_equal() {
        let ja_en = LengthModel::default_for(&lang("ja"), &lang("en-US"));
        assert!(ja_en.ratio == 1.0 && !ja_en.learned);
        // A name in kanji and its romanisation, a sentence and its
        // translation, Latin tokens copied into Japanese: all within half a
        // standard deviation.
        for (ja, en) in [
            ("菅原世道", "SUGAWARA no Yomichi"),
            ("日本の水墨画を一変させた。", "He revolutionized the Japanese ink painting."),
            (
                "ASEAN各国から約50名が参加しました。",
                "About 50 participants from ASEAN countries attended.",
            ),
        ] {
            let z = ja_en.z(text_length(ja), text_length(en));
            assert!(z.abs() < 0.5, "{ja} {en} {z}");
        }
    }

    #[test]
    fn fits_ratio_and_spread_ignoring_outliers() {
        // 300 pairs at exactly 2:1 with ±10% noise, plus 30 garbage pairs.
        let mut pairs: Vec<(f64, f64)> = (0..300)
            .map(|i| ((40 + i % 50) as f64, ((80 + 2 * (i % 50)) * (90 + i % 21) / 100) as f64))
            .collect();
        pairs.extend((0..30).map(|i| ((100 + i) as f64, 3.0)));
        let m = LengthModel::fit(&pairs).unwrap();
        assert!(m.learned);
        assert!((m.ratio - 2.0).abs() < 0.15, "{m:?}");
        assert!(m.sd >= MIN_SD && m.sd < 0.2, "{m:?}");
        assert!(m.z(50.0, 100.0).abs() < 0.5);
        assert!(m.z(50.0, 300.0) > 3.0);
        assert!(m.cost(50.0, 100.0) < 0.2 && m.cost(50.0, 300.0) > 3.0);
        assert!(m.cost(50.0, 3000.0) < m.z(50.0, 3000.0).powi(2) / 4.0, "heavy tails");
    }

    #[test]
    fn adapting_to_a_document_is_weighted_by_its_size() {
        let m = LengthModel::default_for(&lang("ja"), &lang("en"));
        assert_eq!(m.adapt(&[]), m);
        // Targets 30% longer than predicted, with little spread.
        let long: Vec<(f64, f64)> = (0..500)
            .map(|i| (40.0 + (i % 30) as f64, (40.0 + (i % 30) as f64) * 1.3 + 3.0))
            .collect();
        let a = m.adapt(&long);
        assert!(a.ratio > 1.25 && a.ratio < 1.4 && a.sd < m.sd, "{a:?}");
        let few = m.adapt(&long[..10]);
        assert!(few.ratio < 1.1 && few.sd > 0.25, "{few:?}");
    }

    #[test]
    fn too_few_pairs_give_no_fit() {
        assert_eq!(LengthModel::fit(&[(10.0, 20.0); MIN_PAIRS - 1]), None);
        assert!(LengthModel::fit(&[(10.0, 20.0); MIN_PAIRS]).is_some());
        assert_eq!(LengthModel::fit(&[(0.0, 20.0); 500]), None);
    }

    #[test]
    fn length_weighs_scripts_and_ignores_whitespace() {
        assert_eq!(text_length("a b\u{3000}c\n"), 3.0);
        assert_eq!(text_length("総務省"), 13.5);
        assert_eq!(text_length("ている。"), 5.5);
    }
}
