//! Symbolic differentiation, and the simplifying constructors it builds with.
//!
//! The constructors fold constants and apply the identities `u + 0 = u`, `u·1 = u`,
//! `u·0 = 0`, `--u = u`, `u − u = 0`, `u^1 = u`, constants first in products, ... so a
//! derivative comes out in the form a person would write (`sigmoid(x) + x*sigmoid'(x)`).
//! `u·0 = 0` ignores that `inf·0` is NaN: a derivative term that vanishes symbolically
//! stays 0 where its factor overflows, which is the mathematical limit.

use super::ast::{pow as num_pow, ActCall, Func, Node, Op};
use crate::{Activation, Kind};

fn b(n: Node) -> Box<Node> {
    Box::new(n)
}

pub(crate) fn num(v: f64) -> Node {
    Node::Num(v)
}

pub(crate) fn neg(a: Node) -> Node {
    match a {
        Node::Num(v) => num(-v),
        Node::Neg(inner) => *inner,
        Node::Bin(Op::Mul, l, r) if l.num().is_some() => mul(num(-l.num().unwrap_or(0.0)), *r),
        Node::Bin(Op::Sub, l, r) => sub(*r, *l),
        a => Node::Neg(b(a)),
    }
}

pub(crate) fn add(a: Node, c: Node) -> Node {
    match (a, c) {
        (Node::Num(x), Node::Num(y)) => num(x + y),
        (a, c) if a.is_num(0.0) => c,
        (a, c) if c.is_num(0.0) => a,
        (a, Node::Neg(c)) => sub(a, *c),
        (a, Node::Num(y)) if y < 0.0 => sub(a, num(-y)),
        (Node::Neg(a), c) => sub(c, *a),
        (a, c) if a == c => mul(num(2.0), a),
        // Sums associate to the left (so `a + (a + c)` becomes `2*a + c`).
        (a, Node::Bin(Op::Add, l, r)) => add(add(a, *l), *r),
        (a, Node::Bin(Op::Sub, l, r)) => sub(add(a, *l), *r),
        (a, c) => Node::Bin(Op::Add, b(a), b(c)),
    }
}

pub(crate) fn sub(a: Node, c: Node) -> Node {
    match (a, c) {
        (Node::Num(x), Node::Num(y)) => num(x - y),
        (a, c) if c.is_num(0.0) => a,
        (a, c) if a.is_num(0.0) => neg(c),
        (a, Node::Neg(c)) => add(a, *c),
        (a, Node::Num(y)) if y < 0.0 => add(a, num(-y)),
        (a, c) if a == c => num(0.0),
        (a, c) => Node::Bin(Op::Sub, b(a), b(c)),
    }
}

pub(crate) fn mul(a: Node, c: Node) -> Node {
    match (a, c) {
        (Node::Num(x), Node::Num(y)) => num(x * y),
        (a, c) if a.is_num(0.0) || c.is_num(0.0) => num(0.0),
        (a, c) if a.is_num(1.0) => c,
        (a, c) if c.is_num(1.0) => a,
        (a, c) if a.is_num(-1.0) => neg(c),
        (a, c) if c.is_num(-1.0) => neg(a),
        (Node::Neg(a), c) => neg(mul(*a, c)),
        (a, Node::Neg(c)) => neg(mul(a, *c)),
        // Constants first: `c·u`, and `c·(d·u) = (c·d)·u`.
        (a, Node::Num(y)) => mul(num(y), a),
        (Node::Num(x), Node::Bin(Op::Mul, l, r)) if l.num().is_some() => mul(num(x * l.num().unwrap_or(0.0)), *r),
        (Node::Num(x), Node::Bin(Op::Div, l, r)) if l.num().is_some() => div(num(x * l.num().unwrap_or(0.0)), *r),
        (a, c) if a == c => pow(a, num(2.0)),
        // Parameters next (`beta*x`), and products associate to the left.
        (a, Node::Param(p)) if !matches!(a, Node::Param(_) | Node::Num(_) | Node::Bin(Op::Mul, ..)) => {
            mul(Node::Param(p), a)
        }
        (a, Node::Bin(Op::Mul, l, r)) => mul(mul(a, *l), *r),
        (a, c) => Node::Bin(Op::Mul, b(a), b(c)),
    }
}

