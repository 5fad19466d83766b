//! Every `poolwatch …` command of a fenced shell block in README.md and
//! docs/*.md runs as written against the mock Management API (a fresh
//! sandbox each, with a good key) and exits 0, except the few in [`SKIP`],
//! each with the reason it cannot run here.

mod common;
mod support;

use common::{Run, Sandbox};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

/// Commands (as written, comment removed) that cannot run in a test, and why.
const SKIP: &[(&str, &str)] = &[
    ("poolwatch config set-key", "prompts for the secret on a terminal (tests/security.rs covers it)"),
    ("poolwatch status --watch 30", "redraws until interrupted"),
    ("poolwatch --demo serve", "a server that runs until stopped (tests/serve.rs covers it)"),
    ("poolwatch serve", "a server that runs until stopped (tests/serve.rs covers it)"),
    ("poolwatch watch", "refreshes until stopped (tests/hooks.rs covers it)"),
    (
        "poolwatch guard --min-remaining 20 --window 5h && run-the-batch-job",
        "a recipe around a placeholder job (tests/guard.rs covers the exit codes)",
    ),
    (
        "poolwatch guard --min-remaining 10 --window week --provider claude --json",
        "this test's mock pool has no Claude account (tests/guard.rs covers --provider)",
    ),
    (
        "poolwatch install-plugin",
        "needs SwiftBar's or xbar's plugin folder (tests/first_run.rs covers the choice); the --dir form runs",
    ),
    (
        "*/2 * * * * poolwatch metrics",
        "a crontab line; tests/first_week.rs runs the recipe itself",
    ),
];

/// `poolwatch …` lines of the ```sh / ```bash / ```console blocks of `text`,
/// without `$ ` prompts and trailing `# comments`.
fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_shell = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            in_shell = !in_shell && matches!(lang.trim(), "sh" | "bash" | "console" | "shell");
            continue;
        }
        if !in_shell {
            continue;
        }
        let line = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
        let line = match line.find("  #") {
            Some(at) => line[..at].trim_end(),
            None => line,
        };
        if line.contains("poolwatch ") && !line.starts_with('#') && !line.starts_with("cargo ") {
            out.push(line.to_string());
        }
    }
    out
}

fn documented() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
        .iter()
        .flat_map(|f| {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            commands(&std::fs::read_to_string(f).unwrap())
                .into_iter()
                .map(move |c| (name.clone(), c))
        })
        .filter(|(_, c)| {
            // `VAR=value … poolwatch …` counts too.
            let first = c
                .split_whitespace()
                .find(|w| !w.contains('='))
                .unwrap_or_default();
            first == "poolwatch" || c.starts_with("*/")
        })
        .collect()
}

/// `[--json]` in a synopsis line means optional: run it without.
fn without_optional(command: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in command.chars() {
        match c {
            '[' if !command.contains('\'') => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn run_in_shell(sandbox: &Sandbox, command: &str) -> Run {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_poolwatch"))
        .parent()
        .unwrap()
        .to_path_buf();
    let template = sandbox.command(&[]);
    // A command that never ends fails after 60 s instead of hanging the suite.
    let mut sh = std::process::Command::new("timeout");
    sh.args(["60", "sh", "-c"]).arg(command).env_clear();
    sh.envs(template.get_envs().filter_map(|(k, v)| Some((k, v?))));
    sh.env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    sh.stdin(std::process::Stdio::null());
    Run::from(sh.output().unwrap())
}

#[test]
fn every_documented_command_runs_as_written() {
    let documented = documented();
    assert!(documented.len() >= 15, "{documented:?}");
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("alice@example.com", "plus")
            .with_behaviour(UsageBehaviour::ok(20.0, 30.0)),
        MockAccount::new("bob@example.com", "pro").with_behaviour(UsageBehaviour::ok(60.0, 70.0)),
    ]));
    let mut failures = Vec::new();
    for (file, command) in &documented {
        let skipped = SKIP.iter().find(|(skip, _)| {
            command == skip || (command.starts_with(skip) && !skip.ends_with("install-plugin"))
        });
        if let Some((_, why)) = skipped {
            eprintln!("skip {file}: {command} ({why})");
            continue;
        }
        let sandbox = Sandbox::new(
            &server.url(),
            &server.usage_url(),
            Some(DEFAULT_MANAGEMENT_KEY),
        );
        std::fs::create_dir_all(sandbox.home()).unwrap();
        if command.starts_with("poolwatch config init") {
            std::fs::remove_file(sandbox.config_path()).unwrap();
        }
        // The README's mock listens on port 8399; this one on its own port.
        let command = command.replace("http://127.0.0.1:8399", &server.url());
        let run = run_in_shell(&sandbox, &without_optional(&command));
        if run.code != 0 {
            failures.push(format!(
                "{file}: `{command}` exited {}: {}{}",
                run.code,
                run.stderr,
                run.stdout.lines().take(3).collect::<Vec<_>>().join(" / ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
