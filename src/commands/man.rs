//! `poolwatch man`: the manual page, generated from the clap definitions so
//! it never drifts from `--help` (clap_mangen), plus the sections clap has no
//! notion of: every subcommand with its options, EXIT STATUS, ENVIRONMENT
//! (from the settings registry), FILES and EXAMPLES. `--dir DIR` writes
//! `poolwatch.1` and one page per subcommand (`poolwatch-status.1`, …) into
//! DIR, creating it.

use std::io::Write;
use std::path::Path;

use crate::cli::ManArgs;
use crate::exit_codes;

/// Run `man`.
pub fn run(args: &ManArgs) -> i32 {
    let page = match main_page() {
        Ok(page) => page,
        Err(e) => {
            eprintln!("poolwatch: cannot render the man page: {e}");
            return exit_codes::FAILURE;
        }
    };
    let Some(dir) = &args.dir else {
        let _ = std::io::stdout().write_all(&page);
        return exit_codes::OK;
    };
    match write_pages(dir, &page) {
        Ok(files) => {
            for file in files {
                println!("{}", file.display());
            }
            exit_codes::OK
        }
        Err(e) => {
            eprintln!("poolwatch: {}: {e}", dir.display());
            exit_codes::FAILURE
        }
    }
}

/// `poolwatch.1` and one page per subcommand, in `dir` (created when missing).
fn write_pages(dir: &Path, main: &[u8]) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut command = crate::cli::command().disable_help_subcommand(true);
    command.build();
    let mut files = Vec::new();
    fn each(
        command: &clap::Command,
        dir: &Path,
        files: &mut Vec<std::path::PathBuf>,
    ) -> std::io::Result<()> {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            files.push(clap_mangen::Man::new(sub.clone()).generate_to(dir)?);
            each(sub, dir, files)?;
        }
        Ok(())
    }
    each(&command, dir, &mut files)?;
    let path = dir.join("poolwatch.1");
    std::fs::write(&path, main)?;
    files.insert(0, path);
    Ok(files)
}

/// The whole `poolwatch(1)` page.
pub fn main_page() -> std::io::Result<Vec<u8>> {
    let mut command = crate::cli::command().disable_help_subcommand(true);
    command.build();
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    out.extend_from_slice(b".SH COMMANDS\n");
    commands(&command, &mut out)?;
    out.extend_from_slice(exit_status().as_bytes());
    out.extend_from_slice(environment().as_bytes());
    out.extend_from_slice(FILES.as_bytes());
    out.extend_from_slice(EXAMPLES.as_bytes());
    out.extend_from_slice(SEE_ALSO.as_bytes());
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// Each subcommand (and sub-subcommand) as `.SS poolwatch NAME`, its about
/// text and its own options.
fn commands(command: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub
            .get_display_name()
            .unwrap_or(sub.get_name())
            .replace('-', " ")
            .replacen("install plugin", "install-plugin", 1)
            .replacen("test fetch", "test-fetch", 1)
            .replacen("set key", "set-key", 1)
            .replacen("show key", "show-key", 1)
            .replacen("hide key", "hide-key", 1);
        let _ = writeln!(out, ".SS {}", roff_text(&name));
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        if !about.is_empty() {
            let _ = writeln!(out, "{}", roff_text(&about));
        }
        let own: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_global_set() && !a.is_hide_set())
            .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
            .collect();
        for arg in own {
            let mut head = String::new();
            if let Some(short) = arg.get_short() {
                head.push_str(&format!("\\fB\\-{short}\\fR, "));
            }
            match arg.get_long() {
                Some(long) => head.push_str(&format!("\\fB\\-\\-{}\\fR", roff_text(long))),
                None => head.push_str(&format!("\\fI{}\\fR", roff_text(arg.get_id().as_str()))),
            }
            if arg.get_action().takes_values() && arg.get_long().is_some() {
                let value = arg
                    .get_value_names()
                    .and_then(|v| v.first().map(|s| s.to_string()))
                    .unwrap_or_else(|| arg.get_id().as_str().to_ascii_uppercase());
                head.push_str(&format!(" \\fI{}\\fR", roff_text(&value)));
            }
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            let _ = writeln!(out, ".TP\n{head}\n{}", roff_text(&help));
        }
        commands(sub, out)?;
    }
    Ok(())
}

fn exit_status() -> String {
    let codes = [
        (exit_codes::OK, "everything worked (also: metrics printed its gauges, whatever the pool's state)"),
        (exit_codes::FAILURE, "an unexpected failure (I/O error, bug)"),
        (exit_codes::USAGE, "bad command line; a command refused in --demo mode"),
        (exit_codes::CONFIG, "bad or missing settings, or no management key"),
        (exit_codes::AUTH, "the pool rejected the management key (401/403) or banned this IP: fix the key, do not loop"),
        (exit_codes::UNREACHABLE, "the pool could not be reached or was too slow"),
        (exit_codes::BAD_RESPONSE, "the pool answered, but not as the Management API does (HTML, 404, 5xx, bad JSON)"),
        (exit_codes::PARTIAL, "data was shown, but some accounts could not be refreshed"),
    ];
    let mut out = String::from(
        ".SH \"EXIT STATUS\"\n\\fBplugin\\fR always exits 0 (SwiftBar discards the output of a failed run) and shows every problem in the menu.\n",
    );
    for (code, meaning) in codes {
        out.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff_text(meaning)));
    }
    out
}

