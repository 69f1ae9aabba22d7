//! The expression tree and its printer.

use core::fmt;

use crate::Activation;

/// Binary operators: arithmetic, then comparisons (which give 1 or 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Pow => "^",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    pub(crate) fn is_comparison(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne)
    }

    /// Binding power of the operator (higher binds tighter).
    pub(crate) fn precedence(self) -> u8 {
        match self {
            Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne => 1,
            Op::Add | Op::Sub => 2,
            Op::Mul | Op::Div => 3,
            Op::Pow => 5,
        }
    }

    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        let truth = |t: bool| if t { 1.0 } else { 0.0 };
        match self {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul => a * b,
            Op::Div => a / b,
            Op::Pow => pow(a, b),
            Op::Lt => truth(a < b),
            Op::Le => truth(a <= b),
            Op::Gt => truth(a > b),
            Op::Ge => truth(a >= b),
            Op::Eq => truth(a == b),
            Op::Ne => truth(a != b),
        }
    }
}

/// `a^b`, with small integer powers by multiplication (exact for `x^2`, `x^3`).
pub(crate) fn pow(a: f64, b: f64) -> f64 {
    if b.fract() == 0.0 && b.abs() <= 16.0 {
        let mut r = 1.0;
        for _ in 0..b.abs() as u32 {
            r *= a;
        }
        if b < 0.0 {
            1.0 / r
        } else {
            r
        }
    } else {
        a.powf(b)
    }
}

/// The elementary functions (and `where`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    Abs,
    Sign,
    Min,
    Max,
    Exp,
    Log,
    Log1p,
    Expm1,
    Sqrt,
    Sin,
    Cos,
    Tanh,
    Erf,
    Erfc,
    Where,
}

