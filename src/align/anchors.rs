//! Anchors: what a segment and its translation must share whatever the
//! wording, and how much a bead's sharing (or failing to share) them says.
//!
//! Each segment is reduced once to its [`Features`]:
//!
//! - **numbers**, as values: Arabic and full-width digits through
//!   [`crate::text::numbers`], kanji numerals where a counter or `第`
//!   shows they are numbers (`第三回`, `二〇一七年`, `十月`), English month
//!   names as their number (`October 10, 2017` ↔ `2017年10月10日`), weekdays
//!   (`（火）` ↔ `Tuesday`), small English number words (`two`, `third`),
//!   Japanese era years as Gregorian years ([`super::era`]: `延暦16年` ↔
//!   `797`);
//! - **salient Latin tokens**: in CJK text every Latin-script token
//!   (`ASEAN`, `5G`, `IoT`, `NISC`, `G7`), which a translation into a
//!   Latin-script language keeps; in Latin-script text the acronym-like ones
//!   (two capitals or letters mixed with digits), which any translation
//!   keeps. They are looked up among all the other side's tokens.
//! - **CJK quoted in Latin-script text** (`SUGAWARA no Yomichi (菅原世道)`,
//!   a term left untranslated): each run of CJK letters as its pairs of
//!   adjacent letters, looked up among the other side's pairs;
//! - **glossary concepts**: the concepts of the terms
//!   [`TermIndex::find`] recognises;
//! - **list and heading markers** at the start (`1．`, `(1)`, `①` are
//!   numbers; `ア`, `i.`, `(a)` are letters, each by its rank), strong
//!   anchors: `ア`/`イ`/`ウ` pair with `i.`/`ii.`/`iii.` and `(1)` with `1.`;
//! - whether the segment ends like a sentence, its parentheses and
//!   quotations (`「」` ↔ `"…"`);
//! - kana readings of names (`（そうとうしゅう）`), romanised, which the
//!   other side may spell `Soto` or `Sōtō`;
//! - for source segments, the tokens of the target of a TM match, if any.
//!
//! [`evidence`] turns two groups of features (the source and target
//! segments of a bead) into a cost in nats: shared anchors lower it,
//! anchors of one side missing on the other raise it. A segment left
//! unaligned (1-0, 0-1) costs nothing here: its anchors finding no partner
//! is the very sign of a line the other document lacks (an address, a
//! reference), and the bead priors keep real sentences from being dropped.

use super::era::era_years;
use crate::lang::Lang;
use crate::terms::find::TermIndex;
use crate::text::normalize::{fold_width, normalize};
use crate::text::numbers::numbers;
use xxhash_rust::xxh3::xxh3_64;

/// A list or heading marker at the start of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// `1.`, `(1)`, `1)`, `１．`, `（１）`, `①`.
    Number(u32),
    /// `ア`/`イ`/`ウ` (gojūon order), `i.`/`ii.` (Roman), `a.`/`(b)`: the rank.
    Letter(u32),
}

/// What alignment looks at in one segment. Vectors are sorted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    /// Length in Latin-equivalent characters ([`super::length::text_length`]).
    pub length: f64,
    /// Number values (a multiset).
    pub numbers: Vec<u64>,
    /// Tokens the other side should contain.
    pub salient: Vec<u64>,
    /// All tokens, deduplicated.
    pub tokens: Vec<u64>,
    /// Glossary concepts found, deduplicated.
    pub concepts: Vec<u64>,
    pub marker: Option<Marker>,
    /// Ends with sentence-final punctuation (a heading or list line does not).
    pub sentence: bool,
    /// Opening parentheses, half- or full-width.
    pub parens: u32,
    /// Quotations: `「` and `『` in CJK text, opening quotation marks in
    /// Latin-script text (`“`, every other `"`, a `'` that opens a word).
    pub quotes: u32,
    /// Tokens of a TM match's target (source segments only), deduplicated.
    pub hint: Vec<u64>,
    /// Kana readings given for names (`（そうとうしゅう）`, `行心 ぎょうじん`),
    /// romanised and `squash`ed (CJK text).
    pub readings: Vec<u64>,
    /// Every word and every two or three adjacent words run together,
    /// squashed, for readings to be looked up in (Latin-script text).
    pub romanised: Vec<u64>,
    /// Every two adjacent CJK letters (Han, kana, Hangul), normalised (CJK
    /// text), for [`Features::cjk_runs`] to be looked up in.
    pub cjk_pairs: Vec<u64>,
    /// Runs of two or more CJK letters inside Latin-script text (`SUGAWARA
    /// no Yomichi (菅原世道)`), each as its [`Features::cjk_pairs`]: names
    /// and terms quoted from the source, which it must contain.
    pub cjk_runs: Vec<Vec<u64>>,
}

/// Extracts [`Features`] for one language.
pub struct Extractor<'a> {
    lang: Lang,
    cjk: bool,
    glossary: Option<&'a TermIndex>,
}

