//! The precomputed menu form (issue 10 item 2): a cache-hit plugin run reads
//! `menu.json` only, prints the same menu the full path prints, and falls back
//! to the full cache (without fetching) when the form does not match.

mod common;
mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{Run, Sandbox};
use support::{generated_pool, MockConfig, MockServer, DEFAULT_MANAGEMENT_KEY};

fn pool(n: usize) -> (MockServer, Sandbox) {
    let server = MockServer::start(MockConfig::with_accounts(generated_pool(n)));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 5\ndeadline_seconds = 60\nconcurrency = 16\nttl_seconds = 3600\n",
        server.url(),
        server.usage_url()
    ));
    (server, sandbox)
}

fn form_path(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.cache_file("default").with_file_name("menu.json")
}

fn second() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Two menus printed within the same second (relative times then match).
fn same_second(mut first: impl FnMut() -> Run, mut second_run: impl FnMut() -> Run) -> (Run, Run) {
    for _ in 0..5 {
        let start = second();
        let a = first();
        let b = second_run();
        if second() == start {
            return (a, b);
        }
    }
    panic!("could not run twice within one second");
}

#[test]
fn a_cache_hit_prints_the_full_menu_from_the_small_form() {
    let (server, sandbox) = pool(300);
    let first = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    assert_eq!(first.code, 0);
    let form = std::fs::read(form_path(&sandbox)).expect("the fetch wrote menu.json");
    let cache = std::fs::read(sandbox.cache_file("default")).unwrap();
    // What a hit reads: the header announces it (the listed accounts' views
    // follow, read only for a row whose pre-rendered text expired).
    let header = form.iter().position(|&b| b == b'\n').unwrap();
    let hot: usize = std::str::from_utf8(&form[..header])
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        hot * 3 < cache.len(),
        "form {hot} bytes read vs cache {} bytes",
        cache.len()
    );
    assert!(form.len() < cache.len(), "{} bytes", form.len());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(form_path(&sandbox))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let doc = common::menu_form_document(&form);
    common::menu_form_is_whole(&form).unwrap();
    for cut in [1, form.len() / 2, form.len() - 30] {
        assert!(common::menu_form_is_whole(&form[..cut]).is_err(), "{cut}");
    }
    assert_eq!(doc["omitted"], 300 - 60 - 40, "{}", doc["omitted"]);
    assert!(
        doc["head"]["state"].is_null(),
        "the form holds no pool state"
    );
    server.reset_stats();
    for dialect in [&[("SWIFTBAR", "1")][..], &[]] {
        let (hit, full) = same_second(
            || sandbox.run_env(&["plugin"], dialect),
            || {
                std::fs::remove_file(form_path(&sandbox)).unwrap();
                sandbox.run_env(&["plugin"], dialect)
            },
        );
        assert_eq!(
            hit.stdout, full.stdout,
            "the form gives the full path's menu"
        );
        assert!(hit.stdout.contains("… 200 more: open `poolwatch status`"));
        assert!(
            form_path(&sandbox).exists(),
            "the full path rewrote the form"
        );
    }
    assert_eq!(server.stats().total_requests, 0, "cache hits do not fetch");
}

#[test]
fn a_cache_hit_never_reads_the_cache_file() {
    let (_server, sandbox) = pool(30);
    assert_eq!(sandbox.run(&["plugin"]).code, 0);
    let good = sandbox.run(&["plugin"]);
    assert!(good.stdout.contains("user0001@example.com"));
    // Garbage of the same size in place, with the old modification time: the
    // file's identity is unchanged, so only a run that reads it can notice.
    let path = sandbox.cache_file("default");
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::io::Write::write_all(&mut &file, &vec![b'x'; len]).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    let hit = sandbox.run(&["plugin"]);
    assert!(
        hit.stdout.contains("user0001@example.com"),
        "{}",
        hit.stdout
    );
    assert!(!hit.stdout.contains("damaged"), "{}", hit.stdout);
    // The full path (here: `status`, which never uses the form) does read it.
    let status = sandbox.run(&["status"]);
    assert!(
        status.stderr.contains("damaged") || status.stdout.contains("damaged"),
        "{}{}",
        status.stdout,
        status.stderr
    );
}

