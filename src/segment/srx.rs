//! SRX 2.0 segmentation rules: reading them and finding the breaks they
//! give in a text.
//!
//! An SRX file holds named *language rules* (ordered lists of rules) and a
//! *map* from language patterns to them. Each rule says, for one position
//! of a text, "break here" or "do not break here" when its `beforebreak`
//! pattern matches the text ending at the position and its `afterbreak`
//! pattern matches the text starting there. The rules that apply to a
//! language are those of the first map entry whose pattern matches the
//! language, or, when the header says `cascade="yes"`, of every matching
//! entry in map order. At each position the first rule that matches
//! decides; where none matches there is no break.
//!
//! **Patterns.** SRX patterns are Java regular expressions; yakugo compiles
//! them with the `regex` crate, which has the same syntax for everything
//! segmentation rules need (classes, `\p{Lu}`, `\b`, repetition, `(?i)`) but
//! no look-around or back-references: such a pattern is refused with its
//! location. Look-around is not needed, since `beforebreak`/`afterbreak`
//! already are the context. `\s` and `\b` are Unicode-aware (full-width
//! spaces count). A pattern is evaluated anchored: `beforebreak` as
//! `(?:P)$` on the text up to the position, `afterbreak` as `^(?:P)` on the
//! rest; an empty pattern matches everywhere.
//!
//! **Speed.** Only positions where some break rule could match are tried:
//! the characters that can end a `beforebreak` match of a break rule are
//! worked out from the pattern (its suffix literals), so a paragraph costs
//! a handful of anchored matches per punctuation mark, not one per
//! character and rule. When a break rule's pattern can end with too many
//! characters to list, every position is tried (exact, slower).
//!
//! Headers' `segmentsubflows` and `formathandle` are read and ignored: the
//! texts yakugo segments carry no inline codes.

use crate::lang::Lang;
use crate::xml::tree::{local_name, Element};
use crate::xml::{self, Events, InputError};
use quick_xml::events::Event;
use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;

/// A compiled SRX document.
#[derive(Debug)]
pub struct Srx {
    cascade: bool,
    language_rules: Vec<LanguageRule>,
    /// (language pattern, index into `language_rules`), in map order.
    map: Vec<(Regex, usize)>,
}

#[derive(Debug)]
struct LanguageRule {
    rules: Vec<Rule>,
}

#[derive(Clone, Debug)]
struct Rule {
    is_break: bool,
    /// `(?:P)$`; `None` when the pattern is empty.
    before: Option<Regex>,
    /// `^(?:P)`; `None` when the pattern is empty.
    after: Option<Regex>,
}

impl Rule {
    fn matches(&self, text: &str, at: usize) -> bool {
        self.before.as_ref().is_none_or(|r| r.is_match(&text[..at])) && self.after.as_ref().is_none_or(|r| r.is_match(&text[at..]))
    }
}

/// The rules that apply to one language, ready to find breaks.
#[derive(Clone, Debug)]
pub struct LanguageRules {
    rules: Vec<Rule>,
    /// The characters a break rule's `beforebreak` can end with; `None`:
    /// any (every position is a candidate).
    candidates: Option<BTreeSet<char>>,
}

impl Srx {
    /// Reads and compiles an SRX 2.0 file.
    pub fn open(path: &Path) -> Result<Srx, InputError> {
        Srx::read(Events::open(path)?)
    }

    /// The rules bundled with yakugo (`src/segment/default.srx`).
    pub fn default_rules() -> Srx {
        const DEFAULT: &str = include_str!("default.srx");
        // A unit test reads the same file: failing here is a build defect.
        Srx::read(Events::from_static("<built-in default.srx>", DEFAULT.as_bytes())).expect("the bundled default.srx is valid")
    }

    fn read(mut events: Events) -> Result<Srx, InputError> {
        let root = loop {
            let event = events.next_event().map_err(|e| events.locate(e))?;
            match event {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::DocType(d) => xml::check_doctype(&d).map_err(|m| events.error_at(events.offset(), m))?,
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Start(e) if local_name(e.name().as_ref()) == "srx" => {
                    break events.read_element(&e, false).map_err(|e| events.locate(e))?;
                }
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    return Err(events.error_at(
                        events.offset(),
                        format!("this is not an SRX file: the root element is <{name}>, expected <srx>"),
                    ));
                }
                _ => return Err(events.error_at(events.offset(), "expected an SRX document (the <srx> root element)")),
            }
        };
        events.expect_trailing_misc().map_err(|e| events.locate(e))?;
        interpret(&events, &root)
    }

    /// The rules for `lang`: the language patterns are matched against its
    /// canonical tag (`ja`, `en-US`), ignoring case.
    pub fn rules_for(&self, lang: &Lang) -> LanguageRules {
        let mut rules = Vec::new();
        for (pattern, index) in &self.map {
            if pattern.is_match(lang.as_str()) {
                rules.extend(self.language_rules[*index].rules.iter().cloned());
                if !self.cascade {
                    break;
                }
            }
        }
        let candidates = rules
            .iter()
            .filter(|r| r.is_break)
            .map(|r| r.before.as_ref().and_then(final_chars))
            .try_fold(BTreeSet::new(), |mut all, chars| {
                all.extend(chars?);
                Some(all)
            });
        LanguageRules { rules, candidates }
    }
}