pub(crate) fn div(a: Node, c: Node) -> Node {
    match (a, c) {
        (Node::Num(x), Node::Num(y)) => num(x / y),
        (a, _) if a.is_num(0.0) => num(0.0),
        (a, c) if c.is_num(1.0) => a,
        (a, c) if c.is_num(-1.0) => neg(a),
        (Node::Neg(a), c) => neg(div(*a, c)),
        (a, Node::Neg(c)) => neg(div(a, *c)),
        (a, c) => Node::Bin(Op::Div, b(a), b(c)),
    }
}

pub(crate) fn pow(a: Node, c: Node) -> Node {
    match (a, c) {
        (Node::Num(x), Node::Num(y)) => num(num_pow(x, y)),
        (a, c) if c.is_num(1.0) => a,
        (_, c) if c.is_num(0.0) => num(1.0),
        (a, _) if a.is_num(1.0) => num(1.0),
        (a, c) => Node::Bin(Op::Pow, b(a), b(c)),
    }
}

pub(crate) fn bin(op: Op, a: Node, c: Node) -> Node {
    match op {
        Op::Add => add(a, c),
        Op::Sub => sub(a, c),
        Op::Mul => mul(a, c),
        Op::Div => div(a, c),
        Op::Pow => pow(a, c),
        _ => match (a.num(), c.num()) {
            (Some(x), Some(y)) => num(op.apply(x, y)),
            _ => Node::Bin(op, b(a), b(c)),
        },
    }
}

pub(crate) fn call(f: Func, args: Vec<Node>) -> Node {
    if f == Func::Where {
        if let Some(c) = args[0].num() {
            let mut args = args;
            return if c != 0.0 {
                args.swap_remove(1)
            } else {
                args.swap_remove(2)
            };
        }
        if args[1] == args[2] {
            let mut args = args;
            return args.swap_remove(1);
        }
    }
    let values: Option<Vec<f64>> = args.iter().map(Node::num).collect();
    match values {
        Some(v) => num(f.apply(&v)),
        None => Node::Call(f, args),
    }
}

fn call1(f: Func, a: Node) -> Node {
    call(f, vec![a])
}

pub(crate) fn act(act: Activation, order: u8, arg: Node) -> Node {
    if let Some(v) = arg.num() {
        let folded = super::eval::act_scalar(&act, order, v);
        if folded.is_finite() {
            return num(folded);
        }
    }
    Node::Act(Box::new(ActCall { act, order }), b(arg))
}

/// Only the subtrees without `x` or parameters folded to numbers (`sqrt(2/pi)`): the
/// forward keeps every IEEE effect of what was written (`x - x` is NaN at inf).
pub(crate) fn fold_constants(n: &Node) -> Node {
    let constant = |n: &Node| {
        !n.has_x() && {
            let mut params = false;
            n.visit_params(&mut |p| params |= super::ast::constant(p).is_none());
            !params
        }
    };
    if constant(n) && !matches!(n, Node::Num(_)) {
        return num(super::eval::scalar(n, 0.0, &[]));
    }
    match n {
        Node::X | Node::Num(_) | Node::Param(_) => n.clone(),
        Node::Neg(a) => Node::Neg(b(fold_constants(a))),
        Node::Bin(op, a, c) => Node::Bin(*op, b(fold_constants(a)), b(fold_constants(c))),
        Node::Call(f, args) => Node::Call(*f, args.iter().map(fold_constants).collect()),
        Node::Act(c, a) => Node::Act(c.clone(), b(fold_constants(a))),
    }
}

