//! Activations written as formulas: `expr(x * sigmoid(beta * x), beta=1.5)`.
//!
//! An `expr(...)` spec is accepted wherever a spec is (the slice API through
//! [`Activation::parse`](crate::Activation::parse), the CLI, the lab, the candle ops).
//! Its derivative is derived symbolically, simplified and printable
//! ([`Expr::derivative`]), and checked against central finite differences when the
//! expression is built; its second derivative likewise where every piece has one (for
//! candle's gradients of gradients).
//!
//! # Grammar
//!
//! ```text
//! spec     := "expr(" expr ("," name "=" number)* [","] ")"      (may be quoted)
//! expr     := expr cmp expr | sum                  cmp: < <= > >= == !=  (1 or 0)
//! sum      := sum ("+" | "-") product | product
//! product  := product ("*" | "/") unary | unary
//! unary    := "-" unary | power
//! power    := atom ("^" | "**") unary | atom       (right-associative: 2^3^x = 2^(3^x))
//! atom     := number | "x" | name | "pi" | "e" | "(" expr ")" | call
//! call     := func "(" expr ("," expr)* ")"
//!           | activation ["'"] "(" expr ["," spec-args] ")"
//! func     := abs sign exp log log1p expm1 sqrt sin cos tanh erf erfc (one argument)
//!           | min max (two) | where(cond, then, else) (cond != 0 picks then)
//! activation := every registry activation that works element by element
//!           (`sigmoid(x)`, `gelu(x, approximate=tanh)`, `softplus(x, beta=2)`),
//!           and every activation registered with [`crate::custom::register`];
//!           `name'(u)` is its derivative (what the derivative prints).
//! ```
//!
//! `-x^2` is `-(x^2)`; `x^-2` is `x^(-2)`. Names of parameters are given after the
//! expression with their values (every one must be used). Domain problems follow IEEE
//! 754: `log(-1)` is NaN, `1/0` is inf; nothing panics. A NaN input gives a NaN output
//! and gradient.
//!
//! Errors point at the column: `expr(x * )` gives "expected a term at column 9";
//! unknown names suggest the nearest known one.
//!
//! ```
//! use actfn::Activation;
//! let act = Activation::parse("expr(x * sigmoid(beta * x), beta=1.5)")?;
//! let e = act.as_expr().unwrap();
//! assert_eq!(e.derivative(), "sigmoid(beta*x) + beta*x*sigmoid'(beta*x)");
//! let mut y = [0.0f64; 2];
//! act.forward(&[0.0, 2.0], &mut y)?;
//! assert!((y[1] - 2.0 / (1.0 + (-3.0f64).exp())).abs() < 1e-15);
//! assert_eq!(act.to_string(), "expr(x*sigmoid(beta*x), beta=1.5)");
//! # Ok::<(), actfn::Error>(())
//! ```

mod ast;
mod diff;
mod eval;
mod parse;

use crate::custom::Custom;
use crate::error::{Error, Result};
use ast::Node;
use eval::Program;

pub(crate) use parse::is_reserved;

/// Most tokens an expression may have (bounds the recursion of every tree walk).
const MAX_TOKENS: usize = 1000;

/// A parsed `expr(...)` activation with its symbolic derivatives, compiled.
#[derive(Clone, Debug)]
pub struct Expr {
    /// As written (printed canonically): what `Display` shows.
    body: Node,
    params: Vec<(String, f64)>,
    derivative: Node,
    second: core::result::Result<Node, String>,
    forward_prog: Program,
    derivative_prog: Program,
    second_prog: Option<Program>,
}

/// Whether `text` is an `expr(...)` spec (possibly quoted).
pub fn is_expr_spec(text: &str) -> bool {
    let t = text.trim_start().trim_start_matches(['\'', '"']).trim_start();
    t.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("expr")) && t[4..].trim_start().starts_with('(')
}

