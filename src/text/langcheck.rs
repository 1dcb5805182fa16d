//! "Is this text really in the declared language?"
//!
//! The check must never cry wolf: TM segments are often short, kanji-only
//! (総務省), acronyms (IoT, OK) or numbers, and a false alarm on those
//! teaches users to ignore the report. So it works in two stages and only
//! speaks when it is sure:
//!
//! 1. **Script.** Letters are counted by script. A text whose letters are
//!    mostly in a script the declared language is not written in (kana in an
//!    `en` variant; pure Latin prose in a `ja` variant) is a mismatch. This
//!    catches the common real fault, swapped columns, at almost no cost.
//! 2. **Function words.** When the script fits but several languages share
//!    it, the text's most frequent little words (the, of, und, der, le, de…)
//!    are counted for each language yakugo knows. If the declared language
//!    scores at least as well as any other, the text is accepted. This
//!    settles almost every real segment in microseconds, where lingua takes
//!    about 0.4 ms per sentence (measured on Kyoto Wikipedia English: a
//!    million-unit import would spend minutes in it).
//! 3. **lingua**, only for the texts that stage 2 found suspicious, and only
//!    when they are long enough for a reliable answer
//!    ([`MIN_LETTERS_FOR_MODEL`] letters, [`MIN_WORDS_FOR_MODEL`] words). The
//!    text is flagged when lingua gives the declared language almost no
//!    confidence and another language most of it.
//!
//! Chinese is deliberately not compiled into lingua: with it, kanji-only
//! Japanese comes out Chinese.

use crate::lang::Lang;
use crate::text::normalize::is_ascii_white;
use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

pub const MIN_LETTERS_FOR_SCRIPT: usize = 4;
/// A text with no letter of its language's own script is flagged only
/// from this many letters (and five words) on: shorter ones are names.
pub const MIN_LETTERS_FOREIGN_ONLY: usize = 20;
pub const MIN_LETTERS_FOR_MODEL: usize = 40;
pub const MIN_WORDS_FOR_MODEL: usize = 6;
/// Characters of a document [`LangChecker::detect`] looks at.
pub const DETECT_SAMPLE_CHARS: usize = 2000;

/// Languages compiled into the model stage (see `Cargo.toml`).
const MODEL_LANGUAGES: &[(Language, &str)] = &[
    (Language::English, "en"),
    (Language::German, "de"),
    (Language::French, "fr"),
    (Language::Spanish, "es"),
    (Language::Italian, "it"),
    (Language::Portuguese, "pt"),
    (Language::Dutch, "nl"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    Latin,
    Kana,
    Han,
    Hangul,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Thai,
    Devanagari,
}

/// What the check found: the text looks like `detected`, not the declared
/// language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub detected: String,
    pub reason: &'static str,
}

pub struct LangChecker {
    model: LanguageDetector,
}

impl Default for LangChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl LangChecker {
    pub fn new() -> Self {
        let languages: Vec<Language> = MODEL_LANGUAGES.iter().map(|(l, _)| *l).collect();
        LangChecker {
            model: LanguageDetectorBuilder::from_languages(&languages).build(),
        }
    }

    /// The language of a document (`None` when unsure), for commands whose
    /// user did not say: the script first (kana is Japanese, Hangul Korean,
    /// Han without kana Japanese or Chinese, so `None`), then, for Latin
    /// script, lingua among the languages compiled in. Only the first
    /// [`DETECT_SAMPLE_CHARS`] characters are looked at.
    pub fn detect(&self, text: &str) -> Option<Lang> {
        let sample: String = text.chars().take(DETECT_SAMPLE_CHARS).collect();
        let counts = ScriptCounts::of(&sample);
        let dominant = ALL_SCRIPTS
            .into_iter()
            .max_by_key(|s| counts.count(*s))
            .filter(|s| counts.count(*s) > 0)?;
        let tag = match dominant {
            Script::Latin => {
                let language = self.model.detect_language_of(&sample)?;
                MODEL_LANGUAGES.iter().find(|(l, _)| *l == language)?.1
            }
            Script::Kana | Script::Han if counts.count(Script::Kana) > 0 => "ja",
            Script::Hangul => "ko",
            _ => return None,
        };
        Lang::parse(tag).ok()
    }

