//! [`Activation`]: a registry kind with its parameters resolved and validated.

use core::fmt;
use core::str::FromStr;
use std::sync::Arc;

use crate::custom::{self, Custom};

use crate::error::{Error, Result};
use crate::info::{Info, OpShape, ParamKind};
use crate::op::Slope;
use crate::registry::{edit_distance, Kind};
use crate::spec::{self, Value};

/// An activation with its parameters: what a spec like `leaky_relu(0.2)` denotes.
///
/// Built by [`Activation::parse`] (or `str::parse`), [`Activation::new`] (defaults) and
/// [`Activation::with`]; every constructor validates, so a value of this type is always
/// runnable. `Display` gives the canonical spec, which parses back to an equal value.
///
/// ```
/// use actfn::Activation;
/// let act: Activation = "LeakyReLU(negative_slope=0.2)".parse()?;
/// assert_eq!(act.to_string(), "leaky_relu(negative_slope=0.2)");
/// let mut y = [0.0f32; 3];
/// act.forward(&[-1.0f32, 0.0, 2.0], &mut y)?;
/// assert_eq!(y, [-0.2, 0.0, 2.0]);
/// # Ok::<(), actfn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Activation {
    kind: Kind,
    /// One value per `info().params`, in order (choices as index, flags as 0/1).
    params: Vec<f64>,
    /// PReLU only: the weight, one value or one per channel.
    weight: Vec<f64>,
    /// `Kind::Custom` only: the user's activation (an `expr(...)` or a [`Custom`]).
    custom: Option<CustomRef>,
}

/// A shared custom activation; equal when their specs are.
#[derive(Clone)]
struct CustomRef(Arc<dyn Custom>);

impl fmt::Debug for CustomRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Custom({})", self.0.spec())
    }
}

impl PartialEq for CustomRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.spec() == other.0.spec()
    }
}

impl Activation {
    /// The activation with every parameter at its default. Fails only for kinds with a
    /// required parameter (`threshold`).
    pub fn new(kind: Kind) -> Result<Self> {
        let info = kind.info();
        let mut params = Vec::with_capacity(info.params.len());
        for p in info.params {
            match p.default {
                Some(v) => params.push(v),
                None => {
                    return Err(Error::MissingParameter {
                        activation: info.name,
                        param: p.name,
                    })
                }
            }
        }
        if kind == Kind::Custom {
            return Err(Error::Unsupported {
                activation: info.name,
                operation: "construction by kind (use Activation::custom or an expr(...) spec)",
            });
        }
        let weight = if kind == Kind::Prelu {
            vec![params[0]]
        } else {
            Vec::new()
        };
        Ok(Activation {
            kind,
            params,
            weight,
            custom: None,
        })
    }

    /// A user-defined activation ([`Custom`]): runs through the slice API, the candle
    /// ops and the lab like a built-in one. `Display` prints [`Custom::spec`].
    pub fn custom(act: Arc<dyn Custom>) -> Self {
        Activation {
            kind: Kind::Custom,
            params: Vec::new(),
            weight: Vec::new(),
            custom: Some(CustomRef(act)),
        }
    }

    /// The user-defined activation of a [`Kind::Custom`] (an `expr(...)` or a [`Custom`]).
    pub fn as_custom(&self) -> Option<&Arc<dyn Custom>> {
        self.custom.as_ref().map(|c| &c.0)
    }

    /// The parsed expression of an `expr(...)` spec.
    pub fn as_expr(&self) -> Option<&crate::expr::Expr> {
        self.custom.as_ref().and_then(|c| crate::expr::downcast(&*c.0))
    }

