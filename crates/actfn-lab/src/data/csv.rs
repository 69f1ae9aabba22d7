//! User data from CSV files: numeric feature columns and one label column.
//!
//! - The label column is chosen by name (needs a header), by 0-based index, or is the
//!   last column (the default).
//! - The header is detected when not stated: the first row is a header if one of its
//!   feature fields is not a number.
//! - Classification (the default): labels that are all integers in `0..65536` are the
//!   class ids themselves (`n_classes = max + 1`); other labels (negative integers,
//!   decimals, strings) become ids in sorted order (numbers numerically, else text), and
//!   their names are kept in [`Dataset::class_names`]. With `regression` the label
//!   column must be numeric and becomes the target.
//! - Fields are separated by a comma (or the chosen delimiter), may be quoted with `"`
//!   (`""` inside quotes is a quote) and are trimmed; blank lines and lines starting
//!   with `#` are skipped; a `.gz` file (gzip magic) is decompressed.
//! - Every problem is one line naming the file, the line and the column.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};

use super::{read_bytes, Dataset, Labels};

/// Which column holds the labels.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum LabelColumn {
    /// The last column.
    #[default]
    Last,
    /// A 0-based column index.
    Index(usize),
    /// The column with this header name.
    Name(String),
}

impl LabelColumn {
    /// `last` or `-1` → [`LabelColumn::Last`], digits → [`LabelColumn::Index`], anything
    /// else → [`LabelColumn::Name`].
    pub fn parse(s: &str) -> LabelColumn {
        let s = s.trim();
        if s == "last" || s == "-1" {
            LabelColumn::Last
        } else if let Ok(i) = s.parse::<usize>() {
            LabelColumn::Index(i)
        } else {
            LabelColumn::Name(s.to_string())
        }
    }
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    pub label: LabelColumn,
    /// `Some(true)`: the first row is a header; `Some(false)`: it is data; `None`: detect.
    pub header: Option<bool>,
    /// The label column is a numeric regression target instead of a class.
    pub regression: bool,
    pub delimiter: char,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            label: LabelColumn::Last,
            header: None,
            regression: false,
            delimiter: ',',
        }
    }
}

/// Loads a CSV (or gzipped CSV) file; the data set is named after the file.
pub fn load_csv(path: &Path, opts: &CsvOptions) -> Result<Dataset> {
    let bytes = read_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("{}: not UTF-8 text ({e})", path.display()))?;
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    parse_csv(&text, &name, opts).with_context(|| path.display().to_string())
}

/// Splits one line into trimmed fields, honouring `"` quotes.
fn split_line(line: &str, delim: char, ln: usize) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && cur.trim().is_empty() && !was_quoted {
            cur.clear();
            quoted = true;
            was_quoted = true;
        } else if c == delim {
            fields.push(if was_quoted {
                cur.clone()
            } else {
                cur.trim().to_string()
            });
            cur.clear();
            was_quoted = false;
        } else if !(was_quoted && c.is_whitespace()) {
            ensure!(!was_quoted, "line {ln}: text after a closing quote");
            cur.push(c);
        }
    }
    ensure!(!quoted, "line {ln}: unterminated quote");
    fields.push(if was_quoted { cur } else { cur.trim().to_string() });
    Ok(fields)
}

