//! Placeables: numbers, which a translator copies rather than translates.
//!
//! [`numbers`] finds them and reads their value whatever the writing:
//! ASCII or full-width digits (`１２００`), thousands separators (`1,200`,
//! `1，200`), a decimal part (`3.5`, `３．５`), an English ordinal suffix
//! (`10th`, `1st`, `22nd`). Japanese counters and ordinals need nothing
//! special: the digits of `第10回` or `2017年` are the number, the kanji
//! around them are text. Kanji numerals (`十`, `二十一`), signs and
//! exponents are not read.
//!
//! [`adapt`] uses them: when a query and a TM source differ only in
//! numbers, the TM target is given the query's numbers, each written the way
//! the target wrote the number it replaces (`第10回`→`第11回` in the query
//! makes `the 10th meeting` → `the 11th meeting`).

use std::collections::HashMap;
use std::ops::Range;

/// A number in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberSpan {
    /// Byte range of the number as written: its digits, separators, decimal
    /// part and English ordinal suffix (`1,200`, `３．５`, `10th`); not the
    /// Japanese `第`/`回`/`年` around it, which are text.
    pub range: Range<usize>,
    /// The value as ASCII digits, with `.` before a decimal part, without
    /// separators or leading zeros: `1,200` → `1200`, `１０` → `10`,
    /// `10th` → `10`, `007` → `7`, `0.50` → `0.50`.
    pub value: String,
}

/// The numbers in `s`, in order. A `,` (or `，`) is a thousands separator
/// only after 1 to 3 leading digits and before exactly three digits
/// (`1,200`, `12,345,678`; `1,2` and `1,2345` are two numbers); a `.` (or
/// `．`) is a decimal point before a digit (`2017.` ends a sentence).
pub fn numbers(s: &str) -> Vec<NumberSpan> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let digit_at = |i: usize| at(i).and_then(digit_value);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit_at(i).is_none() {
            i += 1;
            continue;
        }
        let start = i;
        let mut value = String::new();
        while let Some(d) = digit_at(i) {
            value.push(d);
            i += 1;
        }
        if value.len() <= 3 {
            while matches!(at(i), Some(',' | '，')) && (1..=3).all(|k| digit_at(i + k).is_some()) && digit_at(i + 4).is_none() {
                value.extend((1..=3).filter_map(|k| digit_at(i + k)));
                i += 4;
            }
        }
        let decimal = matches!(at(i), Some('.' | '．')) && digit_at(i + 1).is_some();
        if decimal {
            value.push('.');
            i += 1;
            while let Some(d) = digit_at(i) {
                value.push(d);
                i += 1;
            }
        } else if ordinal_suffix_at(&chars, i) {
            i += 2;
        }
        let int_len = value.find('.').unwrap_or(value.len());
        let zeros = value[..int_len - 1].bytes().take_while(|&b| b == b'0').count();
        out.push(NumberSpan {
            range: chars[start].0..chars.get(i).map_or(s.len(), |&(b, _)| b),
            value: value[zeros..].to_string(),
        });
    }
    out
}

/// `st`, `nd`, `rd` or `th` (any case) at `i`, not followed by a letter or
/// digit: `10th`, but not `5thousand`.
fn ordinal_suffix_at(chars: &[(usize, char)], i: usize) -> bool {
    let lower = |k: usize| chars.get(k).map(|&(_, c)| c.to_ascii_lowercase());
    let suffix = matches!(
        (lower(i), lower(i + 1)),
        (Some('s'), Some('t')) | (Some('n' | 'r'), Some('d')) | (Some('t'), Some('h'))
    );
    suffix && !chars.get(i + 2).is_some_and(|&(_, c)| c.is_alphanumeric())
}

