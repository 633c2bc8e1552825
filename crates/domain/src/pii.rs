//! Masking of natural persons' personal information inside comment text before it is published.
//! Published feedback must not identify anyone (PIPL art. 25), so numbers and addresses become `*`.

use std::cmp::Reverse;
use std::iter::repeat_n;
use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::names::vocabulary;

mod names;

vocabulary! {
    /// A kind of personal information that is masked in published text.
    PersonalInformationKind {
        /// 电话号码: a mobile number, or a landline number written with its area code.
        Phone = "PHONE", "电话号码";
        /// 电子邮箱
        Email = "EMAIL", "电子邮箱";
        /// 居民身份证号码: 18 characters with a right check character, or 15, 17 or 18 digits
        /// that begin with a province code and a real birth date, whatever the check character.
        IdNumber = "ID_NUMBER", "居民身份证号码";
        /// 住址: house number, building, unit and room after a road, village or estate name.
        Address = "ADDRESS", "住址";
        /// 姓名: a name after the words that introduce one (我叫, 联系人, 姓名 …).
        Name = "NAME", "姓名";
        /// 银行卡号: any run of 16 to 19 digits, grouped or not, and shorter account numbers
        /// after 卡号 or 账号.
        BankCard = "BANK_CARD", "银行卡号";
        /// 社交账号: a QQ number or WeChat id after its cue word.
        Account = "ACCOUNT", "社交账号";
        /// 车牌号码
        LicencePlate = "LICENCE_PLATE", "车牌号码";
        /// 护照等证件号码: passport, travel permit and similar numbers after their cue words.
        Passport = "PASSPORT", "护照等证件号码";
    }
}

/// One piece of personal information found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonalInformation {
    /// What kind of information it is.
    pub kind: PersonalInformationKind,
    /// Byte range of the text that masking rewrites. Parts that identify no one on their own
    /// stay outside it: the domain of an e-mail address (the range is the local part), a
    /// mobile number's country prefix, the road or estate name of an address.
    pub range: Range<usize>,
}

/// Masks the personal information in `text` (see [`PersonalInformationKind`]); everything else
/// is returned unchanged.
///
/// What is masked, and how (kept characters stay exactly as written, full-width or not):
///
/// | kind | example | masked |
/// |------|---------|--------|
/// | mobile number | `138 1234 5678`, `+86-13812345678` | `138****5678`, `+86-138****5678` |
/// | landline with area code | `0791-86781234转805`, `(0791)6781234` | `0791-******34转***`, `(0791)*****34` |
/// | e-mail address | `zhangsan@163.com` | `z***@163.com` |
/// | resident ID number | `11010519491231002X`, `360102198001011234` (wrong check) | `110***********002X`, `360***********1234` |
/// | old or cut-short ID number | `360102800101123` (15), `36010219800101123` (17) | `360*********123`, `360***********123` |
/// | bank card, long digit run | `6222 0212 3456 7890 123`, `6217001234567890` | `6222***********0123`, `6217********7890` |
/// | street address | `解放路123号3栋2单元501室` | `解放路***号*栋*单元***室` |
/// | name after a cue word | `我叫王小明`, `联系人：欧阳娜娜` | `我叫王**`, `联系人：欧阳**` |
/// | QQ number, WeChat id | `QQ 987654321`, `微信号 wxid_nc2026abc` | `QQ 9****`, `微信号 w****` |
/// | licence plate | `赣A12345`, `京B·D12345` | `赣A*****`, `京B·******` |
/// | passport and permit numbers | `护照号E12345678` | `护照号E********` |
///
/// Full-width digits, letters and punctuation (`１３８`, `＠`, `（`, `－`) and the ideographic
/// space are read as their ASCII forms, so `１３８－１２３４－５６７８` is a mobile number too;
/// so are digits written as Chinese numerals (`一三八一二三四五六七八`, with `幺` and `两`
/// as spoken, mixed with digits or spaced), whose kept characters stay as written
/// (`一三八****五六七八`).
/// Numbers that are part of a longer run of digits (more than 19), 7 or 8 digit numbers
/// without an area code, article numbers, dates, amounts and short service numbers such as
/// `12345` are left alone.
///
/// Masking is idempotent: masked text contains nothing that [`find_personal_information`]
/// reports, so masking it again changes nothing.
pub fn mask_personal_information(text: &str) -> String {
    mask_personal_information_but_names(text, &[])
}

/// [`mask_personal_information`], except that the names in `published_names` stay wherever
/// they are found: names that their bearers consented to publish.
pub fn mask_personal_information_but_names(text: &str, published_names: &[&str]) -> String {
    let mut masked = text.to_owned();
    // Overlapping findings cannot all be masked in one pass (a spaced mobile number whose last
    // group is the local part of an e-mail address), and masking one can leave the other in
    // plain view, so passes repeat until nothing is found. Every pass that changes the text
    // turns at least one digit, or the character in front of an `@`, into `*` and creates
    // neither, so the text's length bounds the number of passes.
    for _ in 0..=text.chars().count() {
        let folded = Folded::new(&masked);
        let hits = detect(&folded, published_names);
        if hits.is_empty() {
            break;
        }
        // From the end, so that the byte ranges of earlier hits stay valid.
        for hit in hits.iter().rev() {
            masked.replace_range(folded.original_range(&hit.chars), &hit.replacement);
        }
    }
    masked
}

/// The personal information in `text`, in text order and without overlaps: what one pass of
/// [`mask_personal_information`] rewrites.
///
/// Where two findings overlap, the longer one is kept, because it masks more; on equal length
/// an e-mail address goes before an ID number, a bank card, a phone number and the rest: its
/// local part is often a phone or QQ number, and `1***@qq.com` shows less than
/// `138****5678@qq.com`.
pub fn find_personal_information(text: &str) -> Vec<PersonalInformation> {
    let folded = Folded::new(text);
    detect(&folded, &[])
        .into_iter()
        .map(|hit| PersonalInformation {
            kind: hit.kind,
            range: folded.original_range(&hit.chars),
        })
        .collect()
}

const MASK: char = '*';

