//! Carrying out commands: one module per area, each call a request to `consultd` and its answer
//! printed as a table, a record or JSON.

mod answers;
mod calendar;
mod calling_systems;
mod catalogues;
mod comments;
mod consultations;
mod departments;
mod export;
mod hearings;
mod meetings;
mod reports;
mod representatives;
mod suggestions;
mod templates;

use std::path::Path;

use consult_api::google::longrunning::{self, operations_client::OperationsClient};
use consult_api::pb::answer_template_service_client::AnswerTemplateServiceClient;
use consult_api::pb::calendar_service_client::CalendarServiceClient;
use consult_api::pb::caller_service_client::CallerServiceClient;
use consult_api::pb::catalogue_service_client::CatalogueServiceClient;
use consult_api::pb::comment_service_client::CommentServiceClient;
use consult_api::pb::consultation_service_client::ConsultationServiceClient;
use consult_api::pb::department_service_client::DepartmentServiceClient;
use consult_api::pb::feedback_service_client::FeedbackServiceClient;
use consult_api::pb::hearing_service_client::HearingServiceClient;
use consult_api::pb::meeting_service_client::MeetingServiceClient;
use consult_api::pb::representative_service_client::RepresentativeServiceClient;
use consult_api::pb::suggestion_service_client::SuggestionServiceClient;
use consult_api::pb::{self};
use consult_domain::Channel;
use prost::Message;
use tonic::transport::Channel as GrpcChannel;

use crate::cli::{Cli, Command};
use crate::connect::{Connection, MAX_MESSAGE, Settings};
use crate::error::CliError;
use crate::names;
use crate::output::{self, Out};

/// An idempotency key for one command typed by an officer: unique to this run, so that two
/// runs are two requests (a retry within the run reuses it).
fn fresh_request_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("ctl-{nanos}-{}", std::process::id())
}

/// A connection and how to print.
pub(crate) struct Ctx {
    conn: Connection,
    out: Out,
}

impl Ctx {
    fn consultations(&self) -> ConsultationServiceClient<GrpcChannel> {
        ConsultationServiceClient::new(self.conn.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE)
    }

