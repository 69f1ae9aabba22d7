//! Charts in a terminal, drawn with braille characters (2×4 dots a cell).
//!
//! Each curve is numbered: its number sits on the curve (at a different x for each
//! curve) and in the legend, so curves can be told apart without colour; with
//! `colour`, each curve also gets its own ANSI colour.

use super::{jumps, segments, tick_digits, y_bounds, Curve, XRange};
use crate::text::pad;

/// Size of the plotting area, in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub width: usize,
    pub height: usize,
}

impl Default for Size {
    fn default() -> Size {
        Size { width: 64, height: 16 }
    }
}

/// ANSI colours of the curves (bright, readable on dark and light backgrounds).
const ANSI: [&str; 6] = ["34", "33", "32", "31", "35", "36"];

/// One line to draw: its pieces (already split at jumps and non-finite values).
pub struct TermLine {
    pub label: String,
    pub segments: Vec<Vec<(f64, f64)>>,
}

struct Canvas {
    w: usize,
    h: usize,
    /// Braille dot bits per cell.
    bits: Vec<u8>,
    /// Which line last drew in a cell (for its colour); `None` for axes only.
    owner: Vec<Option<usize>>,
    /// A character that replaces the cell (a curve's number).
    text: Vec<Option<char>>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Canvas {
        Canvas {
            w,
            h,
            bits: vec![0; w * h],
            owner: vec![None; w * h],
            text: vec![None; w * h],
        }
    }

    /// Sets the dot at pixel `(px, py)` (`py` 0 at the top).
    fn dot(&mut self, px: i64, py: i64, owner: Option<usize>) {
        if px < 0 || py < 0 || px >= 2 * self.w as i64 || py >= 4 * self.h as i64 {
            return;
        }
        let (cx, cy) = (px as usize / 2, py as usize / 4);
        let (dx, dy) = (px as usize % 2, py as usize % 4);
        const BITS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
        let cell = cy * self.w + cx;
        self.bits[cell] |= BITS[dx][dy];
        if owner.is_some() {
            self.owner[cell] = owner;
        }
    }

    /// A straight run of dots from `a` to `b` (Bresenham).
    fn line(&mut self, a: (i64, i64), b: (i64, i64), owner: Option<usize>) {
        let (mut x, mut y) = a;
        let (dx, dy) = ((b.0 - x).abs(), -(b.1 - y).abs());
        let (sx, sy) = (if x < b.0 { 1 } else { -1 }, if y < b.1 { 1 } else { -1 });
        let mut e = dx + dy;
        loop {
            self.dot(x, y, owner);
            if (x, y) == b {
                break;
            }
            let e2 = 2 * e;
            if e2 >= dy {
                e += dy;
                x += sx;
            }
            if e2 <= dx {
                e += dx;
                y += sy;
            }
        }
    }

    fn cell(&self, cx: usize, cy: usize, colour: bool) -> String {
        let i = cy * self.w + cx;
        let ch = self.text[i].unwrap_or_else(|| {
            if self.bits[i] == 0 {
                ' '
            } else {
                char::from_u32(0x2800 + u32::from(self.bits[i])).unwrap_or(' ')
            }
        });
        match (colour, self.owner[i]) {
            (true, Some(k)) => format!("\x1b[{}m{ch}\x1b[0m", ANSI[k % ANSI.len()]),
            (true, None) if self.bits[i] != 0 => format!("\x1b[2m{ch}\x1b[0m"),
            _ => ch.to_string(),
        }
    }
}

