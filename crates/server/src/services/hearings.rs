//! `consult.v1.HearingService`: hearings (听证会) on a consultation. Officers of its
//! department plan and run them; anyone reads one once its notice is published, without
//! participants' names or the record.

use std::sync::Arc;

use consult_api::pb;
use consult_api::pb::hearing_service_server::HearingService;
use consult_api::rules::{is_resource_id, parse_consultation_name};
use consult_domain::hearing::{Hearing, HearingPlan, HearingStage, Participant};
use consult_domain::{Actor, Channel, Consultation, DomainError, SubmitterCategory};
use consult_store::Submission;
use tonic::{Request, Response, Status};

use super::comments::new_comment;
use super::{Core, id_of, public, signed};
use crate::convert::{self, ProtoEnum, required, time, timestamp};
use crate::error::ApiError;

/// The hearing service.
pub(crate) struct Hearings(pub(crate) Arc<Core>);

grpc_service!(HearingService for Hearings {
    plan_hearing(pb::PlanHearingRequest) -> pb::Hearing;
    get_hearing(pb::GetHearingRequest) -> pb::Hearing;
    list_hearings(pb::ListHearingsRequest) -> pb::ListHearingsResponse;
    publish_hearing_notice(pb::PublishHearingNoticeRequest) -> pb::Hearing;
    add_hearing_participant(pb::AddHearingParticipantRequest) -> pb::Hearing;
    publish_hearing_participants(pb::PublishHearingParticipantsRequest) -> pb::Hearing;
    record_materials_delivered(pb::RecordMaterialsDeliveredRequest) -> pb::Hearing;
    enter_hearing_record(pb::EnterHearingRecordRequest) -> pb::Hearing;
    confirm_hearing_record(pb::ConfirmHearingRecordRequest) -> pb::Hearing;
    record_hearing_opinion(pb::RecordHearingOpinionRequest) -> pb::Comment;
});

/// What a hearing resource name names: `consultations/{c}/hearings/{h}`, with a participant
/// for `…/participants/{p}`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HearingName {
    consultation: String,
    hearing: String,
    participant: Option<String>,
}

impl HearingName {
    /// Parses `name` (field `field`); `participant` says which of the two forms is expected.
    fn parse(name: &str, field: &str, participant: bool) -> Result<Self, DomainError> {
        let malformed = || {
            DomainError::invalid(
                field,
                if participant {
                    "资源名称应为 consultations/{事项}/hearings/{听证会}/participants/{参加人} (expected a participant's name)"
                } else {
                    "资源名称应为 consultations/{事项}/hearings/{听证会} (expected consultations/{c}/hearings/{h})"
                },
            )
        };
        let rest = name.strip_prefix("consultations/").ok_or_else(malformed)?;
        let (consultation, rest) = rest.split_once("/hearings/").ok_or_else(malformed)?;
        let (hearing, who) = match rest.split_once("/participants/") {
            Some((h, p)) if participant => (h, Some(p)),
            None if !participant => (rest, None),
            _ => return Err(malformed()),
        };
        if !is_resource_id(consultation)
            || !is_resource_id(hearing)
            || who.is_some_and(|p| !is_resource_id(p))
        {
            return Err(malformed());
        }
        Ok(Self {
            consultation: consultation.to_owned(),
            hearing: hearing.to_owned(),
            participant: who.map(str::to_owned),
        })
    }

    fn participant(&self) -> &str {
        self.participant.as_deref().unwrap_or_default()
    }
}

fn stage(s: HearingStage) -> i32 {
    (match s {
        HearingStage::Lapsed => pb::HearingStage::Lapsed,
        HearingStage::Planned => pb::HearingStage::Planned,
        HearingStage::Announced => pb::HearingStage::Announced,
        HearingStage::ParticipantsPublished => pb::HearingStage::ParticipantsPublished,
        HearingStage::Held => pb::HearingStage::Held,
        HearingStage::Recorded => pb::HearingStage::Recorded,
        HearingStage::Confirmed => pb::HearingStage::Confirmed,
    }) as i32
}

/// How much of a hearing a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// Officers of the department and auditors: everything.
    Internal,
    /// Everyone else: the hearing's public view (see [`Hearing::public_view`]).
    Public,
}

fn participant_to_proto(h: &Hearing, p: &Participant) -> pb::HearingParticipant {
    pb::HearingParticipant {
        name: format!("{}/participants/{}", h.name(), p.id),
        category: p.category.to_proto(),
        display_name: p.name.clone(),
        materials_delivered_time: p.materials_delivered_at.map(timestamp),
        confirm_time: p.confirmed_at.map(timestamp),
    }
}

