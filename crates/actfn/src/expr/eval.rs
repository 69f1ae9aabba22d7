//! Evaluation: a scalar reference, and the vector evaluator.
//!
//! An expression compiles to a straight-line program (one instruction per distinct
//! subtree: `sigmoid(x)` used twice is computed once). The evaluator runs the program a
//! block of [`BLOCK`] elements at a time: each instruction fills one block-sized
//! register, in `f64` SIMD vectors of the current level (actfn-math's lane types, the
//! same `exp`/`tanh`/`erf`... the built-in kernels use); a built-in activation inside the
//! expression runs its own slice kernel over the block. `f32` slices are widened to
//! `f64` per block and rounded once at the end. Slices longer than
//! [`actfn_math::drive::PAR_MIN_LEN`] are split over the rayon pool.

use std::collections::HashMap;

use actfn_math::drive::PAR_MIN_LEN;
use actfn_math::simd::{self, LaneTask, Lanes};
use actfn_math::{Element, Real};
use rayon::prelude::*;

use super::ast::{pow as num_pow, Func, Node, Op};
use crate::Activation;

/// Elements per block (a multiple of every vector width).
pub(crate) const BLOCK: usize = 256;

/// `f(v)`, `f'(v)` or `f''(v)` of an activation at one point.
pub(crate) fn act_scalar(act: &Activation, order: u8, v: f64) -> f64 {
    let mut out = [f64::NAN];
    let ok = match order {
        0 => act.forward(&[v], &mut out).is_ok(),
        1 => act.backward(&[v], &[1.0], &mut out).is_ok(),
        _ => act.second_derivative(&[v], &mut out).is_ok(),
    };
    if ok {
        out[0]
    } else {
        f64::NAN
    }
}

/// The value of `n` at `x` (parameters by name; unknown ones are NaN).
pub(crate) fn scalar(n: &Node, x: f64, params: &[(String, f64)]) -> f64 {
    match n {
        Node::X => x,
        Node::Num(v) => *v,
        Node::Param(p) => param(p, params),
        Node::Neg(a) => -scalar(a, x, params),
        Node::Bin(op, a, b) => op.apply(scalar(a, x, params), scalar(b, x, params)),
        Node::Call(f, args) => {
            let v: Vec<f64> = args.iter().map(|a| scalar(a, x, params)).collect();
            f.apply(&v)
        }
        Node::Act(c, a) => act_scalar(&c.act, c.order, scalar(a, x, params)),
    }
}

/// A parameter's value, or a named constant's.
fn param(name: &str, params: &[(String, f64)]) -> f64 {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .or_else(|| super::ast::constant(name))
        .unwrap_or(f64::NAN)
}

#[derive(Clone, Debug)]
enum Inst {
    X,
    Const(f64),
    Neg(usize),
    Bin(Op, usize, usize),
    /// `a^n` for a small integer `n`, by multiplication.
    PowI(usize, i32),
    Call(Func, [usize; 3]),
    Act(Activation, u8, usize),
}

/// A compiled expression: instructions in dependency order; the last is the result.
#[derive(Clone, Debug)]
pub(crate) struct Program {
    insts: Vec<Inst>,
}

impl Program {
    pub(crate) fn compile(n: &Node, params: &[(String, f64)]) -> Program {
        let mut c = Compiler {
            insts: vec![Inst::X],
            seen: HashMap::new(),
            params,
        };
        c.seen.insert("x".to_string(), 0);
        let out = c.node(n);
        if out != c.insts.len() - 1 {
            // The result is an earlier register (`expr(x)`): copy it to the end.
            let one = c.constant(1.0);
            c.insts.push(Inst::Bin(Op::Mul, out, one));
        }
        Program { insts: c.insts }
    }

    /// `y = f(x)` over a slice (NaN in, NaN out).
    pub(crate) fn run<E: Element>(&self, x: &[E], y: &mut [E]) {
        let level = simd::level();
        if x.len() < PAR_MIN_LEN {
            return simd::dispatch::<f64, _>(level, Task { prog: self, x, y });
        }
        let chunk = (x.len().div_ceil(rayon::current_num_threads().max(1))).next_multiple_of(BLOCK);
        x.par_chunks(chunk).zip(y.par_chunks_mut(chunk)).for_each(|(x, y)| {
            // Take the caller's level (and any override) into the worker.
            let _ = simd::with_level(level, || simd::dispatch::<f64, _>(level, Task { prog: self, x, y }));
        });
    }
}

