//! `siren-audio`: fitting a sound with coordinate networks, SIREN with a first-layer ω0
//! suited to audio (3000) against ReLU (He), on a synthesized chirp with harmonics or a
//! WAV file (`--wav`).
//!
//! Protocol (`explore_siren.ipynb`, "Fitting an audio signal"): amplitudes divided by
//! their largest magnitude, one coordinate per sample on `[-1, 1]`,
//! `Siren(1 → 256 × 3 → 1, first_omega_0 = 3000)`, full batch, Adam 1e-4, MSE.

use std::path::Path;

use anyhow::Result;
use candle_core::Tensor;
use indicatif::ProgressBar;
use serde_json::json;

use super::siren_net::{self, fit, grid_1d, pe_levels, FitConfig, Inr, InrSpec, Model, Target};
use crate::error::usage;
use crate::lab::chart::{self, Panel, Series};
use crate::lab::{fmt3, write_atomic, Experiment, Figure, LabOptions, Outcome, Published, Table, Verdict};
use crate::wav::Audio;

pub struct SirenAudio;

/// ω0 of SIREN's first layer for audio (the reference notebook's).
pub const AUDIO_FIRST_W0: f64 = 3000.0;

/// The first-layer ω0 for `n` samples on `[-1, 1]`: 3000, or the grid's Nyquist rate
/// `π(n − 1)/2` (radians per unit of the coordinate) when that is lower: above it the
/// first layer's frequencies alias between the samples.
pub fn audio_first_w0(n: usize) -> f64 {
    AUDIO_FIRST_W0.min(std::f64::consts::PI * (n.max(2) - 1) as f64 / 2.0)
}

/// The synthesized test sound: `n` samples at `rate` Hz of a linear chirp (100 Hz →
/// 1500 Hz) plus a decaying 220 Hz tone with 3 harmonics, scaled to a peak of 1.
pub fn synthesize(n: usize, rate: u32) -> Audio {
    let r = rate as f64;
    let duration = n as f64 / r;
    let (f0, f1) = (100.0, 1500.0);
    let tau = std::f64::consts::TAU;
    let mut s: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / r;
            let chirp = (tau * (f0 * t + (f1 - f0) / (2.0 * duration) * t * t)).sin();
            let tone: f64 = (1..=4)
                .map(|k| (tau * 220.0 * k as f64 * t + 0.3 * k as f64).sin() / k as f64)
                .sum();
            0.6 * chirp + 0.4 * tone * (-3.0 * t / duration).exp()
        })
        .collect();
    let peak = s.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
    s.iter_mut().for_each(|v| *v /= peak);
    Audio {
        rate,
        samples: s.into_iter().map(|v| v as f32).collect(),
    }
}

const CHECKPOINTS: [usize; 7] = [50, 100, 200, 500, 1000, 2000, 5000];

impl Experiment for SirenAudio {
    fn name(&self) -> &'static str {
        "siren-audio"
    }
    fn title(&self) -> &'static str {
        "SIREN fits sound"
    }
    fn claim(&self) -> &'static str {
        "A sine network whose first layer has a high frequency (ω0 = 3000) represents an audio signal far more \
         accurately than a ReLU network"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        siren_net::with_second_order(|| run_audio(self, opts, dir, bar))
    }
}

