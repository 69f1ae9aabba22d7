//! Failures and exit codes: every failure becomes one line `error: ...` on stderr and
//! exit code 2 (the command line was wrong) or 1 (something failed while running).

use std::fmt;
use std::io;

/// Exit code of a run that failed while running (I/O, a malformed file, shapes that
/// do not fit).
pub const RUNTIME: u8 = 1;
/// Exit code of a command line that is wrong (unknown activation, bad parameter,
/// options that do not go together).
pub const USAGE: u8 = 2;

/// A mistake in the command line; exits with [`USAGE`].
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A usage error as an [`anyhow::Error`].
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// The exit code for `err`: [`USAGE`] if a [`UsageError`] is in its chain, else
/// [`RUNTIME`].
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|e| e.is::<UsageError>()) {
        USAGE
    } else {
        RUNTIME
    }
}

/// Whether `err` is a write to a closed pipe (`actfn list | head`), which is not a
/// failure worth reporting.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `err` with its context chain as one line: `error: context: cause`.
pub fn one_line(err: &anyhow::Error) -> String {
    squash(&format!("error: {err:#}"))
}

/// Joins the lines of `text` with spaces, dropping blank ones.
pub fn squash(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn usage_errors_keep_their_code_under_context() {
        let e = Err::<(), _>(usage("bad spec")).context("while parsing").unwrap_err();
        assert_eq!(exit_code(&e), USAGE);
        assert_eq!(one_line(&e), "error: while parsing: bad spec");
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), RUNTIME);
    }

    #[test]
    fn messages_become_one_line() {
        let e = anyhow::anyhow!("first\n\n  second\n");
        assert_eq!(one_line(&e), "error: first second");
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let io = io::Error::new(io::ErrorKind::BrokenPipe, "closed");
        let e = Err::<(), _>(io).context("writing").unwrap_err();
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
