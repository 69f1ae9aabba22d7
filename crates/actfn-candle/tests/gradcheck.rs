//! Finite-difference gradient checks through candle's autograd (f64), for every
//! differentiable activation in the registry, and PReLU's weight.

mod common;

use actfn::Kind;
use actfn_candle::{act, prelu};
use candle_core::{DType, Tensor};
use common::*;

/// `L(x) = Σ f(x)·w` and its gradient by autograd.
fn loss_and_grad(spec: &actfn::Activation, xs: &[f64], shape: &[usize], w: &Tensor) -> (f64, Vec<f64>) {
    let x = var(xs, shape);
    let loss = (act(x.as_tensor(), spec).unwrap() * w).unwrap().sum_all().unwrap();
    let grads = loss.backward().unwrap();
    (loss.to_scalar().unwrap(), flat_f64(grads.get(x.as_tensor()).unwrap()))
}

fn loss(spec: &actfn::Activation, xs: &[f64], shape: &[usize], w: &Tensor) -> f64 {
    (act(&tensor(xs, shape, DType::F64), spec).unwrap() * w)
        .unwrap()
        .sum_all()
        .unwrap()
        .to_scalar()
        .unwrap()
}

#[test]
fn every_differentiable_activation_matches_finite_differences() {
    let h = 1e-6;
    let mut checked = 0;
    for spec in differentiable_specs() {
        let shape = shape_for(&spec);
        let n: usize = shape.iter().product();
        let xs = smooth_values(&spec, n, 11, 1e-3);
        let out_shape = spec.output_shape(&shape).unwrap();
        let mut rng = Rng::new(12);
        let ws: Vec<f64> = (0..out_shape.iter().product::<usize>())
            .map(|_| rng.range(-1.0, 1.0))
            .collect();
        let w = tensor(&ws, &out_shape, DType::F64);
        let (_, grad) = loss_and_grad(&spec, &xs, &shape, &w);
        for i in 0..n {
            let mut up = xs.clone();
            up[i] += h;
            let mut down = xs.clone();
            down[i] -= h;
            let fd = (loss(&spec, &up, &shape, &w) - loss(&spec, &down, &shape, &w)) / (2.0 * h);
            assert!(
                close(grad[i], fd, 1e-5, 1e-6),
                "{spec}: d/dx[{i}] at x = {}: autograd {:e}, finite differences {fd:e}",
                xs[i],
                grad[i]
            );
            checked += 1;
        }
    }
    assert!(checked > 2000, "{checked}");
}

#[test]
fn step_has_zero_gradient() {
    let spec = actfn::Activation::new(Kind::Step).unwrap();
    let xs = smooth_values(&spec, 8, 1, 0.1);
    let w = tensor(&[1.0; 8], &[8], DType::F64);
    let (_, grad) = loss_and_grad(&spec, &xs, &[8], &w);
    assert!(grad.iter().all(|&g| g == 0.0));
}

#[test]
fn prelu_weight_gradient_matches_finite_differences() {
    let h = 1e-6;
    let shape = [4usize, 3, 5];
    let n = 60;
    let spec = actfn::Activation::parse("prelu").unwrap();
    let xs = smooth_values(&spec, n, 21, 1e-3);
    let mut rng = Rng::new(22);
    let ws: Vec<f64> = (0..n).map(|_| rng.range(-1.0, 1.0)).collect();
    let w_up = tensor(&ws, &shape, DType::F64);
    for weight in [vec![0.25], vec![0.25, -0.5, 1.5]] {
        let x = var(&xs, &shape);
        let wv = var(&weight, &[weight.len()]);
        let l = (prelu(x.as_tensor(), wv.as_tensor()).unwrap() * &w_up)
            .unwrap()
            .sum_all()
            .unwrap();
        let grads = l.backward().unwrap();
        let dw = flat_f64(grads.get(wv.as_tensor()).unwrap());
        let dx = flat_f64(grads.get(x.as_tensor()).unwrap());
        let eval = |xs: &[f64], weight: &[f64]| -> f64 {
            let y = prelu(
                &tensor(xs, &shape, DType::F64),
                &tensor(weight, &[weight.len()], DType::F64),
            )
            .unwrap();
            (y * &w_up).unwrap().sum_all().unwrap().to_scalar().unwrap()
        };
        for c in 0..weight.len() {
            let (mut up, mut down) = (weight.clone(), weight.clone());
            up[c] += h;
            down[c] -= h;
            let fd = (eval(&xs, &up) - eval(&xs, &down)) / (2.0 * h);
            assert!(close(dw[c], fd, 1e-6, 1e-7), "dw[{c}] {} vs {fd}", dw[c]);
        }
        for i in 0..n {
            let (mut up, mut down) = (xs.clone(), xs.clone());
            up[i] += h;
            down[i] -= h;
            let fd = (eval(&up, &weight) - eval(&down, &weight)) / (2.0 * h);
            assert!(close(dx[i], fd, 1e-6, 1e-7), "dx[{i}] {} vs {fd}", dx[i]);
        }
    }
}
