//! `consult.v1.MeetingService`: symposiums, field visits, expert reviews and decision meetings
//! attended by the public. Officers of the consultation's department record them; anyone
//! reads those of a published consultation (everything recorded of a meeting is public).

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::meeting_service_server::MeetingService;
use consult_api::rules::{is_resource_id, parse_consultation_name};
use consult_domain::error::Violations;
use consult_domain::meeting::{Attendees, Meeting, MeetingKind, MeetingRecord};
use consult_domain::{DomainError, SubmitterCategory};
use consult_store::Submission;
use tonic::{Request, Response, Status};

use super::comments::new_comment;
use super::{Core, id_of, public, signed};
use crate::convert::{self, ProtoEnum, required, time, timestamp};
use crate::error::ApiError;

/// The meeting service.
pub(crate) struct Meetings(pub(crate) Arc<Core>);

grpc_service!(MeetingService for Meetings {
    record_meeting(pb::RecordMeetingRequest) -> pb::Meeting;
    get_meeting(pb::GetMeetingRequest) -> pb::Meeting;
    list_meetings(pb::ListMeetingsRequest) -> pb::ListMeetingsResponse;
    record_meeting_opinion(pb::RecordMeetingOpinionRequest) -> pb::Comment;
});

/// The consultation and meeting ids of `consultations/{c}/meetings/{m}`.
fn meeting_of(name: &str, field: &str) -> Result<(String, String), DomainError> {
    name.strip_prefix("consultations/")
        .and_then(|rest| rest.split_once("/meetings/"))
        .filter(|(c, m)| is_resource_id(c) && is_resource_id(m))
        .map(|(c, m)| (c.to_owned(), m.to_owned()))
        .ok_or_else(|| {
            DomainError::invalid(
                field,
                "资源名称应为 consultations/{事项}/meetings/{会议} (expected consultations/{c}/meetings/{m})",
            )
        })
}

fn to_proto(m: &Meeting, department: &str) -> pb::Meeting {
    pb::Meeting {
        name: m.name(),
        kind: m.kind.to_proto(),
        held_at: Some(timestamp(m.held_at)),
        title: m.title.clone(),
        attendees: m
            .attendees
            .iter()
            .map(|a| pb::MeetingAttendees {
                category: a.category.to_proto(),
                count: i32::try_from(a.count).unwrap_or(i32::MAX),
                consented_names: a.consented_names.clone(),
                representatives: a
                    .representatives
                    .iter()
                    .map(|id| format!("departments/{department}/representatives/{id}"))
                    .collect(),
            })
            .collect(),
        opinions_summary: m.opinions_summary.clone(),
        handling: m.handling.clone(),
        recorded_by: m.recorded_by.clone(),
        record_time: Some(timestamp(m.recorded_at)),
    }
}

/// The meeting an officer records, every bad field named at once; invited representatives
/// must be named in `department`'s register (checked against it in the domain).
fn record_of(m: pb::Meeting, department: &str) -> Result<MeetingRecord, DomainError> {
    let mut v = Violations::new();
    let kind = v.take(required::<MeetingKind>(m.kind, "meeting.kind"));
    let held_at = match &m.held_at {
        Some(t) => v.take(time(t, "meeting.held_at")),
        None => {
            v.push("meeting.held_at", "必须填写会议时间 (held_at is required)");
            None
        }
    };
    let mut attendees = Vec::with_capacity(m.attendees.len());
    for (i, a) in m.attendees.into_iter().enumerate() {
        let category = v.take(required::<SubmitterCategory>(
            a.category,
            &format!("meeting.attendees[{i}].category"),
        ));
        let count = u32::try_from(a.count).ok().filter(|n| *n > 0);
        if count.is_none() {
            v.push(
                format!("meeting.attendees[{i}].count"),
                "人数至少为1 (count is at least 1)",
            );
        }
        let prefix = format!("departments/{department}/representatives/");
        let mut representatives = Vec::with_capacity(a.representatives.len());
        for name in &a.representatives {
            match name.strip_prefix(&prefix).filter(|id| is_resource_id(id)) {
                Some(id) => representatives.push(id.to_owned()),
                None => v.push(
                    format!("meeting.attendees[{i}].representatives"),
                    format!("应为本部门代表库中的代表 {prefix}{{代表}} (expected a representative of {department})"),
                ),
            }
        }
        if let (Some(category), Some(count)) = (category, count) {
            attendees.push(Attendees {
                category,
                count,
                consented_names: a.consented_names,
                representatives,
            });
        }
    }
    v.finish()?;
    match (kind, held_at) {
        (Some(kind), Some(held_at)) => Ok(MeetingRecord {
            kind,
            held_at,
            title: m.title,
            attendees,
            opinions_summary: m.opinions_summary,
            handling: m.handling,
            register: Vec::new(),
        }),
        _ => Err(DomainError::invalid("meeting", "无效 (invalid)")),
    }
}

