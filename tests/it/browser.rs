//! The browser harness: the node package `tests/browser/` (playwright-core and
//! axe-core from the npm registry, no browser download) driving Debian's Chromium.
//! A test runs one scenario, `tests/browser/scenarios/NAME.mjs`, through
//! `node run.mjs NAME URL ARGS...` and reads its one JSON line.
//!
//! Without Chromium (`CAMP_CHROMIUM`, default `/usr/bin/chromium`) or node, browser
//! tests print a loud SKIPPED line and pass without checking anything; `.ci/run`
//! installs both, so CI always runs them. Screenshots land in
//! `target/tmp/browser-shots/`, to be looked at.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::node_peer::{Package, say_skipped};

/// The browser driver package.
const BROWSER: Package = Package {
    folder: "browser",
    needed_by: "the browser tests",
};

/// Longest a scenario may run.
const SCENARIO_DEADLINE: Duration = Duration::from_secs(120);

/// The Chromium binary the scenarios drive.
fn chromium() -> PathBuf {
    std::env::var_os("CAMP_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// The folder screenshots are written to.
pub fn shots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-shots")
}

/// The installed harness, or None (after a loud SKIPPED line) when Chromium or node is
/// missing. `test` names the caller in its own skip note.
pub fn harness(test: &str) -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    let dir = DIR
        .get_or_init(|| {
            if !chromium().is_file() {
                say_skipped(&format!(
                    "the browser tests need Chromium at {} (apt-get install chromium, or set \
                     CAMP_CHROMIUM); they pass here without checking anything.",
                    chromium().display()
                ));
                return None;
            }
            BROWSER.install()
        })
        .as_deref();
    if dir.is_none() {
        eprintln!("SKIPPED {test}: no Chromium or no node");
    }
    dir
}

/// Runs `scenario` on `url` with `args` and returns its result; panics with the
/// scenario's error (or output) when it failed.
pub async fn run(dir: &Path, scenario: &str, url: &str, args: &[&str]) -> Value {
    std::fs::create_dir_all(shots()).expect("the screenshot folder");
    let child = tokio::process::Command::new("node")
        .arg("run.mjs")
        .arg(scenario)
        .arg(url)
        .args(args)
        .current_dir(dir)
        .env("CAMP_CHROMIUM", chromium())
        .env("CAMP_BROWSER_OUT", shots())
        // The browser talks to loopback only: no proxy from the environment.
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start node run.mjs");
    let out = tokio::time::timeout(SCENARIO_DEADLINE, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("scenario {scenario} ran over {SCENARIO_DEADLINE:?}"))
        .expect("node run.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let parsed: Value = serde_json::from_str(line).unwrap_or_else(|_| {
        panic!(
            "scenario {scenario} printed no JSON line: stdout {stdout:?}, stderr {:?}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    if parsed["ok"] != Value::Bool(true) {
        panic!(
            "scenario {scenario} failed: {}\nstderr: {}",
            parsed["error"].as_str().unwrap_or(line),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    parsed["result"].clone()
}

/// axe-core's serious and critical violations in one page result of the `page`
/// scenario, as readable lines.
pub fn serious_violations(page: &Value) -> Vec<String> {
    page["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            format!(
                "{} ({}): {} at {}",
                v["id"], v["impact"], v["help"], v["nodes"]
            )
        })
        .collect()
}

/// The harness itself: Chromium loads a page, axe-core reports its serious faults
/// (so a clean report on camp's pages means something), and a screenshot is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_drives_chromium_and_axe_finds_faults() {
    let Some(dir) = harness("the_harness_drives_chromium") else {
        return;
    };
    let faulty = "data:text/html,<title>faulty</title><img src=x.png><p>hi</p>";
    let result = run(dir, "page", faulty, &["harness-selftest"]).await;
    let desktop = &result["desktop"];
    assert_eq!(desktop["title"], "faulty");
    assert_eq!(desktop["text"], "hi");
    let serious = serious_violations(desktop).join("\n");
    assert!(serious.contains("html-has-lang"), "{serious}");
    assert!(serious.contains("image-alt"), "{serious}");
    assert_eq!(result["phone"]["layout"]["innerWidth"], 390);
    let shot = shots().join("harness-selftest-phone.png");
    assert!(shot.is_file(), "no screenshot at {}", shot.display());
}
