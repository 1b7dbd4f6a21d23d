//! The end-of-run learning-rate decay.

use crate::common;

use burn::tensor::Device;
use common::*;
use gan_playground::train::{IterationStats, LinearDecay, TrainConfig, Trainer};

#[test]
fn linear_decay_is_flat_then_falls_to_zero_at_the_end() {
    let decay = LinearDecay::new(6, 10).unwrap();
    let scales: Vec<f64> = (0..=11).map(|i| decay.scale(i)).collect();
    assert_eq!(
        scales,
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    );
    assert!(LinearDecay::new(10, 10).is_err());
    assert!(LinearDecay::new(11, 10).is_err());
}

fn two_iterations(config: TrainConfig, scale: f64) -> Vec<IterationStats> {
    let device = Device::flex();
    let data = mnist_slice();
    let mut trainer = Trainer::new(tiny_model(), config, &device).unwrap();
    trainer.set_lr_scale(scale).unwrap();
    (0..2)
        .map(|_| trainer.iteration(&data).unwrap().read().unwrap())
        .collect()
}

#[test]
fn the_scale_multiplies_both_learning_rates() {
    let halved = two_iterations(tiny_config(2), 0.5);
    let slower = TrainConfig {
        lr_d: 1e-4,
        lr_g: 1e-4,
        ..tiny_config(2)
    };
    assert_eq!(halved, two_iterations(slower, 1.0));
    assert_ne!(halved, two_iterations(tiny_config(2), 1.0));
    // At zero nothing moves: the second iteration's D(G(z)) after G's step equals before it.
    let frozen = two_iterations(tiny_config(2), 0.0);
    let (before, after) = (frozen[1].d_fake_before, frozen[1].d_fake_after.unwrap());
    assert!((after - before).abs() < 1e-6, "{before} -> {after}");
    assert!((halved[1].d_fake_after.unwrap() - halved[1].d_fake_before).abs() > 1e-6);
}

#[test]
fn bad_scales_are_refused() {
    let mut trainer = Trainer::new(tiny_model(), tiny_config(0), &Device::flex()).unwrap();
    for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        assert!(trainer.set_lr_scale(bad).is_err(), "{bad}");
    }
    assert_eq!(trainer.lr_scale(), 1.0);
}
