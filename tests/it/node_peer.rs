//! The project's own node test peer, `tests/peer/`: the Fedify ActivityPub server the
//! federation tests talk to, and the strict JSON-LD checker (jsonld.js with local
//! copies of the published contexts). It lives in the repository, pinned by its
//! `package-lock.json`, so a fresh clone needs only Rust, OpenSSH and Node.
//!
//! `npm ci` runs once per dependency set: node_modules is cached under the target
//! dir (`target/tmp/node-peer-HASH`, keyed by a hash of `package.json` and
//! `package-lock.json`), so later runs start at once and a changed lock file
//! installs afresh. The scripts are copied from the checkout on every run, next to a
//! link to that node_modules, so an edited `peer.mjs` needs no reinstall.
//!
//! Without node (or without npm while nothing is cached yet) the tests that need it
//! print a loud SKIPPED line straight to the terminal, past libtest's capture, and
//! pass without checking anything; `.ci/run` installs node so CI always runs them.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use sha2::{Digest as _, Sha256};

/// The peer's sources in the checkout.
fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer")
}

fn has(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Says loudly, once per test run, why node tests are skipped. libtest captures
/// `eprintln!` of passing tests, so this writes to the process's stderr directly.
fn say_skipped(why: &str) {
    static SAID: OnceLock<()> = OnceLock::new();
    SAID.get_or_init(|| {
        let line = format!(
            "\nSKIPPED: the federation and JSON-LD tests need node and npm ({why}); \
             they pass here without checking anything. Install Node (>= 20) to run them.\n\n"
        );
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    });
}

/// A directory where `node peer.mjs` (or any script of `tests/peer`) runs with its
/// dependencies installed, or None, after a loud SKIPPED line, when node is missing.
/// `test` names the caller in its own (captured) skip note.
pub fn installed(test: &str) -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    let dir = DIR.get_or_init(install).as_deref();
    if dir.is_none() {
        eprintln!("SKIPPED {test}: node is not installed");
    }
    dir
}

fn install() -> Option<PathBuf> {
    if !has("node") {
        say_skipped("node is not installed");
        return None;
    }
    let src = source();
    let mut hash = Sha256::new();
    for file in ["package.json", "package-lock.json"] {
        let bytes = std::fs::read(src.join(file))
            .unwrap_or_else(|e| panic!("the test peer's {file} in {}: {e}", src.display()));
        hash.update(&bytes);
    }
    let key: String = hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("node-peer-{key}"));
    if !cache.join("node_modules").is_dir() {
        if !has("npm") {
            say_skipped("npm is not installed and node_modules is not cached yet");
            return None;
        }
        npm_ci(&src, &cache);
    }
    Some(run_dir(&src, &cache))
}

/// Installs the locked dependencies into `cache`: `npm ci` in a staging dir, then one
/// rename, so a concurrent or interrupted run never sees half a node_modules.
fn npm_ci(src: &Path, cache: &Path) {
    let parent = cache.parent().expect("the cache has a parent");
    std::fs::create_dir_all(parent).expect("the target tmp dir");
    let staging = tempfile::Builder::new()
        .prefix("node-peer-staging-")
        .tempdir_in(parent)
        .expect("a staging dir");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(src.join(file), staging.path().join(file)).expect("copy the manifest");
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(staging.path())
        .output()
        .expect("run npm ci");
    assert!(
        out.status.success(),
        "npm ci of the test peer (tests/peer) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let staged = staging.keep();
    if std::fs::rename(&staged, cache).is_err() {
        // Another run finished first; its copy is as good as ours.
        assert!(
            cache.join("node_modules").is_dir(),
            "could not move the installed peer to {}",
            cache.display()
        );
        let _ = std::fs::remove_dir_all(&staged);
    }
}

/// A fresh temp dir with this checkout's scripts and a link to the cached node_modules.
fn run_dir(src: &Path, cache: &Path) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix("node-peer-")
        .tempdir()
        .expect("a temp dir")
        .keep();
    for entry in std::fs::read_dir(src).expect("read tests/peer") {
        let path = entry.expect("a tests/peer entry").path();
        if path.is_file() {
            let name = path.file_name().expect("a file name");
            std::fs::copy(&path, dir.join(name)).expect("copy a peer script");
        }
    }
    std::os::unix::fs::symlink(cache.join("node_modules"), dir.join("node_modules"))
        .expect("link node_modules");
    dir
}