#[test]
fn a_settings_change_re_renders_from_the_cache_without_fetching() {
    let (server, sandbox) = pool(30);
    assert_eq!(sandbox.run(&["plugin"]).code, 0);
    let before = std::fs::read(form_path(&sandbox)).unwrap();
    server.reset_stats();
    // Week-killed needs weekly < kill_line: raise it so most accounts are killed.
    let killed = sandbox.run_env(&["plugin"], &[("POOLWATCH_KILL_LINE", "99.5")]);
    assert_eq!(server.stats().total_requests, 0, "no fetch");
    let after = std::fs::read(form_path(&sandbox)).unwrap();
    assert_ne!(
        before, after,
        "the form was re-rendered for the new setting"
    );
    let plain = sandbox.run(&["plugin"]);
    let count = |run: &Run| run.stdout.matches("weekKILL").count();
    assert!(
        count(&killed) > count(&plain),
        "{} vs {}",
        count(&killed),
        count(&plain)
    );
    assert_eq!(server.stats().total_requests, 0, "no fetch");
}

#[test]
fn an_aged_cache_is_not_served_from_the_old_form() {
    let (server, sandbox) = pool(20);
    assert_eq!(sandbox.run(&["status"]).code, 0);
    assert_eq!(sandbox.run(&["plugin"]).code, 0);
    server.reset_stats();
    sandbox.age_cache("default", 7_200);
    let run = sandbox.run(&["plugin"]);
    assert_eq!(run.code, 0);
    assert!(
        server.stats().auth_files_requests >= 1 || run.stdout.contains("Refreshing"),
        "a due cache is refreshed: {}",
        run.stdout
    );
}

/// The form's document, its bytes and where the listed accounts' views
/// start (after the header line and the `hot` bytes it announces).
fn form_parts(sandbox: &Sandbox) -> (serde_json::Value, Vec<u8>, usize) {
    let bytes = std::fs::read(form_path(sandbox)).unwrap();
    let doc = common::menu_form_document(&bytes);
    let header = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let hot: usize = std::str::from_utf8(&bytes[..header - 1])
        .unwrap()
        .parse()
        .unwrap();
    (doc, bytes, header + hot)
}

#[test]
fn a_hit_fills_in_the_pre_rendered_rows_and_reads_a_view_only_when_a_row_expired() {
    let (server, sandbox) = pool(150);
    let swiftbar = [("SWIFTBAR", "1")];
    assert_eq!(sandbox.run_env(&["plugin"], &swiftbar).code, 0);
    let (doc, mut bytes, start) = form_parts(&sandbox);
    let rows = &doc["tail"]["rows"];
    assert_eq!(rows["style"], "en|swiftbar|false", "{rows}");
    let at = rows["at"].as_i64().unwrap();
    // Blank every listed account's view in place: a run that needs one fails.
    let views = doc["tail"]["views"].as_array().unwrap();
    assert_eq!(views.len(), 100);
    for span in views {
        let (a, b) = (span[0].as_u64().unwrap(), span[1].as_u64().unwrap());
        bytes[start + a as usize..start + b as usize].fill(b' ');
    }
    std::fs::write(form_path(&sandbox), &bytes).unwrap();
    server.reset_stats();
    let clock = |t: i64| {
        [
            ("SWIFTBAR", "1"),
            ("POOLWATCH_TEST_NOW", &*t.to_string().leak()),
        ]
    };

    // A second later every row still holds: filled in, no view read, the
    // form left as it is (a full run would rewrite a form it cannot read).
    let hit = sandbox.run_env(&["plugin"], &clock(at + 1));
    assert!(
        hit.stdout.matches("@example.com").count() >= 100,
        "{}",
        hit.stdout
    );
    assert_eq!(std::fs::read(form_path(&sandbox)).unwrap(), bytes);

    // Half an hour later some listed windows have reset: those rows are
    // rendered again from their views, which are gone, so the run takes the
    // full path (the same menu) and writes a whole form.
    let later = sandbox.run_env(&["plugin"], &clock(at + 1_800));
    assert!(
        later.stdout.matches("@example.com").count() >= 100,
        "{}",
        later.stdout
    );
    let (doc, _, _) = form_parts(&sandbox);
    assert_ne!(
        std::fs::read(form_path(&sandbox)).unwrap(),
        bytes,
        "rewritten"
    );
    assert_eq!(doc["tail"]["views"].as_array().unwrap().len(), 100);
    // The rewritten form serves that clock from its rows, as the full path does.
    let (hit, full) = same_second(
        || sandbox.run_env(&["plugin"], &clock(at + 1_800)),
        || {
            std::fs::remove_file(form_path(&sandbox)).unwrap();
            sandbox.run_env(&["plugin"], &clock(at + 1_800))
        },
    );
    assert_eq!(hit.stdout, full.stdout);
    assert_eq!(server.stats().total_requests, 0, "nothing was fetched");
}