/// The ASCII digit for an ASCII or full-width digit.
fn digit_value(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

/// The TM target with the query's numbers, when the query and the TM
/// source differ only in numbers; `None` otherwise.
///
/// Rules, all required:
/// - the query and the TM source have the same numbers of numbers and the
///   same text between them, byte for byte;
/// - at least one pair of numbers, taken in order, differs in value;
/// - each value of the source is paired with one query value only (`10 of
///   10` → `11 of 10` is ambiguous);
/// - each source value that changes occurs in the target by value (`第10回`
///   ↔ `10th`, `2017年` ↔ `2017`, `１０` ↔ `10`) exactly as many times as in
///   the source; all those occurrences are replaced.
///
/// A replacement is written in the form of the target's number: its digit
/// width, its separator and decimal point, its English ordinal suffix, which
/// is recomputed (`10th` → `11th`, `1st`, `2nd`, `3rd`, `11th`, `12th`,
/// `13th`, `21st`, `22nd` …), its zero padding (`08` → `09`). A target
/// number too short to show whether it groups thousands (`999`) groups them
/// when the query's number did. A decimal value cannot replace an ordinal:
/// `None`. Pass plain text (markup would expose numbers inside tags).
pub fn adapt(query: &str, tm_source: &str, tm_target: &str) -> Option<String> {
    let query_numbers = numbers(query);
    let source_numbers = numbers(tm_source);
    if query_numbers.len() != source_numbers.len() || gaps(query, &query_numbers) != gaps(tm_source, &source_numbers) {
        return None;
    }
    // Source value → the query's number that replaces it.
    let mut replacement: HashMap<&str, &NumberSpan> = HashMap::new();
    for (q, s) in query_numbers.iter().zip(&source_numbers) {
        if replacement.entry(&s.value).or_insert(q).value != q.value {
            return None;
        }
    }
    replacement.retain(|source_value, q| q.value != *source_value);
    if replacement.is_empty() {
        return None;
    }
    let target_numbers = numbers(tm_target);
    for source_value in replacement.keys() {
        let count = |spans: &[NumberSpan]| spans.iter().filter(|n| n.value == *source_value).count();
        if count(&target_numbers) != count(&source_numbers) {
            return None;
        }
    }
    let mut out = String::with_capacity(tm_target.len());
    let mut copied = 0;
    for t in &target_numbers {
        if let Some(q) = replacement.get(t.value.as_str()) {
            out.push_str(&tm_target[copied..t.range.start]);
            out.push_str(&render(&q.value, &tm_target[t.range.clone()], &query[q.range.clone()])?);
            copied = t.range.end;
        }
    }
    out.push_str(&tm_target[copied..]);
    Some(out)
}

/// The text before, between and after the numbers.
fn gaps<'a>(text: &'a str, spans: &[NumberSpan]) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(spans.len() + 1);
    let mut from = 0;
    for n in spans {
        out.push(&text[from..n.range.start]);
        from = n.range.end;
    }
    out.push(&text[from..]);
    out
}

/// Writes `value` the way `like` is written (see [`adapt`]); `query_form`
/// is how the query wrote it, consulted for grouping only.
fn render(value: &str, like: &str, query_form: &str) -> Option<String> {
    let wide = like.chars().any(|c| ('０'..='９').contains(&c));
    let (int, frac) = value.split_once('.').map_or((value, None), |(int, frac)| (int, Some(frac)));
    let suffix_at = like.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(like.len());
    let suffix = &like[suffix_at..];
    if !suffix.is_empty() && frac.is_some() {
        return None;
    }
    let like_int_digits = like[..suffix_at]
        .chars()
        .take_while(|&c| c != '.' && c != '．')
        .filter(|&c| digit_value(c).is_some())
        .count();
    let padded = if like.starts_with(['0', '０']) && like_int_digits > int.len() {
        format!("{}{int}", "0".repeat(like_int_digits - int.len()))
    } else {
        int.to_string()
    };
    let like_sep = like.chars().find(|c| matches!(c, ',' | '，'));
    let query_grouped = query_form.contains([',', '，']);
    let sep = like_sep.or_else(|| (like_int_digits < 4 && query_grouped).then_some(if wide { '，' } else { ',' }));
    let mut out = String::new();
    for (k, d) in padded.chars().enumerate() {
        if k > 0 && (padded.len() - k) % 3 == 0 {
            if let Some(sep) = sep {
                out.push(sep);
            }
        }
        out.push(d);
    }
    if let Some(frac) = frac {
        out.push(
            like.chars()
                .find(|c| matches!(c, '.' | '．'))
                .unwrap_or(if wide { '．' } else { '.' }),
        );
        out.push_str(frac);
    }
    if wide {
        out = out.chars().map(|c| digit_value(c).map_or(c, |_| widen(c))).collect();
    }
    if !suffix.is_empty() {
        let english = ordinal_suffix(int);
        out.push_str(&if suffix.chars().all(|c| c.is_ascii_uppercase()) {
            english.to_ascii_uppercase()
        } else {
            english.to_string()
        });
    }
    Some(out)
}

