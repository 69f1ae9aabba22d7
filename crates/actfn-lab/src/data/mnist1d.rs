//! MNIST-1D (Greydanus 2020, "Scaling down deep learning"; Apache-2.0), its construction
//! reimplemented step for step after the official `mnist1d/data.py` and
//! `mnist1d/transform.py`, on NumPy's legacy random stream ([`RandomState`]) and the
//! NumPy/SciPy numerics in [`super::numeric`].
//!
//! With the default [`Mnist1dArgs`] (seed 42, 5000 samples) [`make_dataset`] returns the
//! official data set bit for bit: `x`, `x_test`, `y`, `y_test`, `t` and the templates of
//! the official `mnist1d_data.pkl` (tests compare them with a committed digest always and
//! element-wise with the official arrays when `shared/data/mnist1d` is present).
//!
//! The construction, per example, in this order: add `1e-8`; pad with
//! `36 + int(rand()·25)` zeros; interpolate to 72 points; scale by
//! `1 + 0.4·(rand() − 0.5)`; translate circularly by `choice(48)`; where the signal is
//! exactly zero put `gaussian_filter(0.25·randn(72), 2)`; add `0.02·randn(72)`; shear by
//! `0.75·(rand() − 0.5)·linspace(−0.5, 0.5, 72)`; interpolate down to 40. Classes are made
//! in order (`num_samples // 10` each), the examples are permuted
//! (`permutation(num_samples)`), optionally the positions too, and the whole set is
//! standardised by its global mean and standard deviation (`t` is divided by the same
//! standard deviation). The first `int(n · train_split)` examples are the training set.

use super::numeric::{gaussian_filter1d, linspace, mean, pairwise_sum, resample, std};
use super::random::RandomState;
use super::{Dataset, Labels};

/// The arguments of `get_dataset_args()`; [`Default`] gives the official ones.
#[derive(Clone, Debug, PartialEq)]
pub struct Mnist1dArgs {
    pub num_samples: usize,
    pub train_split: f64,
    pub template_len: usize,
    /// `(low, high)`: between `low` and `high` zeros (inclusive) are appended.
    pub padding: (usize, usize),
    pub scale_coeff: f64,
    pub max_translation: usize,
    pub corr_noise_scale: f64,
    pub iid_noise_scale: f64,
    pub shear_scale: f64,
    pub shuffle_seq: bool,
    pub final_seq_length: usize,
    pub seed: u64,
}

impl Default for Mnist1dArgs {
    fn default() -> Self {
        Mnist1dArgs {
            num_samples: 5000,
            train_split: 0.8,
            template_len: 12,
            padding: (36, 60),
            scale_coeff: 0.4,
            max_translation: 48,
            corr_noise_scale: 0.25,
            iid_noise_scale: 2e-2,
            shear_scale: 0.75,
            shuffle_seq: false,
            final_seq_length: 40,
            seed: 42,
        }
    }
}

/// The ten digit templates (`get_templates()`): `x` is 10×`len` row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Templates {
    pub x: Vec<f64>,
    pub t: Vec<f64>,
    pub y: Vec<u32>,
    pub len: usize,
}

/// The raw hand-written 12-point templates of the ten digits.
const RAW_TEMPLATES: [[f64; 12]; 10] = [
    [5., 6., 6.5, 6.75, 7., 7., 7., 7., 6.75, 6.5, 6., 5.],
    [5., 3., 3., 3.4, 3.8, 4.2, 4.6, 5., 5.4, 5.8, 5., 5.],
    [5., 6., 6.5, 6.5, 6., 5.25, 4.75, 4., 3.5, 3.5, 4., 5.],
    [5., 6., 6.5, 6.5, 6., 5., 5., 6., 6.5, 6.5, 6., 5.],
    [5., 4.4, 3.8, 3.2, 2.6, 2.6, 5., 5., 5., 5., 5., 5.],
    [5., 3., 3., 3., 3., 5., 6., 6.5, 6.5, 6., 4.5, 5.],
    [5., 4., 3.5, 3.25, 3., 3., 3., 3., 3.25, 3.5, 4., 5.],
    [5., 7., 7., 6.6, 6.2, 5.8, 5.4, 5., 4.6, 4.2, 5., 5.],
    [5., 4., 3.5, 3.5, 4., 5., 5., 4., 3.5, 3.5, 4., 5.],
    [5., 4., 3.5, 3.5, 4., 5., 5., 5., 5., 4.7, 4.3, 5.],
];

/// `get_templates()`: each row centred, divided by its standard deviation, shifted to
/// start at 0, divided by 6; `t = linspace(−5, 5, 12) / 6`.
pub fn templates() -> Templates {
    let len = RAW_TEMPLATES[0].len();
    let mut x = Vec::with_capacity(10 * len);
    for raw in &RAW_TEMPLATES {
        let m = mean(raw);
        let mut row: Vec<f64> = raw.iter().map(|v| v - m).collect();
        let s = std(&row);
        row.iter_mut().for_each(|v| *v /= s);
        let first = row[0];
        row.iter_mut().for_each(|v| *v -= first);
        x.extend(row.iter().map(|v| v / 6.0));
    }
    let t = linspace(-5.0, 5.0, len).iter().map(|v| v / 6.0).collect();
    Templates {
        x,
        t,
        y: (0..10).collect(),
        len,
    }
}

