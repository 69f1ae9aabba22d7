//! End-to-end tests of the `actfn` binary: output, files, and the one-line error policy.

use std::path::{Path, PathBuf};

use actfn::{Activation, Family, Kind};
use assert_cmd::Command;
use npyz::WriterBuilder;
use predicates::prelude::*;
use tempfile::TempDir;

fn actfn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_actfn"))
}

/// Runs `actfn args`, expects failure with exit code `code` and exactly one stderr
/// line starting with `error: `; returns that line.
fn fails(args: &[&str], code: i32) -> String {
    let out = actfn().args(args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: not one line: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{args:?}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr.trim_end().to_string()
}

fn stdout_of(args: &[&str]) -> String {
    let out = actfn().args(args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn lines(args: &[&str]) -> Vec<String> {
    stdout_of(args).lines().map(str::to_string).collect()
}

trait Elem: npyz::Serialize + npyz::Deserialize + npyz::AutoSerialize + actfn::Element {}
impl Elem for f32 {}
impl Elem for f64 {}

fn write_npy<T: Elem>(path: &Path, shape: &[u64], data: &[T]) {
    let mut bytes = Vec::new();
    let mut w = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut bytes)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// (descr, shape, data) of a .npy file read as `T`.
fn read_npy<T: Elem>(path: &Path) -> (String, Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap();
    let file = npyz::NpyFile::new(&bytes[..]).unwrap();
    let descr = file.dtype().descr();
    let shape = file.shape().to_vec();
    (descr, shape, file.into_vec::<T>().unwrap())
}

struct Dir {
    tmp: TempDir,
}

impl Dir {
    fn new() -> Self {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }
    fn file_count(&self) -> usize {
        std::fs::read_dir(self.tmp.path()).unwrap().count()
    }
}

/// Deterministic test inputs covering both signs, zero and the kinks.
fn inputs(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| match i % 7 {
            0 => 0.0,
            _ => ((i as f64) * 0.37).sin() * 4.0,
        })
        .collect()
}

#[test]
fn list_shows_every_kind_and_family() {
    let text = stdout_of(&["list"]);
    for &k in Kind::ALL {
        let name = k.name();
        assert!(
            text.lines().any(|l| {
                let first = l.split_whitespace().next().unwrap_or("");
                first == name || first.starts_with(&format!("{name}("))
            }),
            "{name} missing from list"
        );
    }
    for f in Family::ALL {
        assert!(text.lines().any(|l| l == f.title()), "{}", f.title());
    }
    assert!(text.contains("leaky_relu(negative_slope=0.01)"));
    assert!(text.contains("threshold(threshold, value)"));
    assert!(text.contains("gelu(approximate=none|tanh)"));
    assert!(text.contains("swish"), "aliases are shown");
}

#[test]
fn list_json_is_an_array_of_every_kind() {
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&["list", "--json"])).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), Kind::ALL.len());
    for &k in Kind::ALL {
        assert!(names.contains(&k.name()), "{}", k.name());
    }
    let softplus = v.as_array().unwrap().iter().find(|o| o["name"] == "softplus").unwrap();
    assert_eq!(softplus["params"][0]["name"], "beta");
    assert_eq!(softplus["params"][1]["default"], 20.0);
}

#[test]
fn describe_gelu_shows_formula_and_differences() {
    let text = stdout_of(&["describe", "gelu"]);
    let info = Kind::Gelu.info();
    assert!(text.contains(info.formula), "{text}");
    assert!(text.contains("Differences from PyTorch"), "{text}");
    assert!(text.contains("gelu(-inf) = 0 (PyTorch: NaN)"), "{text}");
    assert!(text.contains("approximate = none"), "{text}");
    assert!(text.contains(info.pytorch), "{text}");
}

#[test]
fn describe_shows_the_values_of_a_spec() {
    let text = stdout_of(&["describe", "softplus(beta=2)"]);
    assert!(text.contains("softplus(beta=2)"), "{text}");
    assert!(text.contains("beta = 2  (default 1"), "{text}");
}

#[test]
fn eval_relu_values() {
    assert_eq!(lines(&["eval", "relu", "-1", "0", "2"]), ["0", "0", "2"]);
}