    /// `Some` when `text` is clearly not in `lang`.
    pub fn check(&self, lang: &Lang, text: &str) -> Option<Mismatch> {
        let primary = lang.primary();
        let native = scripts_of(primary)?;
        let latin = native == [Script::Latin];
        // Other scripts tolerate Latin acronyms and names (IoT機器, ASEAN諸国)
        // as long as any native letter is present, so the first native
        // letter settles the check: most Japanese segments start with one.
        if !latin && text.chars().any(|c| script_of(c).is_some_and(|s| native.contains(&s))) {
            return None;
        }
        let counts = ScriptCounts::of(text);
        if counts.total < MIN_LETTERS_FOR_SCRIPT {
            return None;
        }
        let fitting: usize = native.iter().map(|s| counts.count(*s)).sum();
        let foreign = counts.total - fitting;
        // Latin-script languages: most letters must be Latin. A text with no
        // letter of its own script must be long, several words, before it is
        // called foreign.
        let mismatch = if latin {
            fitting < foreign
        } else {
            fitting == 0 && foreign >= MIN_LETTERS_FOREIGN_ONLY && has_words(text, 5)
        };
        if mismatch {
            let dominant = ALL_SCRIPTS
                .into_iter()
                .filter(|s| !native.contains(s))
                .max_by_key(|s| counts.count(*s))?;
            return Some(Mismatch {
                detected: script_language_guess(dominant, &counts).to_string(),
                reason: "script",
            });
        }
        if !latin || counts.total < MIN_LETTERS_FOR_MODEL || !has_words(text, MIN_WORDS_FOR_MODEL) {
            return None;
        }
        let (declared, _) = MODEL_LANGUAGES.iter().find(|(_, code)| *code == primary)?;
        if !function_words_suggest_another_language(primary, text) {
            return None;
        }
        let confidences = self.model.compute_language_confidence_values(text);
        let declared_confidence = confidences.iter().find(|(l, _)| l == declared).map_or(0.0, |(_, c)| *c);
        let (top, top_confidence) = confidences.first()?;
        if top != declared && *top_confidence >= 0.9 && declared_confidence <= 0.02 {
            let code = MODEL_LANGUAGES.iter().find(|(l, _)| l == top).map_or("?", |(_, c)| c);
            return Some(Mismatch {
                detected: code.to_string(),
                reason: "model",
            });
        }
        None
    }
}

/// Very frequent function words of the model languages, lower case.
const FUNCTION_WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "of", "and", "to", "in", "is", "was", "for", "that", "with", "on", "as", "by", "are", "it", "this", "from", "be", "at",
            "which", "a", "an",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "den", "von", "zu", "mit", "sich", "des", "auf", "für", "nicht", "im", "dem", "ein", "eine",
            "wurde", "auch",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "de", "des", "et", "est", "du", "un", "une", "en", "que", "qui", "dans", "pour", "au", "sur", "pas", "par",
            "avec",
        ],
    ),
    (
        "es",
        &[
            "el", "la", "los", "las", "de", "del", "y", "que", "en", "un", "una", "es", "por", "con", "para", "se", "su", "al", "como",
            "fue",
        ],
    ),
    (
        "it",
        &[
            "il", "la", "di", "che", "e", "è", "un", "una", "per", "del", "della", "in", "non", "con", "sono", "gli", "le", "si", "da",
            "al",
        ],
    ),
    (
        "pt",
        &[
            "o", "a", "os", "as", "de", "do", "da", "e", "que", "em", "um", "uma", "não", "para", "com", "por", "no", "na", "se", "foi",
        ],
    ),
    (
        "nl",
        &[
            "de", "het", "een", "en", "van", "is", "dat", "op", "te", "in", "zijn", "met", "voor", "niet", "er", "aan", "ook", "werd",
            "door", "bij",
        ],
    ),
];

/// Each function word, packed by [`pack_word`], with the set of languages
/// (bit i = `FUNCTION_WORDS[i]`) it belongs to: one lookup of an integer
/// per word instead of a scan of every list. A hash map rather than a
/// binary search of the sorted words: the search's dependent steps were
/// about a quarter of the check's own samples on 1M Kyoto units, the
/// lookup about an eighth (perf annotate).
static FUNCTION_WORD_LANGS: LazyLock<HashMap<u64, u8, foldhash::fast::RandomState>> = LazyLock::new(|| {
    let mut table = HashMap::default();
    for (i, (_, words)) in FUNCTION_WORDS.iter().enumerate() {
        for w in *words {
            *table.entry(pack_word(w.as_bytes())).or_insert(0) |= 1 << i;
        }
    }
    table
});

