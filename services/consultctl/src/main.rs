//! `consultctl`: the officers' command-line client of `consultd`. Parses the command line, runs
//! the command, and turns its failure into one readable line and an exit code scripts rely on.

mod answer_file;
mod cli;
mod commands;
mod comment_file;
mod connect;
mod error;
mod names;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("consultctl: 无法启动：{e}");
            return ExitCode::from(error::exit::OTHER);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("consultctl: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