impl Expr {
    /// Parses `expr(...)`, derives and checks its derivatives, and compiles them.
    pub fn parse(text: &str) -> Result<Expr> {
        if text.len() > MAX_TOKENS * 8 || text.split(|c: char| !c.is_alphanumeric()).count() > MAX_TOKENS {
            return Err(Error::Expr {
                spec: shorten(text),
                message: format!("the expression is too long (at most {MAX_TOKENS} tokens)"),
            });
        }
        let parsed = parse::parse_spec(text)?;
        let spec = || text.trim().to_string();
        let body = parsed.body;
        let params = parsed.params;
        let forward = diff::fold_constants(&body);
        let derivative = diff::derivative(&forward).map_err(|m| Error::Expr {
            spec: spec(),
            message: m,
        })?;
        let second = if derivative.size() > 20_000 {
            Err("the derivative is too large to differentiate again".to_string())
        } else {
            diff::derivative(&derivative)
        };
        let e = Expr {
            forward_prog: Program::compile(&forward, &params),
            derivative_prog: Program::compile(&derivative, &params),
            second_prog: second.as_ref().ok().map(|d2| Program::compile(d2, &params)),
            body,
            params,
            derivative,
            second,
        };
        e.check().map_err(|m| Error::Expr {
            spec: spec(),
            message: m,
        })?;
        Ok(e)
    }

    /// The expression, printed canonically (`x*sigmoid(1.702*x)`).
    pub fn body(&self) -> String {
        self.body.to_string()
    }

    /// The parameters, in the order given.
    pub fn params(&self) -> &[(String, f64)] {
        &self.params
    }

    /// The derivative with respect to `x`, simplified (`sigmoid(x) + x*sigmoid'(x)`).
    pub fn derivative(&self) -> String {
        self.derivative.to_string()
    }

    /// The second derivative, or why there is none (a piece without one, such as
    /// `mish(x)`): the expression is then first-order only.
    pub fn second_derivative(&self) -> core::result::Result<String, String> {
        self.second.as_ref().map(Node::to_string).map_err(Clone::clone)
    }

    /// `f(x)` at one point (the vector evaluator).
    pub fn eval(&self, x: f64) -> f64 {
        let mut y = [0.0];
        self.forward_prog.run(&[x], &mut y);
        y[0]
    }

    /// `f'(x)` at one point.
    pub fn eval_derivative(&self, x: f64) -> f64 {
        let mut y = [0.0];
        self.derivative_prog.run(&[x], &mut y);
        y[0]
    }

    /// The spec that parses back to this expression.
    pub fn spec(&self) -> String {
        let mut s = format!("expr({}", self.body);
        for (n, v) in &self.params {
            s.push_str(&format!(", {n}={}", ast::number(*v)));
        }
        s.push(')');
        s
    }

    /// Central finite differences against the symbolic derivatives, at points away
    /// from kinks (where left and right differences agree).
    fn check(&self) -> core::result::Result<(), String> {
        const POINTS: [f64; 8] = [-2.7, -1.3, -0.6, -0.15, 0.35, 0.8, 1.45, 2.9];
        let check_one = |f: &Program, df: &Program, what: &str, shown: &Node| -> core::result::Result<(), String> {
            let mut xs = Vec::new();
            for &x in &POINTS {
                let h = 1e-5 * x.abs().max(1.0);
                xs.extend([x - h, x, x + h]);
            }
            let mut fx = vec![0.0; xs.len()];
            f.run(&xs, &mut fx);
            let mut d = vec![0.0; POINTS.len()];
            df.run(&POINTS, &mut d);
            for (i, &x) in POINTS.iter().enumerate() {
                let (xl, x0, xr) = (xs[3 * i], xs[3 * i + 1], xs[3 * i + 2]);
                let (fl, f0, fr) = (fx[3 * i], fx[3 * i + 1], fx[3 * i + 2]);
                if ![fl, f0, fr, d[i]].iter().all(|v| v.is_finite()) {
                    continue;
                }
                let scale = f0.abs().max(fl.abs()).max(fr.abs()).max(1.0);
                let left = (f0 - fl) / (x0 - xl);
                let right = (fr - f0) / (xr - x0);
                let central = (fr - fl) / (xr - xl);
                let tol = 1e-4 * d[i].abs().max(central.abs()).max(1.0) + 1e-9 * scale / (xr - x0);
                if (left - right).abs() > 10.0 * tol {
                    continue; // a kink or jump near x: no finite difference to compare
                }
                if (central - d[i]).abs() > tol {
                    return Err(format!(
                        "the {what} `{shown}` disagrees with finite differences at x = {x}: {} vs {} (please report this)",
                        d[i], central
                    ));
                }
            }
            Ok(())
        };
        check_one(
            &self.forward_prog,
            &self.derivative_prog,
            "derivative",
            &self.derivative,
        )?;
        if let (Some(p2), Ok(d2)) = (&self.second_prog, &self.second) {
            check_one(&self.derivative_prog, p2, "second derivative", d2)?;
        }
        Ok(())
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text.to_string()
    }
}

