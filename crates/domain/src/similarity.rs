//! Near-duplicate comments: which comments say the same thing in nearly the same words, so that
//! officers can answer a campaign of copies as one concentrated opinion (ACUS Recommendation
//! 2021-1: one representative per group, with its count).
//!
//! A comment's text is normalised (width, case, punctuation, spacing and digits folded, common
//! traditional characters simplified, quotations of others left out), cut into overlapping
//! character shingles (Chinese needs no word segmentation for this), and summarised by MinHash
//! signatures: one-permutation hashing into [`BINS`] bins with densification, each bin keeping
//! the lowest hash of a shingle falling into it. Locality-sensitive hashing groups those bins
//! into [`BANDS`] bands of [`ROWS`]; comments sharing a band's values are candidates. Candidates
//! are screened by the low bytes (b-bit MinHash) of the first [`SCREEN_BINS`] bins, and judged
//! by a sketch of [`DETAIL_BINS`] bins from independent hashes, which estimates the Jaccard
//! similarity of the two texts' shingle sets: similar enough are pairs at [`STRONG_AT`], or at a
//! lower similarity over enough shared shingles ([`CLOSE_AT`], [`SIMILAR_AT`]). Clusters are the connected
//! components of that relation, so they do not depend on the order in which comments arrive:
//! [`ClusterIndex`] assigns each new comment as it comes and [`cluster`] recomputes everything
//! from scratch, with the same result.
//!
//! Computing from scratch ([`cluster_with_phrases`]) also joins comments that share several
//! rare phrases ([`Phrases`], winnowed fingerprints of six characters held by few comments of
//! the consultation) at a lower similarity: people restating one demand in their own words
//! around a few slogans of their campaign's own are, as sets of shingles, no more alike than
//! strangers sharing a stock phrase; that their shared phrases are rare tells them apart. How
//! rare a phrase is depends on every comment, so comments placed one at a time are joined by
//! similarity alone, and such a campaign is found whole the next time suggestions are computed.
//!
//! Bands of three bins rather than two: a pair at a similarity of 0.3 is a candidate less often
//! (58 % rather than 95 %), but a campaign is joined through any of its many similar pairs, and
//! each bucket holds far fewer comments that have nothing to do with one another (at a million,
//! clustering took 49 s with bands of two and 7-10 s with bands of three), and joins far fewer
//! of the borderline pairs through which organic comments and hard negatives chained into
//! campaigns (11 % of hard negatives at a million with bands of two, 0.01 % with three).

use std::collections::HashMap;

/// Characters per shingle.
pub const SHINGLE_CHARS: usize = 3;
/// MinHash bins (one-permutation hashing) from which band keys are made.
pub const BINS: usize = 96;
/// Bins per LSH band.
pub const ROWS: usize = 3;
/// LSH bands.
pub const BANDS: usize = BINS / ROWS;
/// Estimated Jaccard similarity from which two candidates are joined.
pub const SIMILAR_AT: f64 = 0.3;
/// Estimated Jaccard similarity from which two candidates are joined however short they are.
pub const STRONG_AT: f64 = 0.6;
/// Below [`STRONG_AT`], the estimated number of shingles two candidates must share: short
/// comments sharing one stock phrase ("我算过，光…一年就要…") reach [`SIMILAR_AT`] without
/// saying the same thing, and joined one to another they chained organic comments into
/// campaigns (1.9 % of them at 20,000 comments, 11 % at 100,000; 0.02 % and 0.2 % with this).
pub const MIN_SHARED: f64 = 24.0;
/// Between [`SIMILAR_AT`] and [`STRONG_AT`], a similarity from which fewer shared shingles
/// ([`CLOSE_SHARED`]) are enough: the short members of small sincere campaigns, two slogans
/// and a personal sentence each, reach 0.4-0.6 over 15-22 shingles (with it, two seeds of five
/// more pass at 20,000 comments; organic comments merged at a million, 0.25 % → 0.38 %).
pub const CLOSE_AT: f64 = 0.4;
/// The shared shingles enough from [`CLOSE_AT`].
pub const CLOSE_SHARED: f64 = 15.0;

/// Bins of the detailed sketch that confirms a candidate pair.
pub const DETAIL_BINS: usize = 256;
/// Of the [`BINS`] bins, the first screen candidate pairs.
pub const SCREEN_BINS: usize = 64;

/// A comment's MinHash signatures: its band keys (from [`BINS`] bins), the screening sketch
/// (the low bytes of the first [`SCREEN_BINS`]), and the detailed sketch of [`DETAIL_BINS`]
/// bins that decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    sketch: Sketch,
    detail: Detail,
    /// Each band's key: a hash of the band's full minima.
    bands: [u32; BANDS],
}

/// The detailed sketch: for each of [`DETAIL_BINS`] bins, from hashes independent of the
/// screening sketch's, the lowest hash's value in 1..=255, or 0 when no shingle fell into it.
/// Not densified: two texts are compared on the bins where either has a shingle (one-permutation
/// hashing's own estimator), so that a short text's few shingles count for what they are. With
/// 64 densified bins the estimate's standard deviation is 0.06 at a similarity of 0.3, more for
/// short texts, whose few shingles fill every bin by borrowing; among the many candidates of a
/// large consultation enough pairs at 0.15-0.2 were estimated at 0.3 to chain organic comments
/// into campaigns (2.8 % of them at 300,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Detail([u64; DETAIL_BINS / 8]);

impl Detail {
    /// The estimated Jaccard similarity, corrected for the chance (1 in 255) that two
    /// different minima share their value.
    fn similarity(&self, other: &Self) -> f64 {
        let (mut equal, mut empty) = (0u32, 0u32);
        for (a, b) in self.0.iter().zip(&other.0) {
            equal += zero_bytes(a ^ b);
            empty += zero_bytes(a | b);
        }
        let used = DETAIL_BINS as u32 - empty;
        if used == 0 {
            return 1.0;
        }
        corrected(f64::from(equal - empty) / f64::from(used), 255.0)
    }
}

