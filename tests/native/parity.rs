//! PyTorch parity on the native CPU backend (the checks are in `tests/common/parity.rs`).

use crate::common::parity::{eval_parity, spectral_step_parity, step_parity};
use gan_playground::train::{GeneratorCost, Loss};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/parity/{name}.safetensors",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

#[test]
fn eval_mode_matches_pytorch_grey() {
    eval_parity("nc1", &fixture("nc1"));
}

#[test]
fn eval_mode_matches_pytorch_rgb() {
    eval_parity("nc3", &fixture("nc3"));
}

#[test]
fn one_iteration_matches_pytorch_non_saturating() {
    step_parity("nc1", &fixture("nc1"), GeneratorCost::NonSaturating);
    step_parity("nc3", &fixture("nc3"), GeneratorCost::NonSaturating);
}

#[test]
fn one_iteration_matches_pytorch_saturating() {
    step_parity("nc1", &fixture("nc1"), GeneratorCost::Saturating);
    step_parity("nc3", &fixture("nc3"), GeneratorCost::Saturating);
}

#[test]
fn one_iteration_with_spectral_norm_and_hinge_matches_pytorch() {
    let fx = fixture("spectral");
    spectral_step_parity(&fx, "hinge", Loss::Hinge, GeneratorCost::NonSaturating);
}

#[test]
fn one_iteration_with_spectral_norm_and_cross_entropy_matches_pytorch() {
    let fx = fixture("spectral");
    spectral_step_parity(
        &fx,
        "non_saturating",
        Loss::CrossEntropy,
        GeneratorCost::NonSaturating,
    );
}
