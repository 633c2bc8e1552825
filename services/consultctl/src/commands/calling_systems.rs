//! `consultctl calling-system …`: the register of calling systems. Administrators register,
//! rebind, disable and issue tokens; administrators and auditors list the register beside the
//! configuration file's calling systems.

use consult_api::pb;
use consult_api::pb::calling_system_service_client::CallingSystemServiceClient;
use consult_domain::Channel;

use super::Ctx;
use crate::cli::CallingSystemCommand;
use crate::error::CliError;
use crate::names;
use crate::output::{self, Out, Table, ts};

fn client(ctx: &Ctx) -> CallingSystemServiceClient<tonic::transport::Channel> {
    CallingSystemServiceClient::new(ctx.conn.channel.clone())
}

fn name(id: &str) -> String {
    format!("callingSystems/{id}")
}

/// Channels as typed (codes or labels), as the API numbers them.
fn channels(given: &[String]) -> Result<Vec<i32>, CliError> {
    given
        .iter()
        .map(|c| {
            let channel = names::parse::<Channel>(c).map_err(CliError::Usage)?;
            Ok(names::proto(channel, |s| {
                pb::Channel::from_str_name(s).map(|v| v as i32)
            }))
        })
        .collect()
}

fn channel_labels(s: &pb::CallingSystem) -> String {
    s.channels
        .iter()
        .map(|c| {
            names::label::<Channel>(
                pb::Channel::try_from(*c)
                    .map(|c| c.as_str_name())
                    .unwrap_or_default(),
            )
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn source(s: &pb::CallingSystem) -> &'static str {
    if s.source == pb::CallingSystemSource::Configuration as i32 {
        "配置文件"
    } else {
        "登记"
    }
}

fn state(s: &pb::CallingSystem) -> &'static str {
    if s.disabled { "已停用" } else { "启用" }
}

fn credential(s: &pb::CallingSystem) -> String {
    match (s.has_token, s.certificate_common_name.as_str()) {
        (true, "") => "令牌".into(),
        (false, cn) => format!("证书 CN={cn}"),
        (true, cn) => format!("令牌；证书 CN={cn}"),
    }
}

/// The confirmation, with the token when this reply issued one: it is never shown again.
fn done_with_token(ctx: &Ctx, s: &pb::CallingSystem, line: String) -> Result<(), CliError> {
    ctx.done(s, line)?;
    if !s.token.is_empty() && !ctx.out.json() {
        ctx.out.line(&format!(
            "令牌（只显示这一次，请安全转交该系统）(the token, shown once):\n{}",
            s.token
        ));
    }
    Ok(())
}

async fn update(
    ctx: &Ctx,
    s: pb::CallingSystem,
    paths: &[&str],
) -> Result<pb::CallingSystem, CliError> {
    Ok(client(ctx)
        .update_calling_system(ctx.req(pb::UpdateCallingSystemRequest {
            calling_system: Some(s),
            update_mask: Some(prost_types::FieldMask {
                paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            }),
        }))
        .await?
        .into_inner())
}

pub(super) async fn run(ctx: &Ctx, cmd: CallingSystemCommand) -> Result<(), CliError> {
    match cmd {
        CallingSystemCommand::List => {
            let r = client(ctx)
                .list_calling_systems(ctx.req(pb::ListCallingSystemsRequest {}))
                .await?
                .into_inner();
            ctx.show_all(&r.calling_systems, |out, items| {
                if items.is_empty() {
                    out.line("尚无调用系统。");
                    return;
                }
                let mut t =
                    Table::new(&["标识", "名称", "渠道", "凭证", "来源", "状态", "更新时间"]);
                for s in items {
                    t.row(vec![
                        s.id.clone(),
                        s.display_name.clone(),
                        channel_labels(s),
                        credential(s),
                        source(s).into(),
                        state(s).into(),
                        ts(s.update_time.as_ref()),
                    ]);
                }
                t.print(out);
            })
        }
        CallingSystemCommand::Show { id } => {
            let s = client(ctx)
                .get_calling_system(ctx.req(pb::GetCallingSystemRequest { name: name(&id) }))
                .await?
                .into_inner();
            ctx.show(&s, show)
        }
        CallingSystemCommand::Add {
            id,
            name: display_name,
            channels: given,
            token_sha256,
            certificate_cn,
        } => {
            let s = client(ctx)
                .create_calling_system(ctx.req(pb::CreateCallingSystemRequest {
                    calling_system: Some(pb::CallingSystem {
                        id,
                        display_name,
                        channels: channels(&given)?,
                        token_sha256: token_sha256.unwrap_or_default(),
                        certificate_common_name: certificate_cn.unwrap_or_default(),
                        ..Default::default()
                    }),
                }))
                .await?
                .into_inner();
            let line = format!("已登记调用系统 {}（{}）", s.display_name, s.id);
            done_with_token(ctx, &s, line)
        }
        CallingSystemCommand::Update {
            id,
            name: display_name,
            channels: given,
        } => {
            // Only what was given is named in the mask, so a concurrent change to another
            // field is not overwritten.
            let mut paths = Vec::new();
            if display_name.is_some() {
                paths.push("display_name");
            }
            if !given.is_empty() {
                paths.push("channels");
            }
            if paths.is_empty() {
                return Err(CliError::Usage(
                    "请至少给出 --name 或 --channel (nothing to change)".into(),
                ));
            }
            let s = update(
                ctx,
                pb::CallingSystem {
                    name: name(&id),
                    display_name: display_name.unwrap_or_default(),
                    channels: channels(&given)?,
                    ..Default::default()
                },
                &paths,
            )
            .await?;
            ctx.done(&s, format!("已更新调用系统 {}（{}）", s.display_name, s.id))
        }
        CallingSystemCommand::Disable { id } => set_disabled(ctx, &id, true).await,
        CallingSystemCommand::Enable { id } => set_disabled(ctx, &id, false).await,
        CallingSystemCommand::IssueToken { id } => {
            let s = client(ctx)
                .issue_calling_system_token(
                    ctx.req(pb::IssueCallingSystemTokenRequest { name: name(&id) }),
                )
                .await?
                .into_inner();
            let line = format!(
                "已为 {}（{}）签发新令牌，旧令牌已失效",
                s.display_name, s.id
            );
            done_with_token(ctx, &s, line)
        }
    }
}

async fn set_disabled(ctx: &Ctx, id: &str, disabled: bool) -> Result<(), CliError> {
    let s = update(
        ctx,
        pb::CallingSystem {
            name: name(id),
            disabled,
            ..Default::default()
        },
        &["disabled"],
    )
    .await?;
    let verb = if disabled {
        "已停用调用系统，其凭证在所有副本上立即失效"
    } else {
        "已重新启用调用系统"
    };
    ctx.done(&s, format!("{verb}：{}（{}）", s.display_name, s.id))
}

fn show(out: &Out, s: &pb::CallingSystem) {
    output::fields(
        out,
        &[
            ("标识", s.id.clone()),
            ("名称", s.display_name.clone()),
            ("渠道", channel_labels(s)),
            ("凭证", credential(s)),
            ("来源", source(s).into()),
            ("状态", state(s).into()),
            ("更新时间", ts(s.update_time.as_ref())),
        ],
    );
}
