//! `untranslated` and `language-mismatch`: is the target a translation, in
//! the target language?
//!
//! - **untranslated**: the unit has no target, the target is empty, or it
//!   equals the source (after [`normalize`]) while the source is not
//!   already target-language text. Names, codes and numbers stay the same
//!   in a translation (`ASEAN`, `ISO 27001`), so a copied source is
//!   reported only when it is clearly in another language: it contains CJK
//!   letters and the target language is not Chinese, Japanese or Korean,
//!   or the language check ([`LangChecker`], careful with short texts)
//!   says it is not in the target language.
//! - **language-mismatch**: [`LangChecker`] says the target is not in the
//!   target language. It speaks only when sure (script, then function
//!   words, then lingua on long texts), so kanji-only, acronym and short
//!   targets are never reported. An untranslated segment is not also
//!   reported as in the wrong language.

use super::{Finding, Kind, Segment, Side, Span};
use crate::lang::Lang;
use crate::text::langcheck::LangChecker;
use crate::text::normalize::{is_cjk, is_plain_cjk, normalize};

pub fn untranslated(seg: &Segment, tgt: &Lang, languages: &LangChecker) -> Option<Finding> {
    let Some(target) = &seg.target else {
        return Some(Finding::on(Kind::Untranslated, seg, "the unit has no translation".into()));
    };
    if target.plain.trim().is_empty() {
        return Some(Finding::on(Kind::Untranslated, seg, "the translation is empty".into()));
    }
    let source = &seg.source.plain;
    // The usual case, a Latin-script text against a Japanese one, settled
    // without normalising: normalisation keeps kana and kanji, and makes
    // none from characters below the CJK radicals.
    let surely_differ = |a: &str, b: &str| a.chars().all(|c| c < FIRST_CJK) && b.chars().any(is_plain_cjk);
    if surely_differ(source, &target.plain) || surely_differ(&target.plain, source) || normalize(source) != normalize(&target.plain) {
        return None;
    }
    let cjk_target = matches!(tgt.primary(), "ja" | "zh" | "ko");
    let foreign = (!cjk_target && source.chars().any(|c| is_cjk(c) && c.is_alphabetic())) || languages.check(tgt, source).is_some();
    if !foreign {
        return None;
    }
    let mut f = Finding::on(Kind::Untranslated, seg, "the translation is a copy of the source".into());
    f.spans.push(Span::new(Side::Target, 0, target.plain.len()));
    Some(f)
}

/// The first CJK radical, U+2E80: no character below it normalises to
/// anything [`is_plain_cjk`].
const FIRST_CJK: char = '\u{2E80}';

pub fn language_mismatch(seg: &Segment, tgt: &Lang, languages: &LangChecker) -> Option<Finding> {
    let target = seg.target.as_ref()?;
    let mismatch = languages.check(tgt, &target.plain)?;
    let mut f = Finding::on(
        Kind::LanguageMismatch,
        seg,
        format!(
            "the translation looks like `{}`, not `{tgt}` ({})",
            mismatch.detected, mismatch.reason
        ),
    );
    f.spans.push(Span::new(Side::Target, 0, target.plain.len()));
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_below_the_cjk_radicals_normalises_to_kana_or_kanji() {
        for c in (0..u32::from(FIRST_CJK)).filter_map(char::from_u32) {
            assert!(!normalize(&c.to_string()).chars().any(is_plain_cjk), "U+{:04X}", c as u32);
        }
    }
}