    /// Parses a PyTorch-style spec: `relu`, `leaky_relu(0.2)`,
    /// `softplus(beta=2, threshold=10)`, `gelu(approximate=tanh)`, `softmax(dim=0)`,
    /// `prelu(weight=[0.25, 0.1])`. Names are case-insensitive and accept aliases.
    ///
    /// `expr(...)` specs define an activation by a formula of `x` (see [`crate::expr`]):
    /// `expr(x * sigmoid(beta * x), beta=1.5)`. A name [`custom::register`]ed by the
    /// program denotes that activation.
    pub fn parse(text: &str) -> Result<Self> {
        if crate::expr::is_expr_spec(text) {
            let e = crate::expr::Expr::parse(text)?;
            return Ok(Activation::custom(Arc::new(e)));
        }
        let ast = spec::parse(text)?;
        let kind = match Kind::lookup(&ast.name) {
            Ok(kind) => kind,
            Err(e) => match custom::lookup(&ast.name) {
                Some(c) if ast.args.is_empty() => return Ok(Activation::custom(c)),
                _ => return Err(e),
            },
        };
        let info = kind.info();
        let mut given: Vec<Option<Value>> = vec![None; info.params.len()];
        let mut positional = 0;
        for arg in ast.args {
            let index = match &arg.key {
                None => {
                    if positional >= info.params.len() {
                        return Err(Error::Arity {
                            activation: info.name,
                            max: info.params.len(),
                            given: positional + 1,
                        });
                    }
                    positional += 1;
                    positional - 1
                }
                Some(key) => info
                    .params
                    .iter()
                    .position(|p| p.name.eq_ignore_ascii_case(key))
                    .ok_or_else(|| Error::UnknownParameter {
                        activation: info.name,
                        param: key.clone(),
                        suggestion: nearest_param(info, key),
                        expected: param_list(info),
                    })?,
            };
            if given[index].is_some() {
                return Err(Error::DuplicateParameter {
                    activation: info.name,
                    param: info.params[index].name,
                });
            }
            given[index] = Some(arg.value);
        }
        let mut act = Activation {
            kind,
            params: Vec::new(),
            weight: Vec::new(),
            custom: None,
        };
        for (p, value) in info.params.iter().zip(given) {
            let v = match value {
                None => p.default.ok_or(Error::MissingParameter {
                    activation: info.name,
                    param: p.name,
                })?,
                Some(Value::List(list)) if kind == Kind::Prelu => {
                    if list.is_empty() {
                        return Err(bad(info, 0, "[]", "needs at least one value"));
                    }
                    act.weight = list.clone();
                    list[0]
                }
                Some(value) => resolve(info, p.kind, p.name, &value)?,
            };
            act.params.push(v);
        }
        if kind == Kind::Prelu && act.weight.is_empty() {
            act.weight = vec![act.params[0]];
        }
        act.validate()?;
        Ok(act)
    }

