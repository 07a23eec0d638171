//! The `customs` binary: parse arguments, run one command, map the outcome
//! to a documented exit code (see `docs/exit-codes.md`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod commands;
mod exit;
mod output;
mod progress;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(status) => status.into(),
        Err(err) => exit::report_error(&err).into(),
    }
}