#[test]
fn eval_leaky_relu_negative() {
    assert_eq!(lines(&["eval", "leaky_relu(0.2)", "-1"]), ["-0.2"]);
    // In f32, the parameter is rounded to f32 as PyTorch does.
    assert_eq!(lines(&["eval", "leaky_relu(0.2)", "-1", "--dtype", "f32"]), ["-0.2"]);
}

#[test]
fn eval_special_values_and_options_after_values() {
    assert_eq!(
        lines(&["eval", "relu", "-inf", "inf", "nan", "-.5", "--dtype", "f64"]),
        ["0", "inf", "NaN", "0"]
    );
}

#[test]
fn eval_values_match_the_library_in_shortest_form() {
    let act = Activation::parse("gelu").unwrap();
    let x = [-3.5, -0.75, 0.1, 2.0];
    let mut y = [0.0; 4];
    act.forward(&x, &mut y).unwrap();
    let got = lines(&["eval", "gelu", "-3.5", "-0.75", "0.1", "2"]);
    let parsed: Vec<f64> = got.iter().map(|s| s.parse().unwrap()).collect();
    assert_eq!(parsed, y);
}

#[test]
fn eval_glu_values_halve() {
    // glu([a, b]) = a·sigmoid(b): [1, 2, 0, 0] → [1·σ(0), 2·σ(0)] = [0.5, 1].
    assert_eq!(lines(&["eval", "glu", "1", "2", "0", "0"]), ["0.5", "1"]);
}

fn npy_roundtrip<T: Elem>(descr: &str) {
    let dir = Dir::new();
    let x64 = inputs(24);
    let x: Vec<T> = x64.iter().map(|&v| T::from_f64(v)).collect();
    write_npy(&dir.path("x.npy"), &[2, 3, 4], &x);
    actfn()
        .args(["eval", "silu", "--input", &dir.s("x.npy"), "--output", &dir.s("y.npy")])
        .assert()
        .success()
        .stdout("");
    let (d, shape, y) = read_npy::<T>(&dir.path("y.npy"));
    assert_eq!(d, descr);
    assert_eq!(shape, [2, 3, 4]);
    let mut want = vec![T::from_f64(0.0); 24];
    Activation::parse("silu").unwrap().forward(&x, &mut want).unwrap();
    assert_eq!(y, want);
}

#[test]
fn eval_npy_roundtrip_f32() {
    npy_roundtrip::<f32>("'<f4'");
}

#[test]
fn eval_npy_roundtrip_f64() {
    npy_roundtrip::<f64>("'<f8'");
}

#[test]
fn eval_npy_0d() {
    let dir = Dir::new();
    write_npy(&dir.path("x.npy"), &[], &[-2.0f64]);
    actfn()
        .args(["eval", "leaky_relu(0.5)", "-i", &dir.s("x.npy"), "-o", &dir.s("y.npy")])
        .assert()
        .success();
    let (_, shape, y) = read_npy::<f64>(&dir.path("y.npy"));
    assert!(shape.is_empty());
    assert_eq!(y, [-1.0]);
}

#[test]
fn eval_softmax_dim0_on_2d() {
    let dir = Dir::new();
    let x = [1.0f64, 2.0, 3.0, 3.0, 2.0, 1.0];
    write_npy(&dir.path("x.npy"), &[2, 3], &x);
    actfn()
        .args([
            "eval",
            "softmax(dim=0)",
            "--input",
            &dir.s("x.npy"),
            "--output",
            &dir.s("y.npy"),
        ])
        .assert()
        .success();
    let (_, shape, y) = read_npy::<f64>(&dir.path("y.npy"));
    assert_eq!(shape, [2, 3]);
    let mut want = [0.0; 6];
    Activation::parse("softmax(dim=0)")
        .unwrap()
        .forward_shaped(&x, &[2, 3], &mut want)
        .unwrap();
    assert_eq!(y, want);
    // Columns sum to 1 (dim 0), rows do not.
    for c in 0..3 {
        assert!((y[c] + y[3 + c] - 1.0).abs() < 1e-15);
    }
    assert!((y[0] + y[1] + y[2] - 1.0).abs() > 0.1);
}

