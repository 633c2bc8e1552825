//! `consultctl consultation …`: list, show, create and edit drafts from files, publish, extend,
//! close and withdraw.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use consult_api::pb;
use consult_domain::{Channel, ConsultationKind, ConsultationState};
use serde::Deserialize;

use super::{Ctx, collect_pages};
use crate::cli::{ConsultationCommand, ListConsultationsArgs};
use crate::error::CliError;
use crate::names::{self, label};
use crate::output::{self, Out, Table, ts};

pub(super) async fn run(ctx: &Ctx, cmd: ConsultationCommand) -> Result<(), CliError> {
    match cmd {
        ConsultationCommand::List(a) => list(ctx, a).await,
        ConsultationCommand::Show { consultation } => {
            let c = ctx
                .consultations()
                .get_consultation(ctx.req(pb::GetConsultationRequest {
                    name: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            ctx.show(&c, show)
        }
        ConsultationCommand::Create { file } => {
            let draft = DraftFile::read(&file)?;
            let consultation = draft.consultation()?;
            let c = ctx
                .consultations()
                .create_consultation(ctx.req(pb::CreateConsultationRequest {
                    consultation: Some(consultation),
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!("已创建草稿 {}：{}", names::short(&c.name), c.title),
            )
        }
        ConsultationCommand::Update { consultation, file } => {
            let draft = DraftFile::read(&file)?;
            let mut c = draft.consultation()?;
            c.name = names::consultation(&consultation);
            let paths = draft.mask();
            if paths.is_empty() {
                return Err(CliError::Usage(format!(
                    "{} 中没有要修改的字段 (no fields to change)",
                    file.display()
                )));
            }
            let c = ctx
                .consultations()
                .update_consultation(ctx.req(pb::UpdateConsultationRequest {
                    consultation: Some(c),
                    update_mask: Some(prost_types::FieldMask {
                        paths: paths.clone(),
                    }),
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!("已修改 {}：{}", names::short(&c.name), paths.join("、")),
            )
        }
        ConsultationCommand::Publish { consultation } => {
            let c = ctx
                .consultations()
                .publish_consultation(ctx.req(pb::PublishConsultationRequest {
                    name: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            let mut line = format!(
                "已发布 {}，征求意见期 {} 至 {}",
                names::short(&c.name),
                ts(c.opens_at.as_ref()),
                ts(c.closes_at.as_ref())
            );
            for w in &c.warnings {
                line.push_str(&format!("\n注意：{w}"));
            }
            ctx.done(&c, line)
        }
        ConsultationCommand::Extend {
            consultation,
            until,
            reason,
        } => {
            let closes_at = parse_time(&until, true).map_err(CliError::Usage)?;
            let c = ctx
                .consultations()
                .extend_consultation(ctx.req(pb::ExtendConsultationRequest {
                    name: names::consultation(&consultation),
                    closes_at: Some(wire(closes_at)),
                    reason,
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!(
                    "已延长 {}，截止时间改为 {}",
                    names::short(&c.name),
                    ts(c.closes_at.as_ref())
                ),
            )
        }
        ConsultationCommand::Close { consultation } => {
            let c = ctx
                .consultations()
                .close_consultation(ctx.req(pb::CloseConsultationRequest {
                    name: names::consultation(&consultation),
                }))
                .await?
                .into_inner();
            ctx.done(
                &c,
                format!(
                    "已截止 {}（{}），可以开始答复意见",
                    names::short(&c.name),
                    ts(c.close_time.as_ref())
                ),
            )
        }
        ConsultationCommand::Withdraw {
            consultation,
            reason,
        } => {
            let c = ctx
                .consultations()
                .withdraw_consultation(ctx.req(pb::WithdrawConsultationRequest {
                    name: names::consultation(&consultation),
                    reason,
                }))
                .await?
                .into_inner();
            ctx.done(&c, format!("已撤回 {}", names::short(&c.name)))
        }
    }
}

async fn list(ctx: &Ctx, a: ListConsultationsArgs) -> Result<(), CliError> {
    let state = names::arg::<ConsultationState>(a.state.as_deref(), |s| {
        pb::ConsultationState::from_str_name(s).map(|v| v as i32)
    })?;
    let kind = names::arg::<ConsultationKind>(a.kind.as_deref(), |s| {
        pb::ConsultationKind::from_str_name(s).map(|v| v as i32)
    })?;
    let department = a.department.unwrap_or_default();
    let client = ctx.consultations();
    let items = collect_pages(a.paging.all, a.paging.limit, |token, size| {
        let mut client = client.clone();
        let request = ctx.req(pb::ListConsultationsRequest {
            page_size: size,
            page_token: token,
            state,
            kind,
            department: department.clone(),
        });
        async move {
            let r = client.list_consultations(request).await?.into_inner();
            Ok((r.consultations, r.next_page_token))
        }
    })
    .await?;
    ctx.show_all(&items, |out, items| {
        if items.is_empty() {
            out.line("没有符合条件的事项。");
            return;
        }
        table(items).print(out);
    })
}

/// Consultations as a table.
pub(crate) fn table(items: &[pb::Consultation]) -> Table {
    let mut t = Table::new(&["编号", "标题", "部门", "类型", "状态", "征求意见期"])
        .max_width(40)
        .whole(0)
        .whole(5);
    for c in items {
        t.row(vec![
            names::short(&c.name).to_owned(),
            c.title.clone(),
            c.department.clone(),
            label::<ConsultationKind>(c.kind().as_str_name()),
            label::<ConsultationState>(c.state().as_str_name()),
            window(c),
        ]);
    }
    t
}

fn window(c: &pb::Consultation) -> String {
    match (&c.opens_at, &c.closes_at) {
        (Some(o), Some(e)) => format!("{} 至 {}", ts(Some(o)), ts(Some(e))),
        _ => "未定".to_owned(),
    }
}

fn show(out: &Out, c: &pb::Consultation) {
    let channels: Vec<String> = c
        .channels()
        .map(|ch| label::<Channel>(ch.as_str_name()))
        .collect();
    let extensions: Vec<String> = c
        .extensions
        .iter()
        .map(|e| {
            format!(
                "{} → {}：{}（{}）",
                ts(e.previous_closes_at.as_ref()),
                ts(e.closes_at.as_ref()),
                e.reason,
                e.extended_by
            )
        })
        .collect();
    let decision = c
        .decision
        .as_ref()
        .map(|d| format!("{}（{}，{}）", d.title, d.number, d.decide_date))
        .unwrap_or_default();
    let feedback = if c.feedback_version > 0 {
        format!(
            "第{}版，首次公开于 {}",
            c.feedback_version,
            ts(c.feedback_publish_time.as_ref())
        )
    } else {
        String::new()
    };
    let draft_lines = c.draft_text.lines().count();
    output::fields(
        out,
        &[
            ("编号", names::short(&c.name).to_owned()),
            ("标题", c.title.clone()),
            ("部门", c.department.clone()),
            ("类型", label::<ConsultationKind>(c.kind().as_str_name())),
            ("状态", label::<ConsultationState>(c.state().as_str_name())),
            ("征求意见期", window(c)),
            ("最早合法截止", ts(c.earliest_lawful_close_time.as_ref())),
            (
                "期限少于30日",
                if c.shortened {
                    format!("是，理由：{}", c.shortened_reason)
                } else {
                    String::new()
                },
            ),
            ("渠道", channels.join("、")),
            ("延期", extensions.join("\n")),
            ("撤回理由", c.withdrawal_reason.clone()),
            ("截止时间", ts(c.close_time.as_ref())),
            ("待上会", ts(c.ready_time.as_ref())),
            ("决策文件", decision),
            (
                "反馈截止日",
                if c.feedback_due_provisional {
                    format!("{}（暂定：节假日安排未载入）", c.feedback_due_date)
                } else {
                    c.feedback_due_date.clone()
                },
            ),
            ("反馈报告", feedback),
            ("依据", c.basis.clone()),
            (
                "草案",
                format!("{} 字，{} 行", c.draft_text.chars().count(), draft_lines),
            ),
            (
                "创建",
                format!("{} {}", ts(c.create_time.as_ref()), c.creator),
            ),
            ("注意", c.warnings.join("\n")),
        ],
    );
}

/// A draft as written in a TOML or JSON file; long texts may come from files beside it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftFile {
    title: Option<String>,
    kind: Option<String>,
    department: Option<String>,
    draft_text: Option<String>,
    draft_file: Option<PathBuf>,
    basis: Option<String>,
    basis_file: Option<PathBuf>,
    explanation: Option<String>,
    explanation_file: Option<PathBuf>,
    channels: Option<Vec<String>>,
    opens_at: Option<String>,
    closes_at: Option<String>,
    shortened_reason: Option<String>,
    #[serde(skip)]
    dir: PathBuf,
}

impl DraftFile {
    fn read(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mut draft: DraftFile = if is_json {
            serde_json::from_str(text)
                .map_err(|e| CliError::Usage(format!("{} 有误：{e}", path.display())))?
        } else {
            toml::from_str(text)
                .map_err(|e| CliError::Usage(format!("{} 有误：{e}", path.display())))?
        };
        draft.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(draft)
    }

    fn text(
        &self,
        inline: &Option<String>,
        file: &Option<PathBuf>,
        what: &str,
    ) -> Result<Option<String>, CliError> {
        match (inline, file) {
            (Some(_), Some(_)) => Err(CliError::Usage(format!(
                "{what}_text 与 {what}_file 只能给出一个"
            ))),
            (Some(t), None) => Ok(Some(t.clone())),
            (None, Some(f)) => {
                let p = self.dir.join(f);
                let t = std::fs::read_to_string(&p).map_err(|e| CliError::io(&p, e))?;
                Ok(Some(t.strip_prefix('\u{feff}').unwrap_or(&t).to_owned()))
            }
            (None, None) => Ok(None),
        }
    }

    /// The fields given, as an update mask.
    fn mask(&self) -> Vec<String> {
        let mut paths = Vec::new();
        let mut add = |present: bool, path: &str| {
            if present {
                paths.push(path.to_owned());
            }
        };
        add(self.title.is_some(), "title");
        add(self.kind.is_some(), "kind");
        add(
            self.draft_text.is_some() || self.draft_file.is_some(),
            "draft_text",
        );
        add(self.basis.is_some() || self.basis_file.is_some(), "basis");
        add(
            self.explanation.is_some() || self.explanation_file.is_some(),
            "explanation",
        );
        add(self.channels.is_some(), "channels");
        add(self.opens_at.is_some(), "opens_at");
        add(self.closes_at.is_some(), "closes_at");
        add(self.shortened_reason.is_some(), "shortened_reason");
        paths
    }

    fn consultation(&self) -> Result<pb::Consultation, CliError> {
        let kind = names::arg::<ConsultationKind>(self.kind.as_deref(), |s| {
            pb::ConsultationKind::from_str_name(s).map(|v| v as i32)
        })?;
        let channels = self
            .channels
            .iter()
            .flatten()
            .map(|c| {
                names::arg::<Channel>(Some(c), |s| pb::Channel::from_str_name(s).map(|v| v as i32))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let time = |s: &Option<String>, end: bool| -> Result<_, CliError> {
            s.as_deref()
                .map(|s| parse_time(s, end).map(wire).map_err(CliError::Usage))
                .transpose()
        };
        Ok(pb::Consultation {
            title: self.title.clone().unwrap_or_default(),
            kind,
            department: self.department.clone().unwrap_or_default(),
            draft_text: self
                .text(&self.draft_text, &self.draft_file, "draft")?
                .unwrap_or_default(),
            basis: self
                .text(&self.basis, &self.basis_file, "basis")?
                .unwrap_or_default(),
            explanation: self
                .text(&self.explanation, &self.explanation_file, "explanation")?
                .unwrap_or_default(),
            channels,
            opens_at: time(&self.opens_at, false)?,
            closes_at: time(&self.closes_at, true)?,
            shortened_reason: self.shortened_reason.clone().unwrap_or_default(),
            ..Default::default()
        })
    }
}

/// A time typed by an officer, in Beijing time: `YYYY-MM-DD HH:MM`, or a date alone (its start,
/// or with `end_of_day` its end: 24:00), or RFC 3339.
pub(crate) fn parse_time(s: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let d = if end_of_day {
            d.succ_opt().unwrap_or(d)
        } else {
            d
        };
        d.and_hms_opt(0, 0, 0)
    } else {
        ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    };
    local
        .and_then(|l| Shanghai.from_local_datetime(&l).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            format!("时间“{s}”无法识别，请写作 2026-12-31 或 \"2026-12-31 18:00\"（北京时间）")
        })
}

pub(crate) fn wire(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_beijing_time() {
        assert_eq!(
            parse_time("2026-12-31", true).unwrap().to_rfc3339(),
            "2026-12-31T16:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-12-31", false).unwrap().to_rfc3339(),
            "2026-12-30T16:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-12-31 18:00", true).unwrap().to_rfc3339(),
            "2026-12-31T10:00:00+00:00"
        );
        assert!(parse_time("明天", true).unwrap_err().contains("无法识别"));
    }

    #[test]
    fn a_draft_file_reads_texts_beside_it_and_masks_what_it_sets() {
        let dir = std::env::temp_dir().join(format!("consultctl-draft-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("草案.txt"), "\u{feff}第一条 为了……").unwrap();
        std::fs::write(
            dir.join("d.toml"),
            "title = \"关于……的办法\"\nkind = \"涉企政策\"\ndraft_file = \"草案.txt\"\nchannels = [\"portal\", \"信函\"]\n",
        )
        .unwrap();
        let d = DraftFile::read(&dir.join("d.toml")).unwrap();
        let c = d.consultation().unwrap();
        assert_eq!(c.draft_text, "第一条 为了……");
        assert_eq!(c.kind, pb::ConsultationKind::EnterprisePolicy as i32);
        assert_eq!(
            c.channels,
            vec![pb::Channel::Portal as i32, pb::Channel::Letter as i32]
        );
        assert_eq!(d.mask(), vec!["title", "kind", "draft_text", "channels"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