struct Compiler<'a> {
    insts: Vec<Inst>,
    seen: HashMap<String, usize>,
    params: &'a [(String, f64)],
}

impl Compiler<'_> {
    fn push(&mut self, key: String, inst: Inst) -> usize {
        if let Some(&r) = self.seen.get(&key) {
            return r;
        }
        self.insts.push(inst);
        let r = self.insts.len() - 1;
        self.seen.insert(key, r);
        r
    }

    fn constant(&mut self, v: f64) -> usize {
        self.push(format!("#{:x}", v.to_bits()), Inst::Const(v))
    }

    fn node(&mut self, n: &Node) -> usize {
        match n {
            Node::X => 0,
            Node::Num(v) => self.constant(*v),
            Node::Param(p) => {
                let v = param(p, self.params);
                self.constant(v)
            }
            _ => {
                let key = n.to_string();
                if let Some(&r) = self.seen.get(&key) {
                    return r;
                }
                let inst = match n {
                    Node::Neg(a) => Inst::Neg(self.node(a)),
                    Node::Bin(Op::Pow, a, b) if matches!(**b, Node::Num(e) if e.fract() == 0.0 && e.abs() <= 16.0) => {
                        let e = b.num().unwrap_or(1.0) as i32;
                        Inst::PowI(self.node(a), e)
                    }
                    Node::Bin(op, a, b) => {
                        let (a, b) = (self.node(a), self.node(b));
                        Inst::Bin(*op, a, b)
                    }
                    Node::Call(f, args) => {
                        let mut regs = [0usize; 3];
                        for (r, a) in regs.iter_mut().zip(args) {
                            *r = self.node(a);
                        }
                        Inst::Call(*f, regs)
                    }
                    Node::Act(c, a) => Inst::Act(c.act.clone(), c.order, self.node(a)),
                    Node::X | Node::Num(_) | Node::Param(_) => unreachable!("handled above"),
                };
                self.push(key, inst)
            }
        }
    }
}

struct Task<'a, E> {
    prog: &'a Program,
    x: &'a [E],
    y: &'a mut [E],
}

impl<E: Element> LaneTask<f64> for Task<'_, E> {
    type Output = ();
    fn run<L: Lanes<f64>>(self) {
        let n_regs = self.prog.insts.len();
        let mut regs = vec![0.0f64; n_regs * BLOCK];
        // Constants once.
        for (i, inst) in self.prog.insts.iter().enumerate() {
            if let Inst::Const(v) = inst {
                regs[i * BLOCK..(i + 1) * BLOCK].fill(*v);
            }
        }
        let prog = self.prog;
        L::vectorize(
            #[inline(always)]
            || {
                for (xc, yc) in self.x.chunks(BLOCK).zip(self.y.chunks_mut(BLOCK)) {
                    let n = xc.len();
                    // Registers are computed over the block rounded up to a whole vector.
                    let len = n.next_multiple_of(simd::MAX_WIDTH).min(BLOCK);
                    for (r, v) in regs[..n].iter_mut().zip(xc) {
                        *r = v.to_f64();
                    }
                    regs[n..len].fill(0.0);
                    for (i, inst) in prog.insts.iter().enumerate().skip(1) {
                        exec::<L>(inst, i, &mut regs, len);
                    }
                    let out = &regs[(n_regs - 1) * BLOCK..];
                    for ((y, &v), &x) in yc.iter_mut().zip(out).zip(&regs[..n]) {
                        // NaN in, NaN out (a `where` would otherwise hide it).
                        *y = E::from_f64(if x.is_nan() { x } else { v });
                    }
                }
            },
        );
    }
}

static ONES: [f64; BLOCK] = [1.0; BLOCK];

#[inline(always)]
fn map1<L: Lanes<f64>>(a: &[f64], out: &mut [f64], f: impl Fn(L) -> L) {
    // Each loop is compiled with the level's CPU features (the lane functions are only
    // fast when inlined into such a context).
    L::vectorize(
        #[inline(always)]
        || {
            for (a, o) in a.chunks_exact(L::WIDTH).zip(out.chunks_exact_mut(L::WIDTH)) {
                f(L::load(a)).store(o);
            }
        },
    )
}

#[inline(always)]
fn map2<L: Lanes<f64>>(a: &[f64], b: &[f64], out: &mut [f64], f: impl Fn(L, L) -> L) {
    L::vectorize(
        #[inline(always)]
        || {
            for ((a, b), o) in a
                .chunks_exact(L::WIDTH)
                .zip(b.chunks_exact(L::WIDTH))
                .zip(out.chunks_exact_mut(L::WIDTH))
            {
                f(L::load(a), L::load(b)).store(o);
            }
        },
    )
}

