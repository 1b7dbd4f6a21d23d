//! The loss lab's default shows the effect it teaches: with D a step ahead, D(G(z)) starts near
//! 0, where the saturating cost's gradient vanishes and the non-saturating one does not.

mod common;

use burn::tensor::Device;
use gan_playground::IterationStats;
use gan_playground::lab::{COSTS, LabConfig, LossLab};
use gan_playground::loss::GeneratorCost;

fn run(config: LabConfig, steps: usize) -> Vec<Vec<IterationStats>> {
    let data = common::mnist_slice();
    let mut lab = LossLab::new(config, &data, &Device::flex()).unwrap();
    let mut out = vec![Vec::new(), Vec::new()];
    for _ in 0..steps {
        for (i, pending) in lab.step(&data).unwrap().into_iter().enumerate() {
            out[i].push(pending.read().unwrap());
        }
    }
    out
}

fn mean(values: impl Iterator<Item = f32>) -> f32 {
    let v: Vec<f32> = values.collect();
    v.iter().sum::<f32>() / v.len() as f32
}

#[test]
fn default_lab_shows_the_saturating_gradient_vanish() {
    assert_eq!(
        COSTS,
        [GeneratorCost::Saturating, GeneratorCost::NonSaturating]
    );
    let stats = run(LabConfig::default(), 20);
    let [saturating, non_saturating] = [&stats[0], &stats[1]];
    // Same weights, data, z and head start: the first D(G(z)) and D loss are identical.
    assert_eq!(saturating[0].d_fake_before, non_saturating[0].d_fake_before);
    assert_eq!(saturating[0].d_loss, non_saturating[0].d_loss);
    // D is ahead: the samples sit near 0 on the cost curve.
    assert!(saturating[0].d_fake_before < 0.02, "{:?}", saturating[0]);
    // Recorded in docs/LOSS_LAB.md: 143x at the first step, 7.4x over the first 20.
    let first = non_saturating[0].g_grad_norm / saturating[0].g_grad_norm;
    assert!(
        first > 50.0,
        "first step: non-saturating ‖∇G‖ only {first:.1}x"
    );
    let grad = |s: &[IterationStats]| mean(s.iter().map(|x| x.g_grad_norm));
    let ratio = grad(non_saturating) / grad(saturating);
    assert!(
        ratio > 5.0,
        "non-saturating ‖∇G‖ is only {ratio:.2}x the saturating one over 20 steps"
    );
    for run in &stats {
        assert!(run.iter().all(IterationStats::is_finite));
    }
}

#[test]
fn without_a_head_start_the_gap_is_smaller() {
    let config = LabConfig {
        head_start: 0,
        ..LabConfig::default()
    };
    let stats = run(config, 1);
    // Untrained D says ~0.5 for everything: the two costs' slopes w.r.t. the logit are
    // both ~0.5 there, so the gradients are close.
    let ratio = stats[1][0].g_grad_norm / stats[0][0].g_grad_norm;
    assert!((0.5..2.0).contains(&ratio), "ratio {ratio}");
}
