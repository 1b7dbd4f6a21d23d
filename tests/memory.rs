//! Memory that must not grow with the number of steps. Alone in its own test binary, so the
//! process's resident size is this test's.

mod common;

use burn::tensor::Device;
use common::*;
use gan_playground::model::ModelConfig;
use gan_playground::train::{TrainConfig, Trainer};

/// Resident set size of this process in bytes (Linux's /proc/self/status, `VmRSS` in kB).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// A discriminator-only head start never backpropagates through G; if G's forward passes
/// were recorded for autodiff they would be kept until a G step that never comes (a 2,000-step
/// head start once took 24 GB and was killed).
#[test]
#[cfg(target_os = "linux")]
fn a_discriminator_head_start_does_not_grow_memory_with_its_length() {
    let data = mnist_slice();
    let model = ModelConfig::new(28, 1, 32, 64, 16).unwrap();
    let config = TrainConfig {
        batch_size: 64,
        seed: 5,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(model, config, &Device::flex()).unwrap();
    trainer.discriminator_head_start(&data, 0, 20).unwrap();
    let before = resident_bytes();
    trainer.discriminator_head_start(&data, 20, 60).unwrap();
    let grown = resident_bytes().saturating_sub(before);
    // Recorded, G's passes kept ~14 MB a step at this width: these 60 grew it by ~840 MB.
    assert!(
        grown < 150 << 20,
        "60 more head-start steps grew the process by {} MB",
        grown >> 20
    );
}