fn to_proto(h: &Hearing, stage_now: HearingStage) -> pb::Hearing {
    pb::Hearing {
        name: h.name(),
        held_at: Some(timestamp(h.plan.held_at)),
        place: h.plan.place.clone(),
        matters: h.plan.matters.clone(),
        selection_method: h.plan.selection_method.clone(),
        notice_publish_time: h.notice_published_at.map(timestamp),
        participants_publish_time: h.participants_published_at.map(timestamp),
        participants: h
            .participants
            .iter()
            .map(|p| participant_to_proto(h, p))
            .collect(),
        record: h.record.as_ref().map(|r| pb::HearingRecord {
            text: r.text.clone(),
            entered_by: r.entered_by.clone(),
            enter_time: Some(timestamp(r.entered_at)),
        }),
        stage: stage(stage_now),
    }
}

/// The hearing as `view` shows it at `now`; `None` when the public may not read it yet.
fn shown(h: &Hearing, view: View, now: chrono::DateTime<chrono::Utc>) -> Option<pb::Hearing> {
    let stage_now = h.stage(now);
    match view {
        View::Internal => Some(to_proto(h, stage_now)),
        View::Public => h.public_view().map(|p| to_proto(&p, stage_now)),
    }
}

impl Hearings {
    /// How much of the consultation's hearings `actor` reads; `NOT_FOUND` for a consultation
    /// it may not read at all.
    async fn view(&self, actor: Option<&Actor>, consultation_id: &str) -> Result<View, ApiError> {
        let c = self.0.store.consultation(consultation_id).await?;
        if actor.is_some_and(|a| a.may_read_internal(&c.department).is_ok()) {
            return Ok(View::Internal);
        }
        consult_domain::actor::may_read_consultation(actor, &c)?;
        Ok(View::Public)
    }

    /// The consultation `id`, if `actor` is an officer of its department; checked before
    /// anything is looked up, so that another department learns nothing of its hearings.
    /// (A consultation's department never changes: reading it outside the transaction is safe.)
    async fn managed(
        &self,
        actor: &Actor,
        consultation_id: &str,
    ) -> Result<Consultation, ApiError> {
        let c = self.0.store.consultation(consultation_id).await?;
        actor.may_manage(&c.department)?;
        Ok(c)
    }

    /// Applies `change` to the hearing `name` names, for an officer of its department.
    async fn change<F>(
        &self,
        actor: &Actor,
        name: &HearingName,
        action: &'static str,
        change: F,
    ) -> Result<pb::Hearing, ApiError>
    where
        F: FnOnce(
            &Consultation,
            &mut Hearing,
            chrono::DateTime<chrono::Utc>,
        ) -> Result<(), DomainError>,
    {
        self.managed(actor, &name.consultation).await?;
        let now = self.0.clock.now();
        let h = self
            .0
            .store
            .change_hearing(
                &name.consultation,
                &name.hearing,
                &actor.id,
                action,
                now,
                |c, h| change(c, h, now),
            )
            .await?;
        tracing::info!(hearing = %h.name(), actor = %actor.id, action, "hearing changed");
        Ok(to_proto(&h, h.stage(now)))
    }

    async fn plan_hearing(
        &self,
        request: Request<pb::PlanHearingRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let consultation_id = id_of(parse_consultation_name(&req.parent), "parent")?;
        if !is_resource_id(&req.hearing_id) {
            return Err(DomainError::invalid(
                "hearing_id",
                "听证会标识须为1至64个字母、数字、“-”或“_” (1-64 letters, digits, - or _)",
            )
            .into());
        }
        let given = req.hearing.unwrap_or_default();
        let held_at = given
            .held_at
            .as_ref()
            .ok_or_else(|| {
                DomainError::invalid(
                    "hearing.held_at",
                    "必须填写听证会时间 (held_at is required)",
                )
            })
            .and_then(|t| time(t, "hearing.held_at"))?;
        let plan = HearingPlan {
            held_at,
            place: given.place,
            matters: given.matters,
            selection_method: given.selection_method,
        };
        self.managed(&actor, &consultation_id).await?;
        let now = self.0.clock.now();
        let id = req.hearing_id;
        let h = self
            .0
            .store
            .plan_hearing(&consultation_id, &id, &actor.id, now, |c| {
                Hearing::plan(c, id.clone(), plan, now)
            })
            .await?;
        tracing::info!(hearing = %h.name(), actor = %actor.id, "hearing planned");
        Ok(to_proto(&h, h.stage(now)))
    }