/// A word of at most [`FUNCTION_WORD_MAX_BYTES`] bytes as an integer, ASCII
/// letters folded to lower case (enough: the lists' few non-ASCII words,
/// für, è, não, are lower case in running text). Words hold no NUL byte, so
/// the zero padding keeps keys distinct.
fn pack_word(word: &[u8]) -> u64 {
    // Byte by byte: copying the word into an array called `memcpy` for
    // its variable length (50k Kyoto units: 3.040G → 3.037G instructions).
    word.iter()
        .enumerate()
        .fold(0, |packed, (i, b)| packed | u64::from(b.to_ascii_lowercase()) << (8 * i))
}

/// Function words are short and sentences state their language early:
/// looking further adds cost, not certainty.
const FUNCTION_WORDS_EXAMINED: usize = 16;
const FUNCTION_WORD_MAX_BYTES: usize = 6;

/// The ASCII characters that separate words for the function-word test:
/// whitespace, punctuation and digits. A table, because the test runs per
/// character.
const ASCII_WORD_BREAK: [bool; 128] = {
    let mut table = [false; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        table[i] = is_ascii_white(b) || b.is_ascii_punctuation() || b.is_ascii_digit();
        i += 1;
    }
    table
};

/// True when some other language's function words are clearly more
/// frequent in `text` than the declared language's (at least three, two
/// more, and twice as many): names such as "Palais de la Porte" must not
/// send every English sentence to the model.
fn function_words_suggest_another_language(declared: &str, text: &str) -> bool {
    let mut scores = [0usize; FUNCTION_WORDS.len()];
    let table = &*FUNCTION_WORD_LANGS;
    for_first_words(text, |word| {
        if word.len() > FUNCTION_WORD_MAX_BYTES {
            return;
        }
        if let Some(&langs) = table.get(&pack_word(word)) {
            for (i, score) in scores.iter_mut().enumerate() {
                *score += usize::from(langs & (1 << i) != 0);
            }
        }
    });
    let declared_score = FUNCTION_WORDS
        .iter()
        .position(|(code, _)| *code == declared)
        .map_or(0, |i| scores[i]);
    scores.iter().any(|&s| s >= 3 && s >= declared_score + 2 && s >= 2 * declared_score)
}

/// Calls `f` with each of the first [`FUNCTION_WORDS_EXAMINED`] words of
/// `text`, split at ASCII whitespace, punctuation and digits and at any
/// other whitespace. Bytes, not chars: most of the text is ASCII and needs
/// no decoding (the function-word test, splitting with a closure over
/// chars, was a third of the language check's time on Kyoto English, which
/// is run on every variant; by bytes the whole check on 100k units took
/// 0.14-0.15 s instead of 0.21 s). A loop calling `f` rather than an
/// iterator: with `has_words` by bytes as well, a 50k Kyoto import took
/// 3.50G instructions instead of 3.57G (callgrind).
fn for_first_words<'t>(text: &'t str, mut f: impl FnMut(&'t [u8])) {
    let bytes = text.as_bytes();
    let mut words = 0;
    let mut start = None;
    let mut i = 0;
    while i < bytes.len() {
        let (is_break, len) = break_at(text, i, |b| ASCII_WORD_BREAK[usize::from(b)]);
        if is_break {
            if let Some(from) = start.take() {
                f(&bytes[from..i]);
                words += 1;
                if words == FUNCTION_WORDS_EXAMINED {
                    return;
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
        i += len;
    }
    if let Some(from) = start {
        f(&bytes[from..]);
    }
}

/// Whether the character at byte `i` of `text` breaks words, and its
/// length: `ascii_break` decides for ASCII, read without decoding; any
/// other character breaks words when it is whitespace.
#[inline(always)]
fn break_at(text: &str, i: usize, ascii_break: impl Fn(u8) -> bool) -> (bool, usize) {
    let b = text.as_bytes()[i];
    if b.is_ascii() {
        return (ascii_break(b), 1);
    }
    let c = text[i..].chars().next().unwrap_or_default();
    (c.is_whitespace(), c.len_utf8())
}

/// True when `text` has at least `n` whitespace-separated words; stops
/// counting there. `split_whitespace` by bytes, ASCII without decoding: it
/// runs for most variants of an import.
fn has_words(text: &str, n: usize) -> bool {
    let mut words = 0;
    let mut in_word = false;
    let mut i = 0;
    while i < text.len() {
        let (white, len) = break_at(text, i, is_ascii_white);
        if !white && !in_word {
            words += 1;
            if words >= n {
                return true;
            }
        }
        in_word = !white;
        i += len;
    }
    false
}

/// Letters per script, indexed by `Script as usize`.
struct ScriptCounts {
    by_script: [usize; SCRIPTS],
    total: usize,
}

const SCRIPTS: usize = 10;
const ALL_SCRIPTS: [Script; SCRIPTS] = [
    Script::Latin,
    Script::Kana,
    Script::Han,
    Script::Hangul,
    Script::Cyrillic,
    Script::Greek,
    Script::Arabic,
    Script::Hebrew,
    Script::Thai,
    Script::Devanagari,
];

impl ScriptCounts {
    fn of(text: &str) -> ScriptCounts {
        let mut by_script = [0; SCRIPTS];
        // Most letters of most segments are ASCII, and ASCII letters are
        // Latin: a branch-free count over the bytes, per chunk of 64 in a
        // byte counter, which vectorises (non-ASCII bytes never pass)…
        let ascii_letters: usize = text
            .as_bytes()
            .chunks(64)
            .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, b| n + u8::from((b | 0x20).wrapping_sub(b'a') < 26))))
            .sum();
        by_script[Script::Latin as usize] = ascii_letters;
        let mut total = ascii_letters;
        // … then the other characters, one by one.
        let mut rest = if text.is_ascii() { "" } else { text };
        while let Some(i) = rest.bytes().position(|b| !b.is_ascii()) {
            let mut chars = rest[i..].chars();
            if let Some(script) = chars.next().and_then(script_of) {
                by_script[script as usize] += 1;
                total += 1;
            }
            rest = chars.as_str();
        }
        ScriptCounts { by_script, total }
    }

    fn count(&self, script: Script) -> usize {
        self.by_script[script as usize]
    }
}