fn run_audio(exp: &SirenAudio, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
    let o = &opts.siren;
    let device = o.device()?;
    let profile = opts.profile;
    let default_n = profile.pick(1024, 2048, 32_768);
    let (audio, source) = match &o.wav {
        Some(p) => {
            let a = Audio::open(p).map_err(|e| usage(format!("{e:#}")))?;
            let n = o.size.unwrap_or(default_n).min(a.samples.len());
            let mut samples = a.samples[..n].to_vec();
            let peak = samples.iter().fold(0f32, |m, v| m.max(v.abs()));
            if peak > 0.0 {
                samples.iter_mut().for_each(|v| *v /= peak);
            }
            let what = format!(
                "{} (first {n} of {} samples at {} Hz)",
                p.display(),
                a.samples.len(),
                a.rate
            );
            (Audio { rate: a.rate, samples }, what)
        }
        None => {
            let n = o.size.unwrap_or(default_n);
            let a = synthesize(n, 8000);
            (a, format!("a synthesized chirp (100 → 1500 Hz) with a decaying 220 Hz tone and harmonics, {n} samples at 8 kHz"))
        }
    };
    let n = audio.samples.len();
    let width = o.width.unwrap_or(profile.pick(32, 64, 256));
    let depth = o.depth.unwrap_or(3);
    let steps = opts.steps_or(profile.pick(100, 200, 5000));
    let lr = o.lr.unwrap_or(profile.pick(1e-3, 1e-4, 1e-4));
    let models = o.models_or(&[Model::Siren, Model::Relu])?;
    let first_w0 = audio_first_w0(n);
    let coords = grid_1d(n, &device)?;
    let target = Tensor::from_vec(audio.samples.clone(), (n, 1), &device)?;

    bar.set_length((models.len() * steps) as u64);
    let mut results = Vec::new();
    for &model in &models {
        bar.set_message(model.name());
        let mut spec = InrSpec::new(model, 1, 1, width, depth);
        spec.first_w0 = first_w0;
        spec.pe_levels = pe_levels(n);
        let net = Inr::new(spec, opts.seed, &device)?;
        let cfg = FitConfig {
            steps,
            lr,
            every: (steps / 100).max(1),
            checkpoints: CHECKPOINTS.to_vec(),
            clamp: None,
        };
        let log = fit(&net, &coords, Target::Values(&target), &cfg, || bar.inc(1))?;
        let y: Vec<f32> = net.forward(&coords)?.flatten_all()?.to_vec1()?;
        write_atomic(
            &dir.join(format!("{}.wav", model.name())),
            &Audio {
                rate: audio.rate,
                samples: y.clone(),
            }
            .to_wav(),
        )?;
        results.push((model, log, y));
    }
    write_atomic(&dir.join("target.wav"), &audio.to_wav())?;

    let final_mse = |log: &siren_net::FitLog| log.mse.last().map_or(f64::NAN, |m| m.1);
    chart::line_png(
        &dir.join("mse.png"),
        &Panel {
            title: "MSE while fitting the sound".into(),
            x_label: "step".into(),
            y_label: "MSE (log)".into(),
            series: results
                .iter()
                .map(|(m, log, _)| Series::new(m.label(), log.mse.iter().map(|&(s, v)| (s as f64, v)).collect()))
                .collect(),
            log_y: true,
            x_names: None,
        },
        (760, 440),
    )?;
    // A window of the waveform: the middle 200 samples (or all of a short one).
    let win = 200.min(n);
    let start = (n - win) / 2;
    let t = |i: usize| (start + i) as f64 / audio.rate as f64 * 1000.0;
    let mut wave: Vec<Series> = results
        .iter()
        .map(|(m, _, y)| Series::new(m.label(), (0..win).map(|i| (t(i), y[start + i] as f64)).collect()))
        .collect();
    wave.push(
        Series::new(
            "target",
            (0..win).map(|i| (t(i), audio.samples[start + i] as f64)).collect(),
        )
        .dashed(),
    );
    let residual: Vec<Series> = results
        .iter()
        .map(|(m, _, y)| {
            let step = (n / 2000).max(1);
            Series::new(
                m.label(),
                (0..n)
                    .step_by(step)
                    .map(|i| (i as f64 / audio.rate as f64, (y[i] - audio.samples[i]) as f64))
                    .collect(),
            )
        })
        .collect();
    chart::panels_png(
        &dir.join("waveform.png"),
        &[
            Panel {
                title: format!("{win} samples from the middle"),
                x_label: "time (ms)".into(),
                y_label: "amplitude".into(),
                series: wave,
                log_y: false,
                x_names: None,
            },
            Panel {
                title: "residual (fit − target)".into(),
                x_label: "time (s)".into(),
                y_label: "error".into(),
                series: residual,
                log_y: false,
                x_names: None,
            },
        ],
        1,
        (900, 340),
    )?;

    let marks: Vec<usize> = CHECKPOINTS
        .iter()
        .copied()
        .filter(|&c| c < steps)
        .chain([steps])
        .collect();
    let mut header: Vec<String> = vec!["model".into(), "first-layer ω0".into()];
    header.extend(marks.iter().map(|m| format!("MSE step {m}")));
    header.push("s / step".into());
    let rows = results
        .iter()
        .map(|(m, log, _)| {
            let mut row = vec![
                m.label().to_string(),
                if *m == Model::Siren {
                    fmt3(first_w0)
                } else {
                    "—".into()
                },
            ];
            for mk in &marks {
                row.push(
                    log.mse
                        .iter()
                        .find(|p| p.0 == *mk)
                        .map_or("—".into(), |p| format!("{:.3e}", p.1)),
                );
            }
            row.push(format!("{:.4}", log.seconds_per_step));
            row
        })
        .collect();
    let listing = results
        .iter()
        .map(|(m, log, _)| format!("{} {:.3e}", m.label(), final_mse(log)))
        .collect::<Vec<_>>()
        .join(", ");
    let siren = results.iter().find(|r| r.0 == Model::Siren).map(|r| final_mse(&r.1));
    let others: Vec<f64> = results
        .iter()
        .filter(|r| r.0 != Model::Siren)
        .map(|r| final_mse(&r.1))
        .collect();
    let (supported, summary) = match siren {
        Some(s) if !others.is_empty() => (
            others.iter().all(|&o| s < o),
            format!("After {steps} steps on {n} samples (width {width}, {depth} hidden layers, Adam {lr:e}), the MSE is {listing}."),
        ),
        _ => (false, format!("the verdict needs siren and a baseline among --models; MSE {listing}")),
    };
    Ok(Outcome {
        name: exp.name().into(),
        title: exp.title().into(),
        claim: exp.claim().into(),
        verdict: Verdict { supported, summary },
        tables: vec![Table {
            caption: format!("MSE of the fitted sound: {source}; {width} wide, {depth} hidden layers, full batch, Adam {lr:e}; seed {}", opts.seed),
            header,
            rows,
        }],
        figures: vec![
            Figure { file: "mse.png".into(), caption: "MSE over training steps".into() },
            Figure { file: "waveform.png".into(), caption: "The waveform and each fit (a window), and the residuals over the whole signal".into() },
        ],
        published: vec![Published {
            what: "audio fitting MSE (Bach; counting)".into(),
            published: "ReLU 2.504e-2, ReLU P.E. 2.380e-2, SIREN 1.101e-5; ReLU 7.466e-3, ReLU P.E. 9.078e-3, SIREN 3.816e-4 (one secondary note)".into(),
            ours: listing.clone(),
            source: "Sitzmann et al. 2020, supplement (audio table)".into(),
        }],
        seconds: 0.0,
        profile,
        seed: opts.seed,
        data: json!({
            "source": source,
            "samples": n,
            "rate": audio.rate,
            "width": width,
            "hidden_layers": depth,
            "steps": steps,
            "lr": lr,
            "first_w0": first_w0,
            "mse": results.iter().map(|(m, log, _)| (m.name().to_string(), json!(log.mse.iter().map(|&(s, v)| json!([s, v])).collect::<Vec<_>>()))).collect::<serde_json::Map<_, _>>(),
            "models": results.iter().map(|(m, log, _)| json!({"model": m.name(), "final_mse": final_mse(log), "seconds_per_step": log.seconds_per_step})).collect::<Vec<_>>(),
        }),
    })
}
