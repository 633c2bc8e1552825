//! The comment window: at least 30 calendar days counted in Asia/Shanghai (Decree 713 art. 15),
//! the opening day not counted, the last day rolled past statutory days off.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

use crate::calendar::{Calendar, CalendarError};

/// Calendar days a window normally lasts.
pub const MINIMUM_DAYS: u64 = 30;

/// The local (Asia/Shanghai) calendar date of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Shanghai).date_naive()
}

/// The instant at which local date `d` ends (24:00 Asia/Shanghai), in UTC.
pub fn end_of_local_day(d: NaiveDate) -> DateTime<Utc> {
    let next = d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
    // Asia/Shanghai has had no DST since 1991, so local midnight is never ambiguous.
    Shanghai
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A date as official documents write it (GB/T 9704): `2027年1月4日`, without leading zeros.
pub fn official_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A time in a list where the year goes without saying: `3月2日 10:30`, with the year only
/// when it is not `year` (`2027年1月4日 09:00`).
pub fn show_short(t: DateTime<Utc>, year: i32) -> String {
    let local = t.with_timezone(&Shanghai);
    let d = local.date_naive();
    let day = if d.year() == year {
        format!("{}月{}日", d.month(), d.day())
    } else {
        official_date(d)
    };
    format!("{day} {}", local.format("%H:%M"))
}

/// A time for public pages, in official date style and Beijing time: `2026年4月1日 10:30`;
/// midnight is the end of the day before, as deadlines are meant (`2026年4月1日 24:00`).
pub fn show_official(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Shanghai);
    if local.time() == chrono::NaiveTime::MIN {
        let prev = local.date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
        format!("{} 24:00", official_date(prev))
    } else {
        format!(
            "{} {}",
            official_date(local.date_naive()),
            local.format("%H:%M")
        )
    }
}

/// The title of a draft once the decision is made: without the `（征求意见稿）` it carried
/// while comments were collected (`条例（草案征求意见稿）` becomes `条例（草案）`).
pub fn decided_title(title: &str) -> String {
    let trimmed = title.trim_end();
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(inner) = trimmed.strip_suffix(close)
            && let Some(at) = inner.rfind(open)
        {
            let words = &inner[at + open.len_utf8()..];
            if let Some(rest) = words.strip_suffix("征求意见稿") {
                let rest = rest.trim_end_matches(['、', '·', ' ']);
                let head = inner[..at].trim_end();
                return if rest.is_empty() {
                    head.to_owned()
                } else {
                    format!("{head}{open}{rest}{close}")
                };
            }
        }
    }
    trimmed.to_owned()
}

/// Formats an instant as local time for messages, e.g. `2026-04-01 24:00`.
pub fn show_local(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Shanghai);
    if local.time() == chrono::NaiveTime::MIN {
        let prev = local.date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
        format!("{} 24:00 (北京时间)", prev.format("%Y-%m-%d"))
    } else {
        format!("{} (北京时间)", local.format("%Y-%m-%d %H:%M"))
    }
}

/// The earliest lawful close of a window that opens at `opens_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarliestClose {
    /// The end of the last day of the minimum window, in UTC.
    pub closes_at: DateTime<Utc>,
    /// The last local day of the minimum window, after any roll past days off.
    pub last_day: NaiveDate,
    /// Set when the last day's year has no loaded notice, so no roll was checked.
    pub unknown_year: Option<i32>,
}

/// Computes the earliest close: end of local day D+30, rolled forward to a working day.
pub fn earliest_close(opens_at: DateTime<Utc>, calendar: &Calendar) -> EarliestClose {
    let day_30 = local_date(opens_at)
        .checked_add_days(Days::new(MINIMUM_DAYS))
        .unwrap_or(NaiveDate::MAX);
    let (last_day, unknown_year) = match calendar.roll_to_working_day(day_30) {
        Ok(d) => (d, None),
        // Spec 3.7: with no notice for the year, accept the unrolled day and warn.
        Err(CalendarError::UnknownYear { year }) => (day_30, Some(year)),
        Err(CalendarError::Invalid { .. }) => (day_30, None),
    };
    EarliestClose {
        closes_at: end_of_local_day(last_day),
        last_day,
        unknown_year,
    }
}

