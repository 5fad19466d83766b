//! `--help` in Chinese on the real binary (issue 17.7): every subcommand,
//! every option, in Simplified (`LANG=zh_CN.UTF-8`) and Traditional
//! (`LANG=zh_TW.UTF-8`) Chinese; clap's errors keep working.

mod common;

use common::Sandbox;

fn sandbox() -> Sandbox {
    Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None)
}

/// A subcommand path (`["config", "set"]`) with the flags of its options as
/// `--help` shows them (`--format`, `<KEY>`), the global ones included.
struct Entry {
    path: Vec<String>,
    flags: Vec<String>,
}

fn flag_of(arg: &clap::Arg) -> String {
    match arg.get_long() {
        Some(long) => format!("--{long}"),
        None => {
            let name = arg
                .get_value_names()
                .and_then(|names| names.first().map(|n| n.to_string()))
                .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
            format!("<{name}>")
        }
    }
}

/// Every visible command of the tree `poolwatch::cli::command()` (the same
/// one the binary uses), recursively.
fn entries() -> Vec<Entry> {
    let root = poolwatch::cli::command();
    let globals: Vec<String> = root
        .get_arguments()
        .filter(|a| a.is_global_set() && !a.is_hide_set())
        .map(flag_of)
        .collect();
    let mut out = Vec::new();
    walk(&root, &[], &globals, &mut out);
    out
}

fn walk(cmd: &clap::Command, path: &[String], globals: &[String], out: &mut Vec<Entry>) {
    let mut flags: Vec<String> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set())
        .map(flag_of)
        .collect();
    flags.extend(globals.iter().cloned());
    flags.push("--help".to_string());
    out.push(Entry {
        path: path.to_vec(),
        flags,
    });
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut path = path.to_vec();
        path.push(sub.get_name().to_string());
        walk(sub, &path, globals, out);
    }
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// `text` without `code spans` and clap's `[possible values: …]` /
/// `[default: …]` notes (those stay as they are in every language).
fn prose(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(c);
        }
    }
    for note in ["[possible values:", "[default:"] {
        while let Some(at) = out.find(note) {
            let end = out[at..].find(']').map_or(out.len(), |e| at + e + 1);
            out.replace_range(at..end, "");
        }
    }
    out
}

/// Three English words in a row (an English sentence left in the text).
fn english_run(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let english = |w: &str| {
        let w = w.trim_matches(|c: char| ",.;:()\"'".contains(c));
        !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic())
    };
    words
        .windows(3)
        .find(|three| three.iter().all(|w| english(w)))
        .map(|three| three.join(" "))
}

/// The problems of one `--help` / `-h` output in Chinese: an English
/// sentence outside the command lines, an option whose help has no Chinese,
/// an English heading.
fn problems(entry: &Entry, help: &str, examples: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let (body, tail) = help.split_once(examples).unwrap_or((help, ""));
    for line in body.lines() {
        if line.starts_with("用法:") || line.starts_with("用法:") {
            continue;
        }
        if let Some(run) = english_run(&prose(line)) {
            problems.push(format!("English `{run}` in: {line}"));
        }
    }
    // An example's comment is translated; its command stays as it is.
    for line in tail.lines() {
        if let Some((_, comment)) = line.split_once("  # ") {
            if !has_cjk(comment) && english_run(comment).is_some() {
                problems.push(format!("English example comment: {line}"));
            }
        }
    }
    for heading in ["Usage:", "Options:", "Arguments:", "Commands:", "Examples:"] {
        if help.contains(heading) {
            problems.push(format!("English heading {heading}"));
        }
    }
    let lines: Vec<&str> = body.lines().collect();
    for flag in &entry.flags {
        let at = lines.iter().position(|l| {
            let l = l.trim_start();
            l.starts_with(flag.as_str())
                || l.split_once(", ")
                    .is_some_and(|(_, rest)| rest.starts_with(flag.as_str()))
        });
        match at {
            None => problems.push(format!("{flag} not listed")),
            Some(at) => {
                // The help is on the flag's line (`-h`) or the next (`--help`).
                let text = format!("{}{}", lines[at], lines.get(at + 1).unwrap_or(&""));
                if !has_cjk(&text) {
                    problems.push(format!("{flag} has no Chinese help: {}", lines[at]));
                }
            }
        }
    }
    problems
}

