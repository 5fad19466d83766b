//! The `poolwatch` binary: parse the command line and run it.

use clap::Parser;

fn main() {
    let cli = poolwatch::cli::Cli::parse();
    std::process::exit(poolwatch::commands::run(cli));
}
