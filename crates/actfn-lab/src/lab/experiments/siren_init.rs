//! `siren-init`: why SIREN's initialisation matters. A deep, wide sine network on a 1-D
//! grid of `[-1, 1]`, one forward pass: per layer, the standard deviation of the
//! pre-activations `ω0·(Wx + b)` and the distribution of the activations (variance,
//! excess kurtosis, histograms), for SIREN's initialisation, the same without ω0 in the
//! first layer, and PyTorch's default `U(±1/√n)` with no ω0 anywhere.
//!
//! Protocol: `explore_siren.ipynb`, "Initialization scheme & distribution of
//! activations" (`Siren(in=1, hidden=2048, hidden_layers=10)`, `linspace(-1, 1, 16384)`).
//! With PyTorch's default biases, which the reference keeps, the hidden pre-activations
//! have std `√(1 + ω0²/(3n))` (1.26 at n = 512), not exactly 1.

use std::path::Path;

use actfn::{Activation as Spec, Kind};
use actfn_candle::init::{self, Rng, Scheme};
use actfn_candle::Siren as SineLayer;
use anyhow::Result;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder, VarMap};
use indicatif::ProgressBar;
use serde_json::json;

use super::siren_net::grid_1d;
use crate::lab::chart::{self, Panel, Series};
use crate::lab::{fmt3, Experiment, Figure, LabOptions, Outcome, Published, Table, Verdict};

pub struct SirenInit;

/// The initialisations compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// SIREN: first layer `U(±1/n)` with ω0 = 30, hidden `U(±√(6/n)/ω0)` with ω0 = 30.
    Siren,
    /// SIREN's initialisation, but the first layer computes `sin(Wx + b)` (ω0 = 1).
    NoFirstW0,
    /// PyTorch's `nn.Linear` default `U(±1/√n)` for weights and biases, `sin(Wx + b)`
    /// everywhere.
    DefaultUniform,
}

pub const VARIANTS: [Variant; 3] = [Variant::Siren, Variant::NoFirstW0, Variant::DefaultUniform];

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Siren => "siren",
            Variant::NoFirstW0 => "no-first-w0",
            Variant::DefaultUniform => "default-uniform",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Variant::Siren => "SIREN init (ω0 = 30)",
            Variant::NoFirstW0 => "SIREN init, no ω0 in layer 1",
            Variant::DefaultUniform => "U(±1/√n), no ω0",
        }
    }
}

/// Moments of one layer.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LayerStats {
    pub layer: usize,
    pub pre_std: f64,
    pub post_mean: f64,
    pub post_var: f64,
    /// Excess kurtosis of the activations (−1.5 for the arcsine distribution).
    pub post_kurtosis: f64,
}

/// Mean, variance and excess kurtosis.
pub fn moments(v: &[f32]) -> (f64, f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for &x in v {
        let d = (x as f64 - mean).powi(2);
        m2 += d;
        m4 += d * d;
    }
    let (m2, m4) = (m2 / n, m4 / n);
    (mean, m2, if m2 > 0.0 { m4 / (m2 * m2) - 3.0 } else { f64::NAN })
}

/// The pre-activations and activations of every sine layer (`1 + hidden_layers` of
/// them) of a `width`-wide network on the points `x` (`[N, 1]`).
pub fn trace(
    variant: Variant,
    width: usize,
    hidden_layers: usize,
    x: &Tensor,
    seed: u64,
) -> Result<Vec<(Vec<f32>, Vec<f32>)>> {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, x.device());
    let mut rng = Rng::new(seed);
    let w0 = 30.0;
    let mut h = x.clone();
    let mut out = Vec::new();
    let host = |t: &Tensor| -> Result<Vec<f32>> { Ok(t.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?) };
    for l in 0..=hidden_layers {
        let fan_in = if l == 0 { x.dim(1)? } else { width };
        let vbl = vb.pp(format!("layer{l}"));
        let (pre, post) = match variant {
            Variant::Siren | Variant::NoFirstW0 => {
                let layer_w0 = if l == 0 && variant == Variant::NoFirstW0 {
                    1.0
                } else {
                    w0
                };
                let layer = if l == 0 {
                    SineLayer::first(fan_in, width, layer_w0, vbl, &mut rng)?
                } else {
                    SineLayer::hidden(fan_in, width, layer_w0, vbl, &mut rng)?
                };
                (layer.linear().forward(&h)?.affine(layer_w0, 0.0)?, layer.forward(&h)?)
            }
            Variant::DefaultUniform => {
                let b = init::default_bias_bound(fan_in);
                let scheme = Scheme::Uniform { lo: -b, hi: b };
                let weight = init::var(&vbl, (width, fan_in), "weight", scheme, &mut rng)?;
                let bias = init::var(&vbl, width, "bias", scheme, &mut rng)?;
                let z = Linear::new(weight, Some(bias)).forward(&h)?;
                let sine = Spec::new(Kind::Sine)
                    .and_then(|s| s.with("w0", 1.0))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let y = actfn_candle::act(&z, &sine)?;
                (z, y)
            }
        };
        out.push((host(&pre)?, host(&post)?));
        h = post;
    }
    Ok(out)
}

