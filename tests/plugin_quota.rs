//! Issue 18 item 5: quota plugins of v8 servers. An account of a provider
//! poolwatch has no recipe for, whose credential entry says `supports_quota`
//! with a `quota_provider`, is read through `GET …/plugins/:id/quota` and shows
//! its lanes in the menu, `status --json` and the widget snapshot; hostile
//! answers leave a clear note and no number; servers without plugins cost no
//! extra request.

mod common;
mod support;

use common::Sandbox;
use serde_json::{json, Value};
use support::v8::{PluginMock, ServerShape};
use support::{MockAccount, MockConfig, MockServer, DEFAULT_MANAGEMENT_KEY};

const WORKBUDDY: &str = "workbuddy-wb@example.com.json";

/// A Codex account and an account of `workbuddy` (no recipe in poolwatch).
fn pool(shape: ServerShape, plugin: Option<PluginMock>) -> (MockServer, Sandbox) {
    let accounts = vec![
        MockAccount::new("codex@example.com", "plus"),
        MockAccount::provider("workbuddy", "wb@example.com", 500, "never asked"),
    ];
    let mut config = MockConfig::shaped(shape, accounts);
    if let Some(plugin) = plugin {
        config.v8.plugins.insert(WORKBUDDY.to_string(), plugin);
    }
    let server = MockServer::start(config);
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    (server, sandbox)
}

fn snapshot_answer() -> Value {
    json!({
        "subscription": {"plan": "Team", "tierName": "t2"},
        "summary": [{"key": "credits", "label": "Credits", "value": 12, "unit": "credits"}],
        "groups": [
            {"displayName": "Daily requests", "buckets": [
                {"remainingFraction": 0.25, "resetTime": "2099-01-01T00:00:00Z", "description": "250 / 1000"}
            ]},
            {"displayName": "Premium", "buckets": [{"remainingFraction": 0.875}]}
        ]
    })
}