fn parse_number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses CSV text (see the module docs); `name` names the data set and the errors.
pub fn parse_csv(text: &str, name: &str, opts: &CsvOptions) -> Result<Dataset> {
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        rows.push((i + 1, split_line(line, opts.delimiter, i + 1)?));
    }
    ensure!(!rows.is_empty(), "no rows");
    let width = rows[0].1.len();
    ensure!(width >= 2, "line {}: one column; need features and a label", rows[0].0);
    for (ln, r) in &rows {
        ensure!(r.len() == width, "line {ln}: {} columns, expected {width}", r.len());
    }

    let label_by_index = |i: usize| -> Result<usize> {
        ensure!(
            i < width,
            "label column {i} does not exist ({width} columns, counted from 0)"
        );
        Ok(i)
    };
    let has_header = match opts.header {
        Some(h) => h,
        None => {
            // A header if one of the first row's non-label fields is not a number, or the
            // label is chosen by a name that the first row contains.
            let first = &rows[0].1;
            let named = matches!(&opts.label, LabelColumn::Name(n) if first.iter().any(|f| f == n));
            let label_ix = match &opts.label {
                LabelColumn::Last => Some(width - 1),
                LabelColumn::Index(i) => Some(*i),
                LabelColumn::Name(_) => None,
            };
            named
                || first
                    .iter()
                    .enumerate()
                    .any(|(j, f)| Some(j) != label_ix && parse_number(f).is_none())
        }
    };
    let header: Option<Vec<String>> = if has_header { Some(rows.remove(0).1) } else { None };
    ensure!(!rows.is_empty(), "a header but no data rows");

    let label_ix = match &opts.label {
        LabelColumn::Last => width - 1,
        LabelColumn::Index(i) => label_by_index(*i)?,
        LabelColumn::Name(n) => match &header {
            Some(h) => h
                .iter()
                .position(|f| f == n)
                .with_context(|| format!("no column named {n:?} (columns: {})", h.join(", ")))?,
            None => bail!("label column {n:?} chosen by name but the file has no header"),
        },
    };
    let col_name = |j: usize| match &header {
        Some(h) => format!("column {j} ({:?})", h[j]),
        None => format!("column {j}"),
    };

    let d = width - 1;
    let mut x = Vec::with_capacity(rows.len() * d);
    let mut raw_labels = Vec::with_capacity(rows.len());
    for (ln, r) in &rows {
        for (j, f) in r.iter().enumerate() {
            if j == label_ix {
                continue;
            }
            let v =
                parse_number(f).with_context(|| format!("line {ln}, {}: {f:?} is not a finite number", col_name(j)))?;
            x.push(v as f32);
        }
        raw_labels.push((*ln, r[label_ix].clone()));
    }

    let mut class_names = Vec::new();
    let labels = if opts.regression {
        let mut y = Vec::with_capacity(raw_labels.len());
        for (ln, f) in &raw_labels {
            let v = parse_number(f).with_context(|| {
                format!(
                    "line {ln}, {}: regression target {f:?} is not a finite number",
                    col_name(label_ix)
                )
            })?;
            y.push(v as f32);
        }
        Labels::Value(y, 1)
    } else {
        for (ln, f) in &raw_labels {
            ensure!(!f.is_empty(), "line {ln}, {}: empty label", col_name(label_ix));
        }
        let ints: Option<Vec<u32>> = raw_labels
            .iter()
            .map(|(_, f)| f.parse::<u32>().ok().filter(|&v| v < 65_536))
            .collect();
        if let Some(ids) = ints {
            let k = *ids.iter().max().expect("rows are not empty") as usize + 1;
            Labels::Class(ids, k)
        } else {
            let numeric: Option<Vec<f64>> = raw_labels
                .iter()
                // `+ 0.0` makes -0 and 0 one class.
                .map(|(_, f)| parse_number(f).map(|v| v + 0.0))
                .collect();
            let (names, ids): (Vec<String>, Vec<u32>) = match numeric {
                Some(vals) => {
                    let mut uniq = vals.clone();
                    uniq.sort_by(f64::total_cmp);
                    uniq.dedup();
                    let ids = vals
                        .iter()
                        .map(|v| uniq.binary_search_by(|u| u.total_cmp(v)).unwrap_or(0) as u32)
                        .collect();
                    (uniq.iter().map(f64::to_string).collect(), ids)
                }
                None => {
                    let uniq: Vec<String> = raw_labels
                        .iter()
                        .map(|(_, f)| f.clone())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    let ids = raw_labels
                        .iter()
                        .map(|(_, f)| uniq.binary_search(f).unwrap_or(0) as u32)
                        .collect();
                    (uniq, ids)
                }
            };
            let k = names.len();
            class_names = names;
            Labels::Class(ids, k)
        }
    };
    let mut data = Dataset::new(name, x, d, labels)?;
    data.class_names = class_names;
    Ok(data)
}
