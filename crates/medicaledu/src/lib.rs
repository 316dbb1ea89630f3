//! The `medicaledu` command: the server and the operator's tool.

mod admin;
mod cli;
mod commands;
pub mod config;
mod logging;
pub mod metrics;
pub mod server;

use std::process::ExitCode;

use clap::Parser;

pub use cli::Cli;
pub use config::{Config, ConfigError};

/// Parses the command line, runs the chosen subcommand and turns any failure
/// into one line on stderr and a non-zero exit.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on a single line, without repeating a cause that
/// the message above it already quotes.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string().replace('\n', " ");
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}