/// Mobile numbers of mainland China, with an optional country prefix and 3-4-4 grouping.
static MOBILE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(r"(?:(?:\+|00)?86[ -]?)?(?P<number>1[3-9][0-9])[ -]?[0-9]{4}[ -]?[0-9]{4}")
});

/// Landlines need their area code: a bare 7 or 8 digit number is far more often an amount.
/// Local numbers never begin with 0 or 1.
static LANDLINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"(?:\(0[0-9]{2,3}\)[ -]?|0[0-9]{2,3}[ -])(?P<local>[2-9][0-9]{6,7})(?:(?:-|转)(?P<ext>[0-9]{1,6}))?",
    )
});

static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"(?P<local>[A-Za-z0-9_][A-Za-z0-9._%+-]*)@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    )
});

/// 18 characters, or 17 digits (the check character left off) or the 15 digits of the IDs
/// issued before 1999; which of them is an ID is decided by [`id_number`].
static ID_NUMBER: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"[0-9]{17}[0-9Xx]|[0-9]{17}|[0-9]{15}"));

/// 16 to 19 digits, in groups of four or not.
static DIGIT_RUN: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"[0-9]{4}(?:[ -]?[0-9]{4}){3}(?:[ -]?[0-9]{1,3})?"));

/// An account number after the words that introduce one: 12 to 19 digits, spaced or not.
static ACCOUNT_NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(concat!(
        r"(?:银行卡|卡号|账号|帐号|账户|帐户|社保卡)(?:号码|号)?(?:是|为)?[ ]*:?[ ]*",
        r"(?P<number>[0-9](?:[ -]?[0-9]){11,18})",
    ))
});

/// A QQ number after its cue word.
static QQ: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"(?:QQ|qq|Qq|qQ|Q号|扣扣|企鹅号)(?:号码|号|账号)?(?:是|为)?[ ]*:?[ ]*(?P<id>[1-9][0-9]{4,11})",
    )
});

/// A WeChat id after its cue word (ids begin with a letter), or the `wxid_` ids WeChat
/// assigns, which need no cue.
static WECHAT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(concat!(
        r"(?P<assigned>wxid_[A-Za-z0-9]{4,20})",
        r"|(?:(?:微信|威信|薇信|[Vv]信|[Ww][Xx]|[Vv][Xx]|(?i:wechat|weixin))(?:号码|号|ID|id)?(?:是|为)?[ ]*:?[ ]*",
        r"(?P<id>[A-Za-z][A-Za-z0-9_-]{5,19}))",
    ))
});

/// A licence plate: province, issuing office letter, then five (six for new-energy
/// vehicles) letters and digits, or four and a character for driving schools, police and
/// trailers (`赣A8548学`); `I` and `O` are never used.
static LICENCE_PLATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(concat!(
        r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Za-hj-np-z]",
        r"[ ·•・.-]?(?P<number>[A-HJ-NP-Za-hj-np-z0-9]{5,6}|[A-HJ-NP-Za-hj-np-z0-9]{4}[学警挂港澳领试超])",
    ))
});

/// Passport and permit numbers after their cue words (6 to 12 letters and digits, as foreign
/// passports mix them), and the `E` passports of the People's Republic (`E` and 8 digits, or
/// `E`, a letter and 7 digits) without one.
static PASSPORT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(concat!(
        r"(?:护照|通行证|台胞证|回乡证|旅行证|军官证|(?i:passport))(?:号码|号)?(?:是|为)?[ ]*:?[ ]*",
        r"(?P<number>[A-Za-z0-9]{6,12})",
        r"|(?P<bare>E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7})",
    ))
});

/// A place name's last word followed by numbered parts of a house. The number must follow
/// the place name directly, which keeps out `地铁3号线`, `第3号令` and `国发〔2019〕5号`.
/// A bare trailing number (`5幢302`) is a room only after a building, unit or floor.
static ADDRESS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(concat!(
        r"(?:大街|大道|胡同|小区|花园|公寓|大厦|路|街|巷|弄|里|村|组|苑)",
        r"(?P<units>(?:[0-9]+(?:-[0-9]+)*(?:号楼|号院|号|栋|幢|座|单元|室|户|组|层|楼|期))+)",
        r"(?P<room>[0-9]{1,5}(?:-[0-9]{1,5})?)?",
    ))
});

/// Words after a final `号` that make it a line, decree or document number, not a house.
const NOT_A_HOUSE_AFTER_HAO: &[&str] = &["线", "令", "文", "函", "公告", "通知", "决定"];

/// Units after which a bare number is a room.
const BUILDING_UNITS: &[&str] = &["栋", "幢", "座", "楼", "层", "单元"];

/// Compiles one of the constant patterns above. They are covered by tests, so `None` cannot
/// happen in a released build; it would only switch that one kind of detection off.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// One character of the text as the patterns see it and as it was written.
struct Slot {
    /// Byte offset in [`Folded::text`].
    at: usize,
    /// Byte offset in the original text.
    original_at: usize,
    original: char,
    folded: char,
}

/// The text with full-width forms and Chinese numerals folded to ASCII, character for
/// character, so one set of ASCII patterns covers what is typed on a phone or taken down from
/// a call, and every position maps back.
struct Folded {
    text: String,
    slots: Vec<Slot>,
    original_len: usize,
}

