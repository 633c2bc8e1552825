//! `consult.testing.v1.TestClockService`: lets black-box tests move the server's time.
//! Compiled only with the `test-clock` feature.

use std::sync::Arc;

use chrono::TimeDelta;
use consult_api::testing::test_clock_service_server::TestClockService;
use consult_api::testing::{
    AdvanceTimeRequest, AdvanceTimeResponse, SetTimeRequest, SetTimeResponse,
};
use tonic::{Request, Response, Status};

use crate::clock::ManualClock;
use crate::convert::{time, timestamp};

/// The service over the manual clock.
pub(crate) struct TestClock(pub(crate) Arc<ManualClock>);

#[tonic::async_trait]
impl TestClockService for TestClock {
    async fn set_time(
        &self,
        request: Request<SetTimeRequest>,
    ) -> Result<Response<SetTimeResponse>, Status> {
        let t = request
            .into_inner()
            .time
            .ok_or_else(|| Status::invalid_argument("time is required"))?;
        let t = time(&t, "time").map_err(|e| Status::from(crate::error::ApiError::from(e)))?;
        Ok(Response::new(SetTimeResponse {
            time: Some(timestamp(self.0.set(t))),
        }))
    }

    async fn advance_time(
        &self,
        request: Request<AdvanceTimeRequest>,
    ) -> Result<Response<AdvanceTimeResponse>, Status> {
        let d = request
            .into_inner()
            .duration
            .ok_or_else(|| Status::invalid_argument("duration is required"))?;
        if d.seconds < 0 || d.nanos < 0 {
            return Err(Status::invalid_argument("duration must not be negative"));
        }
        let delta = TimeDelta::new(d.seconds, d.nanos as u32)
            .ok_or_else(|| Status::invalid_argument("duration out of range"))?;
        Ok(Response::new(AdvanceTimeResponse {
            time: Some(timestamp(self.0.advance(delta))),
        }))
    }
}
