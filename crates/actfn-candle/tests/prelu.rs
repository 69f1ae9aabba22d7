//! PReLU: forward, backward and weight gradient against actfn and PyTorch's golden
//! values, per-channel weights, the learnable layer in a VarMap.

mod common;

use actfn::Activation as Spec;
use actfn_candle::{act, composite, prelu, PReLU};
use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{Optimizer, VarBuilder, VarMap, SGD};
use common::*;

struct Golden {
    shape: Vec<usize>,
    weight: Vec<f64>,
    x: Vec<f64>,
    grad_output: Vec<f64>,
    torch_forward: Vec<f64>,
    torch_backward: Vec<f64>,
    torch_grad_weight: Vec<f64>,
    ref_grad_weight: Vec<f64>,
}

fn hex(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| f64::from_bits(u64::from_str_radix(s.as_str().unwrap(), 16).unwrap()))
        .collect()
}

/// Case `prelu_4x3x7` of actfn's PyTorch fixture (weights 0.25, −0.5, 1.5; inputs with
/// ±0, ±inf, huge and tiny values).
fn golden() -> Golden {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../actfn/tests/fixtures/golden_f64.json");
    let text = std::fs::read_to_string(path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let case = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "prelu_4x3x7")
        .expect("fixture case prelu_4x3x7");
    Golden {
        shape: case["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect(),
        weight: hex(&case["weight"]),
        x: hex(&case["x"]),
        grad_output: hex(&case["grad_output"]),
        torch_forward: hex(&case["torch_forward"]),
        torch_backward: hex(&case["torch_backward"]),
        torch_grad_weight: hex(&case["torch_grad_weight"]),
        ref_grad_weight: hex(&case["ref_grad_weight"]),
    }
}

#[test]
fn golden_forward_backward_and_weight_gradient() {
    let g = golden();
    assert_eq!(g.shape, [4, 3, 7]);
    let x = var(&g.x, &g.shape);
    let w = var(&g.weight, &[3]);
    let y = prelu(x.as_tensor(), w.as_tensor()).unwrap();
    let up = tensor(&g.grad_output, &g.shape, DType::F64);
    let grads = (&y * &up).unwrap().sum_all().unwrap().backward().unwrap();
    let (yv, dx, dw) = (
        flat_f64(&y),
        flat_f64(grads.get(x.as_tensor()).unwrap()),
        flat_f64(grads.get(w.as_tensor()).unwrap()),
    );

    // actfn, bit for bit.
    let spec = Spec::prelu(&g.weight).unwrap();
    let mut y_ref = vec![0.0; 84];
    spec.forward_shaped(&g.x, &g.shape, &mut y_ref).unwrap();
    let mut dx_ref = vec![0.0; 84];
    spec.backward_shaped(&g.x, &g.shape, &g.grad_output, &mut dx_ref)
        .unwrap();
    let mut dw_ref = vec![0.0; 3];
    spec.prelu_weight_grad(&g.x, &g.shape, &g.grad_output, &mut dw_ref)
        .unwrap();
    for i in 0..84 {
        assert!(same_bits_f64(yv[i], y_ref[i]), "forward [{i}]");
        assert!(same_value(dx[i], dx_ref[i]), "backward [{i}]");
    }
    for c in 0..3 {
        assert!(same_value(dw[c], dw_ref[c]), "dw[{c}]: {} vs {}", dw[c], dw_ref[c]);
    }

    // PyTorch's values: forward and input gradient exactly; the weight gradient is a sum:
    // actfn's (compensated) and PyTorch's are both within a few ULP of the exact one.
    for i in 0..84 {
        assert!(same_value(yv[i], g.torch_forward[i]), "torch forward [{i}]");
        assert!(same_value(dx[i], g.torch_backward[i]), "torch backward [{i}]");
    }
    for (c, &d) in dw.iter().enumerate() {
        let (exact, torch) = (g.ref_grad_weight[c], g.torch_grad_weight[c]);
        assert!(close(d, exact, 1e-15, 0.0), "dw[{c}] {d} vs exact {exact}");
        assert!(close(d, torch, 1e-14, 0.0), "dw[{c}] {d} vs torch {torch}");
    }
    // The channel with a −inf input has a −inf weight gradient, as PyTorch.
    assert_eq!(dw[1], f64::NEG_INFINITY);
}

#[test]
fn f32_weight_gradient_is_actfn_bit_for_bit() {
    let g = golden();
    let xs: Vec<f32> = g.x.iter().map(|&v| v as f32).collect();
    let gs: Vec<f32> = g.grad_output.iter().map(|&v| v as f32).collect();
    let ws: Vec<f32> = g.weight.iter().map(|&v| v as f32).collect();
    let x = Var::from_vec(xs.clone(), (4, 3, 7), &Device::Cpu).unwrap();
    let w = Var::from_vec(ws, 3, &Device::Cpu).unwrap();
    let up = Tensor::from_vec(gs.clone(), (4, 3, 7), &Device::Cpu).unwrap();
    let grads = (prelu(x.as_tensor(), w.as_tensor()).unwrap() * up)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let dw: Vec<f32> = grads.get(w.as_tensor()).unwrap().to_vec1().unwrap();
    let spec = Spec::prelu(&g.weight).unwrap();
    let mut dw_ref = vec![0f32; 3];
    spec.prelu_weight_grad(&xs, &g.shape, &gs, &mut dw_ref).unwrap();
    for c in 0..3 {
        assert!(same_value(dw[c] as f64, dw_ref[c] as f64), "{} vs {}", dw[c], dw_ref[c]);
    }
}

#[test]
fn single_weight_and_spec_weight() {
    let xs = edge_values(&Spec::parse("prelu").unwrap(), 30, 3);
    let x = tensor(&xs, &[2, 3, 5], DType::F64);
    let w = Tensor::new(&[0.1f64], &Device::Cpu).unwrap();
    let a = flat_f64(&prelu(&x, &w).unwrap());
    let b = flat_f64(&act(&x, &Spec::parse("prelu(0.1)").unwrap()).unwrap());
    let c = flat_f64(&act(&x, &Spec::parse("leaky_relu(0.1)").unwrap()).unwrap());
    for i in 0..30 {
        assert!(same_bits_f64(a[i], b[i]) && same_bits_f64(a[i], c[i]), "[{i}]");
    }
    // Strided input with per-channel weights: same as the contiguous copy.
    let w3 = Tensor::new(&[0.25f64, -0.5, 1.5], &Device::Cpu).unwrap();
    let base = tensor(&xs, &[5, 3, 2], DType::F64);
    let view = base.transpose(0, 2).unwrap(); // [2, 3, 5], channels still dim 1
    let a = flat_f64(&prelu(&view, &w3).unwrap());
    let b = flat_f64(&prelu(&view.contiguous().unwrap(), &w3).unwrap());
    assert_eq!(a.len(), b.len());
    for i in 0..a.len() {
        assert!(same_bits_f64(a[i], b[i]));
    }
}

#[test]
fn channel_mismatch_is_an_error() {
    let x = Tensor::zeros((2, 4, 3), DType::F32, &Device::Cpu).unwrap();
    let w = Tensor::new(&[0.25f32, 0.5, 0.75], &Device::Cpu).unwrap();
    let e = prelu(&x, &w).unwrap_err().to_string();
    assert!(e.contains("channel"), "{e}");
    let e = composite::prelu(&x, &w).unwrap_err().to_string();
    assert!(e.contains("channel"), "{e}");
}

#[test]
fn layer_lives_in_the_varmap_and_trains() {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F64, &Device::Cpu);
    let layer = PReLU::new(3, vb.pp("act")).unwrap();
    assert_eq!(flat_f64(layer.weight()), [0.25; 3]);
    let vars = varmap.data().lock().unwrap();
    assert!(vars.contains_key("act.weight"));
    drop(vars);
    assert_eq!(PReLU::new(1, vb.pp("one")).unwrap().weight().dims(), &[1]);
    // Fit y = x > 0 ? x : s_c·x for s = (0.1, -0.3, 0.7) by gradient descent on the slopes.
    let xs = smooth_values(&Spec::parse("prelu").unwrap(), 60, 9, 0.0);
    let x = tensor(&xs, &[4, 3, 5], DType::F64);
    let target = prelu(&x, &Tensor::new(&[0.1f64, -0.3, 0.7], &Device::Cpu).unwrap()).unwrap();
    let mut sgd = SGD::new(varmap.all_vars(), 0.1).unwrap();
    let loss = |l: &PReLU| {
        (l.forward(&x).unwrap() - &target)
            .unwrap()
            .sqr()
            .unwrap()
            .mean_all()
            .unwrap()
    };
    let first: f64 = loss(&layer).to_scalar().unwrap();
    for _ in 0..200 {
        sgd.backward_step(&loss(&layer)).unwrap();
    }
    let last: f64 = loss(&layer).to_scalar().unwrap();
    assert!(last < first * 1e-4, "{first} -> {last}");
    let w = flat_f64(layer.weight());
    for (a, b) in w.iter().zip([0.1, -0.3, 0.7]) {
        assert!((a - b).abs() < 1e-3, "{w:?}");
    }
}

