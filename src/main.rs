//! The `reprise` binary: the desktop application without arguments, the command line with a
//! subcommand. All the work is in the library.

/// mimalloc: the reception allocates a value per field on one thread and frees it on the
/// store's writer thread; glibc's allocator spends a tenth of an import on that, mimalloc little.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Like other command-line tools, end quietly when the reader of our output goes away
    // (`reprise dossier … | head`).
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Diagnostics on standard error only when asked for (`REPRISE_LOG=debug`): the phases of an
    // import and their durations, for instance.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("REPRISE_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let cli = reprise::cli::parse();
    match cli.command {
        Some(command) => reprise::cli::run(command),
        #[cfg(feature = "gui")]
        None => reprise::ui::run(),
        #[cfg(not(feature = "gui"))]
        None => {
            let _ = reprise::cli::command().print_help();
            ExitCode::from(2)
        }
    }
}
