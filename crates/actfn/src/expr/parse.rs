//! Lexer (tokens with their columns) and Pratt parser of `expr(...)` specs.

use super::ast::{ActCall, Func, Node, Op};
use crate::error::{Error, Result};
use crate::registry::edit_distance;
use crate::{Activation, Kind, OpShape};

/// Deepest nesting accepted (parentheses, calls, unary minus): keeps the recursive
/// parser, printer and differentiator far from the stack's end on any input.
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    /// A quoted string (only inside an activation's parameters: `approximate='tanh'`).
    Str,
    Sym(&'static str),
    /// A character the grammar has no use for.
    Other(char),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    /// 1-based column of the first character, and of the character after the last.
    col: usize,
    end: usize,
    /// Byte offsets in the text.
    start_byte: usize,
    end_byte: usize,
}

/// In a group whose tokens start at `from` (inside an open `(` or `[`): the index of the
/// `)` or `]` that closes it, nested groups skipped, and the commas at its top level.
fn group_end(toks: &[Token], from: usize) -> (Option<usize>, Vec<usize>) {
    let mut depth = 0i32;
    let mut commas = Vec::new();
    for (i, t) in toks.iter().enumerate().skip(from) {
        match t.tok {
            Tok::Sym("(") | Tok::Sym("[") => depth += 1,
            Tok::Sym(")") | Tok::Sym("]") if depth == 0 => return (Some(i), commas),
            Tok::Sym(")") | Tok::Sym("]") => depth -= 1,
            Tok::Sym(",") if depth == 0 => commas.push(i),
            _ => {}
        }
    }
    (None, commas)
}

const SYMBOLS: &[&str] = &[
    "**", "<=", ">=", "==", "!=", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "=", "[", "]", "'",
];

fn lex(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.1.is_ascii_digit())) {
            while i < chars.len() && (chars[i].1.is_ascii_digit() || chars[i].1 == '.' || chars[i].1 == '_') {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i].1, 'e' | 'E') {
                let mut j = i + 1;
                if j < chars.len() && matches!(chars[j].1, '+' | '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].1.is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].1.is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s: String = chars[start..i].iter().map(|&(_, c)| c).filter(|&c| c != '_').collect();
            match s.parse::<f64>() {
                Ok(v) => Tok::Num(v),
                Err(_) => {
                    return Err(Error::Syntax {
                        spec: text.to_string(),
                        column: start + 1,
                        message: format!("`{s}` is not a number"),
                    })
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().map(|&(_, c)| c).collect())
        } else if c == '"' || (c == '\'' && out_is_param_value(&out)) {
            i += 1;
            while i < chars.len() && chars[i].1 != c {
                i += 1;
            }
            if i == chars.len() {
                return Err(Error::Syntax {
                    spec: text.to_string(),
                    column: start + 1,
                    message: format!("unclosed {c}"),
                });
            }
            i += 1;
            Tok::Str
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().map(|&(_, c)| c).collect();
            match SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
                Some(s) => {
                    i += s.chars().count();
                    Tok::Sym(s)
                }
                None => {
                    i += 1;
                    Tok::Other(c)
                }
            }
        };
        out.push(Token {
            tok,
            col: start + 1,
            end: i + 1,
            start_byte: byte_at(start),
            end_byte: byte_at(i),
        });
    }
    Ok(out)
}

/// `text` with quotes around the whole of it (a shell left them) blanked out, so that
/// columns stay those of `text`.
fn unquote(text: &str) -> String {
    let t = text.trim();
    let lead = text.len() - text.trim_start().len();
    let quoted =
        t.len() >= 2 && ((t.starts_with('\'') && t.ends_with('\'')) || (t.starts_with('"') && t.ends_with('"')));
    if !quoted {
        return text.to_string();
    }
    let mut s = text.to_string();
    s.replace_range(lead..lead + 1, " ");
    s.replace_range(lead + t.len() - 1..lead + t.len(), " ");
    s
}

/// A `'` after `=` opens a string (`approximate='tanh'`); elsewhere it is a prime.
fn out_is_param_value(out: &[Token]) -> bool {
    out.last().is_some_and(|t| t.tok == Tok::Sym("="))
}

