//! `actfn eval` and `actfn grad`: the library's slice API over whole arrays.

use std::io::Write;

use actfn::{Activation, Element, Kind};
use anyhow::{bail, Context, Result};

use crate::error::usage;
use crate::npy::{Array, Data, Dtype};
use crate::text;

/// Parses a spec; a parse error is a usage error (exit code 2).
pub fn parse_spec(spec: &str) -> Result<Activation> {
    Activation::parse(spec).map_err(|e| usage(e.to_string()))
}

/// `act` with PReLU's weight replaced by `weight` (a 0-d or 1-d array, one value per
/// channel). Only PReLU has a weight.
pub fn with_weight(act: &Activation, weight: &Array, origin: &str) -> Result<Activation> {
    if act.kind() != Kind::Prelu {
        return Err(usage(format!("--weight is only for prelu, not {}", act.name())));
    }
    if weight.shape.len() > 1 {
        bail!(
            "the weight {origin} must be 0-d or 1-d (one value per channel), not of shape {}",
            text::shape(&weight.shape)
        );
    }
    if weight.is_empty() {
        bail!("the weight {origin} is empty; prelu needs at least one weight");
    }
    Activation::prelu(&weight.to_f64()).with_context(|| format!("the weight {origin}"))
}

/// An array of `values` cast to `dtype`, 1-d or of shape `shape`.
pub fn values_array(values: &[f64], dtype: Dtype, shape: Option<&[usize]>) -> Result<Array> {
    let shape = match shape {
        Some(s) => {
            let n: usize = s.iter().product();
            if n != values.len() {
                return Err(usage(format!(
                    "--shape {} holds {n} element(s) but {} value(s) were given",
                    text::shape(s),
                    values.len()
                )));
            }
            s.to_vec()
        }
        None => vec![values.len()],
    };
    Ok(match dtype {
        Dtype::F64 => Array::f64(shape, values.to_vec()),
        Dtype::F32 => Array::f32(shape, values.iter().map(|&v| v as f32).collect()),
    })
}

/// Parses a command-line number: anything Rust's `f64` parser takes (`-1`, `2.5e-3`,
/// `inf`, `-inf`, `nan`).
pub fn parse_value(text: &str) -> Result<f64> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| usage(format!("`{text}` is not a number")))
}

fn zeros<E: Element>(n: usize) -> Vec<E> {
    vec![E::from_f64(0.0); n]
}

fn what(act: &Activation, x: &Array, origin: &str) -> String {
    format!("{act} on {origin} of shape {}", text::shape(&x.shape))
}

/// The output's shape for input `x`, with the library's error in context.
pub fn output_shape(act: &Activation, x: &Array, origin: &str) -> Result<Vec<usize>> {
    act.output_shape(&x.shape).with_context(|| what(act, x, origin))
}

/// `y = act(x)`, of `x`'s dtype and [`Activation::output_shape`].
pub fn forward(act: &Activation, x: &Array, origin: &str) -> Result<Array> {
    fn run<E: Element>(act: &Activation, x: &[E], shape: &[usize], n: usize) -> actfn::Result<Vec<E>> {
        let mut y = zeros(n);
        act.forward_shaped(x, shape, &mut y)?;
        Ok(y)
    }
    let out_shape = output_shape(act, x, origin)?;
    let n = out_shape.iter().product();
    let data = match &x.data {
        Data::F32(v) => run(act, v, &x.shape, n).map(Data::F32),
        Data::F64(v) => run(act, v, &x.shape, n).map(Data::F64),
    }
    .with_context(|| what(act, x, origin))?;
    Ok(Array { shape: out_shape, data })
}

/// Ones of the output's shape and `x`'s dtype: the upstream gradient that makes
/// `backward` return `f'(x)` for the element-wise kinds.
pub fn ones_for_output(act: &Activation, x: &Array, origin: &str) -> Result<Array> {
    let shape = output_shape(act, x, origin)?;
    let n = shape.iter().product();
    Ok(match x.dtype() {
        Dtype::F32 => Array::f32(shape, vec![1.0; n]),
        Dtype::F64 => Array::f64(shape, vec![1.0; n]),
    })
}

/// Checks that the upstream gradient `g` fits the output of `act` on `x`: same dtype,
/// the output's shape.
fn check_grad_output(act: &Activation, x: &Array, x_origin: &str, g: &Array, g_origin: &str) -> Result<()> {
    if x.dtype() != g.dtype() {
        bail!(
            "dtype mismatch: {x_origin} is {} but {g_origin} is {}",
            x.dtype().numpy_name(),
            g.dtype().numpy_name()
        );
    }
    let out_shape = output_shape(act, x, x_origin)?;
    if g.shape != out_shape {
        bail!(
            "shape mismatch: {g_origin} has shape {} but the output of {act} on {x_origin} {} has shape {}",
            text::shape(&g.shape),
            text::shape(&x.shape),
            text::shape(&out_shape)
        );
    }
    Ok(())
}

/// The vector-Jacobian product `dx = Jᵀ·g` at `x`, of `x`'s shape and dtype.
pub fn backward(act: &Activation, x: &Array, x_origin: &str, g: &Array, g_origin: &str) -> Result<Array> {
    fn run<E: Element>(act: &Activation, x: &[E], shape: &[usize], g: &[E]) -> actfn::Result<Vec<E>> {
        let mut dx = zeros(x.len());
        act.backward_shaped(x, shape, g, &mut dx)?;
        Ok(dx)
    }
    check_grad_output(act, x, x_origin, g, g_origin)?;
    let data = match (&x.data, &g.data) {
        (Data::F32(xv), Data::F32(gv)) => run(act, xv, &x.shape, gv).map(Data::F32),
        (Data::F64(xv), Data::F64(gv)) => run(act, xv, &x.shape, gv).map(Data::F64),
        _ => unreachable!("dtypes checked above"),
    }
    .with_context(|| what(act, x, x_origin))?;
    Ok(Array {
        shape: x.shape.clone(),
        data,
    })
}

