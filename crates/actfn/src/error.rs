//! The one error type of the library.

use thiserror::Error;

/// Everything that can go wrong: parsing a spec, validating parameters, or calling a
/// kernel with slices or shapes that do not fit. Each message is one line that names
/// the culprit and, where there is one, the fix.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum Error {
    /// The spec text is not of the form `name` or `name(args)`.
    #[error("cannot parse `{spec}`: {message} at column {column}")]
    Syntax {
        spec: String,
        column: usize,
        message: String,
    },
    /// No activation has this name or alias.
    #[error("unknown activation `{name}`{}", suggestion_suffix(.suggestion))]
    UnknownActivation { name: String, suggestion: Option<String> },
    /// The activation has no parameter of this name.
    #[error("{activation} has no parameter `{param}`{}; its parameters: {expected}", suggestion_suffix(.suggestion))]
    UnknownParameter {
        activation: &'static str,
        param: String,
        suggestion: Option<String>,
        expected: String,
    },
    /// More positional arguments than parameters.
    #[error("{activation} takes at most {max} argument(s), {given} given")]
    Arity {
        activation: &'static str,
        max: usize,
        given: usize,
    },
    /// A parameter was given twice.
    #[error("{activation}: parameter `{param}` given twice")]
    DuplicateParameter {
        activation: &'static str,
        param: &'static str,
    },
    /// A required parameter (no default) was not given.
    #[error("{activation} needs parameter `{param}`")]
    MissingParameter {
        activation: &'static str,
        param: &'static str,
    },
    /// A parameter value is out of its domain or of the wrong kind.
    #[error("{activation}: bad {param} = {value}: {reason}")]
    BadParameter {
        activation: &'static str,
        param: &'static str,
        value: String,
        reason: String,
    },
    /// Two slices (or a slice and a shape) disagree in length.
    #[error("length mismatch: {what} has {actual} elements, expected {expected}")]
    Length {
        what: &'static str,
        expected: usize,
        actual: usize,
    },
    /// A `dim` outside `-ndim..ndim`.
    #[error("dim {dim} is out of range for a {ndim}-d array (valid: {} to {})", -(*.ndim as i64).max(1), (*.ndim as i64).max(1) - 1)]
    Dim { dim: i64, ndim: usize },
    /// The gated family needs an even size along its dim.
    #[error("{activation} splits dim {dim} in halves, but its size {size} is odd")]
    OddSplit {
        activation: &'static str,
        dim: usize,
        size: usize,
    },
    /// A shape that does not fit the operation (PReLU channels, ...).
    #[error("{0}")]
    Shape(String),
    /// An `expr(...)` spec that parses but cannot be used (its derivative disagrees with
    /// finite differences, a parameter is unused, ...).
    #[error("{spec}: {message}")]
    Expr { spec: String, message: String },
    /// The operation does not exist for this activation (in-place GLU, ...).
    #[error("{activation} does not support {operation}")]
    Unsupported {
        activation: &'static str,
        operation: &'static str,
    },
}

impl Error {
    /// True for errors in the spec itself (syntax, name, parameters): the user's
    /// command line is wrong, not the data it points at.
    pub fn is_spec(&self) -> bool {
        matches!(
            self,
            Error::Syntax { .. }
                | Error::UnknownActivation { .. }
                | Error::UnknownParameter { .. }
                | Error::Arity { .. }
                | Error::DuplicateParameter { .. }
                | Error::MissingParameter { .. }
                | Error::BadParameter { .. }
                | Error::Expr { .. }
        )
    }
}

fn suggestion_suffix(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
