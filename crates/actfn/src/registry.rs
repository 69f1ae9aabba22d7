//! The one list of activations. Everything else (the `Kind` enum, `Kind::ALL`, name
//! lookup, the kernel dispatch, the CLI's list and the docs) is derived from it.
//! Adding an activation: write it in its family file, add one line here.

use actfn_math::Real;

use crate::family::{exponential, gated, gaussian, linear, logistic, periodic, rectifier, softmax};
use crate::info::Info;
use crate::op::{Params, Pointwise, RowWise};

/// Receives a concrete element-wise op (monomorphised per op and lane type).
pub(crate) trait Visitor<L: Real> {
    type Out;
    fn visit<P: Pointwise<L>>(self, op: P) -> Self::Out;
}

macro_rules! pointwise_arm {
    (rows, $op:ty, $p:ident, $v:ident) => {
        None
    };
    ($shape:ident, $op:ty, $p:ident, $v:ident) => {
        Some($v.visit(<$op as Pointwise<_>>::new($p)))
    };
}

macro_rules! rows_arm {
    (rows, $op:expr) => {
        Some(&$op)
    };
    ($shape:ident, $op:expr) => {
        None
    };
}

macro_rules! registry {
    ($($variant:ident => $info:path, $shape:ident $op:ty = $val:expr;)*) => {
        /// Every activation actfn knows, in the order `actfn list` shows them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Kind {
            $(#[doc = concat!("`", stringify!($info), "`")] $variant,)*
            /// A user-defined activation: an `expr(...)` spec or an [`crate::Custom`]
            /// implementation (not in [`Kind::ALL`]; see [`crate::Activation::custom`]).
            Custom,
        }

        impl Kind {
            /// All activations, in registry order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// Name, formula, derivative, parameters and properties.
            pub fn info(self) -> &'static Info {
                match self {
                    $(Kind::$variant => &$info,)*
                    Kind::Custom => &crate::custom::CUSTOM_INFO,
                }
            }

            /// The element-wise op of this kind (for gated kinds: the gate's activation),
            /// handed to `v`; `None` for the row-wise kinds.
            pub(crate) fn visit_pointwise<L: Real, V: Visitor<L>>(self, p: &Params<'_, L>, v: V) -> Option<V::Out> {
                match self {
                    $(Kind::$variant => pointwise_arm!($shape, $op, p, v),)*
                    Kind::Custom => None,
                }
            }

            /// The row op of the row-wise kinds.
            pub(crate) fn row_op(self) -> Option<&'static dyn RowWise> {
                match self {
                    $(Kind::$variant => rows_arm!($shape, $val),)*
                    Kind::Custom => None,
                }
            }
        }
    };
}

