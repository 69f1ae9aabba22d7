//! User-defined activations: the [`Custom`] trait, and the registry of named ones.
//!
//! A user crate implements [`Custom`] for its activation (forward and derivative over
//! slices), wraps it with [`Activation::custom`](crate::Activation::custom), and gets the
//! whole slice API (`forward`, `forward_in_place`, `backward`, in `f32` and `f64`), the
//! candle ops of `actfn-candle` and the lab. [`register`] also makes its name a spec
//! (`Activation::parse("my_act")`) and a function inside `expr(...)`.
//!
//! `expr(...)` specs are [`Custom`] activations too ([`crate::expr::Expr`]).

use core::any::TypeId;
use std::sync::{Arc, RwLock};

use crate::error::{Error, Result};
use crate::info::{props, Family, Info, OpShape};

/// An element-wise activation defined in code.
///
/// Required: a name, the forward `f` and the derivative `f'` over `f64` slices. The
/// `f32` methods default to computing in `f64` and rounding once; override them for
/// speed. `second_derivative_f64` is optional: without it, candle's gradient of a
/// gradient through this activation is an error that says so.
///
/// The slice API checks lengths before calling these methods: `x` and the output always
/// have the same length. Implementations must not panic on any input (NaN, ±inf).
///
/// ```
/// use std::sync::Arc;
/// use actfn::{Activation, Custom};
///
/// /// `x·|x|`, with derivative `2|x|`.
/// struct SignedSquare;
///
/// impl Custom for SignedSquare {
///     fn name(&self) -> &str {
///         "signed_square"
///     }
///     fn forward_f64(&self, x: &[f64], y: &mut [f64]) {
///         for (y, &x) in y.iter_mut().zip(x) {
///             *y = x * x.abs();
///         }
///     }
///     fn derivative_f64(&self, x: &[f64], d: &mut [f64]) {
///         for (d, &x) in d.iter_mut().zip(x) {
///             *d = 2.0 * x.abs();
///         }
///     }
/// }
///
/// let act = Activation::custom(Arc::new(SignedSquare));
/// let mut y = [0.0f32; 3];
/// act.forward(&[-2.0f32, 0.5, 3.0], &mut y)?;
/// assert_eq!(y, [-4.0, 0.25, 9.0]);
/// let mut dx = [0.0f32; 3];
/// act.backward(&[-2.0f32, 0.5, 3.0], &[1.0, 1.0, 0.5], &mut dx)?;
/// assert_eq!(dx, [4.0, 1.0, 3.0]);
/// # Ok::<(), actfn::Error>(())
/// ```
pub trait Custom: Send + Sync + 'static {
    /// The name in labels and messages (and the spec of a [`register`]ed activation).
    fn name(&self) -> &str;

    /// The spec that denotes this activation: what `Display` prints. For a registered
    /// activation (the default) its name; an `expr` gives `expr(...)`.
    fn spec(&self) -> String {
        self.name().to_string()
    }

    /// The formula, for `actfn describe`.
    fn formula(&self) -> String {
        format!("{}(x)", self.name())
    }

    /// The derivative's formula, if it has a printable one.
    fn derivative_formula(&self) -> Option<String> {
        None
    }

    /// The second derivative's formula, if it has a printable one.
    fn second_derivative_formula(&self) -> Option<String> {
        None
    }

    /// `y[i] = f(x[i])`.
    fn forward_f64(&self, x: &[f64], y: &mut [f64]);

    /// `d[i] = f'(x[i])`.
    fn derivative_f64(&self, x: &[f64], d: &mut [f64]);

    /// `y[i] = f(x[i])` for `f32`; by default computed in `f64` and rounded once.
    fn forward_f32(&self, x: &[f32], y: &mut [f32]) {
        via_f64(x, y, |a, b| self.forward_f64(a, b));
    }

    /// `d[i] = f'(x[i])` for `f32`; by default computed in `f64` and rounded once.
    fn derivative_f32(&self, x: &[f32], d: &mut [f32]) {
        via_f64(x, d, |a, b| self.derivative_f64(a, b));
    }

    /// Whether [`Custom::second_derivative_f64`] is implemented.
    fn has_second_derivative(&self) -> bool {
        false
    }

    /// `d2[i] = f''(x[i])`; only called when [`Custom::has_second_derivative`] is true.
    fn second_derivative_f64(&self, x: &[f64], d2: &mut [f64]) {
        d2.iter_mut().zip(x).for_each(|(d, _)| *d = f64::NAN);
    }

    /// `d2[i] = f''(x[i])` for `f32`; by default computed in `f64` and rounded once.
    fn second_derivative_f32(&self, x: &[f32], d2: &mut [f32]) {
        via_f64(x, d2, |a, b| self.second_derivative_f64(a, b));
    }

    /// Whether the derivative is a true derivative (false for a step, whose gradient is
    /// zero): the lab uses it to pick what to train.
    fn is_differentiable(&self) -> bool {
        true
    }

    /// The parsed expression behind an `expr(...)` spec (`None` for code).
    #[doc(hidden)]
    fn as_expr(&self) -> Option<&crate::expr::Expr> {
        None
    }
}