/// Per-layer statistics of a trace.
pub fn layer_stats(trace: &[(Vec<f32>, Vec<f32>)]) -> Vec<LayerStats> {
    trace
        .iter()
        .enumerate()
        .map(|(i, (pre, post))| {
            let (_, pre_var, _) = moments(pre);
            let (post_mean, post_var, post_kurtosis) = moments(post);
            LayerStats {
                layer: i + 1,
                pre_std: pre_var.sqrt(),
                post_mean,
                post_var,
                post_kurtosis,
            }
        })
        .collect()
}

impl Experiment for SirenInit {
    fn name(&self) -> &'static str {
        "siren-init"
    }
    fn title(&self) -> &'static str {
        "SIREN's initialisation keeps deep sine networks alive"
    }
    fn claim(&self) -> &'static str {
        "With SIREN's initialisation every layer of a deep sine network has pre-activations of std about 1 and \
         arcsine-distributed activations (variance 1/2, excess kurtosis -1.5); without it they collapse"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let o = &opts.siren;
        let device: Device = o.device()?;
        let width = o.width.unwrap_or(opts.profile.pick(512, 512, 2048));
        let hidden = o.depth.unwrap_or(10);
        let points = o.size.unwrap_or(opts.profile.pick(256, 4096, 16_384));
        let x = grid_1d(points, &device)?;
        bar.set_length(VARIANTS.len() as u64);
        let layers = hidden + 1;
        let probes: Vec<usize> = {
            let mut p = vec![1, 2, layers.div_ceil(2), layers];
            p.retain(|&l| l <= layers);
            p.dedup();
            p
        };
        let (mut std_series, mut var_series, mut kurt_series) = (Vec::new(), Vec::new(), Vec::new());
        let (mut post_panels, mut pre_panels) = (Vec::new(), Vec::new());
        let mut all_stats = Vec::new();
        for &variant in &VARIANTS {
            bar.set_message(variant.name());
            let tr = trace(variant, width, hidden, &x, opts.seed)?;
            let stats = layer_stats(&tr);
            let pts = |f: &dyn Fn(&LayerStats) -> f64| stats.iter().map(|s| (s.layer as f64, f(s))).collect::<Vec<_>>();
            std_series.push(Series::new(variant.label(), pts(&|s| s.pre_std)));
            var_series.push(Series::new(variant.label(), pts(&|s| s.post_var)));
            kurt_series.push(Series::new(variant.label(), pts(&|s| s.post_kurtosis)));
            let hist_layers: Vec<usize> = probes.iter().copied().filter(|&l| l >= 2 || layers == 1).collect();
            let mut post_series: Vec<Series> = hist_layers
                .iter()
                .map(|&l| chart::histogram_series(&format!("layer {l}"), &as_f64(&tr[l - 1].1), (-1.0, 1.0), 50))
                .collect();
            post_series.push(Series::new("arcsine", arcsine_density()).dashed());
            post_panels.push(Panel {
                title: format!("{}: activations", variant.label()),
                x_label: "sin(·)".into(),
                y_label: "density".into(),
                series: post_series,
                log_y: false,
                x_names: None,
            });
            let mut pre_series: Vec<Series> = hist_layers
                .iter()
                .map(|&l| chart::histogram_series(&format!("layer {l}"), &as_f64(&tr[l - 1].0), (-4.0, 4.0), 64))
                .collect();
            pre_series.push(Series::new("N(0, 1)", normal_density()).dashed());
            pre_panels.push(Panel {
                title: format!("{}: pre-activations", variant.label()),
                x_label: "ω0·(Wx + b)".into(),
                y_label: "density".into(),
                series: pre_series,
                log_y: false,
                x_names: None,
            });
            all_stats.push((variant, stats));
            bar.inc(1);
        }
        let reference = |label: &str, v: f64| Series::new(label, vec![(1.0, v), (layers as f64, v)]).dashed();
        std_series.push(reference("1", 1.0));
        var_series.push(reference("1/2 (arcsine)", 0.5));
        kurt_series.push(reference("-1.5 (arcsine)", -1.5));
        chart::panels_png(
            &dir.join("init_stats.png"),
            &[
                Panel {
                    title: "pre-activation std per layer".into(),
                    x_label: "layer".into(),
                    y_label: "std (log)".into(),
                    series: std_series,
                    log_y: true,
                    x_names: None,
                },
                Panel {
                    title: "activation variance per layer".into(),
                    x_label: "layer".into(),
                    y_label: "variance (log)".into(),
                    series: var_series,
                    log_y: true,
                    x_names: None,
                },
                Panel {
                    title: "activation excess kurtosis per layer".into(),
                    x_label: "layer".into(),
                    y_label: "excess kurtosis".into(),
                    series: kurt_series,
                    log_y: false,
                    x_names: None,
                },
            ],
            3,
            (520, 400),
        )?;
        let mut hist_panels = post_panels;
        hist_panels.extend(pre_panels);
        chart::panels_png(&dir.join("init_histograms.png"), &hist_panels, 3, (520, 380))?;

        let stats_of = |v: Variant| &all_stats.iter().find(|s| s.0 == v).expect("every variant ran").1;
        let siren = stats_of(Variant::Siren);
        let default = stats_of(Variant::DefaultUniform);
        let no_first = stats_of(Variant::NoFirstW0);
        let hidden_siren: Vec<&LayerStats> = siren.iter().skip(1).collect();
        let (std_lo, std_hi) = min_max(hidden_siren.iter().map(|s| s.pre_std));
        let (var_lo, var_hi) = min_max(siren.iter().map(|s| s.post_var));
        let (k_lo, k_hi) = min_max(siren.iter().map(|s| s.post_kurtosis));
        let last = |s: &[LayerStats]| s.last().cloned().expect("at least one layer");
        let collapse = last(default);
        let expected = expected_hidden_std(30.0, width);
        let siren_ok = hidden_siren
            .iter()
            .all(|s| (0.8 * expected..=1.2 * expected).contains(&s.pre_std))
            && siren.iter().all(|s| (0.4..=0.56).contains(&s.post_var));
        let collapsed = layers < 4 || collapse.post_var < 0.05 * last(siren).post_var;
        let summary = format!(
            "{width} wide, {layers} sine layers, {points} points: with SIREN's init the hidden pre-activation std \
             stays in [{}, {}] (expected {} with the default biases), the activation variance in [{}, {}] and the excess kurtosis in [{}, {}] \
             (arcsine: 0.5, -1.5); without ω0 in layer 1 the first std is {} and layer {layers} has std {}; with \
             U(±1/√n) and no ω0 the std falls {} → {} and the variance to {} at layer {layers}.",
            fmt3(std_lo),
            fmt3(std_hi),
            fmt3(expected),
            fmt3(var_lo),
            fmt3(var_hi),
            fmt3(k_lo),
            fmt3(k_hi),
            fmt3(no_first[0].pre_std),
            fmt3(last(no_first).pre_std),
            fmt3(default[0].pre_std),
            fmt3(collapse.pre_std),
            fmt3(collapse.post_var),
        );
        let mut header = vec!["initialisation".to_string()];
        header.extend(probes.iter().map(|l| format!("layer {l}: pre std / var / kurtosis")));
        let rows = all_stats
            .iter()
            .map(|(v, s)| {
                let mut row = vec![v.label().to_string()];
                for &l in &probes {
                    let st = &s[l - 1];
                    row.push(format!(
                        "{} / {} / {}",
                        fmt3(st.pre_std),
                        fmt3(st.post_var),
                        fmt3(st.post_kurtosis)
                    ));
                }
                row
            })
            .collect();
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict {
                supported: siren_ok && collapsed,
                summary,
            },
            tables: vec![Table {
                caption: format!(
                    "{points} points of [-1, 1] through {layers} sine layers of width {width} (PyTorch-default biases \
                     U(±1/√n) in every variant); seed {}",
                    opts.seed
                ),
                header,
                rows,
            }],
            figures: vec![
                Figure {
                    file: "init_stats.png".into(),
                    caption: "Pre-activation std, activation variance and excess kurtosis per layer".into(),
                },
                Figure {
                    file: "init_histograms.png".into(),
                    caption: "Histograms of the activations (top) and pre-activations (bottom) of a few layers, per \
                              initialisation, against the arcsine and N(0, 1) densities"
                        .into(),
                },
            ],
            published: vec![
                Published {
                    what: "SIREN init: hidden pre-activation std, activation variance and excess kurtosis".into(),
                    published: "≈ 1 (1.18–1.28 with the default biases), ≈ 0.5 (0.46–0.50), −1.5 (−1.41 to −1.50) at \
                                every layer"
                        .into(),
                    ours: format!(
                        "{}–{}, {}–{}, {} to {}",
                        fmt3(std_lo),
                        fmt3(std_hi),
                        fmt3(var_lo),
                        fmt3(var_hi),
                        fmt3(k_lo),
                        fmt3(k_hi)
                    ),
                    source: "Sitzmann et al. 2020, Sec. 3.2 and supplement Sec. 1; explore_siren.ipynb (2048 wide)"
                        .into(),
                },
                Published {
                    what: "U(±1/√n) weights, no ω0: pre-activation std by layer; variance at layer 10".into(),
                    published: "0.67 → 0.33 → 0.18 → … → 0.03; 0.001".into(),
                    ours: format!(
                        "{} → {} → {} → … → {}; {}",
                        fmt3(default[0].pre_std),
                        default.get(1).map_or("—".into(), |s| fmt3(s.pre_std)),
                        default.get(2).map_or("—".into(), |s| fmt3(s.pre_std)),
                        fmt3(collapse.pre_std),
                        fmt3(default.get(9).map_or(f64::NAN, |s| s.post_var))
                    ),
                    source: "lab protocols §1.5 (measured on the reference notebook's network)".into(),
                },
            ],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!({
                "width": width,
                "layers": layers,
                "points": points,
                "variants": all_stats.iter().map(|(v, s)| json!({"variant": v.name(), "label": v.label(), "layers": s})).collect::<Vec<_>>(),
            }),
        })
    }
}

/// The std of a hidden pre-activation `ω0·(Wx + b)` of a SIREN `width` wide: `√(1 +
/// ω0²/(3·width))`, 1 from the weights (arcsine inputs of variance 1/2) and `ω0²/(3n)`
/// from PyTorch's default bias `U(±1/√n)`.
pub fn expected_hidden_std(w0: f64, width: usize) -> f64 {
    (1.0 + w0 * w0 / (3.0 * width as f64)).sqrt()
}

fn as_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn min_max(it: impl Iterator<Item = f64>) -> (f64, f64) {
    it.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// The arcsine density `1/(π√(1 − x²))` on (−1, 1), cut where it leaves the plot.
fn arcsine_density() -> Vec<(f64, f64)> {
    (1..200)
        .map(|i| -0.99 + 1.98 * i as f64 / 200.0)
        .map(|x| (x, 1.0 / (std::f64::consts::PI * (1.0 - x * x).sqrt())))
        .collect()
}

fn normal_density() -> Vec<(f64, f64)> {
    (0..=160)
        .map(|i| -4.0 + 8.0 * i as f64 / 160.0)
        .map(|x| (x, (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()))
        .collect()
}
