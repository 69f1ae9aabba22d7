//! Gated linear units: split a dim in halves `a`, `b` and return `a·act(b)`.

use crate::info::{props, Family, Info, OpShape, DIM};

const GATED_DIFFERENCES: &[&str] = &["the dim defaults to the last one, as PyTorch's glu"];

pub(crate) const GLU: Info = Info {
    name: "glu",
    aliases: &[],
    family: Family::Gated,
    shape: OpShape::Gated,
    params: &[DIM],
    summary: "gated linear unit: the first half of a dim, gated by the sigmoid of the second",
    formula: "a·sigmoid(b), [a, b] = x split in halves along dim",
    derivative: "da = g·sigmoid(b); db = g·a·sigmoid(b)·(1 - sigmoid(b))",
    range: "(-inf, inf); the dim halves",
    properties: props(false, false, false, true, false),
    pytorch: "torch.nn.functional.glu(x, dim)",
    references: &[
        "Dauphin, Fan, Auli & Grangier 2017, Language modeling with gated convolutional networks (arXiv:1612.08083)",
    ],
    differences: GATED_DIFFERENCES,
};

const SHAZEER: &[&str] = &["Shazeer 2020, GLU variants improve transformer (arXiv:2002.05202)"];

pub(crate) const REGLU: Info = Info {
    name: "reglu",
    aliases: &[],
    family: Family::Gated,
    shape: OpShape::Gated,
    params: &[DIM],
    summary: "GLU with a ReLU gate",
    formula: "a·relu(b), [a, b] = x split in halves along dim",
    derivative: "da = g·relu(b); db = g·a·(1 if b > 0 else 0)",
    range: "(-inf, inf); the dim halves",
    properties: props(false, false, false, false, false),
    pytorch: "a, b = x.chunk(2, dim); a * F.relu(b)",
    references: SHAZEER,
    differences: GATED_DIFFERENCES,
};

pub(crate) const GEGLU: Info = Info {
    name: "geglu",
    aliases: &[],
    family: Family::Gated,
    shape: OpShape::Gated,
    params: &[DIM],
    summary: "GLU with an (exact, erf) GELU gate",
    formula: "a·gelu(b), [a, b] = x split in halves along dim",
    derivative: "da = g·gelu(b); db = g·a·gelu'(b)",
    range: "(-inf, inf); the dim halves",
    properties: props(false, false, false, true, false),
    pytorch: "a, b = x.chunk(2, dim); a * F.gelu(b)",
    references: SHAZEER,
    differences: GATED_DIFFERENCES,
};

pub(crate) const SWIGLU: Info = Info {
    name: "swiglu",
    aliases: &[],
    family: Family::Gated,
    shape: OpShape::Gated,
    params: &[DIM],
    summary: "GLU with a SiLU (swish) gate: the feed-forward block of LLaMA-style transformers",
    formula: "a·silu(b), [a, b] = x split in halves along dim",
    derivative: "da = g·silu(b); db = g·a·silu'(b)",
    range: "(-inf, inf); the dim halves",
    properties: props(false, false, false, true, false),
    pytorch: "a, b = x.chunk(2, dim); a * F.silu(b)",
    references: SHAZEER,
    differences: GATED_DIFFERENCES,
};
