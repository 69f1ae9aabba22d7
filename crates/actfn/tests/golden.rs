//! Golden values: PyTorch's outputs and mpmath's exact values, committed under
//! `tests/fixtures/` by `scripts/gen_fixtures.py`.
//!
//! For every case and dtype:
//! - forward, backward (and PReLU's weight gradient) are within the accuracy contract
//!   of the exact value: 4 ULP for f32, 8 ULP for f64 (row-wise kinds: no worse than
//!   PyTorch on the same inputs where PyTorch is worse than that);
//! - they agree with PyTorch wherever PyTorch is itself within the contract; where it is
//!   not, ours is closer to the exact value, and the activation documents the
//!   difference in `Info::differences`.
//!
//! Every check runs at each SIMD level this CPU has (`scalar`, `avx2`, `avx512`, ...).
//!
//! Run with `--nocapture` to see the table of max ULP errors, ours against PyTorch's.

use actfn::simd::Level;
use actfn::{Activation, Element, OpShape};
use actfn_math::ulp::ulp_error;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    dtype: String,
    torch_version: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    spec: String,
    shape: Vec<usize>,
    weight: Option<Vec<String>>,
    x: Vec<String>,
    grad_output: Vec<String>,
    torch_forward: Option<Vec<String>>,
    torch_backward: Option<Vec<String>>,
    torch_grad_weight: Option<Vec<String>>,
    ref_forward: Vec<String>,
    ref_backward: Vec<String>,
    ref_grad_weight: Option<Vec<String>>,
}

fn decode(v: &[String]) -> Vec<f64> {
    v.iter()
        .map(|h| f64::from_bits(u64::from_str_radix(h, 16).expect("hex")))
        .collect()
}

fn load(name: &str) -> Fixture {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Max ULP error over elements with a finite reference, and the input where it occurs.
#[derive(Clone, Copy, Default)]
struct Worst {
    ulp: f64,
    at: f64,
    /// Elements where the value is NaN or infinite but the exact one is finite.
    nonfinite: usize,
}

impl Worst {
    fn update(&mut self, err: f64, x: f64) {
        if err.is_infinite() {
            self.nonfinite += 1;
        } else if err > self.ulp {
            self.ulp = err;
            self.at = x;
        }
    }

    fn cell(&self) -> String {
        let ulp = if self.ulp >= 1e4 {
            format!("{:.1e}", self.ulp)
        } else {
            format!("{:.2}", self.ulp)
        };
        match self.nonfinite {
            0 => ulp,
            n => format!("{ulp} (+{n} NaN/inf)"),
        }
    }
}

struct Report {
    lines: Vec<String>,
    failures: Vec<String>,
    /// (case, dtype, direction) → (count, first input, PyTorch's max error).
    undocumented: std::collections::BTreeMap<String, (usize, f64, f64)>,
}

/// What is being checked: one case, its activation and its inputs.
struct Ctx<'a> {
    case: &'a Case,
    act: &'a Activation,
    inputs: &'a [f64],
}

fn check_direction<E: Element>(
    report: &mut Report,
    ctx: &Ctx<'_>,
    what: &str,
    ours: &[E],
    torch: Option<&[f64]>,
    exact: &[f64],
) -> (Worst, Option<Worst>) {
    let Ctx { case, act, inputs } = *ctx;
    let bound = if E::PRECISION == 24 { 4.0 } else { 8.0 };
    let row_wise = matches!(act.info().shape, OpShape::AlongDim);
    let mut ours_worst = Worst::default();
    let mut torch_worst = torch.map(|_| Worst::default());
    let mut nonfinite = Vec::new();
    // Input index for an output element: element-wise ops map 1:1; others report the
    // first input (the table only uses it as a hint).
    let x_at = |i: usize| inputs.get(i).copied().unwrap_or(f64::NAN);
    for (i, (&o, &r)) in ours.iter().zip(exact).enumerate() {
        match outside_domain::<E>(act, x_at(i)) {
            Domain::Inside => {}
            Domain::Nan => {
                if !o.to_f64().is_nan() {
                    report.failures.push(format!(
                        "{} {}: {what}[{i}] outside the documented domain should be NaN",
                        case.id,
                        E::NAME
                    ));
                }
                continue;
            }
            Domain::Unbounded => continue,
        }
        let err = ulp_error(o, r);
        if r.is_finite() {
            ours_worst.update(err, x_at(i));
        } else if err > 0.0 {
            nonfinite.push(format!("{what}[{i}] = {:?}, exact {r}", o));
        }
        if let (Some(t), Some(tw)) = (torch, torch_worst.as_mut()) {
            let te = ulp_error(E::from_f64(t[i]), r);
            if r.is_finite() {
                tw.update(te, x_at(i));
            }
            // Agreement with PyTorch where PyTorch is within the contract.
            let x_is_nan = x_at(i).is_nan();
            if te <= bound && err > bound && !x_is_nan && !row_wise {
                report.failures.push(format!(
                    "{} {}: {what}[{i}] (x = {:e}) is {err:.1} ULP off while PyTorch is {te:.1}",
                    case.id,
                    E::NAME,
                    x_at(i)
                ));
            }
            if te > bound && err < te && act.info().differences.is_empty() && !x_is_nan {
                let e = report
                    .undocumented
                    .entry(format!("{} {} {what}", case.id, E::NAME))
                    .or_insert((0, x_at(i), 0.0));
                e.0 += 1;
                e.2 = e.2.max(te);
            }
        }
    }
    if !nonfinite.is_empty() {
        report.failures.push(format!(
            "{} {}: non-finite mismatches: {}",
            case.id,
            E::NAME,
            nonfinite.join("; ")
        ));
    }
    let allowed = if row_wise {
        bound.max(torch_worst.map_or(0.0, |w| w.ulp))
    } else {
        bound
    };
    if ours_worst.ulp > allowed || ours_worst.nonfinite > 0 {
        report.failures.push(format!(
            "{} {}: {what} max error {} ULP at x = {:e} (bound {allowed})",
            case.id,
            E::NAME,
            ours_worst.cell(),
            ours_worst.at
        ));
    }
    (ours_worst, torch_worst)
}

