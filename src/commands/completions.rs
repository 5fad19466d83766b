//! `poolwatch completions SHELL`: a completion script on stdout, or written
//! into a folder (created when missing) with `--dir`.

use std::io::Write;

use crate::cli::CompletionsArgs;
use crate::exit_codes;

/// Run `completions`.
pub fn run(args: &CompletionsArgs) -> i32 {
    let mut command = crate::cli::command();
    let Some(dir) = &args.dir else {
        let mut out = Vec::new();
        clap_complete::generate(args.shell, &mut command, "poolwatch", &mut out);
        let _ = std::io::stdout().write_all(&out);
        return exit_codes::OK;
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("poolwatch: {}: {e}", dir.display());
        return exit_codes::FAILURE;
    }
    match clap_complete::generate_to(args.shell, &mut command, "poolwatch", dir) {
        Ok(path) => {
            println!("{}", path.display());
            exit_codes::OK
        }
        Err(e) => {
            eprintln!("poolwatch: {}: {e}", dir.display());
            exit_codes::FAILURE
        }
    }
}
