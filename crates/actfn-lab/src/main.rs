//! The `actfn` binary: everything lives in the `actfn_lab` library.

fn main() -> std::process::ExitCode {
    actfn_lab::cli::main()
}