fn script_of(c: char) -> Option<Script> {
    let script = match c as u32 {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Script::Latin,
        // The katakana middle dot ・ (U+30FB) is punctuation.
        0x30FB => return None,
        0x3041..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => Script::Han,
        0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => Script::Hangul,
        0x400..=0x4FF => Script::Cyrillic,
        0x370..=0x3FF => Script::Greek,
        0x600..=0x6FF | 0x750..=0x77F => Script::Arabic,
        0x590..=0x5FF => Script::Hebrew,
        0xE00..=0xE7F => Script::Thai,
        0x900..=0x97F => Script::Devanagari,
        _ => return None,
    };
    Some(script)
}

/// The scripts a language is normally written in. `None` for languages the
/// check knows nothing of.
fn scripts_of(primary: &str) -> Option<&'static [Script]> {
    // Compared in order: the languages of most segments first.
    Some(match primary {
        "ja" => &[Script::Kana, Script::Han],
        "en" => &[Script::Latin],
        "zh" => &[Script::Han],
        "ko" => &[Script::Hangul, Script::Han],
        // Serbian is written in both scripts.
        "sr" => &[Script::Cyrillic, Script::Latin],
        "ru" | "uk" | "bg" | "mk" | "be" | "kk" => &[Script::Cyrillic],
        "el" => &[Script::Greek],
        "ar" | "fa" | "ur" => &[Script::Arabic],
        "he" | "yi" => &[Script::Hebrew],
        "th" => &[Script::Thai],
        "hi" | "mr" | "ne" => &[Script::Devanagari],
        "de" | "fr" | "es" | "it" | "pt" | "nl" | "cy" | "sv" | "da" | "nb" | "nn" | "no" | "fi" | "pl" | "cs" | "sk" | "sl" | "hr"
        | "hu" | "ro" | "tr" | "id" | "ms" | "vi" | "ca" | "eu" | "gl" | "et" | "lv" | "lt" | "ga" | "is" | "sq" | "af" | "sw" | "tl" => {
            &[Script::Latin]
        }
        _ => return None,
    })
}