/// A parsed `expr(...)`: the body and the parameters in the order given.
pub(crate) struct Parsed {
    pub body: Node,
    pub params: Vec<(String, f64)>,
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Parameter names given after the body (known before the body is parsed).
    params: Vec<String>,
}

/// Names that cannot be parameters or custom activations.
pub(crate) fn is_reserved(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "x" | "pi" | "e" | "expr" | "inf" | "nan") || Func::from_name(&n).is_some()
}

/// Parses a whole spec `expr(body, name=value, ...)`, optionally quoted.
pub(crate) fn parse_spec(text: &str) -> Result<Parsed> {
    let toks = lex(&unquote(text)).map_err(|e| match e {
        Error::Syntax { column, message, .. } => Error::Syntax {
            spec: text.to_string(),
            column,
            message,
        },
        other => other,
    })?;
    let mut p = Parser {
        text,
        toks,
        pos: 0,
        depth: 0,
        params: Vec::new(),
    };
    match p.peek() {
        Some(Tok::Ident(id)) if id.eq_ignore_ascii_case("expr") => p.pos += 1,
        _ => return Err(p.error_here("expected `expr(`")),
    }
    p.expect_sym("(", "expected `(` after expr")?;
    // Find the parameters first (they follow the body at depth 0), so the body can
    // tell a parameter from an unknown name.
    let body_start = p.pos;
    let (close, top_commas) = group_end(&p.toks, body_start);
    let mut params: Vec<(String, f64)> = Vec::new();
    for &c in &top_commas {
        p.pos = c + 1;
        if close == Some(p.pos) {
            break; // trailing comma
        }
        let (name, col) = match p.peek() {
            Some(Tok::Ident(n)) => (n.clone(), p.toks[p.pos].col),
            _ => return Err(p.error_here("expected a parameter `name=value` after the expression")),
        };
        p.pos += 1;
        p.expect_sym("=", "expected `=` after the parameter name")?;
        let sign = if p.peek_sym("-") {
            p.pos += 1;
            -1.0
        } else {
            if p.peek_sym("+") {
                p.pos += 1;
            }
            1.0
        };
        let value = match p.peek() {
            Some(Tok::Num(v)) => *v,
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("inf") => f64::INFINITY,
            _ => return Err(p.error_here("expected a number")),
        };
        p.pos += 1;
        if !(p.peek_sym(",") || p.peek_sym(")")) {
            return Err(p.error_here("expected `,` or `)` after the parameter's value"));
        }
        let bad = |message: String| Error::Syntax {
            spec: text.to_string(),
            column: col,
            message,
        };
        if is_reserved(&name) || Kind::from_name(&name).is_some() {
            return Err(bad(format!("`{name}` is a reserved name, not a parameter name")));
        }
        if params.iter().any(|(n, _)| n == &name) {
            return Err(bad(format!("parameter `{name}` given twice")));
        }
        let value = sign * value;
        if !value.is_finite() {
            return Err(bad(format!("parameter `{name}` must be a finite number")));
        }
        params.push((name, value));
    }
    p.params = params.iter().map(|(n, _)| n.clone()).collect();
    let body_end = top_commas.first().copied().or(close);
    p.pos = body_start;
    if body_end == Some(body_start) || (body_end.is_none() && p.pos >= p.toks.len()) {
        return Err(p.error_term());
    }
    let body = p.expr(0)?;
    match (p.pos == body_end.unwrap_or(usize::MAX), close) {
        (true, Some(c)) => p.pos = c + 1,
        (false, None) if p.pos >= p.toks.len() => return Err(p.error_here("expected `)`")),
        _ => return Err(p.error_here("expected an operator, `,` or `)`")),
    }
    if p.pos < p.toks.len() {
        return Err(p.error_here("unexpected text after the expression"));
    }
    for (name, _) in &params {
        let mut used = false;
        body.visit_params(&mut |n| used |= n == name);
        if !used {
            return Err(Error::Expr {
                spec: text.trim().to_string(),
                message: format!("parameter `{name}` is not used in the expression"),
            });
        }
    }
    Ok(Parsed { body, params })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(t)) if *t == s)
    }

    fn expect_sym(&mut self, s: &str, message: &str) -> Result<()> {
        if self.peek_sym(s) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(message))
        }
    }

    fn found(&self) -> String {
        match self.toks.get(self.pos) {
            Some(t) => format!(", found `{}`", &self.text[t.start_byte..t.end_byte]),
            None => ", found the end".to_string(),
        }
    }

    /// An error at the current token (or the end).
    fn error_here(&self, message: &str) -> Error {
        let column = match self.toks.get(self.pos) {
            Some(t) => t.col,
            None => self.text.chars().count() + 1,
        };
        Error::Syntax {
            spec: self.text.to_string(),
            column,
            message: format!("{message}{}", self.found()),
        }
    }

    /// "expected a term" right after the previous token (`expr(x * )`: column 9).
    fn error_term(&self) -> Error {
        let column = match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) => t.end,
            None => 1,
        };
        Error::Syntax {
            spec: self.text.to_string(),
            column,
            message: "expected a term".to_string(),
        }
    }

    fn error_at(&self, column: usize, message: String) -> Error {
        Error::Syntax {
            spec: self.text.to_string(),
            column,
            message,
        }
    }

    fn infix(&self) -> Option<Op> {
        Some(match self.peek()? {
            Tok::Sym("+") => Op::Add,
            Tok::Sym("-") => Op::Sub,
            Tok::Sym("*") => Op::Mul,
            Tok::Sym("/") => Op::Div,
            Tok::Sym("^") | Tok::Sym("**") => Op::Pow,
            Tok::Sym("<") => Op::Lt,
            Tok::Sym("<=") => Op::Le,
            Tok::Sym(">") => Op::Gt,
            Tok::Sym(">=") => Op::Ge,
            Tok::Sym("==") => Op::Eq,
            Tok::Sym("!=") => Op::Ne,
            _ => return None,
        })
    }

    /// Pratt loop: operators binding at least `min` (comparisons 1, + - 2, * / 3,
    /// unary minus 4, ^ 5 right-associative).
    fn expr(&mut self, min: u8) -> Result<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(&format!("the expression nests deeper than {MAX_DEPTH} levels")));
        }
        let mut lhs = self.prefix()?;
        while let Some(op) = self.infix() {
            let p = op.precedence();
            if p < min {
                break;
            }
            if op.is_comparison() && matches!(&lhs, Node::Bin(o, ..) if o.is_comparison()) && min <= 1 {
                return Err(self.error_here("comparisons do not chain (use `where` or `*`)"));
            }
            self.pos += 1;
            let rhs = if op == Op::Pow {
                self.expr(p)?
            } else {
                self.expr(p + 1)?
            };
            lhs = Node::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn prefix(&mut self) -> Result<Node> {
        let Some(tok) = self.peek().cloned() else {
            return Err(self.error_term());
        };
        let col = self.toks[self.pos].col;
        match tok {
            Tok::Sym("-") => {
                self.pos += 1;
                self.depth += 1;
                let inner = self.expr(4)?;
                self.depth -= 1;
                Ok(Node::Neg(Box::new(inner)))
            }
            Tok::Sym("+") => {
                self.pos += 1;
                self.expr(4)
            }
            Tok::Sym("(") => {
                self.pos += 1;
                let inner = self.expr(0)?;
                self.expect_sym(")", "expected `)`")?;
                Ok(inner)
            }
            Tok::Num(v) => {
                self.pos += 1;
                Ok(Node::Num(v))
            }
            Tok::Ident(name) => {
                self.pos += 1;
                let primes = self.primes();
                if self.peek_sym("(") {
                    return self.call(&name, col, primes);
                }
                if primes > 0 {
                    return Err(self.error_here("expected `(` after the derivative's name"));
                }
                self.name(&name, col)
            }
            _ => Err(self.error_term()),
        }
    }

    /// The `'` after a function name (`sigmoid'(x)`: its derivative).
    fn primes(&mut self) -> u8 {
        let mut n = 0;
        while self.peek_sym("'") {
            self.pos += 1;
            n += 1;
        }
        n
    }

    fn name(&self, name: &str, col: usize) -> Result<Node> {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "x" => return Ok(Node::X),
            "pi" | "e" => return Ok(Node::Param(lower)),
            "inf" => return Ok(Node::Num(f64::INFINITY)),
            "nan" => return Ok(Node::Num(f64::NAN)),
            _ => {}
        }
        if let Some(p) = self.params.iter().find(|p| *p == name) {
            return Ok(Node::Param(p.clone()));
        }
        let is_function = Func::from_name(name).is_some() || Kind::from_name(name).is_some();
        if is_function {
            return Err(self.error_at(col, format!("`{name}` is a function: write `{name}(...)`")));
        }
        let mut candidates: Vec<&str> = vec!["x", "pi"];
        candidates.extend(self.params.iter().map(String::as_str));
        let suggestion = nearest(&lower, candidates.into_iter().map(str::to_string));
        let hint = match suggestion {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None if self.params.is_empty() => {
                " (the variable is `x`; give parameters after the expression: `expr(x * sigmoid(beta * x), beta=1.5)`)"
                    .to_string()
            }
            None => String::new(),
        };
        Err(self.error_at(col, format!("unknown name `{name}`{hint}")))
    }

    fn call(&mut self, name: &str, col: usize, primes: u8) -> Result<Node> {
        let open = self.pos;
        self.pos += 1; // (
        if let Some(func) = Func::from_name(name).filter(|_| primes == 0) {
            let mut args = Vec::new();
            if !self.peek_sym(")") {
                loop {
                    args.push(self.expr(0)?);
                    if self.peek_sym(",") {
                        self.pos += 1;
                        continue;
                    }
                    break;
                }
            }
            self.expect_sym(")", "expected `,` or `)`")?;
            if args.len() != func.arity() {
                return Err(self.error_at(
                    col,
                    format!(
                        "{} takes {} argument(s), {} given",
                        func.name(),
                        func.arity(),
                        args.len()
                    ),
                ));
            }
            return Ok(Node::Call(func, args));
        }
        let act = self.activation(name, col)?;
        if primes > act_max_order(&act) {
            return Err(self.error_at(col, format!("`{name}` has no derivative of order {primes} here")));
        }
        if self.peek_sym(")") || self.peek_sym(",") {
            return Err(self.error_at(
                self.toks[open].end,
                format!("{name} takes its input first: `{name}(x)`"),
            ));
        }
        let arg = self.expr(0)?;
        if act.kind() == Kind::Threshold && !self.peek_sym(",") {
            return Err(self.error_at(
                col,
                "threshold needs its parameters: `threshold(x, threshold, value)`".into(),
            ));
        }
        // Everything after the input up to the matching `)` is the activation's own
        // parameters, in the spec syntax (`softplus(x, beta=2)`, `gelu(x, approximate=tanh)`).
        let act = if self.peek_sym(",") {
            let first = self.pos + 1;
            let (close, _) = group_end(&self.toks, first);
            let Some(close) = close else {
                self.pos = self.toks.len();
                return Err(self.error_here("expected `)`"));
            };
            let from = self.toks.get(first).map_or(self.text.len(), |t| t.start_byte);
            let to = self.toks[close].start_byte.max(from);
            let spec = format!("{}({})", act.name(), &self.text[from..to]);
            let parsed = Activation::parse(&spec).map_err(|e| {
                let message = match e {
                    Error::Syntax { message, .. } => format!("in the parameters of {name}: {message}"),
                    other => other.to_string(),
                };
                self.error_at(self.toks.get(first).map_or(col, |t| t.col), message)
            })?;
            check_elementwise(&parsed).map_err(|m| self.error_at(col, m))?;
            self.pos = close;
            parsed
        } else {
            act
        };
        self.expect_sym(")", "expected `,` or `)`")?;
        Ok(Node::Act(Box::new(ActCall { act, order: primes }), Box::new(arg)))
    }

    /// The activation a function name denotes, at its defaults.
    fn activation(&self, name: &str, col: usize) -> Result<Activation> {
        if let Some(kind) = Kind::from_name(name) {
            if kind == Kind::Threshold {
                // Its parameters are required: parsed with them later.
                return Activation::parse("threshold(0, 0)").map_err(|e| self.error_at(col, e.to_string()));
            }
            let act = Activation::new(kind).map_err(|e| self.error_at(col, e.to_string()))?;
            check_elementwise(&act).map_err(|m| self.error_at(col, m))?;
            return Ok(act);
        }
        if let Some(c) = crate::custom::lookup(name) {
            return Ok(Activation::custom(c));
        }
        let lower = name.to_ascii_lowercase();
        let names = Func::ALL
            .iter()
            .map(|f| f.name().to_string())
            .chain(Kind::ALL.iter().map(|k| k.name().to_string()))
            .chain(crate::custom::registered());
        let suggestion = nearest(&lower, names).or_else(|| Kind::suggest(name).map(str::to_string));
        let hint = match suggestion {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        };
        Err(self.error_at(col, format!("unknown function `{name}`{hint}")))
    }
}

