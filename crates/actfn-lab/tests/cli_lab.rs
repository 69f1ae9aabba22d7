//! `actfn lab` and `actfn report` on the command line: bad options get one clear line
//! and exit code 2; a tiny experiment runs and writes its results.

mod common;

use common::{actfn, one_line_error};

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

#[test]
fn options_that_do_not_apply_are_refused() {
    one_line_error(
        &["lab", "stability", "--act", "relu"],
        "--act does not apply to `stability`",
    );
    one_line_error(&["lab", "selu", "--steps", "5"], "--steps does not apply to `selu`");
    one_line_error(&["lab", "cost", "--steps", "5"], "--steps does not apply to `cost`");
    one_line_error(&["lab", "step", "--data", "x.csv"], "--data applies to `compare` only");
}

/// Runs `actfn lab compare --data PATH` in the tiny profile with ReLU and tanh; returns
/// the result's JSON.
fn compare_on(path: &std::path::Path, out: &std::path::Path) -> serde_json::Value {
    let run = actfn()
        .args([
            "lab",
            "compare",
            "--profile",
            "tiny",
            "--quiet",
            "--act",
            "relu",
            "--act",
            "tanh",
        ])
        .arg("--data")
        .arg(path)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.starts_with("compare-data: "), "{text}");
    let json = std::fs::read_to_string(out.join("compare-data/result.json")).unwrap();
    assert!(out.join("compare-data/classification.png").exists());
    serde_json::from_str(&json).unwrap()
}

/// Two well separated classes in 3 features: x₀ decides the class.
fn blobs_csv() -> String {
    let mut text = String::from("a,b,c,label\n");
    for i in 0..120 {
        let class = i % 2;
        let x0 = if class == 0 { -3.0 } else { 3.0 } + ((i * 7) % 11) as f64 * 0.1;
        let noise = ((i * 13) % 17) as f64 * 0.2;
        text.push_str(&format!(
            "{x0},{noise},{},{}\n",
            1.0 - noise,
            if class == 0 { "cat" } else { "dog" }
        ));
    }
    text
}

#[test]
fn compare_trains_every_activation_on_a_user_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("blobs.csv");
    std::fs::write(&csv, blobs_csv()).unwrap();
    let v = compare_on(&csv, &dir.path().join("out"));
    let runs = v["data"]["runs"].as_array().unwrap();
    // 2 activations × 2 seeds (tiny profile), all on the user's task and no built-in one.
    assert_eq!(runs.len(), 4, "{runs:?}");
    assert!(runs.iter().all(|r| r["task"] == "blobs.csv"));
    let set = &v["data"]["data_sets"][0];
    assert_eq!(set["features"], 3);
    assert_eq!(set["classes"], 2);
    // The fixed 80/20 split of 120 rows.
    assert_eq!(set["train_rows"], 96);
    assert_eq!(set["test_rows"], 24);
    // The classes are separable: every run learns them.
    for r in runs {
        assert!(r["score"].as_f64().unwrap() >= 0.9, "{r}");
    }
}

/// An IDX file: magic (0, 0, 8 = u8, number of dimensions), big-endian sizes, data.
fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(data);
    b
}

/// `n` 4×4 images: class 0 lights the left half, class 1 the right half.
fn images(n: usize) -> (Vec<u8>, Vec<u8>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..n {
        let class = (i % 2) as u8;
        for p in 0..16 {
            let left = p % 4 < 2;
            let lit = left == (class == 0);
            x.push(if lit { 200 + (i % 50) as u8 } else { (i * 3 % 40) as u8 });
        }
        y.push(class);
    }
    (x, y)
}

#[test]
fn compare_trains_on_mnist_idx_files_with_their_official_split() {
    let dir = tempfile::tempdir().unwrap();
    let mnist = dir.path().join("tiny-mnist");
    std::fs::create_dir(&mnist).unwrap();
    let (x, y) = images(60);
    std::fs::write(mnist.join("train-images-idx3-ubyte"), idx(&[60, 4, 4], &x)).unwrap();
    std::fs::write(mnist.join("train-labels-idx1-ubyte"), idx(&[60], &y)).unwrap();
    let (x, y) = images(20);
    std::fs::write(mnist.join("t10k-images-idx3-ubyte"), idx(&[20, 4, 4], &x)).unwrap();
    std::fs::write(mnist.join("t10k-labels-idx1-ubyte"), idx(&[20], &y)).unwrap();
    let v = compare_on(&mnist, &dir.path().join("out"));
    let set = &v["data"]["data_sets"][0];
    assert_eq!(set["name"], "tiny-mnist");
    assert_eq!(set["features"], 16);
    assert_eq!(
        (set["train_rows"].as_u64(), set["test_rows"].as_u64()),
        (Some(60), Some(20))
    );
    let runs = v["data"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for r in runs {
        assert!(r["score"].as_f64().unwrap() >= 0.9, "{r}");
    }
}

/// `actfn lab compare --data ...` that fails: exit 1 and one line naming the problem.
fn data_error(path: &std::path::Path, needle: &str) {
    let out = actfn()
        .args(["lab", "compare", "--profile", "tiny", "--quiet", "--data"])
        .arg(path)
        .arg("--out")
        .arg(path.parent().unwrap().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{path:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains(needle),
        "{needle:?} not in {err}"
    );
}

#[test]
fn unreadable_or_malformed_data_gets_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    data_error(&d.join("missing.csv"), "no such file or directory");
    let bad = d.join("bad.csv");
    std::fs::write(&bad, "a,b,label\n1,2,0\n3,x,1\n").unwrap();
    data_error(&bad, "bad.csv");
    let one = d.join("one-class.csv");
    std::fs::write(&one, (0..20).map(|i| format!("{i},1,7\n")).collect::<String>()).unwrap();
    data_error(&one, "at least 2 classes");
    let empty_dir = d.join("no-idx");
    std::fs::create_dir(&empty_dir).unwrap();
    data_error(&empty_dir, "no train-images");
    let cut = d.join("cut");
    std::fs::create_dir(&cut).unwrap();
    let (x, y) = images(10);
    std::fs::write(cut.join("train-images-idx3-ubyte"), &idx(&[10, 4, 4], &x)[..100]).unwrap();
    std::fs::write(cut.join("train-labels-idx1-ubyte"), idx(&[10], &y)).unwrap();
    data_error(&cut, "train-images-idx3-ubyte");
}
