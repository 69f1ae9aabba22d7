//! The text form of an activation: `name` or `name(args)`, PyTorch style.
//!
//! ```text
//! spec   := name [ "(" [ arg ("," arg)* [","] ] ")" ]
//! arg    := [ ident "=" ] value
//! value  := number | ident | 'text' | "text" | "[" number ("," number)* "]"
//! number := [+-] digits [. digits] [e [+-] digits] | [+-] inf
//! ```
//!
//! Whitespace is free; the whole spec may be quoted (shells often leave the quotes).
//! This module only parses; names and values are checked by the registry.

use crate::error::{Error, Result};

/// A parsed spec, before validation.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecAst {
    pub name: String,
    pub args: Vec<Arg>,
}

/// One argument: positional (`0.2`) or keyword (`negative_slope=0.2`).
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub key: Option<String>,
    pub value: Value,
    /// 1-based column where the argument starts.
    pub column: usize,
}

/// An argument value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    /// An identifier or quoted string (`tanh`, `'none'`, `True`).
    Word(String),
    List(Vec<f64>),
}

impl core::fmt::Display for Value {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Value::Number(v) => write!(f, "{v}"),
            Value::Word(w) => write!(f, "{w}"),
            Value::List(v) => {
                write!(f, "[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{x}")?;
                }
                write!(f, "]")
            }
        }
    }
}

