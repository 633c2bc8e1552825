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
    /// A notice file could not be read.
    #[error("节假日文件格式错误 (malformed holiday file): {0}")]
    Malformed(String),
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
    years: BTreeSet<i32>,
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
        let notice: NoticeFile =
            serde_json::from_str(json).map_err(|e| CalendarError::Malformed(e.to_string()))?;
        for d in notice.days {
            let kind = if d.is_off_day {
                DayKind::Off
            } else {
                DayKind::Working
            };
            self.exceptions.insert(d.date, kind);
        }
        self.years.insert(notice.year);
        Ok(notice.year)
    }

    /// The years whose notice is loaded.
    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether `date` is a working day or a day off.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        if !self.years.contains(&date.year()) {
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
            Err(CalendarError::Malformed(_))
        ));
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