    /// This activation with parameter `name` set to `value` (choices by index, flags
    /// as 0/1), validated.
    pub fn with(mut self, name: &str, value: f64) -> Result<Self> {
        let info = self.info();
        let index = info
            .params
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| Error::UnknownParameter {
                activation: info.name,
                param: name.to_string(),
                suggestion: nearest_param(info, name),
                expected: param_list(info),
            })?;
        self.params[index] = value;
        if self.kind == Kind::Prelu {
            self.weight = vec![value];
        }
        self.validate()?;
        Ok(self)
    }

    /// PReLU with a weight per channel (dim 1 of the input), or one shared value.
    pub fn prelu(weight: &[f64]) -> Result<Self> {
        let info = Kind::Prelu.info();
        if weight.is_empty() {
            return Err(bad(info, 0, "[]", "needs at least one value"));
        }
        let act = Activation {
            kind: Kind::Prelu,
            params: vec![weight[0]],
            weight: weight.to_vec(),
            custom: None,
        };
        act.validate()?;
        Ok(act)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn info(&self) -> &'static Info {
        self.kind.info()
    }

    /// The registry name (`custom` for every user-defined activation: its own name is
    /// [`Activation::label`]).
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The registry name, or a custom activation's own name (`expr` for expressions).
    pub fn label(&self) -> String {
        match self.as_custom() {
            Some(c) => c.name().to_string(),
            None => self.name().to_string(),
        }
    }

    /// Parameter values in declaration order (choices as index, flags as 0/1).
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<f64> {
        let i = self.info().params.iter().position(|p| p.name == name)?;
        Some(self.params[i])
    }

    /// PReLU's weight (one value, or one per channel); empty for other kinds.
    pub fn prelu_weight(&self) -> &[f64] {
        &self.weight
    }

    /// The dim of a row-wise or gated activation, as given (may be negative).
    pub fn dim(&self) -> Option<i64> {
        let info = self.info();
        let i = info.params.iter().position(|p| p.kind == ParamKind::Dim)?;
        Some(self.params[i] as i64)
    }

    /// How many arrays of the element type [`Activation::backward`] streams through
    /// memory: `x`, `g` and `dx` (3), or `g` and `dx` where the derivative is a constant
    /// (2: identity, linear), or `dx` alone where it is zero (1: the step).
    pub fn backward_streams(&self) -> usize {
        if self.as_custom().is_some() {
            return 3;
        }
        match crate::kernels::slope(self.kind, &self.params) {
            Slope::OfInput => 3,
            Slope::Constant => 2,
            Slope::Zero => 1,
        }
    }

    /// Whether `backward` is a true derivative (not the zero of the step).
    pub fn is_differentiable(&self) -> bool {
        match self.as_custom() {
            Some(c) => c.is_differentiable(),
            None => self.kind != Kind::Step,
        }
    }

    /// Whether [`Activation::second_derivative`] is available (custom activations only:
    /// the built-in second derivatives live in `actfn-candle`).
    pub fn has_second_derivative(&self) -> bool {
        self.as_custom().is_some_and(|c| c.has_second_derivative())
    }

    /// `d2[i] = f''(x[i])` of a custom activation that has one
    /// ([`Activation::has_second_derivative`]).
    pub fn second_derivative<E: crate::Element>(&self, x: &[E], d2: &mut [E]) -> Result<()> {
        match self.as_custom() {
            Some(c) if c.has_second_derivative() => {
                if x.len() != d2.len() {
                    return Err(Error::Length {
                        what: "output",
                        expected: x.len(),
                        actual: d2.len(),
                    });
                }
                custom::run(&**c, custom::Order::Second, x, d2);
                Ok(())
            }
            _ => Err(Error::Unsupported {
                activation: self.name(),
                operation: "a second derivative here (first-order only)",
            }),
        }
    }

    /// True in RReLU's training mode (random slopes).
    pub(crate) fn rrelu_training(&self) -> bool {
        self.kind == Kind::Rrelu && self.params[2] == 1.0
    }

    fn validate(&self) -> Result<()> {
        let info = self.info();
        for (i, p) in info.params.iter().enumerate() {
            let v = self.params[i];
            if p.kind == ParamKind::Real && !v.is_finite() {
                return Err(bad(info, i, &fmt_num(v), "must be a finite number"));
            }
        }
        let p = &self.params;
        let rule = match self.kind {
            Kind::Celu if p[0] == 0.0 => Some((0, "alpha cannot be 0 for CELU")),
            Kind::Softplus if p[0] == 0.0 => Some((0, "beta cannot be 0 (softplus divides by beta)")),
            Kind::Rrelu if p[0] > p[1] => Some((0, "lower must not exceed upper")),
            Kind::Hardtanh if p[0] >= p[1] => Some((1, "max_val must be greater than min_val")),
            Kind::Softshrink | Kind::Hardshrink if p[0] < 0.0 => Some((0, "lambd must be >= 0")),
            Kind::Squareplus if p[0] < 0.0 => Some((0, "b must be >= 0")),
            _ => None,
        };
        if let Some((i, reason)) = rule {
            return Err(bad(info, i, &fmt_num(p[i]), reason));
        }
        if let Some(w) = self.weight.iter().find(|w| !w.is_finite()) {
            return Err(bad(info, 0, &fmt_num(*w), "must be finite"));
        }
        Ok(())
    }
}