/// MNIST-1D: train and test examples (`n × len` row-major), labels, the shared
/// coordinate `t` and the templates.
#[derive(Clone, Debug, PartialEq)]
pub struct Mnist1d {
    pub x: Vec<f64>,
    pub y: Vec<u32>,
    pub x_test: Vec<f64>,
    pub y_test: Vec<u32>,
    pub t: Vec<f64>,
    pub templates: Templates,
    /// The length of each example (`final_seq_length`, 40 by default).
    pub len: usize,
}

/// `transform(x, t, args)`: one example made from template `x` over coordinate `t`.
/// Returns the example and the transformed coordinate.
pub fn transform(x: &[f64], t: &[f64], args: &Mnist1dArgs, rng: &mut RandomState) -> (Vec<f64>, Vec<f64>) {
    const EPS: f64 = 1e-8;
    let (low, high) = args.padding;
    let long = args.template_len + high;

    // pad
    let p = low + (rng.random_sample() * (high - low + 1) as f64) as usize;
    let mut padded: Vec<f64> = x.iter().map(|v| v + EPS).collect();
    padded.resize(padded.len() + p, 0.0);
    // dilate
    let mut new_x = resample(&padded, long);
    let new_t = resample(t, long);
    // scale
    let factor = 1.0 + args.scale_coeff * (rng.random_sample() - 0.5);
    new_x.iter_mut().for_each(|v| *v *= factor);
    // translate: concatenate([x[-k:], x[:-k]])
    let k = rng.choice(args.max_translation);
    if k < long {
        new_x.rotate_right(k);
    }
    // correlated noise where the signal is exactly zero
    let noise: Vec<f64> = (0..long)
        .map(|_| args.corr_noise_scale * rng.standard_normal())
        .collect();
    let corr = gaussian_filter1d(&noise, 2.0, 4.0);
    for (v, c) in new_x.iter_mut().zip(&corr) {
        if *v == 0.0 {
            *v = 0.0 + c;
        }
    }
    // iid noise
    for v in new_x.iter_mut() {
        *v += args.iid_noise_scale * rng.standard_normal();
    }
    // shear
    let coeff = args.shear_scale * (rng.random_sample() - 0.5);
    let ramp = linspace(-0.5, 0.5, long);
    for (v, r) in new_x.iter_mut().zip(&ramp) {
        *v -= coeff * r;
    }
    // subsample
    (
        resample(&new_x, args.final_seq_length),
        resample(&new_t, args.final_seq_length),
    )
}

/// `make_dataset(args)`: the whole data set, deterministic from `args.seed`.
///
/// Panics if `num_samples < 10` (no example per class) or `max_translation == 0`.
pub fn make_dataset(args: &Mnist1dArgs) -> Mnist1d {
    assert!(args.num_samples >= 10, "MNIST-1D needs at least 10 samples");
    assert!(args.max_translation > 0, "MNIST-1D needs max_translation > 0");
    let templates = templates();
    let mut rng = RandomState::seed_u64(args.seed);
    let len = args.final_seq_length;
    let per_class = args.num_samples / templates.y.len();
    let n = per_class * templates.y.len();

    let mut xs = Vec::with_capacity(n * len);
    let mut ys = Vec::with_capacity(n);
    let mut new_t = Vec::new();
    for (label, row) in templates.y.iter().zip(templates.x.chunks(templates.len)) {
        for _ in 0..per_class {
            let (x, t) = transform(row, &templates.t, args, &mut rng);
            xs.extend_from_slice(&x);
            ys.push(*label);
            new_t = t;
        }
    }

    let perm = rng.permutation(n);
    let mut shuffled = Vec::with_capacity(n * len);
    for &i in &perm {
        shuffled.extend_from_slice(&xs[i * len..(i + 1) * len]);
    }
    let ys: Vec<u32> = perm.iter().map(|&i| ys[i]).collect();
    let mut xs = shuffled;
    if args.shuffle_seq {
        let seq = rng.permutation(len);
        for row in xs.chunks_mut(len) {
            let old = row.to_vec();
            for (dst, &src) in row.iter_mut().zip(&seq) {
                *dst = old[src];
            }
        }
    }

    let s = std(&xs);
    let t: Vec<f64> = new_t.iter().map(|v| v / s).collect();
    let m = pairwise_sum(&xs) / xs.len() as f64;
    xs.iter_mut().for_each(|v| *v = (*v - m) / s);

    let split = (n as f64 * args.train_split) as usize;
    let split = split.min(n);
    let x_test = xs.split_off(split * len);
    let mut y = ys;
    let y_test = y.split_off(split);
    Mnist1d {
        x: xs,
        y,
        x_test,
        y_test,
        t,
        templates,
        len,
    }
}

impl Mnist1d {
    /// All examples as one [`Dataset`] (`f32`, training rows first, then the test rows,
    /// [`Dataset::train_len`] = the training count), named `name`.
    pub fn to_dataset(&self, name: &str) -> Dataset {
        let x: Vec<f32> = self.x.iter().chain(&self.x_test).map(|&v| v as f32).collect();
        let y: Vec<u32> = self.y.iter().chain(&self.y_test).copied().collect();
        let mut data = Dataset::new(name, x, self.len, Labels::Class(y, self.templates.y.len()))
            .expect("MNIST-1D rows are finite and labelled 0..9");
        data.train_len = Some(self.y.len());
        data
    }
}