/// The binary links no shared library it does not need: every one is opened,
/// mapped and relocated on each menu run before `main` (docs/performance.md,
/// "Binary records…"). libm was loaded for one cosine of the demo pool.
#[cfg(target_os = "linux")]
#[test]
fn the_binary_does_not_load_libm() {
    let binary = std::fs::read(env!("CARGO_BIN_EXE_poolwatch")).unwrap();
    let names = |name: &[u8]| binary.windows(name.len()).any(|w| w == name);
    // The test can fail: the C library is a needed library whose name is there.
    assert!(names(b"libc.so.6"));
    assert!(!names(b"libm.so.6"), "poolwatch links libm again");
}

/// A clock record that does not read back (here: a name number past the
/// form's names) is never skipped or guessed: the hit takes the full path,
/// which prints the same menu and writes a whole form again.
#[test]
fn a_clock_record_that_does_not_read_back_sends_the_hit_down_the_full_path() {
    let (server, sandbox) = pool(150);
    assert_eq!(sandbox.run(&["plugin"]).code, 0);
    let mut bytes = std::fs::read(form_path(&sandbox)).unwrap();
    let header = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut stream =
        serde_json::Deserializer::from_slice(&bytes[header..]).into_iter::<serde_json::Value>();
    let doc = stream.next().unwrap().unwrap();
    // The parts start after the document and its newline.
    let tail = header + stream.byte_offset() + 1;
    let clocks = &doc["tail"]["clocks"];
    let (a, b) = (clocks[0].as_u64().unwrap(), clocks[1].as_u64().unwrap());
    assert_eq!(doc["tail"]["clock_rows"], 150);
    assert_eq!((b - a) % 150, 0, "fixed-size records");
    let last = tail + b as usize - ((b - a) / 150) as usize;
    let names = doc["tail"]["names"].as_array().unwrap().len();
    assert!(names < 0xFFFE);
    bytes[last..last + 2].copy_from_slice(&0xFFFEu16.to_le_bytes());
    std::fs::write(form_path(&sandbox), &bytes).unwrap();
    server.reset_stats();
    // One clock for both runs (a second after the form's, when a whole
    // form is served as it is: see the test above).
    let at = doc["tail"]["rows"]["at"].as_i64().unwrap() + 1;
    let clock = [("POOLWATCH_TEST_NOW", &*at.to_string().leak())];
    let hit = sandbox.run_env(&["plugin"], &clock);
    assert_eq!(hit.code, 0);
    let rewritten = std::fs::read(form_path(&sandbox)).unwrap();
    assert_ne!(rewritten, bytes, "the form was written again");
    common::menu_form_is_whole(&rewritten).unwrap();
    std::fs::remove_file(form_path(&sandbox)).unwrap();
    let full = sandbox.run_env(&["plugin"], &clock);
    assert_eq!(hit.stdout, full.stdout, "the full path's menu");
    assert_eq!(server.stats().total_requests, 0, "nothing was fetched");
}
