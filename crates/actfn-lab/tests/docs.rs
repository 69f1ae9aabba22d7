//! The committed activation reference (`docs/activations.md`) is what the generator
//! writes now from the registry and the golden fixtures: docs never drift from code.

use std::path::{Path, PathBuf};

use actfn::Kind;
use assert_cmd::Command;
use tempfile::TempDir;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    root().join("crates/actfn/tests/fixtures")
}

#[test]
fn the_committed_reference_is_current() {
    let fresh = actfn_lab::docs::generate_from(&fixtures()).unwrap();
    let path = root().join(actfn_lab::docs::DOCS_PATH);
    if let Err(e) = actfn_lab::docs::check(&path, &fresh) {
        panic!("{e:#}\n(from the workspace root: cargo run -p actfn-lab -- docs --out docs/activations.md)");
    }
}

#[test]
fn the_reference_covers_every_activation_with_its_accuracy() {
    let measured = actfn_lab::docs::measure(&fixtures()).unwrap();
    let text = actfn_lab::docs::generate(&measured);
    for &k in Kind::ALL {
        let info = k.info();
        assert!(text.contains(&format!("\n### {}\n", info.name)), "{}", info.name);
        assert!(text.contains(&info.signature()), "{}", info.name);
        assert!(text.contains(info.pytorch), "{}", info.name);
        for d in info.differences {
            assert!(text.contains(d), "{}: {d}", info.name);
        }
    }
    // Every fixture case measured in both dtypes, within the accuracy contract for the
    // element-wise kinds (the golden test holds the same bound).
    assert!(measured.len() >= 60, "{} cases", measured.len());
    for m in &measured {
        let (f32e, f64e) = (m.f32.unwrap(), m.f64.unwrap());
        if matches!(m.kind.info().shape, actfn::OpShape::Pointwise) {
            assert!(
                f32e.forward.ulp <= 4.0 && f32e.backward.ulp <= 4.0,
                "{}: {f32e:?}",
                m.label
            );
            assert!(
                f64e.forward.ulp <= 8.0 && f64e.backward.ulp <= 8.0,
                "{}: {f64e:?}",
                m.label
            );
        }
        assert_eq!(f32e.forward.nonfinite + f64e.forward.nonfinite, 0, "{}", m.label);
        let row = format!("| `{}` | {} |", m.label, f32e.forward.cell());
        assert!(text.contains(&row), "{row}");
    }
}

#[test]
fn docs_check_fails_on_a_stale_file() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("activations.md");
    let p = path.to_str().unwrap();
    let fx = fixtures();
    let fx = fx.to_str().unwrap();
    Command::new(env!("CARGO_BIN_EXE_actfn"))
        .args(["docs", "--out", p, "--fixtures", fx])
        .assert()
        .success();
    Command::new(env!("CARGO_BIN_EXE_actfn"))
        .args(["docs", "--out", p, "--fixtures", fx, "--check"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("| 0.50 |", "| 0.25 |", 1)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_actfn"))
        .args(["docs", "--out", p, "--fixtures", fx, "--check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains("is stale"), "{stderr}");
    // --check wrote nothing.
    assert!(std::fs::read_to_string(&path).unwrap().contains("| 0.25 |"));
    // Missing fixtures: one clear line.
    let out = Command::new(env!("CARGO_BIN_EXE_actfn"))
        .args(["docs", "--fixtures", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("golden fixture") && stderr.lines().count() == 1,
        "{stderr}"
    );
}