impl<'a> Extractor<'a> {
    pub fn new(lang: &Lang, glossary: Option<&'a TermIndex>) -> Extractor<'a> {
        Extractor {
            lang: lang.clone(),
            cjk: matches!(lang.primary(), "ja" | "zh" | "ko" | "yue"),
            glossary,
        }
    }

    pub fn features(&self, text: &str) -> Features {
        let text = text.trim();
        let (marker, body) = split_marker(text);
        let normalized = normalize(text);
        let tokens = crate::fuzzy::tokens(&normalized);
        // Era years are read as Gregorian years, and their own numbers
        // (`2` of `大正2年`) not read again.
        let eras = if self.cjk { era_years(body) } else { Vec::new() };
        let mut plain = String::with_capacity(body.len());
        let mut last = 0;
        for era in &eras {
            plain.push_str(&body[last..era.range.start]);
            plain.push(' ');
            last = era.range.end;
        }
        plain.push_str(&body[last..]);
        let mut values: Vec<u64> = numbers(&plain).iter().map(|n| key("n", &n.value)).collect();
        // A numbered marker is a number too: `第12：` pairs with `12.`.
        if let Some(Marker::Number(n)) = marker {
            values.push(key("n", &n.to_string()));
        }
        if self.cjk {
            values.extend(kanji_numbers(&plain).into_iter().map(|v| key("n", &v.to_string())));
            values.extend(japanese_weekdays(&plain).map(|d| key("w", &d.to_string())));
            // `1913年（大正2年）` is one year, which the translation gives once.
            for era in &eras {
                let year = key("n", &era.year.to_string());
                if !values.contains(&year) {
                    values.push(year);
                }
            }
        } else {
            values.extend(english_number_words(body));
        }
        values.sort_unstable();
        let mut salient: Vec<u64> = if self.cjk {
            tokens
                .iter()
                .filter(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphanumeric()) && t.bytes().any(|b| b.is_ascii_alphabetic()))
                .map(|t| key("t", t))
                .collect()
        } else {
            body.split(|c: char| !c.is_alphanumeric())
                .filter(|w| is_acronym(w))
                .map(|w| key("t", &w.to_lowercase()))
                .collect()
        };
        salient.sort_unstable();
        salient.dedup();
        let mut token_keys: Vec<u64> = tokens.iter().map(|t| key("t", t)).collect();
        token_keys.sort_unstable();
        token_keys.dedup();
        let mut concepts: Vec<u64> = self
            .glossary
            .map(|g| g.find(text, Some(&self.lang)).into_iter().map(|h| h.concept as u64).collect())
            .unwrap_or_default();
        concepts.sort_unstable();
        concepts.dedup();
        let (mut readings, mut romanised): (Vec<u64>, Vec<u64>) = if self.cjk {
            (kana_readings(body).iter().map(|r| key("r", &squash(r))).collect(), Vec::new())
        } else {
            (Vec::new(), romanised_words(body))
        };
        let runs = cjk_runs(&normalized);
        let (mut cjk_pairs, cjk_runs): (Vec<u64>, Vec<Vec<u64>>) = if self.cjk {
            (runs.into_iter().flatten().collect(), Vec::new())
        } else {
            (Vec::new(), runs)
        };
        for keys in [&mut readings, &mut romanised, &mut cjk_pairs] {
            keys.sort_unstable();
            keys.dedup();
        }
        Features {
            length: super::length::text_length(text),
            numbers: values,
            salient,
            tokens: token_keys,
            concepts,
            marker,
            sentence: ends_like_a_sentence(text),
            parens: text.chars().filter(|&c| c == '(' || c == '（').count() as u32,
            quotes: quotations(text, self.cjk),
            hint: Vec::new(),
            readings,
            romanised,
            cjk_pairs,
            cjk_runs,
        }
    }

