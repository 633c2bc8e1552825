//! The State Council working-day calendar: holidays, make-up working days and weekends.
//! Built in for 2019-2026; later years are loaded from notice files, never guessed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// Why the calendar could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No State Council notice is loaded for this year.
    #[error("{year}年的国务院节假日安排尚未载入 (calendar unknown for year {year})")]
    UnknownYear {
        /// The year without a notice.
        year: i32,
    },
    /// A notice file is readable but wrong: where, and what.
    #[error("节假日文件第{line}行 {field}：{reason} (holiday file line {line}, {field})")]
    Invalid {
        /// The line of the file, from 1.
        line: usize,
        /// The field, e.g. `days[3].date`.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

/// One year's State Council notice, checked: every listed date in or next to its year, none
/// twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The year.
    pub year: i32,
    /// The dates that differ from the weekday rule (holidays, make-up working days).
    pub days: Vec<(NaiveDate, DayKind)>,
}

/// The line (from 1) of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The field a serde error message names (`missing field `isOffDay``), if any.
fn field_in(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_else(|| "notice".to_owned())
}

impl Notice {
    /// Reads a notice in the holiday-cn JSON format, naming the line and field of the first
    /// thing wrong.
    pub fn parse(json: &str) -> Result<Self, CalendarError> {
        let file: NoticeFile = serde_json::from_str(json).map_err(|e| CalendarError::Invalid {
            line: e.line().max(1),
            field: field_in(&e.to_string()),
            reason: e.to_string(),
        })?;
        let located = |needle: &str| json.find(needle).map(|at| line_of(json, at)).unwrap_or(1);
        if !(2000..=2100).contains(&file.year) {
            return Err(CalendarError::Invalid {
                line: located("\"year\""),
                field: "year".into(),
                reason: format!("年份{}不在2000至2100之间 (year out of range)", file.year),
            });
        }
        let mut seen = BTreeSet::new();
        let mut days = Vec::with_capacity(file.days.len());
        for (i, d) in file.days.iter().enumerate() {
            let text = d.date.format("%Y-%m-%d").to_string();
            // A notice may list make-up working days of the previous December or the next
            // January (2019's lists 2018-12-29), never further.
            if (d.date.year() - file.year).abs() > 1 {
                return Err(CalendarError::Invalid {
                    line: located(&text),
                    field: format!("days[{i}].date"),
                    reason: format!(
                        "日期{text}不在{}年前后 (a date far from the notice's year)",
                        file.year
                    ),
                });
            }
            if !seen.insert(d.date) {
                return Err(CalendarError::Invalid {
                    line: located(&text),
                    field: format!("days[{i}].date"),
                    reason: format!("日期{text}重复 (a date listed twice)"),
                });
            }
            days.push((
                d.date,
                if d.is_off_day {
                    DayKind::Off
                } else {
                    DayKind::Working
                },
            ));
        }
        Ok(Self {
            year: file.year,
            days,
        })
    }
}

/// What the calendar says of one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// An ordinary working day, or a make-up working day (调休上班).
    Working,
    /// A weekend day or a public holiday.
    Off,
}

#[derive(Deserialize)]
struct NoticeFile {
    year: i32,
    days: Vec<NoticeDay>,
}

#[derive(Deserialize)]
struct NoticeDay {
    date: NaiveDate,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

const BUILT_IN: [&str; 8] = [
    include_str!("../data/holiday-cn/2019.json"),
    include_str!("../data/holiday-cn/2020.json"),
    include_str!("../data/holiday-cn/2021.json"),
    include_str!("../data/holiday-cn/2022.json"),
    include_str!("../data/holiday-cn/2023.json"),
    include_str!("../data/holiday-cn/2024.json"),
    include_str!("../data/holiday-cn/2025.json"),
    include_str!("../data/holiday-cn/2026.json"),
];

/// Working days and days off by the State Council's annual notices.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    /// Each year's notice.
    notices: BTreeMap<i32, Notice>,
    /// Every notice's listed days, later years over earlier ones.
    exceptions: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// A calendar with no year known.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The calendar with the built-in notices for 2019-2026.
    pub fn built_in() -> Self {
        let mut c = Self::empty();
        for text in BUILT_IN {
            // The built-in files are checked by the tests below; a failure here is a build defect.
            c.load_notice(text)
                .unwrap_or_else(|e| panic!("built-in holiday data: {e}"));
        }
        c
    }