/// What screening two comments reads: the low byte of each of the first [`SCREEN_BINS`] bins'
/// minima (b-bit MinHash), eight to a word, and the text's shingle count. 72 bytes, so that the
/// members of a bucket, copied side by side, cost about one cache line each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sketch {
    /// Byte `i` of the little-endian words is bin `i`'s low byte.
    bits: [u64; SCREEN_BINS / 8],
    /// How many shingles the text has (saturating).
    shingles: u16,
}

/// How many of the 8 bytes of `x` are zero, without branches (no carry crosses a byte: each
/// byte's low seven bits plus 0x7F stay below 0x100).
fn zero_bytes(x: u64) -> u32 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let y = (x & LOW7).wrapping_add(LOW7);
    (!(y | x | LOW7)).count_ones()
}

/// The estimated Jaccard similarity when `agree` of `bins` bins agree, corrected for the
/// chance (1 in 256) that two different minima share their low byte.
const fn estimate(agree: u32, bins: usize) -> f64 {
    corrected(agree as f64 / bins as f64, 256.0)
}

/// The Jaccard similarity of which `fraction` of bins agreeing is the estimate when two
/// different minima also share their stored value by chance, one in `values`; within 0..=1.
const fn corrected(fraction: f64, values: f64) -> f64 {
    let j = (fraction - 1.0 / values) / (1.0 - 1.0 / values);
    if j < 0.0 {
        0.0
    } else if j > 1.0 {
        1.0
    } else {
        j
    }
}

/// Screening: candidates whose quick estimate stays below this are refused without reading
/// the detailed sketch. Low enough that a pair at [`SIMILAR_AT`] passes it nearly always
/// (3.5 standard deviations of the quick estimate).
const SCREEN_AT: f64 = 0.1;

/// The fewest agreeing bins of the screening sketch whose estimate reaches [`SCREEN_AT`].
const MIN_AGREE: u32 = {
    let mut agree = 0;
    while estimate(agree, SCREEN_BINS) < SCREEN_AT {
        agree += 1;
    }
    agree
};

impl Sketch {
    fn agreeing_bins(&self, other: &Self) -> u32 {
        self.bits
            .iter()
            .zip(&other.bits)
            .map(|(a, b)| zero_bytes(a ^ b))
            .sum()
    }

    /// Whether the pair may be similar: cheap, and refuses most candidates.
    fn plausible(&self, other: &Self) -> bool {
        self.agreeing_bins(other) >= MIN_AGREE
    }
}

/// Folds a comment's text for comparison: full-width forms to half-width, ASCII to lower case,
/// digits to `0` (mail-merge campaigns change numbers), common traditional characters to
/// simplified ones; punctuation, symbols and whitespace are dropped. Text in quotation marks
/// (“…”, 「…」, 『…』, "…") is left out when the comment has at least [`OWN_WORDS`] characters
/// of its own: a quotation is someone else's words, and comments quoting a campaign to rebut it
/// (or quoting the draft) would otherwise look like its copies.
pub fn normalise(text: &str) -> Vec<char> {
    let mut own = Vec::with_capacity(text.len() / 2);
    let mut all = Vec::with_capacity(text.len() / 2);
    let mut depth = 0usize;
    let mut ascii_open = false;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\u{201C}' | '「' | '『' => {
                depth += 1;
                quoted = true;
                continue;
            }
            '\u{201D}' | '」' | '』' => {
                depth = depth.saturating_sub(1);
                continue;
            }
            '"' | '\u{FF02}' => {
                ascii_open = !ascii_open;
                quoted = true;
                continue;
            }
            _ => {}
        }
        let c = match c {
            // Full-width ASCII forms.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        let folded = if c.is_ascii_digit() {
            '0'
        } else if c.is_ascii_alphabetic() {
            c.to_ascii_lowercase()
        } else if c.is_alphanumeric() {
            simplified(c)
        } else {
            // Everything else (whitespace, punctuation, symbols) carries no opinion.
            continue;
        };
        all.push(folded);
        if depth == 0 && !ascii_open {
            own.push(folded);
        }
    }
    // A quotation left open is no quotation: everything counts.
    if quoted && depth == 0 && !ascii_open && own.len() >= OWN_WORDS {
        own
    } else {
        all
    }
}

/// The fewest characters outside quotation marks for a comment to be compared by them alone.
pub const OWN_WORDS: usize = 12;

/// Traditional characters common in comments and their simplified forms, pairwise.
const TRADITIONAL: &str = "們们個个這这來来時时說说對对會会為为學学國国過过還还發发\
    後后經经點点開开關关與与體体實实現现應应當当見见長长問问間间業业機机動动種种\
    從从幾几變变樣样將将車车價价應应電电產产線线區区場场費费條条辦办議议請请認认\
    讓让進进農农見见無无務务總总結结據据統统實实較较須须標标準准確确週周歲岁醫医\
    療疗補补貼贴稅税款款環环境境設设規规劃划層层級级費费權权財财資资預预買买賣卖\
    貸贷錢钱銀银險险員员專专護护養养門门戶户鄉乡鎮镇縣县們们備备題题書书證证";

fn simplified(c: char) -> char {
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    if (c as u32) < 0x4E00 {
        return c;
    }
    let table = TABLE.get_or_init(|| {
        let chars: Vec<char> = TRADITIONAL.chars().filter(|c| !c.is_whitespace()).collect();
        chars
            .chunks_exact(2)
            .filter(|p| p[0] != p[1])
            .map(|p| (p[0], p[1]))
            .collect()
    });
    table.get(&c).copied().unwrap_or(c)
}

/// A bin no shingle fell into.
const EMPTY: u64 = u64::MAX;

