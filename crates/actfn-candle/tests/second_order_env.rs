//! Gradients of gradients through whole networks, with `CANDLE_GRAD_DO_NOT_DETACH=1`
//! (candle detaches every intermediate gradient otherwise, which cuts the dependence of
//! a gradient on the layers before an activation). The variable is process-wide and
//! read once per thread, so these tests live in their own binary and set it first.
//!
//! SIREN's supervision on the gradient (∇ₓf) and the Laplacian (Δf, a third derivative
//! of the sine in the parameters' gradient) is checked against finite differences in
//! every parameter.

mod common;

use actfn::Activation as Spec;
use actfn_candle::init::Rng as InitRng;
use actfn_candle::{act, act_backward, Siren};
use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use common::*;

fn no_detach() {
    // Every test sets it before its first backward (each test runs on its own thread,
    // and candle reads the variable once per thread).
    std::env::set_var("CANDLE_GRAD_DO_NOT_DETACH", "1");
}

struct Net {
    layers: Vec<Siren>,
    out: candle_nn::Linear,
    varmap: VarMap,
}

fn siren(in_dim: usize, hidden: usize, w0: f64) -> Net {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F64, &Device::Cpu);
    let mut rng = InitRng::new(3);
    let layers = vec![
        Siren::first(in_dim, hidden, w0, vb.pp("l0"), &mut rng).unwrap(),
        Siren::hidden(hidden, hidden, w0, vb.pp("l1"), &mut rng).unwrap(),
    ];
    let out = Siren::output(hidden, 1, w0, vb.pp("out"), &mut rng).unwrap();
    Net { layers, out, varmap }
}

impl Net {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut h = x.clone();
        for l in &self.layers {
            h = l.forward(&h).unwrap();
        }
        self.out.forward(&h).unwrap()
    }

    /// The parameters in a fixed order.
    fn vars(&self) -> Vec<(String, Var)> {
        let data = self.varmap.data().lock().unwrap();
        let mut v: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

/// Checks ∂loss/∂θ from autograd against central differences for every parameter.
fn check_parameter_gradients(net: &Net, loss: impl Fn(&Net) -> Tensor, h: f64, rtol: f64) {
    let l = loss(net);
    let grads = l.backward().unwrap();
    let mut checked = 0;
    for (name, v) in net.vars() {
        // A parameter the loss does not depend on (the output bias, for ∇ₓf) has none.
        let analytic = match grads.get(v.as_tensor()) {
            Some(g) => flat_f64(g),
            None => vec![0.0; v.elem_count()],
        };
        let base = flat_f64(v.as_tensor());
        let shape = v.dims().to_vec();
        let mut scale = 0f64;
        let mut fds = Vec::new();
        for i in 0..base.len() {
            let eval = |d: f64| {
                let mut p = base.clone();
                p[i] += d;
                v.set(&tensor(&p, &shape, DType::F64)).unwrap();
                let r: f64 = loss(net).to_scalar().unwrap();
                r
            };
            let fd = (eval(h) - eval(-h)) / (2.0 * h);
            scale = scale.max(fd.abs());
            fds.push(fd);
        }
        v.set(&tensor(&base, &shape, DType::F64)).unwrap();
        for (i, (a, fd)) in analytic.iter().zip(&fds).enumerate() {
            assert!(
                (a - fd).abs() <= rtol * (scale + 1e-3),
                "{name}[{i}]: autograd {a:e}, finite differences {fd:e} (scale {scale:e})"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

fn points(n: usize, dim: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..n * dim).map(|_| rng.range(-1.0, 1.0)).collect()
}

/// ∇ₓf through the network, as a differentiable tensor.
fn input_gradient(net: &Net, x: &Var) -> Tensor {
    let y = net.forward(x.as_tensor());
    y.sum_all().unwrap().backward().unwrap().remove(x.as_tensor()).unwrap()
}

#[test]
fn siren_gradient_supervision() {
    no_detach();
    let net = siren(2, 12, 30.0);
    let xs = points(6, 2, 1);
    let target = tensor(&points(6, 2, 2), &[6, 2], DType::F64);
    let loss = |net: &Net| {
        let x = var(&xs, &[6, 2]);
        let g = input_gradient(net, &x);
        (g - &target).unwrap().sqr().unwrap().mean_all().unwrap()
    };
    check_parameter_gradients(&net, loss, 1e-6, 1e-4);
}

#[test]
fn siren_laplacian_supervision() {
    no_detach();
    let net = siren(1, 10, 30.0);
    let xs = points(5, 1, 3);
    let target = tensor(&points(5, 1, 4), &[5, 1], DType::F64);
    let loss = |net: &Net| {
        let x = var(&xs, &[5, 1]);
        let g = input_gradient(net, &x);
        // d²f/dx² per point (the points are independent).
        let lap = g.sum_all().unwrap().backward().unwrap().remove(x.as_tensor()).unwrap();
        ((lap / 900.0).unwrap() - &target)
            .unwrap()
            .sqr()
            .unwrap()
            .mean_all()
            .unwrap()
    };
    check_parameter_gradients(&net, loss, 1e-6, 1e-4);
}

/// The gradient's dependence on the upstream gradient (a parameter here) needs the
/// variable too: `∂/∂p ⟨w₂, Jᵀ(x)·p⟩ = J(x)·w₂`.
#[test]
fn gradient_in_the_upstream_parameter() {
    no_detach();
    for name in [
        "sine(2)",
        "tanh",
        "sigmoid",
        "softplus",
        "gelu",
        "silu",
        "softmax",
        "log_softmax",
        "swiglu",
    ] {
        let spec = Spec::parse(name).unwrap();
        let shape = [4usize, 6];
        let xs = smooth_values(&spec, 24, 61, 0.0);
        let out_shape = spec.output_shape(&shape).unwrap();
        let m: usize = out_shape.iter().product();
        let mut rng = Rng::new(62);
        let ps: Vec<f64> = (0..m).map(|_| rng.range(-1.0, 1.0)).collect();
        let w2 = tensor(
            &(0..24).map(|_| rng.range(-1.0, 1.0)).collect::<Vec<_>>(),
            &shape,
            DType::F64,
        );
        let x = var(&xs, &shape);
        let p = var(&ps, &out_shape);
        let first = (act(x.as_tensor(), &spec).unwrap() * p.as_tensor())
            .unwrap()
            .sum_all()
            .unwrap();
        let g1 = first.backward().unwrap().remove(x.as_tensor()).unwrap();
        let grads = (g1 * &w2).unwrap().sum_all().unwrap().backward().unwrap();
        let dp = flat_f64(
            grads
                .get(p.as_tensor())
                .expect("gradient reaches the upstream parameter"),
        );
        let x = tensor(&xs, &shape, DType::F64);
        for k in 0..m {
            let e = |d: f64| {
                let mut pk = ps.clone();
                pk[k] += d;
                let r = act_backward(&x, &tensor(&pk, &out_shape, DType::F64), &spec).unwrap();
                (r * &w2).unwrap().sum_all().unwrap().to_scalar::<f64>().unwrap()
            };
            let fd = (e(1.0) - e(-1.0)) / 2.0;
            assert!(close(dp[k], fd, 1e-10, 1e-12), "{name} dp[{k}]: {} vs {fd}", dp[k]);
        }
    }
}