/// The instant of Beijing local time `YYYY-MM-DD HH:MM`, for tests.
#[cfg(test)]
pub(crate) fn local(s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
    Shanghai
        .from_local_datetime(&naive)
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_example_march_2026() {
        let e = earliest_close(local("2026-03-02 10:00"), &Calendar::built_in());
        assert_eq!(e.closes_at.to_rfc3339(), "2026-04-01T16:00:00+00:00");
        assert_eq!(e.unknown_year, None);
    }

    #[test]
    fn spec_example_national_day_rolls_to_october_9() {
        let e = earliest_close(local("2025-09-01 09:00"), &Calendar::built_in());
        assert_eq!(e.last_day, "2025-10-09".parse::<NaiveDate>().unwrap());
        assert_eq!(e.closes_at, end_of_local_day(e.last_day));
    }

    #[test]
    fn a_late_evening_utc_instant_counts_by_the_local_date() {
        // 2026-03-01T17:00Z is 2026-03-02 01:00 in Shanghai.
        let opens = "2026-03-01T17:00:00Z".parse().unwrap();
        let e = earliest_close(opens, &Calendar::built_in());
        assert_eq!(e.last_day, "2026-04-01".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn weekend_last_day_rolls_to_monday() {
        // Opens Thu 2026-05-07 → day 30 is Sat 2026-06-06 → Monday 2026-06-08.
        let e = earliest_close(local("2026-05-07 09:00"), &Calendar::built_in());
        assert_eq!(e.last_day, "2026-06-08".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn unknown_year_accepts_day_30_with_a_warning() {
        let e = earliest_close(local("2026-12-15 09:00"), &Calendar::built_in());
        assert_eq!(e.last_day, "2027-01-14".parse::<NaiveDate>().unwrap());
        assert_eq!(e.unknown_year, Some(2027));
    }

    #[test]
    fn official_style_drops_leading_zeros_and_the_draft_mark() {
        assert_eq!(
            official_date(NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()),
            "2027年1月4日"
        );
        assert_eq!(
            show_official("2026-04-01T16:00:00Z".parse().unwrap()),
            "2026年4月1日 24:00"
        );
        assert_eq!(
            show_official("2026-04-01T02:05:00Z".parse().unwrap()),
            "2026年4月1日 10:05"
        );
        for (draft, decided) in [
            (
                "关于优化公交线路的方案（征求意见稿）",
                "关于优化公交线路的方案",
            ),
            (
                "南昌市养犬管理条例（草案征求意见稿）",
                "南昌市养犬管理条例（草案）",
            ),
            (
                "老旧小区改造三年行动计划（2025—2027年）（征求意见稿）",
                "老旧小区改造三年行动计划（2025—2027年）",
            ),
            ("实施办法(征求意见稿)", "实施办法"),
            (
                "关于《征求意见稿》格式的说明",
                "关于《征求意见稿》格式的说明",
            ),
            ("没有标记的标题", "没有标记的标题"),
        ] {
            assert_eq!(decided_title(draft), decided);
        }
    }

    #[test]
    fn show_local_prints_midnight_as_24_00_of_the_day_before() {
        assert_eq!(
            show_local("2026-04-01T16:00:00Z".parse().unwrap()),
            "2026-04-01 24:00 (北京时间)"
        );
        assert_eq!(
            show_local("2026-04-01T02:30:00Z".parse().unwrap()),
            "2026-04-01 10:30 (北京时间)"
        );
    }

    proptest! {
        #[test]
        fn earliest_close_is_at_least_30_full_local_days_and_ends_on_a_working_day(
            secs in 1_546_300_800i64..1_795_000_000i64
        ) {
            let cal = Calendar::built_in();
            let opens = DateTime::from_timestamp(secs, 0).unwrap();
            let e = earliest_close(opens, &cal);
            let day_30 = local_date(opens) + Days::new(30);
            prop_assert!(e.last_day >= day_30);
            prop_assert!(e.closes_at > opens + chrono::Duration::days(30));
            // Ends exactly at a local midnight.
            prop_assert_eq!(local_date(e.closes_at), e.last_day + Days::new(1));
            prop_assert_eq!(e.closes_at.with_timezone(&Shanghai).format("%H:%M:%S").to_string(), "00:00:00");
            if e.unknown_year.is_none() {
                prop_assert!(cal.is_working_day(e.last_day).unwrap());
                // Every day between day 30 and the last day is a day off.
                let mut d = day_30;
                while d < e.last_day {
                    prop_assert!(!cal.is_working_day(d).unwrap());
                    d = d + Days::new(1);
                }
            }
        }
    }
}
