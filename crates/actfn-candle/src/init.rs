//! Weight initialisers, reproducible from a seed, with PyTorch's `torch.nn.init`
//! formulas and `calculate_gain`.
//!
//! ```
//! use actfn_candle::init::{calculate_gain, Fan, Rng, Scheme};
//! use candle_core::{DType, Device};
//!
//! let gain = calculate_gain("leaky_relu(0.2)")?; // √(2/(1 + 0.2²))
//! let scheme = Scheme::KaimingUniform { fan: Fan::In, gain };
//! let w = scheme.tensor((64, 32), &mut Rng::new(7), DType::F32, &Device::Cpu)?;
//! let again = scheme.tensor((64, 32), &mut Rng::new(7), DType::F32, &Device::Cpu)?;
//! assert_eq!(w.to_vec2::<f32>()?, again.to_vec2::<f32>()?); // same seed, same tensor
//! # Ok::<(), candle_core::Error>(())
//! ```
//!
//! The values are drawn on the host in `f64` (SplitMix64, Box–Muller) and copied to the
//! device, so a seed gives the same tensor on every device and platform.

use actfn::Kind;
use candle_core::{bail, DType, Device, Result, Shape, Tensor};
use candle_nn::VarBuilder;

/// A small counter-based generator (SplitMix64): fast, and the same stream everywhere.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
    spare_normal: Option<f64>,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng {
            state: seed,
            spare_normal: None,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller; the second value of each pair is kept for the next call).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let u1 = 1.0 - self.uniform(); // (0, 1]: the log stays finite
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (2.0 * std::f64::consts::PI * u2).sin_cos();
        self.spare_normal = Some(r * s);
        r * c
    }

    /// A generator for a sub-stream (e.g. one per layer), independent of this one's
    /// future draws.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

/// Which fan Kaiming's initialisation preserves: `In` keeps the forward pass's
/// variance, `Out` the backward pass's (PyTorch's `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fan {
    In,
    Out,
}

/// `(fan_in, fan_out)` of a weight of shape `[out, in, k...]`, as PyTorch's
/// `_calculate_fan_in_and_fan_out`: `in·∏k` and `out·∏k`. Needs at least 2 dims.
pub fn fans(shape: &Shape) -> Result<(usize, usize)> {
    let dims = shape.dims();
    if dims.len() < 2 {
        bail!("fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape {dims:?})");
    }
    let receptive: usize = dims[2..].iter().product();
    Ok((dims[1] * receptive, dims[0] * receptive))
}

/// PyTorch's `torch.nn.init.calculate_gain(nonlinearity, param)`, names exactly as
/// PyTorch takes them: `linear`, `conv1d`..`conv_transpose3d`, `sigmoid` → 1, `tanh` →
/// 5/3, `relu` → √2, `leaky_relu` → √(2/(1 + slope²)) (slope `param`, default 0.01),
/// `selu` → 3/4; anything else is an error ("Unsupported nonlinearity"), as in PyTorch.
pub fn calculate_gain_with(nonlinearity: &str, param: Option<f64>) -> Result<f64> {
    const LINEAR_FNS: [&str; 7] = [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ];
    Ok(match nonlinearity {
        n if LINEAR_FNS.contains(&n) || n == "sigmoid" => 1.0,
        "tanh" => 5.0 / 3.0,
        "relu" => 2f64.sqrt(),
        "leaky_relu" => {
            let slope = param.unwrap_or(0.01);
            if !slope.is_finite() {
                bail!("negative_slope {slope} not a valid number");
            }
            (2.0 / (1.0 + slope * slope)).sqrt()
        }
        "selu" => 3.0 / 4.0,
        other => bail!("Unsupported nonlinearity {other}"),
    })
}

/// The gain of an activation given as a spec: PyTorch's names (`"conv2d"`, `"tanh"`),
/// actfn specs with the parameter inside (`"leaky_relu(0.2)"`, `"LeakyReLU"`), and
/// `identity` (gain 1, as `linear`). Activations `calculate_gain` does not know (gelu,
/// silu, elu, ...) are an error, as in PyTorch.
pub fn calculate_gain(spec: &str) -> Result<f64> {
    let name = spec.trim();
    if name.starts_with("conv") {
        return calculate_gain_with(name, None);
    }
    let parsed = crate::parse(name)?;
    match parsed.kind() {
        Kind::Identity | Kind::Linear => calculate_gain_with("linear", None),
        Kind::Sigmoid => calculate_gain_with("sigmoid", None),
        Kind::Tanh => calculate_gain_with("tanh", None),
        Kind::Relu => calculate_gain_with("relu", None),
        Kind::LeakyRelu => calculate_gain_with("leaky_relu", parsed.param("negative_slope")),
        Kind::Selu => calculate_gain_with("selu", None),
        _ => calculate_gain_with(parsed.name(), None),
    }
}

