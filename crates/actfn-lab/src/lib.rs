//! # actfn-lab: the `actfn` command line
//!
//! Look at activations (`actfn list`, `actfn describe`), evaluate them on numbers or
//! NumPy arrays (`actfn eval`) and backpropagate through them (`actfn grad`). The
//! binary is a thin wrapper over [`cli::main`]; each command's logic lives in its own
//! module so that it can be tested without spawning a process.

pub mod bench;
pub mod catalog;
pub mod cli;
pub mod compute;
pub mod data;
pub mod docs;
pub mod error;
pub mod gallery;
pub mod image;
pub mod lab;
pub mod npy;
pub mod plot;
pub mod text;
pub mod wav;