/// Every variable poolwatch reads: the settings registry's overrides, then
/// the ones outside it.
fn environment() -> String {
    let mut out = String::from(".SH ENVIRONMENT\n");
    let mut item = |name: &str, text: &str| {
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_text(name),
            roff_text(text)
        ));
    };
    item("POOLWATCH_CONFIG", "the settings file (like --config)");
    item("POOLWATCH_PROFILE", "the profile (like --profile)");
    item(
        "POOLWATCH_DEMO",
        "1: show the built-in demo pool (like --demo)",
    );
    item(
        "POOLWATCH_MANAGEMENT_KEY",
        "the management key (else the macOS Keychain); never stored in the settings file",
    );
    item(
        "POOLWATCH_CACHE_DIR",
        "the cache folder (default: the platform cache dir)",
    );
    item("POOLWATCH_SNAPSHOT_PATH", "the widget snapshot file");
    item(
        "POOLWATCH_ALL_PROFILES",
        "1: plugin shows every profile in one menu (like plugin --all-profiles)",
    );
    for spec in crate::config::keys::KEYS {
        if let Some(var) = spec.env {
            item(var, &format!("overrides the setting {}", spec.name));
        }
    }
    item(
        "NO_COLOR",
        "no colours in the terminal (also: TERM=dumb, --no-color)",
    );
    item("LC_ALL, LC_MESSAGES, LANG", "the language when language = \"auto\" and macOS says none (zh_CN: Simplified Chinese, zh_TW/zh_HK: Traditional Chinese)");
    item(
        "SWIFTBAR, SWIFTBAR_PLUGIN_REFRESH_REASON",
        "set by SwiftBar: its dialect, and whether a run is a click (fetch now) or a schedule",
    );
    item(
        "TMPDIR, USER",
        "where the private fallback cache folder goes when the cache folder cannot be used",
    );
    out
}

const FILES: &str = r#".SH FILES
.TP
\fI~/Library/Application Support/poolwatch/config.toml\fR (macOS), \fI~/.config/poolwatch/config.toml\fR (Linux)
The settings file (\fBpoolwatch config init\fR writes a commented one; \fBconfig show\fR prints the resolved values and where each comes from).
.TP
\fI~/Library/Caches/poolwatch/PROFILE/cache.json\fR (macOS), \fI~/.cache/poolwatch/PROFILE/cache.json\fR (Linux)
The last good pool state, last error and key guard of each profile (0600, written atomically); \fIcache.lock\fR beside it is the single-flight lock, \fImenu.json\fR the precomputed menu.
.TP
\fI~/Library/Application Support/poolwatch/widget/snapshot.json\fR (macOS), \fI~/.local/share/poolwatch/widget/\fR (Linux)
The widget snapshot (\fBpoolwatch snapshot\fR prints it).
"#;

const EXAMPLES: &str = r#".SH EXAMPLES
.TP
\fBpoolwatch \-\-demo status\fR
The built-in demo pool in the terminal: no server, nothing written.
.TP
\fBpoolwatch config init \-\-pool\-url http://127.0.0.1:8317 && poolwatch config set\-key && poolwatch test\-fetch\fR
First setup: settings file, key in the Keychain, a check that says what is wrong.
.TP
\fBpoolwatch status \-\-format '5h {5h_pct} · W {week_pct}{restore_sep}{restore}'\fR
One line for tmux or a shell prompt.
.TP
\fBpoolwatch \-\-profile work refresh \-\-all\fR
Ask every account of the \fIwork\fR pool now.
.TP
\fBpoolwatch metrics > poolwatch.prom.tmp && mv poolwatch.prom.tmp poolwatch.prom\fR
Publish gauges for node_exporter's textfile collector (exits 0 whenever it printed them).
.TP
\fBpoolwatch man \-\-dir ~/.local/share/man/man1\fR
Install this page and one page per subcommand.
"#;

const SEE_ALSO: &str = ".SH \"SEE ALSO\"\nThe README and docs/ of the poolwatch repository; \\fBpoolwatch COMMAND \\-\\-help\\fR.\n";

/// Text safe in a roff paragraph: backslashes doubled, dashes escaped, a
/// leading dot or quote neutralised.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|line| {
            if line.starts_with('.') || line.starts_with('\'') {
                format!("\\&{line}")
            } else if line.trim().is_empty() {
                ".IP".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