impl LanguageRules {
    /// The byte offsets, strictly inside `text`, where it breaks.
    pub fn breaks(&self, text: &str) -> Vec<usize> {
        let positions = text.char_indices().filter_map(|(i, c)| {
            let at = i + c.len_utf8();
            let candidate = at < text.len() && self.candidates.as_ref().is_none_or(|set| set.contains(&c));
            candidate.then_some(at)
        });
        positions
            .filter(|&at| self.rules.iter().find(|r| r.matches(text, at)).is_some_and(|r| r.is_break))
            .collect()
    }
}

/// The characters every match of `before` (compiled as `(?:P)$`) can end
/// with, when they are few enough to list.
fn final_chars(before: &Regex) -> Option<BTreeSet<char>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::Parser::new().parse(before.as_str()).ok()?;
    let seq = Extractor::new().kind(ExtractKind::Suffix).extract(&hir);
    let mut chars = BTreeSet::new();
    for literal in seq.literals()? {
        let last = std::str::from_utf8(literal.as_bytes()).ok()?.chars().next_back()?;
        chars.insert(last);
    }
    Some(chars)
}

fn interpret(events: &Events, root: &Element) -> Result<Srx, InputError> {
    let err = |e: &Element, message: String| events.error_at(e.offset, message);
    match root.attr("version").map(str::trim) {
        Some("2.0") => {}
        Some(other) => return Err(err(root, format!("SRX version `{other}` is not supported; yakugo reads SRX 2.0"))),
        None => return Err(err(root, "the <srx> element has no `version`; expected version=\"2.0\"".into())),
    }
    let header = root
        .elements()
        .find(|e| e.local() == "header")
        .ok_or_else(|| err(root, "the SRX file has no <header>".into()))?;
    let cascade = match header.attr("cascade").map(str::trim) {
        Some("yes") | None => true,
        Some("no") => false,
        Some(other) => return Err(err(header, format!("cascade=\"{other}\": expected \"yes\" or \"no\""))),
    };
    let body = root
        .elements()
        .find(|e| e.local() == "body")
        .ok_or_else(|| err(root, "the SRX file has no <body>".into()))?;
    let mut names = Vec::new();
    let mut language_rules = Vec::new();
    let mut map = Vec::new();
    for section in body.elements() {
        match section.local() {
            "languagerules" => {
                for lr in section.elements().filter(|e| e.local() == "languagerule") {
                    let name = lr
                        .attr("languagerulename")
                        .ok_or_else(|| err(lr, "<languagerule> without `languagerulename`".into()))?;
                    let mut rules = Vec::new();
                    for rule in lr.elements().filter(|e| e.local() == "rule") {
                        rules.push(compile_rule(rule, &err)?);
                    }
                    names.push(name.to_string());
                    language_rules.push(LanguageRule { rules });
                }
            }
            "maprules" => {
                for lm in section.elements().filter(|e| e.local() == "languagemap") {
                    let (Some(pattern), Some(name)) = (lm.attr("languagepattern"), lm.attr("languagerulename")) else {
                        return Err(err(lm, "<languagemap> needs `languagepattern` and `languagerulename`".into()));
                    };
                    let compiled = Regex::new(&format!("(?i)^(?:{pattern})$")).map_err(|e| {
                        err(
                            lm,
                            format!(
                                "the language pattern `{pattern}` is not a usable regular expression: {}",
                                first_line(&e)
                            ),
                        )
                    })?;
                    map.push((compiled, name.to_string(), lm));
                }
            }
            _ => {}
        }
    }
    let map = map
        .into_iter()
        .map(|(pattern, name, lm)| match names.iter().position(|n| *n == name) {
            Some(i) => Ok((pattern, i)),
            None => Err(err(
                lm,
                format!("the language map names the rule `{name}`, which no <languagerule> defines"),
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok(Srx {
        cascade,
        language_rules,
        map,
    })
}

fn compile_rule(rule: &Element, err: &impl Fn(&Element, String) -> InputError) -> Result<Rule, InputError> {
    let is_break = match rule.attr("break").map(str::trim) {
        Some("yes") | None => true,
        Some("no") => false,
        Some(other) => return Err(err(rule, format!("break=\"{other}\": expected \"yes\" or \"no\""))),
    };
    let pattern = |local: &str, wrap: fn(&str) -> String| -> Result<Option<Regex>, InputError> {
        let Some(e) = rule.elements().find(|e| e.local() == local) else {
            return Ok(None);
        };
        let p = e.text_as_written();
        if p.is_empty() {
            return Ok(None);
        }
        Regex::new(&wrap(&p)).map(Some).map_err(|x| {
            err(
                e,
                format!(
                    "<{local}> `{p}` is not a pattern yakugo can use (no look-around or back-references): {}",
                    first_line(&x)
                ),
            )
        })
    };
    Ok(Rule {
        is_break,
        before: pattern("beforebreak", |p| format!("(?:{p})$"))?,
        after: pattern("afterbreak", |p| format!("^(?:{p})"))?,
    })
}

/// The regex crate's errors span lines (pattern, caret, message); the last
/// line is the message.
fn first_line(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(&text)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srx(body: &str) -> Result<Srx, InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.srx");
        std::fs::write(&path, body).unwrap();
        Srx::open(&path)
    }

    const SIMPLE: &str = r#"<?xml version="1.0"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
  <header segmentsubflows="yes" cascade="no"><formathandle type="start" include="no"/></header>
  <body>
    <languagerules>
      <languagerule languagerulename="English">
        <rule break="no"><beforebreak>\bMr\.</beforebreak><afterbreak>\s</afterbreak></rule>
        <rule break="yes"><beforebreak>[.?!]+</beforebreak><afterbreak>\s</afterbreak></rule>
      </languagerule>
      <languagerule languagerulename="Default">
        <rule><beforebreak>;</beforebreak><afterbreak> </afterbreak></rule>
      </languagerule>
    </languagerules>
    <maprules>
      <languagemap languagepattern="EN.*" languagerulename="English"/>
      <languagemap languagepattern=".*" languagerulename="Default"/>
    </maprules>
  </body>
</srx>"#;

    #[test]
    fn rules_in_order_first_match_decides() {
        let srx = srx(SIMPLE).unwrap();
        let en = srx.rules_for(&"en-GB".parse().unwrap());
        let text = "Mr. Smith came. He left; why?";
        assert_eq!(en.breaks(text), vec![15]);
        // cascade="no": only the first matching map entry applies.
        assert_eq!(srx.rules_for(&"de".parse().unwrap()).breaks(text), vec![24]);
        assert_eq!(en.candidates, Some(BTreeSet::from(['.', '?', '!'])));
    }

    #[test]
    fn errors_are_located_and_explained() {
        let lookaround = SIMPLE.replace(r"\bMr\.", r"(?!Mr)\.");
        let e = srx(&lookaround).unwrap_err().to_string();
        assert!(e.contains("t.srx:7:") && e.contains("look-around"), "{e}");
        let e = srx(&SIMPLE.replace("languagerulename=\"Default\"/>", "languagerulename=\"Nope\"/>"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.srx:16:") && e.contains("`Nope`"), "{e}");
        let e = srx(&SIMPLE.replace("version=\"2.0\"", "version=\"1.0\"")).unwrap_err().to_string();
        assert!(e.contains("t.srx:2:1:") && e.contains("SRX 2.0"), "{e}");
        let e = srx("<tmx/>").unwrap_err().to_string();
        assert!(e.contains("not an SRX file"), "{e}");
        let e = srx("<!DOCTYPE srx [<!ENTITY a \"b\">]><srx/>").unwrap_err().to_string();
        assert!(e.contains("entities"), "{e}");
    }

    #[test]
    fn open_ended_break_patterns_try_every_position() {
        let any = SIMPLE.replace("[.?!]+</beforebreak>", r"\w</beforebreak>");
        let en = srx(&any).unwrap().rules_for(&"en".parse().unwrap());
        assert_eq!(en.candidates, None);
        assert_eq!(en.breaks("ab cd"), vec![2]);
    }

    #[test]
    fn bundled_rules_parse() {
        let on_disk = Srx::open(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/segment/default.srx"))).unwrap();
        assert!(on_disk.language_rules.len() >= 3);
        assert!(Srx::default_rules().rules_for(&"ja".parse().unwrap()).candidates.is_some());
    }
}
