//! The built-in data sets by name, for the command line's `--data NAME`.
//!
//! [`DATASETS`] lists them with their task, sizes and a description;
//! [`Dataset::by_name`] builds one from its name (or an alias), a sample count (0 for
//! the default), a seed and a noise level.

use anyhow::Result;

use super::{digits, mnist1d, synthetic, Dataset, RandomState};
use crate::error::usage;

/// What a model learns from a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    Classification,
    Regression,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    }
}

/// One built-in data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DataInfo {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub task: Task,
    /// Features per row.
    pub inputs: usize,
    /// Classes, or target columns.
    pub outputs: usize,
    /// The sample count used when 0 is asked for.
    pub default_n: usize,
    /// The noise level used when none is given.
    pub default_noise: f64,
    /// What the noise level does (or that it is ignored).
    pub noise: &'static str,
    pub description: &'static str,
}

const TF: &str = "TF Playground noise slider as a fraction, 0 to 0.5";

/// Every built-in data set, in the order `actfn` lists them.
pub const DATASETS: &[DataInfo] = &[
    DataInfo {
        name: "spirals",
        aliases: &["spiral", "two-spirals"],
        task: Task::Classification,
        inputs: 2,
        outputs: 2,
        default_n: 500,
        default_noise: 0.0,
        noise: TF,
        description: "two interleaved spirals, 1.75 turns each (TF Playground)",
    },
    DataInfo {
        name: "circles",
        aliases: &["circle"],
        task: Task::Classification,
        inputs: 2,
        outputs: 2,
        default_n: 500,
        default_noise: 0.0,
        noise: TF,
        description: "a disc of radius 2.5 inside a ring from 3.5 to 5 (TF Playground)",
    },
    DataInfo {
        name: "xor",
        aliases: &[],
        task: Task::Classification,
        inputs: 2,
        outputs: 2,
        default_n: 500,
        default_noise: 0.0,
        noise: TF,
        description: "the four quadrants, class = sign(x·y) (TF Playground)",
    },
    DataInfo {
        name: "gauss",
        aliases: &["gaussians", "two-gaussians", "blobs"],
        task: Task::Classification,
        inputs: 2,
        outputs: 2,
        default_n: 500,
        default_noise: 0.0,
        noise: "TF Playground slider: variance 0.5 at 0 to 4 at 0.5",
        description: "two Gaussian blobs at (2, 2) and (-2, -2), linearly separable (TF Playground)",
    },
    DataInfo {
        name: "checkerboard",
        aliases: &["checker"],
        task: Task::Classification,
        inputs: 2,
        outputs: 2,
        default_n: 1000,
        default_noise: 0.0,
        noise: "moves the point by U(-1, 1)·noise before its cell is taken",
        description: "a 4×4 checkerboard on [-1, 1]² (checkerboard:K for K×K cells)",
    },
    DataInfo {
        name: "mnist1d",
        aliases: &["mnist-1d"],
        task: Task::Classification,
        inputs: 40,
        outputs: 10,
        default_n: 5000,
        default_noise: 0.0,
        noise: "ignored (the official construction's noise)",
        description:
            "MNIST-1D (Greydanus 2020): seed 42 and 5000 samples give the official set, 4000 train / 1000 test",
    },
    DataInfo {
        name: "mnist1d-shuffled",
        aliases: &["mnist1d-shuffle"],
        task: Task::Classification,
        inputs: 40,
        outputs: 10,
        default_n: 5000,
        default_noise: 0.0,
        noise: "ignored (the official construction's noise)",
        description: "MNIST-1D with its 40 positions permuted (no spatial structure left for a CNN)",
    },
    DataInfo {
        name: "digits",
        aliases: &["uci-digits", "sklearn-digits"],
        task: Task::Classification,
        inputs: 64,
        outputs: 10,
        default_n: digits::N,
        default_noise: 0.0,
        noise: "ignored",
        description:
            "UCI 8×8 handwritten digits, 1797 images scaled to [0, 1] (CC BY 4.0; n < 1797 takes a seeded subset)",
    },
    DataInfo {
        name: "sine",
        aliases: &["sin"],
        task: Task::Regression,
        inputs: 1,
        outputs: 1,
        default_n: 500,
        default_noise: 0.0,
        noise: "standard deviation of Gaussian noise on the target",
        description: "smooth 1-D: sin(x) + 0.5·sin(3x) on [-π, π]",
    },
    DataInfo {
        name: "abs",
        aliases: &["vee"],
        task: Task::Regression,
        inputs: 1,
        outputs: 1,
        default_n: 500,
        default_noise: 0.0,
        noise: "standard deviation of Gaussian noise on the target",
        description: "kinked 1-D: |x| on [-1, 1]",
    },
    DataInfo {
        name: "triangle",
        aliases: &["triangle-wave"],
        task: Task::Regression,
        inputs: 1,
        outputs: 1,
        default_n: 500,
        default_noise: 0.0,
        noise: "standard deviation of Gaussian noise on the target",
        description: "kinked 1-D: a triangle wave of period 1 on [-2, 2], values in [-1, 1]",
    },
    DataInfo {
        name: "sawtooth",
        aliases: &[],
        task: Task::Regression,
        inputs: 1,
        outputs: 1,
        default_n: 500,
        default_noise: 0.0,
        noise: "standard deviation of Gaussian noise on the target",
        description: "discontinuous 1-D: a sawtooth of period 1 on [-2, 2], ramps from -1 to 1",
    },
    DataInfo {
        name: "gauss2d",
        aliases: &["six-gaussians", "regress-gaussian"],
        task: Task::Regression,
        inputs: 2,
        outputs: 1,
        default_n: 1200,
        default_noise: 0.0,
        noise: TF,
        description: "smooth 2-D: six signed bumps on [-6, 6]² (TF Playground regressGaussian)",
    },
    DataInfo {
        name: "plane",
        aliases: &["regress-plane"],
        task: Task::Regression,
        inputs: 2,
        outputs: 1,
        default_n: 1200,
        default_noise: 0.0,
        noise: TF,
        description: "linear 2-D: (x + y) / 10 on [-6, 6]² (TF Playground regressPlane)",
    },
    DataInfo {
        name: "folds",
        aliases: &["pyramid"],
        task: Task::Regression,
        inputs: 2,
        outputs: 1,
        default_n: 1200,
        default_noise: 0.0,
        noise: "standard deviation of Gaussian noise on the target",
        description: "kinked 2-D: |x| + |y| - 1 on [-1, 1]², four planes meeting in creases",
    },
];

