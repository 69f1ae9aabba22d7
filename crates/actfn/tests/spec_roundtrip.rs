//! Parser round-trips: any valid activation prints as a spec that parses back to an
//! equal value, in canonical or positional form, whatever the case and spacing; any
//! garbage gives an error, never a panic.

use actfn::{Activation, Kind, ParamKind};
use proptest::prelude::*;

/// A valid value for each parameter kind.
fn value_for(kind: ParamKind, name: &str, raw: f64) -> f64 {
    match kind {
        ParamKind::Real => match name {
            "lambd" | "b" => raw.abs(),
            _ => raw,
        },
        ParamKind::Dim => (raw.abs() * 3.0).floor() - 3.0,
        ParamKind::Choice(c) => (raw.abs() * c.len() as f64).floor().min(c.len() as f64 - 1.0),
        ParamKind::Flag => f64::from(raw > 0.0),
        ParamKind::Seed => (raw.abs() * 1000.0).floor(),
    }
}

fn build(kind_index: usize, raws: &[f64]) -> Option<Activation> {
    let kind = Kind::ALL[kind_index % Kind::ALL.len()];
    let info = kind.info();
    let mut parts = Vec::new();
    for (p, &raw) in info.params.iter().zip(raws) {
        let v = value_for(p.kind, p.name, raw);
        let text = match p.kind {
            ParamKind::Choice(c) => c[v as usize].to_string(),
            ParamKind::Flag => (v == 1.0).to_string(),
            _ => format!("{v:?}"),
        };
        parts.push(format!("{}={}", p.name, text));
    }
    // Some combinations are invalid by design (celu alpha 0, hardtanh min >= max...).
    Activation::parse(&format!("{}({})", info.name, parts.join(", "))).ok()
}

proptest! {
    #[test]
    fn display_parses_back(k in 0usize..64, raws in proptest::collection::vec(-10.0f64..10.0, 4)) {
        if let Some(act) = build(k, &raws) {
            let text = act.to_string();
            let again = Activation::parse(&text).unwrap();
            prop_assert_eq!(&again, &act);
            // Upper case, extra spaces and quotes parse too.
            let noisy = format!("  '{}'  ", text.to_uppercase().replace('(', " ( ").replace(',', " , "));
            let noisy = noisy.replace("TRUE", "True").replace("FALSE", "False");
            let again = Activation::parse(&noisy);
            prop_assert!(again.is_ok(), "{} -> {:?}", noisy, again);
        }
    }

    #[test]
    fn garbage_never_panics(s in "\\PC{0,40}") {
        let _ = Activation::parse(&s);
    }

    #[test]
    fn near_misses_are_errors_with_a_column(s in "[a-z_]{1,12}\\([0-9.,= a-z-]{0,12}") {
        if let Err(e) = Activation::parse(&s) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}
