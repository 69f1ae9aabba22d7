//! Pictures of activations: the sampled curves (values from the library's own forward
//! and backward kernels, in `f64`), what a picture marks on them (kinks, jumps,
//! asymptotes, the range), and `actfn plot`.
//!
//! Every activation is read as a function of one real `x`:
//! - element-wise kinds: `f(x)` and `f'(x)` (PReLU with one weight per channel: one
//!   curve per channel);
//! - row-wise kinds (softmax, log_softmax, softmin): the first output of the row
//!   `[x, 0]` and its derivative `∂y₀/∂x₀` (softmax then draws sigmoid, log_softmax
//!   log-sigmoid, softmin sigmoid(-x));
//! - gated kinds (glu, reglu, geglu, swiglu): the output for `a = b = x`, that is
//!   `x·gate(x)`, and its total derivative `∂y/∂a + ∂y/∂b`.
//!
//! [`render`] draws charts with plotters (PNG and SVG), [`term`] draws them in a
//! terminal with braille characters.

pub mod render;
pub mod term;

use std::io::Write;
use std::path::{Path, PathBuf};

use actfn::{Activation, Kind, OpShape};
use anyhow::{Context, Result};

use crate::compute::parse_spec;
use crate::error::usage;

/// The x range plots show unless told otherwise.
pub const DEFAULT_RANGE: XRange = XRange { lo: -6.0, hi: 6.0 };

/// Samples per curve: 1200 intervals, so that on the default range every multiple of
/// 0.01 (0, ±0.5, ±1, ±3, 6: where the kinks are) is a sample.
pub const SAMPLES: usize = 1201;

/// The interval of x a plot shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XRange {
    pub lo: f64,
    pub hi: f64,
}

impl XRange {
    /// Parses `LO,HI` (`-6,6`, `0,1e-3`): two finite numbers, the first below the
    /// second. Every failure is a usage error naming the option.
    pub fn parse(text: &str) -> Result<XRange> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let [lo, hi] = parts[..] else {
            return Err(usage(format!(
                "--range takes two numbers LO,HI such as -6,6, not `{text}`"
            )));
        };
        let number = |s: &str| -> Result<f64> {
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                Ok(_) => Err(usage(format!("--range {text}: `{s}` is not a finite number"))),
                Err(_) => Err(usage(format!("--range {text}: `{s}` is not a number"))),
            }
        };
        let (lo, hi) = (number(lo)?, number(hi)?);
        if lo >= hi {
            return Err(usage(format!(
                "--range {text}: the start must be below the end (did you mean {hi},{lo}?)"
            )));
        }
        let range = XRange { lo, hi };
        range.check()?;
        Ok(range)
    }

    /// Checks that the range is wide enough for distinct samples and narrow enough for
    /// its width to be finite.
    pub fn check(&self) -> Result<()> {
        let width = self.hi - self.lo;
        if !width.is_finite() {
            return Err(usage(format!(
                "--range {},{}: too wide (its width overflows)",
                self.lo, self.hi
            )));
        }
        let magnitude = self.lo.abs().max(self.hi.abs());
        if width < magnitude * 1e-9 {
            return Err(usage(format!(
                "--range {},{}: too narrow to plot at this magnitude",
                self.lo, self.hi
            )));
        }
        Ok(())
    }

    /// `n` evenly spaced samples from `lo` to `hi`, both included. Each is computed as
    /// `(lo·(n-1-i) + hi·i)/(n-1)`, so on an integer range the round values are exact.
    pub fn grid(&self, n: usize) -> Vec<f64> {
        assert!(n >= 2, "a grid needs two samples");
        let m = (n - 1) as f64;
        (0..n)
            .map(|i| {
                let i = i as f64;
                let x = (self.lo * (m - i) + self.hi * i) / m;
                x.clamp(self.lo, self.hi)
            })
            .collect()
    }

    /// Whether `x` lies in the range.
    pub fn contains(&self, x: f64) -> bool {
        (self.lo..=self.hi).contains(&x)
    }
}

/// How an activation is read as a function of one real x (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// `f(x)`, element by element.
    Elementwise,
    /// The first output of the row `[x, 0]`.
    RowFirst,
    /// The gated output for `a = b = x`.
    GateSame,
}

impl Reading {
    pub fn of(kind: Kind) -> Reading {
        match kind.info().shape {
            OpShape::Pointwise | OpShape::Channelwise => Reading::Elementwise,
            OpShape::AlongDim => Reading::RowFirst,
            OpShape::Gated => Reading::GateSame,
        }
    }