impl Folded {
    fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let slots = original
            .char_indices()
            .map(|(original_at, original)| {
                let folded = fold(original);
                let at = text.len();
                text.push(folded);
                Slot {
                    at,
                    original_at,
                    original,
                    folded,
                }
            })
            .collect();
        Folded {
            text,
            slots,
            original_len: original.len(),
        }
    }

    /// Character index of a byte offset of the folded text.
    fn index(&self, at: usize) -> usize {
        self.slots.partition_point(|slot| slot.at < at)
    }

    /// Character range of a match.
    fn chars(&self, m: regex::Match<'_>) -> Range<usize> {
        self.index(m.start())..self.index(m.end())
    }

    fn original_range(&self, chars: &Range<usize>) -> Range<usize> {
        let at = |i: usize| {
            self.slots
                .get(i)
                .map_or(self.original_len, |slot| slot.original_at)
        };
        at(chars.start)..at(chars.end)
    }

    fn slots(&self, chars: Range<usize>) -> &[Slot] {
        self.slots.get(chars).unwrap_or_default()
    }

    fn originals(&self, chars: Range<usize>) -> impl Iterator<Item = char> + '_ {
        self.slots(chars).iter().map(|slot| slot.original)
    }

    fn is_digit(&self, i: usize) -> bool {
        self.slots
            .get(i)
            .is_some_and(|slot| slot.folded.is_ascii_digit())
    }

    /// The regex crate has no look-around, so a number must be checked by hand not to be a
    /// piece of a longer run of digits (an order number, a bank account) that goes on before
    /// character `i`. A Chinese numeral next to a written digit does not go on with it: in
    /// `13812345678一直打不通` the `一` means "all along".
    fn digit_before(&self, i: usize) -> bool {
        i.checked_sub(1)
            .is_some_and(|before| self.is_digit(before) && self.same_script(before, i))
    }

    /// Whether a run of digits ending before character `end` goes on there.
    fn digit_after(&self, end: usize) -> bool {
        self.is_digit(end)
            && end
                .checked_sub(1)
                .is_none_or(|last| self.same_script(last, end))
    }

    /// Whether two characters are both Chinese numerals or both not.
    fn same_script(&self, a: usize, b: usize) -> bool {
        let numeral = |i: usize| {
            self.slots
                .get(i)
                .is_some_and(|slot| is_chinese_numeral(slot.original))
        };
        numeral(a) == numeral(b)
    }

    /// Folded text from character `i` on.
    fn rest(&self, i: usize) -> &str {
        let at = self.slots.get(i).map_or(self.text.len(), |slot| slot.at);
        self.text.get(at..).unwrap_or_default()
    }
}

fn is_chinese_numeral(c: char) -> bool {
    matches!(
        c,
        '〇' | '零' | '一' | '幺' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九'
    )
}

fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        // Numbers written, or read out to the 12345 hotline, digit by digit in Chinese
        // numerals (幺 for 1 and 两 for 2 as they are spoken). Only runs as long as a phone
        // or ID number are found, so 第五条 or 两个月 stay as they are.
        '〇' | '零' => '0',
        '一' | '幺' => '1',
        '二' | '两' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        '\u{3000}' => ' ',
        // Hyphens, figure dash, en dash and minus; not the em dash, which is punctuation.
        '\u{2010}'..='\u{2013}' | '\u{2212}' => '-',
        _ => c,
    }
}

/// A finding in character positions of a [`Folded`] text, with the text that replaces it.
struct Hit {
    kind: PersonalInformationKind,
    chars: Range<usize>,
    replacement: String,
}

/// What one pass masks: every kind's findings, less the names in `published_names`, the
/// longer of two overlapping ones kept.
fn detect(folded: &Folded, published_names: &[&str]) -> Vec<Hit> {
    let mut candidates = Vec::new();
    scan(&EMAIL, folded, &mut candidates, |caps| email(folded, caps));
    scan(&ID_NUMBER, folded, &mut candidates, |caps| {
        id_number(folded, caps)
    });
    scan(&MOBILE, folded, &mut candidates, |caps| {
        mobile(folded, caps)
    });
    scan(&LANDLINE, folded, &mut candidates, |caps| {
        landline(folded, caps)
    });
    scan(&ADDRESS, folded, &mut candidates, |caps| {
        address(folded, caps)
    });
    scan(&DIGIT_RUN, folded, &mut candidates, |caps| {
        digit_run(folded, caps)
    });
    scan(&ACCOUNT_NUMBER, folded, &mut candidates, |caps| {
        account_number(folded, caps)
    });
    scan(&QQ, folded, &mut candidates, |caps| qq(folded, caps));
    scan(&WECHAT, folded, &mut candidates, |caps| {
        wechat(folded, caps)
    });
    scan(&LICENCE_PLATE, folded, &mut candidates, |caps| {
        licence_plate(folded, caps)
    });
    scan(&PASSPORT, folded, &mut candidates, |caps| {
        passport(folded, caps)
    });
    candidates.extend(names::names(folded).into_iter().filter(|hit| {
        let name: String = folded.originals(hit.chars.clone()).collect();
        !published_names.contains(&name.as_str())
    }));

    candidates.sort_by_key(|hit| {
        (
            Reverse(hit.chars.len()),
            tie_rank(hit.kind),
            hit.chars.start,
        )
    });
    let mut taken = vec![false; folded.slots.len()];
    let mut hits = Vec::new();
    for hit in candidates {
        let Some(cells) = taken.get_mut(hit.chars.clone()) else {
            continue;
        };
        if cells.is_empty() || cells.iter().any(|&t| t) {
            continue;
        }
        cells.fill(true);
        hits.push(hit);
    }
    hits.sort_by_key(|hit| hit.chars.start);
    hits
}

fn tie_rank(kind: PersonalInformationKind) -> u8 {
    match kind {
        PersonalInformationKind::Email => 0,
        PersonalInformationKind::IdNumber => 1,
        PersonalInformationKind::BankCard => 2,
        PersonalInformationKind::Phone => 3,
        PersonalInformationKind::Passport => 4,
        PersonalInformationKind::Account => 5,
        PersonalInformationKind::LicencePlate => 6,
        PersonalInformationKind::Name => 7,
        PersonalInformationKind::Address => 8,
    }
}

