//! The Grafana dashboard and the Prometheus rules in contrib/ use only metric names that
//! `poolwatch metrics` really exports (a renamed metric fails here, not in someone's Grafana).

use std::collections::BTreeSet;
use std::process::Command;

/// Every `poolwatch_*` metric name in `text`.
fn names_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("poolwatch_") {
        let start = i + at;
        let boundary = start == 0 || {
            let c = bytes[start - 1] as char;
            !(c.is_ascii_alphanumeric() || c == '_')
        };
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |n| start + n);
        if boundary {
            names.insert(text[start..end].to_string());
        }
        i = end;
    }
    names
}

/// The metric families `poolwatch --demo metrics` exports (its `# TYPE` lines).
fn exported() -> BTreeSet<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_poolwatch"))
        .args(["--demo", "metrics"])
        .env("POOLWATCH_CONFIG", "/nonexistent/poolwatch-config.toml")
        .output()
        .expect("run poolwatch");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let families: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_string)
        .collect();
    assert!(families.len() >= 20, "{families:?}");
    families
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn dashboard_and_rules_use_only_exported_metrics() {
    let exported = exported();
    let dashboard = read("contrib/grafana/poolwatch.json");
    let json: serde_json::Value = serde_json::from_str(&dashboard).expect("dashboard is JSON");
    let panels = json["panels"].as_array().expect("panels");
    assert!(panels.len() >= 6);
    for panel in panels {
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{}", panel["title"]);
        for target in targets {
            let expr = target["expr"].as_str().expect("expr");
            assert!(!names_in(expr).is_empty(), "{expr}");
        }
    }
    let rules = read("contrib/prometheus/poolwatch.rules.yml");
    let rule_tests = read("contrib/prometheus/poolwatch.rules.test.yml");
    let used = [
        ("contrib/grafana/poolwatch.json", names_in(&dashboard), 12),
        (
            "contrib/prometheus/poolwatch.rules.yml",
            names_in(&rules),
            7,
        ),
        (
            "contrib/prometheus/poolwatch.rules.test.yml",
            names_in(&rule_tests),
            7,
        ),
    ];
    for (file, names, at_least) in used {
        assert!(names.len() >= at_least, "{file}: {names:?}");
        let unknown: Vec<&String> = names.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{file} uses metrics poolwatch does not export: {unknown:?}"
        );
    }
}

#[test]
fn the_name_scanner_finds_names_and_skips_prefixed_words() {
    let names = names_in("100 * poolwatch_a_b{x=\"1\"} / on(p) my_poolwatch_c + poolwatch_d");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["poolwatch_a_b", "poolwatch_d"]
    );
}