/// `d n / d x`, simplified; an error names what has no derivative here.
pub(crate) fn derivative(n: &Node) -> Result<Node, String> {
    Ok(match n {
        Node::X => num(1.0),
        Node::Num(_) | Node::Param(_) => num(0.0),
        Node::Neg(a) => neg(derivative(a)?),
        Node::Bin(op, u, v) => {
            let (u, v) = (&**u, &**v);
            match op {
                Op::Add => add(derivative(u)?, derivative(v)?),
                Op::Sub => sub(derivative(u)?, derivative(v)?),
                Op::Mul => add(mul(derivative(u)?, v.clone()), mul(u.clone(), derivative(v)?)),
                Op::Div => {
                    let (du, dv) = (derivative(u)?, derivative(v)?);
                    if dv.is_num(0.0) {
                        div(du, v.clone())
                    } else {
                        sub(div(du, v.clone()), div(mul(u.clone(), dv), pow(v.clone(), num(2.0))))
                    }
                }
                Op::Pow => {
                    let (du, dv) = (derivative(u)?, derivative(v)?);
                    if dv.is_num(0.0) {
                        // c·u^(c−1)·u'
                        let lowered = match v.num() {
                            Some(c) => num(c - 1.0),
                            None => sub(v.clone(), num(1.0)),
                        };
                        mul(mul(v.clone(), pow(u.clone(), lowered)), du)
                    } else {
                        // u^v·(v'·log u + v·u'/u)
                        let inner = add(mul(dv, call1(Func::Log, u.clone())), div(mul(v.clone(), du), u.clone()));
                        mul(pow(u.clone(), v.clone()), inner)
                    }
                }
                // Comparisons are piecewise constant.
                _ => num(0.0),
            }
        }
        Node::Call(f, args) => {
            let u = &args[0];
            let chain = |outer: Node| -> Result<Node, String> { Ok(mul(outer, derivative(u)?)) };
            match f {
                Func::Abs => chain(call1(Func::Sign, u.clone()))?,
                Func::Sign => num(0.0),
                Func::Min | Func::Max => {
                    let op = if *f == Func::Min { Op::Le } else { Op::Ge };
                    let c = bin(op, args[0].clone(), args[1].clone());
                    call(Func::Where, vec![c, derivative(&args[0])?, derivative(&args[1])?])
                }
                Func::Exp | Func::Expm1 => chain(call1(Func::Exp, u.clone()))?,
                Func::Log => div(derivative(u)?, u.clone()),
                Func::Log1p => div(derivative(u)?, add(num(1.0), u.clone())),
                Func::Sqrt => div(derivative(u)?, mul(num(2.0), call1(Func::Sqrt, u.clone()))),
                Func::Sin => chain(call1(Func::Cos, u.clone()))?,
                Func::Cos => neg(chain(call1(Func::Sin, u.clone()))?),
                Func::Tanh => chain(sub(num(1.0), pow(call1(Func::Tanh, u.clone()), num(2.0))))?,
                Func::Erf | Func::Erfc => {
                    let d = mul(
                        num(2.0 / core::f64::consts::PI.sqrt()),
                        call1(Func::Exp, neg(pow(u.clone(), num(2.0)))),
                    );
                    let d = chain(d)?;
                    if *f == Func::Erf {
                        d
                    } else {
                        neg(d)
                    }
                }
                Func::Where => call(
                    Func::Where,
                    vec![args[0].clone(), derivative(&args[1])?, derivative(&args[2])?],
                ),
            }
        }
        Node::Act(c, u) => {
            let du = derivative(u)?;
            if du.is_num(0.0) {
                return Ok(num(0.0));
            }
            let outer = match c.order {
                0 => act(c.act.clone(), 1, (**u).clone()),
                1 => second(&c.act, u)?,
                _ => {
                    return Err(format!(
                        "{} has no third derivative",
                        c.act
                            .as_custom()
                            .map_or(c.act.name().to_string(), |c| c.name().to_string())
                    ))
                }
            };
            mul(outer, du)
        }
    })
}