impl core::fmt::Display for Expr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.spec())
    }
}

impl Custom for Expr {
    fn name(&self) -> &str {
        "expr"
    }

    fn spec(&self) -> String {
        Expr::spec(self)
    }

    fn formula(&self) -> String {
        self.body()
    }

    fn derivative_formula(&self) -> Option<String> {
        Some(self.derivative())
    }

    fn second_derivative_formula(&self) -> Option<String> {
        self.second_derivative().ok()
    }

    fn forward_f64(&self, x: &[f64], y: &mut [f64]) {
        self.forward_prog.run(x, y);
    }

    fn derivative_f64(&self, x: &[f64], d: &mut [f64]) {
        self.derivative_prog.run(x, d);
    }

    fn forward_f32(&self, x: &[f32], y: &mut [f32]) {
        self.forward_prog.run(x, y);
    }

    fn derivative_f32(&self, x: &[f32], d: &mut [f32]) {
        self.derivative_prog.run(x, d);
    }

    fn has_second_derivative(&self) -> bool {
        self.second_prog.is_some()
    }

    fn second_derivative_f64(&self, x: &[f64], d2: &mut [f64]) {
        match &self.second_prog {
            Some(p) => p.run(x, d2),
            None => d2.fill(f64::NAN),
        }
    }

    fn second_derivative_f32(&self, x: &[f32], d2: &mut [f32]) {
        match &self.second_prog {
            Some(p) => p.run(x, d2),
            None => d2.fill(f32::NAN),
        }
    }

    fn is_differentiable(&self) -> bool {
        true
    }

    fn as_expr(&self) -> Option<&Expr> {
        Some(self)
    }
}

/// The expression behind a custom activation, if it is one.
pub(crate) fn downcast(c: &dyn Custom) -> Option<&Expr> {
    c.as_expr()
}

/// The body of the fuzz target (`fuzz/fuzz_targets/expr.rs`) and of its test: parse any
/// text; if it parses, evaluate it and its derivatives on awkward inputs in `f32` and
/// `f64`, and check that its spec parses back to the same expression. Panics only on a
/// bug.
#[doc(hidden)]
pub fn fuzz_one(text: &str) {
    let Ok(act) = crate::Activation::parse(text) else {
        return;
    };
    let xs = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -2.5,
        1e-300,
        -1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        3.0,
        100.0,
        -700.0,
        710.0,
    ];
    let mut y = [0.0; 16];
    let mut d = [0.0; 16];
    let _ = act.forward(&xs, &mut y);
    let _ = act.backward(&xs, &[1.0; 16], &mut d);
    let _ = act.second_derivative(&xs, &mut d);
    let xf: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
    let mut yf = vec![0.0f32; 16];
    let _ = act.forward(&xf, &mut yf);
    let _ = act.backward(&xf, &[1.0; 16], &mut yf);
    let mut inplace = xf.clone();
    let _ = act.forward_in_place(&mut inplace);
    for (i, &v) in xs.iter().enumerate() {
        assert!(!v.is_nan() || y[i].is_nan(), "{text}: NaN in, {} out", y[i]);
    }
    let spec = act.to_string();
    let back =
        crate::Activation::parse(&spec).unwrap_or_else(|e| panic!("{text}: its spec `{spec}` does not parse: {e}"));
    assert_eq!(back.to_string(), spec, "{text}: the spec does not round-trip");
}
