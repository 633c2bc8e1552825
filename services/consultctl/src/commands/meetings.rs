//! `consultctl meeting …`: symposiums, field visits, expert reviews and decision meetings
//! attended by the public, and the opinions voiced at them.

use consult_api::pb;
use consult_domain::SubmitterCategory;
use consult_domain::meeting::MeetingKind;

use super::Ctx;
use super::consultations::{parse_time, wire};
use crate::cli::MeetingCommand;
use crate::error::CliError;
use crate::names;
use crate::output::{self, Out, Table, ts};

fn meeting_name(consultation: &str, meeting: &str) -> String {
    format!("{}/meetings/{meeting}", names::consultation(consultation))
}

fn kind_label(kind: i32) -> String {
    pb::MeetingKind::try_from(kind)
        .map(|k| names::label::<MeetingKind>(k.as_str_name()))
        .unwrap_or_default()
}

fn attendance(m: &pb::Meeting) -> String {
    m.attendees
        .iter()
        .map(|a| {
            let category = pb::SubmitterCategory::try_from(a.category)
                .map(|c| names::label::<SubmitterCategory>(c.as_str_name()))
                .unwrap_or_default();
            match a.consented_names.is_empty() {
                true => format!("{category}{}人", a.count),
                false => format!(
                    "{category}{}人（{}）",
                    a.count,
                    a.consented_names.join("、")
                ),
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn show(out: &Out, m: &pb::Meeting) {
    output::fields(
        out,
        &[
            ("会议", m.name.clone()),
            ("形式", kind_label(m.kind)),
            ("时间", ts(m.held_at.as_ref())),
            ("名称", m.title.clone()),
            ("参会人员", attendance(m)),
            ("意见发表情况", m.opinions_summary.clone()),
            ("采纳情况", m.handling.clone()),
            (
                "登记",
                format!("{} {}", m.recorded_by, ts(m.record_time.as_ref())),
            ),
        ],
    );
}

fn list(out: &Out, meetings: &[pb::Meeting]) {
    if meetings.is_empty() {
        out.line("没有登记的会议（consultctl meeting record 登记）。");
        return;
    }
    let mut t = Table::new(&["会议", "形式", "时间", "名称", "参会人员"]);
    for m in meetings {
        t.row(vec![
            names::short(&m.name).to_owned(),
            kind_label(m.kind),
            ts(m.held_at.as_ref()),
            m.title.clone(),
            attendance(m),
        ]);
    }
    t.print(out);
}

/// `类别:人数[:姓名,…]`.
fn attendees(arg: &str) -> Result<pb::MeetingAttendees, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "参会人员“{arg}”应写作 类别:人数[:姓名,…]，如 企业:6 或 企业:2:张三,李四 (category:count[:names])"
        ))
    };
    let mut parts = arg.splitn(3, [':', '：']);
    let category = parts.next().ok_or_else(bad)?;
    let count: i32 = parts
        .next()
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(bad)?;
    let consented_names = parts
        .next()
        .map(|names| {
            names
                .split([',', '，', '、'])
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(pb::MeetingAttendees {
        category: names::submitter_category(Some(category))?,
        count,
        consented_names,
        representatives: Vec::new(),
    })
}

/// `类别:r1,r2`: the register's representatives who attended, added to that category's row.
fn attach_representatives(
    attendees: &mut [pb::MeetingAttendees],
    department: &str,
    arg: &str,
) -> Result<(), CliError> {
    let (category, ids) = arg.split_once([':', '：']).ok_or_else(|| {
        CliError::Usage(format!(
            "列席代表“{arg}”应写作 类别:代表标识,…，如 公民:r1,r2 (category:ids)"
        ))
    })?;
    let category = names::submitter_category(Some(category))?;
    let row = attendees
        .iter_mut()
        .find(|a| a.category == category)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "列席代表“{arg}”的类别没有对应的 --attendees (no --attendees row of this category)"
            ))
        })?;
    row.representatives.extend(
        ids.split([',', '，', '、'])
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| format!("departments/{department}/representatives/{id}")),
    );
    Ok(())
}

pub(super) async fn run(ctx: &Ctx, cmd: MeetingCommand) -> Result<(), CliError> {
    let mut api = ctx.meetings();
    match cmd {
        MeetingCommand::List { consultation } => {
            let r = api
                .list_meetings(ctx.req(pb::ListMeetingsRequest {
                    parent: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            ctx.show_all(&r.meetings, list)
        }
        MeetingCommand::Show {
            consultation,
            meeting,
        } => {
            let m = api
                .get_meeting(ctx.req(pb::GetMeetingRequest {
                    name: meeting_name(&consultation, &meeting),
                }))
                .await?
                .into_inner();
            ctx.show(&m, show)
        }
        MeetingCommand::Record {
            consultation,
            meeting,
            kind,
            at,
            title,
            attendees: given,
            representatives,
            opinions,
            handling,
        } => {
            let kind = names::arg::<MeetingKind>(Some(&kind), |s| {
                pb::MeetingKind::from_str_name(s).map(|v| v as i32)
            })?;
            let held_at = parse_time(&at, false).map_err(CliError::Usage)?;
            let mut attendees = given
                .iter()
                .map(|a| attendees(a))
                .collect::<Result<Vec<_>, _>>()?;
            if !representatives.is_empty() {
                // Register entries are named under the consultation's department.
                let department = ctx
                    .consultations()
                    .get_consultation(ctx.req(pb::GetConsultationRequest {
                        name: names::consultation(&consultation),
                    }))
                    .await?
                    .into_inner()
                    .department;
                for arg in &representatives {
                    attach_representatives(&mut attendees, &department, arg)?;
                }
            }
            let m = api
                .record_meeting(ctx.req(pb::RecordMeetingRequest {
                    parent: names::consultation(&consultation),
                    meeting_id: meeting,
                    meeting: Some(pb::Meeting {
                        kind,
                        held_at: Some(wire(held_at)),
                        title,
                        attendees,
                        opinions_summary: opinions,
                        handling,
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(
                &m,
                format!(
                    "已登记{} {}（{}）",
                    kind_label(m.kind),
                    m.title,
                    attendance(&m)
                ),
            )
        }
        MeetingCommand::Opinion {
            consultation,
            meeting,
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
                .record_meeting_opinion(ctx.req(pb::RecordMeetingOpinionRequest {
                    parent: meeting_name(&consultation, &meeting),
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
            ctx.done(&c, format!("已登记会议意见 {}", names::short(&c.name)))
        }
    }
}