/// An initialisation scheme: a distribution whose scale may depend on the shape's fans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scheme {
    /// Every value `v`.
    Const(f64),
    /// `U(lo, hi)`.
    Uniform { lo: f64, hi: f64 },
    /// `N(mean, std²)`.
    Normal { mean: f64, std: f64 },
    /// Glorot & Bengio: `U(±a)`, `a = gain·√(6/(fan_in + fan_out))` (`xavier_uniform_`).
    XavierUniform { gain: f64 },
    /// `N(0, std²)`, `std = gain·√(2/(fan_in + fan_out))` (`xavier_normal_`).
    XavierNormal { gain: f64 },
    /// He et al.: `U(±b)`, `b = gain·√(3/fan)` (`kaiming_uniform_`; gain from
    /// [`calculate_gain`]).
    KaimingUniform { fan: Fan, gain: f64 },
    /// `N(0, std²)`, `std = gain/√fan` (`kaiming_normal_`).
    KaimingNormal { fan: Fan, gain: f64 },
    /// LeCun normal `N(0, 1/fan_in)`, the init of self-normalising (SELU) networks: what
    /// PyTorch's SELU docs prescribe, `kaiming_normal_(nonlinearity='linear')`.
    LecunNormal,
    /// SIREN's first layer: `U(±1/fan_in)`.
    SirenFirst,
    /// SIREN's hidden layers: `U(±√(6/fan_in)/w0)`.
    SirenHidden { w0: f64 },
}

impl Scheme {
    /// Kaiming uniform with the gain of `nonlinearity` (a spec, see [`calculate_gain`]).
    pub fn kaiming_uniform(fan: Fan, nonlinearity: &str) -> Result<Scheme> {
        Ok(Scheme::KaimingUniform {
            fan,
            gain: calculate_gain(nonlinearity)?,
        })
    }

    /// Kaiming normal with the gain of `nonlinearity`.
    pub fn kaiming_normal(fan: Fan, nonlinearity: &str) -> Result<Scheme> {
        Ok(Scheme::KaimingNormal {
            fan,
            gain: calculate_gain(nonlinearity)?,
        })
    }

    /// The distribution for a tensor of `shape`: `(uniform?, a, b)` meaning `U(a, b)` or
    /// `N(a, b²)`; constants are `U(v, v)`.
    fn distribution(&self, shape: &Shape) -> Result<(bool, f64, f64)> {
        let fan = |which: Fan| -> Result<f64> {
            let (fan_in, fan_out) = fans(shape)?;
            let f = if which == Fan::In { fan_in } else { fan_out };
            if f == 0 {
                bail!("cannot initialise a tensor with a zero fan (shape {:?})", shape.dims());
            }
            Ok(f as f64)
        };
        Ok(match *self {
            Scheme::Const(v) => (true, v, v),
            Scheme::Uniform { lo, hi } => (true, lo, hi),
            Scheme::Normal { mean, std } => (false, mean, std),
            Scheme::XavierUniform { gain } => {
                let a = gain * (6.0 / (fan(Fan::In)? + fan(Fan::Out)?)).sqrt();
                (true, -a, a)
            }
            Scheme::XavierNormal { gain } => (false, 0.0, gain * (2.0 / (fan(Fan::In)? + fan(Fan::Out)?)).sqrt()),
            Scheme::KaimingUniform { fan: f, gain } => {
                let b = gain * (3.0 / fan(f)?).sqrt();
                (true, -b, b)
            }
            Scheme::KaimingNormal { fan: f, gain } => (false, 0.0, gain / fan(f)?.sqrt()),
            Scheme::LecunNormal => (false, 0.0, 1.0 / fan(Fan::In)?.sqrt()),
            Scheme::SirenFirst => {
                let b = 1.0 / fan(Fan::In)?;
                (true, -b, b)
            }
            Scheme::SirenHidden { w0 } => {
                let b = (6.0 / fan(Fan::In)?).sqrt() / w0;
                (true, -b, b)
            }
        })
    }

