//! Layers: [`Activation`] (any spec), [`PReLU`] (learnable slope) and [`Siren`]
//! (linear layer + sine, with SIREN's initialisation). All implement `candle_nn::Module`.

use std::str::FromStr;

use actfn::Kind;
use candle_core::{Module, Result, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::init::{self, Rng, Scheme};
use crate::{act, prelu, Spec};

/// An activation layer from a spec (`"gelu"`, `"leaky_relu(0.2)"`, `"softmax(dim=1)"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Activation {
    spec: Spec,
}

impl Activation {
    /// Parses `spec`; errors (unknown name, bad parameter) as candle errors.
    pub fn new(spec: &str) -> Result<Self> {
        Ok(Activation {
            spec: crate::parse(spec)?,
        })
    }

    pub fn from_spec(spec: Spec) -> Self {
        Activation { spec }
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }
}

impl From<Spec> for Activation {
    fn from(spec: Spec) -> Self {
        Activation { spec }
    }
}

impl FromStr for Activation {
    type Err = candle_core::Error;
    fn from_str(s: &str) -> Result<Self> {
        Activation::new(s)
    }
}

impl Module for Activation {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        act(xs, &self.spec)
    }
}

/// PReLU with a learnable weight: one value shared by all inputs, or one per channel
/// (dim 1 of the input), as `torch.nn.PReLU(num_parameters, init=0.25)`. The weight is
/// the variable `weight` of the `VarBuilder` (so it lives in the `VarMap` and optimisers
/// train it).
#[derive(Clone, Debug)]
pub struct PReLU {
    weight: Tensor,
}

impl PReLU {
    /// PyTorch's default initial slope.
    pub const DEFAULT_INIT: f64 = 0.25;

    /// `num_parameters` weights (1, or the number of channels) initialised to 0.25.
    pub fn new(num_parameters: usize, vb: VarBuilder) -> Result<Self> {
        Self::with_init(num_parameters, Self::DEFAULT_INIT, vb)
    }

    /// `num_parameters` weights initialised to `init`.
    pub fn with_init(num_parameters: usize, init: f64, vb: VarBuilder) -> Result<Self> {
        if num_parameters == 0 {
            candle_core::bail!("PReLU needs at least one parameter");
        }
        let weight = vb.get_with_hints(num_parameters, "weight", Init::Const(init))?;
        Ok(PReLU { weight })
    }

    /// A PReLU on a given weight tensor (shape `[num_parameters]`).
    pub fn from_weight(weight: Tensor) -> Self {
        PReLU { weight }
    }

    pub fn weight(&self) -> &Tensor {
        &self.weight
    }
}

impl Module for PReLU {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        prelu(xs, &self.weight)
    }
}

/// A SIREN layer: `sin(w0·(x·Wᵀ + b))` (Sitzmann et al. 2020).
///
/// Initialisation as the reference implementation: the first layer `W ~ U(±1/fan_in)`,
/// hidden layers `W ~ U(±√(6/fan_in)/w0)`, the bias `U(±1/√fan_in)` (PyTorch's
/// `nn.Linear` default), drawn from `rng` (same seed, same network).
#[derive(Clone, Debug)]
pub struct Siren {
    linear: candle_nn::Linear,
    sine: Spec,
    w0: f64,
}

impl Siren {
    /// A layer of `out_dim` sine units on `in_dim` inputs; `first` selects the first-layer
    /// initialisation. Variables `weight` (`[out_dim, in_dim]`) and `bias` (`[out_dim]`).
    pub fn new(in_dim: usize, out_dim: usize, w0: f64, first: bool, vb: VarBuilder, rng: &mut Rng) -> Result<Self> {
        let scheme = if first {
            Scheme::SirenFirst
        } else {
            Scheme::SirenHidden { w0 }
        };
        let linear = siren_linear(in_dim, out_dim, scheme, vb, rng)?;
        let sine = Spec::new(Kind::Sine)
            .and_then(|s| s.with("w0", w0))
            .map_err(crate::ops::wrap)?;
        Ok(Siren { linear, sine, w0 })
    }

    /// The first layer of a SIREN (`w0` is 30 in the paper).
    pub fn first(in_dim: usize, out_dim: usize, w0: f64, vb: VarBuilder, rng: &mut Rng) -> Result<Self> {
        Self::new(in_dim, out_dim, w0, true, vb, rng)
    }

    /// A hidden layer of a SIREN.
    pub fn hidden(in_dim: usize, out_dim: usize, w0: f64, vb: VarBuilder, rng: &mut Rng) -> Result<Self> {
        Self::new(in_dim, out_dim, w0, false, vb, rng)
    }

    /// SIREN's final linear layer (no sine), initialised as a hidden layer.
    pub fn output(in_dim: usize, out_dim: usize, w0: f64, vb: VarBuilder, rng: &mut Rng) -> Result<candle_nn::Linear> {
        siren_linear(in_dim, out_dim, Scheme::SirenHidden { w0 }, vb, rng)
    }

    pub fn w0(&self) -> f64 {
        self.w0
    }

    pub fn linear(&self) -> &candle_nn::Linear {
        &self.linear
    }
}

fn siren_linear(
    in_dim: usize,
    out_dim: usize,
    scheme: Scheme,
    vb: VarBuilder,
    rng: &mut Rng,
) -> Result<candle_nn::Linear> {
    let weight = init::var(&vb, (out_dim, in_dim), "weight", scheme, rng)?;
    let bound = init::default_bias_bound(in_dim);
    let bias = init::var(&vb, out_dim, "bias", Scheme::Uniform { lo: -bound, hi: bound }, rng)?;
    Ok(candle_nn::Linear::new(weight, Some(bias)))
}

impl Module for Siren {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        act(&self.linear.forward(xs)?, &self.sine)
    }
}