    /// The token set of a TM target, for [`Features::hint`].
    pub fn hint_tokens(text: &str) -> Vec<u64> {
        let normalized = normalize(text);
        let mut keys: Vec<u64> = crate::fuzzy::tokens(&normalized).iter().map(|t| key("t", t)).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

fn key(kind: &str, value: &str) -> u64 {
    let mut bytes = Vec::with_capacity(kind.len() + 1 + value.len());
    bytes.extend_from_slice(kind.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(value.as_bytes());
    xxh3_64(&bytes)
}

/// Acronym-like: at least two capitals (`ASEAN`, `IoT`, `NISC`), or letters
/// mixed with digits (`5G`, `G7`).
fn is_acronym(word: &str) -> bool {
    let upper = word.chars().filter(|c| c.is_uppercase()).count();
    let digits = word.chars().any(|c| c.is_ascii_digit());
    let letters = word.chars().any(|c| c.is_alphabetic());
    upper >= 2 || (digits && letters)
}

/// The number of quotations opened in `text`.
fn quotations(text: &str, cjk: bool) -> u32 {
    if cjk {
        return text.chars().filter(|&c| c == '「' || c == '『').count() as u32;
    }
    let mut prev = ' ';
    let (mut straight, mut curly, mut single) = (0u32, 0u32, 0u32);
    for c in text.chars() {
        match c {
            '"' => straight += 1,
            '“' => curly += 1,
            '\'' | '‘' if !prev.is_alphanumeric() => single += 1,
            _ => {}
        }
        prev = c;
    }
    straight.div_ceil(2) + curly + single
}

/// Runs of three or more hiragana standing alone, as readings do: in
/// parentheses, between spaces, or in a list of readings (`、`).
fn kana_readings(text: &str) -> Vec<String> {
    let is_kana = |c: char| ('\u{3041}'..='\u{3096}').contains(&c) || c == 'ー';
    let bounds = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || matches!(c, '（' | '(' | '）' | ')' | '、' | ',' | '，'));
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        if !is_kana(chars[k]) {
            k += 1;
            continue;
        }
        let start = k;
        while k < chars.len() && is_kana(chars[k]) {
            k += 1;
        }
        let before = start.checked_sub(1).map(|b| chars[b]);
        if k - start >= 3 && bounds(before) && bounds(chars.get(k).copied()) {
            out.push(romanise(&chars[start..k]));
        }
    }
    out
}

/// Hepburn romanisation of hiragana (long vowels as written: `とう` → `tou`;
/// [`squash`] folds them).
fn romanise(kana: &[char]) -> String {
    const TABLE: &str = "あa いi うu えe おo かka きki くku けke こko がga ぎgi ぐgu げge ごgo さsa しshi すsu せse そso \
        ざza じji ずzu ぜze ぞzo たta ちchi つtsu てte とto だda ぢji づzu でde どdo なna にni ぬnu ねne のno \
        はha ひhi ふfu へhe ほho ばba びbi ぶbu べbe ぼbo ぱpa ぴpi ぷpu ぺpe ぽpo まma みmi むmu めme もmo \
        やya ゆyu よyo らra りri るru れre ろro わwa ゐi ゑe をo んn ぁa ぃi ぅu ぇe ぉo ゔvu";
    let syllable = |c: char| TABLE.split_whitespace().find(|e| e.starts_with(c)).map(|e| &e[c.len_utf8()..]);
    let mut out = String::new();
    let mut double = false;
    for &c in kana {
        match c {
            'っ' => double = true,
            'ゃ' | 'ゅ' | 'ょ' => {
                let vowel = match c {
                    'ゃ' => 'a',
                    'ゅ' => 'u',
                    _ => 'o',
                };
                if out.ends_with('i') {
                    out.pop();
                    if !(out.ends_with("sh") || out.ends_with("ch") || out.ends_with('j')) {
                        out.push('y');
                    }
                }
                out.push(vowel);
            }
            _ => {
                let Some(romaji) = syllable(c) else { continue };
                if std::mem::take(&mut double) {
                    out.push(if romaji.starts_with("ch") {
                        't'
                    } else {
                        romaji.chars().next().unwrap_or('t')
                    });
                }
                out.push_str(romaji);
            }
        }
    }
    out
}

/// Folds the ways long vowels are written (`ou`, `oo`, `uu`, `aa`, `ii`)
/// to one vowel: `sōtō`, `soto` and `soutou` meet as `soto`.
fn squash(romaji: &str) -> String {
    let plain: String = romaji
        .chars()
        .filter_map(|c| match c {
            'ā' | 'â' => Some('a'),
            'ī' | 'î' => Some('i'),
            'ū' | 'û' => Some('u'),
            'ē' | 'ê' => Some('e'),
            'ō' | 'ô' => Some('o'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let mut out = String::with_capacity(plain.len());
    for c in plain.chars() {
        let last = out.chars().next_back();
        let long = matches!(
            (last, c),
            (Some('o'), 'u' | 'o') | (Some('u'), 'u') | (Some('a'), 'a') | (Some('i'), 'i')
        );
        if !long {
            out.push(c);
        }
    }
    out
}

/// Keys of the words of Latin-script text, and of two and three adjacent
/// words run together (`Eihei-ji` ↔ `えいへいじ`, `OTSU no Obito`), squashed.
fn romanised_words(text: &str) -> Vec<u64> {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).collect();
    let mut out = Vec::with_capacity(words.len() * 3);
    for k in 0..words.len() {
        let mut joined = String::new();
        for w in words.iter().skip(k).take(3) {
            joined.push_str(w);
            // Squashed after joining, as the reading was: `no` + `obito`.
            let squashed = squash(&joined);
            if squashed.len() >= 3 {
                out.push(key("r", &squashed));
            }
        }
    }
    out
}

/// The runs of two or more CJK letters in `text`, each as the keys of its
/// adjacent pairs of letters.
fn cjk_runs(text: &str) -> Vec<Vec<u64>> {
    let letter = |c: char| matches!(c as u32, 0x3005 | 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF);
    let mut runs = Vec::new();
    let mut run: Vec<u64> = Vec::new();
    let mut prev: Option<char> = None;
    let mut pair = String::with_capacity(8);
    for c in text.chars() {
        if !letter(c) {
            if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            pair.clear();
            pair.push(p);
            pair.push(c);
            run.push(key("c", &pair));
        }
        prev = Some(c);
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Whether `text` ends with sentence-final punctuation, possibly followed
/// by closing brackets or quotes (headings and list lines do not).
pub fn ends_like_a_sentence(text: &str) -> bool {
    let last = text
        .chars()
        .rev()
        .find(|c| !c.is_whitespace() && !matches!(c, ')' | '）' | '」' | '』' | '"' | '\'' | '”' | '’' | ']' | '】'));
    matches!(last, Some('。' | '．' | '.' | '!' | '?' | '！' | '？'))
}

/// The marker at the start of `text`, and the text after it.
pub fn split_marker(text: &str) -> (Option<Marker>, &str) {
    // A circled number is a marker on its own (`①会議`).
    if let Some(c) = text.chars().next() {
        let n = c as u32;
        if (0x2460..=0x2473).contains(&n) {
            return (Some(Marker::Number(n - 0x2460 + 1)), &text[c.len_utf8()..]);
        }
    }
    // Folded char by char so that byte offsets into `text` stay known.
    let head: Vec<(usize, char)> = text
        .char_indices()
        .take(8)
        .map(|(i, c)| (i, fold_width(&c.to_string()).chars().next().unwrap_or(c)))
        .collect();
    let at = |k: usize| head.get(k).map(|&(_, c)| c);
    let offset = |k: usize| head.get(k).map_or(text.len(), |&(i, _)| i);
    let open = usize::from(at(0) == Some('('));
    // The marker's body: digits, or a run of letters / one katakana.
    let mut k = open;
    let mut body = String::new();
    while let Some(c) = at(k).filter(|c| c.is_ascii_digit()) {
        body.push(c);
        k += 1;
    }
    let numeric = !body.is_empty();
    if !numeric {
        if let Some(c) = at(k).filter(|c| gojuon_rank(*c).is_some()) {
            body.push(c);
            k += 1;
        } else {
            while let Some(c) = at(k).filter(|c| c.is_ascii_alphabetic()) {
                body.push(c);
                k += 1;
            }
        }
    }
    if body.is_empty() || body.len() > 4 {
        return (None, text);
    }
    let close = at(k);
    let next = at(k + 1);
    let kana = gojuon_rank(body.chars().next().unwrap_or(' ')).is_some();
    let ends = match (open == 1, close) {
        (true, Some(')')) => true,
        (false, Some(')')) => true,
        // `1.` but not `1.5`; `i.` but not `e.g.`.
        (false, Some('.')) => next.is_none_or(|c| !c.is_ascii_alphanumeric()),
        // `ア　` / `ア ` (Japanese lists), `1 ` only with a full stop above.
        (false, Some(' ')) => kana,
        _ => false,
    };
    if !ends {
        return (None, text);
    }
    let rank = if numeric {
        body.parse::<u32>().ok().map(Marker::Number)
    } else if kana {
        body.chars().next().and_then(gojuon_rank).map(Marker::Letter)
    } else {
        roman_or_letter_rank(&body).map(Marker::Letter)
    };
    match rank {
        Some(m) => (Some(m), text[offset(k + 1)..].trim_start()),
        None => (None, text),
    }
}

/// ア=1, イ=2, … in gojūon order (the order Japanese documents number
/// sub-items), for the first three rows.
fn gojuon_rank(c: char) -> Option<u32> {
    const ORDER: &str = "アイウエオカキクケコサシスセソ";
    ORDER.chars().position(|k| k == c).map(|p| p as u32 + 1)
}

/// `i`..`xx` (either case) as Roman numerals; otherwise one letter `a`..`z`
/// by its rank. `c`, `d`, `l`, `m` alone are letters.
fn roman_or_letter_rank(body: &str) -> Option<u32> {
    let lower = body.to_ascii_lowercase();
    if lower.chars().all(|c| matches!(c, 'i' | 'v' | 'x')) {
        let value = |c| match c {
            'i' => 1,
            'v' => 5,
            _ => 10,
        };
        let digits: Vec<u32> = lower.chars().map(value).collect();
        let mut total = 0i64;
        for (k, &d) in digits.iter().enumerate() {
            if digits.get(k + 1).is_some_and(|&n| n > d) {
                total -= i64::from(d);
            } else {
                total += i64::from(d);
            }
        }
        return u32::try_from(total).ok().filter(|&t| t > 0);
    }
    let mut chars = lower.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c as u32 - 'a' as u32 + 1),
        _ => None,
    }
}

const KANJI_DIGITS: &str = "〇一二三四五六七八九";

/// Kanji numerals that are numbers for sure: after `第`, or before a
/// counter (`年 月 日 回 人 名 件 条 章 号 歳 期 か国 カ国 ヶ国 世紀 つ`).
/// `一部` or `統一` are words, not numbers, and are not read.
fn kanji_numbers(text: &str) -> Vec<u64> {
    const COUNTERS: [&str; 17] = [
        "年", "月", "日", "回", "人", "名", "件", "条", "章", "号", "歳", "期", "か国", "カ国", "ヶ国", "世紀", "つ",
    ];
    let is_numeral = |c: char| KANJI_DIGITS.contains(c) || matches!(c, '十' | '百' | '千' | '万');
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(is_numeral) {
        // Runs are maximal, so the character before one is never a numeral.
        let prev = rest[..start].chars().next_back();
        let run_len = rest[start..].find(|c: char| !is_numeral(c)).unwrap_or(rest.len() - start);
        let run = &rest[start..start + run_len];
        let after = &rest[start + run_len..];
        if prev == Some('第') || COUNTERS.iter().any(|c| after.starts_with(c)) {
            if let Some(v) = parse_kanji_number(run) {
                out.push(v);
            }
        }
        rest = after;
    }
    out
}

/// `二十一` → 21, `三百五` → 305, `二〇一七` → 2017, `十` → 10, `五万` → 50000.
pub(super) fn parse_kanji_number(run: &str) -> Option<u64> {
    let digit = |c: char| KANJI_DIGITS.chars().position(|k| k == c).map(|p| p as u64);
    // Digit by digit (`二〇一七`) when there is no multiplier.
    if run.chars().all(|c| digit(c).is_some()) {
        return run.chars().try_fold(0u64, |acc, c| acc.checked_mul(10)?.checked_add(digit(c)?));
    }
    let (mut total, mut section, mut current) = (0u64, 0u64, 0u64);
    for c in run.chars() {
        if let Some(d) = digit(c) {
            current = current.checked_mul(10)?.checked_add(d)?;
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => {
                total = total.checked_add((section + current).checked_mul(10_000)?)?;
                section = 0;
                current = 0;
                continue;
            }
            _ => return None,
        };
        section = section.checked_add(current.max(1).checked_mul(unit)?)?;
        current = 0;
    }
    total.checked_add(section + current)
}

/// Weekdays in parentheses, as Japanese dates write them: `10日（火）`.
fn japanese_weekdays(text: &str) -> impl Iterator<Item = u32> + '_ {
    const DAYS: &str = "月火水木金土日";
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len().saturating_sub(2)).filter_map(move |k| {
        let (open, day, close) = (chars[k], chars[k + 1], chars[k + 2]);
        if matches!(open, '（' | '(') && matches!(close, '）' | ')') {
            DAYS.chars().position(|d| d == day).map(|p| p as u32 + 1)
        } else {
            None
        }
    })
}

/// Month names (as their number), weekdays, and the number words two to
/// ten and third to tenth, in English text.
fn english_number_words(text: &str) -> Vec<u64> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    const CARDINALS: [&str; 9] = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    const ORDINALS: [&str; 8] = ["third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let is_number = |w: Option<&&str>| w.is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()));
    let mut out = Vec::new();
    for (k, w) in words.iter().enumerate() {
        let lower = w.to_lowercase();
        let capitalised = w.chars().next().is_some_and(char::is_uppercase);
        if let Some(m) = MONTHS
            .iter()
            .position(|&m| m == lower || (m.len() > 3 && lower.len() == 3 && m.starts_with(&lower)))
        {
            // Months are capitalised; `May` also needs a number next to it
            // (`May 4`, `4 May`), being a verb as often.
            let dated = is_number(words.get(k + 1)) || (k > 0 && is_number(words.get(k - 1)));
            if capitalised && (m != 4 || dated) {
                out.push(key("n", &(m + 1).to_string()));
            }
        } else if let Some(d) = WEEKDAYS.iter().position(|&d| d == lower) {
            out.push(key("w", &(d + 1).to_string()));
        } else if let Some(n) = CARDINALS.iter().position(|&c| c == lower) {
            out.push(key("n", &(n + 2).to_string()));
        } else if let Some(n) = ORDINALS.iter().position(|&c| c == lower) {
            out.push(key("n", &(n + 3).to_string()));
        }
    }
    out
}

// Costs in nats (negative: evidence for the bead). They were set by hand on
// the bundled newsletter and checked on the evaluation sets (see the
// README's figures); the length model's z²/2 is the yardstick: a shared
// number is worth about one and a half standard deviations of length.
const NUMBER_MATCH: f64 = 1.5;
const SALIENT_MATCH: f64 = 1.5;
const SALIENT_MISS: f64 = 1.0;
const CONCEPT_MATCH: f64 = 1.0;
const READING_MATCH: f64 = 1.5;
const CONCEPT_MISS: f64 = 0.15;
/// Glossary evidence of one bead stays within `−CONCEPT_MATCH_CAP ..=
/// CONCEPT_MISS_CAP`. A user's glossary may be a general dictionary
/// (JMdict: every English word is some entry's gloss): its hits number
/// dozens per sentence, few find their partner, and uncapped misses made
/// every pairing dearer than leaving both sentences unaligned, while
/// uncapped matches of common words across neighbouring sentences favoured
/// merges. A specific glossary's few terms per sentence stay below the caps.
const CONCEPT_MATCH_CAP: f64 = 3.0;
const CONCEPT_MISS_CAP: f64 = 1.0;
/// Per parenthesis or quotation.
const PUNCTUATION_MATCH: f64 = 0.3;
const PUNCTUATION_MISS: f64 = 0.3;
const MARKER_MATCH: f64 = 4.0;
const MARKER_CLASH: f64 = 4.0;
const MARKER_ONE_SIDED: f64 = 1.0;
/// A marker inside a bead (on its second segment): a new list item or
/// heading does not continue the sentence before it.
const MARKER_INSIDE: f64 = 2.5;
/// A sentence merged with a heading or list line on one side.
const MIXED_KINDS: f64 = 1.5;
/// Two lines that are not sentences (list items, address lines) in one
/// bead: writers merge sentences, not lines.
const LINES_MERGED: f64 = 2.0;
/// A heading paired with a sentence.
const KIND_CLASH: f64 = 0.7;
/// Shared tokens with a TM match's target, scaled by the Dice overlap.
const TM_MATCH: f64 = 4.0;
const TM_MIN_DICE: f64 = 0.5;

/// How many numbers' worth of evidence the default miss cost counts as when
/// a document re-estimates it.
const PSEUDO_NUMBERS: f64 = 20.0;

/// The weights of [`evidence`] that depend on the document pair.
///
/// How faithfully numbers are carried over differs between kinds of
/// documents: a ministry newsletter keeps every date and figure (95% of
/// the numbers of the bundled newsletter's pairs have their partner),
/// a Wikipedia translation drops or converts many (about 70% on Kyoto).
/// The cost of a number without a partner is `−ln P(miss)` of a true
/// bead, so [`Weights::reestimate`] sets it from the miss rate in the 1-1
/// beads of a first alignment, with the default counting as
/// `PSEUDO_NUMBERS` numbers: a heading paired with a telephone number
/// then costs what it should in a newsletter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// The cost of a number of one side that the other lacks.
    pub number_miss: f64,
}