/// The full-width form of an ASCII digit.
fn widen(d: char) -> char {
    char::from_u32(d as u32 - '0' as u32 + '０' as u32).unwrap_or(d)
}

/// The English ordinal suffix of an integer written in ASCII digits.
fn ordinal_suffix(int: &str) -> &'static str {
    let b = int.as_bytes();
    let last = b.last().copied().unwrap_or(b'0');
    let tens = if b.len() >= 2 { b[b.len() - 2] } else { b'0' };
    match (tens, last) {
        (b'1', _) => "th",
        (_, b'1') => "st",
        (_, b'2') => "nd",
        (_, b'3') => "rd",
        _ => "th",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(s: &str) -> Vec<(&str, String)> {
        numbers(s).into_iter().map(|n| (&s[n.range], n.value)).collect()
    }

    fn pairs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|&(w, v)| (w, v.to_string())).collect()
    }

    #[test]
    fn reads_numbers_in_their_written_forms() {
        assert_eq!(found("第１０回会議"), pairs(&[("１０", "10")]));
        assert_eq!(found("第10回日・ASEAN"), pairs(&[("10", "10")]));
        assert_eq!(
            found("1,200 people, 1，200人, １，２００人"),
            pairs(&[("1,200", "1200"), ("1，200", "1200"), ("１，２００", "1200")])
        );
        assert_eq!(
            found("12,345,678 and 3.14 and ３．５"),
            pairs(&[("12,345,678", "12345678"), ("3.14", "3.14"), ("３．５", "3.5")])
        );
        assert_eq!(
            found("the 10th, 1st, 2nd, 3rd and 22ND"),
            pairs(&[("10th", "10"), ("1st", "1"), ("2nd", "2"), ("3rd", "3"), ("22ND", "22")])
        );
        assert_eq!(found("2017年に。In 2017."), pairs(&[("2017", "2017"), ("2017", "2017")]));
        assert_eq!(found("007 and 0.50 and 00"), pairs(&[("007", "7"), ("0.50", "0.50"), ("00", "0")]));
    }

    #[test]
    fn separators_only_where_they_group_thousands() {
        assert_eq!(found("1,2"), pairs(&[("1", "1"), ("2", "2")]));
        assert_eq!(found("1,2345"), pairs(&[("1", "1"), ("2345", "2345")]));
        assert_eq!(found("12345,678"), pairs(&[("12345", "12345"), ("678", "678")]));
        assert_eq!(found("1、2、3"), pairs(&[("1", "1"), ("2", "2"), ("3", "3")]));
        // Letters around digits: still a number, but a suffix needs a word end.
        assert_eq!(found("5G, 5thousand"), pairs(&[("5", "5"), ("5", "5")]));
    }

    #[test]
    fn adapts_a_japanese_ordinal_to_an_english_one() {
        assert_eq!(
            adapt(
                "総務省は第11回会議を開催しました。",
                "総務省は第10回会議を開催しました。",
                "MIC held the 10th meeting."
            )
            .as_deref(),
            Some("MIC held the 11th meeting.")
        );
        assert_eq!(
            adapt("The 11th meeting", "The 10th meeting", "第10回会議").as_deref(),
            Some("第11回会議")
        );
        assert_eq!(
            adapt("第１１回会議", "第１０回会議", "the 10th meeting").as_deref(),
            Some("the 11th meeting")
        );
        assert_eq!(
            adapt("the 11th meeting", "the 10th meeting", "第１０回会議").as_deref(),
            Some("第１１回会議")
        );
    }

    #[test]
    fn english_ordinal_suffixes() {
        for (n, want) in [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (4, "4th"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (22, "22nd"),
            (23, "23rd"),
            (101, "101st"),
            (111, "111th"),
            (112, "112th"),
        ] {
            let query = format!("第{n}回");
            assert_eq!(adapt(&query, "第10回", "the 10th").as_deref(), Some(format!("the {want}").as_str()));
        }
        assert_eq!(adapt("第2回", "第10回", "THE 10TH").as_deref(), Some("THE 2ND"));
    }

    #[test]
    fn adapts_years_amounts_and_decimals_in_the_target_form() {
        assert_eq!(
            adapt("2018年に開始", "2017年に開始", "Started in 2017.").as_deref(),
            Some("Started in 2018.")
        );
        assert_eq!(
            adapt("参加者は1,500人", "参加者は1,200人", "1,200 participants").as_deref(),
            Some("1,500 participants")
        );
        assert_eq!(
            adapt("参加者は1500人", "参加者は1200人", "1,200 participants").as_deref(),
            Some("1,500 participants")
        );
        assert_eq!(
            adapt("参加者は1,500人", "参加者は1,200人", "1200 participants").as_deref(),
            Some("1500 participants")
        );
        assert_eq!(
            adapt("参加者は1,000人", "参加者は999人", "999 participants").as_deref(),
            Some("1,000 participants")
        );
        assert_eq!(
            adapt("参加者は１，０００人", "参加者は９９９人", "参加者：９９９人").as_deref(),
            Some("参加者：１，０００人")
        );
        assert_eq!(
            adapt("3.5%増加", "2.5%増加", "an increase of 2.5%").as_deref(),
            Some("an increase of 3.5%")
        );
        assert_eq!(adapt("2017年09月", "2017年08月", "08/2017").as_deref(), Some("09/2017"));
        // Two numbers exchanged: replaced at once, not one after the other.
        assert_eq!(
            adapt("11時から10時", "10時から11時", "from 10 to 11").as_deref(),
            Some("from 11 to 10")
        );
    }

    #[test]
    fn refuses_anything_but_a_clean_number_change() {
        let source = "総務省は第10回会議を開催しました。";
        let target = "MIC held the 10th meeting.";
        assert_eq!(
            adapt("総務省は第11回会議を中止しました。", source, target),
            None,
            "text differs too"
        );
        assert_eq!(
            adapt("総務省は第11回会議を2回開催しました。", source, target),
            None,
            "another number"
        );
        assert_eq!(adapt(source, source, target), None, "nothing to change");
        assert_eq!(adapt("総務省は第１０回会議を開催しました。", source, target), None, "same value");
        assert_eq!(
            adapt("総務省は第11回会議を開催しました。", source, "MIC held the tenth meeting."),
            None,
            "not in the target"
        );
        assert_eq!(
            adapt("第11回会議は10日", "第10回会議は10日", "the 10th meeting on the 10th"),
            None,
            "10 → 11 and 10"
        );
        assert_eq!(adapt("第11回", "第10回", "the 10th (10th)"), None, "more often in the target");
        assert_eq!(adapt("第1.5回", "第10回", "the 10th"), None, "no decimal ordinal");
    }

    proptest! {
        #[test]
        fn never_panics_and_ranges_are_sound(s in "[0-9０-９,，.．a-z第回年 ]{0,20}") {
            for n in numbers(&s) {
                prop_assert!(s.is_char_boundary(n.range.start) && s.is_char_boundary(n.range.end) && !n.range.is_empty());
                prop_assert!(n.value == "0" || !n.value.starts_with('0') || n.value.starts_with("0."));
            }
        }

        #[test]
        fn adapts_any_ordinal(a in 0u32..2000, b in 0u32..2000) {
            let (query, source, target) = (format!("第{a}回会議"), format!("第{b}回会議"), format!("the {b}th meeting"));
            let adapted = adapt(&query, &source, &target);
            if a == b {
                prop_assert_eq!(adapted, None);
            } else {
                let want = format!("the {a}{} meeting", ordinal_suffix(&a.to_string()));
                prop_assert_eq!(adapted, Some(want));
            }
        }
    }
}