fn account<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["report"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {json:#}"))
}

fn plugin_requests(server: &MockServer) -> u64 {
    server.stats().v8.plugin_quota_requests
}

#[test]
fn an_unknown_provider_with_a_plugin_shows_its_lanes_everywhere() {
    for shape in [ServerShape::V8, ServerShape::V8Only] {
        let (server, sandbox) = pool(
            shape,
            Some(PluginMock::ok("workbuddy-quota", snapshot_answer())),
        );
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{shape:?}: {}", run.stderr);
        let json = run.json();
        let wb = account(&json, WORKBUDDY);
        let lanes: Vec<(String, f64)> = wb["lanes"]
            .as_array()
            .unwrap_or_else(|| panic!("{wb:#}"))
            .iter()
            .map(|l| {
                (
                    l["name"].as_str().unwrap().to_string(),
                    l["remaining"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            lanes,
            [
                ("Daily requests".to_string(), 25.0),
                ("Premium".to_string(), 87.5)
            ],
            "{shape:?}: {wb:#}"
        );
        assert_eq!(wb["lanes"][0]["reset_at"], 4_070_908_800i64, "{wb:#}");
        assert_eq!(plugin_requests(&server), 1, "{shape:?}: one plugin read");
        // The plugin is the only way in: no api-call for this account.
        assert_eq!(
            server.stats().calls_per_auth_index.len(),
            1,
            "{shape:?}: only the Codex account used api-call"
        );

        // The menu's account submenu lists the lanes.
        let menu = sandbox.run_plugin(true);
        if std::env::var_os("POOLWATCH_SHOW_MENU").is_some() {
            println!("{}", menu.stdout);
            println!("{}", sandbox.run(&["status", "--no-color"]).stdout);
        }
        assert!(menu.stdout.contains("Daily requests"), "{}", menu.stdout);
        assert!(menu.stdout.contains("Premium"), "{}", menu.stdout);
        // Read, not "health only": the section says where its quota comes from
        // and the account row shows its tightest lane, not "quota not read".
        let out = &menu.stdout;
        assert!(!out.contains("quota not read"), "{out}");
        assert!(
            out.contains("workbuddy · 1 account · quota per account, from the server's plugin"),
            "{out}"
        );
        let row = out
            .lines()
            .find(|l| l.contains("wb@example.com") && !l.starts_with("--"))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(row.contains("Daily requests 25%"), "{row}");
        assert!(
            !row.contains("#8E8E93"),
            "a read account is not greyed out: {row}"
        );
        let submenu: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.contains("wb@example.com"))
            .skip(1)
            .take_while(|l| l.starts_with("--"))
            .collect();
        assert!(
            !submenu.iter().any(|l| l.contains("no data")),
            "no 5h/Week lines of poolwatch's own: {submenu:?}"
        );
        let status = sandbox.run(&["status", "--no-color"]);
        assert!(
            status.stdout.contains(
                "workbuddy · Accounts 1/1 available · quota per account, from the server's plugin"
            ),
            "{}",
            status.stdout
        );
        assert!(
            status.stdout.contains("  Daily requests 25% left"),
            "{}",
            status.stdout
        );
        assert!(!status.stdout.contains("health only"), "{}", status.stdout);
        // The widget snapshot carries them too.
        let snapshot: Value =
            serde_json::from_slice(&std::fs::read(sandbox.snapshot_path()).unwrap()).unwrap();
        let text = snapshot.to_string();
        assert!(
            text.contains("Daily requests") && text.contains("Premium"),
            "{snapshot:#}"
        );

        // Fresh enough: the next scheduled run reads nothing again.
        let again = sandbox.run(&["status", "--json"]);
        assert_eq!(again.code, 0);
        assert_eq!(plugin_requests(&server), 1, "{shape:?}: no second read");
    }
}

#[test]
fn hostile_plugin_answers_leave_a_note_and_no_number() {
    for (body, says) in [
        (
            json!({"groups": [{"displayName": "D", "buckets": [{"remainingFraction": 1.7}]}]}).to_string(),
            "remainingFraction 1.7",
        ),
        (
            json!({"groups": [{"displayName": "D", "buckets": [{"remainingFraction": "lots"}]}]}).to_string(),
            "remainingFraction lots",
        ),
        (
            json!({"groups": [{"displayName": "D", "buckets": [{"remainingFraction": 0.5, "resetTime": "soon"}]}]}).to_string(),
            "resetTime soon",
        ),
        ("<html>login</html>".to_string(), "HTML"),
        ("{}".to_string(), "no quota"),
    ] {
        let plugin = PluginMock {
            id: "wb".into(),
            status: 200,
            body: body.clone(),
        };
        let (server, sandbox) = pool(ServerShape::V8, Some(plugin));
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{body}: {}", run.stderr);
        let json = run.json();
        let wb = account(&json, WORKBUDDY);
        let note = wb.to_string();
        assert!(note.contains("quota plugin wb") && note.contains(says), "{body}: {wb:#}");
        assert_eq!(wb["lanes"].as_array().map_or(0, Vec::len), 0, "{body}: {wb:#}");
        assert_eq!(plugin_requests(&server), 1);
        // The Codex account is not hurt.
        assert!(account(&json, "codex-codex@example.com-plus.json")["five_hour"].is_object());
    }
    // A plugin that fails upstream (502) or is gone (404): the account's note.
    for (status, says) in [(502, "failed (HTTP 502)"), (404, "no such plugin")] {
        let plugin = PluginMock {
            id: "wb".into(),
            status,
            body: json!({"error": "boom"}).to_string(),
        };
        let (server, sandbox) = pool(ServerShape::V8, Some(plugin));
        let json = sandbox.run(&["status", "--json"]).json();
        let wb = account(&json, WORKBUDDY).to_string();
        assert!(wb.contains(says), "{status}: {wb}");
        // Never asked twice: a retry would cost the plugin's upstream again.
        assert_eq!(plugin_requests(&server), 1, "{status}");
    }
}

#[test]
fn servers_without_plugins_cost_no_extra_request() {
    for shape in ServerShape::ALL {
        // The plugin is configured but only v8 shapes list it on the entry.
        let (server, sandbox) = pool(shape, Some(PluginMock::ok("wb", snapshot_answer())));
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{shape:?}: {}", run.stderr);
        let stats = server.stats();
        if shape.serves_v8() {
            assert_eq!(stats.v8.plugin_quota_requests, 1, "{shape:?}");
            continue;
        }
        assert_eq!(stats.v8.plugin_quota_requests, 0, "{shape:?}");
        // Every request is the list, an api-call, api-key usage or the one v8
        // probe (a 404 on servers before v8): nothing else.
        assert!(stats.v8.missing_routes <= 1, "{shape:?}: {stats:?}");
        assert_eq!(
            stats.total_requests,
            stats.auth_files_requests
                + stats.api_call_requests
                + stats.api_key_usage_requests
                + stats.v8.missing_routes,
            "{shape:?}: {stats:?}"
        );
        // The account is listed with its health only.
        let json = run.json();
        assert_eq!(
            account(&json, WORKBUDDY)["lanes"]
                .as_array()
                .map_or(0, Vec::len),
            0
        );
    }
    // A v8 server whose entries name no plugin: no plugin request either.
    let (server, sandbox) = pool(ServerShape::V8, None);
    assert_eq!(sandbox.run(&["status", "--json"]).code, 0);
    assert_eq!(plugin_requests(&server), 0);
}
