//! # actfn: activation functions, exact and fast
//!
//! Every activation of a deep-learning course, and the ones practitioners reach for
//! next, forward and backward over `f32` and `f64` slices, with PyTorch's semantics
//! (names, parameters, defaults, values at kinks) and accuracy measured in ULPs.
//!
//! ```
//! use actfn::Activation;
//!
//! let gelu: Activation = "gelu".parse()?;
//! let x = [-1.0f64, 0.0, 1.0];
//! let mut y = [0.0; 3];
//! gelu.forward(&x, &mut y)?;
//! assert!((y[2] - 0.8413447460685429).abs() < 1e-15);
//!
//! // Backward is the vector-Jacobian product: upstream gradient in, input gradient out.
//! let mut dx = [0.0; 3];
//! gelu.backward(&x, &[1.0; 3], &mut dx)?;
//! assert_eq!(dx[1], 0.5);
//!
//! // Row-wise activations take the array's shape; dim defaults to the last one.
//! let softmax: Activation = "softmax(dim=0)".parse()?;
//! let mut p = [0.0f32; 4];
//! softmax.forward_shaped(&[1.0f32, 2.0, 1.0, 2.0], &[2, 2], &mut p)?;
//! assert_eq!(p, [0.5; 4]);
//! # Ok::<(), actfn::Error>(())
//! ```
//!
//! ## Accuracy
//! `f32` results are within 4 ULP of the correctly rounded value for every input whose
//! result is a normal number, `f64` results within 8 ULP; gradients of the smooth
//! activations likewise. Where PyTorch's formula loses digits or returns NaN for a
//! finite limit (GELU's tail, `silu(-inf)`, `x - tanh x` near 0, ...), actfn returns
//! the accurate value; each [`Info::differences`] lists them.

mod activation;
mod apply;
pub mod custom;
mod error;
pub mod expr;
mod family;
mod from_output;
pub mod info;
mod kernels;
mod lanes;
mod op;
mod registry;
mod roots;
mod rows;
pub mod spec;

pub use actfn_math::Element;

/// The SIMD level the kernels run at: detection, the `ACTFN_SIMD` override
/// (`scalar|avx2|avx512|neon|auto`), and forcing a level for the process
/// ([`simd::set_level`]) or for a closure on this thread ([`simd::with_level`]).
///
/// ```
/// use actfn::simd::{self, Level};
/// for level in Level::available() {
///     let y = simd::with_level(level, || {
///         let mut y = [0.0f32; 3];
///         "gelu".parse::<actfn::Activation>()?.forward(&[-1.0f32, 0.0, 1.0], &mut y)?;
///         Ok::<_, actfn::Error>(y)
///     })??;
///     assert!((y[2] - 0.841_344_7).abs() < 1e-6, "{level}");
/// }
/// assert!(simd::with_level(Level::Neon, || ()).is_err() || cfg!(target_arch = "aarch64"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod simd {
    pub use actfn_math::drive::PAR_MIN_LEN;
    pub use actfn_math::simd::{env_level, level, set_level, with_level, Level, LevelError, ENV_VAR};
}
pub use activation::Activation;
pub use custom::Custom;
pub use error::{Error, Result};
pub use family::exponential::{SELU_ALPHA, SELU_SCALE};
pub use info::{Family, Info, OpShape, Param, ParamKind, Properties};
pub use registry::Kind;