/// A language guess from the dominant script alone.
fn script_language_guess(dominant: Script, counts: &ScriptCounts) -> &'static str {
    match dominant {
        Script::Kana => "ja",
        // Han with any kana is Japanese; Han alone is ambiguous (ja or zh).
        Script::Han if counts.count(Script::Kana) > 0 => "ja",
        Script::Han => "ja or zh",
        Script::Hangul => "ko",
        Script::Latin => "Latin-script text",
        Script::Cyrillic => "Cyrillic-script text",
        Script::Greek => "el",
        Script::Arabic => "Arabic-script text",
        Script::Hebrew => "he",
        Script::Thai => "th",
        Script::Devanagari => "Devanagari-script text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn first_words_split_as_chars_would(text in "(?s)[a-zA-Z0-9 .,'\\-\t\u{a0}\u{3000}éü日本語\u{1F600}]{0,80}") {
            let by_chars: Vec<&str> = text
                .split(|c: char| if c.is_ascii() { ASCII_WORD_BREAK[c as usize] } else { c.is_whitespace() })
                .filter(|w| !w.is_empty())
                .take(FUNCTION_WORDS_EXAMINED)
                .collect();
            let mut words = Vec::new();
            for_first_words(&text, |w| words.push(std::str::from_utf8(w).unwrap()));
            prop_assert_eq!(words, by_chars);
        }

        #[test]
        fn has_words_counts_as_split_whitespace_would(
            text in "(?s)[a-z \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{2003}\u{3000}é日\u{1F600}]{0,30}",
            n in 1usize..8,
        ) {
            prop_assert_eq!(has_words(&text, n), text.split_whitespace().nth(n - 1).is_some());
        }
    }

    fn check(lang: &str, text: &str) -> Option<Mismatch> {
        LangChecker::new().check(&lang.parse().unwrap(), text)
    }

    #[test]
    fn no_false_alarms_on_short_kanji_acronym_or_numeric_text() {
        assert_eq!(check("ja", "総務省"), None);
        assert_eq!(check("ja", "IoT"), None);
        assert_eq!(check("en", "OK"), None);
        assert_eq!(check("en", "2017"), None);
        assert_eq!(check("ja", "IoT機器のセキュリティ"), None);
        assert_eq!(check("ja", "ASEAN"), None);
        assert_eq!(check("ja", "Grand Copthorne Waterfront Hotel"), None);
        assert_eq!(check("en", "Songs （ご詠歌・和讃）"), None);
        assert_eq!(
            check("en", "The Ministry of Internal Affairs and Communications (MIC) held the meeting."),
            None
        );
        assert_eq!(check("ja", "第10回日・ASEAN情報セキュリティ政策会議が開催されました。"), None);
    }

    #[test]
    fn detects_a_document_language() {
        let checker = LangChecker::new();
        let detect = |text: &str| checker.detect(text).map(|l| l.to_string());
        assert_eq!(
            detect("第10回日・ASEAN情報セキュリティ政策会議が開催されました。").as_deref(),
            Some("ja")
        );
        assert_eq!(
            detect("The Policy Meeting has been held approximately once a year since 2009.").as_deref(),
            Some("en")
        );
        assert_eq!(
            detect("Die Sitzung wurde am Dienstag in Singapur abgehalten.").as_deref(),
            Some("de")
        );
        assert_eq!(detect("総務省"), None, "Han alone: Japanese or Chinese");
        assert_eq!(detect("2017 – 2018"), None);
    }

    #[test]
    fn word_break_table_is_the_character_test() {
        for c in (0u8..128).map(char::from) {
            let expected = c.is_whitespace() || c.is_ascii_punctuation() || c.is_ascii_digit();
            assert_eq!(ASCII_WORD_BREAK[c as usize], expected, "{c:?}");
        }
    }

    #[test]
    fn flags_swapped_columns() {
        let m = check("en", "第10回日・ASEAN情報セキュリティ政策会議が開催されました。").unwrap();
        assert_eq!(m.detected, "ja");
        let m = check("ja", "The Policy Meeting has been held approximately once a year since 2009.").unwrap();
        assert_eq!(m.detected, "Latin-script text");
    }

    #[test]
    fn flags_the_wrong_latin_language_only_when_clear() {
        let m = check(
            "en",
            "Die Sitzung wurde am Dienstag in Singapur abgehalten und alle Teilnehmer waren sehr zufrieden.",
        )
        .unwrap();
        assert_eq!(m.detected, "de");
        assert_eq!(check("de", "Kick-off Meeting"), None);
        // English with a French name in it stays English.
        assert_eq!(
            check(
                "en",
                "The delegation met the French minister at the Palais de la Porte Dorée in Paris on Monday."
            ),
            None
        );
    }
}
