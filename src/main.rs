//! The `camp` binary: parse the command line, start logging, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before any thread starts (see the module for the figures).
    camp::allocator::tune();
    let cli = camp::cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAMP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("camp=info,russh=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match camp::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("camp: {e:#}");
            ExitCode::FAILURE
        }
    }
}
