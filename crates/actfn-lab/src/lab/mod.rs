//! The lab: experiments that train or probe real networks to test the lecture's claims
//! about activation functions, each writing JSON results and PNG plots, and the report
//! that runs them all.
//!
//! Every experiment follows one shape ([`Experiment`]): options in ([`LabOptions`]),
//! an [`Outcome`] out (tables, figures, a verdict computed from the numbers, the
//! published numbers it compares with, and the raw data as JSON). [`run_experiment`]
//! writes the outcome atomically under `OUT/NAME/`, so an interrupted report resumes.

pub mod chart;
pub mod experiments;
pub mod net;
pub mod report;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

/// How big the experiments are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum Profile {
    /// Seconds: for tests.
    Tiny,
    /// Minutes on 2 cores: the default report.
    Quick,
    /// Paper scale.
    Full,
}

impl Profile {
    /// Picks one of three values by profile.
    pub fn pick<T>(self, tiny: T, quick: T, full: T) -> T {
        match self {
            Profile::Tiny => tiny,
            Profile::Quick => quick,
            Profile::Full => full,
        }
    }
}

/// Options every experiment takes.
#[derive(Clone, Debug)]
pub struct LabOptions {
    /// Directory the experiment writes into (its own subdirectory is made inside).
    pub out: PathBuf,
    pub seed: u64,
    /// Activations to compare (specs); `None`: the experiment's default set.
    pub acts: Option<Vec<String>>,
    /// Training steps (or epochs) override.
    pub steps: Option<usize>,
    pub profile: Profile,
    /// Re-run even when results exist.
    pub force: bool,
    /// Show progress bars.
    pub progress: bool,
    /// Options of the SIREN experiments (`siren`, `siren-init`, `siren-audio`); the
    /// default is each experiment's own.
    pub siren: experiments::siren::SirenOptions,
}

impl LabOptions {
    /// The activations to use: the user's (validated) or `defaults`.
    pub fn acts_or(&self, defaults: &[&str]) -> Result<Vec<actfn::Activation>> {
        let specs: Vec<String> = match &self.acts {
            Some(a) => a.clone(),
            None => defaults.iter().map(|s| s.to_string()).collect(),
        };
        specs
            .iter()
            .map(|s| actfn::Activation::parse(s).map_err(|e| anyhow::anyhow!("{e}")))
            .collect()
    }

    pub fn steps_or(&self, default: usize) -> usize {
        self.steps.unwrap_or(default)
    }
}

/// A table of an outcome.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A figure written next to the results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Figure {
    /// File name inside the experiment's directory.
    pub file: String,
    pub caption: String,
}

/// Whether the numbers support the lecture's claim, in words computed from them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verdict {
    pub supported: bool,
    pub summary: String,
}

/// A published number beside ours.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Published {
    pub what: String,
    pub published: String,
    pub ours: String,
    pub source: String,
}

/// What an experiment produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    pub name: String,
    pub title: String,
    pub claim: String,
    pub verdict: Verdict,
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
    pub published: Vec<Published>,
    /// Seconds the experiment took.
    pub seconds: f64,
    pub profile: Profile,
    pub seed: u64,
    /// Everything behind the figures.
    pub data: serde_json::Value,
}

/// An experiment of the lab.
pub trait Experiment: Sync {
    /// The name used on the command line (`actfn lab NAME`).
    fn name(&self) -> &'static str;
    fn title(&self) -> &'static str;
    /// The lecture's claim this experiment tests.
    fn claim(&self) -> &'static str;
    /// Runs in `dir` (created), reporting progress on `bar`.
    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome>;
    /// Why `--act` does not apply, for experiments with fixed formulas; `None`: it applies.
    fn no_acts(&self) -> Option<&'static str> {
        None
    }
    /// Why `--steps` does not apply, for experiments that train nothing; `None`: it applies.
    fn no_steps(&self) -> Option<&'static str> {
        None
    }
}

/// Every experiment, in report order.
pub fn experiments() -> Vec<&'static dyn Experiment> {
    experiments::all()
}

/// The experiment called `name`, or an error listing the names.
pub fn find(name: &str) -> Result<&'static dyn Experiment> {
    let all = experiments();
    if let Some(e) = all.iter().find(|e| e.name() == name) {
        return Ok(*e);
    }
    let names: Vec<&str> = all.iter().map(|e| e.name()).collect();
    bail!("unknown experiment `{name}`; the experiments: {}", names.join(", "))
}

/// The result file of an experiment.
pub fn result_path(out: &Path, name: &str) -> PathBuf {
    out.join(name).join("result.json")
}

/// Runs `exp` unless its result exists (and `force` is off), writes the outcome
/// atomically and returns it; `Ok((outcome, true))` when it was loaded from disk.
pub fn run_experiment(exp: &dyn Experiment, opts: &LabOptions, bar: &ProgressBar) -> Result<(Outcome, bool)> {
    let dir = opts.out.join(exp.name());
    let path = result_path(&opts.out, exp.name());
    if !opts.force && path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if let Ok(outcome) = serde_json::from_str::<Outcome>(&text) {
            if outcome.profile == opts.profile
                && outcome.seed == opts.seed
                && opts.acts.is_none()
                && opts.steps.is_none()
                && opts.siren.is_default()
            {
                return Ok((outcome, true));
            }
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let start = std::time::Instant::now();
    let mut outcome = exp.run(opts, &dir, bar)?;
    outcome.seconds = start.elapsed().as_secs_f64();
    write_atomic(&path, serde_json::to_string_pretty(&outcome)?.as_bytes())?;
    Ok((outcome, false))
}

/// Writes `bytes` to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing into {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A progress bar for `len` units of work (hidden when progress is off).
pub fn bar(len: u64, label: &str, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar
}

/// Formats a number for a table: 3 significant digits, scientific when far from 1.
pub fn fmt3(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else {
        let s = format!("{v:.3}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// Mean and (sample) standard deviation.
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}
