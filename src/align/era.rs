//! Japanese era years (`延暦16年`, `大正2年`, `文治元年`) as Gregorian years.
//!
//! Japanese texts date by era name and year; their English translations
//! give the Gregorian year (`延暦16年` → `797`, `平成30年` → `2018`). As
//! numbers the two share nothing, so an aligner that reads only digits
//! misses the best anchor of a dated list or chronology. [`era_years`] finds
//! an era name from [`ERAS`] directly before a year number (digits, kanji
//! numerals, or `元` for the first year) and `年`, and gives the year the
//! era began plus the number less one.
//!
//! The year is the Gregorian year in which the era year began; a date late
//! in the lunar year may fall in the next Gregorian year, which a
//! translation then gives instead. Such a year is a missed anchor, no worse
//! than reading no era at all.

use super::anchors::parse_kanji_number;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

/// Every era name (both courts of the Nanboku-chō period included) with the
/// Gregorian year it began, from 大化 (645) to 令和 (2019). Source: the era
/// list of the `japanera` package (MIT), itself from Japanese Wikipedia's
/// list of era names; names are unique.
pub const ERAS: &str = "大化645 白雉650 朱鳥686 大宝701 慶雲704 和銅708 霊亀715 養老717 神亀724 天平729 天平勝宝749 天平感宝749 天平宝字757 天平神護765 神護景雲767 \
    宝亀770 天応781 延暦782 大同806 弘仁810 天長824 承和834 嘉祥848 仁寿851 斉衡854 天安857 貞観859 元慶877 仁和885 寛平889 昌泰898 \
    延喜901 延長923 承平931 天慶938 天暦947 天徳957 応和961 康保964 安和968 天禄970 天延974 貞元976 天元979 永観983 寛和985 永延987 \
    永祚989 正暦990 長徳995 長保999 寛弘1004 長和1013 寛仁1017 治安1021 万寿1024 長元1028 長暦1037 長久1040 寛徳1044 永承1046 天喜1053 \
    康平1058 治暦1065 延久1069 承保1074 承暦1077 永保1081 応徳1084 寛治1087 嘉保1095 永長1097 承徳1098 康和1099 長治1104 嘉承1106 \
    天仁1108 天永1110 永久1113 元永1118 保安1120 天治1124 大治1126 天承1131 長承1132 保延1135 永治1141 康治1142 天養1144 久安1145 \
    仁平1151 久寿1154 保元1156 平治1159 永暦1160 応保1161 長寛1163 永万1165 仁安1166 嘉応1169 承安1171 安元1175 治承1177 養和1181 \
    寿永1182 元暦1184 文治1185 建久1190 正治1199 建仁1201 元久1204 建永1206 承元1207 建暦1211 建保1214 承久1219 貞応1222 元仁1225 \
    嘉禄1225 安貞1228 寛喜1229 貞永1232 天福1233 文暦1234 嘉禎1235 延応1239 暦仁1239 仁治1240 寛元1243 宝治1247 建長1249 康元1256 \
    正嘉1257 正元1259 文応1260 弘長1261 文永1264 建治1275 弘安1278 正応1288 永仁1293 正安1299 乾元1302 嘉元1303 徳治1307 延慶1308 \
    応長1311 正和1312 文保1317 元応1319 元亨1321 正中1325 嘉暦1326 元徳1329 元弘1331 正慶1332 建武1334 延元1336 暦応1338 興国1340 \
    康永1342 貞和1345 正平1347 観応1350 文和1352 延文1356 康安1361 貞治1362 応安1368 建徳1370 文中1372 天授1375 永和1375 康暦1379 \
    弘和1381 永徳1381 元中1384 至徳1384 嘉慶1387 康応1389 明徳1390 応永1394 正長1428 永享1429 嘉吉1441 文安1444 宝徳1449 享徳1452 \
    康正1455 長禄1457 寛正1461 文正1466 応仁1467 文明1469 長享1487 延徳1489 明応1492 文亀1501 永正1504 大永1521 享禄1528 天文1532 \
    弘治1555 永禄1558 元亀1570 天正1573 文禄1593 慶長1596 元和1615 寛永1624 正保1645 慶安1648 承応1652 明暦1655 万治1658 寛文1661 \
    延宝1673 天和1681 貞享1684 元禄1688 宝永1704 正徳1711 享保1716 元文1736 寛保1741 延享1744 寛延1748 宝暦1751 明和1764 安永1772 \
    天明1781 寛政1789 享和1801 文化1804 文政1818 天保1831 弘化1845 嘉永1848 安政1855 万延1860 文久1861 元治1864 慶応1865 明治1868 \
    大正1912 昭和1926 平成1989 令和2019";