fn bad(info: &'static Info, index: usize, value: &str, reason: &str) -> Error {
    Error::BadParameter {
        activation: info.name,
        param: info.params[index].name,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn param_list(info: &Info) -> String {
    if info.params.is_empty() {
        return "none".to_string();
    }
    info.params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

fn nearest_param(info: &Info, key: &str) -> Option<String> {
    info.params
        .iter()
        .map(|p| (edit_distance(&key.to_ascii_lowercase(), p.name), p.name))
        .min()
        .filter(|&(d, _)| d <= 3)
        .map(|(_, n)| n.to_string())
}

/// Turns a parsed value into the stored number for a parameter of kind `kind`.
fn resolve(info: &'static Info, kind: ParamKind, name: &'static str, value: &Value) -> Result<f64> {
    let err = |reason: String| Error::BadParameter {
        activation: info.name,
        param: name,
        value: value.to_string(),
        reason,
    };
    match (kind, value) {
        (ParamKind::Real, Value::Number(v)) => Ok(*v),
        (ParamKind::Real, _) => Err(err("expected a number".into())),
        (ParamKind::Dim, Value::Number(v)) if v.fract() == 0.0 && v.abs() < 1e9 => Ok(*v),
        (ParamKind::Dim, _) => Err(err("expected an integer dim".into())),
        (ParamKind::Seed, Value::Number(v)) if v.fract() == 0.0 && (0.0..9.007_199_254_740_992e15).contains(v) => {
            Ok(*v)
        }
        (ParamKind::Seed, _) => Err(err("expected a non-negative integer".into())),
        (ParamKind::Flag, Value::Number(v)) if *v == 0.0 || *v == 1.0 => Ok(*v),
        (ParamKind::Flag, Value::Word(w)) => match w.to_ascii_lowercase().as_str() {
            "true" => Ok(1.0),
            "false" => Ok(0.0),
            _ => Err(err("expected true or false".into())),
        },
        (ParamKind::Flag, _) => Err(err("expected true or false".into())),
        (ParamKind::Choice(choices), Value::Word(w)) => choices
            .iter()
            .position(|c| c.eq_ignore_ascii_case(w))
            .map(|i| i as f64)
            .ok_or_else(|| err(format!("expected one of {}", choices.join(", ")))),
        (ParamKind::Choice(choices), _) => Err(err(format!("expected one of {}", choices.join(", ")))),
    }
}

use crate::info::format_number as fmt_num;

impl fmt::Display for Activation {
    /// The canonical spec: the name, then the parameters that differ from their
    /// defaults, by keyword (`softplus(beta=2)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = self.as_custom() {
            return f.write_str(&c.spec());
        }
        let info = self.info();
        let mut parts = Vec::new();
        for (i, p) in info.params.iter().enumerate() {
            let v = self.params[i];
            let is_default = p.default.is_some_and(|d| d == v || (d.is_nan() && v.is_nan()));
            if self.kind == Kind::Prelu && self.weight.len() > 1 {
                let list: Vec<String> = self.weight.iter().map(|&w| fmt_num(w)).collect();
                parts.push(format!("weight=[{}]", list.join(", ")));
                continue;
            }
            if is_default {
                continue;
            }
            parts.push(format!("{}={}", p.name, p.format_value(v)));
        }
        if parts.is_empty() {
            write!(f, "{}", info.name)
        } else {
            write!(f, "{}({})", info.name, parts.join(", "))
        }
    }
}

impl FromStr for Activation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Activation::parse(s)
    }
}

impl TryFrom<Kind> for Activation {
    type Error = Error;
    fn try_from(kind: Kind) -> Result<Self> {
        Activation::new(kind)
    }
}