    /// The values for a tensor of `shape`, in C order, drawn from `rng`.
    pub fn values(&self, shape: &Shape, rng: &mut Rng) -> Result<Vec<f64>> {
        let (uniform, a, b) = self.distribution(shape)?;
        let n = shape.elem_count();
        Ok(if uniform {
            (0..n).map(|_| a + (b - a) * rng.uniform()).collect()
        } else {
            (0..n).map(|_| a + b * rng.normal()).collect()
        })
    }

    /// A tensor of `shape` drawn from `rng`.
    pub fn tensor<S: Into<Shape>>(&self, shape: S, rng: &mut Rng, dtype: DType, device: &Device) -> Result<Tensor> {
        let shape = shape.into();
        let values = self.values(&shape, rng)?;
        Tensor::from_vec(values, shape, device)?.to_dtype(dtype)
    }
}

/// Gets (or creates) the variable `name` of `vb`, initialised from `scheme` and `rng`
/// when it is created: with a `VarMap` backend the variable lives in the map (optimisers
/// train it, `save`/`load` see it); a variable that already exists, or a tensor loaded
/// from a file, is left as it is.
pub fn var<S: Into<Shape>>(vb: &VarBuilder, shape: S, name: &str, scheme: Scheme, rng: &mut Rng) -> Result<Tensor> {
    // candle's `Init` cannot take a seeded generator: create the variable filled with a
    // NaN marker, then write the seeded values into its storage.
    let t = vb.get_with_hints(shape, name, candle_nn::Init::Const(f64::NAN))?;
    let fresh = t.is_variable()
        && t.elem_count() > 0
        && t.flatten_all()?
            .get(0)?
            .to_dtype(DType::F64)?
            .to_scalar::<f64>()?
            .is_nan();
    if fresh {
        let values = scheme.tensor(t.shape().clone(), rng, t.dtype(), t.device())?;
        t.flatten_all()?.slice_set(&values.flatten_all()?, 0, 0)?;
    }
    Ok(t)
}

/// PyTorch's default bias bound for a layer with `fan_in` inputs: `1/√fan_in`
/// (`nn.Linear.reset_parameters`).
pub fn default_bias_bound(fan_in: usize) -> f64 {
    1.0 / (fan_in.max(1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_match_pytorch() {
        let g = |s: &str| calculate_gain(s).unwrap();
        assert_eq!(g("linear"), 1.0);
        assert_eq!(g("identity"), 1.0);
        assert_eq!(g("conv2d"), 1.0);
        assert_eq!(g("conv_transpose3d"), 1.0);
        assert_eq!(g("sigmoid"), 1.0);
        assert_eq!(g("tanh"), 5.0 / 3.0);
        assert_eq!(g("relu"), 2f64.sqrt());
        assert_eq!(g("ReLU"), 2f64.sqrt());
        assert_eq!(g("leaky_relu"), (2.0 / (1.0 + 0.01f64 * 0.01)).sqrt());
        assert_eq!(g("leaky_relu(0.2)"), (2.0 / 1.04f64).sqrt());
        assert_eq!(g("selu"), 0.75);
        assert_eq!(calculate_gain_with("leaky_relu", Some(0.0)).unwrap(), 2f64.sqrt());
        for bad in ["gelu", "silu", "elu", "softmax", "conv4d", "nope"] {
            assert!(calculate_gain(bad).is_err(), "{bad}");
        }
        assert!(calculate_gain_with("Tanh", None).is_err()); // PyTorch's names are exact
        assert!(calculate_gain_with("leaky_relu", Some(f64::NAN)).is_err());
    }

    #[test]
    fn fans_as_pytorch() {
        assert_eq!(fans(&Shape::from((3, 4))).unwrap(), (4, 3));
        assert_eq!(fans(&Shape::from((8, 4, 3, 3))).unwrap(), (36, 72));
        assert!(fans(&Shape::from(5)).is_err());
    }

    #[test]
    fn rng_is_deterministic_and_uniform() {
        let (mut a, mut b) = (Rng::new(1), Rng::new(1));
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(2).next_u64(), xs[0]);
        let mut r = Rng::new(3);
        let u: Vec<f64> = (0..10_000).map(|_| r.uniform()).collect();
        assert!(u.iter().all(|&v| (0.0..1.0).contains(&v)));
        let mean = u.iter().sum::<f64>() / u.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }
}
