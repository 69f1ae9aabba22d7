//! On the CPU, the candle ops are actfn's kernels: forward and backward bit for bit, for
//! every registry kind, f32 and f64, contiguous or strided.

mod common;

use actfn::{Activation as Spec, Kind, OpShape};
use actfn_candle::{act, act_backward, act_str, ActExt};
use candle_core::{DType, Device, IndexOp, Tensor, Var, D};
use common::*;

/// actfn's forward and backward on slices, for reference.
fn reference<E: actfn::Element + Copy>(spec: &Spec, x: &[E], shape: &[usize], g: &[E]) -> (Vec<E>, Vec<E>) {
    let out: usize = spec.output_shape(shape).unwrap().iter().product();
    let mut y = vec![E::from_f64(0.0); out];
    spec.forward_shaped(x, shape, &mut y).unwrap();
    let mut dx = vec![E::from_f64(0.0); x.len()];
    spec.backward_shaped(x, shape, g, &mut dx).unwrap();
    (y, dx)
}

fn upstream(spec: &Spec, shape: &[usize], seed: u64) -> (Vec<f64>, Vec<usize>) {
    let out_shape = spec.output_shape(shape).unwrap();
    let n: usize = out_shape.iter().product();
    let mut rng = Rng::new(seed);
    ((0..n).map(|_| rng.range(-2.0, 2.0)).collect(), out_shape)
}

#[test]
fn forward_and_backward_are_actfn_bit_for_bit_f64() {
    for spec in specs() {
        let shape = shape_for(&spec);
        let n: usize = shape.iter().product();
        let xs = edge_values(&spec, n, 1);
        let (gs, out_shape) = upstream(&spec, &shape, 2);
        let (y_ref, dx_ref) = reference::<f64>(&spec, &xs, &shape, &gs);

        let x = var(&xs, &shape);
        let y = act(x.as_tensor(), &spec).unwrap();
        assert_eq!(y.dims(), out_shape.as_slice(), "{spec}");
        let y_vals = flat_f64(&y);
        for (i, (a, b)) in y_vals.iter().zip(&y_ref).enumerate() {
            assert!(
                same_bits_f64(*a, *b),
                "{spec} forward [{i}] x={}: {a:e} vs {b:e}",
                xs[i]
            );
        }

        // Backward through candle's autograd with upstream gradient g.
        let g = tensor(&gs, &out_shape, DType::F64);
        let grads = (y * &g).unwrap().sum_all().unwrap().backward().unwrap();
        let dx = flat_f64(grads.get(x.as_tensor()).unwrap());
        for (i, (a, b)) in dx.iter().zip(&dx_ref).enumerate() {
            assert!(same_value(*a, *b), "{spec} backward [{i}] x={}: {a:e} vs {b:e}", xs[i]);
        }
        // The backward op itself keeps every bit (autograd's `0 + g` turns -0 into +0).
        if spec.kind() != Kind::Prelu {
            let dx = flat_f64(&act_backward(x.as_tensor(), &g, &spec).unwrap());
            for (i, (a, b)) in dx.iter().zip(&dx_ref).enumerate() {
                assert!(same_bits_f64(*a, *b), "{spec} backward op [{i}]: {a:e} vs {b:e}");
            }
        }
    }
}

