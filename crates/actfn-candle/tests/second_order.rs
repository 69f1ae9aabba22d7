//! Gradients of gradients without `CANDLE_GRAD_DO_NOT_DETACH` (candle's default): when
//! the activation's input is the variable itself, the backward op's dependence on `x`
//! is kept, so `∂/∂x ⟨w₂, ∂/∂x ⟨w₁, f(x)⟩⟩ = w₂·f''(x)·w₁` (and the dim-wise and gated
//! analogues) comes out of candle's autograd. Checked against finite differences of the
//! first gradient, which is actfn's backward kernel. Deep graphs need the variable set:
//! see `second_order_env.rs` (its own test binary, as the variable is process-wide).

mod common;

use actfn::Activation as Spec;
use actfn_candle::{act, act_backward};
use candle_core::{DType, Tensor};
use common::*;

/// `G(x) = Σ w₂·(Jᵀ(x)·w₁)`: the first gradient contracted with `w₂`.
fn contracted_gradient(spec: &Spec, xs: &[f64], shape: &[usize], w1: &Tensor, w2: &Tensor) -> f64 {
    let g1 = act_backward(&tensor(xs, shape, DType::F64), w1, spec).unwrap();
    (g1 * w2).unwrap().sum_all().unwrap().to_scalar().unwrap()
}

fn check_second_order(spec: &Spec, seed: u64) -> usize {
    let h = 1e-6;
    let shape = shape_for(spec);
    let n: usize = shape.iter().product();
    let xs = smooth_values(spec, n, seed, 1e-3);
    let out_shape = spec.output_shape(&shape).unwrap();
    let mut rng = Rng::new(seed + 1);
    let w1: Vec<f64> = (0..out_shape.iter().product::<usize>())
        .map(|_| rng.range(-1.0, 1.0))
        .collect();
    let w2: Vec<f64> = (0..n).map(|_| rng.range(-1.0, 1.0)).collect();
    let (w1, w2) = (tensor(&w1, &out_shape, DType::F64), tensor(&w2, &shape, DType::F64));

    // First gradient by autograd, then the gradient of ⟨w₂, g₁⟩.
    let x = var(&xs, &shape);
    let first = (act(x.as_tensor(), spec).unwrap() * &w1).unwrap().sum_all().unwrap();
    let g1 = first.backward().unwrap().remove(x.as_tensor()).unwrap();
    let second = (g1 * &w2).unwrap().sum_all().unwrap().backward().unwrap();
    let gg = match second.get(x.as_tensor()) {
        Some(t) => flat_f64(t),
        None => vec![0.0; n], // the second derivative is 0 (piecewise-linear kinds)
    };
    for i in 0..n {
        let (mut up, mut down) = (xs.clone(), xs.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (contracted_gradient(spec, &up, &shape, &w1, &w2)
            - contracted_gradient(spec, &down, &shape, &w1, &w2))
            / (2.0 * h);
        // sin(30x) has |f'''| up to 30³: the central difference is off by ~h²·f''''.
        let tol = if spec.param("w0").is_some_and(|w| w > 1.0) {
            1e-3
        } else {
            1e-5
        };
        assert!(
            close(gg[i], fd, tol, 1e-6),
            "{spec}: d²/dx² [{i}] at x = {}: autograd {:e}, finite differences {fd:e}",
            xs[i],
            gg[i]
        );
    }
    n
}

#[test]
fn grad_of_grad_for_the_siren_set() {
    // The activations the issue names, at their defaults.
    for name in ["sine", "tanh", "sigmoid", "softplus", "gelu", "silu"] {
        check_second_order(&Spec::parse(name).unwrap(), 31);
    }
}

#[test]
fn grad_of_grad_for_every_differentiable_activation() {
    let mut checked = 0;
    for spec in differentiable_specs() {
        checked += check_second_order(&spec, 41);
    }
    assert!(checked > 2000, "{checked}");
}

/// `Jᵀ(x)·g` is linear in `g`: its gradient with respect to `g` is `J(x)·h`, which for
/// the pointwise kinds is the backward op again.
#[test]
fn backward_op_gradient_in_its_upstream() {
    for name in ["gelu", "softmax", "log_softmax", "softmin", "glu", "swiglu", "mish"] {
        let spec = Spec::parse(name).unwrap();
        let shape = [6usize, 8];
        let xs = smooth_values(&spec, 48, 51, 0.0);
        let out_shape = spec.output_shape(&shape).unwrap();
        let m: usize = out_shape.iter().product();
        let mut rng = Rng::new(52);
        let gs: Vec<f64> = (0..m).map(|_| rng.range(-1.0, 1.0)).collect();
        let hs: Vec<f64> = (0..48).map(|_| rng.range(-1.0, 1.0)).collect();
        let x = tensor(&xs, &shape, DType::F64);
        let hw = tensor(&hs, &shape, DType::F64);
        let g = var(&gs, &out_shape);
        let r = act_backward(&x, g.as_tensor(), &spec).unwrap();
        let grads = (r * &hw).unwrap().sum_all().unwrap().backward().unwrap();
        let dg = flat_f64(grads.get(g.as_tensor()).unwrap());
        // ⟨h, Jᵀg⟩ is linear in g: the finite difference is exact up to rounding.
        for k in 0..m {
            let e = |d: f64| {
                let mut gk = gs.clone();
                gk[k] += d;
                let r = act_backward(&x, &tensor(&gk, &out_shape, DType::F64), &spec).unwrap();
                (r * &hw).unwrap().sum_all().unwrap().to_scalar::<f64>().unwrap()
            };
            let fd = (e(1.0) - e(-1.0)) / 2.0;
            assert!(close(dg[k], fd, 1e-10, 1e-12), "{name} dg[{k}]: {} vs {fd}", dg[k]);
        }
    }
}

/// Without the variable, candle detaches the gradient flowing into each node, so through
/// a linear layer the gradient-of-gradient loses the terms of the layers before the
/// activation (the first layer's bias gets none): why deep SIREN losses need
/// `CANDLE_GRAD_DO_NOT_DETACH=1` (checked in `second_order_env.rs`).
#[test]
fn without_the_variable_deep_graphs_lose_terms() {
    if std::env::var("CANDLE_GRAD_DO_NOT_DETACH").is_ok_and(|v| !v.is_empty() && v != "0") {
        eprintln!("CANDLE_GRAD_DO_NOT_DETACH is set in this environment: nothing to show");
        return;
    }
    let spec = Spec::parse("sine(3)").unwrap();
    let w = var(&[0.5, -1.0, 0.25, 2.0], &[2, 2]);
    let b = var(&[0.1, -0.2], &[2]);
    let x = var(&[0.3, -0.7, 0.9, 0.1], &[2, 2]);
    let u = x
        .as_tensor()
        .matmul(&w.as_tensor().t().unwrap())
        .unwrap()
        .broadcast_add(b.as_tensor())
        .unwrap();
    let y = act(&u, &spec).unwrap().sum_all().unwrap();
    let gx = y.backward().unwrap().remove(x.as_tensor()).unwrap();
    let grads = gx.sqr().unwrap().sum_all().unwrap().backward().unwrap();
    // ∂/∂b of Σ(∇ₓy)² is not zero (it is 2·Σ ∇ₓy·W·f''(u)), but candle drops it.
    let db = grads.get(b.as_tensor()).map(flat_f64).unwrap_or(vec![0.0, 0.0]);
    assert_eq!(db, [0.0, 0.0]);
}