/// PReLU's weight gradient, one value per weight, of `x`'s dtype.
pub fn weight_grad(act: &Activation, x: &Array, x_origin: &str, g: &Array, g_origin: &str) -> Result<Array> {
    fn run<E: Element>(act: &Activation, x: &[E], shape: &[usize], g: &[E]) -> actfn::Result<Vec<E>> {
        let mut dw = zeros(act.prelu_weight().len());
        act.prelu_weight_grad(x, shape, g, &mut dw)?;
        Ok(dw)
    }
    if act.kind() != Kind::Prelu {
        return Err(usage(format!("--grad-weight is only for prelu, not {}", act.name())));
    }
    check_grad_output(act, x, x_origin, g, g_origin)?;
    let data = match (&x.data, &g.data) {
        (Data::F32(xv), Data::F32(gv)) => run(act, xv, &x.shape, gv).map(Data::F32),
        (Data::F64(xv), Data::F64(gv)) => run(act, xv, &x.shape, gv).map(Data::F64),
        _ => unreachable!("dtypes checked above"),
    }
    .with_context(|| what(act, x, x_origin))?;
    Ok(Array {
        shape: vec![act.prelu_weight().len()],
        data,
    })
}

/// Prints the elements of `a`, one per line, in their shortest round-trip form.
pub fn print_array(a: &Array, out: &mut impl Write) -> std::io::Result<()> {
    match &a.data {
        Data::F32(v) => {
            for &x in v {
                writeln!(out, "{}", text::num_f32(x))?;
            }
        }
        Data::F64(v) => {
            for &x in v {
                writeln!(out, "{}", text::num_f64(x))?;
            }
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{exit_code, RUNTIME, USAGE};

    #[test]
    fn values_take_dtype_and_shape() {
        let a = values_array(&[0.1, -2.0], Dtype::F32, None).unwrap();
        assert_eq!(a, Array::f32(vec![2], vec![0.1, -2.0]));
        let b = values_array(&[1.0, 2.0, 3.0, 4.0], Dtype::F64, Some(&[2, 2])).unwrap();
        assert_eq!(b.shape, [2, 2]);
        let e = values_array(&[1.0], Dtype::F64, Some(&[2])).unwrap_err();
        assert_eq!(exit_code(&e), USAGE);
        assert_eq!(parse_value("-inf").unwrap(), f64::NEG_INFINITY);
        assert!(parse_value("1,5").is_err());
    }

    #[test]
    fn forward_and_backward_follow_the_library() {
        let act = Activation::parse("swiglu").unwrap();
        let x = Array::f64(vec![2, 4], (0..8).map(|i| i as f64 - 4.0).collect());
        let y = forward(&act, &x, "x").unwrap();
        assert_eq!(y.shape, [2, 2]);
        let g = ones_for_output(&act, &x, "x").unwrap();
        assert_eq!(g.shape, [2, 2]);
        let dx = backward(&act, &x, "x", &g, "g").unwrap();
        assert_eq!(dx.shape, [2, 4]);
        let mut want = vec![0.0; 8];
        act.backward_shaped(&x.to_f64(), &[2, 4], &[1.0; 4], &mut want).unwrap();
        assert_eq!(dx.data, Data::F64(want));
    }

    #[test]
    fn grad_output_must_fit() {
        let act = Activation::parse("tanh").unwrap();
        let x = Array::f64(vec![2, 3], vec![0.5; 6]);
        let wrong_shape = Array::f64(vec![6], vec![1.0; 6]);
        let e = backward(&act, &x, "x", &wrong_shape, "g").unwrap_err();
        assert_eq!(exit_code(&e), RUNTIME);
        assert!(e.to_string().contains("shape mismatch"), "{e}");
        let wrong_dtype = Array::f32(vec![2, 3], vec![1.0; 6]);
        let e = backward(&act, &x, "x", &wrong_dtype, "g").unwrap_err();
        assert!(e.to_string().contains("dtype mismatch"), "{e}");
    }

    #[test]
    fn weights_are_for_prelu_only() {
        let w = Array::f64(vec![3], vec![0.1, 0.2, 0.3]);
        let relu = Activation::parse("relu").unwrap();
        assert_eq!(exit_code(&with_weight(&relu, &w, "w").unwrap_err()), USAGE);
        let prelu = Activation::parse("prelu").unwrap();
        let act = with_weight(&prelu, &w, "w").unwrap();
        assert_eq!(act.prelu_weight(), [0.1, 0.2, 0.3]);
        let x = Array::f64(vec![1, 3, 2], vec![-1.0; 6]);
        let dw = weight_grad(&act, &x, "x", &ones_for_output(&act, &x, "x").unwrap(), "g").unwrap();
        assert_eq!(dw, Array::f64(vec![3], vec![-2.0; 3]));
        let square = Array::f64(vec![2, 2], vec![0.1; 4]);
        assert!(with_weight(&prelu, &square, "w").is_err());
        let bad = Array::f64(vec![1], vec![f64::NAN]);
        assert!(with_weight(&prelu, &bad, "w").is_err());
        assert_eq!(exit_code(&weight_grad(&relu, &x, "x", &x, "g").unwrap_err()), USAGE);
    }
}
