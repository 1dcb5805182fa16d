//! The length model: how long a translation is, given its source.
//!
//! A translation's length (in characters, whitespace not counted) is
//! modelled as the source's length times a ratio, with log-normal noise:
//!
//! ```text
//! r = ln((target + K) / (ratio × source + K)),   r ~ Normal(0, sd²)
//! ```
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
//! The ratio depends on the pair far more than on the text: English has
//! about 2.2–2.4 characters per Japanese character (measured: 2.36 on
//! Kyoto Wikipedia, 2.04 on the bundled newsletter), while Latin-script
//! languages are near 1. [`LengthModel::default_for`] knows that much;
//! [`LengthModel::learn`] fits `ratio` and `sd` to the user's own TM for
//! the pair when it holds at least [`MIN_PAIRS`] pairs, which follows the
//! house style (ministry English runs shorter than Wikipedia English).

use crate::lang::Lang;
use crate::store::{ExportFilter, Store, StoreError};

/// Characters added to both lengths before taking the log ratio.
pub const SMOOTHING: f64 = 10.0;

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
    /// Expected target characters per source character.
    pub ratio: f64,
    /// Standard deviation of the smoothed log ratio.
    pub sd: f64,
    /// Whether the model was fitted to a TM (`false`: the default).
    pub learned: bool,
}

impl LengthModel {
    /// The model for a pair without a TM: CJK (ja, zh, ko) against
    /// alphabetic languages differ by the Kyoto ratio; two languages of the
    /// same kind are close to 1:1.
    pub fn default_for(src: &Lang, tgt: &Lang) -> LengthModel {
        const CJK_TO_ALPHABETIC: f64 = 2.3;
        let ratio = match (is_cjk_language(src), is_cjk_language(tgt)) {
            (true, false) => CJK_TO_ALPHABETIC,
            (false, true) => 1.0 / CJK_TO_ALPHABETIC,
            _ => 1.0,
        };
        LengthModel {
            ratio,
            sd: 0.3,
            learned: false,
        }
    }

    /// Fits the model to `(source chars, target chars)` pairs; `None` with
    /// fewer than [`MIN_PAIRS`] usable pairs. The ratio is the one whose
    /// smoothed log ratio has median zero (robust to stray units); `sd` is
    /// the root mean square of the log ratios within [`OUTLIER_LOG_RATIO`]
    /// of it.
    pub fn fit(pairs: &[(usize, usize)]) -> Option<LengthModel> {
        let usable: Vec<(f64, f64)> = pairs
            .iter()
            .filter(|&&(s, t)| s > 0 && t > 0)
            .map(|&(s, t)| (s as f64, t as f64))
            .collect();
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

    /// The model learned from the store's `src`→`tgt` pairs, or the
    /// default when the store has too few.
    pub fn learn(store: &Store, src: &Lang, tgt: &Lang) -> Result<LengthModel, StoreError> {
        let mut pairs = Vec::new();
        store.for_each_unit(&ExportFilter::default(), |stored| -> Result<(), StoreError> {
            let unit = &stored.unit;
            if let (Some(s), Some(t)) = (unit.variants_in(src).next(), unit.variants_in(tgt).next()) {
                pairs.push((char_length(&s.plain), char_length(&t.plain)));
            }
            Ok(())
        })?;
        Ok(LengthModel::fit(&pairs).unwrap_or_else(|| LengthModel::default_for(src, tgt)))
    }

    /// How many standard deviations a target of `target` characters is from
    /// what a source of `source` characters predicts (signed: positive when
    /// the target is longer).
    pub fn z(&self, source: usize, target: usize) -> f64 {
        log_ratio(source as f64, target as f64, self.ratio) / self.sd
    }

    /// The cost (negative log-likelihood, in nats, without constants) of a
    /// target of `target` characters for a source of `source`: about `z²/2`
    /// near the expectation, growing only logarithmically far from it.
    pub fn cost(&self, source: usize, target: usize) -> f64 {
        let z = self.z(source, target);
        (DEGREES_OF_FREEDOM + 1.0) / 2.0 * (z * z / DEGREES_OF_FREEDOM).ln_1p()
    }
}

/// Degrees of freedom of the Student t length cost.
pub const DEGREES_OF_FREEDOM: f64 = 4.0;

/// The length the model counts: characters other than whitespace.
pub fn char_length(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
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

/// Languages written without spaces in CJK characters.
fn is_cjk_language(lang: &Lang) -> bool {
    matches!(lang.primary(), "ja" | "zh" | "ko" | "yue")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(tag: &str) -> Lang {
        tag.parse().unwrap()
    }

    #[test]
    fn defaults_know_cjk_from_alphabetic() {
        let ja_en = LengthModel::default_for(&lang("ja"), &lang("en-US"));
        assert!(ja_en.ratio > 2.0 && !ja_en.learned);
        let en_ja = LengthModel::default_for(&lang("en"), &lang("ja"));
        assert!((en_ja.ratio * ja_en.ratio - 1.0).abs() < 1e-9);
        assert_eq!(LengthModel::default_for(&lang("en"), &lang("de")).ratio, 1.0);
    }

    #[test]
    fn fits_ratio_and_spread_ignoring_outliers() {
        // 300 pairs at exactly 2:1 with ±10% noise, plus 30 garbage pairs.
        let mut pairs: Vec<(usize, usize)> = (0..300).map(|i| (40 + i % 50, (80 + 2 * (i % 50)) * (90 + i % 21) / 100)).collect();
        pairs.extend((0..30).map(|i| (100 + i, 3)));
        let m = LengthModel::fit(&pairs).unwrap();
        assert!(m.learned);
        assert!((m.ratio - 2.0).abs() < 0.15, "{m:?}");
        assert!(m.sd >= MIN_SD && m.sd < 0.2, "{m:?}");
        assert!(m.z(50, 100).abs() < 0.5);
        assert!(m.z(50, 300) > 3.0);
        assert!(m.cost(50, 100) < 0.2 && m.cost(50, 300) > 3.0);
        assert!(m.cost(50, 3000) < m.z(50, 3000).powi(2) / 4.0, "heavy tails");
    }

    #[test]
    fn too_few_pairs_give_no_fit() {
        assert_eq!(LengthModel::fit(&[(10, 20); MIN_PAIRS - 1]), None);
        assert!(LengthModel::fit(&[(10, 20); MIN_PAIRS]).is_some());
        assert_eq!(LengthModel::fit(&[(0, 20); 500]), None);
    }

    #[test]
    fn length_ignores_whitespace() {
        assert_eq!(char_length("a b\u{3000}c\n"), 3);
        assert_eq!(char_length("総務省"), 3);
    }
}