/// Densification (Shrivastava, "Optimal densification for fast and accurate minwise hashing",
/// 2017): an empty bin borrows the minimum of a non-empty bin chosen by probing bins in an
/// order of its own (the same for every text), so that two empty bins borrow from different
/// bins. Borrowing from the next non-empty bin to the right, as before, gave a short text's
/// neighbouring empty bins one shingle's values: a band of two such bins was one shingle, and
/// every short comment containing a common three-character phrase fell into one bucket, whose
/// members were all compared with one another.
fn densify(mins: &mut [u64]) {
    let bins = mins.len();
    if !mins.contains(&EMPTY) || mins.iter().all(|m| *m == EMPTY) {
        return;
    }
    let filled = mins.to_vec();
    for (i, m) in mins.iter_mut().enumerate() {
        if *m != EMPTY {
            continue;
        }
        let mut attempt = 0u64;
        *m = loop {
            attempt += 1;
            let j = (mix((i as u64) << 32 | attempt) % bins as u64) as usize;
            if filled[j] != EMPTY {
                break filled[j];
            }
            if attempt > 8 * bins as u64 {
                // A text of very few shingles: the next non-empty bin to the right.
                let mut d = 1;
                while filled[(i + d) % bins] == EMPTY {
                    d += 1;
                }
                break filled[(i + d) % bins];
            }
        };
    }
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The hashes of a normalised text's shingles, each once per occurrence (MinHash ignores
/// repeats). A text shorter than a shingle is one shingle.
pub fn shingles(chars: &[char]) -> impl Iterator<Item = u64> + '_ {
    let short = (!chars.is_empty() && chars.len() < SHINGLE_CHARS).then_some(chars);
    short
        .into_iter()
        .chain(chars.windows(SHINGLE_CHARS))
        .map(|w| {
            w.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, c| {
                mix(h ^ u64::from(*c as u32))
            })
        })
}

impl Signature {
    /// The signature of `text`.
    pub fn of(text: &str) -> Self {
        Self::of_normalised(&normalise(text))
    }