fn eras() -> &'static HashMap<&'static str, u64> {
    static MAP: OnceLock<HashMap<&'static str, u64>> = OnceLock::new();
    MAP.get_or_init(|| {
        ERAS.split_whitespace()
            .filter_map(|entry| {
                let digits = entry.find(|c: char| c.is_ascii_digit())?;
                Some((&entry[..digits], entry[digits..].parse().ok()?))
            })
            .collect()
    })
}

/// An era year found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EraYear {
    /// Byte range of the era name and the year number (`延暦16`), without
    /// the `年`.
    pub range: Range<usize>,
    /// The Gregorian year.
    pub year: u64,
}

/// The era years in `text`, in order.
pub fn era_years(text: &str) -> Vec<EraYear> {
    let map = eras();
    let mut out = Vec::new();
    for (nen, _) in text.match_indices('年') {
        let before = &text[..nen];
        // The year number: ASCII or full-width digits, kanji numerals, `元`.
        let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
        let number_start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_digit(c) || "〇一二三四五六七八九十".contains(c))
            .last()
            .map(|(i, _)| i)
            .or_else(|| before.ends_with('元').then(|| nen - '元'.len_utf8()));
        let Some(number_start) = number_start else { continue };
        let number = &before[number_start..];
        let value = if number == "元" {
            Some(1)
        } else if number.chars().all(is_digit) {
            crate::text::normalize::fold_width(number).parse().ok()
        } else {
            parse_kanji_number(number)
        };
        let Some(value) = value.filter(|&v| v >= 1) else { continue };
        // The longest era name ending there (2 or 4 characters).
        let head = &before[..number_start];
        let era = [4, 3, 2].iter().find_map(|&len| {
            let start = head.char_indices().rev().nth(len - 1)?.0;
            map.get(&head[start..]).map(|&y| (start, y))
        });
        if let Some((start, first)) = era {
            out.push(EraYear {
                range: start..nen,
                year: first + value - 1,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn years(text: &str) -> Vec<u64> {
        era_years(text).into_iter().map(|e| e.year).collect()
    }

    #[test]
    fn era_years_become_gregorian() {
        assert_eq!(years("1913年（大正2年）、八代国治は"), vec![1913]);
        assert_eq!(years("文治元年6月21日、平成30年度、令和５年"), vec![1185, 2018, 2023]);
        assert_eq!(years("陰陽少属（延暦十六年）。天平勝宝2年"), vec![797, 750]);
        // Not an era, or no year number.
        assert!(years("2017年、大正時代、明年").is_empty());
        let found = era_years("（嘉元3年）");
        assert_eq!(&"（嘉元3年）"[found[0].range.clone()], "嘉元3");
    }

    #[test]
    fn the_table_is_in_order_and_complete_at_both_ends() {
        let years: Vec<u64> = ERAS
            .split_whitespace()
            .map(|e| e.trim_start_matches(|c: char| !c.is_ascii_digit()).parse().unwrap())
            .collect();
        assert!(years.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(eras().len(), ERAS.split_whitespace().count(), "unique names");
        assert_eq!((eras()["大化"], eras()["明治"], eras()["令和"]), (645, 1868, 2019));
    }
}