#[test]
fn eval_glu_npy_halves_the_last_dim() {
    let dir = Dir::new();
    let x: Vec<f32> = (0..8).map(|i| i as f32 - 3.5).collect();
    write_npy(&dir.path("x.npy"), &[2, 4], &x);
    actfn()
        .args(["eval", "glu", "--input", &dir.s("x.npy"), "--output", &dir.s("y.npy")])
        .assert()
        .success();
    let (d, shape, y) = read_npy::<f32>(&dir.path("y.npy"));
    assert_eq!(d, "'<f4'");
    assert_eq!(shape, [2, 2]);
    let mut want = [0.0f32; 4];
    Activation::parse("glu")
        .unwrap()
        .forward_shaped(&x, &[2, 4], &mut want)
        .unwrap();
    assert_eq!(y, want);
}

#[test]
fn glu_odd_size_is_an_error() {
    let dir = Dir::new();
    write_npy(&dir.path("x.npy"), &[2, 3], &[1.0f64; 6]);
    let line = fails(
        &["eval", "glu", "--input", &dir.s("x.npy"), "--output", &dir.s("y.npy")],
        1,
    );
    assert!(line.contains("odd"), "{line}");
    assert!(!dir.path("y.npy").exists());
    let line = fails(&["eval", "glu", "1", "2", "3"], 1);
    assert!(line.contains("odd"), "{line}");
}

#[test]
fn grad_values_print_derivatives() {
    assert_eq!(lines(&["grad", "relu", "0", "1", "-1"]), ["0", "1", "0"]);
    assert_eq!(lines(&["grad", "leaky_relu(0.2)", "-3", "2"]), ["0.2", "1"]);
}

#[test]
fn grad_npy_roundtrip_matches_library_backward() {
    let dir = Dir::new();
    for spec in ["gelu(approximate=tanh)", "log_softmax(dim=1)", "swiglu(dim=0)"] {
        let x: Vec<f64> = inputs(24);
        let act = Activation::parse(spec).unwrap();
        let out_shape = act.output_shape(&[4, 3, 2]).unwrap();
        let n: usize = out_shape.iter().product();
        let g: Vec<f64> = (0..n).map(|i| 0.5 + i as f64 / 7.0).collect();
        let g_shape: Vec<u64> = out_shape.iter().map(|&d| d as u64).collect();
        write_npy(&dir.path("x.npy"), &[4, 3, 2], &x);
        write_npy(&dir.path("g.npy"), &g_shape, &g);
        actfn()
            .args([
                "grad",
                spec,
                "--input",
                &dir.s("x.npy"),
                "--grad-output",
                &dir.s("g.npy"),
                "--output",
                &dir.s("dx.npy"),
            ])
            .assert()
            .success();
        let (d, shape, dx) = read_npy::<f64>(&dir.path("dx.npy"));
        assert_eq!(d, "'<f8'");
        assert_eq!(shape, [4, 3, 2], "{spec}");
        let mut want = vec![0.0; 24];
        act.backward_shaped(&x, &[4, 3, 2], &g, &mut want).unwrap();
        assert_eq!(dx, want, "{spec}");
    }
}

#[test]
fn prelu_per_channel_weight_and_weight_grad() {
    let dir = Dir::new();
    let x: Vec<f32> = inputs(24).iter().map(|&v| v as f32).collect();
    let g: Vec<f32> = (0..24).map(|i| 1.0 + i as f32 / 10.0).collect();
    let w = [0.1f32, 0.2, 0.3];
    write_npy(&dir.path("x.npy"), &[2, 3, 4], &x);
    write_npy(&dir.path("g.npy"), &[2, 3, 4], &g);
    write_npy(&dir.path("w.npy"), &[3], &w);
    let act = Activation::prelu(&w.map(f64::from)).unwrap();

    actfn()
        .args([
            "eval",
            "prelu",
            "-i",
            &dir.s("x.npy"),
            "-w",
            &dir.s("w.npy"),
            "-o",
            &dir.s("y.npy"),
        ])
        .assert()
        .success();
    let (_, shape, y) = read_npy::<f32>(&dir.path("y.npy"));
    assert_eq!(shape, [2, 3, 4]);
    let mut want = vec![0.0f32; 24];
    act.forward_shaped(&x, &[2, 3, 4], &mut want).unwrap();
    assert_eq!(y, want);
    // Channel 2's negatives are scaled by 0.3, not the default 0.25.
    assert!((0..2)
        .flat_map(|o| (0..4).map(move |k| o * 12 + 8 + k))
        .any(|i| x[i] < 0.0 && y[i] == x[i] * 0.3));

    actfn()
        .args([
            "grad",
            "prelu",
            "--input",
            &dir.s("x.npy"),
            "--grad-output",
            &dir.s("g.npy"),
            "--weight",
            &dir.s("w.npy"),
            "--output",
            &dir.s("dx.npy"),
            "--grad-weight",
            &dir.s("dw.npy"),
        ])
        .assert()
        .success();
    let (_, shape, dx) = read_npy::<f32>(&dir.path("dx.npy"));
    assert_eq!(shape, [2, 3, 4]);
    let mut want_dx = vec![0.0f32; 24];
    act.backward_shaped(&x, &[2, 3, 4], &g, &mut want_dx).unwrap();
    assert_eq!(dx, want_dx);
    let (d, shape, dw) = read_npy::<f32>(&dir.path("dw.npy"));
    assert_eq!(d, "'<f4'");
    assert_eq!(shape, [3]);
    let mut want_dw = [0.0f32; 3];
    act.prelu_weight_grad(&x, &[2, 3, 4], &g, &mut want_dw).unwrap();
    assert_eq!(dw, want_dw);
    assert!(dw.iter().any(|&v| v != 0.0));
}