/// The highest derivative order a call may name: `f'` for the built-ins, `f''` for a
/// custom activation with a second derivative.
fn act_max_order(act: &Activation) -> u8 {
    match act.as_custom() {
        Some(c) if c.has_second_derivative() => 2,
        _ => 1,
    }
}

fn check_elementwise(act: &Activation) -> core::result::Result<(), String> {
    let ok = match act.info().shape {
        OpShape::Pointwise => true,
        OpShape::Channelwise => act.prelu_weight().len() == 1,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not element-wise; expr(...) takes element-wise functions only",
            act.name()
        ))
    }
}

/// The candidate nearest to `name`, if plausibly a typo.
fn nearest(name: &str, candidates: impl Iterator<Item = String>) -> Option<String> {
    candidates
        .map(|c| (edit_distance(name, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(name.len() / 3) && *d < c.len().max(name.len()))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        match parse_spec(s) {
            Ok(p) => panic!("{s} parsed: {}", p.body),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn columns() {
        assert_eq!(
            err("expr(x * )"),
            "cannot parse `expr(x * )`: expected a term at column 9"
        );
        assert!(err("expr(sigmod(x))").contains("unknown function `sigmod` (did you mean `sigmoid`?) at column 6"));
        assert!(err("expr(x * bta, beta=2)").contains("unknown name `bta` (did you mean `beta`?) at column 10"));
        assert!(err("expr(x + (1)").contains("expected `)`"));
        assert!(err("expr(x, beta=1)").contains("parameter `beta` is not used"));
        assert!(err("expr()").contains("expected a term at column 6"));
        assert!(err("expr(1 < x < 2)").contains("comparisons do not chain"));
        assert!(err("expr(softmax(x))").contains("not element-wise"));
        assert!(err("expr(exp(x, 2))").contains("exp takes 1 argument(s), 2 given"));
        assert!(err("expr(x $ 2)").contains("column 8"));
    }

    #[test]
    fn precedence() {
        let b = |s: &str| parse_spec(s).unwrap().body.to_string();
        assert_eq!(b("expr(-x^2)"), "-x^2");
        assert_eq!(b("expr(2^3^x)"), "2^3^x");
        assert_eq!(b("expr((2^3)^x)"), "(2^3)^x");
        assert_eq!(b("expr(a - (b - x), a=1, b=2)"), "a - (b - x)");
        assert_eq!(b("expr(x ** 2 * 3)"), "x^2*3");
        assert_eq!(
            b("expr(softplus(x, beta=2) + gelu(x, approximate='tanh'))"),
            "softplus(x, beta=2) + gelu(x, approximate=tanh)"
        );
        assert_eq!(b("expr(where(x > 0, x, 0.1*x))"), "where(x > 0, x, 0.1*x)");
        assert_eq!(b("expr(x^-2)"), "x^(-2)");
        assert_eq!(b("'expr(sigmoid'(x))'"), "sigmoid'(x)");
    }
}
