//! Metadata of an activation: what `actfn list`, `actfn describe` and the docs show.

/// Everything known about an activation besides its kernels.
#[derive(Debug)]
pub struct Info {
    /// Registry name, equal to PyTorch's functional name where PyTorch has one.
    pub name: &'static str,
    /// Other accepted names (matched case-insensitively, ignoring `_` and `-`).
    pub aliases: &'static [&'static str],
    pub family: Family,
    /// How the kernel walks its input.
    pub shape: OpShape,
    /// Parameters in positional order.
    pub params: &'static [Param],
    /// One line: what it is.
    pub summary: &'static str,
    /// The forward formula, in plain text math.
    pub formula: &'static str,
    /// The derivative, with the value chosen at kinks.
    pub derivative: &'static str,
    /// The range of the output at default parameters.
    pub range: &'static str,
    pub properties: Properties,
    /// The PyTorch equivalent (or the composite that computes it).
    pub pytorch: &'static str,
    /// Papers and sources.
    pub references: &'static [&'static str],
    /// Where actfn returns a different (more accurate) value than PyTorch.
    pub differences: &'static [&'static str],
}

/// Families, as the lecture and the docs group them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Linear,
    Rectifier,
    Exponential,
    Logistic,
    Gaussian,
    Periodic,
    Normalizing,
    Gated,
}

impl Info {
    /// The call signature with defaults, PyTorch style: `leaky_relu(negative_slope=0.01)`,
    /// `threshold(threshold, value)`, `gelu(approximate=none|tanh)`, `relu`.
    pub fn signature(&self) -> String {
        if self.params.is_empty() {
            return self.name.to_string();
        }
        let params: Vec<String> = self.params.iter().map(Param::signature).collect();
        format!("{}({})", self.name, params.join(", "))
    }
}

impl Param {
    /// A value of this parameter as a spec writes it: choices by name, flags as
    /// `true`/`false`, numbers in their shortest round-trip form (`0.2`, `1`, `-inf`).
    pub fn format_value(&self, value: f64) -> String {
        match self.kind {
            ParamKind::Choice(choices) => choices
                .get(value as usize)
                .map_or_else(|| format_number(value), |c| c.to_string()),
            ParamKind::Flag => (value != 0.0).to_string(),
            _ => format_number(value),
        }
    }

    /// This parameter in a signature: `negative_slope=0.01`, `threshold` (required),
    /// `approximate=none|tanh` (choices, the default first).
    pub fn signature(&self) -> String {
        match (self.kind, self.default) {
            (_, None) => self.name.to_string(),
            (ParamKind::Choice(choices), Some(d)) => {
                let d = d as usize;
                let ordered: Vec<&str> = choices
                    .get(d)
                    .into_iter()
                    .chain(choices.iter().enumerate().filter(|&(i, _)| i != d).map(|(_, c)| c))
                    .copied()
                    .collect();
                format!("{}={}", self.name, ordered.join("|"))
            }
            (_, Some(d)) => format!("{}={}", self.name, self.format_value(d)),
        }
    }
}

impl ParamKind {
    /// A stable machine name: `real`, `dim`, `choice`, `flag`, `seed`.
    pub fn name(self) -> &'static str {
        match self {
            ParamKind::Real => "real",
            ParamKind::Dim => "dim",
            ParamKind::Choice(_) => "choice",
            ParamKind::Flag => "flag",
            ParamKind::Seed => "seed",
        }
    }
}

/// Shortest decimal that reads back to the same `f64` (`0.2`, `1`, `-inf`, `NaN`).
pub fn format_number(v: f64) -> String {
    if v == f64::INFINITY {
        "inf".into()
    } else if v == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        format!("{v}")
    }
}