#[test]
fn prelu_weight_count_must_match_channels() {
    let dir = Dir::new();
    write_npy(&dir.path("x.npy"), &[2, 3, 4], &[1.0f64; 24]);
    write_npy(&dir.path("w.npy"), &[2], &[0.1f64, 0.2]);
    let line = fails(
        &[
            "eval",
            "prelu",
            "-i",
            &dir.s("x.npy"),
            "-w",
            &dir.s("w.npy"),
            "-o",
            &dir.s("y.npy"),
        ],
        1,
    );
    assert!(line.contains("channel"), "{line}");
    assert!(!dir.path("y.npy").exists());
}

#[test]
fn unknown_name_suggests() {
    let line = fails(&["eval", "relu7", "1"], 2);
    assert!(line.contains("did you mean"), "{line}");
    assert!(line.contains("`relu`"), "{line}");
    let line = fails(&["describe", "gleu"], 2);
    assert!(line.contains("did you mean `gelu`"), "{line}");
}

#[test]
fn bad_parameter_is_one_line() {
    let line = fails(&["eval", "celu(0)", "1"], 2);
    assert!(line.contains("alpha"), "{line}");
    let line = fails(&["eval", "relu(1)", "1"], 2);
    assert!(line.contains("at most 0 argument"), "{line}");
    fails(&["eval", "relu", "abc"], 2);
    fails(&["eval", "relu"], 2);
    fails(&["eval", "relu", "1", "--dtype", "f16"], 2);
    fails(&["frobnicate"], 2);
    fails(&[], 2);
}

#[test]
fn missing_input_file() {
    let dir = Dir::new();
    let line = fails(
        &[
            "eval",
            "relu",
            "--input",
            &dir.s("nope.npy"),
            "--output",
            &dir.s("y.npy"),
        ],
        1,
    );
    assert!(line.contains("nope.npy"), "{line}");
    assert!(!dir.path("y.npy").exists());
    assert_eq!(dir.file_count(), 0);
}

#[test]
fn malformed_npy() {
    let dir = Dir::new();
    std::fs::write(dir.path("bad.npy"), b"\x00\x01garbage bytes, not numpy at all").unwrap();
    let line = fails(
        &[
            "eval",
            "relu",
            "--input",
            &dir.s("bad.npy"),
            "--output",
            &dir.s("y.npy"),
        ],
        1,
    );
    assert!(line.contains("bad.npy"), "{line}");
    assert!(!dir.path("y.npy").exists());

    // A valid header promising more data than the file holds.
    write_npy(&dir.path("x.npy"), &[100], &[1.0f64; 100]);
    let bytes = std::fs::read(dir.path("x.npy")).unwrap();
    std::fs::write(dir.path("short.npy"), &bytes[..bytes.len() - 16]).unwrap();
    let line = fails(
        &[
            "eval",
            "relu",
            "--input",
            &dir.s("short.npy"),
            "--output",
            &dir.s("y.npy"),
        ],
        1,
    );
    assert!(line.contains("truncated"), "{line}");
    assert!(!dir.path("y.npy").exists());
}