#[inline(always)]
fn truth<L: Real>(m: L::Mask) -> L {
    L::select(m, L::splat(1.0), L::splat(0.0))
}

#[inline(always)]
fn exec<L: Lanes<f64>>(inst: &Inst, i: usize, regs: &mut [f64], len: usize) {
    let (lo, hi) = regs.split_at_mut(i * BLOCK);
    let out = &mut hi[..len];
    let r = |k: usize| &lo[k * BLOCK..k * BLOCK + len];
    match inst {
        Inst::X | Inst::Const(_) => {}
        Inst::Neg(a) => map1::<L>(r(*a), out, |v| -v),
        Inst::PowI(a, e) => {
            let e = *e;
            map1::<L>(r(*a), out, |v| {
                let mut acc = L::splat(1.0);
                for _ in 0..e.unsigned_abs() {
                    acc = acc * v;
                }
                if e < 0 {
                    L::splat(1.0) / acc
                } else {
                    acc
                }
            })
        }
        Inst::Bin(op, a, b) => {
            let (a, b) = (r(*a), r(*b));
            match op {
                Op::Add => map2::<L>(a, b, out, |p, q| p + q),
                Op::Sub => map2::<L>(a, b, out, |p, q| p - q),
                Op::Mul => map2::<L>(a, b, out, |p, q| p * q),
                Op::Div => map2::<L>(a, b, out, |p, q| p / q),
                Op::Pow => {
                    for ((o, &p), &q) in out.iter_mut().zip(a).zip(b) {
                        *o = num_pow(p, q);
                    }
                }
                Op::Lt => map2::<L>(a, b, out, |p, q| truth::<L>(p.lt(q))),
                Op::Le => map2::<L>(a, b, out, |p, q| truth::<L>(p.le(q))),
                Op::Gt => map2::<L>(a, b, out, |p, q| truth::<L>(p.gt(q))),
                Op::Ge => map2::<L>(a, b, out, |p, q| truth::<L>(p.ge(q))),
                Op::Eq => map2::<L>(a, b, out, |p, q| truth::<L>(p.eq(q))),
                Op::Ne => map2::<L>(a, b, out, |p, q| truth::<L>(!p.eq(q))),
            }
        }
        Inst::Call(f, [a, b, c]) => {
            let a = r(*a);
            match f {
                Func::Abs => map1::<L>(a, out, |v| v.abs()),
                Func::Sign => map1::<L>(a, out, |v| {
                    let one = L::splat(1.0);
                    L::select(v.gt(L::splat(0.0)), one, L::select(v.lt(L::splat(0.0)), -one, v))
                }),
                Func::Min => map2::<L>(a, r(*b), out, |p, q| p.min_nan(q)),
                Func::Max => map2::<L>(a, r(*b), out, |p, q| p.max_nan(q)),
                Func::Exp => map1::<L>(a, out, |v| v.exp()),
                Func::Log => map1::<L>(a, out, |v| v.ln()),
                Func::Log1p => map1::<L>(a, out, |v| v.ln_1p()),
                Func::Expm1 => map1::<L>(a, out, |v| v.exp_m1()),
                Func::Sqrt => map1::<L>(a, out, |v| v.sqrt()),
                Func::Sin => map1::<L>(a, out, |v| v.sin()),
                Func::Cos => map1::<L>(a, out, |v| v.cos()),
                Func::Tanh => map1::<L>(a, out, |v| v.tanh()),
                Func::Erf => map1::<L>(a, out, |v| v.erf()),
                Func::Erfc => map1::<L>(a, out, |v| v.erfc()),
                Func::Where => {
                    let (t, e) = (r(*b), r(*c));
                    for (((o, c), t), e) in out
                        .chunks_exact_mut(L::WIDTH)
                        .zip(a.chunks_exact(L::WIDTH))
                        .zip(t.chunks_exact(L::WIDTH))
                        .zip(e.chunks_exact(L::WIDTH))
                    {
                        let c = L::load(c);
                        L::select(c.eq(L::splat(0.0)), L::load(e), L::load(t)).store(o);
                    }
                }
            }
        }
        Inst::Act(act, order, a) => {
            let a = r(*a);
            let ok = match order {
                0 => act.forward(a, out).is_ok(),
                1 => act.backward(a, &ONES[..len], out).is_ok(),
                _ => act.second_derivative(a, out).is_ok(),
            };
            if !ok {
                out.fill(f64::NAN);
            }
        }
    }
}