    /// The signature of an already normalised text.
    pub fn of_normalised(chars: &[char]) -> Self {
        let mut mins = [EMPTY; BINS];
        let mut detail = [EMPTY; DETAIL_BINS];
        let mut count = 0usize;
        for h in shingles(chars) {
            count += 1;
            let h = mix(h);
            // Top 32 bits times BINS, top half: a bin without a division.
            let bin = (((h >> 32) * BINS as u64) >> 32) as usize;
            let value = h & 0x03FF_FFFF_FFFF_FFFF;
            if value < mins[bin] {
                mins[bin] = value;
            }
            let h = mix(h ^ 0xD6E8_FEB8_6659_FD93);
            let bin = (h >> 56) as usize; // top 8 bits: 256 bins
            let value = h & 0x00FF_FFFF_FFFF_FFFF;
            if value < detail[bin] {
                detail[bin] = value;
            }
        }
        densify(&mut mins);
        let mut bits = [0u64; SCREEN_BINS / 8];
        for (i, m) in mins[..SCREEN_BINS].iter().enumerate() {
            bits[i / 8] |= (mix(*m) & 0xFF) << (8 * (i % 8));
        }
        let mut detail_bits = [0u64; DETAIL_BINS / 8];
        for (i, m) in detail.iter().enumerate() {
            if *m != EMPTY {
                detail_bits[i / 8] |= (1 + mix(*m) % 255) << (8 * (i % 8));
            }
        }
        let mut bands = [0u32; BANDS];
        for (j, band) in bands.iter_mut().enumerate() {
            let rows = &mins[j * ROWS..(j + 1) * ROWS];
            let h = rows.iter().fold(mix(j as u64), |h, m| mix(h ^ *m));
            *band = (h >> 32) as u32;
        }
        Self {
            sketch: Sketch {
                bits,
                shingles: count.min(u16::MAX as usize) as u16,
            },
            detail: Detail(detail_bits),
            bands,
        }
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets (from the detailed
    /// sketches), corrected for the chance (1 in 256) that two different minima share their
    /// low byte.
    pub fn similarity(&self, other: &Self) -> f64 {
        self.detail.similarity(&other.detail)
    }

    /// Whether two comments are similar enough to be joined: [`STRONG_AT`], [`CLOSE_AT`] over
    /// [`CLOSE_SHARED`] shingles or [`SIMILAR_AT`] over [`MIN_SHARED`] (shared shingles estimated
    /// from the similarity and both sizes).
    pub fn is_similar(&self, other: &Self) -> bool {
        self.sketch.plausible(&other.sketch)
            && confirms(&self.sketch, &self.detail, &other.sketch, &other.detail)
    }

    /// The key of band `j`.
    pub fn band(&self, j: usize) -> u32 {
        self.bands[j]
    }
}

/// The detailed half of [`Signature::is_similar`], for a pair whose screening passed.
fn confirms(a: &Sketch, a_detail: &Detail, b: &Sketch, b_detail: &Detail) -> bool {
    let j = a_detail.similarity(b_detail);
    let total = f64::from(a.shingles) + f64::from(b.shingles);
    let shared = j / (1.0 + j) * total;
    j >= STRONG_AT
        || (j >= SIMILAR_AT && shared >= MIN_SHARED)
        || (j >= CLOSE_AT && shared >= CLOSE_SHARED)
}

/// Union-find over comment positions, by size with path halving.
#[derive(Debug, Clone, Default)]
pub struct Components {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl Components {
    /// Adds a singleton; returns its position.
    pub fn push(&mut self) -> u32 {
        let i = self.parent.len() as u32;
        self.parent.push(i);
        self.size.push(1);
        i
    }

    /// The component of `x`, as the position of its root.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Joins the components of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        let (big, small) = if self.size[a as usize] >= self.size[b as usize] {
            (a, b)
        } else {
            (b, a)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
    }

    /// How many positions there are.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// Each position's component, numbered by its smallest position: the same numbering
    /// whatever the union order.
    pub fn labels(&mut self) -> Vec<u32> {
        let n = self.len() as u32;
        let mut smallest: HashMap<u32, u32> = HashMap::new();
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let root = self.find(i);
            let label = *smallest.entry(root).or_insert(i);
            out.push(label);
        }
        out
    }
}

/// The comments sharing one band key, grouped by component (the first of each group stands for
/// it), so that a new member skips every member of its own component at once. Members are
/// slots the caller maps to sketches and to positions.
#[derive(Debug, Clone, Default)]
struct Bucket {
    groups: Vec<Vec<u32>>,
    /// Each group's component root when last looked up. A root that is still a root is the
    /// group's (union-find never gives a root back), so that a group whose cached root is the
    /// new member's is skipped without a lookup; a stale one costs comparisons, never a wrong
    /// answer, and is refreshed at the next merge. In a bucket of many unrelated comments, a
    /// lookup per group per new member (a cache miss each at a million) cost more than the
    /// comparisons.
    roots: Vec<u32>,
    /// How many groups there were after the last merge.
    merged_at: usize,
}

impl Bucket {
    /// Joins `slot` to every component of the bucket to which it is similar (members of
    /// another component are compared until one is similar), then files it. Exact: every
    /// similar pair of the bucket ends up in one component, whatever the order.
    /// `joined` hears of each component joined: the slot found similar and the component's
    /// root before the join.
    fn join(
        &mut self,
        slot: u32,
        similar: impl Fn(u32, u32) -> bool,
        position_of: impl Fn(u32) -> u32,
        components: &mut Components,
        mut joined: impl FnMut(u32, u32),
    ) {
        let member = position_of(slot);
        let mut root = components.find(member);
        let mut hits: Vec<usize> = Vec::new();
        for (i, group) in self.groups.iter().enumerate() {
            if self.roots[i] == root {
                continue;
            }
            if let Some(&other) = group.iter().find(|&&other| similar(slot, other)) {
                let before = components.find(position_of(group[0]));
                joined(other, before);
                components.union(member, before);
                root = components.find(member);
                hits.push(i);
            }
        }
        for &i in &hits {
            self.roots[i] = root;
        }
        match self.roots.iter().position(|r| *r == root) {
            Some(i) => self.groups[i].push(slot),
            None => {
                self.groups.push(vec![slot]);
                self.roots.push(root);
            }
        }
        // Groups whose components have since merged (here, or through another band) become
        // one: at once after a join of two groups here, otherwise when their number has
        // doubled.
        if self.groups.len() > 4 && (hits.len() > 1 || self.groups.len() >= 2 * self.merged_at) {
            let mut at: HashMap<u32, usize> = HashMap::with_capacity(self.groups.len());
            let mut merged: Vec<Vec<u32>> = Vec::with_capacity(self.groups.len());
            let mut roots: Vec<u32> = Vec::with_capacity(self.groups.len());
            for group in self.groups.drain(..) {
                let root = components.find(position_of(group[0]));
                match at.get(&root) {
                    Some(&i) => merged[i].extend(group),
                    None => {
                        at.insert(root, merged.len());
                        merged.push(group);
                        roots.push(root);
                    }
                }
            }
            self.groups = merged;
            self.roots = roots;
            self.merged_at = self.groups.len();
        }
    }
}

/// Clusters `signatures` from scratch: returns each one's component label (the smallest
/// position in its component). Works one band at a time, sorting the band's keys, so that
/// memory beyond the signatures is one band's keys and one bucket's sketches per thread. The
/// bands are shared among the machine's cores, each with components of its own, joined at
/// the end: the same clusters, since each band joins every similar pair of its buckets.
pub fn cluster(signatures: &[Signature]) -> Vec<u32> {
    components(signatures).labels()
}

/// The components of the similarity relation of `signatures`, computed band by band.
fn components(signatures: &[Signature]) -> Components {
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .clamp(1, BANDS);
    if threads == 1 {
        cluster_bands(signatures, (0..BANDS).collect())
    } else {
        let parts: Vec<Components> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let bands = (t..BANDS).step_by(threads).collect();
                    scope.spawn(move || cluster_bands(signatures, bands))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut parts = parts.into_iter();
        let mut all = parts.next().unwrap_or_default();
        for mut part in parts {
            for i in 0..part.len() as u32 {
                let root = part.find(i);
                if root != i {
                    all.union(i, root);
                }
            }
        }
        all
    }
}

/// The components joined by `bands` of `signatures`.
fn cluster_bands(signatures: &[Signature], bands: Vec<usize>) -> Components {
    let n = signatures.len();
    let mut components = Components::default();
    for _ in 0..n {
        components.push();
    }
    let mut keys: Vec<(u32, u32)> = Vec::with_capacity(n);
    // A bucket's members are compared with one another many times: their sketches are copied
    // side by side, so that the comparisons read memory in order (read where they lie, the
    // detailed sketches of a million comments cost a cache miss per confirmation).
    let mut sketches: Vec<Sketch> = Vec::new();
    let mut details: Vec<Detail> = Vec::new();
    for j in bands {
        keys.clear();
        keys.extend(
            signatures
                .iter()
                .enumerate()
                .map(|(i, s)| (s.band(j), i as u32)),
        );
        keys.sort_unstable();
        let mut start = 0;
        while start < keys.len() {
            let key = keys[start].0;
            let mut end = start + 1;
            while end < keys.len() && keys[end].0 == key {
                end += 1;
            }
            if end - start > 1 {
                let members = &keys[start..end];
                sketches.clear();
                sketches.extend(members.iter().map(|&(_, m)| signatures[m as usize].sketch));
                details.clear();
                details.extend(members.iter().map(|&(_, m)| signatures[m as usize].detail));
                let mut bucket = Bucket::default();
                for slot in 0..members.len() as u32 {
                    bucket.join(
                        slot,
                        |a, b| {
                            let (a, b) = (a as usize, b as usize);
                            sketches[a].plausible(&sketches[b])
                                && confirms(&sketches[a], &details[a], &sketches[b], &details[b])
                        },
                        |s| members[s as usize].1,
                        &mut components,
                        |_, _| {},
                    );
                }
            }
            start = end;
        }
    }
    components
}

/// Characters per phrase of [`Phrases`].
pub const PHRASE_CHARS: usize = 6;
/// Winnowing window, in phrases: two texts sharing a run of
/// [`PHRASE_CHARS`] + [`PHRASE_WINDOW`] − 1 = 10 characters share at least one fingerprint.
pub const PHRASE_WINDOW: usize = 5;
/// A phrase is rare when at most this many comments of the consultation hold it. The small
/// campaigns this is for (5-50 members) hold theirs fewer times; a stock phrase of a large
/// consultation, far more.
pub const RARE_AT_MOST: usize = 64;
/// Rare phrases (fingerprints) two comments must share to be joined by them: about one
/// sentence of a campaign's own. With three, two strangers sharing one rare turn of phrase
/// were joined often enough to chain 0.1 % of organic comments, and on one seed 4 % of hard
/// negatives, into campaigns.
pub const RARE_SHARED: usize = 4;
/// The estimated similarity two comments sharing rare phrases must also reach.
pub const RARE_SIMILAR_AT: f64 = 0.2;
/// Passes over the phrases, each taking the fingerprints of one residue: the sorted
/// (fingerprint, comment) pairs of a million comments take 350 MB at once, a sixteenth of it
/// per pass.
const PHRASE_PASSES: u32 = 16;

/// A comment's phrase fingerprints: winnowed hashes of its normalised text's runs of
/// [`PHRASE_CHARS`] characters (Schleimer, Wilkerson and Aiken, "Winnowing", 2003), sorted and
/// without repeats. Clustering from scratch counts in how many comments each occurs: people
/// restating one demand in their own words share a few phrases of their campaign's own (a
/// place, a slogan) and little else, no more alike as sets of shingles than two strangers
/// sharing a stock phrase of the draft; what tells them apart is that their phrases are rare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phrases(Box<[u32]>);

impl Phrases {
    /// The phrases of `text`.
    pub fn of(text: &str) -> Self {
        Self::of_normalised(&normalise(text))
    }

