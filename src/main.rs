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
    // No transparent huge pages: mimalloc asks for them, and the kernel then zeroes two
    // megabytes at the first touch of a region of which a block of records uses a few
    // kilobytes. Measured on `reprise verify` of 300 000 persons: that zeroing took 2 to 10 % of
    // the CPU time, 0.2 % without huge pages. (mimalloc's own `allow_thp` option does the same,
    // but is read before `main`, from the environment.)
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and the unused ones as zero; it only
    // sets a flag of the process, read by the kernel at later page faults. Failure (an old
    // kernel) changes nothing but speed.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
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
