import Foundation

/// Hand-made schema-3 snapshots (docs/widget.md "Schema 3"), independent of the fixture files.
/// Times are relative to T0 = 1785900000.
enum Samples {
    /// A whole pool: Codex (primary, Plus-base), Claude and Kimi (percent), four API keys, a server ban
    /// ending 23 minutes after T0, lanes on two accounts, and some fields from a future minor version.
    static func pool(language: String? = "en", banUntil: String = "1785901380") -> String {
        let lang = language.map { "\"language\": \"\($0)\"," } ?? ""
        return """
        {"schema_version": 3, "generated_at": 1785900000, "profile": "default", "title": "CLIProxy Pool",
         "demo": false, "updated_at": 1785899940, "stale": false, "error": null, \(lang)
         "ban_until": \(banUntil), "primary_provider": "codex",
         "pool": {"five_hour": {"remaining": 2955.0, "capacity": 4600.0, "level": "yellow",
                                "forecast": {"restored": 263.0, "target": 3218.0, "at": 1785904680}},
                  "weekly": {"remaining": 3400.0, "capacity": 4600.0, "level": "green", "forecast": null},
                  "counts": {"total": 3, "available": 3, "killed": 0, "cooling": 0, "erroring": 0, "disabled": 0, "stale": 0},
                  "health": {"buckets": [], "recent_failures": 0, "success": 40, "failed": 0},
                  "plans": [{"plan": "pro", "weight": 20, "accounts": 2, "available": 2},
                            {"plan": "plus", "weight": 1, "accounts": 6, "available": 6}],
                  "pace": null},
         "providers": [
           {"provider": "codex", "name": "Codex", "unit": "plus_percent",
            "windows": [{"name": "5h", "remaining": 2955.0, "capacity": 4600.0, "level": "yellow",
                         "forecast": {"restored": 263.0, "target": 3218.0, "at": 1785904680}},
                        {"name": "week", "remaining": 3400.0, "capacity": 4600.0, "level": "green", "forecast": null}],
            "counts": {"total": 3, "available": 3, "killed": 0, "cooling": 0, "erroring": 0, "disabled": 0, "stale": 0},
            "health": {"buckets": [], "recent_failures": 0, "success": 40, "failed": 0}},
           {"provider": "claude", "name": "Claude", "unit": "percent",
            "windows": [{"name": "5h", "remaining": 64.0, "capacity": 100.0, "level": "yellow", "forecast": null},
                        {"name": "week", "remaining": 162.0, "capacity": 200.0, "level": "green",
                         "forecast": {"restored": 20.0, "target": 182.0, "at": 1785986400}},
                        {"name": "broken window without numbers"}],
            "counts": {"total": 2, "available": 1, "killed": 0, "cooling": 1, "erroring": 0, "disabled": 0, "stale": 0},
            "health": {"buckets": [], "recent_failures": 2, "success": 10, "failed": 2},
            "future_minor_field": {"x": 1}},
           {"provider": "kimi", "unit": "credits_v9",
            "windows": [{"name": "week", "remaining": 12.5, "capacity": 100.0, "level": "red", "forecast": null}]},
           "not an object"],
         "api_keys": [
           {"provider": "openai", "host": "api.openai.com", "fingerprint": "1a2b3c4d",
            "label": "openai · api.openai.com · 1a2b3c4d", "success": 12, "failed": 1, "recent_failures": 0,
            "health": [\(buckets(failedAt: [2]))]},
           {"provider": "openai-compat", "host": "llm.example.net", "fingerprint": "99aa00ff",
            "label": "team proxy", "success": 3, "failed": 5, "recent_failures": 4,
            "health": [\(buckets(failedAt: [17, 18, 19]))]},
           {"provider": "gemini", "host": "generativelanguage.googleapis.com", "fingerprint": "0badf00d",
            "success": 0, "failed": 0, "recent_failures": 0, "health": []},
           {"provider": "claude", "host": "api.anthropic.com", "fingerprint": "cafe0001",
            "success": 7, "failed": 0, "recent_failures": 0, "health": [\(buckets(failedAt: []))], "hidden": false}],
         "accounts": [
           {"label": "pro@example.com", "plan": "pro", "weight": 20, "provider": "codex",
            "five_hour": {"remaining": 58.0, "effective": 58.0, "reset_at": 1785903600, "level": "yellow"},
            "weekly": {"remaining": 81.0, "effective": 81.0, "reset_at": null, "level": "green"},
            "killed": false, "available": true, "cooling": false, "disabled": false, "stale": false,
            "error": null, "recent_failures": 0,
            "lanes": [{"name": "GPT-5.3-Codex-Spark", "window": "5h", "remaining": 80.0, "reset_at": 1785903600},
                      {"name": "code review", "window": "week", "remaining": null, "reset_at": null}],
            "monthly": null, "reset_credits": {"available": 2, "expires_at": 1786000000}},
           {"label": "claude-max@example.com", "plan": "max20x", "weight": 20, "provider": "claude",
            "five_hour": {"remaining": 64.0, "effective": 64.0, "reset_at": 1785903600, "level": "yellow"},
            "weekly": {"remaining": 90.0, "effective": 90.0, "reset_at": 1786400000, "level": "green"},
            "killed": false, "available": true, "cooling": false, "disabled": false, "stale": false,
            "error": null, "recent_failures": 0,
            "lanes": [{"name": "seven_day_opus", "window": "week", "remaining": 15.0, "reset_at": 1786400000}]},
           {"label": "kimi@example.com", "plan": "", "weight": 1, "provider": "kimi",
            "five_hour": null, "weekly": {"remaining": 12.5, "effective": 12.5, "reset_at": null, "level": "red"},
            "killed": false, "available": true, "cooling": false, "disabled": false, "stale": false,
            "error": null, "recent_failures": 0}],
         "some_future_top_level_block": {"anything": [1, 2, 3]}}
        """
    }

    /// 20 buckets: two successes each, plus one failure in the given buckets.
    static func buckets(failedAt: Set<Int>) -> String {
        (0..<20).map { i in
            failedAt.contains(i) ? #"{"time": "", "success": 0, "failed": 1}"# : #"{"success": 2, "failed": 0}"#
        }.joined(separator: ", ")
    }

    /// A snapshot whose pool has no 5h window (every account week-only): `five_hour` is null.
    static let weekOnly = """
    {"schema_version": 3, "generated_at": 1785900000, "updated_at": 1785900000, "language": "zh-Hans",
     "primary_provider": "codex", "ban_until": null,
     "pool": {"five_hour": null,
              "weekly": {"remaining": 1500.0, "capacity": 2000.0, "level": "green", "forecast": null},
              "counts": {"total": 1, "available": 1}, "health": {"buckets": []}, "plans": []},
     "providers": [{"provider": "codex", "name": "Codex", "unit": "plus_percent",
                    "windows": [{"name": "week", "remaining": 1500.0, "capacity": 2000.0, "level": "green", "forecast": null}]}],
     "api_keys": [], "accounts": []}
    """

    /// An error snapshot during a ban: no pool yet, the error text from poolwatch.
    static let bannedError = """
    {"schema_version": 3, "generated_at": 1785900000, "updated_at": null, "stale": true,
     "error": "The server banned this IP after repeated failed logins", "language": "zh-Hans",
     "ban_until": 1785900045, "pool": null, "accounts": []}
    """
}
