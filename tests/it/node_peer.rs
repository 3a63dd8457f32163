//! The project's own node packages under `tests/`, installed for the tests that run
//! them: the Fedify ActivityPub peer and JSON-LD checker (`tests/peer/`, see
//! [`installed`]) and the browser driver (`tests/browser/`, see `crate::browser`).
//! Each lives in the repository, pinned by its `package-lock.json`, so a fresh clone
//! needs only Rust, OpenSSH and Node (and Chromium for the browser tests).
//!
//! `npm ci` runs once per dependency set: node_modules is cached under the target
//! dir (`target/tmp/node-NAME-HASH`, keyed by a hash of `package.json` and
//! `package-lock.json`), so later runs start at once and a changed lock file
//! installs afresh. The scripts are copied from the checkout on every run, next to a
//! link to that node_modules, so an edited script needs no reinstall.
//!
//! Without node (or without npm while nothing is cached yet) the tests that need it
//! print a loud SKIPPED line straight to the terminal, past libtest's capture, and
//! pass without checking anything; `.ci/run` installs node so CI always runs them.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use sha2::{Digest as _, Sha256};

/// One node package of the test suite.
pub struct Package {
    /// Its folder under `tests/`.
    pub folder: &'static str,
    /// Which tests need it, for the SKIPPED line.
    pub needed_by: &'static str,
}

/// The Fedify peer and the JSON-LD checker.
const PEER: Package = Package {
    folder: "peer",
    needed_by: "the federation and JSON-LD tests",
};

/// A directory where `node peer.mjs` (or any script of `tests/peer`) runs with its
/// dependencies installed, or None, after a loud SKIPPED line, when node is missing.
/// `test` names the caller in its own (captured) skip note.
pub fn installed(test: &str) -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    let dir = DIR.get_or_init(|| PEER.install()).as_deref();
    if dir.is_none() {
        eprintln!("SKIPPED {test}: node is not installed");
    }
    dir
}

fn has(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Says loudly, once per test run and reason, why tests are skipped. libtest captures
/// `eprintln!` of passing tests, so this writes to the process's stderr directly.
pub fn say_skipped(line: &str) {
    static SAID: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let said = SAID.get_or_init(Default::default);
    if said
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(line.to_string())
    {
        let _ = std::io::stderr()
            .lock()
            .write_all(format!("\nSKIPPED: {line}\n\n").as_bytes());
    }
}

impl Package {
    /// The package's sources in the checkout.
    fn source(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(self.folder)
    }

    fn skipped(&self, why: &str) {
        say_skipped(&format!(
            "{} need node and npm ({why}); they pass here without checking anything. \
             Install Node (>= 20) to run them.",
            self.needed_by
        ));
    }

    /// A fresh directory with this checkout's scripts and the installed dependencies,
    /// or None (after a loud SKIPPED line) when node is missing. Call it once per test
    /// run (keep the answer in a `OnceLock`).
    pub fn install(&self) -> Option<PathBuf> {
        if !has("node") {
            self.skipped("node is not installed");
            return None;
        }
        let src = self.source();
        let mut hash = Sha256::new();
        for file in ["package.json", "package-lock.json"] {
            let bytes = std::fs::read(src.join(file))
                .unwrap_or_else(|e| panic!("{file} in {}: {e}", src.display()));
            hash.update(&bytes);
        }
        let key: String = hash.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let cache =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("node-{}-{key}", self.folder));
        if !cache.join("node_modules").is_dir() {
            if !has("npm") {
                self.skipped("npm is not installed and node_modules is not cached yet");
                return None;
            }
            self.npm_ci(&src, &cache);
        }
        Some(self.run_dir(&src, &cache))
    }

    /// Installs the locked dependencies into `cache`: `npm ci` in a staging dir, then
    /// one rename, so a concurrent or interrupted run never sees half a node_modules.
    fn npm_ci(&self, src: &Path, cache: &Path) {
        let parent = cache.parent().expect("the cache has a parent");
        std::fs::create_dir_all(parent).expect("the target tmp dir");
        let staging = tempfile::Builder::new()
            .prefix(&format!("node-{}-staging-", self.folder))
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
            "npm ci of tests/{} failed: {}",
            self.folder,
            String::from_utf8_lossy(&out.stderr)
        );
        let staged = staging.keep();
        if std::fs::rename(&staged, cache).is_err() {
            // Another run finished first; its copy is as good as ours.
            assert!(
                cache.join("node_modules").is_dir(),
                "could not move the installed tests/{} to {}",
                self.folder,
                cache.display()
            );
            let _ = std::fs::remove_dir_all(&staged);
        }
    }

    /// A fresh temp dir with this checkout's scripts (sub-folders too) and a link to
    /// the cached node_modules.
    fn run_dir(&self, src: &Path, cache: &Path) -> PathBuf {
        let dir = tempfile::Builder::new()
            .prefix(&format!("node-{}-", self.folder))
            .tempdir()
            .expect("a temp dir")
            .keep();
        copy_scripts(src, &dir);
        std::os::unix::fs::symlink(cache.join("node_modules"), dir.join("node_modules"))
            .expect("link node_modules");
        dir
    }
}

/// Copies the files under `from` into `to`, leaving out any node_modules.
fn copy_scripts(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read a test package folder") {
        let path = entry.expect("a folder entry").path();
        let name = path.file_name().expect("a file name");
        if path.is_dir() && name != "node_modules" {
            std::fs::create_dir_all(to.join(name)).expect("a sub-folder");
            copy_scripts(&path, &to.join(name));
        } else if path.is_file() {
            std::fs::copy(&path, to.join(name)).expect("copy a script");
        }
    }
}
