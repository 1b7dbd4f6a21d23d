#![allow(dead_code)]
use gan_playground::data::ImageSet;
use gan_playground::model::ModelConfig;
use gan_playground::train::TrainConfig;

pub mod parity;

pub const MNIST_IMAGES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/mnist/train-1k-images-idx3-ubyte.gz"
);

/// The first 1,000 MNIST training digits.
pub fn mnist_slice() -> ImageSet {
    ImageSet::from_idx_bytes(&std::fs::read(MNIST_IMAGES).unwrap(), None).unwrap()
}

/// A small 28x28 DCGAN that trains in seconds on the CPU.
pub fn tiny_model() -> ModelConfig {
    ModelConfig::new(28, 1, 32, 16, 16).unwrap()
}

pub fn tiny_config(seed: u64) -> TrainConfig {
    TrainConfig {
        batch_size: 32,
        seed,
        ..TrainConfig::default()
    }
}

/// The largest element-wise difference between two equally long slices.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
