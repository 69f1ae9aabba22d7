//! The SIREN experiments on tiny inputs: the initialisation's layer statistics, the
//! derivatives autograd gives against finite differences of the network itself, SIREN
//! against the baselines, a ReLU network's zero Laplacian, Poisson reconstruction,
//! image and WAV decoding, and one-line errors on the command line.
//!
//! Second-order autograd needs `CANDLE_GRAD_DO_NOT_DETACH` before a thread's first
//! backward pass: every test calls [`setup`] first, which sets it (the variable is
//! process-wide, so this binary is kept apart from the other tests). [`setup`] also runs
//! candle's matrix products on one thread (`RAYON_NUM_THREADS=1`, read at each product):
//! on a busy 2-core machine the two-thread products of these small networks spent ten
//! times the CPU time waiting for each other, and tests are not benchmarks.

use std::path::Path;

use actfn_lab::image::Image;
use actfn_lab::lab::experiments::siren::{laplacian_fd, sobel_gradient, Fit, SirenOptions};
use actfn_lab::lab::experiments::siren_audio::synthesize;
use actfn_lab::lab::experiments::siren_init::{expected_hidden_std, layer_stats, trace, Variant};
use actfn_lab::lab::experiments::siren_net::{
    self, derivatives, enable_second_order, fit, grid_2d, second_order_enabled, FitConfig, Inr, InrSpec, Model, Target,
};
use actfn_lab::lab::{self, LabOptions, Outcome, Profile};
use assert_cmd::Command;
use candle_core::{DType, Device, Tensor};

