//! `number-mismatch`: a number of the source is not in the target, or the
//! target has a number the source does not.
//!
//! Numbers are compared by value, never by writing: [`crate::text::numbers`]
//! reads `1,200`, `1200` and `１２００` alike, `第10回` as 10 and `10th` as
//! 10, `2017年` as 2017. On top of it this module reads:
//!
//! - Japanese multipliers, so `1万2000` and `12,000`, `120億` and
//!   `12 billion`, `3千万` and `30 million` agree; English `thousand`,
//!   `million`, `billion`, `trillion`, `hundred` after a number likewise;
//! - Japanese era years: `平成29年` is 29 and also 2017 (明治, 大正, 昭和,
//!   平成, 令和; `元年` is year 1);
//! - the 24-hour clock: `15時` and `15:00` are also 3 (`3 p.m.`); the
//!   minutes `:00` are not a number to compare;
//! - decimals without their trailing zeros (`0.50` = `0.5`).
//!
//! A number on one side is also accepted when the other side writes it in
//! words: kanji numerals (`三`, `二十一`, `千二百`), English number words
//! and ordinals (`three`, `twenty-one`, `first`), month names (`May` is 5)
//! and the words for one and two (`a`, `an`, `once`, `twice`, `both`).
//! These readings only ever excuse a number; they never make one.
//!
//! Numbers are compared as sets: a value written twice in the source and
//! once in the target is fine (translations merge repetitions).

use super::{Finding, Kind, Segment};
use crate::text::numbers::numbers;
use std::collections::HashSet;
use std::ops::Range;

pub fn check(seg: &Segment) -> Option<Finding> {
    let (source, target) = (seg.source.plain.as_str(), seg.target_plain());
    let (s, t) = (read(source), read(target));
    if s.is_empty() && t.is_empty() {
        return None;
    }
    // Words only ever excuse a number, so they are read only when the
    // numbers alone disagree (a few segments in a hundred).
    let unmatched = |with_words: bool| {
        let accepted = |nums: &[Number], text: &str| -> HashSet<String> {
            let mut all: HashSet<String> = nums.iter().flat_map(|n| n.values.iter().cloned()).collect();
            if with_words {
                all.extend(word_values(text));
            }
            all
        };
        let (s_all, t_all) = (accepted(&s, source), accepted(&t, target));
        let missing: Vec<&Number> = s.iter().filter(|n| !n.values.iter().any(|v| t_all.contains(v))).collect();
        let extra: Vec<&Number> = t.iter().filter(|n| !n.values.iter().any(|v| s_all.contains(v))).collect();
        (missing, extra)
    };
    let (missing, extra) = match unmatched(false) {
        (missing, extra) if missing.is_empty() && extra.is_empty() => (missing, extra),
        _ => unmatched(true),
    };
    let ranges = |nums: Vec<&Number>| nums.iter().map(|n| n.range.clone()).collect::<Vec<_>>();
    Finding::mismatch(
        Kind::NumberMismatch,
        seg,
        (source, &ranges(missing)),
        (target, &ranges(extra)),
        ", ",
        (
            |m| format!("the target lacks {m} of the source"),
            |e| format!("the target has {e}, which the source lacks"),
        ),
    )
}

/// A number as written, with every value it may stand for.
#[derive(Debug)]
struct Number {
    range: Range<usize>,
    values: Vec<String>,
}

/// Japanese eras of the modern calendar: (name, first year).
const ERAS: [(&str, u128); 5] = [("明治", 1868), ("大正", 1912), ("昭和", 1926), ("平成", 1989), ("令和", 2019)];

/// A decimal number: `mantissa × 10^-scale`, without trailing zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Dec {
    mantissa: u128,
    scale: u32,
}

impl Dec {
    /// From a value of [`numbers`] (`1200`, `0.50`).
    fn parse(value: &str) -> Option<Dec> {
        let (int, frac) = value.split_once('.').unwrap_or((value, ""));
        let digits = format!("{int}{frac}");
        let mantissa: u128 = digits.parse().ok()?;
        Some(
            Dec {
                mantissa,
                scale: u32::try_from(frac.len()).ok()?,
            }
            .trimmed(),
        )
    }