/// A chart as lines of text: a title, the plot with y labels on the left (top, 0 and
/// bottom), the x axis with labels at both ends and 0, and (`legend`) a legend.
pub fn chart(title: &str, lines: &[TermLine], x: XRange, size: Size, colour: bool, legend: bool) -> Vec<String> {
    let (w, h) = (size.width.max(8), size.height.max(3));
    let (y0, y1) = y_bounds(lines.iter().flat_map(|l| l.segments.iter().flatten().map(|p| p.1)));
    let (pw, ph) = ((2 * w - 1) as f64, (4 * h - 1) as f64);
    let px = |v: f64| ((v - x.lo) / (x.hi - x.lo) * pw).round() as i64;
    let py = |v: f64| ((y1 - v) / (y1 - y0) * ph).round() as i64;
    let mut c = Canvas::new(w, h);
    // Axes through 0: every other dot.
    if y0 < 0.0 && 0.0 < y1 {
        let row = py(0.0);
        for p in (0..2 * w as i64).step_by(2) {
            c.dot(p, row, None);
        }
    }
    if x.lo < 0.0 && 0.0 < x.hi {
        let col = px(0.0);
        for p in (0..4 * h as i64).step_by(2) {
            c.dot(col, p, None);
        }
    }
    for (k, line) in lines.iter().enumerate() {
        for seg in &line.segments {
            let pts: Vec<(i64, i64)> = seg.iter().map(|&(a, b)| (px(a), py(b))).collect();
            if pts.len() == 1 {
                c.dot(pts[0].0, pts[0].1, Some(k));
            }
            for p in pts.windows(2) {
                c.line(p[0], p[1], Some(k));
            }
        }
    }
    // Number each curve where it is drawn, at its own x.
    if lines.len() > 1 {
        for (k, line) in lines.iter().enumerate() {
            let want = x.lo + (x.hi - x.lo) * (k as f64 + 1.0) / (lines.len() as f64 + 1.0);
            let nearest = line
                .segments
                .iter()
                .flatten()
                .min_by(|a, b| (a.0 - want).abs().total_cmp(&(b.0 - want).abs()));
            if let Some(&(a, b)) = nearest {
                let (cx, cy) = ((px(a) / 2) as usize, (py(b) / 4) as usize);
                if cx < w && cy < h {
                    c.text[cy * w + cx] = char::from_digit(k as u32 + 1, 36);
                    c.owner[cy * w + cx] = Some(k);
                }
            }
        }
    }

    let zero_row = (y0 < 0.0 && 0.0 < y1).then(|| (py(0.0) / 4) as usize);
    let labels: Vec<Option<String>> = (0..h)
        .map(|r| {
            if r == 0 {
                Some(tick_digits(y1, y1 - y0, 3))
            } else if r == h - 1 {
                Some(tick_digits(y0, y1 - y0, 3))
            } else if Some(r) == zero_row {
                Some("0".to_string())
            } else {
                None
            }
        })
        .collect();
    let lw = labels.iter().flatten().map(|s| s.chars().count()).max().unwrap_or(1);
    let mut out = vec![title.to_string()];
    for (r, label) in labels.iter().enumerate() {
        let (l, axis) = match label {
            Some(s) => (format!("{s:>lw$}"), '┤'),
            None => (" ".repeat(lw), '│'),
        };
        let row: String = (0..w).map(|cx| c.cell(cx, r, colour)).collect();
        out.push(format!("{l} {axis}{row}").trim_end().to_string());
    }
    out.push(format!("{} └{}", " ".repeat(lw), "─".repeat(w)));
    // x labels: the ends, and 0 where it falls inside.
    let mut xl: Vec<char> = vec![' '; w + 2];
    let mut put = |at: usize, s: &str| {
        let at = at.min((w + 2).saturating_sub(s.chars().count()));
        if xl[at.saturating_sub(1)..(at + s.chars().count() + 1).min(xl.len())]
            .iter()
            .any(|&ch| ch != ' ')
        {
            return;
        }
        for (i, ch) in s.chars().enumerate() {
            xl[at + i] = ch;
        }
    };
    put(1, &tick_digits(x.lo, x.hi - x.lo, 4));
    let hi = tick_digits(x.hi, x.hi - x.lo, 4);
    put((w + 1).saturating_sub(hi.chars().count()), &hi);
    if x.lo < 0.0 && 0.0 < x.hi {
        put(1 + (px(0.0) / 2) as usize, "0");
    }
    out.push(
        format!("{} {}", " ".repeat(lw), xl.iter().collect::<String>())
            .trim_end()
            .to_string(),
    );
    let keys: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let key = if lines.len() > 1 {
                format!("{}", k + 1)
            } else {
                "⠶".to_string()
            };
            if colour {
                format!("\x1b[{}m{key}\x1b[0m {}", ANSI[k % ANSI.len()], l.label)
            } else {
                format!("{key} {}", l.label)
            }
        })
        .collect();
    if legend && !keys.is_empty() {
        out.push(format!("{} {}", " ".repeat(lw), keys.join("   ")));
    }
    out
}

