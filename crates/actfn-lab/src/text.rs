//! Text helpers: numbers in their shortest round-trip form, word wrapping, columns.

/// The shortest decimal that reads back to the same `f64`: `0`, `-0.2`, `1e-7`,
/// `1e300`, `inf`, `NaN`. Integers print without a trailing `.0`; very large and
/// very small magnitudes use an exponent.
pub fn num_f64(v: f64) -> String {
    trim_point_zero(format!("{v:?}"))
}

/// [`num_f64`] for `f32`: the shortest decimal that reads back to the same `f32`
/// (`0.1f32` prints `0.1`, not `0.10000000149011612`).
pub fn num_f32(v: f32) -> String {
    trim_point_zero(format!("{v:?}"))
}

fn trim_point_zero(mut s: String) -> String {
    if s.ends_with(".0") {
        s.truncate(s.len() - 2);
    }
    s
}

/// A shape as the library's messages print it: `[]`, `[3]`, `[2, 4]`.
pub fn shape(shape: &[usize]) -> String {
    format!("{shape:?}")
}

/// Greedy word wrap of `text` to lines of at most `width` characters (a longer word
/// gets a line of its own), the first line prefixed by `first`, the others by `rest`.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut line_len = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if !empty && line_len + 1 + n > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(rest);
            line_len = rest.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            line_len += 1;
        }
        line.push_str(word);
        line_len += n;
        empty = false;
    }
    out.push_str(line.trim_end());
    out
}

/// `text` padded with spaces to `width` characters.
pub fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_round_trip() {
        assert_eq!(num_f64(0.0), "0");
        assert_eq!(num_f64(-0.0), "-0");
        assert_eq!(num_f64(2.0), "2");
        assert_eq!(num_f64(-0.2), "-0.2");
        assert_eq!(num_f64(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num_f64(1e-7), "1e-7");
        assert_eq!(num_f64(1e300), "1e300");
        assert_eq!(num_f64(f64::INFINITY), "inf");
        assert_eq!(num_f64(f64::NEG_INFINITY), "-inf");
        assert_eq!(num_f64(f64::NAN), "NaN");
        assert_eq!(num_f32(0.1), "0.1");
        assert_eq!(num_f32(-0.2f64 as f32), "-0.2");
        for v in [0.1f64, 1.0 / 3.0, 6.02e23, -1.5e-310, 123456.789] {
            assert_eq!(num_f64(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn shapes_print_like_the_library() {
        assert_eq!(shape(&[]), "[]");
        assert_eq!(shape(&[3]), "[3]");
        assert_eq!(shape(&[2, 4]), "[2, 4]");
    }

    #[test]
    fn wrap_keeps_width_and_indent() {
        let w = wrap("aaa bbb ccc ddd", 9, "- ", "  ");
        assert_eq!(w, "- aaa bbb\n  ccc ddd");
        for line in w.lines() {
            assert!(line.chars().count() <= 9);
        }
        assert_eq!(wrap("", 10, "> ", "  "), ">");
        assert_eq!(wrap("averyveryverylongword x", 8, "", ""), "averyveryverylongword\nx");
    }

    #[test]
    fn pad_counts_characters_not_bytes() {
        assert_eq!(pad("Φ", 3), "Φ  ");
        assert_eq!(pad("abcd", 2), "abcd");
    }
}
