//! Helpers shared by the command-line tests.
#![allow(dead_code)]

use assert_cmd::Command;

/// The `actfn` binary of this build.
pub fn actfn() -> Command {
    Command::cargo_bin("actfn").unwrap()
}

/// Standard output of a run that must succeed.
pub fn stdout(args: &[&str]) -> String {
    let out = actfn().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A run that must fail with exit code 2 and one line `error: ...` containing `needle`,
/// writing nothing to standard output.
pub fn one_line_error(args: &[&str], needle: &str) {
    let out = actfn().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{args:?}: {err}");
    assert!(out.stdout.is_empty());
}