#[test]
fn other_dtypes_are_rejected() {
    let dir = Dir::new();
    let mut bytes = Vec::new();
    let mut w = npyz::WriteOptions::<i64>::new()
        .default_dtype()
        .shape(&[3])
        .writer(&mut bytes)
        .begin_nd()
        .unwrap();
    w.extend([1i64, 2, 3]).unwrap();
    w.finish().unwrap();
    std::fs::write(dir.path("i.npy"), bytes).unwrap();
    let line = fails(&["eval", "relu", "-i", &dir.s("i.npy"), "-o", &dir.s("y.npy")], 1);
    assert!(line.contains("float32 and float64"), "{line}");
    assert!(!dir.path("y.npy").exists());
}

#[test]
fn grad_shape_and_dtype_mismatch() {
    let dir = Dir::new();
    write_npy(&dir.path("x.npy"), &[2, 3], &[1.0f64; 6]);
    write_npy(&dir.path("g.npy"), &[3, 2], &[1.0f64; 6]);
    write_npy(&dir.path("g32.npy"), &[2, 3], &[1.0f32; 6]);
    let args = |g: &str| {
        vec![
            "grad".to_string(),
            "tanh".into(),
            "--input".into(),
            dir.s("x.npy"),
            "--grad-output".into(),
            dir.s(g),
            "--output".into(),
            dir.s("dx.npy"),
        ]
    };
    let a = args("g.npy");
    let line = fails(&a.iter().map(String::as_str).collect::<Vec<_>>(), 1);
    assert!(line.contains("shape mismatch"), "{line}");
    let a = args("g32.npy");
    let line = fails(&a.iter().map(String::as_str).collect::<Vec<_>>(), 1);
    assert!(line.contains("dtype mismatch"), "{line}");
    assert!(!dir.path("dx.npy").exists());
}

#[test]
fn weight_options_need_prelu() {
    let dir = Dir::new();
    write_npy(&dir.path("w.npy"), &[2], &[0.1f64, 0.2]);
    let line = fails(&["eval", "relu", "1", "--weight", &dir.s("w.npy")], 2);
    assert!(line.contains("only for prelu"), "{line}");
    let line = fails(&["grad", "relu", "1", "--grad-weight", &dir.s("dw.npy")], 2);
    assert!(line.contains("only for prelu"), "{line}");
    assert!(!dir.path("dw.npy").exists());
}

#[test]
fn missing_options_are_usage_errors() {
    let line = fails(&["eval", "relu", "--input", "x.npy"], 2);
    assert!(line.contains("--output"), "{line}");
    let line = fails(&["grad", "relu", "--input", "x.npy", "--output", "dx.npy"], 2);
    assert!(line.contains("--grad-output"), "{line}");
    fails(&["eval", "relu", "1", "--input", "x.npy", "--output", "y.npy"], 2);
}

#[test]
fn output_is_not_written_on_error_and_replaced_atomically() {
    let dir = Dir::new();
    write_npy(&dir.path("x.npy"), &[3], &[1.0f64, -1.0, 2.0]);
    std::fs::write(dir.path("y.npy"), b"previous").unwrap();
    // A failing run leaves the existing output untouched and no temporary behind.
    fails(
        &["eval", "glu", "--input", &dir.s("x.npy"), "--output", &dir.s("y.npy")],
        1,
    );
    assert_eq!(std::fs::read(dir.path("y.npy")).unwrap(), b"previous");
    assert_eq!(dir.file_count(), 2);
    // A succeeding one replaces it.
    actfn()
        .args(["eval", "relu", "--input", &dir.s("x.npy"), "--output", &dir.s("y.npy")])
        .assert()
        .success();
    assert_eq!(read_npy::<f64>(&dir.path("y.npy")).2, [1.0, 0.0, 2.0]);
    assert_eq!(dir.file_count(), 2);
    // An output in a missing directory: one line, nothing created.
    let line = fails(
        &[
            "eval",
            "relu",
            "--input",
            &dir.s("x.npy"),
            "--output",
            &dir.s("no/dir/y.npy"),
        ],
        1,
    );
    assert!(line.contains("cannot write"), "{line}");
}

#[test]
fn help_and_version() {
    actfn()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:").and(predicate::str::contains("eval")));
    actfn()
        .args(["eval", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--input").and(predicate::str::contains("actfn eval relu -1 0 2")));
    actfn()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("actfn "));
}
