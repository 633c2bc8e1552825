//! Clause references: which article of a draft a comment is about. People write one article
//! many ways (`5`, `第5条`, `第五条`, `第 五 条`, `第五条第二款`); they are one clause in list
//! filters, in bulk answers' selections and in the report's grouping. A draft's own articles are
//! read from its text so that officers can see, article by article, what was said about each, and
//! which references name no article of the draft.

/// A clause reference as filters compare it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Clause {
    /// An article, however it was written.
    Article(u32),
    /// Any other reference (`附件1`, `总则`), compared as written, spaces around it aside.
    Text(String),
}

impl Clause {
    /// The clause `reference` names; `None` when it is blank.
    pub fn parse(reference: &str) -> Option<Self> {
        let trimmed = reference.trim();
        if trimmed.is_empty() {
            return None;
        }
        Some(match article_number(trimmed) {
            Some(n) => Self::Article(n),
            None => Self::Text(trimmed.to_owned()),
        })
    }

    /// Whether a comment's reference, as its submitter wrote it, names this clause.
    pub fn matches(&self, reference: &str) -> bool {
        Self::parse(reference).as_ref() == Some(self)
    }
}

/// One article of a draft, as its text numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftArticle {
    /// The article's number: 5 for `第五条`.
    pub number: u32,
    /// The beginning of its text (at most [`ARTICLE_OPENING_CHARS`] characters).
    pub opening: String,
}

/// How much of an article's text a listing shows.
pub const ARTICLE_OPENING_CHARS: usize = 40;

/// The articles of a draft's text, in order: each line that begins with `第…条`. A line that
/// begins with an article's reference but does not continue the numbering (a sentence such
/// as `第五条规定的…` starting a line after 第八条) is text, not a new article.
pub fn draft_articles(text: &str) -> Vec<DraftArticle> {
    let mut articles: Vec<DraftArticle> = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let Some(number) = leading_article(line) else {
            continue;
        };
        if articles.last().is_some_and(|a| a.number >= number) {
            continue;
        }
        let after = line
            .find('条')
            .map_or("", |at| &line[at + '条'.len_utf8()..]);
        let opening = after
            .trim_start_matches(|c: char| c.is_whitespace() || "　：:，,、。.".contains(c))
            .chars()
            .take(ARTICLE_OPENING_CHARS)
            .collect();
        articles.push(DraftArticle { number, opening });
    }
    articles
}

/// One line of a consultation's clause listing: an article of its draft, an article the draft
/// does not have, or another reference as written, with how many comments name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseLine {
    /// What the comments name.
    pub clause: Clause,
    /// The beginning of the article's text, when the draft has it.
    pub opening: Option<String>,
    /// How many comments name it.
    pub comments: u64,
}

impl ClauseLine {
    /// Whether the reference names something the draft has: an article of it (other
    /// references, such as `附件1`, cannot be checked and count as found).
    pub fn in_draft(&self) -> bool {
        match self.clause {
            Clause::Article(_) => self.opening.is_some(),
            Clause::Text(_) => true,
        }
    }

    /// How officials write the clause: `第五条`, or the reference as written.
    pub fn title(&self) -> String {
        match &self.clause {
            Clause::Article(n) => article_title(*n),
            Clause::Text(t) => t.clone(),
        }
    }
}

