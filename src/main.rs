//! The `reprise` binary: the desktop application without arguments, the command line with a
//! subcommand. All the work is in the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = reprise::cli::Cli::parse();
    match cli.command {
        Some(command) => reprise::cli::run(command),
        None => reprise::ui::run(),
    }
}
