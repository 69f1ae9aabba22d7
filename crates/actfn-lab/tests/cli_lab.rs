//! `actfn lab` and `actfn report` on the command line: bad options get one clear line
//! and exit code 2; a tiny experiment runs and writes its results.

use assert_cmd::Command;

fn actfn() -> Command {
    Command::cargo_bin("actfn").unwrap()
}

fn one_line_error(args: &[&str], needle: &str) {
    let out = actfn().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{args:?}: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_lab_options_are_refused() {
    one_line_error(&["lab", "nope"], "unknown experiment `nope`");
    one_line_error(&["lab", "selu", "--act", "relu7"], "did you mean `relu`");
    one_line_error(&["lab", "selu", "--act", "celu(0)"], "alpha cannot be 0");
    one_line_error(&["lab", "step", "--steps", "0"], "--steps must be at least 1");
    one_line_error(&["lab", "step", "--profile", "huge"], "huge");
    one_line_error(&["report", "--tiny", "--quick"], "cannot be used with");
}

#[test]
fn a_tiny_experiment_runs_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = actfn()
        .args(["lab", "stability", "--profile", "tiny", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("stability: supported"), "{text}");
    assert!(dir.path().join("stability/result.json").exists());
    assert!(dir.path().join("stability/softplus_error.png").exists());
}