/// The clause listing of a draft: each of its articles in order (with no comments too), then
/// the articles comments name that the draft does not have, then other references, most named
/// first. `articles` are comment counts by article number, `others` by reference as written.
pub fn clause_listing(
    draft_text: &str,
    articles: &[(u32, u64)],
    others: &[(String, u64)],
) -> Vec<ClauseLine> {
    let count = |n: u32| {
        articles
            .iter()
            .filter(|(a, _)| *a == n)
            .map(|(_, c)| *c)
            .sum()
    };
    let drafted = draft_articles(draft_text);
    let mut lines: Vec<ClauseLine> = drafted
        .iter()
        .map(|a| ClauseLine {
            clause: Clause::Article(a.number),
            opening: Some(a.opening.clone()),
            comments: count(a.number),
        })
        .collect();
    let mut missing: Vec<(u32, u64)> = articles
        .iter()
        .filter(|(n, c)| *c > 0 && !drafted.iter().any(|a| a.number == *n))
        .copied()
        .collect();
    missing.sort_unstable();
    missing.dedup_by_key(|(n, _)| *n);
    lines.extend(missing.into_iter().map(|(n, _)| ClauseLine {
        clause: Clause::Article(n),
        opening: None,
        comments: count(n),
    }));
    let mut others: Vec<&(String, u64)> = others.iter().filter(|(_, c)| *c > 0).collect();
    others.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    lines.extend(others.into_iter().filter_map(|(text, c)| {
        Clause::parse(text).map(|clause| ClauseLine {
            clause,
            opening: None,
            comments: *c,
        })
    }));
    lines
}

/// A clause reference as people write it, read as an article number where it names one:
/// `5`, `第5条`, `第五条`, `第 五 条` and `第五条第二款` are all article 5.
pub fn article_number(reference: &str) -> Option<u32> {
    let compact: String = reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    let number = match compact.split_once('条') {
        // 第五条…, 五条…: the number before the first 条.
        Some((before, _)) => before.strip_prefix('第').unwrap_or(before),
        // A bare number; "五", "5年" or "第三章" name no article.
        None if compact.chars().all(|c| c.is_ascii_digit()) => compact.as_str(),
        None => return None,
    };
    if number.chars().all(|c| c.is_ascii_digit()) {
        return number.parse().ok().filter(|n| *n > 0);
    }
    chinese_number(number)
}

/// The article a text begins with: `第五条：…` → 5.
pub(crate) fn leading_article(text: &str) -> Option<u32> {
    let text = text.trim_start();
    if !text.starts_with('第') {
        return None;
    }
    let end = text.char_indices().take(12).find(|(_, c)| *c == '条')?.0;
    article_number(&text[..end + '条'.len_utf8()])
}

/// `五` → 5, `十二` → 12, `一百零三` → 103, `二十` → 20; up to 9999.
fn chinese_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c);
    let mut total = 0u32;
    let mut current: Option<u32> = None;
    for c in s.chars() {
        if let Some(d) = digit(c).or(match c {
            '〇' => Some(0),
            '两' => Some(2),
            _ => None,
        }) {
            current = Some(d as u32);
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        // 十二: a unit with no digit before it counts once.
        total += current.take().unwrap_or(1) * unit;
    }
    total += current.unwrap_or(0);
    (total > 0).then_some(total)
}

/// An article number as the official style writes it: 5 → `第五条`.
pub fn article_title(n: u32) -> String {
    format!("第{}条", chinese_numeral(n))
}