    /// The phrases of an already normalised text.
    pub fn of_normalised(chars: &[char]) -> Self {
        if chars.len() < PHRASE_CHARS {
            return Self::default();
        }
        let hashes: Vec<u32> = chars
            .windows(PHRASE_CHARS)
            .map(|w| {
                let h = w.iter().fold(0x6A09_E667_F3BC_C908u64, |h, c| {
                    mix(h ^ u64::from(*c as u32))
                });
                (h >> 32) as u32
            })
            .collect();
        let mut out: Vec<u32> = hashes
            .windows(PHRASE_WINDOW.min(hashes.len()))
            .filter_map(|w| w.iter().min().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        Self(out.into_boxed_slice())
    }

    /// How many fingerprints there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (a text shorter than a phrase).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Clusters from scratch as [`cluster`] does, then also joins two comments sharing at least
/// [`RARE_SHARED`] rare phrases (held by at most [`RARE_AT_MOST`] comments) at an estimated
/// similarity of [`RARE_SIMILAR_AT`]: the members of small sincere campaigns. Rarity is a
/// property of the whole consultation, so this needs every comment at once: it does not
/// depend on their order, but [`ClusterIndex`], adding one comment at a time, cannot do it.
pub fn cluster_with_phrases(signatures: &[Signature], phrases: &[Phrases]) -> Vec<u32> {
    assert_eq!(
        signatures.len(),
        phrases.len(),
        "one set of phrases per signature"
    );
    let mut components = components(signatures);
    let roots: Vec<u32> = (0..signatures.len() as u32)
        .map(|i| components.find(i))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .clamp(1, PHRASE_PASSES as usize) as u32;
    let mut pairs: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let roots = &roots;
                scope.spawn(move || {
                    let mut pairs = Vec::new();
                    for pass in (t..PHRASE_PASSES).step_by(threads as usize) {
                        pairs_sharing_rare_phrases(phrases, roots, pass, &mut pairs);
                    }
                    pairs
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    pairs.sort_unstable();
    for run in pairs.chunk_by(|a, b| a == b) {
        if run.len() < RARE_SHARED {
            continue;
        }
        let (a, b) = ((run[0] >> 32) as u32, run[0] as u32);
        if components.find(a) != components.find(b)
            && signatures[a as usize].similarity(&signatures[b as usize]) >= RARE_SIMILAR_AT
        {
            components.union(a, b);
        }
    }
    components.labels()
}

/// Appends to `pairs` each pair of comments (earlier position in the high half) in different
/// components of `roots` sharing a rare phrase whose fingerprint is `pass` modulo
/// [`PHRASE_PASSES`], once per such phrase.
fn pairs_sharing_rare_phrases(phrases: &[Phrases], roots: &[u32], pass: u32, pairs: &mut Vec<u64>) {
    let mut entries: Vec<u64> = Vec::new();
    for (i, p) in phrases.iter().enumerate() {
        entries.extend(
            p.0.iter()
                .filter(|f| *f % PHRASE_PASSES == pass)
                .map(|f| (u64::from(*f) << 32) | i as u64),
        );
    }
    entries.sort_unstable();
    for run in entries.chunk_by(|a, b| a >> 32 == b >> 32) {
        if run.len() < 2 || run.len() > RARE_AT_MOST {
            continue;
        }
        for (x, a) in run.iter().enumerate() {
            let a = *a as u32;
            for b in &run[x + 1..] {
                let b = *b as u32;
                if roots[a as usize] != roots[b as usize] {
                    pairs.push((u64::from(a) << 32) | u64::from(b));
                }
            }
        }
    }
}

/// How a cluster looks from its most typical member.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterShape {
    /// Position (within the members given) of the member most like the others.
    pub representative: usize,
    /// The lowest similarity of a member to the representative.
    pub low: f64,
    /// The median similarity of the members to the representative.
    pub median: f64,
    /// Positions of the members least like the representative, most different first.
    pub outliers: Vec<usize>,
}

/// Members compared with every candidate representative: enough to find a typical member of a
/// campaign of any size at a cost linear in its size.
const SHAPE_SAMPLE: usize = 32;

/// The shape of a cluster of `members` (in a fixed order, e.g. by comment id): its
/// representative is the member of the first [`SHAPE_SAMPLE`]·4 most similar on average to the
/// first [`SHAPE_SAMPLE`]; `outliers` lists at most `outliers` members.
pub fn shape(members: &[&Signature], outliers: usize) -> ClusterShape {
    if members.is_empty() {
        return ClusterShape {
            representative: 0,
            low: 0.0,
            median: 0.0,
            outliers: Vec::new(),
        };
    }
    let sample = &members[..members.len().min(SHAPE_SAMPLE)];
    let representative = (0..members.len().min(SHAPE_SAMPLE * 4))
        .map(|i| {
            let total: f64 = sample.iter().map(|s| members[i].similarity(s)).sum();
            (i, total)
        })
        // Ties go to the earliest member, so that the choice does not depend on float order.
        .fold(
            (0, f64::MIN),
            |best, (i, t)| if t > best.1 { (i, t) } else { best },
        )
        .0;
    let mut by_similarity: Vec<(f64, usize)> = members
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != representative)
        .map(|(i, s)| (members[representative].similarity(s), i))
        .collect();
    by_similarity.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (low, median) = match by_similarity.len() {
        0 => (1.0, 1.0),
        n => (by_similarity[0].0, by_similarity[n / 2].0),
    };
    ClusterShape {
        representative,
        low,
        median,
        outliers: by_similarity
            .iter()
            .take(outliers)
            .filter(|(sim, _)| *sim < 1.0)
            .map(|(_, i)| *i)
            .collect(),
    }
}

/// Clusters kept up to date as comments arrive: each band's buckets in memory, so that a new
/// comment is compared with its candidates only.
///
/// Most band keys are held by one comment alone: such a key maps to its member's position, and
/// only a key held by several to a bucket (a bucket per key cost 3.7 KiB per comment at
/// 100,000 comments, an enum of position or boxed bucket 1.1 KiB).
#[derive(Debug, Default)]
pub struct ClusterIndex {
    signatures: Vec<Signature>,
    /// Per band, each key's [`Slot`].
    keys: Vec<HashMap<u32, Slot>>,
    /// The buckets of keys held by several comments.
    buckets: Vec<Bucket>,
    components: Components,
}

/// What a band key maps to: a position (one comment holds the key), or, with the top bit set,
/// the index of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot(u32);

impl Slot {
    const BUCKET: u32 = 1 << 31;
}

/// What adding a comment to a [`ClusterIndex`] joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// The new comment's position.
    pub position: u32,
    /// The members it was found similar to, one for each component it joined, with the root
    /// that component had before (`Components` positions).
    pub neighbours: Vec<(u32, u32)>,
}

impl ClusterIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self {
            keys: (0..BANDS).map(|_| HashMap::new()).collect(),
            ..Self::default()
        }
    }

