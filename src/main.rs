//! The `poolwatch` binary: parse the command line and run it.

use clap::Parser;
use poolwatch::cli::Cli;

fn main() {
    // `poolwatch snapshot | head -c1`: end quietly instead of panicking on EPIPE.
    poolwatch::pipe::restore_default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // SwiftBar discards the output of a failed run: in plugin mode even a
            // bad command line (or a bad POOLWATCH_* variable) becomes a menu.
            if std::env::args().skip(1).any(|a| a == "plugin") && error.use_stderr() {
                print!(
                    "{}",
                    poolwatch::commands::command_line_error_menu(&error.to_string())
                );
                std::process::exit(0);
            }
            // `guard` is for scripts: its usage errors exit 64 (sysexits' EX_USAGE).
            if std::env::args().skip(1).any(|a| a == "guard") && error.use_stderr() {
                let _ = error.print();
                std::process::exit(poolwatch::exit_codes::GUARD_USAGE);
            }
            error.exit();
        }
    };
    std::process::exit(poolwatch::commands::run(cli));
}
