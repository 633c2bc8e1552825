//! The corpus of comments written to test the masking of personal information
//! (`crates/domain/tests/data/pii-corpus.tsv`): what each comment's submitter typed into the
//! private fields, and its text with every piece that must be masked and every look-alike
//! that must stay marked. Shared by the domain's test and the end-to-end test of every
//! public output.

use std::collections::BTreeMap;

/// The corpus file, read at compile time so that the test needs no working directory.
pub(crate) const CORPUS: &str = include_str!("../data/pii-corpus.tsv");

/// One comment of the corpus.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Line number in the file, for messages.
    pub(crate) line: usize,
    /// The submitter's name field.
    pub(crate) name: String,
    /// The submitter's organisation field.
    pub(crate) organization: String,
    /// Whether the submitter consented to publishing the name.
    pub(crate) consent: bool,
    /// The comment as submitted, marks removed.
    pub(crate) text: String,
    /// What must not be published: kind and original text.
    pub(crate) secrets: Vec<(String, String)>,
    /// Look-alikes that must be published unchanged.
    pub(crate) keeps: Vec<String>,
}

/// Parses the corpus; a malformed line is a panic naming it, as the corpus is test data.
pub(crate) fn entries() -> Vec<Entry> {
    CORPUS
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(i, line)| parse(i + 1, line))
        .collect()
}

fn parse(line: usize, raw: &str) -> Entry {
    let columns: Vec<&str> = raw.split('\t').collect();
    let [name, organization, consent, marked] = columns[..] else {
        panic!(
            "line {line}: expected 4 tab-separated columns, got {}",
            columns.len()
        );
    };
    let mut text = String::new();
    let mut secrets = Vec::new();
    let mut keeps = Vec::new();
    let mut rest = marked;
    while let Some(open) = rest.find(['⟦', '⟪']) {
        text.push_str(&rest[..open]);
        let secret = rest[open..].starts_with('⟦');
        let body_from = open + '⟦'.len_utf8();
        let close = if secret { '⟧' } else { '⟫' };
        let body_len = rest[body_from..]
            .find(close)
            .unwrap_or_else(|| panic!("line {line}: unclosed mark"));
        let body = &rest[body_from..body_from + body_len];
        if secret {
            let (kind, original) = body
                .split_once('|')
                .unwrap_or_else(|| panic!("line {line}: a secret needs KIND|text: {body}"));
            text.push_str(original);
            secrets.push((kind.to_owned(), original.to_owned()));
        } else {
            text.push_str(body);
            keeps.push(body.to_owned());
        }
        rest = &rest[body_from + body_len + close.len_utf8()..];
    }
    text.push_str(rest);
    Entry {
        line,
        name: name.trim().to_owned(),
        organization: organization.trim().to_owned(),
        consent: match consent.trim() {
            "是" => true,
            "否" => false,
            other => panic!("line {line}: consent is 是 or 否, not {other}"),
        },
        text,
        secrets,
        keeps,
    }
}

/// How well a set of published texts hides the secrets and keeps the look-alikes.
#[derive(Debug, Default)]
pub(crate) struct Score {
    /// Secrets per kind: (hidden, total).
    pub(crate) secrets: BTreeMap<String, (usize, usize)>,
    /// Look-alikes published unchanged, of all.
    pub(crate) keeps: (usize, usize),
    /// Comments without secrets published unchanged, of all.
    pub(crate) clean: (usize, usize),
    /// What went wrong, for the failure message.
    pub(crate) misses: Vec<String>,
}

impl Score {
    /// Scores one entry against the text published for it.
    pub(crate) fn add(&mut self, entry: &Entry, published: &str) {
        self.score(entry, published, published == entry.text);
    }

    /// Scores one entry against a page that shows it among other things: a comment without
    /// secrets must be on the page as written.
    #[allow(dead_code)]
    pub(crate) fn add_page(&mut self, entry: &Entry, page: &str) {
        self.score(entry, page, page.contains(entry.text.as_str()));
    }

    fn score(&mut self, entry: &Entry, published: &str, unchanged: bool) {
        for (kind, secret) in &entry.secrets {
            let counts = self.secrets.entry(kind.clone()).or_default();
            counts.1 += 1;
            if published.contains(secret.as_str()) {
                self.misses.push(format!(
                    "line {}: {kind} {secret} published in {published}",
                    entry.line
                ));
            } else {
                counts.0 += 1;
            }
        }
        for keep in &entry.keeps {
            self.keeps.1 += 1;
            if published.contains(keep.as_str()) {
                self.keeps.0 += 1;
            } else {
                self.misses.push(format!(
                    "line {}: look-alike {keep} changed: {published}",
                    entry.line
                ));
            }
        }
        if entry.secrets.is_empty() {
            self.clean.1 += 1;
            if unchanged {
                self.clean.0 += 1;
            } else {
                self.misses.push(format!(
                    "line {}: clean comment changed: {published}",
                    entry.line
                ));
            }
        }
    }

    /// Secrets hidden, of all.
    pub(crate) fn recall(&self) -> (usize, usize) {
        self.secrets
            .values()
            .fold((0, 0), |(h, t), (hidden, total)| (h + hidden, t + total))
    }

    /// Look-alikes and clean comments published unchanged, of all.
    pub(crate) fn precision(&self) -> (usize, usize) {
        (self.keeps.0 + self.clean.0, self.keeps.1 + self.clean.1)
    }

    /// A printable summary: recall per kind and overall, precision.
    pub(crate) fn summary(&self) -> String {
        let percent = |(a, b): (usize, usize)| 100.0 * a as f64 / b.max(1) as f64;
        let mut out = String::new();
        for (kind, counts) in &self.secrets {
            out.push_str(&format!(
                "  {kind:<14} {:>4}/{:<4} hidden\n",
                counts.0, counts.1
            ));
        }
        out.push_str(&format!(
            "  recall    {:.2} % ({}/{} secrets hidden)\n  precision {:.2} % ({}/{} look-alikes and clean comments unchanged; {}/{} look-alikes, {}/{} clean comments)",
            percent(self.recall()),
            self.recall().0,
            self.recall().1,
            percent(self.precision()),
            self.precision().0,
            self.precision().1,
            self.keeps.0,
            self.keeps.1,
            self.clean.0,
            self.clean.1,
        ));
        out
    }

    /// Panics unless every secret is hidden and at least 98 % of the rest is unchanged.
    pub(crate) fn assert_meets_targets(&self, what: &str) {
        let (hidden, total) = self.recall();
        let (kept, all) = self.precision();
        assert!(total > 0 && all > 0, "{what}: nothing scored");
        assert!(
            hidden == total && kept * 100 >= all * 98,
            "{what}:\n{}\n{}",
            self.summary(),
            self.misses.join("\n")
        );
    }
}