impl Default for Weights {
    fn default() -> Weights {
        Weights { number_miss: 0.8 }
    }
}

impl Weights {
    /// The weights re-estimated from 1-1 beads `(source, target)`.
    pub fn reestimate<'f>(&self, pairs: impl IntoIterator<Item = (&'f Features, &'f Features)>) -> Weights {
        let (mut missed, mut total) = (0usize, 0usize);
        for (s, t) in pairs {
            let (matched, all) = overlap([&s.numbers, &[]], [&t.numbers, &[]]);
            missed += all - 2 * matched;
            total += all;
        }
        let rate = (missed as f64 + PSEUDO_NUMBERS * (-self.number_miss).exp()) / (total as f64 + PSEUDO_NUMBERS);
        Weights { number_miss: -rate.ln() }
    }
}

/// The anchor cost of a bead: `src` and `tgt` are its segments (zero, one
/// or two per side; at most two).
pub fn evidence(src: &[&Features], tgt: &[&Features], weights: &Weights) -> f64 {
    // A one-sided segment's anchors have nothing to miss: that they find no
    // counterpart nearby is what makes it one-sided.
    if src.is_empty() || tgt.is_empty() {
        return 0.0;
    }
    let mut cost = 0.0;
    // Numbers: a multiset shared across the bead.
    let (matched, total) = overlap(both(src, |f| &f.numbers), both(tgt, |f| &f.numbers));
    cost += -NUMBER_MATCH * matched as f64 + weights.number_miss * (total - 2 * matched) as f64;
    // Salient tokens, each looked for among the other side's tokens.
    for (from, to) in [(src, tgt), (tgt, src)] {
        for f in from {
            for t in &f.salient {
                if to.iter().any(|o| o.tokens.binary_search(t).is_ok()) {
                    cost -= SALIENT_MATCH;
                } else {
                    cost += SALIENT_MISS;
                }
            }
        }
    }

    // CJK runs quoted in Latin-script text, found when most of their pairs
    // of letters are in the other side (variant kanji may differ).
    for (from, to) in [(src, tgt), (tgt, src)] {
        for run in from.iter().flat_map(|f| &f.cjk_runs) {
            let found = run
                .iter()
                .filter(|k| to.iter().any(|o| o.cjk_pairs.binary_search(k).is_ok()))
                .count();
            cost += if 2 * found >= run.len() { -SALIENT_MATCH } else { SALIENT_MISS };
        }
    }
    // Readings of names, found romanised on the other side (no penalty
    // when not: many readings are of words translated by meaning).
    for (from, to) in [(src, tgt), (tgt, src)] {
        for f in from {
            let found = f
                .readings
                .iter()
                .filter(|r| to.iter().any(|o| o.romanised.binary_search(r).is_ok()));
            cost -= READING_MATCH * found.count() as f64;
        }
    }
    let (matched, total) = overlap(both(src, |f| &f.concepts), both(tgt, |f| &f.concepts));
    cost += (-CONCEPT_MATCH * matched as f64).max(-CONCEPT_MATCH_CAP) + (CONCEPT_MISS * (total - 2 * matched) as f64).min(CONCEPT_MISS_CAP);
    for count in [|f: &Features| f.parens, |f: &Features| f.quotes] {
        let (ps, pt) = (src.iter().map(|f| count(f)).sum::<u32>(), tgt.iter().map(|f| count(f)).sum::<u32>());
        cost += -PUNCTUATION_MATCH * f64::from(ps.min(pt)) + PUNCTUATION_MISS * f64::from(ps.abs_diff(pt));
    }
    // Markers: only the first segment of each side may carry one.
    match (src.first().and_then(|f| f.marker), tgt.first().and_then(|f| f.marker)) {
        (Some(a), Some(b)) if a == b => cost -= MARKER_MATCH,
        (Some(_), Some(_)) => cost += MARKER_CLASH,
        (Some(_), None) | (None, Some(_)) if !src.is_empty() && !tgt.is_empty() => cost += MARKER_ONE_SIDED,
        _ => {}
    }
    for side in [src, tgt] {
        if side.iter().skip(1).any(|f| f.marker.is_some()) {
            cost += MARKER_INSIDE;
        }
        if side.len() == 2 && side[0].sentence != side[1].sentence {
            cost += MIXED_KINDS;
        } else if side.len() == 2 && !side[0].sentence {
            cost += LINES_MERGED;
        }
    }
    if let (Some(s), Some(t)) = (src.last(), tgt.last()) {
        if s.sentence != t.sentence {
            cost += KIND_CLASH;
        }
    }
    // A TM match of a source segment whose target resembles the bead's.
    for s in src.iter().filter(|s| !s.hint.is_empty()) {
        let shared: usize = tgt.iter().map(|t| sorted_intersection(&s.hint, &t.tokens)).sum();
        let size: usize = s.hint.len() + tgt.iter().map(|t| t.tokens.len()).sum::<usize>();
        let dice = 2.0 * shared as f64 / size.max(1) as f64;
        if dice >= TM_MIN_DICE {
            cost -= TM_MATCH * dice;
        }
    }
    cost
}