/// Second-order autograd on, and candle's matrix products on one thread (see above).
fn setup() {
    enable_second_order();
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
}

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
    setup();
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
    setup();
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
    setup();
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
    setup();
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
    setup();
    // Fitting the Sobel gradient only (gradients of gradients through the sine layers),
    // with the tiny profile's defaults for `--fit gradient` (40², width 48, Adam 3e-4, 150
    // steps) and its default models: SIREN, tanh and ReLU P.E.
    let dir = tempfile::tempdir().unwrap();
    let siren = SirenOptions {
        fit: Some(Fit::Gradient),
        ..Default::default()
    };
    let out = run("siren", &opts(dir.path(), siren));
    assert_eq!(out.data["fit"], "gradient");
    assert_eq!(out.data["size"], 40);
    let n = 40;
    // The best constant image: PSNR 10·log10(4 / variance) of the target.
    let img = Image::camera().square_crop().resize(n, n).unwrap();
    let f: Vec<f64> = img.data.iter().map(|&v| 2.0 * v as f64 - 1.0).collect();
    let mean = f.iter().sum::<f64>() / f.len() as f64;
    let var = f.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / f.len() as f64;
    let constant = 10.0 * (4.0 / var).log10();
    let s = final_of(&out, "final_psnr", "siren");
    // Measured (seed 0): SIREN 25.1 dB, tanh 18.1, ReLU P.E. 13.8.
    assert!(s > constant + 10.0, "siren {s} dB vs the best constant {constant} dB");
    for base in ["tanh", "relu-pe"] {
        let b = final_of(&out, "final_psnr", base);
        assert!(s > b + 4.0, "siren {s} dB vs {base} {b} dB");
    }
    assert!(out.verdict.supported, "{}", out.verdict.summary);
    // The gradient itself is matched: direction and size.
    let (cos, err) = (
        final_of(&out, "gradient_cosine", "siren"),
        final_of(&out, "gradient_error", "siren"),
    );
    assert!(
        cos > 0.99 && err < 0.1,
        "siren gradient cosine {cos}, relative error {err}"
    );
    assert!(final_of(&out, "gradient_error", "tanh") > 5.0 * err);
    // psnr.json holds the reconstruction's PSNR (best constant removed) along the way.
    let text = std::fs::read_to_string(dir.path().join("siren/psnr.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let curve = json["siren"].as_array().unwrap();
    let at = |k: usize| curve[k][1].as_f64().unwrap();
    assert!(at(curve.len() - 1) > at(0) + 10.0, "{curve:?}");
    assert!((at(curve.len() - 1) - s).abs() < 1e-9);
    assert!(out.published[0].published.contains("32.91"));
}

#[test]
fn gradient_fit_recovers_a_smooth_function_up_to_a_constant() {
    // The training loop alone, on exact gradients of a known smooth function:
    // f(x, y) = 0.4 sin(2x + 0.5) cos(1.5y) + 0.3 exp(-((x - 0.3)² + (y + 0.2)²) / 0.3) + 0.2.
    setup();
    let dev = Device::Cpu;
    let n = 32;
    let coords = grid_2d(n, n, &dev).unwrap();
    let xy: Vec<f32> = coords.flatten_all().unwrap().to_vec1().unwrap();
    let (mut f, mut g) = (Vec::new(), Vec::new());
    for p in xy.chunks_exact(2) {
        let (x, y) = (p[0] as f64, p[1] as f64);
        let e = 0.3 * (-((x - 0.3).powi(2) + (y + 0.2).powi(2)) / 0.3).exp();
        let (s, c) = ((2.0 * x + 0.5).sin(), (1.5 * y).cos());
        f.push((0.4 * s * c + e + 0.2) as f32);
        g.push((0.8 * (2.0 * x + 0.5).cos() * c - e * 2.0 * (x - 0.3) / 0.3) as f32);
        g.push((-0.6 * s * (1.5 * y).sin() - e * 2.0 * (y + 0.2) / 0.3) as f32);
    }
    let grad = Tensor::from_vec(g, (n * n, 2), &dev).unwrap();
    // A 32² grid samples ω0 = 30 too coarsely for values between the pixels to follow
    // from gradients at the pixels; a first-layer ω0 suited to the sampling (as the audio
    // experiment raises it for 8 kHz) keeps the test small.
    let mut spec = InrSpec::new(Model::Siren, 2, 1, 32, 2);
    spec.first_w0 = 10.0;
    let net = Inr::new(spec, 3, &dev).unwrap();
    let cfg = FitConfig {
        steps: 200,
        lr: 1e-3,
        every: 50,
        checkpoints: vec![],
        clamp: Some((-1.0, 1.0)),
    };
    let log = fit(
        &net,
        &coords,
        Target::Gradient {
            grad: &grad,
            signal: &f,
        },
        &cfg,
        || {},
    )
    .unwrap();
    let (first, last) = (log.mse[0].1, log.mse.last().unwrap().1);
    assert_eq!(log.mse.last().unwrap().0, 200);
    assert!(
        last < 1e-4 && last < 1e-2 * first,
        "MSE after the best constant: {first} → {last}"
    );
    // The same measure by hand: the network's values plus the best constant are f.
    let y: Vec<f32> = net.forward(&coords).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    let shift = f.iter().zip(&y).map(|(a, b)| (a - b) as f64).sum::<f64>() / (n * n) as f64;
    let worst = f
        .iter()
        .zip(&y)
        .map(|(a, b)| (*b as f64 + shift - *a as f64).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.05, "largest error {worst}");
    assert!((siren_net::mse(&y, &f, Some((-1.0, 1.0)), true) - last).abs() < 1e-9);
}

#[test]
fn colour_images_and_jpeg_decode() {
    setup();
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
    setup();
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
    setup();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.png");
    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    let broken = dir.path().join("broken.png");
    std::fs::write(&broken, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let tiny = dir.path().join("tiny.png");
    std::fs::write(
        &tiny,
        Image::new(3, 1, 1, vec![0.2, 0.5, 0.8]).unwrap().to_png().unwrap(),
    )
    .unwrap();
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
    one_line_error(
        &with(&["siren", "--image", tiny.to_str().unwrap()]),
        "is 3×1: its shorter side must be at least 4 pixels",
    );
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
