//! The composite path (what runs on CUDA/Metal, exercised here on the CPU): the same
//! function as actfn's kernels to candle's accuracy, PyTorch's gradient at every kink,
//! NaN in → NaN out.

mod common;

use actfn::{Activation as Spec, Kind};
use actfn_candle::composite;
use candle_core::DType;
use common::*;

fn grad(spec: &Spec, xs: &[f64], shape: &[usize], composite_path: bool) -> Vec<f64> {
    let x = var(xs, shape);
    let y = if composite_path {
        composite::forward(x.as_tensor(), spec).unwrap()
    } else {
        actfn_candle::act(x.as_tensor(), spec).unwrap()
    };
    let out_shape = spec.output_shape(shape).unwrap();
    let n: usize = out_shape.iter().product();
    let w = tensor(
        &(0..n).map(|i| 1.0 + 0.1 * i as f64).collect::<Vec<_>>(),
        &out_shape,
        DType::F64,
    );
    let grads = (y * w).unwrap().sum_all().unwrap().backward().unwrap();
    grads.get(x.as_tensor()).map(flat_f64).unwrap_or(vec![0.0; xs.len()])
}

#[test]
fn composite_forward_matches_kernels() {
    for spec in specs() {
        let shape = shape_for(&spec);
        let n: usize = shape.iter().product();
        // Moderate inputs, the kinks, zeros and NaN.
        let mut xs = smooth_values(&spec, n, 71, 0.0);
        let mut k = kinks(&spec);
        k.extend([0.0, -0.0, f64::NAN, 1e-3, -1e-3]);
        xs[..k.len()].copy_from_slice(&k);
        let x = tensor(&xs, &shape, DType::F64);
        let a = flat_f64(&composite::forward(&x, &spec).unwrap());
        let b = flat_f64(&actfn_candle::act(&x, &spec).unwrap());
        assert_eq!(a.len(), b.len(), "{spec}");
        for i in 0..a.len() {
            // candle has no expm1/log1p: relative accuracy near 0 is absolute there.
            assert!(
                close(a[i], b[i], 1e-12, 1e-15),
                "{spec} [{i}] x = {}: composite {:e}, actfn {:e}",
                xs[i],
                a[i],
                b[i]
            );
        }
    }
}

#[test]
fn composite_gradients_match_kernels_away_from_kinks() {
    for spec in differentiable_specs() {
        let shape = shape_for(&spec);
        let n: usize = shape.iter().product();
        let xs = smooth_values(&spec, n, 72, 1e-6);
        let a = grad(&spec, &xs, &shape, true);
        let b = grad(&spec, &xs, &shape, false);
        for i in 0..n {
            assert!(
                close(a[i], b[i], 1e-11, 1e-14),
                "{spec} [{i}] x = {}: {:e} vs {:e}",
                xs[i],
                a[i],
                b[i]
            );
        }
    }
}

/// Exactly at every kink the composite's autograd gives PyTorch's value (actfn's), where
/// candle's own ops would not (relu'(0) = 1, leaky_relu'(0) = (1 + slope)/2, ...).
#[test]
fn composite_kink_gradients_are_pytorchs() {
    let mut checked = 0;
    for spec in specs() {
        if spec.info().shape != actfn::OpShape::Pointwise {
            continue;
        }
        let ks = kinks(&spec);
        if ks.is_empty() {
            continue;
        }
        let a = grad(&spec, &ks, &[ks.len()], true);
        let b = grad(&spec, &ks, &[ks.len()], false);
        // The branch decides the value; rounding may differ by an ULP (softplus at its
        // threshold evaluates the sigmoid differently).
        for (u, v) in a.iter().zip(&b) {
            assert!(
                close(*u, *v, 1e-15, 0.0),
                "{spec} at {ks:?}: composite {a:?}, actfn {b:?}"
            );
        }
        checked += ks.len();
    }
    assert!(checked >= 20, "{checked}");
    // The values themselves, for the record.
    let at0 = |s: &str| grad(&Spec::parse(s).unwrap(), &[0.0], &[1], true)[0];
    assert_eq!(at0("relu"), 0.0);
    assert_eq!(at0("leaky_relu(0.2)"), 0.2);
    assert_eq!(at0("elu(2)"), 2.0);
    assert_eq!(at0("celu(2)"), 1.0);
    assert_eq!(at0("selu"), actfn::SELU_ALPHA * actfn::SELU_SCALE);
    assert_eq!(at0("softplus"), 0.5);
    assert_eq!(at0("log_sigmoid"), 0.5);
    assert_eq!(at0("softsign"), 1.0);
    assert_eq!(at0("hardswish"), 0.5);
    let at = |s: &str, x: f64| grad(&Spec::parse(s).unwrap(), &[x], &[1], true)[0];
    assert_eq!(at("relu6", 6.0), 0.0);
    assert_eq!(at("hardtanh", 1.0), 0.0);
    assert_eq!(at("hardtanh", -1.0), 0.0);
    assert_eq!(at("hardsigmoid", 3.0), 0.0);
    assert_eq!(at("hardswish", -3.0), 0.0);
    assert_eq!(at("hardswish", 3.0), 1.0);
    assert_eq!(at("softshrink", 0.5), 0.0);
}

#[test]
fn composite_propagates_nan_and_handles_overflow() {
    for spec in specs() {
        if spec.info().shape != actfn::OpShape::Pointwise {
            continue;
        }
        let x = tensor(&[f64::NAN, 1000.0, -1000.0], &[3], DType::F64);
        let y = flat_f64(&composite::forward(&x, &spec).unwrap());
        assert!(y[0].is_nan(), "{spec}: f(NaN) = {}", y[0]);
        // Large inputs never produce a NaN gradient through an unselected branch.
        if matches!(
            spec.kind(),
            Kind::Elu | Kind::Celu | Kind::Selu | Kind::Softplus | Kind::LogSigmoid
        ) {
            let g = grad(&spec, &[1000.0, -1000.0], &[2], true);
            assert!(g.iter().all(|v| v.is_finite()), "{spec}: {g:?}");
        }
    }
}

#[test]
fn composite_runs_in_half_precision() {
    for name in ["gelu", "silu", "softmax", "glu", "elu", "hardswish"] {
        let spec = Spec::parse(name).unwrap();
        let xs = smooth_values(&spec, 16, 73, 0.0);
        for dtype in [DType::BF16, DType::F16, DType::F32] {
            let x = tensor(&xs, &[4, 4], dtype);
            let y = composite::forward(&x, &spec).unwrap();
            assert_eq!(y.dtype(), dtype);
            let exact = flat_f64(&actfn_candle::act(&tensor(&xs, &[4, 4], DType::F64), &spec).unwrap());
            let tol = if dtype == DType::F32 { 1e-5 } else { 2e-2 };
            for (a, b) in flat_f64(&y).iter().zip(&exact) {
                assert!(close(*a, *b, tol, tol), "{name} {dtype:?}: {a} vs {b}");
            }
        }
    }
}