/// Matches between two multisets, each given as up to two sorted slices,
/// and the total size of both: `(Σ min(count_a(v), count_b(v)), |a| + |b|)`.
fn overlap(mut a: [&[u64]; 2], mut b: [&[u64]; 2]) -> (usize, usize) {
    let total = a.iter().chain(&b).map(|s| s.len()).sum();
    let mut matched = 0;
    // Repeatedly take the smallest head value and count it on both sides.
    while a.iter().any(|s| !s.is_empty()) && b.iter().any(|s| !s.is_empty()) {
        let Some(v) = a.iter().chain(&b).filter_map(|s| s.first()).min().copied() else {
            break;
        };
        let take = |side: &mut [&[u64]; 2]| {
            let mut n = 0;
            for s in side.iter_mut() {
                let k = s.iter().take_while(|&&x| x == v).count();
                n += k;
                *s = &s[k..];
            }
            n
        };
        let (na, nb) = (take(&mut a), take(&mut b));
        matched += na.min(nb);
    }
    (matched, total)
}

/// One field of the (at most two) segments of a bead side.
fn both<'a>(side: &[&'a Features], field: fn(&Features) -> &[u64]) -> [&'a [u64]; 2] {
    [
        side.first().map_or(&[][..], |f| field(f)),
        side.get(1).map_or(&[][..], |f| field(f)),
    ]
}

