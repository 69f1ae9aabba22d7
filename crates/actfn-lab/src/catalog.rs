//! `actfn list` and `actfn describe`: the registry's metadata as text and JSON.

use actfn::{Activation, Family, Kind, OpShape, Param, ParamKind};
use serde::Serialize;

use crate::text::{num_f64, pad, wrap};

/// Width that `describe` wraps its long fields to.
const WIDTH: usize = 96;

/// The kinds of `family`, in registry order.
fn kinds_of(family: Family) -> impl Iterator<Item = Kind> {
    Kind::ALL.iter().copied().filter(move |k| k.info().family == family)
}

/// `actfn list`: every activation grouped by family, one aligned line each
/// (signature, aliases, summary).
pub fn list_text() -> String {
    let rows: Vec<(Kind, String, String)> = Kind::ALL
        .iter()
        .map(|&k| {
            let info = k.info();
            (k, info.signature(), info.aliases.join(", "))
        })
        .collect();
    // A signature longer than this (rrelu's) overflows its column rather than
    // widening every line.
    const SIG_CAP: usize = 32;
    let sig_w = rows
        .iter()
        .map(|r| r.1.chars().count())
        .filter(|&n| n <= SIG_CAP)
        .max()
        .unwrap_or(0);
    let alias_w = rows.iter().map(|r| r.2.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (i, family) in Family::ALL.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(family.title());
        out.push('\n');
        for (kind, sig, aliases) in rows.iter().filter(|r| r.0.info().family == family) {
            // Each cell starts at its column, or two spaces after an overflowing cell.
            let mut line = format!("  {sig}");
            for (cell, column) in [
                (aliases.as_str(), 4 + sig_w),
                (kind.info().summary, 6 + sig_w + alias_w),
            ] {
                if cell.is_empty() {
                    continue;
                }
                let at = line.chars().count();
                line.push_str(&" ".repeat(column.saturating_sub(at).max(2)));
                line.push_str(cell);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// One parameter in `actfn list --json`.
#[derive(Debug, Serialize)]
pub struct ParamJson {
    pub name: &'static str,
    /// The default (a number, a choice's name, a flag's `true`/`false`), `null` when
    /// the parameter is required.
    pub default: serde_json::Value,
    /// `real`, `dim`, `choice`, `flag` or `seed`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<&'static [&'static str]>,
    pub doc: &'static str,
}

/// One activation in `actfn list --json`.
#[derive(Debug, Serialize)]
pub struct KindJson {
    pub name: &'static str,
    pub family: &'static str,
    pub signature: String,
    pub params: Vec<ParamJson>,
    pub aliases: &'static [&'static str],
    pub summary: &'static str,
}

fn default_json(param: &Param) -> serde_json::Value {
    use serde_json::Value;
    let Some(d) = param.default else {
        return Value::Null;
    };
    match param.kind {
        ParamKind::Choice(c) => Value::from(c.get(d as usize).copied().unwrap_or("")),
        ParamKind::Flag => Value::from(d != 0.0),
        ParamKind::Dim | ParamKind::Seed => Value::from(d as i64),
        ParamKind::Real => serde_json::Number::from_f64(d).map_or(Value::Null, Value::Number),
    }
}

/// The registry as data, in `Family::ALL` order (registry order within a family).
pub fn list_json_value() -> Vec<KindJson> {
    Family::ALL
        .into_iter()
        .flat_map(kinds_of)
        .map(|k| {
            let info = k.info();
            KindJson {
                name: info.name,
                family: info.family.key(),
                signature: info.signature(),
                params: info
                    .params
                    .iter()
                    .map(|p| ParamJson {
                        name: p.name,
                        default: default_json(p),
                        kind: p.kind.name(),
                        choices: match p.kind {
                            ParamKind::Choice(c) => Some(c),
                            _ => None,
                        },
                        doc: p.doc,
                    })
                    .collect(),
                aliases: info.aliases,
                summary: info.summary,
            }
        })
        .collect()
}

/// `actfn list --json`: a pretty-printed JSON array.
pub fn list_json() -> String {
    let mut s = serde_json::to_string_pretty(&list_json_value()).expect("plain data serialises");
    s.push('\n');
    s
}

fn shape_words(shape: OpShape) -> &'static str {
    match shape {
        OpShape::Pointwise => "element-wise",
        OpShape::Channelwise => "element-wise, one weight per channel (dim 1)",
        OpShape::AlongDim => "along a dim: each output depends on its whole row",
        OpShape::Gated => "splits a dim in halves a, b and returns a·gate(b); the dim halves",
    }
}

/// `actfn describe`: everything about `kind`, with the parameter values of `act`
/// (`None` when the spec lacks a required parameter: the values are then not shown).
pub fn describe(kind: Kind, act: Option<&Activation>) -> String {
    if let Some(a) = act.filter(|a| a.as_custom().is_some()) {
        return describe_custom(a);
    }
    let info = kind.info();
    let mut out = String::new();
    let mut field = |label: &str, value: &str| {
        let first = pad(label, 12);
        out.push_str(&wrap(value, WIDTH, &first, &" ".repeat(12)));
        out.push('\n');
    };
    let spec = match act {
        Some(a) => a.to_string(),
        None => info.signature(),
    };
    field("name", info.name);
    field("spec", &spec);
    field("family", info.family.title());
    if !info.aliases.is_empty() {
        field("aliases", &info.aliases.join(", "));
    }
    field("summary", info.summary);
    field("formula", info.formula);
    field("derivative", info.derivative);
    field("range", info.range);
    field("properties", &info.properties.words().join(", "));
    field("operates", shape_words(info.shape));
    field("pytorch", info.pytorch);

    out.push_str("\nParameters\n");
    if info.params.is_empty() {
        out.push_str("  none\n");
    }
    for (i, p) in info.params.iter().enumerate() {
        let value = match act {
            Some(a) if kind == Kind::Prelu && a.prelu_weight().len() > 1 => {
                let w: Vec<String> = a.prelu_weight().iter().map(|&w| num_f64(w)).collect();
                format!("[{}]", w.join(", "))
            }
            Some(a) => p.format_value(a.params()[i]),
            None => "(not given)".to_string(),
        };
        let default = match p.default {
            Some(d) => format!("default {}", p.format_value(d)),
            None => "required".to_string(),
        };
        let choices = match p.kind {
            ParamKind::Choice(c) => format!("; one of {}", c.join(", ")),
            ParamKind::Flag => "; true or false".to_string(),
            ParamKind::Dim => "; an integer, negative counts from the end".to_string(),
            _ => String::new(),
        };
        out.push_str(&format!("  {} = {}  ({default}{choices})\n", p.name, value));
        out.push_str(&wrap(p.doc, WIDTH, "      ", "      "));
        out.push('\n');
    }

    out.push_str("\nReferences\n");
    if info.references.is_empty() {
        out.push_str("  none\n");
    }
    for r in info.references {
        out.push_str(&wrap(r, WIDTH, "  - ", "    "));
        out.push('\n');
    }

    out.push_str("\nDifferences from PyTorch\n");
    if info.differences.is_empty() {
        out.push_str("  none: same values as PyTorch\n");
    }
    for d in info.differences {
        out.push_str(&wrap(d, WIDTH, "  - ", "    "));
        out.push('\n');
    }
    out
}

/// `actfn describe` for a user-defined activation: its formula, its symbolic
/// derivatives (an `expr`) and its parameters.
fn describe_custom(act: &Activation) -> String {
    let Some(c) = act.as_custom() else {
        return String::new();
    };
    let mut out = String::new();
    let mut field = |label: &str, value: &str| {
        let first = pad(label, 12);
        out.push_str(&wrap(value, WIDTH, &first, &" ".repeat(12)));
        out.push('\n');
    };
    let expr = act.as_expr();
    field("name", c.name());
    field("spec", &act.to_string());
    field(
        "family",
        if expr.is_some() {
            "custom: an expression of x"
        } else {
            "custom: defined in code"
        },
    );
    field("formula", &c.formula());
    field(
        "derivative",
        &c.derivative_formula().unwrap_or_else(|| "computed by its code".into()),
    );
    let second = match expr {
        Some(e) => match e.second_derivative() {
            Ok(d2) => d2,
            Err(why) => format!("none: {why} (first-order only: no gradients of gradients)"),
        },
        None if c.has_second_derivative() => "computed by its code".into(),
        None => "none (first-order only: no gradients of gradients)".into(),
    };
    field("second", &second);
    if expr.is_some() {
        field(
            "checked",
            "the derivatives agree with central finite differences at 8 points in [-2.7, 2.9]",
        );
    }
    field("operates", shape_words(OpShape::Pointwise));
    out.push_str("\nParameters\n");
    match expr.map(|e| e.params()).filter(|p| !p.is_empty()) {
        None => out.push_str("  none\n"),
        Some(params) => {
            for (name, value) in params {
                out.push_str(&format!("  {name} = {}\n", num_f64(*value)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_in_pytorch_style() {
        assert_eq!(Kind::Relu.info().signature(), "relu");
        assert_eq!(Kind::LeakyRelu.info().signature(), "leaky_relu(negative_slope=0.01)");
        assert_eq!(Kind::Threshold.info().signature(), "threshold(threshold, value)");
        assert_eq!(Kind::Gelu.info().signature(), "gelu(approximate=none|tanh)");
        assert_eq!(Kind::Softmax.info().signature(), "softmax(dim=-1)");
    }

    #[test]
    fn list_has_every_kind_once_and_every_family() {
        let text = list_text();
        for &k in Kind::ALL {
            let sig = k.info().signature();
            let hits = text
                .lines()
                .filter(|l| l.trim_start().starts_with(&format!("{sig} ")) || l.trim() == sig)
                .count();
            assert_eq!(hits, 1, "{sig}");
        }
        for f in Family::ALL {
            assert!(text.lines().any(|l| l == f.title()), "{}", f.title());
        }
    }

    #[test]
    fn json_lists_every_kind_with_params() {
        let v: serde_json::Value = serde_json::from_str(&list_json()).unwrap();
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), Kind::ALL.len());
        let leaky = arr.iter().find(|o| o["name"] == "leaky_relu").unwrap();
        assert_eq!(leaky["params"][0]["name"], "negative_slope");
        assert_eq!(leaky["params"][0]["default"], 0.01);
        assert_eq!(leaky["params"][0]["kind"], "real");
        let gelu = arr.iter().find(|o| o["name"] == "gelu").unwrap();
        assert_eq!(gelu["params"][0]["default"], "none");
        assert_eq!(gelu["params"][0]["choices"][1], "tanh");
        let thr = arr.iter().find(|o| o["name"] == "threshold").unwrap();
        assert!(thr["params"][0]["default"].is_null());
    }

    #[test]
    fn describe_shows_the_spec_values() {
        let act = Activation::parse("leaky_relu(0.2)").unwrap();
        let d = describe(Kind::LeakyRelu, Some(&act));
        assert!(d.contains("leaky_relu(negative_slope=0.2)"), "{d}");
        assert!(d.contains("negative_slope = 0.2  (default 0.01)"), "{d}");
        let d = describe(Kind::Threshold, None);
        assert!(d.contains("threshold = (not given)  (required)"), "{d}");
        let act = Activation::prelu(&[0.1, 0.2]).unwrap();
        assert!(describe(Kind::Prelu, Some(&act)).contains("weight = [0.1, 0.2]"));
    }
}
