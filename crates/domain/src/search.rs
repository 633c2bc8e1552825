//! What officers search a consultation's comments for: the words of a query, each of which a
//! comment must contain (as a substring: Chinese is not segmented into words). Words of three
//! characters or more are looked up in a trigram index; shorter ones cannot be, and are checked
//! by reading the comments the longer words found or, when there are none, every comment of
//! the consultation: a short query is slower, never silently empty.

use crate::error::DomainError;

/// Longest query accepted, in characters: a phrase copied from a comment, not a document.
pub const QUERY_MAX_CHARS: usize = 200;
/// Most words a query may hold.
pub const QUERY_MAX_WORDS: usize = 8;
/// Shortest word a trigram index can look up.
pub const INDEXED_WORD_MIN_CHARS: usize = 3;

/// A parsed search query: its words, case folded, in the order given. Recorded (in an audit
/// event's selection) as its words joined by spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct SearchText {
    words: Vec<String>,
}

impl SearchText {
    /// Reads `query` (the request's `field`); `None` when it is blank.
    pub fn parse(field: &str, query: &str) -> Result<Option<Self>, DomainError> {
        let chars = query.chars().count();
        if chars > QUERY_MAX_CHARS {
            return Err(DomainError::invalid(
                field,
                format!(
                    "检索词过长：{chars} 个字符，最多 {QUERY_MAX_CHARS} 个 \
                     (the query is {chars} characters; at most {QUERY_MAX_CHARS})"
                ),
            ));
        }
        if query.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return Err(DomainError::invalid(
                field,
                "检索词含控制字符 (the query contains control characters)",
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for word in query.split(|c: char| c.is_whitespace()) {
            let word = word.to_lowercase();
            if !word.is_empty() && !words.contains(&word) {
                words.push(word);
            }
        }
        if words.len() > QUERY_MAX_WORDS {
            return Err(DomainError::invalid(
                field,
                format!(
                    "检索词最多 {QUERY_MAX_WORDS} 个词，收到 {} 个 (at most {QUERY_MAX_WORDS} \
                     words; got {})",
                    words.len(),
                    words.len()
                ),
            ));
        }
        Ok((!words.is_empty()).then_some(Self { words }))
    }

    /// Every word, lower case.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words a trigram index can look up.
    pub fn indexed_words(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .filter(|w| w.chars().count() >= INDEXED_WORD_MIN_CHARS)
            .map(String::as_str)
    }

    /// The words too short for a trigram index.
    pub fn short_words(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .filter(|w| w.chars().count() < INDEXED_WORD_MIN_CHARS)
            .map(String::as_str)
    }

    /// Whether `content` contains every word, case aside.
    pub fn matches(&self, content: &str) -> bool {
        let folded = content.to_lowercase();
        self.words.iter().all(|w| folded.contains(w.as_str()))
    }
}

impl From<SearchText> for String {
    fn from(text: SearchText) -> Self {
        text.words.join(" ")
    }
}

impl TryFrom<String> for SearchText {
    type Error = String;

    fn try_from(query: String) -> Result<Self, Self::Error> {
        Self::parse("query", &query)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "a blank query".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_any_whitespace_are_all_required() {
        let q = SearchText::parse("query", "  延长过渡期\u{3000}票价  Metro ")
            .expect("valid")
            .expect("not blank");
        assert_eq!(q.words(), ["延长过渡期", "票价", "metro"]);
        assert_eq!(
            q.indexed_words().collect::<Vec<_>>(),
            ["延长过渡期", "metro"]
        );
        assert_eq!(q.short_words().collect::<Vec<_>>(), ["票价"]);
        assert!(q.matches("建议延长过渡期，METRO票价不变"));
        assert!(!q.matches("建议延长过渡期，票价不变"));
        assert_eq!(SearchText::parse("query", " \t ").expect("valid"), None);
    }

    #[test]
    fn a_query_too_long_or_with_control_characters_is_refused_naming_the_field() {
        for bad in [
            "很".repeat(10_000),
            "a\u{0}b".to_owned(),
            "一 二 三 四 五 六 七 八 九".to_owned(),
        ] {
            match SearchText::parse("query", &bad) {
                Err(DomainError::InvalidArgument(v)) => assert_eq!(v[0].field, "query"),
                other => panic!("{bad:.20}: {other:?}"),
            }
        }
        assert!(SearchText::parse("query", &"很".repeat(QUERY_MAX_CHARS)).is_ok());
    }
}
