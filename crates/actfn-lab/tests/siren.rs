//! The SIREN experiments on tiny inputs: the initialisation's layer statistics, the
//! derivatives autograd gives against finite differences of the network itself, SIREN
//! against the baselines, a ReLU network's zero Laplacian, Poisson reconstruction,
//! image and WAV decoding, and one-line errors on the command line.
//!
//! Second-order autograd needs `CANDLE_GRAD_DO_NOT_DETACH` before a thread's first
//! backward pass: every test that differentiates twice in its own thread calls
//! `enable_second_order()` first (the variable is process-wide, so this binary is kept
//! apart from the other tests).

use std::path::Path;

use actfn_lab::image::Image;
use actfn_lab::lab::experiments::siren::{laplacian_fd, sobel_gradient, Fit, SirenOptions};
use actfn_lab::lab::experiments::siren_audio::synthesize;
use actfn_lab::lab::experiments::siren_init::{expected_hidden_std, layer_stats, trace, Variant};
use actfn_lab::lab::experiments::siren_net::{
    derivatives, enable_second_order, fit, grid_2d, second_order_enabled, FitConfig, Inr, InrSpec, Model, Target,
};
use actfn_lab::lab::{self, LabOptions, Outcome, Profile};
use assert_cmd::Command;
use candle_core::{DType, Device, Tensor};

fn opts(out: &Path, siren: SirenOptions) -> LabOptions {
    LabOptions {
        out: out.to_path_buf(),
        seed: 0,
        acts: None,
        steps: None,
        profile: Profile::Tiny,
        force: true,
        progress: false,
        siren,
    }
}

fn run(name: &str, o: &LabOptions) -> Outcome {
    let exp = lab::find(name).unwrap();
    lab::run_experiment(exp, o, &indicatif::ProgressBar::hidden())
        .unwrap()
        .0
}