impl Family {
    /// A stable machine name: `linear`, `rectifier`, `exponential`, `logistic`,
    /// `gaussian`, `periodic`, `normalizing`, `gated`.
    pub fn key(self) -> &'static str {
        match self {
            Family::Linear => "linear",
            Family::Rectifier => "rectifier",
            Family::Exponential => "exponential",
            Family::Logistic => "logistic",
            Family::Gaussian => "gaussian",
            Family::Periodic => "periodic",
            Family::Normalizing => "normalizing",
            Family::Gated => "gated",
        }
    }

    pub const ALL: [Family; 8] = [
        Family::Linear,
        Family::Rectifier,
        Family::Exponential,
        Family::Logistic,
        Family::Gaussian,
        Family::Periodic,
        Family::Normalizing,
        Family::Gated,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Family::Linear => "linear and step",
            Family::Rectifier => "rectifiers and piecewise-linear",
            Family::Exponential => "exponential (ELU family, softplus)",
            Family::Logistic => "logistic and hyperbolic",
            Family::Gaussian => "Gaussian (GELU)",
            Family::Periodic => "periodic (SIREN)",
            Family::Normalizing => "normalizing along a dim (softmax family)",
            Family::Gated => "gated linear units (split a dim in halves)",
        }
    }
}

/// How an activation maps its input to its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpShape {
    /// Each output element depends on the same input element only.
    Pointwise,
    /// Pointwise with a weight per channel (dim 1): PReLU.
    Channelwise,
    /// Each output depends on the whole slice along `dim` (softmax family).
    AlongDim,
    /// The input's `dim` is split in halves `a`, `b`; the output is `a·act(b)`.
    Gated,
}

/// A parameter of an activation.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    /// `None`: required (PyTorch's `threshold(threshold, value)`).
    pub default: Option<f64>,
    pub doc: &'static str,
}

/// What values a parameter takes. Every value is stored as an `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A real number (finite unless the activation says otherwise).
    Real,
    /// A dimension index, negative counts from the end.
    Dim,
    /// One of the named choices; stored as the index.
    Choice(&'static [&'static str]),
    /// `true`/`false`; stored as 1/0.
    Flag,
    /// A non-negative integer seed.
    Seed,
}

/// The properties the lecture talks about, at default parameters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Properties {
    pub bounded_below: bool,
    pub bounded_above: bool,
    pub monotonic: bool,
    /// Continuously differentiable everywhere (C¹).
    pub smooth: bool,
    /// Output centred on zero for inputs centred on zero (odd, or mean-preserving near 0).
    pub zero_centred: bool,
    /// Keeps mean 0 and variance 1 through layers with the right init (SELU).
    pub self_normalising: bool,
}

impl Properties {
    /// The properties that hold, as words.
    pub fn words(&self) -> Vec<&'static str> {
        let mut w = Vec::new();
        match (self.bounded_below, self.bounded_above) {
            (true, true) => w.push("bounded"),
            (true, false) => w.push("bounded below"),
            (false, true) => w.push("bounded above"),
            (false, false) => w.push("unbounded"),
        }
        w.push(if self.monotonic { "monotonic" } else { "non-monotonic" });
        w.push(if self.smooth {
            "smooth (C¹)"
        } else {
            "not differentiable everywhere"
        });
        if self.zero_centred {
            w.push("zero-centred");
        }
        if self.self_normalising {
            w.push("self-normalising");
        }
        w
    }
}

/// Shorthand constructors used by the family files.
pub(crate) const fn real(name: &'static str, default: f64, doc: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::Real,
        default: Some(default),
        doc,
    }
}

pub(crate) const fn required(name: &'static str, doc: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::Real,
        default: None,
        doc,
    }
}

pub(crate) const DIM: Param = Param {
    name: "dim",
    kind: ParamKind::Dim,
    default: Some(-1.0),
    doc: "the dimension to work along (negative counts from the end)",
};

pub(crate) const fn props(
    bounded_below: bool,
    bounded_above: bool,
    monotonic: bool,
    smooth: bool,
    zero_centred: bool,
) -> Properties {
    Properties {
        bounded_below,
        bounded_above,
        monotonic,
        smooth,
        zero_centred,
        self_normalising: false,
    }
}
