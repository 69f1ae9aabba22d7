//! The experiments, one file each, in report order.

mod compare;
mod cost;
mod dying;
mod linear_collapse;
mod selu;
pub mod siren;
pub mod siren_audio;
pub mod siren_init;
pub mod siren_net;
mod siren_tiles;
mod stability;
mod stats;
mod step;
mod tasks;
mod vanishing;

pub use compare::CompareData;
pub use tasks::{task, task_names, user_task};

use super::Experiment;

/// Every experiment, in report order.
pub fn all() -> Vec<&'static dyn Experiment> {
    vec![
        &linear_collapse::LinearCollapse,
        &step::Step,
        &vanishing::Vanishing,
        &dying::Dying,
        &selu::Selu,
        &stats::Stats,
        &stability::Stability,
        &compare::Compare,
        &cost::Cost,
        &siren_init::SirenInit,
        &siren::SirenImage,
        &siren_audio::SirenAudio,
    ]
}
