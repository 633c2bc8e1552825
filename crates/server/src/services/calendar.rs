//! `consult.v1.CalendarService`: the holiday notices of new years, loaded by administrators at
//! run time, and the years the calendar knows.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::calendar_service_server::CalendarService;
use consult_domain::DomainError;
use consult_domain::calendar::{CalendarError, Notice};
use tonic::{Request, Response, Status};

use super::{Core, public, signed};
use crate::convert::timestamp;
use crate::error::ApiError;

/// The calendar service.
pub(crate) struct Calendars(pub(crate) Arc<Core>);

grpc_service!(CalendarService for Calendars {
    load_calendar_year(pb::LoadCalendarYearRequest) -> pb::CalendarYear;
    list_calendar_years(pb::ListCalendarYearsRequest) -> pb::ListCalendarYearsResponse;
});

/// A notice's fault as a bad field of the request: its line and field named.
fn refused(e: CalendarError) -> DomainError {
    match e {
        CalendarError::Invalid {
            line,
            field,
            reason,
        } => DomainError::invalid(
            "notice",
            format!("第{line}行 {field}：{reason} (line {line}, field {field})"),
        ),
        other => DomainError::invalid("notice", other.to_string()),
    }
}

impl Calendars {
    async fn load_calendar_year(
        &self,
        request: Request<pb::LoadCalendarYearRequest>,
    ) -> Result<pb::CalendarYear, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let notice = Notice::parse(&req.notice).map_err(refused)?;
        let days = i32::try_from(notice.days.len()).unwrap_or(i32::MAX);
        if req.validate_only {
            return Ok(pb::CalendarYear {
                year: notice.year,
                days,
                ..Default::default()
            });
        }
        let mut with_year = (*self.0.calendar()).clone();
        with_year.add(&notice);
        let now = self.0.clock.now();
        let loaded = self
            .0
            .store
            .load_calendar_year(&notice, &req.notice, &actor.id, now, |c| {
                c.confirm_feedback_due(&with_year)
            })
            .await?;
        // This replica knows the year at once; the others within seconds.
        self.0.calendars.refresh(&self.0.store).await?;
        tracing::info!(year = notice.year, actor = %actor.id, replaced = loaded.replaced, confirmed = loaded.confirmed.len(), "holiday notice loaded");
        Ok(pb::CalendarYear {
            year: notice.year,
            built_in: false,
            days,
            loaded_by: actor.id.clone(),
            load_time: Some(timestamp(now)),
            confirmed: loaded
                .confirmed
                .iter()
                .map(|id| format!("consultations/{id}"))
                .collect(),
        })
    }

    async fn list_calendar_years(
        &self,
        request: Request<pb::ListCalendarYearsRequest>,
    ) -> Result<pb::ListCalendarYearsResponse, ApiError> {
        let _ = public(&self.0.auth, request)?;
        let loaded = self.0.store.calendar_years().await?;
        let calendar = self.0.calendar();
        let years = calendar
            .known_years()
            .map(|year| match loaded.iter().find(|y| y.year == year) {
                Some(y) => pb::CalendarYear {
                    year,
                    built_in: false,
                    days: calendar.listed_days(year),
                    loaded_by: y.loaded_by.clone(),
                    load_time: Some(timestamp(y.loaded_at)),
                    confirmed: Vec::new(),
                },
                None => pb::CalendarYear {
                    year,
                    built_in: true,
                    days: calendar.listed_days(year),
                    ..Default::default()
                },
            })
            .collect();
        Ok(pb::ListCalendarYearsResponse { years })
    }
}
