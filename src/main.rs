use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    handover::commands::Cli::parse().run()
}