    /// Adds one year's notice in the holiday-cn JSON format and returns its year.
    pub fn load_notice(&mut self, json: &str) -> Result<i32, CalendarError> {
        let notice = Notice::parse(json)?;
        self.add(&notice);
        Ok(notice.year)
    }

    /// Adds (or replaces) one year's notice.
    pub fn add(&mut self, notice: &Notice) {
        self.notices.insert(notice.year, notice.clone());
        self.exceptions = self
            .notices
            .values()
            .flat_map(|n| n.days.iter().copied())
            .collect();
    }

    /// The date `n` working days after `start` as far as it is known: in a year whose notice
    /// is not loaded, weekends only are days off. `None` when every year on the way is known
    /// (then [`Calendar::add_working_days`] answers).
    pub fn provisional_working_days(&self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut date = start;
        let mut left = n;
        let mut guessed = false;
        while left > 0 {
            date = next_day(date);
            let working = match self.is_working_day(date) {
                Ok(w) => w,
                Err(_) => {
                    guessed = true;
                    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
                }
            };
            if working {
                left -= 1;
            }
        }
        guessed.then_some(date)
    }

    /// The years whose notice is loaded.
    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.notices.keys().copied()
    }

    /// How many dates the notice of `year` lists (0 when it is not known).
    pub fn listed_days(&self, year: i32) -> i32 {
        self.notices
            .get(&year)
            .map_or(0, |n| i32::try_from(n.days.len()).unwrap_or(i32::MAX))
    }

    /// Whether `date` is a working day or a day off.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        if !self.notices.contains_key(&date.year()) {
            return Err(CalendarError::UnknownYear { year: date.year() });
        }
        Ok(self
            .exceptions
            .get(&date)
            .copied()
            .unwrap_or(match date.weekday() {
                Weekday::Sat | Weekday::Sun => DayKind::Off,
                _ => DayKind::Working,
            }))
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(date)? == DayKind::Working)
    }

    /// The first working day on or after `date` (Civil Code art. 203).
    pub fn roll_to_working_day(&self, mut date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        while !self.is_working_day(date)? {
            date = next_day(date);
        }
        Ok(date)
    }

    /// The date `n` working days after `start`, counting from the next day.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = next_day(date);
            if self.is_working_day(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn every_day_of_2019_to_2026_matches_the_notices() {
        let cal = Calendar::built_in();
        // Read the reference independently of `load_notice`: listed dates override weekdays.
        let mut listed = BTreeMap::new();
        for text in BUILT_IN {
            let v: serde_json::Value = serde_json::from_str(text).expect("json");
            for day in v["days"].as_array().expect("days") {
                let date = d(day["date"].as_str().expect("date"));
                listed.insert(date, day["isOffDay"].as_bool().expect("flag"));
            }
        }
        let mut date = d("2019-01-01");
        let mut checked = 0;
        while date <= d("2026-12-31") {
            let expected_off = listed
                .get(&date)
                .copied()
                .unwrap_or(matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
            let got = cal.is_working_day(date).expect("known year");
            assert_eq!(got, !expected_off, "{date}");
            checked += 1;
            date = next_day(date);
        }
        assert_eq!(checked, 2922);
    }

    #[test]
    fn known_holidays_and_make_up_days() {
        let cal = Calendar::built_in();
        assert!(!cal.is_working_day(d("2025-10-01")).unwrap());
        assert!(!cal.is_working_day(d("2025-10-08")).unwrap());
        // 2025-09-28 is a Sunday worked in exchange for the National Day holiday.
        assert!(cal.is_working_day(d("2025-09-28")).unwrap());
        assert!(cal.is_working_day(d("2025-10-09")).unwrap());
        // The 2020 Spring Festival was extended to 2020-02-02.
        assert!(!cal.is_working_day(d("2020-01-31")).unwrap());
        assert!(!cal.is_working_day(d("2020-02-02")).unwrap());
        assert!(cal.is_working_day(d("2020-02-03")).unwrap());
    }

    #[test]
    fn unknown_years_are_an_error_not_a_guess() {
        let cal = Calendar::built_in();
        assert_eq!(
            cal.is_working_day(d("2027-03-03")),
            Err(CalendarError::UnknownYear { year: 2027 })
        );
        assert_eq!(
            cal.is_working_day(d("2018-12-31")),
            Err(CalendarError::UnknownYear { year: 2018 })
        );
        assert_eq!(
            cal.add_working_days(d("2026-12-20"), 20),
            Err(CalendarError::UnknownYear { year: 2027 })
        );
    }

    #[test]
    fn later_years_load_from_a_notice_file() {
        let mut cal = Calendar::built_in();
        let year = cal
            .load_notice(r#"{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#)
            .expect("valid notice");
        assert_eq!(year, 2027);
        assert!(!cal.is_working_day(d("2027-01-01")).unwrap());
        assert!(cal.is_working_day(d("2027-01-04")).unwrap());
        assert!(matches!(
            cal.load_notice("{\"year\":2028}"),
            Err(CalendarError::Invalid { line: 1, ref field, .. }) if field == "days"
        ));
    }

    #[test]
    fn a_malformed_notice_is_refused_with_its_line_and_field() {
        let missing = "{\n  \"year\": 2027,\n  \"days\": [\n    {\"date\": \"2027-01-01\"}\n  ]\n}";
        let e = Notice::parse(missing).unwrap_err();
        assert!(
            matches!(&e, CalendarError::Invalid { line: 4, field, .. } if field == "isOffDay"),
            "{e}"
        );
        assert!(e.to_string().contains("第4行"), "{e}");
        let bad_date =
            "{\"year\": 2027,\n\"days\": [\n{\"date\": \"2027-02-30\", \"isOffDay\": true}]}";
        assert!(matches!(
            Notice::parse(bad_date).unwrap_err(),
            CalendarError::Invalid { line: 3, .. }
        ));
        let other_year = "{\"year\": 2027,\n\"days\": [\n{\"date\": \"2026-12-26\", \"isOffDay\": false},\n{\"date\": \"2029-01-01\", \"isOffDay\": true}]}";
        assert_eq!(
            Notice::parse(other_year).unwrap_err(),
            CalendarError::Invalid {
                line: 4,
                field: "days[1].date".into(),
                reason: "日期2029-01-01不在2027年前后 (a date far from the notice's year)".into(),
            }
        );
        let twice = "{\"year\": 2027, \"days\": [{\"date\": \"2027-01-01\", \"isOffDay\": true}, {\"date\": \"2027-01-01\", \"isOffDay\": false}]}";
        assert!(matches!(
            Notice::parse(twice).unwrap_err(),
            CalendarError::Invalid { ref field, .. } if field == "days[1].date"
        ));
    }

    #[test]
    fn an_unknown_year_gives_a_provisional_date_counting_weekends_only() {
        let mut cal = Calendar::built_in();
        // Decided Friday 2026-12-18: 20 working days reach into 2027, whose notice is missing.
        let provisional = cal
            .provisional_working_days(d("2026-12-18"), 20)
            .expect("provisional");
        // 2026: 21-25, 28-31 Dec (9 days); 2027 by weekdays: 1, 4-8, 11-15 Jan (11).
        assert_eq!(provisional, d("2027-01-15"));
        assert_eq!(cal.provisional_working_days(d("2026-03-02"), 20), None);
        cal.load_notice(r#"{"year":2027,"days":[{"date":"2027-01-01","isOffDay":true}]}"#)
            .unwrap();
        assert_eq!(cal.provisional_working_days(d("2026-12-18"), 20), None);
        // New Year's Day off: one working day later.
        assert_eq!(
            cal.add_working_days(d("2026-12-18"), 20),
            Ok(d("2027-01-18"))
        );
    }

    #[test]
    fn working_days_count_from_the_next_day() {
        let cal = Calendar::built_in();
        // Friday 2026-03-06 + 1 working day = Monday 2026-03-09.
        assert_eq!(
            cal.add_working_days(d("2026-03-06"), 1),
            Ok(d("2026-03-09"))
        );
        assert_eq!(
            cal.add_working_days(d("2026-03-06"), 0),
            Ok(d("2026-03-06"))
        );
        // Decision on 2025-09-26 (Fri): 20 working days skip the National Day week and count
        // the make-up Sunday 2025-09-28 and Saturday 2025-10-11.
        assert_eq!(
            cal.add_working_days(d("2025-09-26"), 20),
            Ok(d("2025-10-30"))
        );
        assert_eq!(
            cal.roll_to_working_day(d("2025-10-01")),
            Ok(d("2025-10-09"))
        );
    }
}