    /// Adds a comment's signature; returns its position and what it joined.
    pub fn add(&mut self, signature: Signature) -> Joined {
        let member = self.components.push();
        assert!(member < Slot::BUCKET, "positions fit in 31 bits");
        let bands = signature.bands;
        self.signatures.push(signature);
        let signatures = &self.signatures;
        let similar = |a: u32, b: u32| signatures[a as usize].is_similar(&signatures[b as usize]);
        let mut neighbours: Vec<(u32, u32)> = Vec::new();
        for (j, band) in bands.iter().enumerate() {
            let slot = self.keys[j].entry(*band).or_insert(Slot(member));
            let bucket = if slot.0 == member {
                continue;
            } else if slot.0 & Slot::BUCKET != 0 {
                (slot.0 & !Slot::BUCKET) as usize
            } else {
                let only = slot.0;
                let root = self.components.find(only);
                let at = self.buckets.len();
                self.buckets.push(Bucket {
                    groups: vec![vec![only]],
                    roots: vec![root],
                    merged_at: 1,
                });
                *slot = Slot(at as u32 | Slot::BUCKET);
                at
            };
            self.buckets[bucket].join(
                member,
                similar,
                |s| s,
                &mut self.components,
                |other, root| neighbours.push((other, root)),
            );
        }
        Joined {
            position: member,
            neighbours,
        }
    }

    /// The component (as its root position) of the comment at `position`.
    pub fn component(&mut self, position: u32) -> u32 {
        self.components.find(position)
    }

    /// The signature of the comment at `position`.
    pub fn signature(&self, position: u32) -> &Signature {
        &self.signatures[position as usize]
    }

    /// Each position's component label, as [`cluster`] numbers them.
    pub fn labels(&mut self) -> Vec<u32> {
        self.components.labels()
    }