/// `f''(u)` of a registry activation, written with actfn's `f` and `f'` kernels.
fn second(a: &Activation, u: &Node) -> Result<Node, String> {
    let named = |k: Kind| Activation::new(k).expect("defaults");
    let sig = named(Kind::Sigmoid);
    let s = |arg: Node| act(sig.clone(), 0, arg);
    let ds = |arg: Node| act(sig.clone(), 1, arg);
    let p = |i: usize| a.params()[i];
    let u = u.clone();
    Ok(match a.kind() {
        // σ'·(1 − 2σ)
        Kind::Sigmoid => mul(ds(u.clone()), sub(num(1.0), mul(num(2.0), s(u)))),
        // −2·tanh·tanh'
        Kind::Tanh => mul(num(-2.0), mul(act(a.clone(), 0, u.clone()), act(a.clone(), 1, u))),
        // σ'·(2 + u(1 − 2σ))
        Kind::Silu => mul(
            ds(u.clone()),
            add(num(2.0), mul(u.clone(), sub(num(1.0), mul(num(2.0), s(u))))),
        ),
        // β·σ'(βu) below the threshold, 0 above (where the softplus is linear)
        Kind::Softplus => {
            let z = mul(num(p(0)), u);
            call(
                Func::Where,
                vec![
                    bin(Op::Gt, z.clone(), num(p(1))),
                    num(0.0),
                    mul(num(p(0)), ds(z)),
                ],
            )
        }
        Kind::LogSigmoid => neg(ds(u)),
        // φ(u)·(2 − u²) for the erf GELU
        Kind::Gelu if p(0) == 0.0 => mul(
            mul(
                num(1.0 / (2.0 * core::f64::consts::PI).sqrt()),
                call1(Func::Exp, mul(num(-0.5), pow(u.clone(), num(2.0)))),
            ),
            sub(num(2.0), pow(u, num(2.0))),
        ),
        Kind::Elu => call(
            Func::Where,
            vec![
                bin(Op::Gt, u.clone(), num(0.0)),
                num(0.0),
                mul(num(p(0)), call1(Func::Exp, u)),
            ],
        ),
        Kind::Sine => mul(num(-p(0) * p(0)), act(a.clone(), 0, u)),
        // Piecewise linear: f'' = 0 away from the kinks.
        k if k.is_piecewise_linear() => num(0.0),
        Kind::Custom => match a.as_custom() {
            Some(c) if c.has_second_derivative() => act(a.clone(), 2, u),
            _ => return Err(format!("{} has no second derivative", a.label())),
        },
        _ => {
            return Err(format!(
                "{}'s second derivative is not available inside expr (write it with elementary functions for a second derivative)",
                a.name()
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        let p = super::super::parse::parse_spec(s).unwrap();
        derivative(&p.body).unwrap().to_string()
    }

    #[test]
    fn derivatives_print_simplified() {
        assert_eq!(d("expr(x * sigmoid(x))"), "sigmoid(x) + x*sigmoid'(x)");
        assert_eq!(
            d("expr(x * sigmoid(1.702 * x))"),
            "sigmoid(1.702*x) + 1.702*x*sigmoid'(1.702*x)"
        );
        assert_eq!(d("expr(where(x > 0, x, 0.1 * x))"), "where(x > 0, 1, 0.1)");
        assert_eq!(
            d("expr(x * sigmoid(beta * x), beta=1.5)"),
            "sigmoid(beta*x) + beta*x*sigmoid'(beta*x)"
        );
        assert_eq!(d("expr(x^3)"), "3*x^2");
        assert_eq!(d("expr(exp(-x))"), "-exp(-x)");
        assert_eq!(d("expr(log(x))"), "1/x");
        assert_eq!(d("expr(2^x)"), "0.6931471805599453*2^x");
    }
}