fn chinese_numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n < 10 {
        return DIGITS[n as usize].to_owned();
    }
    if n < 20 {
        return format!(
            "十{}",
            if n == 10 {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        );
    }
    let mut out = String::new();
    let mut zero = false;
    for (unit, name) in [(1000, "千"), (100, "百"), (10, "十"), (1, "")] {
        let d = (n / unit) % 10;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push_str(DIGITS[d as usize]);
        out.push_str(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_references_as_people_write_them_are_one_article() {
        for r in [
            "5",
            "第5条",
            "第五条",
            "第 五 条",
            "第五条第二款",
            "第５条",
            "五",
        ] {
            let expected = if r == "五" { None } else { Some(5) };
            assert_eq!(article_number(r), expected, "{r}");
        }
        assert_eq!(article_number("第十二条"), Some(12));
        assert_eq!(article_number("第二十条"), Some(20));
        assert_eq!(article_number("第一百零三条"), Some(103));
        assert_eq!(article_number("第三十五条第一款第（二）项"), Some(35));
        // Not articles.
        for r in ["", "附件1", "5年", "总则", "第三章", "50%"] {
            assert_eq!(article_number(r), None, "{r}");
        }
        assert_eq!(leading_article("第五条：高峰间隔缩短至8分钟"), Some(5));
        assert_eq!(leading_article("增加第五条"), None);
        assert_eq!(article_title(5), "第五条");
        assert_eq!(article_title(12), "第十二条");
        assert_eq!(article_title(20), "第二十条");
        assert_eq!(article_title(103), "第一百零三条");
        assert_eq!(article_title(110), "第一百一十条");
        for n in 1..=400 {
            assert_eq!(article_number(&article_title(n)), Some(n), "{n}");
        }
    }

    #[test]
    fn one_clause_however_written_and_other_references_as_written() {
        let fifth = Clause::parse(" 第五条 ").expect("a clause");
        assert_eq!(fifth, Clause::Article(5));
        for r in ["5", "第5条", "第 五 条", "第五条第二款", "第５条"] {
            assert!(fifth.matches(r), "{r}");
        }
        for r in ["第五十条", "第十五条", "", "附件5", "五"] {
            assert!(!fifth.matches(r), "{r}");
        }
        let annex = Clause::parse("附件1").expect("a clause");
        assert_eq!(annex, Clause::Text("附件1".to_owned()));
        assert!(annex.matches(" 附件1"));
        assert!(!annex.matches("附件2"));
        assert_eq!(Clause::parse("  "), None);
    }

    #[test]
    fn the_listing_holds_every_article_then_the_missing_ones_then_other_references() {
        let draft = "第一条 总则。\n第二条 适用范围。\n第三条 发车间隔。";
        let lines = clause_listing(
            draft,
            &[(3, 7), (1, 2), (9, 4)],
            &[("附件1".to_owned(), 1), ("总则".to_owned(), 5)],
        );
        let shown: Vec<(String, u64, bool)> = lines
            .iter()
            .map(|l| (l.title(), l.comments, l.in_draft()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("第一条".to_owned(), 2, true),
                ("第二条".to_owned(), 0, true),
                ("第三条".to_owned(), 7, true),
                // Named by four comments, not in the draft: flagged.
                ("第九条".to_owned(), 4, false),
                ("总则".to_owned(), 5, true),
                ("附件1".to_owned(), 1, true),
            ]
        );
        assert_eq!(lines[0].opening.as_deref(), Some("总则。"));
        assert_eq!(lines[3].opening, None);
    }

    #[test]
    fn a_drafts_articles_are_read_from_its_lines() {
        let draft = "某市公共交通管理办法（征求意见稿）\n第一章 总则\n第一条 为了规范公共交通，制定本办法。\n\
                     \u{3000}\u{3000}第二条　本办法适用于本市行政区域。\n第三条：早晚高峰发车间隔不超过十分钟。\n\
                     第二条规定的区域包括郊区。\n第二章 附则\n第十条 本办法自发布之日起施行。";
        let articles = draft_articles(draft);
        let numbers: Vec<u32> = articles.iter().map(|a| a.number).collect();
        // 第二条规定的… starts a line but goes back in the numbering: text, not an article.
        assert_eq!(numbers, vec![1, 2, 3, 10]);
        assert_eq!(articles[0].opening, "为了规范公共交通，制定本办法。");
        assert_eq!(articles[1].opening, "本办法适用于本市行政区域。");
        assert_eq!(articles[2].opening, "早晚高峰发车间隔不超过十分钟。");
        assert!(draft_articles("一份没有条文的规划说明。\n第三章 保障").is_empty());
        let long = format!("第一条 {}", "很".repeat(100));
        assert_eq!(
            draft_articles(&long)[0].opening.chars().count(),
            ARTICLE_OPENING_CHARS
        );
    }
}