    fn comments(&self) -> CommentServiceClient<GrpcChannel> {
        CommentServiceClient::new(self.conn.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn feedback(&self) -> FeedbackServiceClient<GrpcChannel> {
        FeedbackServiceClient::new(self.conn.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE)
    }

    fn suggestions(&self) -> SuggestionServiceClient<GrpcChannel> {
        SuggestionServiceClient::new(self.conn.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE)
    }

    fn catalogues(&self) -> CatalogueServiceClient<GrpcChannel> {
        CatalogueServiceClient::new(self.conn.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE)
    }

    fn hearings(&self) -> HearingServiceClient<GrpcChannel> {
        HearingServiceClient::new(self.conn.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn representatives(&self) -> RepresentativeServiceClient<GrpcChannel> {
        RepresentativeServiceClient::new(self.conn.channel.clone())
    }

    fn calendars(&self) -> CalendarServiceClient<GrpcChannel> {
        CalendarServiceClient::new(self.conn.channel.clone())
    }

    fn meetings(&self) -> MeetingServiceClient<GrpcChannel> {
        MeetingServiceClient::new(self.conn.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    fn templates(&self) -> AnswerTemplateServiceClient<GrpcChannel> {
        AnswerTemplateServiceClient::new(self.conn.channel.clone())
    }

    fn operations(&self) -> OperationsClient<GrpcChannel> {
        OperationsClient::new(self.conn.channel.clone()).max_decoding_message_size(MAX_MESSAGE)
    }

    /// Follows a long-running operation until it is done, with a progress bar on a terminal,
    /// and gives its response (or its error, as the call itself would have failed).
    async fn follow<M: prost::Message + prost::Name + Default>(
        &self,
        mut op: longrunning::Operation,
        message: &'static str,
    ) -> Result<M, CliError> {
        let bar = if self.out.json() {
            indicatif::ProgressBar::hidden()
        } else {
            // Drawn on standard error, and only when that is a terminal.
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 条 {elapsed}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(message);
            bar
        };
        loop {
            if let Some(m) = op
                .metadata
                .as_ref()
                .and_then(|a| pb::OperationMetadata::decode(a.value.as_slice()).ok())
            {
                bar.set_length(u64::try_from(m.progress_total).unwrap_or(0));
                bar.set_position(u64::try_from(m.progress_done).unwrap_or(0));
            }
            if op.done {
                break;
            }
            op = self
                .operations()
                .wait_operation(self.req(longrunning::WaitOperationRequest {
                    name: op.name.clone(),
                    timeout: Some(prost_types::Duration {
                        seconds: 0,
                        nanos: 500_000_000,
                    }),
                }))
                .await?
                .into_inner();
        }
        bar.finish_and_clear();
        match op.result {
            Some(longrunning::operation::Result::Response(any)) => M::decode(any.value.as_slice())
                .map_err(|e| {
                    CliError::Usage(format!("服务器返回的结果无法解析 ({}): {e}", op.name))
                }),
            Some(longrunning::operation::Result::Error(status)) => {
                Err(tonic::Status::with_details(
                    tonic::Code::from(status.code),
                    status.message.clone(),
                    status.encode_to_vec().into(),
                )
                .into())
            }
            None => Err(CliError::Usage(format!(
                "操作 {} 已结束但没有结果 (the operation ended without a result)",
                op.name
            ))),
        }
    }

    fn departments(&self) -> DepartmentServiceClient<GrpcChannel> {
        DepartmentServiceClient::new(self.conn.channel.clone())
    }

    fn caller(&self) -> CallerServiceClient<GrpcChannel> {
        CallerServiceClient::new(self.conn.channel.clone())
    }

    fn req<T>(&self, m: T) -> tonic::Request<T> {
        self.conn.request(m)
    }

    /// Prints one message as JSON, or runs `table` to print it for people.
    fn show<M: prost::Message + prost::Name>(
        &self,
        m: &M,
        table: impl FnOnce(&Out, &M),
    ) -> Result<(), CliError> {
        if self.out.json() {
            output::print_json(&self.out, &output::to_json(m)?);
        } else {
            table(&self.out, m);
        }
        Ok(())
    }

    /// Prints many messages as a JSON array, or runs `table`.
    fn show_all<M: prost::Message + prost::Name>(
        &self,
        items: &[M],
        table: impl FnOnce(&Out, &[M]),
    ) -> Result<(), CliError> {
        if self.out.json() {
            let values = items
                .iter()
                .map(output::to_json)
                .collect::<Result<Vec<_>, _>>()?;
            output::print_json(&self.out, &serde_json::Value::Array(values));
        } else {
            table(&self.out, items);
        }
        Ok(())
    }

    /// A one-line confirmation for people; scripts get the message as JSON instead.
    fn done<M: prost::Message + prost::Name>(&self, m: &M, line: String) -> Result<(), CliError> {
        if self.out.json() {
            output::print_json(&self.out, &output::to_json(m)?);
        } else {
            self.out.line(&self.out.ok(&line));
        }
        Ok(())
    }
}

/// Runs one command.
pub(crate) async fn run(cli: Cli) -> Result<(), CliError> {
    let out = Out::new(cli.global.output, cli.global.color);
    if let Command::Completions { shell } = cli.command {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut cmd, "consultctl", &mut std::io::stdout());
        return Ok(());
    }
    let settings = Settings::resolve(&cli.global)?;
    let conn = settings.connect().await?;
    let ctx = Ctx { conn, out };
    match cli.command {
        Command::Whoami => whoami(&ctx).await,
        Command::Consultation(c) => consultations::run(&ctx, c).await,
        Command::Comment(c) => comments::run(&ctx, c).await,
        Command::Group(c) => comments::run_group(&ctx, c).await,
        Command::Suggestion(c) => suggestions::run(&ctx, c).await,
        Command::Answer(c) => answers::run(&ctx, c).await,
        Command::Gate(c) => answers::run_gate(&ctx, c).await,
        Command::Decision(c) => answers::run_decision(&ctx, c).await,
        Command::Report(c) => reports::run(&ctx, c).await,
        Command::Due(a) => reports::due(&ctx, a).await,
        Command::Department(c) => departments::run(&ctx, c).await,
        Command::CallingSystem(c) => calling_systems::run(&ctx, c).await,
        Command::Catalogue(c) => catalogues::run(&ctx, c).await,
        Command::Hearing(c) => hearings::run(&ctx, c).await,
        Command::Meeting(c) => meetings::run(&ctx, c).await,
        Command::Calendar(c) => calendar::run(&ctx, c).await,
        Command::Representative(c) => representatives::run(&ctx, c).await,
        Command::Template(c) => templates::run(&ctx, c).await,
        Command::Completions { .. } => Ok(()),
    }
}

async fn whoami(ctx: &Ctx) -> Result<(), CliError> {
    let caller = ctx
        .caller()
        .get_caller(ctx.req(pb::GetCallerRequest {}))
        .await?
        .into_inner();
    ctx.show(&caller, |out, c| {
        let channels: Vec<String> = c
            .channels()
            .map(|ch| names::label::<Channel>(ch.as_str_name()))
            .collect();
        output::fields(
            out,
            &[
                ("服务器", ctx.conn.server.clone()),
                ("身份", c.principal.clone()),
                ("角色", c.role_label.clone()),
                ("部门", c.department.clone()),
                ("渠道", channels.join("、")),
            ],
        );
    })
}

/// Writes an export to a file, or to standard output.
fn write_out(path: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    match path {
        Some(p) => std::fs::write(p, bytes).map_err(|e| CliError::io(p, e)),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| CliError::io(Path::new("<stdout>"), e))
        }
    }
}

/// Every page of a list, or the first `limit` items.
async fn collect_pages<T, F, Fut>(all: bool, limit: usize, mut fetch: F) -> Result<Vec<T>, CliError>
where
    F: FnMut(String, i32) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, String), tonic::Status>>,
{
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let want = if all {
            1000
        } else {
            i32::try_from((limit - items.len()).min(1000)).unwrap_or(1000)
        };
        let (page, next) = fetch(token, want).await?;
        items.extend(page);
        if next.is_empty() {
            break;
        }
        if !all && items.len() >= limit {
            // More match than are shown: say so, on stderr so that `-o json` stays clean,
            // rather than let a first page pass for the whole list.
            eprintln!(
                "仅显示前 {limit} 条，还有更多符合条件的记录：加 --all 显示全部，或用 --limit 调整条数 (showing the first {limit}; more match: --all or --limit)"
            );
            break;
        }
        token = next;
    }
    if !all {
        items.truncate(limit);
    }
    Ok(items)
}