    /// How many comments it holds.
    pub fn len(&self) -> usize {
        self.signatures.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.signatures.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalising_folds_width_case_digits_punctuation_and_traditional_forms() {
        let a: String = normalise("建议：過渡期延長至６個月！ ABC，2027年")
            .into_iter()
            .collect();
        assert_eq!(a, "建议过渡期延长至0个月abc0000年");
        assert_eq!(normalise("，。！ \u{3000}"), Vec::<char>::new());
    }

    #[test]
    fn quotations_are_left_out_unless_little_else_is_said() {
        let fold = |t: &str| normalise(t).into_iter().collect::<String>();
        assert_eq!(
            fold("有人提出“过渡期延长至六个月”，我不同意，现行规定是合理的。"),
            "有人提出我不同意现行规定是合理的"
        );
        assert_eq!(
            fold("「十五路不能停」『和平里』，支持。"),
            "十五路不能停和平里支持"
        );
        // Unbalanced marks quote nothing.
        assert_eq!(
            fold("他说“过渡期太短，我们都不同意现行规定。"),
            "他说过渡期太短我们都不同意现行规定"
        );
        // A rebuttal no longer looks like the campaign it quotes.
        let campaign = "强烈建议将过渡期延长至六个月，给中小企业留出调整时间，保障就业。";
        let rebuttal = "有人提出“强烈建议将过渡期延长至六个月，给中小企业留出调整时间”，我不同意，现行规定是合理的。";
        assert!(Signature::of(campaign).similarity(&Signature::of(rebuttal)) < 0.15);
    }

    #[test]
    fn shingles_are_every_window_or_the_whole_short_text() {
        let text: Vec<char> = "延长过渡期".chars().collect();
        assert_eq!(shingles(&text).count(), 3);
        let short: Vec<char> = "延长".chars().collect();
        assert_eq!(shingles(&short).count(), 1);
        assert_eq!(shingles(&[]).count(), 0);
        // The same window hashes the same wherever it is.
        let twice: Vec<char> = "过渡期过渡期".chars().collect();
        let hashes: Vec<u64> = shingles(&twice).collect();
        assert_eq!(hashes[0], hashes[3]);
    }

    #[test]
    fn identical_texts_agree_everywhere_and_unrelated_texts_hardly_at_all() {
        let a = Signature::of("强烈建议将过渡期延长至六个月，给中小企业留出调整时间。");
        let b = Signature::of("强烈建议将过渡期延长至六个月，给中小企业留出调整时间！");
        assert_eq!(a, b);
        assert!((a.similarity(&b) - 1.0).abs() < 1e-9);
        let c = Signature::of("地铁票价应当下调，换乘优惠应覆盖公交和轮渡，老人免费乘车。");
        assert!(a.similarity(&c) < 0.15, "{}", a.similarity(&c));
        // A copy with a sentence added and a word swapped stays close.
        let d =
            Signature::of("我是一名个体户。强烈建议将过渡期延长到六个月，给中小企业留出调整时间。");
        assert!(a.similarity(&d) >= SIMILAR_AT, "{}", a.similarity(&d));
    }

    #[test]
    fn short_restatements_of_one_demand_join_where_a_shared_personal_frame_does_not() {
        // Two short members of one sincere campaign: its two slogans in other words, about
        // 0.5 over some 17 shingles, joined through CLOSE_AT.
        let a = Signature::of("二号线不能没有医保卡，二号线的车位问题拖不起了，");
        let b = Signature::of("不管怎么说，二号线不能没有医保卡。我认为二号线的车位问题拖不起了。");
        let j = a.similarity(&b);
        assert!((CLOSE_AT..STRONG_AT).contains(&j), "{j}");
        assert!(a.is_similar(&b));
        // Two people sharing a sentence frame and nothing else stay apart.
        let c = Signature::of("我们楼28户人家，每个月都要为水电费发愁。出租车运价应当公开成本。");
        let d = Signature::of("我们楼19户人家，每个月都要为监控发愁。学生票希望延长使用时间。");
        assert!(!c.is_similar(&d), "{}", c.similarity(&d));
    }

    #[test]
    fn a_cluster_is_shown_by_its_most_typical_member_and_its_least_typical_ones() {
        let texts = [
            "公交线路调整后老人看病不方便，建议恢复原线路。",
            "公交线路调整后老人看病很不方便，强烈建议恢复原线路。",
            "公交线路调整后老人看病不方便，建议恢复原线路！",
            "我家门口的公交线路调整后老人看病不方便，建议尽快恢复原来的线路，谢谢。",
        ];
        let signatures: Vec<Signature> = texts.iter().map(|t| Signature::of(t)).collect();
        let members: Vec<&Signature> = signatures.iter().collect();
        let shape = shape(&members, 2);
        // The first and third are one text once punctuation is folded: either is typical.
        assert!(
            shape.representative == 0 || shape.representative == 2,
            "{shape:?}"
        );
        assert_eq!(shape.outliers.first(), Some(&3), "{shape:?}");
        assert!(
            shape.low <= shape.median && shape.median <= 1.0,
            "{shape:?}"
        );
        assert!(shape.low < 0.9, "{shape:?}");
    }

    #[test]
    fn components_are_numbered_by_their_smallest_member() {
        let mut c = Components::default();
        for _ in 0..5 {
            c.push();
        }
        c.union(4, 2);
        c.union(3, 1);
        c.union(1, 4);
        assert_eq!(c.labels(), vec![0, 1, 1, 1, 1]);
    }

    /// Words of a person's own: `len` characters drawn from a pool by `k`, different for
    /// every `k` (digits would all fold to 0).
    fn own_words(k: u64, len: usize) -> String {
        const POOL: &str = "春夏秋冬山水田林路桥车船门窗灯火风雨云雪花草树木鸟鱼虫马牛羊猪狗猫米面油盐酱醋茶\
            笔墨纸砚琴棋书画衣帽鞋袜床桌椅柜锅碗瓢盆刀叉勺筷楼房院墙街巷村镇厂店铺摊河湖海岸";
        let pool: Vec<char> = POOL.chars().collect();
        let mut h = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x1234;
        (0..len)
            .map(|_| {
                h = mix(h);
                pool[(h % pool.len() as u64) as usize]
            })
            .collect()
    }

    /// A sincere campaign's slogans: its place's name in each, no two alike.
    const SLOGANS: [&str; 3] = [
        "账款拖欠是老街菜场的民生大事",
        "账款拖欠不能一刀切老街菜场的客户最清楚",
        "志愿者搬家难账款拖欠要为老街菜场着想",
    ];

    fn with_phrases(texts: &[String]) -> Vec<u32> {
        let signatures: Vec<Signature> = texts.iter().map(|t| Signature::of(t)).collect();
        let phrases: Vec<Phrases> = texts.iter().map(|t| Phrases::of(t)).collect();
        cluster_with_phrases(&signatures, &phrases)
    }

    #[test]
    fn rare_phrases_join_a_small_sincere_campaign_that_similarity_alone_misses() {
        // Five people, each with two or three of the campaign's three slogans and 30
        // characters of their own; 200 strangers with words of their own.
        let picks: [&[usize]; 5] = [&[0, 1, 2], &[0, 1], &[1, 2], &[2, 0], &[2, 1, 0]];
        let mut texts: Vec<String> = picks
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let slogans: Vec<&str> = p.iter().map(|&k| SLOGANS[k]).collect();
                format!("{}。{}", slogans.join("，"), own_words(i as u64, 30))
            })
            .collect();
        texts.extend((100..300).map(|k| own_words(k, 40)));
        let signatures: Vec<Signature> = texts.iter().map(|t| Signature::of(t)).collect();
        let alone = cluster(&signatures);
        assert!(
            (1..5).any(|i| alone[i] != alone[0]),
            "similarity alone already joins them: {alone:?}"
        );
        let labels = with_phrases(&texts);
        assert!((1..5).all(|i| labels[i] == labels[0]), "{labels:?}");
        assert!(
            labels[5..].iter().all(|l| *l != labels[0]),
            "a stranger joined the campaign"
        );
    }

    #[test]
    fn a_phrase_many_comments_hold_joins_nobody() {
        // The same 33-character sentence in 2 × RARE_AT_MOST comments, each with 50
        // characters of its own: a stock phrase, not a campaign.
        let stock = format!("{}，{}", SLOGANS[0], SLOGANS[1]);
        let texts: Vec<String> = (0..2 * RARE_AT_MOST as u64)
            .map(|k| format!("{stock}。{}", own_words(k, 50)))
            .collect();
        let labels = with_phrases(&texts);
        let mut distinct = labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), texts.len(), "{labels:?}");
        // The same comments, fewer of them: rare again, and the pairs with enough in common
        // are joined.
        let few = &texts[..RARE_AT_MOST / 4];
        let signatures: Vec<Signature> = few.iter().map(|t| Signature::of(t)).collect();
        let alone = cluster(&signatures);
        let joined = with_phrases(few);
        assert!(joined.iter().zip(&alone).any(|(j, a)| j != a), "{joined:?}");
    }

    #[test]
    fn texts_sharing_ten_characters_share_a_fingerprint() {
        for k in 0..50u64 {
            let shared = own_words(10_000 + k, PHRASE_CHARS + PHRASE_WINDOW - 1);
            let a = Phrases::of(&format!(
                "{}{shared}{}",
                own_words(k, 17),
                own_words(k + 500, 9)
            ));
            let b = Phrases::of(&format!("{}{shared}", own_words(k + 900, 30)));
            assert!(a.0.iter().any(|f| b.0.binary_search(f).is_ok()), "{shared}");
        }
        assert!(Phrases::of("五个字而已").is_empty());
        assert_eq!(Phrases::of("六个字的句子").len(), 1);
    }

    /// Small sincere campaigns among strangers: each text two or three slogans of one of three
    /// campaigns (or none) and words of its own.
    fn sincere_texts() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec((0usize..4, 1usize..8, 0u64..1_000, 10usize..80), 0..50).prop_map(
            |spec| {
                spec.into_iter()
                    .map(|(campaign, mask, own, len)| {
                        let mut t = String::new();
                        if campaign < 3 {
                            for (i, s) in SLOGANS.iter().enumerate() {
                                if mask & (1 << i) != 0 {
                                    // Each campaign's place in its slogans.
                                    t.push_str(&s.replace(
                                        "老街菜场",
                                        ["老街菜场", "和平里", "十五路"][campaign],
                                    ));
                                    t.push('，');
                                }
                            }
                        }
                        t.push_str(&own_words(own, len));
                        t
                    })
                    .collect()
            },
        )
    }

    /// Texts built from a few templates, so that clusters exist.
    fn texts() -> impl Strategy<Value = Vec<String>> {
        const BASES: [&str; 4] = [
            "强烈建议将过渡期延长至六个月给中小企业留出调整时间",
            "地铁票价应当下调换乘优惠应覆盖公交和轮渡",
            "建议增加夜班公交线路方便夜间下班的市民",
            "停车收费标准过高建议按时段差别定价",
        ];
        prop::collection::vec((0usize..4, 0usize..20, 0usize..6), 0..60).prop_map(|spec| {
            spec.into_iter()
                .map(|(base, cut, extra)| {
                    let chars: Vec<char> = BASES[base].chars().collect();
                    let cut = cut.min(chars.len() - 1);
                    let mut t: String = chars[..cut].iter().chain(&chars[cut + 1..]).collect();
                    t.push_str(&"我认为".repeat(extra));
                    t
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn adding_comments_in_any_order_gives_the_clusters_of_a_batch_run(
            texts in texts(),
            seed in any::<u64>(),
        ) {
            let signatures: Vec<Signature> = texts.iter().map(|t| Signature::of(t)).collect();
            let batch = cluster(&signatures);
            // A permutation of the positions, from the seed.
            let mut order: Vec<usize> = (0..texts.len()).collect();
            let mut h = seed;
            for i in (1..order.len()).rev() {
                h = mix(h);
                order.swap(i, (h % (i as u64 + 1)) as usize);
            }
            let mut index = ClusterIndex::new();
            for &i in &order {
                index.add(signatures[i].clone());
            }
            let shuffled = index.labels();
            // Same partition: positions i and k together in one iff together in the other.
            for a in 0..order.len() {
                for b in 0..order.len() {
                    let together_batch = batch[order[a]] == batch[order[b]];
                    let together_incremental = shuffled[a] == shuffled[b];
                    prop_assert_eq!(together_batch, together_incremental);
                }
            }
            // And the same as adding them in order.
            let mut in_order = ClusterIndex::new();
            for s in &signatures {
                in_order.add(s.clone());
            }
            prop_assert_eq!(in_order.labels(), batch);
        }

        #[test]
        fn rare_phrases_join_the_same_comments_in_any_order(
            texts in sincere_texts(),
            seed in any::<u64>(),
        ) {
            let labels = with_phrases(&texts);
            let mut order: Vec<usize> = (0..texts.len()).collect();
            let mut h = seed;
            for i in (1..order.len()).rev() {
                h = mix(h);
                order.swap(i, (h % (i as u64 + 1)) as usize);
            }
            let shuffled_texts: Vec<String> = order.iter().map(|&i| texts[i].clone()).collect();
            let shuffled = with_phrases(&shuffled_texts);
            let signatures: Vec<Signature> = texts.iter().map(|t| Signature::of(t)).collect();
            let alone = cluster(&signatures);
            for a in 0..order.len() {
                for b in 0..order.len() {
                    prop_assert_eq!(
                        labels[order[a]] == labels[order[b]],
                        shuffled[a] == shuffled[b]
                    );
                    // Rare phrases only ever join what similarity alone keeps apart.
                    if alone[a] == alone[b] {
                        prop_assert_eq!(labels[a], labels[b]);
                    }
                }
            }
        }

        #[test]
        fn every_similar_candidate_pair_is_in_one_cluster(texts in texts()) {
            let signatures: Vec<Signature> = texts.iter().map(|t| Signature::of(t)).collect();
            let labels = cluster(&signatures);
            for a in 0..signatures.len() {
                for b in 0..a {
                    let candidates = (0..BANDS).any(|j| signatures[a].band(j) == signatures[b].band(j));
                    if candidates && signatures[a].is_similar(&signatures[b]) {
                        prop_assert_eq!(labels[a], labels[b]);
                    }
                }
            }
        }
    }
}