/// The number of values in both sorted, deduplicated slices.
fn sorted_intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ja(text: &str) -> Features {
        Extractor::new(&"ja".parse().unwrap(), None).features(text)
    }

    fn en(text: &str) -> Features {
        Extractor::new(&"en".parse().unwrap(), None).features(text)
    }

    #[test]
    fn markers_pair_across_numbering_styles() {
        for (text, marker) in [
            ("1．日時等", Marker::Number(1)),
            ("（2）サイバー攻撃", Marker::Number(2)),
            ("(3) Human resource", Marker::Number(3)),
            ("3. Outline", Marker::Number(3)),
            ("①会議", Marker::Number(1)),
            ("ア　IoT機器", Marker::Letter(1)),
            ("ウ．人材育成", Marker::Letter(3)),
            ("iii. Human resources", Marker::Letter(3)),
            ("(ii) Emergency", Marker::Letter(2)),
            ("IV) Outline", Marker::Letter(4)),
            ("(b) second", Marker::Letter(2)),
        ] {
            assert_eq!(split_marker(text).0, Some(marker), "{text}");
        }
        for text in [
            "1.5 million people",
            "2017年10月",
            "イベントが開催された。",
            "e.g. this",
            "In 2017.",
            "アジア",
            "I am",
        ] {
            assert_eq!(split_marker(text).0, None, "{text}");
        }
        assert_eq!(split_marker("(1) The protection").1, "The protection");
        assert_eq!(split_marker("（１）重要").1, "重要");
    }

    #[test]
    fn dates_match_across_languages() {
        let j = ja("2017年10月10日（火）及び11日（水）、シンガポールにおいて開催されました。");
        let e = en("It was held in Singapore on Tuesday, October 10, and Wednesday, October 11, 2017.");
        let (matched, total) = overlap([&j.numbers, &[]], [&e.numbers, &[]]);
        // 2017, 10, 10, 11 and two weekdays on each side; the English
        // repeats the month.
        assert_eq!(matched, 6, "{j:?} {e:?}");
        assert_eq!(total, 13);
        assert!(evidence(&[&j], &[&e], &Weights::default()) < -5.0);
    }

    #[test]
    fn kanji_numerals_where_counters_say_so() {
        assert_eq!(kanji_numbers("第三回会議と二十一世紀、二〇一七年十月"), vec![3, 21, 2017, 10]);
        assert_eq!(kanji_numbers("一部の統一と万一"), Vec::<u64>::new());
        assert_eq!(parse_kanji_number("三百五"), Some(305));
        assert_eq!(parse_kanji_number("五万二千"), Some(52_000));
        assert_eq!(parse_kanji_number("十"), Some(10));
    }

    #[test]
    fn latin_tokens_in_japanese_are_anchors() {
        let j = ja("IoT機器や5Gに関するASEANとの協力");
        let e = en("Cooperation with ASEAN on IoT devices and 5G");
        let other = en("The results of the meeting were published.");
        assert_eq!(j.salient.len(), 3);
        assert!(evidence(&[&j], &[&e], &Weights::default()) < evidence(&[&j], &[&other], &Weights::default()) - 6.0);
        // Acronyms in English look for themselves on the other side.
        assert_eq!(en("NISC and the MIC met").salient.len(), 2);
        assert!(en("the meeting").salient.is_empty());
    }

    #[test]
    fn cjk_quoted_in_english_is_an_anchor() {
        let e = en("SUGAWARA no Yomichi (菅原世道)");
        assert_eq!(e.cjk_runs.len(), 1);
        assert_eq!(e.cjk_runs[0].len(), 3);
        let j = ja("菅原世道");
        let other = ja("陰陽少属（延暦16年）。");
        assert!(evidence(&[&j], &[&e], &Weights::default()) < evidence(&[&other], &[&e], &Weights::default()) - 2.0);
        assert!(ja("会議").cjk_runs.is_empty() && en("the meeting").cjk_pairs.is_empty());
    }

    #[test]
    fn a_marker_inside_a_bead_or_mixed_kinds_cost_extra() {
        let s1 = ja("会議が開催されました。");
        let s2 = ja("1．日時等");
        let t = en("The meeting was held.");
        assert!(evidence(&[&s1, &s2], &[&t], &Weights::default()) > evidence(&[&s1], &[&t], &Weights::default()) + 3.0);
    }

    #[test]
    fn kana_readings_meet_their_romanisation() {
        assert_eq!(kana_readings("曹洞宗（そうとうしゅう）は、"), ["soutoushuu"]);
        assert_eq!(kana_readings("行心 ぎょうじん ? - ?"), ["gyoujin"]);
        assert_eq!(
            kana_readings("法華経（ほけきょう、ほっけきょうとも）"),
            ["hokekyou", "hokkekyoutomo"]
        );
        assert!(kana_readings("会議を開催しました。").is_empty());
        assert_eq!(romanise(&"ちゃっちゃ".chars().collect::<Vec<_>>()), "chatcha");
        assert_eq!(squash("soutoushuu"), squash("Sōtō") + "shu");
        let j = ja("舞鶴（まいづる）のつつじまつり。");
        let e = en("The azalea festival of Maizuru.");
        let other = en("The azalea festival of Kyoto.");
        assert!(evidence(&[&j], &[&e], &Weights::default()) < evidence(&[&j], &[&other], &Weights::default()) - 1.0);
        let j = ja("大津首 おおつのおびと ？ - ？");
        assert!(
            evidence(&[&j], &[&en("OTSU no Obito")], &Weights::default())
                < evidence(&[&j], &[&en("OTSU no Murajiobito")], &Weights::default()) - 1.0
        );
    }

    #[test]
    fn faithful_numbers_make_misses_dear() {
        let pairs = [
            (ja("2018年3月5日に開催。"), en("Held on March 5, 2018.")),
            (ja("約50名が参加。"), en("About 50 attended.")),
        ];
        let d = Weights::default();
        let faithful = (0..10).fold(d, |w, _| w.reestimate(pairs.iter().map(|(s, t)| (s, t))));
        assert!(faithful.number_miss > d.number_miss + 1.0, "{faithful:?}");
        let (j, e) = (ja("約50名が参加。"), en("About fifty people attended."));
        let loose = d.reestimate(std::iter::repeat_n((&j, &e), 20));
        assert!(loose.number_miss < d.number_miss, "{loose:?}");
        assert_eq!(d.reestimate([]), d);
    }

    #[test]
    fn glossary_evidence_is_capped() {
        // A general dictionary: dozens of concepts per segment, few shared.
        let (mut j, mut e) = (ja("会議が開催された。"), en("The meeting was held."));
        j.concepts = (0..40).collect();
        e.concepts = (100..160).collect();
        let w = Weights::default();
        let plain = evidence(&[&ja("会議が開催された。")], &[&en("The meeting was held.")], &w);
        assert!(evidence(&[&j], &[&e], &w) <= plain + CONCEPT_MISS_CAP + 1e-9);
        e.concepts = (0..60).collect();
        assert!(evidence(&[&j], &[&e], &w) >= plain - CONCEPT_MATCH_CAP - 1e-9);
    }

    #[test]
    fn multiset_overlap() {
        let a1 = [1u64, 2, 2, 5];
        let a2 = [2u64, 7];
        let b = [2u64, 2, 2, 2, 5, 9];
        assert_eq!(overlap([&a1, &a2], [&b, &[]]), (4, 12));
        assert_eq!(overlap([&a1, &[]], [&[], &[]]), (0, 4));
    }

    #[test]
    fn english_words_for_numbers() {
        let e = en("Two meetings in May, the third on 4 May 2018 and one in March.");
        // two → 2, third → 3, May (next to 4) → 5, March → 3, and 4, 2018.
        assert_eq!(e.numbers.len(), 6, "{e:?}");
    }
}