#[test]
fn composite_prelu_matches_the_op() {
    let xs = smooth_values(&Spec::parse("prelu").unwrap(), 60, 10, 1e-3);
    let w3 = [0.25, -0.5, 1.5];
    let x = var(&xs, &[4, 3, 5]);
    let w = var(&w3, &[3]);
    let y1 = prelu(x.as_tensor(), w.as_tensor()).unwrap();
    let y2 = composite::prelu(x.as_tensor(), w.as_tensor()).unwrap();
    assert_eq!(flat_f64(&y1), flat_f64(&y2));
    let g1 = y1.sum_all().unwrap().backward().unwrap();
    let g2 = y2.sum_all().unwrap().backward().unwrap();
    for t in [x.as_tensor(), w.as_tensor()] {
        let (a, b) = (flat_f64(g1.get(t).unwrap()), flat_f64(g2.get(t).unwrap()));
        for (u, v) in a.iter().zip(&b) {
            assert!(close(*u, *v, 1e-14, 1e-15), "{u} vs {v}");
        }
    }
    // At 0 both give d/dx = w (PyTorch's kink value).
    let z = var(&[0.0; 3], &[1, 3]);
    for f in [prelu, composite::prelu] {
        let g = f(z.as_tensor(), w.as_tensor())
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        assert_eq!(flat_f64(g.get(z.as_tensor()).unwrap()), w3);
    }
}