/// Collects the matches of `pattern` that `hit` accepts. A refused match is tried again one
/// character further on: `2013812345678` is no mobile number, but `13812345678` inside
/// `+8613812345678` is, and only the retry finds it.
fn scan(
    pattern: &LazyLock<Option<Regex>>,
    folded: &Folded,
    out: &mut Vec<Hit>,
    mut hit: impl FnMut(&Captures<'_>) -> Option<Hit>,
) {
    let Some(re) = pattern.as_ref() else {
        return;
    };
    let text = folded.text.as_str();
    let mut at = 0;
    while at <= text.len() {
        let Some(caps) = re.captures_at(text, at) else {
            break;
        };
        let Some(whole) = caps.get(0) else {
            break;
        };
        match hit(&caps) {
            Some(found) if whole.end() > whole.start() => {
                out.push(found);
                at = whole.end();
            }
            _ => {
                at = whole.start()
                    + text
                        .get(whole.start()..)
                        .and_then(|rest| rest.chars().next())
                        .map_or(1, char::len_utf8);
            }
        }
    }
}

/// The first `head` and last `tail` of `kept`, with `stars` asterisks between them.
fn keep_ends(kept: &[char], head: usize, stars: usize, tail: usize) -> String {
    let tail_from = kept.len().saturating_sub(tail).max(head.min(kept.len()));
    kept.iter()
        .take(head)
        .copied()
        .chain(repeat_n(MASK, stars))
        .chain(kept.iter().skip(tail_from).copied())
        .collect()
}

/// Only the local part is masked, keeping its first character: the domain is a mail provider
/// or an organisation, not a person.
fn email(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let chars = folded.chars(caps.name("local")?);
    // A fixed number of stars hides the length of the name as well.
    let replacement = folded
        .originals(chars.clone())
        .take(1)
        .chain(repeat_n(MASK, 3))
        .collect();
    Some(Hit {
        kind: PersonalInformationKind::Email,
        chars,
        replacement,
    })
}

/// An 18-character number with a right check character, or 15, 17 or 18 digits that begin
/// with a province code and a real birth date: a typo in the check character, or a check
/// character left off, still leaves a number that names one person.
fn id_number(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let whole = caps.get(0)?;
    let chars = folded.chars(whole);
    if folded.digit_before(chars.start) || folded.digit_after(chars.end) {
        return None;
    }
    let id = whole.as_str();
    let is_id = match id.len() {
        18 => has_valid_check_character(id) || looks_like_id(id, 4),
        17 => looks_like_id(id, 4),
        _ => looks_like_id(id, 2),
    };
    if !is_id {
        return None;
    }
    // The first six digits name the issuing county and the next digits the birth date, so
    // the region code goes too and only the province stays.
    let kept: Vec<char> = folded.originals(chars.clone()).collect();
    let tail = if kept.len() == 18 { 4 } else { 3 };
    Some(Hit {
        kind: PersonalInformationKind::IdNumber,
        replacement: keep_ends(&kept, 3, kept.len() - 3 - tail, tail),
        chars,
    })
}

/// Province codes of GB/T 2260 that begin resident ID numbers.
const PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83", "91",
];

/// Whether `digits` begins with a province code and, after the six-digit region code, a birth
/// date that exists, its year written with `year_digits` digits (2 on the 15-digit IDs, whose
/// holders were all born in the 1900s).
fn looks_like_id(digits: &str, year_digits: usize) -> bool {
    let number = |range: Range<usize>| digits.get(range).and_then(|d| d.parse::<u32>().ok());
    let year = number(6..6 + year_digits).map(|y| if year_digits == 2 { 1900 + y } else { y });
    let month = number(6 + year_digits..8 + year_digits);
    let day = number(8 + year_digits..10 + year_digits);
    let province_ok = digits.get(..2).is_some_and(|p| PROVINCES.contains(&p));
    let date_ok = match (year, month, day) {
        (Some(y), Some(m), Some(d)) => {
            (1900..2100).contains(&y)
                && i32::try_from(y)
                    .ok()
                    .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, m, d))
                    .is_some()
        }
        _ => false,
    };
    province_ok && date_ok
}

/// GB 11643 check character: ISO 7064 MOD 11-2 over the first 17 digits.
fn has_valid_check_character(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    let (Some(body), Some(check)) = (bytes.get(..17), bytes.get(17)) else {
        return false;
    };
    if bytes.len() != 18 || !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK
        .get((sum % 11) as usize)
        .is_some_and(|expected| expected.eq_ignore_ascii_case(check))
}

/// The country prefix stays as written (it identifies no one); the separators go, so the
/// masked form is always `138****5678` whatever the grouping was.
fn mobile(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let whole = folded.chars(caps.get(0)?);
    if folded.digit_before(whole.start) || folded.digit_after(whole.end) {
        return None;
    }
    let chars = folded.index(caps.name("number")?.start())..whole.end;
    let digits: Vec<char> = folded
        .slots(chars.clone())
        .iter()
        .filter(|slot| slot.folded.is_ascii_digit())
        .map(|slot| slot.original)
        .collect();
    Some(Hit {
        kind: PersonalInformationKind::Phone,
        chars,
        replacement: keep_ends(&digits, 3, 4, 4),
    })
}

/// The area code names a city, not a person, and stays with its punctuation; of the local
/// number the last two digits stay, and an extension is masked whole.
fn landline(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let start = folded.index(caps.get(0)?.start());
    let local = folded.chars(caps.name("local")?);
    if folded.digit_before(start) || folded.digit_after(local.end) {
        return None;
    }
    // An "extension" running into more digits is something else; the number before it is
    // still a landline.
    let extension = caps
        .name("ext")
        .map(|m| folded.chars(m))
        .filter(|ext| !folded.digit_after(ext.end));
    let local_digits: Vec<char> = folded.originals(local.clone()).collect();
    let mut replacement: String = folded.originals(start..local.start).collect();
    replacement.push_str(&keep_ends(
        &local_digits,
        0,
        local_digits.len().saturating_sub(2),
        2,
    ));
    let end = match extension {
        Some(ext) => {
            replacement.extend(folded.originals(local.end..ext.start));
            replacement.extend(repeat_n(MASK, ext.len()));
            ext.end
        }
        None => local.end,
    };
    Some(Hit {
        kind: PersonalInformationKind::Phone,
        chars: start..end,
        replacement,
    })
}

/// Every digit from the house number on becomes a `*`, keeping the units (`号`, `栋`, `室`)
/// so that the text still reads as an address; the road or estate name stays, as it is
/// shared by everyone living there.
fn address(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let units = caps.name("units")?;
    let mut chars = folded.chars(units);
    let room = caps.name("room").map(|m| folded.chars(m));
    match room {
        Some(room)
            if BUILDING_UNITS
                .iter()
                .any(|unit| units.as_str().ends_with(unit))
                && !folded.digit_after(room.end) =>
        {
            chars.end = room.end;
        }
        _ => {
            let rest = folded.rest(chars.end);
            if units.as_str().ends_with('号')
                && NOT_A_HOUSE_AFTER_HAO
                    .iter()
                    .any(|word| rest.starts_with(word))
            {
                return None;
            }
        }
    }
    let replacement = folded
        .slots(chars.clone())
        .iter()
        .map(|slot| {
            if slot.folded.is_ascii_digit() {
                MASK
            } else {
                slot.original
            }
        })
        .collect();
    Some(Hit {
        kind: PersonalInformationKind::Address,
        chars,
        replacement,
    })
}

