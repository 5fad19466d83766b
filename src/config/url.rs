//! URL validation and normalisation for `pool_url` and `usage_url` (no URL crate: the rules are small).

/// Normalise a pool (CLIProxyAPI) base URL.
///
/// Adds `https://` when no scheme is given, lower-cases the scheme, removes trailing slashes and checks
/// that the result is an `http`/`https` URL with a host, an optional numeric port, no credentials, no
/// query or fragment, and no spaces, quotes, `|` or control characters. The error text says what is wrong.
pub fn normalize_pool_url(raw: &str) -> Result<String, String> {
    let url = parse_http_url(raw, false)?;
    let url = url.trim_end_matches('/').to_string();
    // The panel's page or the API's own path pasted as the pool URL (issue
    // 17.13): say which base URL to use instead of failing later as "no
    // management key".
    let lower = url.to_ascii_lowercase();
    for known in ["/management.html", "/v0/management"] {
        if let Some(at) = lower.find(known).filter(|at| {
            let rest = &lower[at + known.len()..];
            rest.is_empty() || rest.starts_with('/') || rest.starts_with('#')
        }) {
            let base = &url[..at];
            return Err(format!(
                "it ends in {known}, a path of the pool; the pool URL is the server's base: use \"{base}\" (http://HOST:PORT)"
            ));
        }
    }
    Ok(url)
}

/// Normalise the `wham/usage` URL: like [`normalize_pool_url`] but a query is allowed and the path is
/// kept exactly.
pub fn normalize_usage_url(raw: &str) -> Result<String, String> {
    parse_http_url(raw, true)
}

fn parse_http_url(raw: &str, allow_query: bool) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("the URL is empty".into());
    }
    if let Some(bad) = raw.chars().find(|c| is_forbidden_char(*c)) {
        return Err(format!(
            "the URL contains a forbidden character {bad:?} (spaces, quotes, '|', '\\', '<', '>', '`' and control characters are not allowed)"
        ));
    }
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_string(), raw),
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!(
            "the URL scheme \"{scheme}\" is not supported (use http:// or https://)"
        ));
    }
    let split_at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split_at);
    check_authority(authority)?;
    if tail.contains('#') {
        return Err("the URL must not contain a fragment ('#')".into());
    }
    if !allow_query && tail.contains('?') {
        return Err("the URL must not contain a query ('?')".into());
    }
    Ok(format!("{scheme}://{authority}{tail}"))
}

fn is_forbidden_char(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '|' | '\\' | '<' | '>' | '`')
}

/// Check `host[:port]` (host may be a bracketed IPv6 address); credentials are refused.
fn check_authority(authority: &str) -> Result<(), String> {
    if authority.contains('@') {
        return Err("the URL must not contain credentials (user:password@)".into());
    }
    let (host, port) = split_host_port(authority)?;
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
            && matches!(port.parse::<u32>(), Ok(1..=65535));
        if !valid {
            return Err(format!(
                "the URL port \"{port}\" is not a number in 1..=65535"
            ));
        }
    }
    Ok(())
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(inner) = authority.strip_prefix('[') {
        let (address, after) = inner
            .split_once(']')
            .ok_or("the URL has an unclosed '[' in its host")?;
        let valid_v6 = !address.is_empty()
            && address
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !valid_v6 {
            return Err(format!("the URL host [{address}] is not an IPv6 address"));
        }
        return match after {
            "" => Ok((address, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((address, Some(port))),
                None => Err("unexpected text after the IPv6 host".into()),
            },
        };
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(format!(
            "the URL host contains an invalid character {bad:?}"
        ));
    }
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_https_when_no_scheme_is_given() {
        assert_eq!(
            normalize_pool_url("pool.example.com").as_deref(),
            Ok("https://pool.example.com")
        );
        assert_eq!(
            normalize_pool_url("127.0.0.1:8317").as_deref(),
            Ok("https://127.0.0.1:8317")
        );
    }

    #[test]
    fn removes_trailing_slashes_and_surrounding_whitespace() {
        assert_eq!(
            normalize_pool_url("  http://127.0.0.1:8317/  ").as_deref(),
            Ok("http://127.0.0.1:8317")
        );
        assert_eq!(
            normalize_pool_url("https://h.example/base//").as_deref(),
            Ok("https://h.example/base")
        );
    }

    #[test]
    fn lower_cases_the_scheme_and_keeps_the_rest() {
        assert_eq!(
            normalize_pool_url("HTTP://Pool.Example:80/Api").as_deref(),
            Ok("http://Pool.Example:80/Api")
        );
    }

    #[test]
    fn accepts_bracketed_ipv6_hosts() {
        assert_eq!(
            normalize_pool_url("http://[::1]:8317/").as_deref(),
            Ok("http://[::1]:8317")
        );
        assert!(normalize_pool_url("http://[zz]:1").is_err());
        assert!(normalize_pool_url("http://[::1").is_err());
    }

    #[test]
    fn rejects_other_schemes_and_missing_hosts() {
        let err = normalize_pool_url("ftp://host").unwrap_err();
        assert!(err.contains("\"ftp\""), "{err}");
        assert_eq!(
            normalize_pool_url("http://").unwrap_err(),
            "the URL has no host"
        );
        assert_eq!(
            normalize_pool_url("http://:8317").unwrap_err(),
            "the URL has no host"
        );
        assert_eq!(normalize_pool_url("   ").unwrap_err(), "the URL is empty");
    }

    #[test]
    fn rejects_spaces_quotes_pipes_and_controls() {
        for bad in [
            "http://a b",
            "http://host\"x",
            "http://host'x",
            "http://host|bash=rm",
            "http://host\n",
            "http://ho\u{7}st",
        ] {
            let raw = format!("{bad}/");
            assert!(normalize_pool_url(&raw).is_err(), "{raw:?} accepted");
        }
        let err = normalize_pool_url("http://host|x").unwrap_err();
        assert!(err.contains("'|'"), "{err}");
    }

    #[test]
    fn rejects_bad_ports_credentials_queries_and_fragments() {
        assert!(normalize_pool_url("http://host:0").is_err());
        assert!(normalize_pool_url("http://host:65536").is_err());
        assert!(normalize_pool_url("http://host:http").is_err());
        assert!(normalize_pool_url("http://host:").is_err());
        assert!(normalize_pool_url("http://user:pw@host")
            .unwrap_err()
            .contains("credentials"));
        assert!(normalize_pool_url("http://host/?a=1")
            .unwrap_err()
            .contains("query"));
        assert!(normalize_pool_url("http://host/#x")
            .unwrap_err()
            .contains("fragment"));
        assert!(normalize_pool_url("http://ho%st").is_err());
    }

    #[test]
    fn usage_url_keeps_path_and_query() {
        assert_eq!(
            normalize_usage_url("http://127.0.0.1:9/wham/usage/?x=1").as_deref(),
            Ok("http://127.0.0.1:9/wham/usage/?x=1")
        );
        assert_eq!(
            normalize_usage_url("chatgpt.com/backend-api/wham/usage").as_deref(),
            Ok("https://chatgpt.com/backend-api/wham/usage")
        );
    }
}