/// Whether a kind's kernels depend on the array's shape (not just its length).
pub(crate) fn needs_shape(kind: Kind) -> bool {
    !matches!(kind.info().shape, OpShape::Pointwise)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Activation {
        Activation::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn defaults_and_display_round_trip() {
        for &k in Kind::ALL {
            if k == Kind::Threshold {
                continue;
            }
            let a = Activation::new(k).unwrap();
            assert_eq!(a.to_string(), k.name());
            assert_eq!(p(&a.to_string()), a);
        }
    }

    #[test]
    fn pytorch_style_specs() {
        assert_eq!(p("leaky_relu(0.2)"), p("leaky_relu(negative_slope=0.2)"));
        assert_eq!(p("softplus(beta=2, threshold=10)").params(), &[2.0, 10.0]);
        assert_eq!(p("gelu(approximate=tanh)").params(), &[1.0]);
        assert_eq!(p("gelu(approximate='tanh')").to_string(), "gelu(approximate=tanh)");
        assert_eq!(p("softmax(dim=0)").dim(), Some(0));
        assert_eq!(p("hardtanh(-2, 2)").params(), &[-2.0, 2.0]);
        assert_eq!(
            p("rrelu(training=True, seed=3)").to_string(),
            "rrelu(training=true, seed=3)"
        );
        assert_eq!(p("threshold(0.1, 20)").params(), &[0.1, 20.0]);
        assert_eq!(p("prelu(weight=[0.25, 0.5])").prelu_weight(), &[0.25, 0.5]);
        assert_eq!(p("prelu(weight=[0.25, 0.5])").to_string(), "prelu(weight=[0.25, 0.5])");
        assert_eq!(p("prelu(0.1)").prelu_weight(), &[0.1]);
        for s in [
            "softplus(beta=2, threshold=10)",
            "celu(alpha=2)",
            "prelu(weight=[1, 2])",
            "threshold(threshold=0.1, value=20)",
        ] {
            assert_eq!(p(&p(s).to_string()), p(s), "{s}");
        }
    }

    #[test]
    fn errors_are_specific() {
        let e = |s: &str| Activation::parse(s).unwrap_err().to_string();
        assert_eq!(e("relu7"), "unknown activation `relu7` (did you mean `relu`?)");
        assert_eq!(
            e("leaky_relu(slope=0.2)"),
            "leaky_relu has no parameter `slope`; its parameters: negative_slope"
        );
        assert_eq!(e("leaky_relu(negative_slop=0.2)"), "leaky_relu has no parameter `negative_slop` (did you mean `negative_slope`?); its parameters: negative_slope");
        assert_eq!(e("relu(1)"), "relu takes at most 0 argument(s), 1 given");
        assert_eq!(e("elu(1, alpha=2)"), "elu: parameter `alpha` given twice");
        assert_eq!(e("threshold(0.5)"), "threshold needs parameter `value`");
        assert_eq!(e("celu(0)"), "celu: bad alpha = 0: alpha cannot be 0 for CELU");
        assert_eq!(
            e("softplus(beta=nan)"),
            "softplus: bad beta = NaN: must be a finite number"
        );
        assert_eq!(
            e("rrelu(0.5, 0.1)"),
            "rrelu: bad lower = 0.5: lower must not exceed upper"
        );
        assert_eq!(
            e("hardtanh(1, -1)"),
            "hardtanh: bad max_val = -1: max_val must be greater than min_val"
        );
        assert_eq!(
            e("gelu(approximate=fast)"),
            "gelu: bad approximate = fast: expected one of none, tanh"
        );
        assert_eq!(e("softmax(dim=0.5)"), "softmax: bad dim = 0.5: expected an integer dim");
        assert_eq!(e("softshrink(-1)"), "softshrink: bad lambd = -1: lambd must be >= 0");
        assert_eq!(e("squareplus(b=-1)"), "squareplus: bad b = -1: b must be >= 0");
        assert_eq!(e("elu(alpha=fast)"), "elu: bad alpha = fast: expected a number");
        assert_eq!(
            e("prelu(weight=[])"),
            "prelu: bad weight = []: needs at least one value"
        );
    }

    #[test]
    fn with_validates() {
        let a = Activation::new(Kind::Elu).unwrap().with("alpha", 2.0).unwrap();
        assert_eq!(a.to_string(), "elu(alpha=2)");
        assert!(Activation::new(Kind::Celu).unwrap().with("alpha", 0.0).is_err());
        assert!(Activation::new(Kind::Elu).unwrap().with("beta", 0.0).is_err());
        assert_eq!(
            Activation::new(Kind::Threshold).unwrap_err().to_string(),
            "threshold needs parameter `threshold`"
        );
    }
}
