//! `consultctl hearing …`: hearings (听证会) on a consultation, from the plan to the confirmed
//! record, and the opinions voiced there.

use consult_api::pb;
use consult_domain::SubmitterCategory;

use super::Ctx;
use super::consultations::{parse_time, wire};
use crate::cli::HearingCommand;
use crate::error::CliError;
use crate::names;
use crate::output::{self, Out, Table, ts};

fn stage_label(stage: i32) -> &'static str {
    match pb::HearingStage::try_from(stage) {
        Ok(pb::HearingStage::Lapsed) => "未发布公告，未举行",
        Ok(pb::HearingStage::Planned) => "已计划",
        Ok(pb::HearingStage::Announced) => "已公告",
        Ok(pb::HearingStage::ParticipantsPublished) => "已公布参加人",
        Ok(pb::HearingStage::Held) => "已举行，待录入笔录",
        Ok(pb::HearingStage::Recorded) => "笔录待确认",
        Ok(pb::HearingStage::Confirmed) => "笔录已确认",
        _ => "",
    }
}

fn category_label(category: i32) -> String {
    pb::SubmitterCategory::try_from(category)
        .map(|c| names::label::<SubmitterCategory>(c.as_str_name()))
        .unwrap_or_default()
}

/// `consultations/{c}/hearings/{h}`.
fn hearing_name(consultation: &str, hearing: &str) -> String {
    format!("{}/hearings/{hearing}", names::consultation(consultation))
}

fn show(out: &Out, h: &pb::Hearing) {
    output::fields(
        out,
        &[
            ("听证会", h.name.clone()),
            ("状态", stage_label(h.stage).to_owned()),
            ("时间", ts(h.held_at.as_ref())),
            ("地点", h.place.clone()),
            ("听证事项", h.matters.clone()),
            ("遴选办法", h.selection_method.clone()),
            ("公告时间", ts(h.notice_publish_time.as_ref())),
            ("名单公布", ts(h.participants_publish_time.as_ref())),
        ],
    );
    if !h.participants.is_empty() {
        let mut t = Table::new(&["编号", "类别", "姓名", "材料送达", "确认笔录"]);
        for p in &h.participants {
            t.row(vec![
                names::short(&p.name).to_owned(),
                category_label(p.category),
                p.display_name.clone(),
                ts(p.materials_delivered_time.as_ref()),
                ts(p.confirm_time.as_ref()),
            ]);
        }
        t.print(out);
    }
    if let Some(r) = &h.record {
        out.line(&format!(
            "笔录：{} 字，{} 录入于 {}",
            r.text.chars().count(),
            r.entered_by,
            ts(r.enter_time.as_ref())
        ));
    }
}

fn list(out: &Out, hearings: &[pb::Hearing]) {
    if hearings.is_empty() {
        out.line("没有听证会（consultctl hearing plan 安排）。");
        return;
    }
    let mut t = Table::new(&["听证会", "时间", "地点", "参加人", "状态"]);
    for h in hearings {
        t.row(vec![
            names::short(&h.name).to_owned(),
            ts(h.held_at.as_ref()),
            h.place.clone(),
            h.participants.len().to_string(),
            stage_label(h.stage).to_owned(),
        ]);
    }
    t.print(out);
}

fn time(s: &str) -> Result<prost_types::Timestamp, CliError> {
    parse_time(s, false).map(wire).map_err(CliError::Usage)
}