    /// What the curve of an activation labelled `label` shows: `label` itself for the
    /// element-wise kinds, `softmax of [x, 0], output 0`, `glu of [x, x]`.
    pub fn label(self, label: &str) -> String {
        match self {
            Reading::Elementwise => label.to_string(),
            Reading::RowFirst => format!("{label} of [x, 0], output 0"),
            Reading::GateSame => format!("{label} of [x, x]"),
        }
    }

    /// One sentence for captions and docs.
    pub fn explain(self) -> &'static str {
        match self {
            Reading::Elementwise => "",
            Reading::RowFirst => {
                "drawn as a function of one x: the first output of the row [x, 0] and its derivative ∂y₀/∂x₀"
            }
            Reading::GateSame => {
                "drawn as a function of one x: the output for a = b = x, x·gate(x), and its total derivative"
            }
        }
    }
}

/// One curve: an activation read as a function of x, sampled.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// What the legend shows.
    pub label: String,
    pub xs: Vec<f64>,
    /// The function at `xs`, from the library's forward kernel.
    pub ys: Vec<f64>,
    /// Its derivative at `xs`, from the library's backward kernel.
    pub dys: Vec<f64>,
}

/// The 1-d reading of a row-wise or gated activation: an array in which the
/// activation's dim has length 2 and another axis holds the `n` samples.
struct PairLayout {
    shape: Vec<usize>,
    /// Stride of the activation's dim in the input.
    pair_stride: usize,
    /// Stride of the samples' axis in the input.
    sample_stride: usize,
    /// Stride of the samples' axis in the output (its dim may halve).
    out_sample_stride: usize,
    out_len: usize,
}

/// The largest |dim| a plot builds an array for.
const MAX_PLOT_DIM: i64 = 16;

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * shape[k + 1];
    }
    s
}

fn pair_layout(act: &Activation, n: usize) -> Result<PairLayout> {
    let dim = act.dim().unwrap_or(-1);
    if dim.abs() > MAX_PLOT_DIM {
        return Err(usage(format!(
            "cannot plot {act}: plots read it on a 2-d array, and dim {dim} would need a {}-d one",
            dim.unsigned_abs() + u64::from(dim >= 0)
        )));
    }
    let ndim = if dim >= 0 { (dim + 1).max(2) } else { (-dim).max(2) } as usize;
    let d = if dim >= 0 {
        dim as usize
    } else {
        (ndim as i64 + dim) as usize
    };
    let other = if d == 0 { 1 } else { 0 };
    let mut shape = vec![1; ndim];
    shape[d] = 2;
    shape[other] = n;
    let out_shape = act.output_shape(&shape).with_context(|| format!("plotting {act}"))?;
    let (s, os) = (strides(&shape), strides(&out_shape));
    Ok(PairLayout {
        pair_stride: s[d],
        sample_stride: s[other],
        out_sample_stride: os[other],
        out_len: out_shape.iter().product(),
        shape,
    })
}

/// The function and its derivative at `xs`, read as [`Reading::of`] says; for PReLU
/// with several weights, one pair per channel.
pub fn evaluate(act: &Activation, xs: &[f64]) -> Result<Vec<(Vec<f64>, Vec<f64>)>> {
    let n = xs.len();
    let ctx = || format!("evaluating {act}");
    match Reading::of(act.kind()) {
        Reading::Elementwise if act.prelu_weight().len() > 1 => {
            // Shape [1, C, n]: channel c holds every sample.
            let c = act.prelu_weight().len();
            let shape = [1, c, n];
            let x: Vec<f64> = (0..c).flat_map(|_| xs.iter().copied()).collect();
            let mut y = vec![0.0; c * n];
            let mut dx = vec![0.0; c * n];
            act.forward_shaped(&x, &shape, &mut y).with_context(ctx)?;
            act.backward_shaped(&x, &shape, &vec![1.0; c * n], &mut dx)
                .with_context(ctx)?;
            Ok((0..c)
                .map(|k| (y[k * n..(k + 1) * n].to_vec(), dx[k * n..(k + 1) * n].to_vec()))
                .collect())
        }
        Reading::Elementwise => {
            let mut y = vec![0.0; n];
            let mut dx = vec![0.0; n];
            act.forward(xs, &mut y).with_context(ctx)?;
            act.backward(xs, &vec![1.0; n], &mut dx).with_context(ctx)?;
            Ok(vec![(y, dx)])
        }
        reading @ (Reading::RowFirst | Reading::GateSame) => {
            let l = pair_layout(act, n)?;
            let mut x = vec![0.0; 2 * n];
            for (i, &v) in xs.iter().enumerate() {
                x[i * l.sample_stride] = v;
                x[i * l.sample_stride + l.pair_stride] = if reading == Reading::GateSame { v } else { 0.0 };
            }
            let mut y = vec![0.0; l.out_len];
            act.forward_shaped(&x, &l.shape, &mut y).with_context(ctx)?;
            // Upstream gradient 1 on output 0 of each row (row-wise), or on the one
            // output (gated).
            let mut g = vec![0.0; l.out_len];
            for i in 0..n {
                g[i * l.out_sample_stride] = 1.0;
            }
            let mut dx = vec![0.0; 2 * n];
            act.backward_shaped(&x, &l.shape, &g, &mut dx).with_context(ctx)?;
            let ys = (0..n).map(|i| y[i * l.out_sample_stride]).collect();
            let dys = (0..n)
                .map(|i| {
                    let a = dx[i * l.sample_stride];
                    match reading {
                        Reading::GateSame => a + dx[i * l.sample_stride + l.pair_stride],
                        _ => a,
                    }
                })
                .collect();
            Ok(vec![(ys, dys)])
        }
    }
}