    async fn get_hearing(
        &self,
        request: Request<pb::GetHearingRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let name = HearingName::parse(&req.name, "name", false)?;
        let view = self.view(actor.as_ref(), &name.consultation).await?;
        let h = self
            .0
            .store
            .hearing(&name.consultation, &name.hearing)
            .await?;
        Ok(shown(&h, view, self.0.clock.now()).ok_or_else(|| DomainError::not_found(h.name()))?)
    }

    async fn list_hearings(
        &self,
        request: Request<pb::ListHearingsRequest>,
    ) -> Result<pb::ListHearingsResponse, ApiError> {
        let (actor, req) = public(&self.0.auth, request)?;
        let consultation_id = id_of(parse_consultation_name(&req.parent), "parent")?;
        let view = self.view(actor.as_ref(), &consultation_id).await?;
        let now = self.0.clock.now();
        let hearings = self
            .0
            .store
            .hearings(&consultation_id)
            .await?
            .iter()
            .filter_map(|h| shown(h, view, now))
            .collect();
        Ok(pb::ListHearingsResponse { hearings })
    }

    async fn publish_hearing_notice(
        &self,
        request: Request<pb::PublishHearingNoticeRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = HearingName::parse(&req.name, "name", false)?;
        self.change(&actor, &name, "hearing.publish_notice", |c, h, now| {
            h.publish_notice(c, now)
        })
        .await
    }

    async fn add_hearing_participant(
        &self,
        request: Request<pb::AddHearingParticipantRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = HearingName::parse(&req.parent, "parent", false)?;
        let p = req.participant.unwrap_or_default();
        let category = required::<SubmitterCategory>(p.category, "participant.category")?;
        self.change(&actor, &name, "hearing.add_participant", |_, h, now| {
            h.add_participant(category, &p.display_name, now)
                .map(|_| ())
        })
        .await
    }

    async fn publish_hearing_participants(
        &self,
        request: Request<pb::PublishHearingParticipantsRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = HearingName::parse(&req.name, "name", false)?;
        self.change(
            &actor,
            &name,
            "hearing.publish_participants",
            |_, h, now| h.publish_participants(now),
        )
        .await
    }

    async fn record_materials_delivered(
        &self,
        request: Request<pb::RecordMaterialsDeliveredRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = HearingName::parse(&req.name, "name", true)?;
        let delivered_at = req
            .delivered_time
            .as_ref()
            .ok_or_else(|| {
                DomainError::invalid(
                    "delivered_time",
                    "必须填写送达时间 (delivered_time is required)",
                )
            })
            .and_then(|t| time(t, "delivered_time"))?;
        self.change(&actor, &name, "hearing.deliver_materials", |_, h, now| {
            h.record_materials_delivered(name.participant(), delivered_at, now)
        })
        .await
    }

    async fn enter_hearing_record(
        &self,
        request: Request<pb::EnterHearingRecordRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = HearingName::parse(&req.name, "name", false)?;
        let officer = actor.id.clone();
        self.change(&actor, &name, "hearing.enter_record", |_, h, now| {
            h.enter_record(&req.text, &officer, now)
        })
        .await
    }

    async fn confirm_hearing_record(
        &self,
        request: Request<pb::ConfirmHearingRecordRequest>,
    ) -> Result<pb::Hearing, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = HearingName::parse(&req.name, "name", true)?;
        self.change(&actor, &name, "hearing.confirm_record", |_, h, now| {
            h.confirm_record(name.participant(), now)
        })
        .await
    }

    async fn record_hearing_opinion(
        &self,
        request: Request<pb::RecordHearingOpinionRequest>,
    ) -> Result<pb::Comment, ApiError> {
        let (actor, req) = signed(&self.0.auth, request)?;
        let name = HearingName::parse(&req.parent, "parent", false)?;
        self.managed(&actor, &name.consultation).await?;
        let mut given = req.comment.unwrap_or_default();
        // The channel is the hearing's: a caller may leave it out.
        if given.channel == pb::Channel::Unspecified as i32 {
            given.channel = Channel::Hearing.to_proto();
        }
        let comment = new_comment(&given)?;
        let received_at = self.0.clock.now();
        let hearing = name.hearing.clone();
        let saved = self
            .0
            .store
            .record_hearing_opinion(
                &hearing,
                Submission {
                    consultation_id: name.consultation,
                    actor: actor.clone(),
                    request_id: req.request_id,
                    comment,
                    received_at,
                },
                |c, h| h.admit_opinion(c, received_at),
                |h, comment| h.opinion(comment),
            )
            .await?;
        tracing::info!(comment = %saved.name(), actor = %actor.id, "hearing opinion recorded");
        let mut out = convert::comment(&saved);
        out.published_content = saved.public_content().unwrap_or_default();
        Ok(out)
    }
}