enum Domain {
    Inside,
    /// Documented to give NaN.
    Nan,
    /// Documented to hold no ULP bound.
    Unbounded,
}

/// Inputs outside an activation's documented domain (see its `differences`): sine
/// gives NaN where `w0·x` overflows the element type, and its f64 bound holds for |w0·x| <= 2^26.
fn outside_domain<E: Element>(act: &Activation, x: f64) -> Domain {
    if act.kind() != actfn::Kind::Sine || !x.is_finite() {
        return Domain::Inside;
    }
    let angle = (act.params()[0] * x).abs();
    let largest = if E::PRECISION == 24 { f32::MAX as f64 } else { f64::MAX };
    if angle > largest {
        Domain::Nan
    } else if E::PRECISION == 53 && angle > 2f64.powi(26) {
        Domain::Unbounded
    } else {
        Domain::Inside
    }
}

fn run_case<E: Element>(report: &mut Report, case: &Case) {
    let act = match &case.weight {
        Some(w) if case.spec == "prelu" => Activation::prelu(&decode(w)).unwrap(),
        _ => Activation::parse(&case.spec).unwrap_or_else(|e| panic!("{}: {e}", case.spec)),
    };
    let x: Vec<E> = decode(&case.x).into_iter().map(E::from_f64).collect();
    let xs = decode(&case.x);
    let g: Vec<E> = decode(&case.grad_output).into_iter().map(E::from_f64).collect();
    let out_shape = act.output_shape(&case.shape).unwrap();
    let mut y = vec![E::from_f64(0.0); out_shape.iter().product()];
    act.forward_shaped(&x, &case.shape, &mut y).unwrap();
    let mut dx = vec![E::from_f64(0.0); x.len()];
    act.backward_shaped(&x, &case.shape, &g, &mut dx).unwrap();

    let tf = case.torch_forward.as_ref().map(|v| decode(v));
    let tb = case.torch_backward.as_ref().map(|v| decode(v));
    let ctx = Ctx {
        case,
        act: &act,
        inputs: &xs,
    };
    let (fw, tfw) = check_direction(report, &ctx, "forward", &y, tf.as_deref(), &decode(&case.ref_forward));
    let (bw, tbw) = check_direction(
        report,
        &ctx,
        "backward",
        &dx,
        tb.as_deref(),
        &decode(&case.ref_backward),
    );
    let mut line = format!(
        "| {} | {} | {} | {} | {} | {} |",
        case.spec,
        E::NAME,
        fw.cell(),
        tfw.map_or("—".into(), |w| w.cell()),
        bw.cell(),
        tbw.map_or("—".into(), |w| w.cell()),
    );
    if let Some(rw) = &case.ref_grad_weight {
        let mut dw = vec![E::from_f64(0.0); act.prelu_weight().len()];
        act.prelu_weight_grad(&x, &case.shape, &g, &mut dw).unwrap();
        let tw = case.torch_grad_weight.as_ref().map(|v| decode(v));
        let ctx = Ctx { inputs: &[], ..ctx };
        let (ww, tww) = check_direction(report, &ctx, "grad_weight", &dw, tw.as_deref(), &decode(rw));
        line.push_str(&format!(
            " dw {} (PyTorch {})",
            ww.cell(),
            tww.map_or("—".into(), |w| w.cell())
        ));
    }
    report.lines.push(line);
}

fn run<E: Element>(file: &str) {
    let fixture = load(file);
    assert_eq!(fixture.dtype, E::NAME);
    assert!(
        fixture.cases.len() >= 60,
        "fixture has only {} cases",
        fixture.cases.len()
    );
    let mut problems = Vec::new();
    // Every SIMD level this CPU has, each against the same exact values.
    for level in Level::available() {
        let mut report = Report {
            lines: Vec::new(),
            failures: Vec::new(),
            undocumented: Default::default(),
        };
        actfn::simd::with_level(level, || {
            for case in &fixture.cases {
                run_case::<E>(&mut report, case);
            }
        })
        .unwrap();
        println!(
            "max ULP error against mpmath, {} at SIMD level {level} (PyTorch {})",
            E::NAME,
            fixture.torch_version
        );
        println!(
            "| spec | dtype | forward | PyTorch forward | backward | PyTorch backward |\n|---|---|---|---|---|---|"
        );
        for l in &report.lines {
            println!("{l}");
        }
        let undocumented: Vec<String> = report
            .undocumented
            .iter()
            .map(|(k, (n, x, te))| format!("{k}: {n} inputs, first x = {x:e}, PyTorch up to {te:.3e} ULP off"))
            .collect();
        problems.extend(report.failures.iter().map(|f| format!("[{level}] {f}")));
        if !undocumented.is_empty() {
            problems.push(format!(
                "[{level}] differences from PyTorch missing from Info::differences:\n{}",
                undocumented.join("\n")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn golden_f32() {
    run::<f32>("golden_f32.json");
}

#[test]
fn golden_f64() {
    run::<f64>("golden_f64.json");
}