/// The entry for `name` or one of its aliases (case-insensitive; `checkerboard:K`
/// finds `checkerboard`).
pub fn info(name: &str) -> Option<&'static DataInfo> {
    let name = name.trim().to_ascii_lowercase();
    let base = name.split(':').next().unwrap_or("");
    DATASETS.iter().find(|d| d.name == base || d.aliases.contains(&base))
}

/// The names of all built-in data sets, comma-separated.
pub fn names() -> String {
    DATASETS.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
}

impl Dataset {
    /// A built-in data set by name (see [`DATASETS`]): `n` samples (0 for the set's
    /// default), drawn from `seed`, with the set's own meaning of `noise` (`None` for its
    /// default). Unknown names and bad parameters are usage errors.
    pub fn by_name(name: &str, n: usize, seed: u64, noise: Option<f64>) -> Result<Dataset> {
        let entry = info(name).ok_or_else(|| usage(format!("unknown data set {name:?}; known: {}", names())))?;
        let noise = noise.unwrap_or(entry.default_noise);
        if !(noise.is_finite() && noise >= 0.0) {
            return Err(usage(format!("noise must be a finite number ≥ 0, got {noise}")));
        }
        let n = if n == 0 { entry.default_n } else { n };
        let lower = name.trim().to_ascii_lowercase();
        let param = lower.split_once(':').map(|(_, p)| p.to_string());
        if param.is_some() && entry.name != "checkerboard" {
            return Err(usage(format!(
                "data set {} takes no parameter (got {name:?})",
                entry.name
            )));
        }
        let data = match entry.name {
            "spirals" => synthetic::spirals(n, noise, seed),
            "circles" => synthetic::circles(n, noise, seed),
            "xor" => synthetic::xor(n, noise, seed),
            "gauss" => synthetic::two_gaussians(n, noise, seed),
            "checkerboard" => {
                let k = match param {
                    None => 4,
                    Some(p) => p.parse::<usize>().ok().filter(|&k| k >= 1).ok_or_else(|| {
                        usage(format!("checkerboard:K needs a whole number of cells K ≥ 1, got {p:?}"))
                    })?,
                };
                synthetic::checkerboard(n, k, noise, seed)
            }
            "mnist1d" | "mnist1d-shuffled" => {
                if n < 10 {
                    return Err(usage(format!("MNIST-1D needs at least 10 samples, got {n}")));
                }
                let args = mnist1d::Mnist1dArgs {
                    num_samples: n,
                    seed,
                    shuffle_seq: entry.name == "mnist1d-shuffled",
                    ..Default::default()
                };
                Ok(mnist1d::make_dataset(&args).to_dataset(entry.name))
            }
            "digits" => {
                let all = digits::load()?;
                if n > all.n {
                    return Err(usage(format!("digits has {} samples, {n} were asked for", all.n)));
                }
                if n == all.n {
                    Ok(all)
                } else {
                    let mut pick = RandomState::seed_u64(seed).permutation(all.n);
                    pick.truncate(n);
                    Ok(all.select(&pick))
                }
            }
            "sine" => synthetic::sine(n, noise, seed),
            "abs" => synthetic::abs(n, noise, seed),
            "triangle" => synthetic::triangle(n, noise, seed),
            "sawtooth" => synthetic::sawtooth(n, noise, seed),
            "gauss2d" => synthetic::regress_gaussians(n, noise, seed),
            "plane" => synthetic::regress_plane(n, noise, seed),
            "folds" => synthetic::folds(n, noise, seed),
            other => unreachable!("data set {other} is listed but not built"),
        }?;
        Ok(data)
    }
}
