//! The yearly account of public participation (政务公开年度报告 figures), per department and for
//! the whole government: consultations published, comments received and how they were
//! answered, feedback reports published on time or late, hearings held, and decision meetings
//! attended by the public — a department with none in the year is flagged, since each unit
//! invites representatives to its decision meetings at least once a year.
//!
//! A consultation counts in the year it was published (local date); a meeting or hearing in
//! the year it was held.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::answering::Outcome;
use crate::window::local_date;

/// Decision meetings with public attendance a unit holds at least, each year.
pub const ATTENDED_MEETINGS_PER_YEAR: u64 = 1;

/// What the account needs of one consultation published in the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationFigures {
    /// Its department.
    pub department: String,
    /// Comments received.
    pub received: u64,
    /// Published comments, by the outcome of their answer.
    pub by_outcome: BTreeMap<Outcome, u64>,
    /// When its feedback report is due, once decided.
    pub feedback_due_on: Option<NaiveDate>,
    /// When the report was first published.
    pub feedback_published_at: Option<DateTime<Utc>>,
}

/// Where a consultation's feedback report stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackTiming {
    /// Not decided yet, or due later and not published.
    Pending,
    /// Published by its due date.
    OnTime,
    /// Published after its due date.
    Late,
    /// Past its due date, not published.
    Overdue,
}

impl ConsultationFigures {
    /// How its report stands on `today`.
    pub fn timing(&self, today: NaiveDate) -> FeedbackTiming {
        match (
            self.feedback_due_on,
            self.feedback_published_at.map(local_date),
        ) {
            (Some(due), Some(published)) if published <= due => FeedbackTiming::OnTime,
            (Some(_), Some(_)) => FeedbackTiming::Late,
            (Some(due), None) if today > due => FeedbackTiming::Overdue,
            // Published without a due date cannot happen (a report follows the decision).
            _ => FeedbackTiming::Pending,
        }
    }
}

/// One unit's year (or the government's, summed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearFigures {
    /// The department's code; empty for the whole government.
    pub department: String,
    /// Consultations published.
    pub consultations: u64,
    /// Comments received.
    pub comments_received: u64,
    /// Published comments by outcome.
    pub by_outcome: BTreeMap<Outcome, u64>,
    /// Feedback reports published by their due date.
    pub reports_on_time: u64,
    /// Published after it.
    pub reports_late: u64,
    /// Past it and not published.
    pub reports_overdue: u64,
    /// Hearings held (their notice published, their time passed).
    pub hearings_held: u64,
    /// Decision meetings attended by representatives of the public.
    pub attended_meetings: u64,
}

impl YearFigures {
    /// Answered comments (published, with an outcome).
    pub fn answered(&self) -> u64 {
        self.by_outcome.values().sum()
    }

    /// Share of answered comments adopted wholly or in part, in per mille (None: none answered).
    pub fn adoption_per_mille(&self) -> Option<u64> {
        let answered = self.answered();
        (answered > 0).then(|| {
            let adopted: u64 = self
                .by_outcome
                .iter()
                .filter(|(o, _)| o.adopts())
                .map(|(_, n)| n)
                .sum();
            adopted * 1000 / answered
        })
    }

    /// Whether the unit held fewer decision meetings with public attendance than required.
    pub fn below_attendance(&self) -> bool {
        self.attended_meetings < ATTENDED_MEETINGS_PER_YEAR
    }

    fn add(&mut self, other: &YearFigures) {
        self.consultations += other.consultations;
        self.comments_received += other.comments_received;
        for (o, n) in &other.by_outcome {
            *self.by_outcome.entry(*o).or_default() += n;
        }
        self.reports_on_time += other.reports_on_time;
        self.reports_late += other.reports_late;
        self.reports_overdue += other.reports_overdue;
        self.hearings_held += other.hearings_held;
        self.attended_meetings += other.attended_meetings;
    }
}

/// The account of a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearlyAccount {
    /// The year.
    pub year: i32,
    /// Each department, by code: every department given, with or without activity.
    pub departments: Vec<YearFigures>,
    /// The whole government.
    pub total: YearFigures,
}