#[test]
fn forward_and_backward_are_actfn_bit_for_bit_f32() {
    for spec in specs() {
        let shape = shape_for(&spec);
        let n: usize = shape.iter().product();
        let xs: Vec<f32> = edge_values(&spec, n, 3).iter().map(|&v| v as f32).collect();
        let (gs, out_shape) = upstream(&spec, &shape, 4);
        let gs: Vec<f32> = gs.iter().map(|&v| v as f32).collect();
        let (y_ref, dx_ref) = reference::<f32>(&spec, &xs, &shape, &gs);

        let x = Var::from_vec(xs.clone(), shape.as_slice(), &Device::Cpu).unwrap();
        let y = x.as_tensor().act(&spec).unwrap();
        assert_eq!(y.dtype(), DType::F32);
        let y_vals: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
        for (i, (a, b)) in y_vals.iter().zip(&y_ref).enumerate() {
            assert!(
                same_bits_f32(*a, *b),
                "{spec} forward [{i}] x={}: {a:e} vs {b:e}",
                xs[i]
            );
        }
        let g = Tensor::from_vec(gs.clone(), out_shape.as_slice(), &Device::Cpu).unwrap();
        let grads = (y * &g).unwrap().sum_all().unwrap().backward().unwrap();
        let dx: Vec<f32> = grads
            .get(x.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for (i, (a, b)) in dx.iter().zip(&dx_ref).enumerate() {
            assert!(
                same_value(*a as f64, *b as f64),
                "{spec} backward [{i}] x={}: {a:e} vs {b:e}",
                xs[i]
            );
        }
    }
}

/// Transposed, narrowed, indexed and broadcast views give what their contiguous copies give.
#[test]
fn strided_inputs_match_contiguous() {
    for spec in specs() {
        if spec.prelu_weight().len() > 1 {
            continue; // per-channel PReLU is covered in prelu.rs
        }
        let base_shape = [8, 6];
        let xs = edge_values(&spec, 48, 5);
        let base = tensor(&xs, &base_shape, DType::F64);
        let views = [
            base.t().unwrap(), // [6, 8], strided
            base.narrow(0, 1, 6)
                .unwrap()
                .t()
                .unwrap()
                .contiguous()
                .unwrap()
                .t()
                .unwrap()
                .t()
                .unwrap(),
            base.i((1..7, ..)).unwrap().t().unwrap().narrow(1, 0, 6).unwrap(), // offset + strides
            base.i((2..3, ..)).unwrap().broadcast_as((4, 6)).unwrap(),         // stride 0
        ];
        for (k, view) in views.iter().enumerate() {
            if spec.output_shape(view.dims()).is_err() {
                continue;
            }
            let copy = view.contiguous().unwrap();
            let a = flat_f64(&act(view, &spec).unwrap());
            let b = flat_f64(&act(&copy, &spec).unwrap());
            assert_eq!(a.len(), b.len());
            for (i, (u, v)) in a.iter().zip(&b).enumerate() {
                assert!(same_bits_f64(*u, *v), "{spec} view {k} [{i}]: {u:e} vs {v:e}");
            }
            // Backward with a strided upstream gradient too.
            let (gs, out_shape) = upstream(&spec, view.dims(), 6);
            let g = tensor(&gs, &out_shape, DType::F64);
            let g_strided = g.t().unwrap().contiguous().unwrap().t().unwrap();
            let da = flat_f64(&act_backward(view, &g_strided, &spec).unwrap());
            let db = flat_f64(&act_backward(&copy, &g, &spec).unwrap());
            for (i, (u, v)) in da.iter().zip(&db).enumerate() {
                assert!(same_bits_f64(*u, *v), "{spec} backward view {k} [{i}]: {u:e} vs {v:e}");
            }
        }
    }
}

/// A strided view of a variable: the gradient lands on the right elements.
#[test]
fn gradient_through_a_transposed_variable() {
    let spec = Spec::parse("softmax(dim=1)").unwrap();
    let xs: Vec<f64> = (0..12).map(|i| (i as f64 * 0.7).sin() * 3.0).collect();
    let x = var(&xs, &[3, 4]);
    let xt = x.as_tensor().t().unwrap(); // [4, 3], softmax along the original dim 0
    let w = tensor(&(0..12).map(|i| i as f64).collect::<Vec<_>>(), &[4, 3], DType::F64);
    let grads = (act(&xt, &spec).unwrap() * &w)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let dx = flat_f64(grads.get(x.as_tensor()).unwrap());
    // Reference: softmax along dim 0 of the [3, 4] array, upstream wᵀ.
    let spec0 = Spec::parse("softmax(dim=0)").unwrap();
    let wt = flat_f64(&w.t().unwrap().contiguous().unwrap());
    let mut dx_ref = vec![0.0; 12];
    spec0.backward_shaped(&xs, &[3, 4], &wt, &mut dx_ref).unwrap();
    for (a, b) in dx.iter().zip(&dx_ref) {
        assert!(same_value(*a, *b), "{a:e} vs {b:e}");
    }
}

#[test]
fn dim_helpers_equal_specs() {
    let xs = smooth_values(&Spec::new(Kind::Softmax).unwrap(), 24, 7, 0.0);
    let x = tensor(&xs, &[2, 3, 4], DType::F64);
    type Helper = fn(&Tensor, usize) -> candle_core::Result<Tensor>;
    let cases: [(&str, Helper); 7] = [
        ("softmax", actfn_candle::softmax),
        ("log_softmax", actfn_candle::log_softmax),
        ("softmin", actfn_candle::softmin),
        ("glu", actfn_candle::glu),
        ("reglu", actfn_candle::reglu),
        ("geglu", actfn_candle::geglu),
        ("swiglu", actfn_candle::swiglu),
    ];
    for (name, f) in cases {
        for dim in [0usize, 2] {
            let a = flat_f64(&f(&x, dim).unwrap());
            let b = flat_f64(&act_str(&x, &format!("{name}(dim={dim})")).unwrap());
            assert_eq!(a, b, "{name} dim {dim}");
        }
        // D::Minus1 is the last dim, the spec's default.
        let last = match name {
            "softmax" => actfn_candle::softmax(&x, D::Minus1),
            "glu" => actfn_candle::glu(&x, D::Minus1),
            _ => continue,
        };
        assert_eq!(flat_f64(&last.unwrap()), flat_f64(&act_str(&x, name).unwrap()));
    }
    // Softmax rows sum to one along the chosen dim.
    let s = actfn_candle::softmax(&x, 1).unwrap().sum_keepdim(1).unwrap();
    for v in flat_f64(&s) {
        assert!((v - 1.0).abs() < 1e-15);
    }
    let g = actfn_candle::glu(&x, 2).unwrap();
    assert_eq!(g.dims(), &[2, 3, 2]);
}

#[test]
fn half_precision_goes_through_f32() {
    for name in ["gelu", "softmax", "tanh", "glu", "prelu(0.1)"] {
        let spec = Spec::parse(name).unwrap();
        let xs = smooth_values(&spec, 16, 8, 0.0);
        for dtype in [DType::BF16, DType::F16] {
            let x = tensor(&xs, &[4, 4], dtype);
            let y = act(&x, &spec).unwrap();
            assert_eq!(y.dtype(), dtype);
            let expect = act(&x.to_dtype(DType::F32).unwrap(), &spec)
                .unwrap()
                .to_dtype(dtype)
                .unwrap();
            assert_eq!(flat_f64(&y), flat_f64(&expect), "{name} {dtype:?}");
            // and it has a gradient
            let v = Var::from_tensor(&x).unwrap();
            let grads = act(v.as_tensor(), &spec)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            assert_eq!(grads.get(v.as_tensor()).unwrap().dtype(), dtype);
        }
    }
}

#[test]
fn errors_are_clear() {
    let x = tensor(&[1.0, 2.0, 3.0], &[3], DType::F64);
    let e = act_str(&x, "glu").unwrap_err().to_string();
    assert!(e.contains("glu"), "{e}");
    let e = act_str(&x, "gleu").unwrap_err().to_string();
    assert!(e.contains("did you mean `gelu`"), "{e}");
    let e = act_str(&x, "softmax(dim=3)").unwrap_err().to_string();
    assert!(e.contains("dim"), "{e}");
    let ints = Tensor::new(&[1u32, 2], &Device::Cpu).unwrap();
    let e = act_str(&ints, "relu").unwrap_err().to_string();
    assert!(e.contains("float"), "{e}");
}

#[test]
fn zero_d_and_empty_tensors() {
    for name in ["relu", "sigmoid", "softmax"] {
        let spec = Spec::parse(name).unwrap();
        let x = Tensor::new(0.5f64, &Device::Cpu).unwrap();
        let y = act(&x, &spec).unwrap();
        let mut r = [0.0f64];
        spec.forward_shaped(&[0.5], &[], &mut r).unwrap();
        assert_eq!(y.to_scalar::<f64>().unwrap(), r[0], "{name}");
        let e = Tensor::zeros((0, 4), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(act(&e, &spec).unwrap().dims(), &[0, 4]);
    }
}

/// Every pointwise kind keeps the shape; the gated kinds halve their dim.
#[test]
fn output_shapes() {
    for spec in specs() {
        let shape = shape_for(&spec);
        let x = Tensor::zeros(shape.as_slice(), DType::F32, &Device::Cpu).unwrap();
        let y = act(&x, &spec).unwrap();
        let expect = spec.output_shape(&shape).unwrap();
        assert_eq!(y.dims(), expect.as_slice(), "{spec}");
        if is_shape(&spec, OpShape::Gated) {
            assert_eq!(y.elem_count() * 2, x.elem_count());
        }
    }
}