registry! {
    Identity => linear::IDENTITY, pointwise linear::Identity = ();
    Linear => linear::LINEAR, pointwise linear::Linear<_> = ();
    Step => linear::STEP, pointwise linear::Step<_> = ();
    Sigmoid => logistic::SIGMOID, pointwise logistic::Sigmoid = ();
    Tanh => logistic::TANH, pointwise logistic::Tanh = ();
    Relu => rectifier::RELU, pointwise rectifier::Relu = ();
    Relu6 => rectifier::RELU6, pointwise rectifier::Relu6<_> = ();
    LeakyRelu => rectifier::LEAKY_RELU, pointwise rectifier::LeakyRelu<_> = ();
    Prelu => rectifier::PRELU, channelwise rectifier::LeakyRelu<_> = ();
    Rrelu => rectifier::RRELU, pointwise rectifier::Rrelu<_> = ();
    Elu => exponential::ELU, pointwise exponential::Elu<_> = ();
    Celu => exponential::CELU, pointwise exponential::Celu<_> = ();
    Selu => exponential::SELU, pointwise exponential::Selu = ();
    Gelu => gaussian::GELU, pointwise gaussian::Gelu = ();
    Silu => logistic::SILU, pointwise logistic::Silu = ();
    Mish => logistic::MISH, pointwise logistic::Mish = ();
    Softplus => exponential::SOFTPLUS, pointwise exponential::Softplus<_> = ();
    LogSigmoid => logistic::LOG_SIGMOID, pointwise logistic::LogSigmoid = ();
    Hardtanh => rectifier::HARDTANH, pointwise rectifier::Hardtanh<_> = ();
    Hardsigmoid => rectifier::HARDSIGMOID, pointwise rectifier::Hardsigmoid = ();
    Hardswish => rectifier::HARDSWISH, pointwise rectifier::Hardswish = ();
    Softsign => logistic::SOFTSIGN, pointwise logistic::Softsign = ();
    Tanhshrink => logistic::TANHSHRINK, pointwise logistic::Tanhshrink = ();
    Softshrink => rectifier::SOFTSHRINK, pointwise rectifier::Softshrink<_> = ();
    Hardshrink => rectifier::HARDSHRINK, pointwise rectifier::Hardshrink<_> = ();
    Threshold => rectifier::THRESHOLD, pointwise rectifier::Threshold<_> = ();
    Squareplus => rectifier::SQUAREPLUS, pointwise rectifier::Squareplus<_> = ();
    Sine => periodic::SINE, pointwise periodic::Sine<_> = ();
    Softmax => softmax::SOFTMAX, rows softmax::Softmax = softmax::Softmax;
    LogSoftmax => softmax::LOG_SOFTMAX, rows softmax::LogSoftmax = softmax::LogSoftmax;
    Softmin => softmax::SOFTMIN, rows softmax::Softmin = softmax::Softmin;
    Glu => gated::GLU, gated logistic::Sigmoid = ();
    Reglu => gated::REGLU, gated rectifier::Relu = ();
    Geglu => gated::GEGLU, gated gaussian::GeluErf = ();
    Swiglu => gated::SWIGLU, gated logistic::Silu = ();
}

/// The kinds whose `f32` elements may be computed in `f64` vector lanes: their generic
/// kernels chain several roundings (or underflow in their tails) and measured above 3 ULP
/// in `f32` lanes. Where a kind has a single-precision form of a direction that meets the
/// 4-ULP contract (`kernels::native_forward`, `kernels::native_backward`: GELU, SiLU,
/// Mish, sine, tanhshrink, squareplus's forward and the gated kinds), that direction
/// runs in `f32` lanes.
/// The gated kinds follow their gates.
const WIDE_F32: &[Kind] = &[
    Kind::Gelu,
    Kind::Silu,
    Kind::Mish,
    Kind::Softsign,
    Kind::Tanhshrink,
    Kind::Squareplus,
    Kind::Sine,
    Kind::Geglu,
    Kind::Swiglu,
];

impl Kind {
    /// Whether `f32` elements of this kind run in `f64` lanes.
    pub(crate) fn wide_f32(self) -> bool {
        WIDE_F32.contains(&self)
    }

    /// [`Kind::visit_pointwise`] for the kinds of [`WIDE_F32`] only (so that no other op
    /// is compiled for `f32` elements in `f64` lanes).
    pub(crate) fn visit_wide<L: Real, V: Visitor<L>>(self, p: &Params<'_, L>, v: V) -> Option<V::Out> {
        match self {
            Kind::Gelu => Some(v.visit(<gaussian::Gelu as Pointwise<_>>::new(p))),
            Kind::Geglu => Some(v.visit(<gaussian::GeluErf as Pointwise<_>>::new(p))),
            Kind::Silu | Kind::Swiglu => Some(v.visit(<logistic::Silu as Pointwise<_>>::new(p))),
            Kind::Mish => Some(v.visit(<logistic::Mish as Pointwise<_>>::new(p))),
            Kind::Softsign => Some(v.visit(<logistic::Softsign as Pointwise<_>>::new(p))),
            Kind::Tanhshrink => Some(v.visit(<logistic::Tanhshrink as Pointwise<_>>::new(p))),
            Kind::Squareplus => Some(v.visit(<rectifier::Squareplus<_> as Pointwise<_>>::new(p))),
            Kind::Sine => Some(v.visit(<periodic::Sine<_> as Pointwise<_>>::new(p))),
            _ => None,
        }
    }