/// Counts a year: `departments` are the units accounted for (each appears, even with nothing
/// to count, so that a unit without an attended meeting is flagged); `hearings_held` and
/// `attended_meetings` are the departments of each hearing held and each decision meeting with
/// public attendance in the year; `today` decides which reports are overdue.
pub fn account_year(
    year: i32,
    departments: &[String],
    consultations: &[ConsultationFigures],
    hearings_held: &[String],
    attended_meetings: &[String],
    today: NaiveDate,
) -> YearlyAccount {
    let mut by_department: BTreeMap<String, YearFigures> = BTreeMap::new();
    fn entry<'m>(map: &'m mut BTreeMap<String, YearFigures>, d: &str) -> &'m mut YearFigures {
        map.entry(d.to_owned()).or_insert_with(|| YearFigures {
            department: d.to_owned(),
            ..Default::default()
        })
    }
    for d in departments {
        entry(&mut by_department, d);
    }
    for c in consultations {
        let f = entry(&mut by_department, &c.department);
        f.consultations += 1;
        f.comments_received += c.received;
        for (o, n) in &c.by_outcome {
            *f.by_outcome.entry(*o).or_default() += n;
        }
        match c.timing(today) {
            FeedbackTiming::OnTime => f.reports_on_time += 1,
            FeedbackTiming::Late => f.reports_late += 1,
            FeedbackTiming::Overdue => f.reports_overdue += 1,
            FeedbackTiming::Pending => {}
        }
    }
    for d in hearings_held {
        entry(&mut by_department, d).hearings_held += 1;
    }
    for d in attended_meetings {
        entry(&mut by_department, d).attended_meetings += 1;
    }
    let departments: Vec<YearFigures> = by_department.into_values().collect();
    let mut total = YearFigures::default();
    for f in &departments {
        total.add(f);
    }
    YearlyAccount {
        year,
        departments,
        total,
    }
}

/// The UTC bounds of local (Asia/Shanghai) year `year`: [start, end).
pub fn year_bounds(year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    // The end of the day before 1 January is its start.
    let eve = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1)?.pred_opt();
    Some((
        crate::window::end_of_local_day(eve(year)?),
        crate::window::end_of_local_day(eve(year + 1)?),
    ))
}

/// Whether `t` falls in local year `year`.
pub fn in_year(t: DateTime<Utc>, year: i32) -> bool {
    local_date(t).year() == year
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::local;

    fn published(
        department: &str,
        received: u64,
        adopted: u64,
        not_adopted: u64,
        due: Option<&str>,
        published_at: Option<&str>,
    ) -> ConsultationFigures {
        ConsultationFigures {
            department: department.into(),
            received,
            by_outcome: [
                (Outcome::Adopted, adopted),
                (Outcome::NotAdopted, not_adopted),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect(),
            feedback_due_on: due.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()),
            feedback_published_at: published_at.map(local),
        }
    }

    #[test]
    fn a_seeded_year_is_counted_per_department_and_for_the_government() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let departments = ["fgw".to_owned(), "jtj".to_owned(), "gaj".to_owned()];
        let account = account_year(
            2026,
            &departments,
            &[
                // On time (published on its due date, late evening).
                published(
                    "fgw",
                    120,
                    30,
                    80,
                    Some("2026-05-29"),
                    Some("2026-05-29 22:00"),
                ),
                // Late by a day.
                published(
                    "fgw",
                    40,
                    10,
                    30,
                    Some("2026-08-03"),
                    Some("2026-08-04 09:00"),
                ),
                // Overdue: due in November, never published.
                published("jtj", 12, 0, 12, Some("2026-11-20"), None),
                // Still open: pending.
                published("jtj", 5, 0, 0, None, None),
            ],
            &["fgw".to_owned()],
            &["fgw".to_owned(), "fgw".to_owned(), "jtj".to_owned()],
            today,
        );
        let fgw = &account.departments[0];
        assert_eq!(fgw.department, "fgw");
        assert_eq!(
            (fgw.consultations, fgw.comments_received, fgw.answered()),
            (2, 160, 150)
        );
        assert_eq!((fgw.reports_on_time, fgw.reports_late), (1, 1));
        assert_eq!(fgw.adoption_per_mille(), Some(266));
        assert_eq!((fgw.hearings_held, fgw.attended_meetings), (1, 2));
        let gaj = account
            .departments
            .iter()
            .find(|d| d.department == "gaj")
            .unwrap();
        assert_eq!(gaj.consultations, 0);
        assert!(
            gaj.below_attendance(),
            "a unit with no attended meeting is flagged"
        );
        let jtj = account
            .departments
            .iter()
            .find(|d| d.department == "jtj")
            .unwrap();
        assert_eq!((jtj.reports_overdue, jtj.reports_on_time), (1, 0));
        assert!(!jtj.below_attendance());
        assert_eq!(jtj.adoption_per_mille(), Some(0));
        assert_eq!(account.total.consultations, 4);
        assert_eq!(account.total.comments_received, 177);
        assert_eq!(account.total.attended_meetings, 3);
        assert_eq!(
            (
                account.total.reports_on_time,
                account.total.reports_late,
                account.total.reports_overdue
            ),
            (1, 1, 1)
        );
    }

    #[test]
    fn a_year_is_local_new_years_eve_in_beijing_belongs_to_the_old_one() {
        let (start, end) = year_bounds(2026).unwrap();
        assert_eq!(start, local("2026-01-01 00:00"));
        assert_eq!(end, local("2027-01-01 00:00"));
        assert!(in_year(local("2026-12-31 23:59"), 2026));
        assert!(!in_year(local("2027-01-01 00:00"), 2026));
    }
}
