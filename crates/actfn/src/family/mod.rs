//! Activations by family: each file holds the metadata and lane functions of its members.

pub(crate) mod exponential;
pub(crate) mod gated;
pub(crate) mod gaussian;
pub(crate) mod linear;
pub(crate) mod logistic;
pub(crate) mod periodic;
pub(crate) mod rectifier;
pub(crate) mod softmax;