/// Runs an `f64` kernel on `f32` slices, in blocks (no allocation beyond two blocks).
pub fn via_f64(x: &[f32], y: &mut [f32], mut f: impl FnMut(&[f64], &mut [f64])) {
    const BLOCK: usize = 256;
    let mut a = [0.0f64; BLOCK];
    let mut b = [0.0f64; BLOCK];
    for (xc, yc) in x.chunks(BLOCK).zip(y.chunks_mut(BLOCK)) {
        let n = xc.len();
        for (a, &x) in a.iter_mut().zip(xc) {
            *a = f64::from(x);
        }
        f(&a[..n], &mut b[..n]);
        for (y, &b) in yc.iter_mut().zip(&b[..n]) {
            *y = b as f32;
        }
    }
}

/// The shared [`Info`] of [`crate::Kind::Custom`]; a custom activation's own formula
/// comes from [`Custom::formula`].
pub(crate) const CUSTOM_INFO: Info = Info {
    name: "custom",
    aliases: &[],
    family: Family::Linear,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "a user-defined activation",
    formula: "user-defined",
    derivative: "user-defined",
    range: "(see the plot)",
    properties: props(false, false, false, false, false),
    pytorch: "a Python function of x",
    references: &[],
    differences: &[],
};

static REGISTERED: RwLock<Vec<Arc<dyn Custom>>> = RwLock::new(Vec::new());

/// Registers `act` under its name, so that `Activation::parse(name)` and `expr(...)`
/// specs (`expr(2 * name(x))`) find it; the lab and the CLI of a binary that registers
/// its activations at start then accept them like built-in ones.
///
/// Fails if the name is not an identifier, or is a built-in activation's name or alias;
/// registering a name again replaces the previous one.
pub fn register(act: Arc<dyn Custom>) -> Result<()> {
    let name = act.name().to_string();
    let bad = |reason: &str| Error::Expr {
        spec: name.clone(),
        message: reason.to_string(),
    };
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad(
            "a custom activation's name must be an identifier (letters, digits, _)",
        ));
    }
    if crate::Kind::from_name(&name).is_some() || crate::expr::is_reserved(&name) {
        return Err(bad("this name is taken by a built-in activation or function"));
    }
    let mut list = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    list.retain(|c| !c.name().eq_ignore_ascii_case(&name));
    list.push(act);
    Ok(())
}

/// The registered activation called `name` (case-insensitive).
pub fn lookup(name: &str) -> Option<Arc<dyn Custom>> {
    let list = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    list.iter().find(|c| c.name().eq_ignore_ascii_case(name)).cloned()
}

/// The names of the registered activations.
pub fn registered() -> Vec<String> {
    let list = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    list.iter().map(|c| c.name().to_string()).collect()
}

pub(crate) fn cast<E: 'static, T: 'static>(x: &[E]) -> Option<&[T]> {
    // SAFETY: E and T are the same type.
    (TypeId::of::<E>() == TypeId::of::<T>()).then(|| unsafe { core::slice::from_raw_parts(x.as_ptr().cast(), x.len()) })
}

pub(crate) fn cast_mut<E: 'static, T: 'static>(x: &mut [E]) -> Option<&mut [T]> {
    // SAFETY: E and T are the same type.
    (TypeId::of::<E>() == TypeId::of::<T>())
        .then(|| unsafe { core::slice::from_raw_parts_mut(x.as_mut_ptr().cast(), x.len()) })
}

/// Which function of a custom activation to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Forward,
    First,
    Second,
}

/// Runs `order` of `c` on slices of `E` (`f32` or `f64`).
pub(crate) fn run<E: actfn_math::Element>(c: &dyn Custom, order: Order, x: &[E], y: &mut [E]) {
    if let (Some(x), Some(y)) = (cast::<E, f64>(x), cast_mut::<E, f64>(y)) {
        match order {
            Order::Forward => c.forward_f64(x, y),
            Order::First => c.derivative_f64(x, y),
            Order::Second => c.second_derivative_f64(x, y),
        }
    } else if let (Some(x), Some(y)) = (cast::<E, f32>(x), cast_mut::<E, f32>(y)) {
        match order {
            Order::Forward => c.forward_f32(x, y),
            Order::First => c.derivative_f32(x, y),
            Order::Second => c.second_derivative_f32(x, y),
        }
    } else {
        // Element is only implemented for f32 and f64; keep a correct path anyway.
        let xs: Vec<f64> = x.iter().map(|v| v.to_f64()).collect();
        let mut ys = vec![0.0; xs.len()];
        run::<f64>(c, order, &xs, &mut ys);
        for (y, v) in y.iter_mut().zip(ys) {
            *y = E::from_f64(v);
        }
    }
}