/// Parses a spec. Errors give the 1-based column of the problem.
pub fn parse(text: &str) -> Result<SpecAst> {
    let mut p = Parser {
        text,
        chars: text.char_indices().collect(),
        pos: 0,
    };
    p.skip_ws();
    let quote = p.peek().filter(|&c| c == '\'' || c == '"');
    if quote.is_some() {
        p.pos += 1;
        p.skip_ws();
    }
    let name = p.ident().ok_or_else(|| p.error("expected an activation name"))?;
    let mut args = Vec::new();
    p.skip_ws();
    if p.peek() == Some('(') {
        p.pos += 1;
        p.skip_ws();
        if p.peek() != Some(')') {
            loop {
                args.push(p.arg()?);
                p.skip_ws();
                match p.peek() {
                    Some(',') => {
                        p.pos += 1;
                        p.skip_ws();
                        if p.peek() == Some(')') {
                            break;
                        }
                    }
                    Some(')') => break,
                    _ => return Err(p.error("expected `,` or `)`")),
                }
            }
        }
        p.pos += 1; // ')'
        p.skip_ws();
    }
    if let Some(q) = quote {
        if p.peek() != Some(q) {
            return Err(p.error(&format!("expected closing {q}")));
        }
        p.pos += 1;
        p.skip_ws();
    }
    if p.peek().is_some() {
        return Err(p.error("unexpected text after the spec"));
    }
    Ok(SpecAst { name, args })
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn column(&self) -> usize {
        self.pos + 1
    }

    fn error(&self, message: &str) -> Error {
        let message = match self.peek() {
            Some(c) => format!("{message}, found `{c}`"),
            None => format!("{message}, found the end"),
        };
        Error::Syntax {
            spec: self.text.to_string(),
            column: self.column(),
            message,
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.pos;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.pos += 1;
        }
        Some(self.chars[start..self.pos].iter().map(|&(_, c)| c).collect())
    }

    fn arg(&mut self) -> Result<Arg> {
        let column = self.column();
        let save = self.pos;
        if let Some(id) = self.ident() {
            self.skip_ws();
            if self.peek() == Some('=') {
                self.pos += 1;
                self.skip_ws();
                let value = self.value()?;
                return Ok(Arg {
                    key: Some(id),
                    value,
                    column,
                });
            }
            self.pos = save;
        }
        let value = self.value()?;
        Ok(Arg {
            key: None,
            value,
            column,
        })
    }

    fn value(&mut self) -> Result<Value> {
        match self.peek() {
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(']') && items.is_empty() {
                        break;
                    }
                    items.push(self.number()?);
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(']') => break,
                        _ => return Err(self.error("expected `,` or `]` in the list")),
                    }
                }
                self.pos += 1;
                Ok(Value::List(items))
            }
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let start = self.pos;
                while self.peek().is_some_and(|c| c != q) {
                    self.pos += 1;
                }
                if self.peek().is_none() {
                    return Err(self.error(&format!("expected closing {q}")));
                }
                let s = self.chars[start..self.pos].iter().map(|&(_, c)| c).collect();
                self.pos += 1;
                Ok(Value::Word(s))
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let id = self.ident().unwrap_or_default();
                match id.to_ascii_lowercase().as_str() {
                    "inf" | "infinity" => Ok(Value::Number(f64::INFINITY)),
                    "nan" => Ok(Value::Number(f64::NAN)),
                    _ => Ok(Value::Word(id)),
                }
            }
            _ => self.number().map(Value::Number),
        }
    }

    fn number(&mut self) -> Result<f64> {
        let start = self.pos;
        let col = self.column();
        if matches!(self.peek(), Some('+' | '-')) {
            self.pos += 1;
        }
        if self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            let sign = if self.chars[start].1 == '-' { -1.0 } else { 1.0 };
            let id = self.ident().unwrap_or_default();
            return match id.to_ascii_lowercase().as_str() {
                "inf" | "infinity" => Ok(sign * f64::INFINITY),
                _ => {
                    self.pos = start;
                    Err(self.error("expected a number"))
                }
            };
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '_'))
            || (self.pos > start
                && matches!(self.peek(), Some('+' | '-'))
                && matches!(self.chars[self.pos - 1].1, 'e' | 'E'))
        {
            self.pos += 1;
        }
        let s: String = self.chars[start..self.pos]
            .iter()
            .map(|&(_, c)| c)
            .filter(|&c| c != '_')
            .collect();
        s.parse::<f64>().map_err(|_| {
            self.pos = start;
            let message = if s.is_empty() || s == "-" || s == "+" {
                "expected a value".to_string()
            } else {
                format!("`{s}` is not a number")
            };
            Error::Syntax {
                spec: self.text.to_string(),
                column: col,
                message,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(key: Option<&str>, v: f64, column: usize) -> Arg {
        Arg {
            key: key.map(str::to_string),
            value: Value::Number(v),
            column,
        }
    }

    #[test]
    fn bare_name() {
        assert_eq!(
            parse("relu").unwrap(),
            SpecAst {
                name: "relu".into(),
                args: vec![]
            }
        );
        assert_eq!(parse("  ReLU6 ( ) ").unwrap().name, "ReLU6");
    }

    #[test]
    fn positional_and_keyword() {
        let s = parse("softplus(2, threshold = 1e1)").unwrap();
        assert_eq!(s.args, vec![num(None, 2.0, 10), num(Some("threshold"), 10.0, 13)]);
        let s = parse("hardtanh(-2, +2.5,)").unwrap();
        assert_eq!(s.args, vec![num(None, -2.0, 10), num(None, 2.5, 14)]);
    }

    #[test]
    fn words_strings_lists_and_quotes() {
        let s = parse("\"gelu(approximate='tanh')\"").unwrap();
        assert_eq!(s.args[0].value, Value::Word("tanh".into()));
        let s = parse("gelu(approximate=tanh)").unwrap();
        assert_eq!(s.args[0].value, Value::Word("tanh".into()));
        let s = parse("prelu(weight=[0.25, -1e-2])").unwrap();
        assert_eq!(s.args[0].value, Value::List(vec![0.25, -0.01]));
        let s = parse("threshold(-inf, 0)").unwrap();
        assert_eq!(s.args[0].value, Value::Number(f64::NEG_INFINITY));
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = parse("leaky_relu(0.2").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot parse `leaky_relu(0.2`: expected `,` or `)`, found the end at column 15"
        );
        let e = parse("leaky_relu(,)").unwrap_err();
        assert!(matches!(e, Error::Syntax { column: 12, .. }), "{e}");
        let e = parse("relu x").unwrap_err();
        assert!(matches!(e, Error::Syntax { column: 6, .. }), "{e}");
        let e = parse("(1)").unwrap_err();
        assert!(matches!(e, Error::Syntax { column: 1, .. }), "{e}");
        let e = parse("elu(1.2.3)").unwrap_err();
        assert!(e.to_string().contains("`1.2.3` is not a number"), "{e}");
        let e = parse("").unwrap_err();
        assert!(e.to_string().contains("expected an activation name"), "{e}");
    }
}