/// The digits among `chars`, as written.
fn digits(folded: &Folded, chars: Range<usize>) -> Vec<char> {
    folded
        .slots(chars)
        .iter()
        .filter(|slot| slot.folded.is_ascii_digit())
        .map(|slot| slot.original)
        .collect()
}

/// Whether character `i` is an ASCII letter or digit (after folding), so that a match ending
/// before it is only a piece of a longer code.
fn is_alphanumeric(folded: &Folded, i: usize) -> bool {
    folded
        .slots
        .get(i)
        .is_some_and(|slot| slot.folded.is_ascii_alphanumeric() || slot.folded == '_')
}

/// Luhn's check (ISO/IEC 7812), which every bank card number passes.
fn passes_luhn(digits: &[char]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .filter_map(|c| fold(*c).to_digit(10))
        .enumerate()
        .map(|(i, d)| match (i % 2, d * 2) {
            (1, doubled) if doubled > 9 => doubled - 9,
            (1, doubled) => doubled,
            _ => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The first and last four digits stay, as on a bank's own statements.
fn masked_number(digits: &[char]) -> String {
    keep_ends(digits, 4, digits.len().saturating_sub(8), 4)
}

/// Any run of 16 to 19 digits: bank cards have that many, and nothing a comment needs to
/// publish does. Written in groups of four, it must also pass Luhn's check, as `2021 2022
/// 2023 2024` is a list of years.
fn digit_run(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let whole = caps.get(0)?;
    let chars = folded.chars(whole);
    if folded.digit_before(chars.start) || folded.digit_after(chars.end) {
        return None;
    }
    let digits = digits(folded, chars.clone());
    let grouped = digits.len() < chars.len();
    if !(16..=19).contains(&digits.len()) || (grouped && !passes_luhn(&digits)) {
        return None;
    }
    Some(Hit {
        kind: PersonalInformationKind::BankCard,
        replacement: masked_number(&digits),
        chars,
    })
}

/// A number after 卡号 or 账号 is an account whatever its length or check digit.
fn account_number(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let chars = folded.chars(caps.name("number")?);
    if folded.digit_after(chars.end) {
        return None;
    }
    let digits = digits(folded, chars.clone());
    Some(Hit {
        kind: PersonalInformationKind::BankCard,
        replacement: masked_number(&digits),
        chars,
    })
}

/// Only the first character of an account stays, with a fixed number of stars that hides
/// its length too.
fn account(folded: &Folded, chars: Range<usize>) -> Hit {
    let replacement = folded
        .originals(chars.clone())
        .take(1)
        .chain(repeat_n(MASK, 4))
        .collect();
    Hit {
        kind: PersonalInformationKind::Account,
        chars,
        replacement,
    }
}

fn qq(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let whole = folded.chars(caps.get(0)?);
    let chars = folded.chars(caps.name("id")?);
    if is_alphanumeric(folded, chars.end) || is_latin_letter_before(folded, whole.start) {
        return None;
    }
    Some(account(folded, chars))
}

fn wechat(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let whole = folded.chars(caps.get(0)?);
    let chars = folded.chars(caps.name("id").or_else(|| caps.name("assigned"))?);
    // `wx` and `vx` inside a longer word (`tvx`, `wxid`) are no cue.
    if is_alphanumeric(folded, chars.end)
        || folded
            .slots
            .get(chars.end)
            .is_some_and(|slot| slot.folded == '-')
        || is_latin_letter_before(folded, whole.start)
    {
        return None;
    }
    Some(account(folded, chars))
}

fn is_latin_letter_before(folded: &Folded, i: usize) -> bool {
    i.checked_sub(1)
        .and_then(|before| folded.slots.get(before))
        .is_some_and(|slot| slot.folded.is_ascii_alphanumeric())
}

/// The province and office letter stay (they name a city); the rest becomes `*`.
fn licence_plate(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let whole = folded.chars(caps.get(0)?);
    let number = caps.name("number")?;
    let chars = folded.chars(number);
    if is_alphanumeric(folded, chars.end) || !number.as_str().bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut replacement: String = folded.originals(whole.start..chars.start).collect();
    replacement.extend(repeat_n(MASK, chars.len()));
    Some(Hit {
        kind: PersonalInformationKind::LicencePlate,
        chars: whole.start..chars.end,
        replacement,
    })
}

/// The first character says what kind of document it is (`E` a passport of the People's
/// Republic, `C` a permit for Hong Kong and Macao) and stays; the rest goes.
fn passport(folded: &Folded, caps: &Captures<'_>) -> Option<Hit> {
    let whole = folded.chars(caps.get(0)?);
    let bare = caps.name("bare").is_some();
    let number = caps.name("number").or_else(|| caps.name("bare"))?;
    let chars = folded.chars(number);
    // A word after the cue (`护照号码tbd`) is no number: numbers have digits.
    if is_alphanumeric(folded, chars.end)
        || (bare && is_latin_letter_before(folded, whole.start))
        || !number.as_str().bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    let replacement = folded
        .originals(chars.clone())
        .take(1)
        .chain(repeat_n(MASK, chars.len().saturating_sub(1)))
        .collect();
    Some(Hit {
        kind: PersonalInformationKind::Passport,
        chars,
        replacement,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Appends the check character, computed as ISO 7064 defines it (weights are powers of
    /// two modulo 11) rather than from the weight table the code uses.
    fn with_check_character(body: &str) -> String {
        assert_eq!(body.len(), 17);
        let sum: u32 = body
            .bytes()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * (2u32.pow(17 - i as u32) % 11))
            .sum();
        let check = (12 - sum % 11) % 11;
        let c = if check == 10 {
            'X'
        } else {
            char::from_digit(check, 10).unwrap()
        };
        format!("{body}{c}")
    }

    /// A valid ID starting with `prefix` (15 digits) whose check character is `check`.
    fn id_ending_in(prefix: &str, check: char) -> String {
        (0..100)
            .map(|n| with_check_character(&format!("{prefix}{n:02}")))
            .find(|id| id.ends_with(check))
            .unwrap()
    }

    fn masked_id(id: &str) -> String {
        let chars: Vec<char> = id.chars().collect();
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[14..].iter().collect();
        format!("{head}***********{tail}")
    }

    /// ASCII to full-width, as an input method in full-width mode types it.
    fn wide(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap(),
                ' ' => '\u{3000}',
                _ => c,
            })
            .collect()
    }

    fn case(input: impl Into<String>, expected: impl Into<String>) -> (String, String) {
        (input.into(), expected.into())
    }

    #[test]
    fn patterns_compile() {
        for pattern in [
            &MOBILE,
            &LANDLINE,
            &EMAIL,
            &ID_NUMBER,
            &ADDRESS,
            &DIGIT_RUN,
            &ACCOUNT_NUMBER,
            &QQ,
            &WECHAT,
            &LICENCE_PLATE,
            &PASSPORT,
        ] {
            assert!(pattern.is_some());
        }
    }

    #[test]
    fn check_character_follows_gb_11643() {
        // The examples printed in GB 11643-1999 and its commentaries.
        assert!(has_valid_check_character("11010519491231002X"));
        assert!(has_valid_check_character("11010519491231002x"));
        assert!(has_valid_check_character("440524188001010014"));
        assert!(!has_valid_check_character("110105194912310021"));
        assert!(!has_valid_check_character("440524188001010015"));
        assert_eq!(
            with_check_character("11010519491231002"),
            "11010519491231002X"
        );
        for body in [
            "36010219850312041",
            "00000000000000000",
            "99999999999999999",
        ] {
            assert!(has_valid_check_character(&with_check_character(body)));
        }
    }

    #[test]
    fn comments_are_masked_exactly() {
        let id = with_check_character("36010219850312041");
        let id_x = id_ending_in("360111199207150", 'X');
        let id_lower_x = id_ending_in("360121200001010", 'X').replace('X', "x");
        let id_wide = with_check_character("36072119781126003");
        let cases = [
            case(
                "建议延长公交运营时间，我的电话13812345678，欢迎联系。",
                "建议延长公交运营时间，我的电话138****5678，欢迎联系。",
            ),
            case(
                "本人住在南昌市红谷滩区丰和中大道1188号，小区门口夜间照明不足。",
                "本人住在南昌市红谷滩区丰和中大道****号，小区门口夜间照明不足。",
            ),
            case(
                "对第十二条有意见，联系邮箱zhangsan@163.com。",
                "对第十二条有意见，联系邮箱z***@163.com。",
            ),
            case(
                "手机：138-1234-5678，希望尽快答复。",
                "手机：138****5678，希望尽快答复。",
            ),
            case(
                "电话 138 1234 5678（工作日联系）",
                "电话 138****5678（工作日联系）",
            ),
            case(
                "海外联系人电话+86 139 0791 2345，微信同号。",
                "海外联系人电话+86 139****2345，微信同号。",
            ),
            case(
                "我在国外，电话0086-13812345678，邮件也可以。",
                "我在国外，电话0086-138****5678，邮件也可以。",
            ),
            case("回拨8613812345678即可", "回拨86138****5678即可"),
            case(
                "我的手机是１３８１２３４５６７８，请回电。",
                "我的手机是１３８****５６７８，请回电。",
            ),
            case(
                "我的电话是一三八一二三四五六七八，晚上打。",
                "我的电话是一三八****五六七八，晚上打。",
            ),
            case(
                "手机幺三九 零七九一 二三四五，随时联系。",
                "手机幺三九****二三四五，随时联系。",
            ),
            case("电话138一二三四5678", "电话138****5678"),
            case("座机〇七九一-八六七八一二三四", "座机〇七九一-******三四"),
            case(
                "电话：１３８－１２３４－５６７８",
                "电话：１３８****５６７８",
            ),
            case(
                "手机\u{3000}138\u{3000}1234\u{3000}5678，白天打",
                "手机\u{3000}138****5678，白天打",
            ),
            case(
                "单位电话0791-88881234，联系人：办公室。",
                "单位电话0791-******34，联系人：办公室。",
            ),
            case(
                "请致电(0791)86781234转805咨询。",
                "请致电(0791)******34转***咨询。",
            ),
            case(
                "座机（０７９１）８６７８１２３４",
                "座机（０７９１）******３４",
            ),
            case(
                "北京的同事电话010 65512345-8001。",
                "北京的同事电话010 ******45-****。",
            ),
            case(
                "地铁3号线解放路站出口拥堵，我住解放路16号，电话0791-6781234。",
                "地铁3号线解放路站出口拥堵，我住解放路**号，电话0791-*****34。",
            ),
            case(
                format!("身份证号{id}，本人系该小区业主。"),
                format!("身份证号{}，本人系该小区业主。", masked_id(&id)),
            ),
            case(
                format!("申请人身份证：{id_x}"),
                format!("申请人身份证：{}", masked_id(&id_x)),
            ),
            case(
                format!("证件号码{id_lower_x}（本人）"),
                format!("证件号码{}（本人）", masked_id(&id_lower_x)),
            ),
            case(
                format!("身份证{}", wide(&id_wide)),
                format!("身份证{}", masked_id(&wide(&id_wide))),
            ),
            case(
                format!("身份证{id}，手机18870001234。"),
                format!("身份证{}，手机188****1234。", masked_id(&id)),
            ),
            case("邮箱：ｌｉｓｉ＠ｑｑ．ｃｏｍ", "邮箱：ｌ***＠ｑｑ．ｃｏｍ"),
            case(
                "意见已发至wang.xiao-ming_2024@gov-example.cn，请查收。",
                "意见已发至w***@gov-example.cn，请查收。",
            ),
            case("QQ邮箱13812345678@qq.com", "QQ邮箱1***@qq.com"),
            case(
                "关于第5条、第12条的修改建议，回复请发送至feedback2025@126.com，谢谢。",
                "关于第5条、第12条的修改建议，回复请发送至f***@126.com，谢谢。",
            ),
            case(
                "我家在解放路123号3栋2单元501室，楼下夜市噪音严重。",
                "我家在解放路***号*栋*单元***室，楼下夜市噪音严重。",
            ),
            case(
                "幸福小区5幢302的住户反映电梯经常故障。",
                "幸福小区*幢***的住户反映电梯经常故障。",
            ),
            case(
                "地址：青山湖区北京东路88号院2号楼1单元401",
                "地址：青山湖区北京东路**号院*号楼*单元***",
            ),
            case(
                "我是XX村3组15号村民，建议修缮村道。",
                "我是XX村*组**号村民，建议修缮村道。",
            ),
            case(
                "住在三眼井巷12号的老人出行不便。",
                "住在三眼井巷**号的老人出行不便。",
            ),
            case("幸福花园5栋2-501业主", "幸福花园*栋*-***业主"),
            case(
                "我家住在幸福小区１２栋３０２室。",
                "我家住在幸福小区**栋***室。",
            ),
            case(
                "反映人住址：东湖区八一大道357号，电话0791-86781234，手机13907912345，邮箱li.si@example.com。",
                "反映人住址：东湖区八一大道***号，电话0791-******34，手机139****2345，邮箱l***@example.com。",
            ),
            case(
                "2025年10月1日起实施不合理，我的号码15979123456。",
                "2025年10月1日起实施不合理，我的号码159****3456。",
            ),
            case(
                "电话13812345678或13987654321均可",
                "电话138****5678或139****4321均可",
            ),
            case(
                "寄信地址邮编：330086 13812345678（手机）",
                "寄信地址邮编：330086 138****5678（手机）",
            ),
            case(
                "我家在解放路12号2025年才通自来水。",
                "我家在解放路**号2025年才通自来水。",
            ),
            case(
                "身份证360102198001011234（末位可能写错），请核实。",
                "身份证360***********1234（末位可能写错），请核实。",
            ),
            case(
                "身份证号36010219800101123，少写了一位。",
                "身份证号360***********123，少写了一位。",
            ),
            case(
                "老身份证360102800101123还能用吗",
                "老身份证360*********123还能用吗",
            ),
            case(
                "补贴请打到6222 0212 3456 7890 128这张卡。",
                "补贴请打到6222***********0128这张卡。",
            ),
            case("卡号6217001234567890", "卡号6217********7890"),
            case(
                "退款流水6217001234567890123已到账",
                "退款流水6217***********0123已到账",
            ),
            case(
                "社保卡号：1234 5678 9012（不是银行卡）",
                "社保卡号：1234****9012（不是银行卡）",
            ),
            case("QQ 987654321，随时在线", "QQ 9****，随时在线"),
            case("QQ号：123456789。", "QQ号：1****。"),
            case("ＱＱ９８７６５４３２１", "ＱＱ９****"),
            case(
                "微信号 wxid_nc2026abc，加我时备注小区。",
                "微信号 w****，加我时备注小区。",
            ),
            case("微信：zhang_san88", "微信：z****"),
            case("有事vx: abc12345联系", "有事vx: a****联系"),
            case("wxid_abcd1234是我的号", "w****是我的号"),
            case("赣A12345长期占用消防通道。", "赣A*****长期占用消防通道。"),
            case("新能源车京B·D12345违停", "新能源车京B·******违停"),
            case("车牌粤B 8K2M9", "车牌粤B *****"),
            case("护照号E12345678已过期", "护照号E********已过期"),
            case(
                "港澳通行证C12345678，台胞证 12345678",
                "港澳通行证C********，台胞证 1*******",
            ),
            case("我的护照是EA1234567。", "我的护照是E********。"),
            case("外籍员工护照号码：HFZTL5FGW", "外籍员工护照号码：H********"),
            case(
                "驾校教练车赣A8548学在小区练车",
                "驾校教练车赣A*****在小区练车",
            ),
            case("Q号224542386", "Q号2****"),
            case(
                "电话13812345678一直打不通，卡号6226095694053383957一直待验证",
                "电话138****5678一直打不通，卡号6226***********3957一直待验证",
            ),
            case(
                "署名：褚卫、朱文斌、简文军等23户业主",
                "署名：褚*、朱**、简**等23户业主",
            ),
            case("我叫王小明，住在幸福小区。", "我叫王**，住在幸福小区。"),
            case("联系人李建国", "联系人李**"),
            case(
                "我是张秀英，退休教师，反映楼道照明问题。",
                "我是张**，退休教师，反映楼道照明问题。",
            ),
            case("联系人：欧阳娜娜（业主）", "联系人：欧阳**（业主）"),
            case("本人王强认为第五条不合理。", "本人王*认为第五条不合理。"),
            case("姓名：孙丽，电话略。", "姓名：孙*，电话略。"),
            case("以上意见。——市民王小明", "以上意见。——市民王**"),
            case("我叫张三", "我叫张*"),
            case("联系人李建国电话13812345678", "联系人李**电话138****5678"),
        ];
        assert!(cases.len() >= 25);
        for (input, expected) in &cases {
            let masked = mask_personal_information(input);
            assert_eq!(&masked, expected, "masking {input}");
            assert_eq!(
                mask_personal_information(&masked),
                masked,
                "masking twice {input}"
            );
            assert!(!find_personal_information(input).is_empty(), "{input}");
        }
    }

    #[test]
    fn what_is_no_personal_information_stays_unchanged() {
        let texts = [
            "《办法》自2025年10月1日起施行。".to_owned(),
            "2026年3月起，补贴提高到每人每月100元。".to_owned(),
            "应当在收到申请之日起30日内答复。".to_owned(),
            "建议将第五条第二款删除。".to_owned(),
            "第12条与第十二条的表述不一致。".to_owned(),
            "依据第3号令和国发〔2019〕5号文。".to_owned(),
            "赣府发〔2024〕12号文件已废止，5号文件仍有效。".to_owned(),
            "地铁3号线和3号线地铁站之间换乘太远。".to_owned(),
            "解放路交通拥堵，丰和中大道晚高峰也拥堵。".to_owned(),
            "农村5号文件规定的补助标准偏低。".to_owned(),
            "平安里1号线换乘通道太窄。".to_owned(),
            "订单号20251013812345678901已经退款。".to_owned(),
            "订单号202510131234567890123已核对，共计20位以上的编号不是卡号。".to_owned(),
            "2021 2022 2023 2024这四年的数据不一致。".to_owned(),
            "统一服务热线12345、12315和95598都打不通。".to_owned(),
            "QQ群和微信公众号都要同步发布，wx公众平台也可以。".to_owned(),
            "我是本小区居民，我是一名退休教师，我是高三学生家长。".to_owned(),
            "我是张家村村民，本人认为第五条应当修改，联系人制度要落实。".to_owned(),
            "我是周边居民，我是安置户，姓名栏和签名确认不要重复填。".to_owned(),
            "本人于上周反映过，市民来电反映王先生和李女士的问题。".to_owned(),
            "新能源车牌要区分，粤B牌照限行，京A开头的车辆。".to_owned(),
            "第5条第二款的护照办理和通行证办理流程太慢。".to_owned(),
            "建议投资50万元，占比30%，约15公里，2.5米宽。".to_owned(),
            "1998年的15位老身份证早已换发，100000000000000户是夸张。".to_owned(),
            "项目总投资13.8亿元，其中财政资金1380000元。".to_owned(),
            "咨询电话86781234，区号0791。".to_owned(),
            "工作时间09:00-18:00，请拨打12345热线。".to_owned(),
            "公示期为2025-10-01至2025-10-31。".to_owned(),
            "详见https://www.jiangxi.gov.cn/art/2025/10/1/art_5862_123456.html".to_owned(),
            "原文见http://www.gov.cn/zhengce/content/2019-05/12/c_1234.htm?id=0791".to_owned(),
            "每公里2元，全程约15公里，这里有100多户居民。".to_owned(),
            "第3组讨论了1号楼的加装电梯方案。".to_owned(),
            "@所有人 请于10月30日前反馈。".to_owned(),
            "本办法自二〇二五年十月一日起施行，两个月内答复。".to_owned(),
            "第一百二十三条和第五条第二款应当合并。".to_owned(),
            "请一五一十地公开，不要三五成群地聚集。".to_owned(),
            "一二三四五六七八九十，这是顺序。".to_owned(),
        ];
        for text in &texts {
            assert_eq!(&mask_personal_information(text), text);
            assert!(find_personal_information(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn findings_have_kinds_and_byte_ranges_in_text_order() {
        let id = with_check_character("36010219850312041");
        let text = format!(
            "住解放路12号，电话＋８６ １３８１２３４５６７８，邮箱ab@c.cn，身份证{id}，座机0791-86781234"
        );
        let found: Vec<(PersonalInformationKind, &str)> = find_personal_information(&text)
            .into_iter()
            .map(|pi| (pi.kind, &text[pi.range]))
            .collect();
        assert_eq!(
            found,
            [
                (PersonalInformationKind::Address, "12号"),
                (PersonalInformationKind::Phone, "１３８１２３４５６７８"),
                (PersonalInformationKind::Email, "ab"),
                (PersonalInformationKind::IdNumber, id.as_str()),
                (PersonalInformationKind::Phone, "0791-86781234"),
            ]
        );
        assert_eq!(PersonalInformationKind::IdNumber.code(), "ID_NUMBER");
        assert_eq!(PersonalInformationKind::Address.label(), "住址");
    }

    #[test]
    fn overlapping_findings_keep_the_longer_one() {
        // A phone number as a whole address number: all of it is masked.
        assert_eq!(
            mask_personal_information("解放路13812345678号"),
            "解放路***********号"
        );
        // The last group of a spaced mobile number is also an e-mail local part: both go.
        assert_eq!(
            mask_personal_information("138 1234 5678@qq.com"),
            "138****5***@qq.com"
        );
        // A number in a domain is still a number.
        assert_eq!(
            mask_personal_information("a@13812345678.cn"),
            "a***@138****5678.cn"
        );
    }

    #[test]
    fn numbers_inside_longer_digit_runs_are_left_alone() {
        let id = with_check_character("36010219850312041");
        for text in [
            "2013812345678",
            "1381234567890",
            "990791-88881234",
            "0791-888812345",
        ] {
            assert_eq!(mask_personal_information(text), text);
        }
        // A valid ID inside a run longer than a bank card is neither.
        let longer = format!("12{id}");
        assert_eq!(mask_personal_information(&longer), longer);
        // An extension that runs into more digits is dropped, the landline is still masked.
        assert_eq!(
            mask_personal_information("0791-88881234-1234567"),
            "0791-******34-1234567"
        );
    }

    /// Masking is total and idempotent, and leaves nothing that detection would report.
    fn check_masking(text: &str) -> Result<(), TestCaseError> {
        let masked = mask_personal_information(text);
        prop_assert_eq!(mask_personal_information(&masked), masked.clone());
        let left: Vec<_> = find_personal_information(&masked)
            .into_iter()
            .map(|pi| pi.kind)
            .collect();
        prop_assert_eq!(left, Vec::<PersonalInformationKind>::new());
        Ok(())
    }

    proptest! {
        #[test]
        fn masking_any_text_is_idempotent_and_complete(text in any::<String>()) {
            check_masking(&text)?;
        }

        #[test]
        fn masking_number_heavy_text_is_idempotent_and_complete(
            text in "[0-9０-９Xx@._+ \u{3000}()（）\\-－转号栋幢单元室路村组小区ab*]{0,60}",
        ) {
            check_masking(&text)?;
        }

        #[test]
        fn a_valid_number_never_survives(
            prefix in "[^0-9０-９]{0,8}",
            suffix in "[^0-9０-９]{0,8}",
            mobile in "1[3-9][0-9]{9}",
            separator in prop::sample::select(vec!["", " ", "-"]),
            body in "[0-9]{17}",
            full_width in any::<bool>(),
        ) {
            let spaced = format!("{}{separator}{}{separator}{}", &mobile[..3], &mobile[3..7], &mobile[7..]);
            let id = with_check_character(&body);
            for number in [mobile, spaced, id] {
                let number = if full_width { wide(&number) } else { number };
                let masked = mask_personal_information(&format!("{prefix}{number}{suffix}"));
                prop_assert!(!masked.contains(&number), "{} survives in {}", number, masked);
            }
        }
    }
}