/// The curves of `act` over `xs`, labelled from `label` (see [`Reading::label`]).
pub fn curves(act: &Activation, label: &str, xs: &[f64]) -> Result<Vec<Curve>> {
    let pairs = evaluate(act, xs)?;
    let several = pairs.len() > 1;
    let base = Reading::of(act.kind()).label(label);
    Ok(pairs
        .into_iter()
        .enumerate()
        .map(|(c, (ys, dys))| Curve {
            label: if several {
                format!("{base}, channel {c}")
            } else {
                base.clone()
            },
            xs: xs.to_vec(),
            ys,
            dys,
        })
        .collect())
}

/// Indices `i` where `ys` jumps between samples `i` and `i + 1`: a step much larger
/// than the steps beside it (a discontinuity, or a kink of the derivative).
pub fn jumps(ys: &[f64]) -> Vec<usize> {
    let n = ys.len();
    if n < 3 {
        return Vec::new();
    }
    let scale = ys
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-300);
    let d: Vec<f64> = ys.windows(2).map(|w| w[1] - w[0]).collect();
    let step = |k: Option<usize>| k.and_then(|k| d.get(k)).map_or(0.0, |v| v.abs());
    (0..d.len())
        .filter(|&i| {
            let di = d[i].abs();
            di.is_finite()
                && di > 1e-9 * scale
                && di > 8.0 * step(i.checked_sub(1)).max(step(Some(i + 1)))
                && step(i.checked_sub(1)).is_finite()
                && step(Some(i + 1)).is_finite()
        })
        .collect()
}

/// A jump of the function: at `x` it takes the value `taken`; on the other side it
/// tends to `limit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jump {
    pub x: f64,
    pub taken: f64,
    pub limit: f64,
}

/// Locates the jump of `act` between samples `i` and `i + 1` (from [`jumps`]) by
/// bisection to adjacent floats `a < b`, `a` on the left piece and `b` on the right;
/// the jump is at whichever of the two has the shorter decimal form (the threshold as
/// written: `step`'s 0, `hardshrink`'s 0.5), where the function takes its value and
/// tends to the other's.
pub fn locate_jump(act: &Activation, xs: &[f64], ys: &[f64], i: usize) -> Result<Jump> {
    let h = xs[i + 1] - xs[i];
    let slope = |j: usize, k: usize| match (ys.get(j), ys.get(k)) {
        (Some(a), Some(b)) if a.is_finite() && b.is_finite() => (b - a) / h,
        _ => 0.0,
    };
    let (s_left, s_right) = (i.checked_sub(1).map_or(0.0, |j| slope(j, i)), slope(i + 1, i + 2));
    let left = |x: f64| ys[i] + s_left * (x - xs[i]);
    let right = |x: f64| ys[i + 1] + s_right * (x - xs[i + 1]);
    let f = |x: f64| -> Result<f64> { Ok(evaluate(act, &[x])?[0].0[0]) };
    let (mut a, mut b) = (xs[i], xs[i + 1]);
    for _ in 0..200 {
        let m = a + 0.5 * (b - a);
        if m <= a || m >= b {
            break;
        }
        let v = f(m)?;
        if (v - left(m)).abs() <= (v - right(m)).abs() {
            a = m;
        } else {
            b = m;
        }
    }
    let (fa, fb) = (f(a)?, f(b)?);
    let len = |v: f64| crate::text::num_f64(v).len();
    Ok(if len(a) <= len(b) {
        Jump {
            x: a,
            taken: fa,
            limit: fb,
        }
    } else {
        Jump {
            x: b,
            taken: fb,
            limit: fa,
        }
    })
}

