use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    handover::allocator::return_freed_memory_at_once();
    handover::commands::Cli::parse().run()
}