    /// Whether the activation is piecewise linear (or constant), so that its second
    /// derivative is 0 away from the kinks.
    pub fn is_piecewise_linear(self) -> bool {
        matches!(
            self,
            Kind::Identity
                | Kind::Linear
                | Kind::Step
                | Kind::Relu
                | Kind::Relu6
                | Kind::LeakyRelu
                | Kind::Prelu
                | Kind::Rrelu
                | Kind::Hardtanh
                | Kind::Hardsigmoid
                | Kind::Softshrink
                | Kind::Hardshrink
                | Kind::Threshold
        )
    }

    /// The registry name (PyTorch's functional name where it has one).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a name up: case-insensitive, ignoring `_` and `-`, accepting aliases
    /// (`swish`, `LogSigmoid`, `hard_sigmoid`, PyTorch's module names...).
    pub fn from_name(name: &str) -> Option<Kind> {
        let key = normalise(name);
        Kind::ALL.iter().copied().find(|k| {
            let info = k.info();
            normalise(info.name) == key || info.aliases.iter().any(|a| normalise(a) == key)
        })
    }

    /// Like [`Kind::from_name`], but an unknown name is an error that suggests the
    /// nearest registered one.
    pub fn lookup(name: &str) -> crate::Result<Kind> {
        Kind::from_name(name).ok_or_else(|| crate::Error::UnknownActivation {
            name: name.to_string(),
            suggestion: Kind::suggest(name).map(str::to_string),
        })
    }

    /// The registered name or alias closest to `name`, if any is close enough to be a
    /// plausible typo.
    pub fn suggest(name: &str) -> Option<&'static str> {
        let key = normalise(name);
        let mut best: Option<(usize, &'static str)> = None;
        for k in Kind::ALL {
            let info = k.info();
            for cand in std::iter::once(&info.name).chain(info.aliases) {
                let cand_key = normalise(cand);
                // A prefix of three or more letters (`leaky`) counts as one edit.
                let d = if key.len() >= 3 && cand_key.starts_with(&key) {
                    1
                } else {
                    edit_distance(&key, &cand_key)
                };
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, info.name));
                }
            }
        }
        best.filter(|&(d, _)| d <= 2.max(key.len() / 3)).map(|(_, n)| n)
    }
}

/// Lower case without `_` and `-`.
pub(crate) fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Edit distance counting insertions, deletions, substitutions and transpositions of
/// adjacent letters (`gleu` is one edit from `gelu`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j - 1] + cost).min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::OpShape;

    #[test]
    fn names_are_unique_and_found() {
        let mut seen = std::collections::HashSet::new();
        for &k in Kind::ALL {
            let info = k.info();
            assert!(seen.insert(normalise(info.name)), "duplicate name {}", info.name);
            for a in info.aliases {
                assert!(seen.insert(normalise(a)), "duplicate alias {a}");
            }
            assert_eq!(Kind::from_name(info.name), Some(k));
            assert_eq!(Kind::from_name(&info.name.to_uppercase()), Some(k));
        }
    }

    #[test]
    fn aliases_and_module_names() {
        assert_eq!(Kind::from_name("swish"), Some(Kind::Silu));
        assert_eq!(Kind::from_name("LogSigmoid"), Some(Kind::LogSigmoid));
        assert_eq!(Kind::from_name("hard_sigmoid"), Some(Kind::Hardsigmoid));
        assert_eq!(Kind::from_name("LeakyReLU"), Some(Kind::LeakyRelu));
        assert_eq!(Kind::from_name("ReLU6"), Some(Kind::Relu6));
        assert_eq!(Kind::from_name("nope"), None);
    }

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(Kind::suggest("relu7"), Some("relu"));
        assert_eq!(Kind::suggest("gleu"), Some("gelu"));
        assert_eq!(Kind::suggest("sofplus"), Some("softplus"));
        assert_eq!(Kind::suggest("leaky"), Some("leaky_relu"));
        assert_eq!(Kind::suggest("qqqqqqqqqqqqqqqq"), None);
    }

    #[test]
    fn every_kind_has_exactly_one_kernel_shape() {
        for &k in Kind::ALL {
            let rows = k.row_op().is_some();
            assert_eq!(rows, k.info().shape == OpShape::AlongDim, "{}", k.name());
        }
    }
}