impl Func {
    pub(crate) const ALL: &'static [Func] = &[
        Func::Abs,
        Func::Sign,
        Func::Min,
        Func::Max,
        Func::Exp,
        Func::Log,
        Func::Log1p,
        Func::Expm1,
        Func::Sqrt,
        Func::Sin,
        Func::Cos,
        Func::Tanh,
        Func::Erf,
        Func::Erfc,
        Func::Where,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::Abs => "abs",
            Func::Sign => "sign",
            Func::Min => "min",
            Func::Max => "max",
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Log1p => "log1p",
            Func::Expm1 => "expm1",
            Func::Sqrt => "sqrt",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tanh => "tanh",
            Func::Erf => "erf",
            Func::Erfc => "erfc",
            Func::Where => "where",
        }
    }

    pub(crate) fn arity(self) -> usize {
        match self {
            Func::Min | Func::Max => 2,
            Func::Where => 3,
            _ => 1,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Func> {
        Func::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The scalar value (the reference the vector evaluator is checked against).
    pub(crate) fn apply(self, a: &[f64]) -> f64 {
        match self {
            Func::Abs => a[0].abs(),
            Func::Sign => {
                if a[0] > 0.0 {
                    1.0
                } else if a[0] < 0.0 {
                    -1.0
                } else {
                    a[0]
                }
            }
            Func::Min => {
                if a[0].is_nan() || a[1].is_nan() {
                    f64::NAN
                } else {
                    a[0].min(a[1])
                }
            }
            Func::Max => {
                if a[0].is_nan() || a[1].is_nan() {
                    f64::NAN
                } else {
                    a[0].max(a[1])
                }
            }
            Func::Exp => a[0].exp(),
            Func::Log => a[0].ln(),
            Func::Log1p => a[0].ln_1p(),
            Func::Expm1 => a[0].exp_m1(),
            Func::Sqrt => a[0].sqrt(),
            Func::Sin => a[0].sin(),
            Func::Cos => a[0].cos(),
            Func::Tanh => a[0].tanh(),
            Func::Erf => actfn_math::Real::erf(a[0]),
            Func::Erfc => actfn_math::Real::erfc(a[0]),
            Func::Where => {
                if a[0] != 0.0 {
                    a[1]
                } else {
                    a[2]
                }
            }
        }
    }
}

/// A registry (or registered custom) activation applied to an argument: `f` (order 0),
/// `f'` (order 1, printed `name'(...)`) or `f''` (order 2, customs only).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ActCall {
    pub act: Activation,
    pub order: u8,
}

/// An expression of `x`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    X,
    Num(f64),
    /// A named parameter (`beta`), or the constants `pi` and `e` (folded at once).
    Param(String),
    Neg(Box<Node>),
    Bin(Op, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
    Act(Box<ActCall>, Box<Node>),
}

impl Node {
    pub(crate) fn num(&self) -> Option<f64> {
        match self {
            Node::Num(v) => Some(*v),
            _ => None,
        }
    }

    pub(crate) fn is_num(&self, v: f64) -> bool {
        self.num() == Some(v)
    }

    /// Binding power for printing: how tightly the node holds together.
    fn precedence(&self) -> u8 {
        match self {
            Node::Num(v) if *v < 0.0 || (*v == 0.0 && v.is_sign_negative()) => 4,
            Node::Neg(_) => 4,
            Node::Bin(op, ..) => op.precedence(),
            _ => 9,
        }
    }

    /// Whether the node uses `x`.
    pub(crate) fn has_x(&self) -> bool {
        match self {
            Node::X => true,
            Node::Num(_) | Node::Param(_) => false,
            Node::Neg(a) => a.has_x(),
            Node::Bin(_, a, b) => a.has_x() || b.has_x(),
            Node::Call(_, args) => args.iter().any(Node::has_x),
            Node::Act(_, a) => a.has_x(),
        }
    }

    /// Calls `f` on every parameter name used.
    pub(crate) fn visit_params(&self, f: &mut impl FnMut(&str)) {
        match self {
            Node::Param(p) => f(p),
            Node::X | Node::Num(_) => {}
            Node::Neg(a) | Node::Act(_, a) => a.visit_params(f),
            Node::Bin(_, a, b) => {
                a.visit_params(f);
                b.visit_params(f);
            }
            Node::Call(_, args) => args.iter().for_each(|a| a.visit_params(f)),
        }
    }

    /// Number of nodes (bounds the work of the simplifier and the fuzzer).
    pub(crate) fn size(&self) -> usize {
        match self {
            Node::X | Node::Num(_) | Node::Param(_) => 1,
            Node::Neg(a) | Node::Act(_, a) => 1 + a.size(),
            Node::Bin(_, a, b) => 1 + a.size() + b.size(),
            Node::Call(_, args) => 1 + args.iter().map(Node::size).sum::<usize>(),
        }
    }
}

/// The value of the named constants `pi` and `e`.
pub(crate) fn constant(name: &str) -> Option<f64> {
    match name {
        "pi" => Some(core::f64::consts::PI),
        "e" => Some(core::f64::consts::E),
        _ => None,
    }
}

/// A number as the printer writes it: the shortest text that reads back to it.
pub(crate) fn number(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let plain = format!("{v}");
    let exp = format!("{v:e}");
    if plain.len() <= exp.len() + 2 {
        plain
    } else {
        exp
    }
}

fn write_child(f: &mut fmt::Formatter<'_>, child: &Node, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({child})")
    } else {
        write!(f, "{child}")
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::X => f.write_str("x"),
            Node::Num(v) => f.write_str(&number(*v)),
            Node::Param(p) => f.write_str(p),
            Node::Neg(a) => {
                f.write_str("-")?;
                // `-(a + b)`, `-(-a)`, `-(a*b)`: keep what the tree says.
                write_child(f, a, a.precedence() <= 4)
            }
            Node::Bin(op, a, b) => {
                let p = op.precedence();
                if *op == Op::Pow {
                    // Right-associative: the base needs parens unless it is an atom.
                    write_child(f, a, a.precedence() <= p)?;
                    f.write_str("^")?;
                    return write_child(f, b, b.precedence() < p);
                }
                // Left-associative: the right operand needs parens at equal precedence;
                // comparisons do not chain.
                let left = a.precedence() < p || (op.is_comparison() && a.precedence() == p);
                write_child(f, a, left)?;
                match op {
                    Op::Mul | Op::Div => f.write_str(op.symbol())?,
                    _ => write!(f, " {} ", op.symbol())?,
                }
                write_child(f, b, b.precedence() <= p)
            }
            Node::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Node::Act(call, arg) => {
                let spec = call.act.to_string();
                let primes = "'".repeat(call.order as usize);
                match spec.find('(') {
                    Some(i) if spec.ends_with(')') => {
                        write!(f, "{}{primes}({arg}, {})", &spec[..i], &spec[i + 1..spec.len() - 1])
                    }
                    _ => write!(f, "{spec}{primes}({arg})"),
                }
            }
        }
    }
}