/// Indices of the kinks of a continuous curve: samples where the slope changes far
/// more than it does around them (second differences isolated from their
/// neighbours'). `jumps` (from [`jumps`]) are not kinks.
pub fn kinks(ys: &[f64], jumps: &[usize]) -> Vec<usize> {
    let n = ys.len();
    if n < 5 {
        return Vec::new();
    }
    let scale = ys
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-300);
    let dd: Vec<f64> = (0..n)
        .map(|i| {
            if i == 0 || i == n - 1 {
                0.0
            } else {
                (ys[i + 1] - 2.0 * ys[i] + ys[i - 1]).abs()
            }
        })
        .collect();
    let near_jump = |i: usize| jumps.iter().any(|&j| j + 1 >= i && j <= i + 1);
    let flagged: Vec<usize> = (2..n - 2)
        .filter(|&i| {
            dd[i].is_finite()
                && dd[i] > 1e-9 * scale
                && dd[i] > 8.0 * dd[i - 2].max(dd[i + 2])
                && dd[i - 1].is_finite()
                && dd[i + 1].is_finite()
                && !near_jump(i)
        })
        .collect();
    // Neighbouring flags are one kink between samples: keep the strongest.
    let mut out: Vec<usize> = Vec::new();
    for i in flagged {
        match out.last_mut() {
            Some(last) if i <= *last + 1 => {
                if dd[i] > dd[*last] {
                    *last = i;
                }
            }
            _ => out.push(i),
        }
    }
    out
}

/// The pieces of the curve `(xs, ys)` to draw as lines: split after each index in
/// `breaks` and wherever a value is not finite.
pub fn segments(xs: &[f64], ys: &[f64], breaks: &[usize]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
        if y.is_finite() {
            cur.push((x, y));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if breaks.contains(&i) && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The y interval a chart shows for `values`: their finite extremes with a margin of
/// 6% on each side; a constant `c` shows as `c ± 1`, no finite value as `[-1, 1]`.
pub fn y_bounds(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return (-1.0, 1.0);
    }
    let span = hi - lo;
    if span <= 1e-12 * lo.abs().max(hi.abs()).max(1e-300) {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = 0.06 * span;
    (lo - pad, hi + pad)
}

/// A number for an axis label: six significant digits at most, shortest form; a value
/// within 1e-9 of the axis's `span` from 0 is 0 (plotters' -2.78e-17).
pub fn tick(v: f64, span: f64) -> String {
    tick_digits(v, span, 6)
}

/// [`tick`] with `significant` digits at most.
pub fn tick_digits(v: f64, span: f64, significant: i32) -> String {
    if v == 0.0 || v.abs() < 1e-9 * span.abs() {
        return "0".to_string();
    }
    let digits = significant - 1 - v.abs().log10().floor() as i32;
    let r = if (-300..300).contains(&digits) {
        let q = 10f64.powi(digits);
        (v * q).round() / q
    } else {
        v
    };
    let s = crate::text::num_f64(r);
    if s.len() > 9 {
        format!("{r:.2e}")
    } else {
        s
    }
}

/// Which end of the x axis an asymptote belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    NegInf,
    PosInf,
}

/// A line `y = slope·x + intercept` that the curve approaches as x goes to `side`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Asymptote {
    pub side: Side,
    pub slope: f64,
    pub intercept: f64,
}

impl Asymptote {
    pub fn at(&self, x: f64) -> f64 {
        self.slope * x + self.intercept
    }

    /// `y = 1`, `y = x`, `y = x - 1`, `y = -1.7581`.
    pub fn equation(&self) -> String {
        let c = round_to(self.intercept, 1e-4);
        let num = |v: f64| crate::text::num_f64(round_to(v, 1e-4));
        if self.slope == 0.0 {
            return format!("y = {}", num(c));
        }
        let m = if self.slope == 1.0 {
            "x".to_string()
        } else {
            format!("{}·x", num(self.slope))
        };
        match c {
            0.0 => format!("y = {m}"),
            c if c < 0.0 => format!("y = {m} - {}", num(-c)),
            c => format!("y = {m} + {}", num(c)),
        }
    }
}

