//! The loss lab's default shows the effect it teaches: with D a step ahead, D(G(z)) starts near
//! 0, where the saturating cost's gradient vanishes and the non-saturating one does not.

use crate::common;

use burn::tensor::Device;
use gan_playground::IterationStats;
use gan_playground::checkpoint::RunSnapshot;
use gan_playground::lab::{COSTS, HeadStart, LIMITS, LabConfig, LabPhase, LossLab, restore_run};
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

fn tiny_lab() -> LabConfig {
    let mut config = LabConfig {
        width: 8,
        head_start: 6,
        ..LabConfig::default()
    };
    config.train.batch_size = 8;
    config
}

/// The page's two-worker lab: the head start's state leaves as bytes, and each run is
/// restored from them alone (as a second wasm instance would).
fn split_runs(config: LabConfig, steps: usize) -> (Vec<Vec<IterationStats>>, Vec<Vec<f32>>) {
    let data = common::mnist_slice();
    let device = Device::flex();
    let mut head = HeadStart::new(config, &data, &device).unwrap();
    while head.advance(&data, 4).unwrap() > 0 {}
    let bytes = head.hand_over().unwrap().read().unwrap().into_bytes();
    drop(head);
    let mut stats = Vec::new();
    let mut samples = Vec::new();
    for cost in COSTS {
        // A fresh copy of the bytes for each "worker", restored on its own.
        let snapshot = RunSnapshot::from_bytes(bytes.clone()).unwrap();
        let mut run = restore_run(&snapshot, cost, &device).unwrap();
        stats.push(
            (0..steps)
                .map(|_| run.iteration(&data).unwrap().read().unwrap())
                .collect(),
        );
        samples.push(values(run.sample(z()).unwrap()));
    }
    (stats, samples)
}

fn z() -> Vec<f32> {
    gan_playground::latent::sample(gan_playground::train::Prior::Normal, 4, 100, 0)
}

fn values(t: burn::tensor::Tensor<4>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap()
}

#[test]
fn two_workers_give_the_statistics_of_one_bit_for_bit() {
    let (split, split_samples) = split_runs(tiny_lab(), 4);
    let data = common::mnist_slice();
    let mut lab = LossLab::new(tiny_lab(), &data, &Device::flex()).unwrap();
    assert!(matches!(lab.phase, LabPhase::Runs(_)));
    let mut one = vec![Vec::new(), Vec::new()];
    for _ in 0..4 {
        for (i, p) in lab.step(&data).unwrap().into_iter().enumerate() {
            one[i].push(p.read().unwrap());
        }
    }
    assert_eq!(split, one);
    let one_samples: Vec<Vec<f32>> = lab.samples(&z()).unwrap().into_iter().map(values).collect();
    assert_eq!(split_samples, one_samples);
}

#[test]
fn the_hand_over_carries_the_whole_state() {
    // The head-started run going on itself, against the run restored from its hand-over:
    // weights, both Adam states, batch-norm statistics, step and randomness all came across.
    let data = common::mnist_slice();
    let device = Device::flex();
    let mut head = HeadStart::new(tiny_lab(), &data, &device).unwrap();
    head.advance(&data, usize::MAX).unwrap();
    let snapshot = head.hand_over().unwrap().read().unwrap();
    let mut restored = restore_run(&snapshot, COSTS[0], &device).unwrap();
    let mut original = head.into_run();
    for _ in 0..3 {
        let a = original.iteration(&data).unwrap().read().unwrap();
        let b = restored.iteration(&data).unwrap().read().unwrap();
        assert_eq!(a, b);
    }
    assert_eq!(
        values(original.sample(z()).unwrap()),
        values(restored.sample(z()).unwrap())
    );
    // And a run's own snapshot later on is as exact: both go on alike.
    let later = RunSnapshot::of(&restored).unwrap();
    let mut again = later.restore(&device).unwrap();
    assert_eq!(again.iteration, 3);
    assert_eq!(
        again.iteration(&data).unwrap().read().unwrap(),
        original.iteration(&data).unwrap().read().unwrap()
    );
}

#[test]
fn the_lab_refuses_settings_outside_its_limits_and_runs_out_of_order() {
    let data = common::mnist_slice();
    let device = Device::flex();
    let too = |f: &dyn Fn(&mut LabConfig)| {
        let mut c = tiny_lab();
        f(&mut c);
        let e = HeadStart::new(c, &data, &device).err().expect("refused");
        e.to_string()
    };
    assert!(
        too(&|c| c.train.lr_g = 0.5)
            .contains("learning rate must be a number from 1e-6 to 0.1; got 0.5")
    );
    assert!(too(&|c| c.train.lr_d = f64::NAN).contains("learning rate"));
    assert!(too(&|c| c.head_start = LIMITS.head_start.max + 1).contains("head start"));
    assert!(too(&|c| c.train.d_steps = 0).contains("D steps"));
    assert!(too(&|c| c.train.g_steps = 11).contains("G steps"));
    assert!(too(&|c| c.train.batch_size = 1).contains("batch size"));
    assert!(too(&|c| c.width = 65).contains("width"));
    let mut lab = LossLab::prepare(tiny_lab(), &data, &device).unwrap();
    assert!(lab.step(&data).is_err());
    assert!(lab.samples(&z()).is_err());
    let LabPhase::HeadStart(head) = &lab.phase else {
        panic!("the lab starts with its head start")
    };
    assert!(
        head.hand_over().is_err(),
        "no hand-over before the head start is done"
    );
    assert_eq!(lab.advance_head_start(&data, 100).unwrap(), 0);
    assert!(lab.step(&data).is_ok());
}