fn final_of(o: &Outcome, key: &str, model: &str) -> f64 {
    o.data["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == model)
        .unwrap()[key]
        .as_f64()
        .unwrap()
}

#[test]
fn siren_init_keeps_layer_statistics_and_the_default_init_collapses() {
    let (width, hidden) = (512, 6);
    let x = actfn_lab::lab::experiments::siren_net::grid_1d(512, &Device::Cpu).unwrap();
    let siren = layer_stats(&trace(Variant::Siren, width, hidden, &x, 3).unwrap());
    let expected = expected_hidden_std(30.0, width); // √(1 + 900/1536) ≈ 1.26 with the default biases
    assert!((expected - 1.259).abs() < 1e-3, "{expected}");
    // Layer 1 spreads [-1, 1] over many periods: std 30·√(1/9 + 1/3) = 20.
    assert!((siren[0].pre_std - 20.0).abs() < 2.0, "{:?}", siren[0]);
    for s in &siren {
        // Activations: arcsine on (-1, 1): mean 0, variance 1/2, excess kurtosis -3/2.
        assert!(s.post_mean.abs() < 0.05, "{s:?}");
        assert!((0.44..=0.54).contains(&s.post_var), "{s:?}");
        assert!((-1.62..=-1.36).contains(&s.post_kurtosis), "{s:?}");
    }
    for s in &siren[1..] {
        assert!((s.pre_std / expected - 1.0).abs() < 0.12, "{s:?} vs {expected}");
    }
    // Without ω0 in the first layer: std √(1/9 + 1/3) = 0.667 there, and the hidden layers recover.
    let no_first = layer_stats(&trace(Variant::NoFirstW0, width, hidden, &x, 3).unwrap());
    assert!((no_first[0].pre_std - 0.667).abs() < 0.07, "{:?}", no_first[0]);
    assert!(no_first[0].post_var < 0.35);
    assert!((no_first.last().unwrap().pre_std / expected - 1.0).abs() < 0.15);
    // U(±1/√n) and no ω0: the pre-activations shrink layer after layer and the activations die.
    let default = layer_stats(&trace(Variant::DefaultUniform, width, hidden, &x, 3).unwrap());
    for pair in default.windows(2).take(3) {
        assert!(pair[1].pre_std < 0.7 * pair[0].pre_std, "{pair:?}");
    }
    let last = default.last().unwrap();
    assert!(last.post_var < 0.01 && last.pre_std < 0.1, "{last:?}");
}

fn trained(model: Model, dtype: DType, steps: usize) -> (Inr, Tensor) {
    let dev = Device::Cpu;
    let n = 16;
    let img = Image::camera().resize(n, n).unwrap();
    let target: Vec<f64> = img.data.iter().map(|&v| 2.0 * v as f64 - 1.0).collect();
    let coords = grid_2d(n, n, &dev).unwrap().to_dtype(dtype).unwrap();
    let f = Tensor::from_vec(target, (n * n, 1), &dev)
        .unwrap()
        .to_dtype(dtype)
        .unwrap();
    let mut spec = InrSpec::new(model, 2, 1, 32, 2);
    spec.pe_levels = 2;
    let net = Inr::with_dtype(spec, 5, &dev, dtype).unwrap();
    let cfg = FitConfig {
        steps,
        lr: 1e-3,
        every: steps.max(1),
        checkpoints: vec![],
        clamp: Some((-1.0, 1.0)),
    };
    let log = fit(&net, &coords, Target::Values(&f), &cfg, || {}).unwrap();
    assert!(
        log.mse.last().unwrap().1 < log.mse[0].1,
        "{model:?} did not learn: {:?}",
        log.mse
    );
    (net, coords)
}

/// Random points away from the border, `[k, 2]`.
fn points(k: usize, dtype: DType) -> Tensor {
    let mut rng = actfn_candle::init::Rng::new(11);
    let v: Vec<f64> = (0..2 * k).map(|_| -0.8 + 1.6 * rng.uniform()).collect();
    Tensor::from_vec(v, (k, 2), &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

fn eval(net: &Inr, p: &[f64]) -> f64 {
    let t = Tensor::from_vec(p.to_vec(), (1, 2), &Device::Cpu).unwrap();
    net.forward(&t)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap()[0]
}

#[test]
fn autograd_gradient_and_laplacian_match_finite_differences_of_the_network() {
    enable_second_order();
    assert!(second_order_enabled().unwrap());
    for model in [Model::Siren, Model::Tanh, Model::ReluPe] {
        let (net, _) = trained(model, DType::F64, 25);
        let pts = points(12, DType::F64);
        let d = derivatives(&net, &pts, &[], true, 5).unwrap();
        let lap = d.laplacian.unwrap();
        let host: Vec<f64> = pts.flatten_all().unwrap().to_vec1().unwrap();
        let (mut g_err, mut g_scale, mut l_err, mut l_scale) = (0f64, 0f64, 0f64, 0f64);
        for i in 0..12 {
            let p = [host[2 * i], host[2 * i + 1]];
            let f0 = eval(&net, &p);
            let mut fd_lap = 0.0;
            for k in 0..2 {
                let (hg, hl) = (1e-5, 1e-3);
                let shifted = |h: f64| {
                    let mut q = p;
                    q[k] += h;
                    eval(&net, &q)
                };
                let fd_grad = (shifted(hg) - shifted(-hg)) / (2.0 * hg);
                g_err = g_err.max((fd_grad - d.gradient[2 * i + k] as f64).abs());
                g_scale = g_scale.max(fd_grad.abs());
                fd_lap += (shifted(hl) - 2.0 * f0 + shifted(-hl)) / (hl * hl);
            }
            l_err = l_err.max((fd_lap - lap[i] as f64).abs());
            l_scale = l_scale.max(fd_lap.abs());
        }
        assert!(g_scale > 0.1, "{model:?}: gradient too small to test ({g_scale})");
        assert!(
            g_err < 1e-4 * g_scale.max(1.0),
            "{model:?}: gradient error {g_err} (scale {g_scale})"
        );
        if model == Model::ReluPe {
            // Piecewise linear in the encoding: the finite difference may straddle a kink.
            continue;
        }
        assert!(l_scale > 0.1, "{model:?}: Laplacian too small to test ({l_scale})");
        assert!(
            l_err < 1e-3 * l_scale.max(1.0),
            "{model:?}: Laplacian error {l_err} (scale {l_scale})"
        );
    }
}

#[test]
fn a_relu_network_has_a_zero_laplacian() {
    enable_second_order();
    let (net, _) = trained(Model::Relu, DType::F64, 20);
    let pts = points(40, DType::F64);
    let d = derivatives(&net, &pts, &[], true, 16).unwrap();
    let lap = d.laplacian.unwrap();
    assert!(lap.iter().all(|&v| v == 0.0), "{lap:?}");
    assert!(d.gradient.iter().any(|&g| g.abs() > 1e-3), "the gradient is not zero");
    // Finite differences agree: zero except where a kink falls inside the stencil.
    let host: Vec<f64> = pts.flatten_all().unwrap().to_vec1().unwrap();
    let h = 1e-5;
    let mut fd: Vec<f64> = (0..40)
        .map(|i| {
            let p = [host[2 * i], host[2 * i + 1]];
            let at = |dx: f64, dy: f64| eval(&net, &[p[0] + dx, p[1] + dy]);
            ((at(h, 0.0) + at(-h, 0.0) + at(0.0, h) + at(0.0, -h) - 4.0 * at(0.0, 0.0)) / (h * h)).abs()
        })
        .collect();
    fd.sort_by(f64::total_cmp);
    assert!(fd[20] < 1e-3, "median |finite-difference Laplacian| {}", fd[20]);
}

#[test]
fn siren_fits_an_image_better_than_every_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = run("siren", &opts(dir.path(), SirenOptions::default()));
    let siren = final_of(&out, "final_psnr", "siren");
    for base in ["relu", "tanh", "relu-pe"] {
        let b = final_of(&out, "final_psnr", base);
        assert!(siren > b + 3.0, "siren {siren} dB vs {base} {b} dB");
    }
    assert!(out.verdict.summary.contains("SIREN"), "{}", out.verdict.summary);
    // psnr.json: {"MODEL": [[step, psnr_db], ...], ...}
    let text = std::fs::read_to_string(dir.path().join("siren/psnr.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let obj = json.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["relu", "relu-pe", "siren", "tanh"]);
    for (k, curve) in obj {
        let curve = curve.as_array().unwrap();
        assert!(curve.len() > 10, "{k}");
        assert_eq!(curve[0][0].as_u64(), Some(0));
        for p in curve {
            let pair = p.as_array().unwrap();
            assert_eq!(pair.len(), 2);
            assert!(pair[0].is_u64() && pair[1].as_f64().unwrap().is_finite(), "{k}: {p}");
        }
        let last = curve.last().unwrap()[1].as_f64().unwrap();
        assert!((last - final_of(&out, "final_psnr", k)).abs() < 1e-9);
    }
    for f in ["psnr.png", "reconstruction.png", "derivatives.png"] {
        let bytes = std::fs::read(dir.path().join("siren").join(f)).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{f}");
    }
    // ReLU's Laplacian is identically zero, the others' are not.
    let zero = |m: &str| {
        out.data["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == m)
            .unwrap()["laplacian_identically_zero"]
            .as_bool()
            .unwrap()
    };
    assert!(zero("relu") && !zero("siren") && !zero("tanh") && !zero("relu-pe"));
}

#[test]
fn poisson_reconstruction_from_gradients() {
    // Fitting the gradient only, through gradients of gradients. At this size ω0 = 30
    // puts several periods between pixels, so values between the supervised gradients
    // are loosely tied and the PSNR is low; the gradient itself is matched closely.
    let dir = tempfile::tempdir().unwrap();
    let siren = SirenOptions {
        fit: Some(Fit::Gradient),
        size: Some(24),
        width: Some(32),
        models: Some(vec!["siren".into(), "tanh".into()]),
        ..Default::default()
    };
    let mut o = opts(dir.path(), siren);
    o.steps = Some(100);
    let out = run("siren", &o);
    assert_eq!(out.data["fit"], "gradient");
    let (s, t) = (
        final_of(&out, "gradient_error", "siren"),
        final_of(&out, "gradient_error", "tanh"),
    );
    assert!(s < 0.2 && s < 0.5 * t, "gradient error: siren {s}, tanh {t}");
    let curve = out.data["psnr"]["siren"].as_array().unwrap();
    let (first, last) = (
        curve[0][1].as_f64().unwrap(),
        curve.last().unwrap()[1].as_f64().unwrap(),
    );
    assert!(
        last > first && last.is_finite(),
        "the reconstruction did not improve: {first} → {last} dB"
    );
    assert!(out.published[0].published.contains("32.91"));
}

#[test]
fn colour_images_and_jpeg_decode() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/siren_data");
    let rgb = Image::open(&data.join("rgb-20x12.jpg")).unwrap();
    assert_eq!((rgb.width, rgb.height, rgb.channels), (20, 12, 3));
    // Red grows along x, green along y, blue is constant at 128/255.
    let px = |x: usize, y: usize| &rgb.data[(y * 20 + x) * 3..(y * 20 + x) * 3 + 3];
    assert!(
        px(0, 6)[0] < 0.1 && px(19, 6)[0] > 0.9,
        "{:?} {:?}",
        px(0, 6),
        px(19, 6)
    );
    assert!(px(10, 0)[1] < 0.1 && px(10, 11)[1] > 0.9);
    assert!((px(10, 6)[2] - 0.5).abs() < 0.05);
    let grey = Image::open(&data.join("grey-20x12.jpg")).unwrap();
    assert_eq!((grey.width, grey.height, grey.channels), (20, 12, 1));
    let cam = Image::camera();
    assert_eq!((cam.width, cam.height, cam.channels), (256, 256, 1));

    // An RGB fit: three output channels, derivatives of the luminance.
    let dir = tempfile::tempdir().unwrap();
    let siren = SirenOptions {
        image: Some(data.join("rgb-20x12.jpg")),
        size: Some(12),
        width: Some(16),
        depth: Some(1),
        models: Some(vec!["siren".into(), "relu".into()]),
        ..Default::default()
    };
    let mut o = opts(dir.path(), siren);
    o.steps = Some(30);
    let out = run("siren", &o);
    assert_eq!(out.data["channels"], 3);
    assert!(final_of(&out, "final_psnr", "siren") > final_of(&out, "final_psnr", "relu"));
}

#[test]
fn target_derivatives_of_a_plane_and_a_paraboloid() {
    let n = 9;
    let h = 2.0 / (n - 1) as f32;
    let coord = |i: usize| -1.0 + h * i as f32;
    let plane: Vec<f32> = (0..n * n).map(|i| 0.5 * coord(i % n) - 0.25 * coord(i / n)).collect();
    let g = sobel_gradient(&plane, n);
    let centre = (4 * n + 4) * 2;
    assert!(
        (g[centre] - 0.5).abs() < 1e-5 && (g[centre + 1] + 0.25).abs() < 1e-5,
        "{:?}",
        &g[centre..centre + 2]
    );
    let bowl: Vec<f32> = (0..n * n)
        .map(|i| coord(i % n).powi(2) + 2.0 * coord(i / n).powi(2))
        .collect();
    let l = laplacian_fd(&bowl, n);
    assert!((l[4 * n + 4] - 6.0).abs() < 1e-3, "{}", l[4 * n + 4]);
}

#[test]
fn synthesized_sound_and_audio_fitting() {
    let a = synthesize(1000, 8000);
    assert_eq!(a.samples.len(), 1000);
    let peak = a.samples.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!((peak - 1.0).abs() < 1e-6);
    let dir = tempfile::tempdir().unwrap();
    let out = run("siren-audio", &opts(dir.path(), SirenOptions::default()));
    let (s, r) = (
        final_of(&out, "final_mse", "siren"),
        final_of(&out, "final_mse", "relu"),
    );
    assert!(s < 0.1 * r, "siren MSE {s}, relu {r}");
    assert!(dir.path().join("siren-audio/siren.wav").exists());
    let back = actfn_lab::wav::Audio::open(&dir.path().join("siren-audio/target.wav")).unwrap();
    assert_eq!(back.rate, 8000);
}

fn one_line_error(args: &[String], needle: &str) {
    let out = Command::cargo_bin("actfn").unwrap().args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{args:?}: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_images_sizes_and_options_give_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.png");
    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    let broken = dir.path().join("broken.png");
    std::fs::write(&broken, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let q = ["--quiet", "--out", dir.path().to_str().unwrap()];
    let with =
        |extra: &[&str]| -> Vec<String> { ["lab"].iter().chain(extra).chain(&q).map(|s| s.to_string()).collect() };
    one_line_error(
        &with(&["siren", "--image", missing.to_str().unwrap()]),
        "cannot read image",
    );
    one_line_error(
        &with(&["siren", "--image", text.to_str().unwrap()]),
        "not a PNG or JPEG image",
    );
    one_line_error(&with(&["siren", "--image", broken.to_str().unwrap()]), "PNG");
    one_line_error(&with(&["siren", "--size", "0"]), "--size 0 is out of range");
    one_line_error(&with(&["siren", "--size", "100000"]), "--size 100000 is out of range");
    one_line_error(&with(&["siren", "--size", "-3"]), "-3");
    one_line_error(&with(&["siren", "--width", "0"]), "--width 0 is out of range");
    one_line_error(&with(&["siren", "--models", "siren,gelu"]), "unknown model `gelu`");
    one_line_error(&with(&["siren", "--lr", "0"]), "--lr 0 is out of range");
    one_line_error(&with(&["siren", "--act", "relu"]), "--act does not apply to `siren`");
    one_line_error(&with(&["siren", "--wav", "x.wav"]), "--wav does not apply to `siren`");
    one_line_error(&with(&["selu", "--image", "x.png"]), "--image does not apply to `selu`");
    one_line_error(
        &with(&["siren-init", "--models", "relu"]),
        "--models does not apply to `siren-init`",
    );
    one_line_error(
        &with(&["siren-init", "--steps", "5"]),
        "--steps does not apply to `siren-init`",
    );
    one_line_error(
        &with(&["siren-audio", "--wav", text.to_str().unwrap()]),
        "not a RIFF/WAVE file",
    );
    one_line_error(&with(&["siren", "--fit", "laplacian"]), "laplacian");
    if !candle_core::utils::cuda_is_available() {
        one_line_error(&with(&["siren", "--device", "cuda"]), "`cuda` feature");
    }
}