fn help_of(sandbox: &Sandbox, entry: &Entry, flag: &str, lang: &str) -> String {
    let mut args: Vec<&str> = entry.path.iter().map(String::as_str).collect();
    args.push(flag);
    let run = sandbox.run_env(&args, &[("LANG", lang)]);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

#[test]
fn every_subcommand_and_option_help_is_simplified_chinese() {
    let sandbox = sandbox();
    let entries = entries();
    assert!(entries.len() > 20, "{}", entries.len());
    let mut all = Vec::new();
    for entry in &entries {
        for flag in ["--help", "-h"] {
            let help = help_of(&sandbox, entry, flag, "zh_CN.UTF-8");
            assert!(help.contains("用法:"), "{help}");
            for problem in problems(entry, &help, "示例:") {
                all.push(format!(
                    "poolwatch {} {flag}: {problem}",
                    entry.path.join(" ")
                ));
            }
        }
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
    // The check itself: the English help of a command fails it.
    let status = &entries.iter().find(|e| e.path == ["status"]).unwrap();
    let english = help_of(&sandbox, status, "--help", "en_US.UTF-8");
    assert!(problems(status, &english, "Examples:").len() > 5);
}

/// Characters only Simplified Chinese writes (their Traditional forms differ).
const SIMPLIFIED_ONLY: &str = "设账号选项显务时数据额钥过为这个输获删录缓储键帮档认选们间级";

#[test]
fn every_subcommand_help_is_traditional_chinese_under_zh_tw() {
    let sandbox = sandbox();
    let mut all = Vec::new();
    let mut text = String::new();
    for entry in entries() {
        let help = help_of(&sandbox, &entry, "--help", "zh_TW.UTF-8");
        for problem in problems(&entry, &help, "示例:") {
            all.push(format!(
                "poolwatch {} --help: {problem}",
                entry.path.join(" ")
            ));
        }
        for c in help.chars().filter(|c| SIMPLIFIED_ONLY.contains(*c)) {
            all.push(format!(
                "poolwatch {} --help: Simplified {c}",
                entry.path.join(" ")
            ));
        }
        text.push_str(&help);
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
    for traditional in ["設定", "帳號", "選項", "顯示"] {
        assert!(text.contains(traditional), "{traditional}");
    }
}

#[test]
fn help_subcommand_and_errors_keep_working_in_chinese() {
    let sandbox = sandbox();
    let help = sandbox.run_env(&["help", "status"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(help.stdout.contains("在终端里显示号池"), "{}", help.stdout);
    let root = sandbox.run_env(&["--help"], &[("LANG", "zh_CN.UTF-8")]);
    assert!(root.stdout.contains("显示此信息或指定子命令的帮助"));
    assert!(
        root.stdout.contains("-V, --version  显示版本"),
        "{}",
        root.stdout
    );
    for (lang, want) in [
        ("zh_CN.UTF-8", "无法识别的选项或参数"),
        ("zh_TW.UTF-8", "無法識別的選項或引數"),
    ] {
        let bad = sandbox.run_env(&["config", "set", "--bogus"], &[("LANG", lang)]);
        assert_eq!(bad.code, 2, "{}", bad.stderr);
        assert!(bad.stderr.contains(want), "{lang}: {}", bad.stderr);
        assert!(bad.stderr.contains("--bogus"), "{}", bad.stderr);
        let missing = sandbox.run_env(&["guard", "--window", "5h"], &[("LANG", lang)]);
        assert!(
            missing.stderr.contains("--min-remaining"),
            "{}",
            missing.stderr
        );
        assert!(has_cjk(&missing.stderr), "{}", missing.stderr);
    }
    // Parsing is unchanged by the translated tree: a good command line runs.
    let ok = sandbox.run_env(
        &["--demo", "status", "--format", "short"],
        &[("LANG", "zh_CN.UTF-8")],
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}