fn term_lines(curves: &[Curve], derivative: bool) -> Vec<TermLine> {
    curves
        .iter()
        .map(|c| {
            let ys = if derivative { &c.dys } else { &c.ys };
            TermLine {
                label: if derivative {
                    format!("{}′", c.label)
                } else {
                    c.label.clone()
                },
                segments: segments(&c.xs, ys, &jumps(ys)),
            }
        })
        .collect()
}

/// `actfn plot --ascii`: the curves, and below them their derivatives.
pub fn comparison(curves: &[Curve], x: XRange, derivative: bool, size: Size, colour: bool) -> String {
    let mut out = chart("f(x)", &term_lines(curves, false), x, size, colour, true);
    if derivative {
        out.push(String::new());
        out.extend(chart("f′(x)", &term_lines(curves, true), x, size, colour, true));
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// `actfn describe`'s picture: the function and its derivative side by side (with a
/// legend below only when there are several curves: PReLU's channels).
pub fn side_by_side(curves: &[Curve], x: XRange, size: Size) -> String {
    let left = chart("f(x)", &term_lines(curves, false), x, size, false, false);
    let right = chart("f′(x)", &term_lines(curves, true), x, size, false, false);
    let lw = left.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let rows = left.len().max(right.len());
    let mut s = String::new();
    for r in 0..rows {
        let l = left.get(r).map_or("", String::as_str);
        let rt = right.get(r).map_or("", String::as_str);
        let line = format!("{}    {rt}", pad(l, lw));
        s.push_str(line.trim_end());
        s.push('\n');
    }
    if curves.len() > 1 {
        let keys: Vec<String> = curves
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{} {}", k + 1, c.label))
            .collect();
        s.push_str(&keys.join("   "));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{curves, DEFAULT_RANGE, SAMPLES};
    use actfn::Activation;

    fn relu_chart() -> Vec<String> {
        let act = Activation::parse("relu").unwrap();
        let c = curves(&act, "relu", &DEFAULT_RANGE.grid(SAMPLES)).unwrap();
        chart(
            "f(x)",
            &term_lines(&c, false),
            DEFAULT_RANGE,
            Size { width: 24, height: 6 },
            false,
            true,
        )
    }

    #[test]
    fn relu_looks_like_relu() {
        let lines = relu_chart();
        assert_eq!(lines[0], "f(x)");
        // Top row: the curve reaches the top only at the right end.
        let top = &lines[1];
        assert!(top.starts_with(" 6.36 ┤"), "{top}");
        let plot: Vec<char> = top.chars().skip(7).collect();
        assert!(plot.iter().take(11).all(|&c| c == ' '), "{top}");
        assert_ne!(*plot.last().unwrap(), ' ');
        assert_eq!(plot.len(), 24);
        // Bottom row: the flat left half.
        let bottom = &lines[6];
        assert!(bottom.contains("-0.36 ┤") || bottom.contains("-0.36"), "{bottom}");
        assert!(lines[7].contains('└'));
        assert!(lines[8].contains("-6") && lines[8].contains('6') && lines[8].contains('0'));
        assert!(lines[9].contains("relu"));
        for l in &lines {
            assert!(!l.contains('\x1b'));
        }
    }

    #[test]
    fn curves_are_numbered_and_coloured() {
        let xs = DEFAULT_RANGE.grid(SAMPLES);
        let mut cs = curves(&Activation::parse("tanh").unwrap(), "tanh", &xs).unwrap();
        cs.extend(curves(&Activation::parse("sigmoid").unwrap(), "sigmoid", &xs).unwrap());
        let s = comparison(&cs, DEFAULT_RANGE, true, Size::default(), false);
        assert!(s.contains("1 tanh   2 sigmoid"), "{s}");
        assert!(s.contains("1 tanh′   2 sigmoid′"), "{s}");
        let coloured = comparison(&cs, DEFAULT_RANGE, false, Size::default(), true);
        assert!(coloured.contains("\x1b[34m"));
    }
}
