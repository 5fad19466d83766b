//! macOS notifications: `swiftbar://notify` under SwiftBar, `osascript` otherwise. The text of
//! an alert (account labels and error details come from the server) is never code and never
//! an option: it is URL-encoded, or passed after `--` behind a fixed prefix.

use crate::alerts::Alert;

/// Keep notification text short and free of control characters.
fn clean(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// Percent-encode a URL query value (RFC 3986 unreserved characters pass).
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The command (argv) that shows `alert` as a notification. Under SwiftBar
/// (`swiftbar_plugin` = the plugin's file name) it opens `swiftbar://notify`;
/// otherwise it runs osascript with the text passed as arguments (never
/// interpolated into the script, so no AppleScript injection).
pub fn notification_command(alert: &Alert, swiftbar_plugin: Option<&str>) -> Vec<String> {
    let title = clean(&alert.title, 120);
    let body = clean(&alert.body, 240);
    match swiftbar_plugin {
        Some(plugin) => vec![
            "/usr/bin/open".into(),
            "-g".into(),
            "--".into(),
            format!(
                "swiftbar://notify?plugin={}&title={}&body={}",
                url_encode(plugin),
                url_encode(&title),
                url_encode(&body)
            ),
        ],
        // `--` ends osascript's options, and each argument starts with a fixed `t:`/`b:` that
        // the script strips: a title such as `-e do shell script "…"` stays text.
        None => vec![
            "/usr/bin/osascript".into(),
            "-e".into(),
            "on run argv".into(),
            "-e".into(),
            "display notification (rest(item 2 of argv)) with title \"poolwatch\" subtitle (rest(item 1 of argv))"
                .into(),
            "-e".into(),
            "end run".into(),
            "-e".into(),
            "on rest(s)".into(),
            "-e".into(),
            "if length of s < 3 then return \"\"".into(),
            "-e".into(),
            "return text 3 thru -1 of s".into(),
            "-e".into(),
            "end rest".into(),
            "--".into(),
            format!("t:{title}"),
            format!("b:{body}"),
        ],
    }
}

/// Show the alerts as notifications (macOS); best effort, never blocks.
#[cfg(target_os = "macos")]
pub fn deliver(alerts: &[Alert], swiftbar_plugin: Option<&str>) {
    // The caller passes `alerts::notified` (hook events stay with the hooks).
    for alert in alerts {
        let argv = notification_command(alert, swiftbar_plugin);
        let _ = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

/// Elsewhere alerts are only logged (`poolwatch alerts`).
#[cfg(not(target_os = "macos"))]
pub fn deliver(_alerts: &[Alert], _swiftbar_plugin: Option<&str>) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::AlertKind;

    #[test]
    fn notification_commands_never_interpolate_text_into_code() {
        let alert = Alert {
            at: 0,
            kind: AlertKind::AccountError,
            title: "evil\" & do shell script \"rm -rf ~\"".into(),
            body: "line1\nline2 & more=1".into(),
        };
        let osa = notification_command(&alert, None);
        assert_eq!(osa[0], "/usr/bin/osascript");
        assert!(osa[..osa.len() - 2]
            .iter()
            .all(|part| !part.contains("evil")));
        assert_eq!(osa[osa.len() - 2], format!("t:{}", alert.title));
        assert_eq!(osa[osa.len() - 1], "b:line1 line2 & more=1");
        let swift = notification_command(&alert, Some("poolwatch.1m.sh"));
        assert_eq!(swift[..3], ["/usr/bin/open", "-g", "--"]);
        assert!(swift[3]
            .starts_with("swiftbar://notify?plugin=poolwatch.1m.sh&title=evil%22%20%26%20do"));
        assert!(swift[3].contains("&body=line1%20line2%20%26%20more%3D1"));
    }

    /// Issue 16 item 13: a label that looks like an option or a script never becomes one.
    #[test]
    fn option_like_server_text_stays_an_argument_after_the_separator() {
        let alert = Alert {
            at: 0,
            kind: AlertKind::AccountError,
            title: "-e… (do shell script \"touch /tmp/pwned\")".into(),
            body: "-l JavaScript".into(),
        };
        let argv = notification_command(&alert, None);
        let separator = argv
            .iter()
            .position(|a| a == "--")
            .expect("-- before the text");
        // Everything before the separator is poolwatch's own fixed script.
        assert!(argv[..separator]
            .iter()
            .all(|a| !a.contains("pwned") && !a.contains("JavaScript")));
        // After it: exactly the two prefixed arguments, none starting with untrusted text.
        assert_eq!(argv.len(), separator + 3);
        assert!(argv[separator + 1].starts_with("t:-e… (do shell script"));
        assert!(argv[separator + 2].starts_with("b:-l"));
        for arg in &argv[1..] {
            assert!(!arg.starts_with("-e…") && !arg.starts_with("-l "), "{arg}");
        }
        let swift = notification_command(&alert, Some("-plugin"));
        assert_eq!(swift[2], "--");
        assert!(swift[3].starts_with("swiftbar://notify?plugin=-plugin&title=-e"));
    }
}