fn round_to(v: f64, quantum: f64) -> f64 {
    let r = (v / quantum).round() * quantum;
    // Shortest form: 0.9999999999 becomes 1, and -0 becomes 0.
    let r: f64 = format!("{r:.6}").parse().unwrap_or(r);
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The horizontal and oblique asymptotes of `act`'s first curve that the samples
/// `(xs, ys)` do not already reach: found from the function far out (|x| = 1e7, 1e8,
/// 2e8), kept when the curve at the samples' end on that side is still visibly off the
/// line (by more than 1e-6 relative: GELU's 6 - 6e-9 at 6 counts as on it).
pub fn asymptotes(act: &Activation, xs: &[f64], ys: &[f64]) -> Result<Vec<Asymptote>> {
    let far = [-2e8, -1e8, -1e7, 1e7, 1e8, 2e8];
    let Some((fy, _)) = evaluate(act, &far)?.into_iter().next() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (side, [x2, x1, x0], [y2, y1, y0]) in [
        (Side::NegInf, [far[0], far[1], far[2]], [fy[0], fy[1], fy[2]]),
        (Side::PosInf, [far[5], far[4], far[3]], [fy[5], fy[4], fy[3]]),
    ] {
        if ![y0, y1, y2].iter().all(|v| v.is_finite()) {
            continue;
        }
        // Exact where it can be (sigmoid's 1, softplus's x); the intercept from the
        // unrounded slope (SELU's 1.0507009873554805·x has intercept 0).
        let raw = (y2 - y1) / (x2 - x1);
        let slope = if raw.abs() < 1e-9 { 0.0 } else { raw };
        let intercept = y1 - slope * x1;
        let intercept = if intercept.abs() < 1e-6 { 0.0 } else { intercept };
        let line = Asymptote { side, slope, intercept };
        // Converged: the line also fits at 1e7.
        if (y0 - line.at(x0)).abs() > 1e-4 * y0.abs().max(1.0) {
            continue;
        }
        // Not reached on the plotted side: the curve at the range's end differs.
        let end = match side {
            Side::NegInf => 0,
            Side::PosInf => xs.len() - 1,
        };
        let (xe, ye) = (xs[end], ys[end]);
        if !ye.is_finite() || (ye - line.at(xe)).abs() <= 1e-6 * ye.abs().max(1.0) {
            continue;
        }
        if out
            .iter()
            .any(|a: &Asymptote| a.slope == slope && a.intercept == intercept)
        {
            continue;
        }
        out.push(line);
    }
    Ok(out)
}

/// The bounds of the range of `act`'s first curve: on each side the registry says is
/// bounded, the extreme over the samples and far out (|x| up to 1e8); `None` on an
/// unbounded side.
pub fn range_bounds(act: &Activation, ys: &[f64]) -> Result<(Option<f64>, Option<f64>)> {
    let props = act.info().properties;
    let far: Vec<f64> = (1..=8)
        .flat_map(|k| {
            let v = 10f64.powi(k);
            [-v, v]
        })
        .collect();
    let fy = evaluate(act, &far)?.into_iter().next().map(|p| p.0).unwrap_or_default();
    let finite = ys.iter().chain(&fy).copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let lo = (props.bounded_below && lo.is_finite()).then_some(lo);
    let hi = (props.bounded_above && hi.is_finite()).then_some(hi);
    Ok((lo, hi))
}

/// Output format of a chart, from the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    /// `x.png` → PNG, `x.SVG` → SVG; anything else is a usage error.
    pub fn of(path: &Path) -> Result<Format> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            Some(e) => Err(usage(format!(
                "cannot write {}: unknown image type `.{e}` (use .png or .svg)",
                path.display()
            ))),
            None => Err(usage(format!(
                "cannot write {}: name the file .png or .svg",
                path.display()
            ))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Parses `WIDTHxHEIGHT` (`800x600`), each from 64 to 8192 pixels.
pub fn parse_size(text: &str) -> Result<(u32, u32)> {
    let bad = || {
        usage(format!(
            "--size takes WIDTHxHEIGHT in pixels such as 800x600, not `{text}`"
        ))
    };
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    for v in [w, h] {
        if !(64..=8192).contains(&v) {
            return Err(usage(format!(
                "--size {text}: each side must be from 64 to 8192 pixels"
            )));
        }
    }
    Ok((w, h))
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, renamed into place.
/// A failure leaves no file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let context = || format!("cannot write {}", path.display());
    if path.is_dir() {
        return Err(anyhow::anyhow!("it is a directory")).with_context(context);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(anyhow::anyhow!("the directory {} does not exist", dir.display())).with_context(context);
    }
    // The temporary file's random name would only confuse: report the error's kind.
    let mut file = tempfile::Builder::new()
        .prefix(".actfn-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| std::io::Error::from(e.kind()))
        .with_context(context)?;
    file.write_all(bytes).with_context(context)?;
    file.flush().with_context(context)?;
    set_permissions(&file, path).with_context(context)?;
    file.persist(path).map_err(|e| e.error).with_context(context)?;
    Ok(())
}

#[cfg(unix)]
fn set_permissions(file: &tempfile::NamedTempFile, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let perms = match std::fs::metadata(target) {
        Ok(m) => m.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    };
    file.as_file().set_permissions(perms)
}

#[cfg(not(unix))]
fn set_permissions(_file: &tempfile::NamedTempFile, _target: &Path) -> std::io::Result<()> {
    Ok(())
}

/// What `actfn plot` was asked for.
#[derive(Clone, Debug)]
pub struct PlotRequest {
    /// The specs as given.
    pub specs: Vec<String>,
    pub derivative: bool,
    pub range: XRange,
    pub out: Option<PathBuf>,
    pub size: (u32, u32),
    pub ascii: bool,
}

/// Specs split by the shell at their spaces (`softplus(beta=2,` `threshold=10)`) joined
/// back: an argument whose brackets do not balance takes the following ones until they
/// do.
pub fn join_specs(args: &[String]) -> Vec<String> {
    let depth = |s: &str| {
        s.chars().fold(0i64, |d, c| match c {
            '(' | '[' => d + 1,
            ')' | ']' => d - 1,
            _ => d,
        })
    };
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for a in args {
        match out.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(a);
            }
            _ => out.push(a.clone()),
        }
        open = out.last().is_some_and(|l| depth(l) > 0);
    }
    out
}

/// The activations of `specs`, each with its legend label (see [`label`]).
pub fn parse_specs(specs: &[String]) -> Result<Vec<(Activation, String)>> {
    specs
        .iter()
        .map(|s| {
            let act = parse_spec(s)?;
            let label = label(s, &act);
            Ok((act, label))
        })
        .collect()
}

/// The legend label of `act`, parsed from `spec`: its canonical spec, with the
/// parameters the spec gave by keyword even when they equal their defaults, so that
/// `leaky_relu(0.01)` next to `leaky_relu(0.2)` reads
/// `leaky_relu(negative_slope=0.01)`, not `leaky_relu`.
pub fn label(spec: &str, act: &Activation) -> String {
    let info = act.info();
    let Ok(ast) = actfn::spec::parse(spec) else {
        return act.to_string();
    };
    if ast.args.is_empty() || act.prelu_weight().len() > 1 {
        return act.to_string();
    }
    let mut given = vec![false; info.params.len()];
    let mut positional = 0;
    for arg in &ast.args {
        let index = match &arg.key {
            Some(k) => info.params.iter().position(|p| p.name.eq_ignore_ascii_case(k)),
            None => {
                positional += 1;
                Some(positional - 1)
            }
        };
        if let Some(slot) = index.and_then(|i| given.get_mut(i)) {
            *slot = true;
        }
    }
    let parts: Vec<String> = info
        .params
        .iter()
        .zip(act.params())
        .zip(&given)
        .filter(|((p, &v), &g)| g || p.default != Some(v))
        .map(|((p, &v), _)| format!("{}={}", p.name, p.format_value(v)))
        .collect();
    if parts.is_empty() {
        info.name.to_string()
    } else {
        format!("{}({})", info.name, parts.join(", "))
    }
}

/// The sampled curves of `acts` over `range`.
pub fn sample_all(acts: &[(Activation, String)], range: XRange) -> Result<Vec<Curve>> {
    let xs = range.grid(SAMPLES);
    let mut out = Vec::new();
    for (act, label) in acts {
        out.extend(curves(act, label, &xs)?);
    }
    Ok(out)
}

/// `actfn plot`: a chart file, or (with `ascii`, or without `out`) a terminal chart on
/// `out_text`.
pub fn run(req: &PlotRequest, out_text: &mut impl Write, colour: bool) -> Result<()> {
    if let Some(path) = &req.out {
        Format::of(path)?;
    }
    let acts = parse_specs(&req.specs)?;
    let curves = sample_all(&acts, req.range)?;
    if let Some(path) = &req.out {
        let chart = render::comparison(&curves, req.range, req.derivative, req.size);
        let bytes = render::encode(&chart, Format::of(path)?)?;
        write_atomic(path, &bytes)?;
    }
    if req.ascii || req.out.is_none() {
        let text = term::comparison(&curves, req.range, req.derivative, term::Size::default(), colour);
        out_text.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// `actfn describe`'s picture of `act` on the default range: function and derivative
/// side by side, in braille.
pub fn describe_plot(act: &Activation) -> Result<String> {
    let xs = DEFAULT_RANGE.grid(SAMPLES);
    let curves = curves(act, &act.to_string(), &xs)?;
    let reading = Reading::of(act.kind());
    let mut out = format!("\nPlot on [{}, {}]\n", DEFAULT_RANGE.lo, DEFAULT_RANGE.hi);
    if reading != Reading::Elementwise {
        out.push_str(&crate::text::wrap(reading.explain(), 96, "", ""));
        out.push('\n');
    }
    out.push_str(&term::side_by_side(
        &curves,
        DEFAULT_RANGE,
        term::Size { width: 38, height: 10 },
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{exit_code, USAGE};

    #[test]
    fn ranges_parse_and_refuse() {
        assert_eq!(XRange::parse("-6,6").unwrap(), XRange { lo: -6.0, hi: 6.0 });
        assert_eq!(XRange::parse(" 0 , 1e-3 ").unwrap(), XRange { lo: 0.0, hi: 1e-3 });
        for bad in ["5,1", "1,1", "nan,1", "0,inf", "1", "1,2,3", "a,b", "", "-1e308,1e308"] {
            let e = XRange::parse(bad).unwrap_err();
            assert_eq!(exit_code(&e), USAGE, "{bad}");
            assert!(e.to_string().contains("--range"), "{bad}: {e}");
        }
        assert!(XRange::parse("5,1").unwrap_err().to_string().contains("below the end"));
        assert!(XRange::parse("nan,1")
            .unwrap_err()
            .to_string()
            .contains("not a finite number"));
    }

    #[test]
    fn labels_keep_the_parameters_given() {
        let l = |s: &str| label(s, &Activation::parse(s).unwrap());
        assert_eq!(l("leaky_relu(0.01)"), "leaky_relu(negative_slope=0.01)");
        assert_eq!(l("LeakyReLU(0.2)"), "leaky_relu(negative_slope=0.2)");
        assert_eq!(l("leaky_relu"), "leaky_relu");
        assert_eq!(l("softplus(threshold=20, beta=2)"), "softplus(beta=2, threshold=20)");
        assert_eq!(l("gelu(approximate=tanh)"), "gelu(approximate=tanh)");
        assert_eq!(l("softmax(dim=-1)"), "softmax(dim=-1)");
        assert_eq!(l("prelu(weight=[0.1, 0.2])"), "prelu(weight=[0.1, 0.2])");
    }

    #[test]
    fn split_specs_are_joined() {
        let args: Vec<String> = ["softplus(beta=2,", "threshold=10)", "relu", "prelu(weight=[1,", "2])"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            join_specs(&args),
            ["softplus(beta=2, threshold=10)", "relu", "prelu(weight=[1, 2])"]
        );
    }

    #[test]
    fn grid_hits_round_values() {
        let g = DEFAULT_RANGE.grid(SAMPLES);
        assert_eq!(g.len(), SAMPLES);
        assert_eq!((g[0], g[SAMPLES - 1]), (-6.0, 6.0));
        for v in [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0] {
            assert!(g.contains(&v), "{v}");
        }
        assert!(g.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn row_wise_and_gated_readings() {
        let xs = [-2.0, -0.5, 0.0, 1.5];
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        for spec in ["softmax", "softmax(dim=0)", "softmax(dim=2)", "softmax(dim=-3)"] {
            let act = Activation::parse(spec).unwrap();
            let (y, dy) = &evaluate(&act, &xs).unwrap()[0];
            for (i, &x) in xs.iter().enumerate() {
                assert!((y[i] - sig(x)).abs() < 1e-15, "{spec} {x}");
                assert!((dy[i] - sig(x) * (1.0 - sig(x))).abs() < 1e-15, "{spec} {x}");
            }
        }
        let softmin = Activation::parse("softmin").unwrap();
        let (y, _) = &evaluate(&softmin, &xs).unwrap()[0];
        assert!((y[0] - sig(2.0)).abs() < 1e-15);
        for spec in ["glu", "glu(dim=0)"] {
            let glu = Activation::parse(spec).unwrap();
            let (y, dy) = &evaluate(&glu, &xs).unwrap()[0];
            for (i, &x) in xs.iter().enumerate() {
                assert!((y[i] - x * sig(x)).abs() < 1e-15, "{x}");
                let d = sig(x) + x * sig(x) * (1.0 - sig(x));
                assert!((dy[i] - d).abs() < 1e-15, "{x}");
            }
        }
        let e = evaluate(&Activation::parse("softmax(dim=40)").unwrap(), &xs).unwrap_err();
        assert_eq!(exit_code(&e), USAGE);
    }

    #[test]
    fn prelu_channels_are_curves() {
        let act = Activation::parse("prelu(weight=[0.25, 0.5])").unwrap();
        let c = curves(&act, &act.to_string(), &[-2.0, 1.0]).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].ys, [-0.5, 1.0]);
        assert_eq!(c[1].ys, [-1.0, 1.0]);
        assert_eq!(c[1].dys, [0.5, 1.0]);
        assert!(c[1].label.ends_with("channel 1"), "{}", c[1].label);
    }

    fn features(spec: &str) -> (Vec<f64>, Vec<f64>, Vec<Asymptote>) {
        let act = Activation::parse(spec).unwrap();
        let xs = DEFAULT_RANGE.grid(SAMPLES);
        let (ys, _) = evaluate(&act, &xs).unwrap().remove(0);
        let j = jumps(&ys);
        let k = kinks(&ys, &j);
        let a = asymptotes(&act, &xs, &ys).unwrap();
        (
            k.iter().map(|&i| xs[i]).collect(),
            j.iter().map(|&i| 0.5 * (xs[i] + xs[i + 1])).collect(),
            a,
        )
    }

    #[test]
    fn kinks_jumps_and_asymptotes_are_found() {
        assert_eq!(features("relu").0, [0.0]);
        assert!(features("relu").2.is_empty());
        assert_eq!(features("hardtanh").0, [-1.0, 1.0]);
        assert_eq!(features("hardswish").0, [-3.0, 3.0]);
        assert_eq!(features("leaky_relu(0.9)").0, [0.0]);
        for smooth in [
            "gelu",
            "silu",
            "mish",
            "tanh",
            "sigmoid",
            "elu",
            "softplus",
            "sine(w0=30)",
        ] {
            let (k, j, _) = features(smooth);
            assert!(k.is_empty() && j.is_empty(), "{smooth}: kinks {k:?} jumps {j:?}");
        }
        let (k, j, _) = features("step");
        assert!(k.is_empty(), "{k:?}");
        assert_eq!(j.len(), 1);
        assert!(j[0].abs() < 0.01);
        assert_eq!(features("hardshrink").1.len(), 2);

        let located = |spec: &str| -> Vec<Jump> {
            let act = Activation::parse(spec).unwrap();
            let xs = DEFAULT_RANGE.grid(SAMPLES);
            let (ys, _) = evaluate(&act, &xs).unwrap().remove(0);
            jumps(&ys)
                .iter()
                .map(|&i| locate_jump(&act, &xs, &ys, i).unwrap())
                .collect()
        };
        let j = |x, taken, limit| Jump { x, taken, limit };
        assert_eq!(located("step"), [j(0.0, 0.0, 1.0)]);
        assert_eq!(located("step(0.3)"), [j(0.3, 0.0, 1.0)]);
        let hs = located("hardshrink");
        assert_eq!((hs[0].x, hs[0].taken), (-0.5, 0.0));
        assert!((hs[0].limit + 0.5).abs() < 1e-15);
        assert_eq!((hs[1].x, hs[1].taken), (0.5, 0.0));
        assert_eq!(located("threshold(1, -1)")[0].x, 1.0);

        let eq = |spec: &str| -> Vec<String> { features(spec).2.iter().map(Asymptote::equation).collect() };
        assert_eq!(eq("sigmoid"), ["y = 0", "y = 1"]);
        assert_eq!(eq("tanh"), ["y = -1", "y = 1"]);
        assert_eq!(eq("softplus"), ["y = 0", "y = x"]);
        assert_eq!(eq("tanhshrink"), ["y = x + 1", "y = x - 1"]);
        assert_eq!(eq("selu"), ["y = -1.7581"]);
        assert_eq!(eq("softsign"), ["y = -1", "y = 1"]);
        assert!(eq("gelu").is_empty(), "{:?}", eq("gelu"));
        assert!(eq("sine").is_empty());
        assert!(eq("linear").is_empty());
    }

    #[test]
    fn ranges_follow_the_registry() {
        let act = Activation::parse("sigmoid").unwrap();
        let (ys, _) = evaluate(&act, &DEFAULT_RANGE.grid(SAMPLES)).unwrap().remove(0);
        assert_eq!(range_bounds(&act, &ys).unwrap(), (Some(0.0), Some(1.0)));
        let relu = Activation::parse("relu").unwrap();
        assert_eq!(range_bounds(&relu, &ys).unwrap().1, None);
    }

    #[test]
    fn formats_and_sizes() {
        assert_eq!(Format::of(Path::new("a/b.PNG")).unwrap(), Format::Png);
        assert_eq!(Format::of(Path::new("b.svg")).unwrap(), Format::Svg);
        assert_eq!(exit_code(&Format::of(Path::new("b.jpg")).unwrap_err()), USAGE);
        assert_eq!(exit_code(&Format::of(Path::new("b")).unwrap_err()), USAGE);
        assert_eq!(parse_size("800x600").unwrap(), (800, 600));
        for bad in ["800", "0x600", "800x", "10x10", "99999x100"] {
            assert_eq!(exit_code(&parse_size(bad).unwrap_err()), USAGE, "{bad}");
        }
    }
}