pub(super) async fn run(ctx: &Ctx, cmd: HearingCommand) -> Result<(), CliError> {
    let mut api = ctx.hearings();
    match cmd {
        HearingCommand::List { consultation } => {
            let r = api
                .list_hearings(ctx.req(pb::ListHearingsRequest {
                    parent: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            ctx.show_all(&r.hearings, list)
        }
        HearingCommand::Show {
            consultation,
            hearing,
        } => {
            let h = api
                .get_hearing(ctx.req(pb::GetHearingRequest {
                    name: hearing_name(&consultation, &hearing),
                }))
                .await?
                .into_inner();
            ctx.show(&h, show)
        }
        HearingCommand::Plan {
            consultation,
            hearing,
            at,
            place,
            matters,
            selection,
        } => {
            let h = api
                .plan_hearing(ctx.req(pb::PlanHearingRequest {
                    parent: names::consultation(&consultation),
                    hearing_id: hearing,
                    hearing: Some(pb::Hearing {
                        held_at: Some(time(&at)?),
                        place,
                        matters,
                        selection_method: selection,
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(
                &h,
                format!(
                    "已安排听证会 {}，{}举行；下一步：consultctl hearing announce",
                    names::short(&h.name),
                    ts(h.held_at.as_ref())
                ),
            )
        }
        HearingCommand::Announce {
            consultation,
            hearing,
        } => {
            let h = api
                .publish_hearing_notice(ctx.req(pb::PublishHearingNoticeRequest {
                    name: hearing_name(&consultation, &hearing),
                }))
                .await?
                .into_inner();
            ctx.done(&h, format!("已发布听证公告 {}", names::short(&h.name)))
        }
        HearingCommand::AddParticipant {
            consultation,
            hearing,
            category,
            name,
        } => {
            let category = names::submitter_category(Some(&category))?;
            let h = api
                .add_hearing_participant(ctx.req(pb::AddHearingParticipantRequest {
                    parent: hearing_name(&consultation, &hearing),
                    participant: Some(pb::HearingParticipant {
                        category,
                        display_name: name,
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            let added = h
                .participants
                .last()
                .map(|p| names::short(&p.name).to_owned())
                .unwrap_or_default();
            ctx.done(
                &h,
                format!("已增加参加人 {added}，共{}人", h.participants.len()),
            )
        }
        HearingCommand::PublishParticipants {
            consultation,
            hearing,
        } => {
            let h = api
                .publish_hearing_participants(ctx.req(pb::PublishHearingParticipantsRequest {
                    name: hearing_name(&consultation, &hearing),
                }))
                .await?
                .into_inner();
            ctx.done(
                &h,
                format!("已公布参加人名单（{}人，仅公开类别）", h.participants.len()),
            )
        }
        HearingCommand::Deliver {
            consultation,
            hearing,
            participant,
            at,
        } => {
            let h = api
                .record_materials_delivered(ctx.req(pb::RecordMaterialsDeliveredRequest {
                    name: format!(
                        "{}/participants/{participant}",
                        hearing_name(&consultation, &hearing)
                    ),
                    delivered_time: Some(time(&at)?),
                }))
                .await?
                .into_inner();
            ctx.done(&h, format!("已登记参加人 {participant} 的材料送达"))
        }
        HearingCommand::Record {
            consultation,
            hearing,
            file,
        } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                CliError::Usage(format!(
                    "无法读取笔录文件 {}：{e} (cannot read the record)",
                    file.display()
                ))
            })?;
            let h = api
                .enter_hearing_record(ctx.req(pb::EnterHearingRecordRequest {
                    name: hearing_name(&consultation, &hearing),
                    text,
                }))
                .await?
                .into_inner();
            ctx.done(
                &h,
                "已录入听证笔录；请各参加人确认（consultctl hearing confirm）".to_owned(),
            )
        }
        HearingCommand::Confirm {
            consultation,
            hearing,
            participant,
        } => {
            let h = api
                .confirm_hearing_record(ctx.req(pb::ConfirmHearingRecordRequest {
                    name: format!(
                        "{}/participants/{participant}",
                        hearing_name(&consultation, &hearing)
                    ),
                }))
                .await?
                .into_inner();
            let waiting = h
                .participants
                .iter()
                .filter(|p| p.confirm_time.is_none())
                .count();
            ctx.done(
                &h,
                match waiting {
                    0 => format!("参加人 {participant} 已确认；笔录已经全部参加人确认"),
                    n => format!("参加人 {participant} 已确认；尚有{n}人未确认"),
                },
            )
        }
        HearingCommand::Opinion {
            consultation,
            hearing,
            content,
            category,
            clause,
            request_id,
        } => {
            let submitter_category = match category {
                Some(c) => names::submitter_category(Some(&c))?,
                None => pb::SubmitterCategory::Citizen as i32,
            };
            let c = api
                .record_hearing_opinion(ctx.req(pb::RecordHearingOpinionRequest {
                    parent: hearing_name(&consultation, &hearing),
                    comment: Some(pb::Comment {
                        submitter_category,
                        content,
                        clause_reference: clause,
                        ..Default::default()
                    }),
                    request_id: request_id.unwrap_or_else(super::fresh_request_id),
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!(
                    "已登记听证意见 {}；答复：consultctl answer …",
                    names::short(&c.name)
                ),
            )
        }
    }
}