    fn int(n: u128) -> Dec {
        Dec { mantissa: n, scale: 0 }.trimmed()
    }

    fn trimmed(mut self) -> Dec {
        while self.scale > 0 && self.mantissa.is_multiple_of(10) {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    fn times_pow10(self, k: u32) -> Option<Dec> {
        if self.scale >= k {
            return Some(Dec {
                mantissa: self.mantissa,
                scale: self.scale - k,
            });
        }
        let mantissa = self.mantissa.checked_mul(10u128.checked_pow(k - self.scale)?)?;
        Some(Dec { mantissa, scale: 0 }.trimmed())
    }

    fn plus(self, other: Dec) -> Option<Dec> {
        let scale = self.scale.max(other.scale);
        let widen = |d: Dec| d.mantissa.checked_mul(10u128.checked_pow(scale - d.scale)?);
        Some(
            Dec {
                mantissa: widen(self)?.checked_add(widen(other)?)?,
                scale,
            }
            .trimmed(),
        )
    }

    fn render(self) -> String {
        let digits = self.mantissa.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return digits;
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        format!("{int}.{frac}")
    }
}

/// The power of ten a Japanese multiplier stands for.
fn japanese_multiplier(c: char) -> Option<(u32, bool)> {
    // (power, big): big multipliers close a group (1億2345万).
    match c {
        '百' => Some((2, false)),
        '千' => Some((3, false)),
        '万' => Some((4, true)),
        '億' => Some((8, true)),
        '兆' => Some((12, true)),
        _ => None,
    }
}

fn english_multiplier(word: &str) -> Option<u32> {
    match word.to_ascii_lowercase().as_str() {
        "hundred" => Some(2),
        "thousand" => Some(3),
        "million" => Some(6),
        "billion" => Some(9),
        "trillion" => Some(12),
        _ => None,
    }
}

/// The numbers of a text with their values (see the module docs).
fn read(text: &str) -> Vec<Number> {
    let spans = numbers(text);
    let mut out = Vec::new();
    let mut k = 0;
    while k < spans.len() {
        let first = &spans[k];
        k += 1;
        let start = first.range.start;
        if first.value == "0" && text[..start].ends_with(':') {
            continue; // the minutes of 15:00
        }
        let Some(mut group) = Dec::parse(&first.value) else {
            out.push(Number {
                range: first.range.clone(),
                values: vec![first.value.clone()],
            });
            continue;
        };
        let mut end = first.range.end;
        let mut total: Option<Dec> = None;
        let mut overflow = false;
        // Japanese groups: 1億2345万6789, 3千万, 120億.
        loop {
            let mut chars = text[end..].chars();
            let Some((power, big)) = chars.next().and_then(japanese_multiplier) else {
                break;
            };
            let Some(g) = group.times_pow10(power) else {
                overflow = true;
                break;
            };
            group = g;
            end += text[end..].chars().next().map_or(0, char::len_utf8);
            if !big {
                continue;
            }
            total = match total.map_or(Some(group), |t| t.plus(group)) {
                Some(t) => Some(t),
                None => {
                    overflow = true;
                    break;
                }
            };
            group = Dec::int(0);
            match spans.get(k) {
                Some(next) if next.range.start == end => match Dec::parse(&next.value) {
                    Some(d) => {
                        group = d;
                        end = next.range.end;
                        k += 1;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        let mut value = match total {
            Some(t) => t.plus(group),
            None => Some(group),
        };
        if overflow {
            value = None;
        }
        // English: 1.2 million, 30 thousand.
        if total.is_none() && !overflow {
            let rest = &text[end..];
            let trimmed = rest.trim_start_matches(' ');
            let word: String = trimmed.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            if let Some(power) = english_multiplier(&word) {
                value = value.and_then(|v| v.times_pow10(power));
                end += rest.len() - trimmed.len() + word.len();
            }
        }
        let mut values = vec![value.map_or_else(|| first.value.clone(), Dec::render)];
        let after = &text[end..];
        let raw: Option<u128> = first.value.parse().ok().filter(|_| end == first.range.end);
        if let Some(n) = raw {
            // 15時, 15:30 → also 3 (p.m.).
            if (13..=24).contains(&n) && (after.starts_with('時') || after.starts_with(':')) {
                values.push((n - 12).to_string());
            }
            // 平成29年 → also 2017.
            if after.starts_with('年') {
                if let Some((_, first_year)) = ERAS.iter().find(|(era, _)| text[..start].ends_with(era)) {
                    values.push((first_year + n - 1).to_string());
                }
            }
        }
        out.push(Number { range: start..end, values });
    }
    out
}

/// Values a text writes in words (see the module docs), to excuse numbers.
fn word_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Kanji numerals.
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if kanji_digit(c).is_some() || japanese_multiplier(c).is_some() || c == '十' {
            run.push(c);
        } else if !run.is_empty() {
            if let Some(v) = kanji_number(&run) {
                out.push(v.to_string());
            }
            run.clear();
        }
    }
    for (era, first_year) in ERAS {
        if text.contains(&format!("{era}元年")) {
            out.push("1".into());
            out.push(first_year.to_string());
        }
    }
    // English words; `twenty-one`, `two hundred`.
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut previous: Option<u128> = None;
    for w in &words {
        let value = english_word(w);
        if let Some(v) = value {
            out.push(v.to_string());
            if let Some(p) = previous {
                if p >= 20 && p % 10 == 0 && v < 10 {
                    out.push((p + v).to_string());
                }
            }
        }
        if let (Some(p), Some(power)) = (previous, english_multiplier(w)) {
            if let Some(v) = Dec::int(p).times_pow10(power) {
                out.push(v.render());
            }
        }
        previous = value;
    }
    out
}

fn kanji_digit(c: char) -> Option<u128> {
    "〇一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u128)
}

/// `三` 3, `二十一` 21, `千二百` 1200, `二〇一七` 2017, `三万` 30000.
fn kanji_number(run: &str) -> Option<u128> {
    let positional = run.chars().count() > 1 && run.chars().all(|c| kanji_digit(c).is_some());
    if positional {
        return run
            .chars()
            .try_fold(0u128, |acc, c| acc.checked_mul(10)?.checked_add(kanji_digit(c)?));
    }
    let (mut total, mut section, mut digit) = (0u128, 0u128, None::<u128>);
    for c in run.chars() {
        if let Some(d) = kanji_digit(c) {
            digit = Some(d);
            continue;
        }
        let (power, big) = if c == '十' { (1, false) } else { japanese_multiplier(c)? };
        let unit = 10u128.checked_pow(power)?;
        if big {
            section = section.checked_add(digit.take().unwrap_or(0))?;
            total = total.checked_add(section.max(1).checked_mul(unit)?)?;
            section = 0;
        } else {
            section = section.checked_add(digit.take().unwrap_or(1).checked_mul(unit)?)?;
        }
    }
    total.checked_add(section)?.checked_add(digit.unwrap_or(0))
}

fn english_word(w: &str) -> Option<u128> {
    const CARDINALS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const ORDINALS: [&str; 20] = [
        "zeroth",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
    ];
    const TENS: [&str; 8] = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    const TENTHS: [&str; 8] = [
        "twentieth",
        "thirtieth",
        "fortieth",
        "fiftieth",
        "sixtieth",
        "seventieth",
        "eightieth",
        "ninetieth",
    ];
    const MONTHS: [[&str; 2]; 12] = [
        ["january", "jan"],
        ["february", "feb"],
        ["march", "mar"],
        ["april", "apr"],
        ["may", "may"],
        ["june", "jun"],
        ["july", "jul"],
        ["august", "aug"],
        ["september", "sep"],
        ["october", "oct"],
        ["november", "nov"],
        ["december", "dec"],
    ];
    let at = |list: &[&str]| list.iter().position(|x| *x == w).map(|p| p as u128);
    if let Some(v) = at(&CARDINALS).or_else(|| at(&ORDINALS)) {
        return Some(v);
    }
    if let Some(p) = at(&TENS).or_else(|| at(&TENTHS)) {
        return Some((p + 2) * 10);
    }
    if let Some(m) = MONTHS.iter().position(|names| names.contains(&w)) {
        return Some(m as u128 + 1);
    }
    match w {
        "sept" => Some(9),
        "a" | "an" | "once" | "single" => Some(1),
        "twice" | "both" | "double" | "pair" => Some(2),
        "thrice" | "triple" => Some(3),
        "dozen" => Some(12),
        "hundred" | "hundredth" => Some(100),
        "thousand" | "thousandth" => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::model::Variant;
    use crate::qa::{Side, Span};

    fn seg(source: &str, target: &str) -> Segment {
        let v = |lang: &str, text: &str| Variant {
            lang: Lang::parse(lang).unwrap(),
            markup: text.to_string(),
            plain: text.to_string(),
            admin: Default::default(),
            meta: Default::default(),
        };
        Segment {
            id: "1".into(),
            source: v("ja", source),
            target: Some(v("en", target)),
        }
    }

    fn values(text: &str) -> Vec<Vec<String>> {
        read(text).into_iter().map(|n| n.values).collect()
    }

    #[test]
    fn reads_values_in_every_writing() {
        assert_eq!(values("1万2000人"), [["12000"]]);
        assert_eq!(values("1億2345万6789"), [["123456789"]]);
        assert_eq!(values("3千万円"), [["30000000"]]);
        assert_eq!(values("１２０億"), [["12000000000"]]);
        assert_eq!(values("1.2 million"), [["1200000"]]);
        assert_eq!(values("0.50"), [["0.5"]]);
        assert_eq!(values("1.5万"), [["15000"]]);
        assert_eq!(values("平成29年"), [["29", "2017"]]);
        assert_eq!(values("15時"), [["15", "3"]]);
        assert_eq!(values("at 15:00"), [["15", "3"]]);
        assert_eq!(
            values("99999999999999999999999999999999999999999億"),
            [["99999999999999999999999999999999999999999"]]
        );
    }

    #[test]
    fn word_numbers() {
        for (text, value) in [
            ("三つ", "3"),
            ("二十一", "21"),
            ("千二百", "1200"),
            ("二〇一七", "2017"),
            ("三万", "30000"),
            ("twenty-one", "21"),
            ("the first meeting", "1"),
            ("in May", "5"),
            ("two hundred", "200"),
            ("令和元年", "2019"),
        ] {
            assert!(word_values(text).contains(&value.to_string()), "{text}: {:?}", word_values(text));
        }
    }

    #[test]
    fn clean_pairs() {
        for (s, t) in [
            ("第10回会議", "the 10th meeting"),
            ("1,200人", "1200 people"),
            ("１２００人", "1,200 people"),
            ("2017年5月", "May 2017"),
            ("平成29年", "in 2017"),
            ("1万2000人", "12,000 people"),
            ("120億円", "12 billion yen"),
            ("三つの課題", "3 issues"),
            ("3つの課題", "three issues"),
            ("午後3時", "3 p.m."),
            ("15時から", "from 3 p.m."),
            ("15:00から", "from 15:00"),
            ("第1回", "the first"),
            ("1人", "a person"),
            ("10月と10月", "October"),
            ("会議", "the meeting"),
        ] {
            assert_eq!(check(&seg(s, t)).map(|f| f.message), None, "{s} / {t}");
        }
    }

    #[test]
    fn real_mismatches() {
        let f = check(&seg("第10回会議", "the 11th meeting")).unwrap();
        assert_eq!(
            f.message,
            "the target lacks 10 of the source; the target has 11th, which the source lacks"
        );
        assert_eq!(f.spans.len(), 2);
        assert_eq!(f.spans[0], Span::new(Side::Source, "第".len(), "第10".len()));
        assert_eq!(f.spans[1], Span::new(Side::Target, "the ".len(), "the 11th".len()));
        let f = check(&seg("1万2000人", "1,200 people")).unwrap();
        assert_eq!(f.spans.len(), 2);
        assert!(check(&seg("2017年", "2018")).is_some());
        assert!(check(&seg("会議", "3 meetings")).is_some());
    }
}
