//! Counts that add up (issue 17.2): the plan rows of `status --json` and the
//! widget snapshot say what their numbers are (`counted` in the sums, the
//! states of `counts`), and summed over the plans they give the pool's
//! partitioned `counts`, on the real binary with the demo pool.

mod common;

use common::Sandbox;
use serde_json::Value;

const STATES: [&str; 8] = [
    "total",
    "available",
    "killed",
    "cooling",
    "erroring",
    "disabled",
    "stale",
    "duplicates",
];

fn n(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

/// The plans of one section add up to its counts; returns how many accounts
/// are counted in the sums.
fn check_section(what: &str, counts: &Value, plans: &Value, accounts: &[Value]) -> u64 {
    let plans = plans.as_array().unwrap_or_else(|| panic!("{what}: plans"));
    assert!(!plans.is_empty(), "{what}");
    for state in STATES {
        let summed: u64 = plans.iter().map(|p| n(&p["counts"], state)).sum();
        assert_eq!(summed, n(counts, state), "{what}: {state} over the plans");
    }
    let mut counted = 0;
    for plan in plans {
        let c = &plan["counts"];
        assert_eq!(n(plan, "accounts"), n(c, "total"), "{what}: {plan}");
        // Deprecated alias, kept for older readers.
        assert_eq!(n(plan, "available"), n(plan, "counted"), "{what}: {plan}");
        let parts: u64 = [
            "available",
            "killed",
            "cooling",
            "erroring",
            "disabled",
            "duplicates",
        ]
        .iter()
        .map(|s| n(c, s))
        .sum();
        assert!(parts <= n(c, "total"), "{what}: {plan}");
        // Every account in the available state counts in the sums.
        assert!(n(plan, "counted") >= n(c, "available"), "{what}: {plan}");
        counted += n(plan, "counted");
    }
    // `counted` is the accounts the sums are made of: every week-killed one too.
    let killed = accounts
        .iter()
        .filter(|a| a["killed"] == true && a["available"] == true)
        .count() as u64;
    assert!(counted >= n(counts, "available") + killed, "{what}");
    counted
}

#[test]
fn plan_rows_add_up_with_the_pool_partition() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    let run = sandbox.run(&["--demo", "status", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let report = &doc["report"];
    let accounts = report["accounts"].as_array().unwrap();
    let codex: Vec<Value> = accounts
        .iter()
        .filter(|a| a["provider"] == "codex")
        .cloned()
        .collect();
    let counted = check_section("report", &report["counts"], &report["plans"], &codex);
    // The demo's plus accounts: one week-killed, one erroring with kept
    // values, one cooling; their old `available` (counted) was never the
    // pool's available state.
    let plus = report["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan"] == "plus")
        .unwrap();
    assert!(
        n(plus, "counted") > n(&plus["counts"], "available"),
        "{plus}"
    );
    assert!(n(&plus["counts"], "killed") >= 1, "{plus}");
    assert!(counted > n(&report["counts"], "available"));
    for section in report["sections"].as_array().unwrap() {
        let provider = section["provider"].as_str().unwrap();
        let mine: Vec<Value> = accounts
            .iter()
            .filter(|a| a["provider"] == provider)
            .cloned()
            .collect();
        check_section(provider, &section["counts"], &section["plans"], &mine);
    }
}

#[test]
fn the_widget_snapshot_carries_the_same_plan_counts() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    let run = sandbox.run(&["--demo", "snapshot"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let pool = &doc["pool"];
    let plans = pool["plans"].as_array().expect("pool.plans");
    for state in STATES {
        let summed: u64 = plans.iter().map(|p| n(&p["counts"], state)).sum();
        assert_eq!(summed, n(&pool["counts"], state), "{state}");
    }
}