impl Meetings {
    async fn record_meeting(
        &self,
        request: Request<pb::RecordMeetingRequest>,
    ) -> Result<pb::Meeting, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let consultation_id = id_of(parse_consultation_name(&req.parent), "parent")?;
        // The department first: another one learns nothing of the consultation's meetings.
        let c = self.0.store.consultation(&consultation_id).await?;
        actor.may_manage(&c.department)?;
        if !is_resource_id(&req.meeting_id) {
            return Err(DomainError::invalid(
                "meeting_id",
                "会议标识须为1至64个字母、数字、“-”或“_” (1-64 letters, digits, - or _)",
            )
            .into());
        }
        let mut record = record_of(req.meeting.unwrap_or_default(), &c.department)?;
        if record
            .attendees
            .iter()
            .any(|a| !a.representatives.is_empty())
        {
            record.register = self.0.store.representatives(&c.department).await?;
        }
        let now = self.0.clock.now();
        let id = req.meeting_id;
        let m = self
            .0
            .store
            .record_meeting(&consultation_id, &id, &actor.id, now, |c| {
                Meeting::record(c, id.clone(), record, &actor.id, now)
            })
            .await?;
        tracing::info!(meeting = %m.name(), actor = %actor.id, "meeting recorded");
        Ok(to_proto(&m, &c.department))
    }

    async fn get_meeting(
        &self,
        request: Request<pb::GetMeetingRequest>,
    ) -> Result<pb::Meeting, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let (cid, id) = meeting_of(&req.name, "name")?;
        let c = self.0.store.consultation(&cid).await?;
        consult_domain::actor::may_read_consultation(actor.as_ref(), &c)?;
        Ok(to_proto(
            &self.0.store.meeting(&cid, &id).await?,
            &c.department,
        ))
    }

    async fn list_meetings(
        &self,
        request: Request<pb::ListMeetingsRequest>,
    ) -> Result<pb::ListMeetingsResponse, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let cid = id_of(parse_consultation_name(&req.parent), "parent")?;
        let c = self.0.store.consultation(&cid).await?;
        consult_domain::actor::may_read_consultation(actor.as_ref(), &c)?;
        let meetings = self.0.store.meetings(&cid).await?;
        Ok(pb::ListMeetingsResponse {
            meetings: meetings
                .iter()
                .map(|m| to_proto(m, &c.department))
                .collect(),
        })
    }

    async fn record_meeting_opinion(
        &self,
        request: Request<pb::RecordMeetingOpinionRequest>,
    ) -> Result<pb::Comment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let (cid, meeting) = meeting_of(&req.parent, "parent")?;
        let c = self.0.store.consultation(&cid).await?;
        actor.may_manage(&c.department)?;
        let mut given = req.comment.unwrap_or_default();
        // The channel is the meeting's: a caller may leave it out.
        let kind = self.0.store.meeting(&cid, &meeting).await?.kind;
        if given.channel == pb::Channel::Unspecified as i32 {
            given.channel = kind.channel().to_proto();
        }
        let comment = new_comment(&given)?;
        let received_at = self.0.clock.now();
        let saved = self
            .0
            .store
            .record_meeting_opinion(
                &meeting,
                Submission {
                    consultation_id: cid,
                    actor: actor.clone(),
                    request_id: req.request_id,
                    comment,
                    received_at,
                },
                |c, m| m.admit_opinion(c, received_at),
                |m, comment| m.opinion(comment),
            )
            .await?;
        tracing::info!(comment = %saved.name(), actor = %actor.id, "meeting opinion recorded");
        let mut out = convert::comment(&saved);
        out.published_content = saved.public_content().unwrap_or_default();
        Ok(out)
    }
}
