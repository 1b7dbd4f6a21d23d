use crate::common;

use burn::tensor::Device;
use common::*;
use gan_playground::checkpoint::{load_run, save_run};
use gan_playground::train::{GeneratorCost, IterationStats, Measure, Trainer};

fn run(trainer: &mut Trainer, n: usize) -> Vec<IterationStats> {
    let data = mnist_slice();
    (0..n)
        .map(|_| trainer.iteration(&data).unwrap().read().unwrap())
        .collect()
}

#[test]
fn a_short_run_on_real_digits_lowers_the_discriminator_loss() {
    let device = Device::flex();
    let mut trainer = Trainer::new(tiny_model(), tiny_config(1), &device).unwrap();
    let stats = run(&mut trainer, 40);
    assert!(stats.iter().all(IterationStats::is_finite), "{stats:?}");
    assert_eq!(stats.last().unwrap().iteration, 40);
    let start = stats[0].d_loss;
    let end = stats[35..].iter().map(|s| s.d_loss).sum::<f32>() / 5.0;
    // An untrained D sits at 2 ln 2 ≈ 1.386; learning to tell digits from noise lowers it.
    assert!((start - 1.386).abs() < 0.3, "start {start}");
    assert!(end < start - 0.3, "D loss went from {start} to {end}");
    let last = stats.last().unwrap();
    assert!(last.d_real > 0.5, "D(x) {}", last.d_real);
    assert_eq!(last.d_fake_batch.len(), 32);
    assert!(last.g_grad_norm > 0.0);
    // The G step moved D(G(z)) up for the same z.
    let gained = stats
        .iter()
        .filter(|s| s.d_fake_after.unwrap() > s.d_fake_before)
        .count();
    assert!(
        gained > stats.len() / 2,
        "G improved D(G(z)) in only {gained} of {} iterations",
        stats.len()
    );
}

#[test]
fn the_pages_lean_iteration_trains_exactly_as_the_full_one() {
    // The page does not measure D(G(z)) after G's step; the run must not notice.
    let device = Device::flex();
    let data = mnist_slice();
    let mut full = Trainer::new(tiny_model(), tiny_config(5), &device).unwrap();
    let mut lean = Trainer::new(tiny_model(), tiny_config(5), &device).unwrap();
    for _ in 0..3 {
        let a = full.iteration(&data).unwrap().read().unwrap();
        let b = lean
            .iteration_with(&data, Measure::WithoutAfter)
            .unwrap()
            .read()
            .unwrap();
        assert!(a.d_fake_after.is_some() && b.d_fake_after.is_none());
        assert!(b.is_finite());
        assert_eq!(
            IterationStats {
                d_fake_after: None,
                ..a
            },
            b
        );
    }
    let weights = |t: &Trainer| {
        gan_playground::model::read_values(&t.model.generator_tensors(), t.generator.flat_tensors())
            .unwrap()
    };
    assert_eq!(weights(&full), weights(&lean));
}

#[test]
fn runs_are_deterministic_for_a_seed() {
    let device = Device::flex();
    let a = run(
        &mut Trainer::new(tiny_model(), tiny_config(3), &device).unwrap(),
        3,
    );
    let b = run(
        &mut Trainer::new(tiny_model(), tiny_config(3), &device).unwrap(),
        3,
    );
    let c = run(
        &mut Trainer::new(tiny_model(), tiny_config(4), &device).unwrap(),
        3,
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn k_discriminator_and_m_generator_steps() {
    let device = Device::flex();
    let config = gan_playground::train::TrainConfig {
        d_steps: 2,
        g_steps: 3,
        cost: GeneratorCost::Saturating,
        ..tiny_config(5)
    };
    let mut trainer = Trainer::new(tiny_model(), config, &device).unwrap();
    let stats = run(&mut trainer, 2);
    assert!(stats.iter().all(IterationStats::is_finite));
    assert_eq!(trainer.iteration, 2);
    assert!(stats[1].d_fake_after != Some(stats[1].d_fake_before));
}

#[test]
fn a_saved_run_resumes_exactly() {
    let device = Device::flex();
    let mut straight = Trainer::new(tiny_model(), tiny_config(9), &device).unwrap();
    let expected = run(&mut straight, 4);

    let dir = tempfile::tempdir().unwrap();
    let mut first = Trainer::new(tiny_model(), tiny_config(9), &device).unwrap();
    let mut got = run(&mut first, 2);
    save_run(&first, dir.path()).unwrap();
    drop(first);
    let mut resumed = load_run(dir.path(), &device).unwrap();
    assert_eq!(resumed.iteration, 2);
    got.extend(run(&mut resumed, 2));
    for (a, b) in got.iter().zip(&expected) {
        assert_eq!(a.iteration, b.iteration);
        for (x, y) in [
            (a.d_loss, b.d_loss),
            (a.g_cost, b.g_cost),
            (a.g_grad_norm, b.g_grad_norm),
            (a.d_fake_after.unwrap(), b.d_fake_after.unwrap()),
        ] {
            assert!(
                (x - y).abs() <= 1e-5 * (1.0 + y.abs()),
                "iteration {}: {x} vs {y}",
                a.iteration
            );
        }
    }
}

#[test]
fn bad_hyperparameters_are_refused() {
    let device = Device::flex();
    let bad = [
        gan_playground::train::TrainConfig {
            batch_size: 1,
            ..tiny_config(0)
        },
        gan_playground::train::TrainConfig {
            lr_g: f64::NAN,
            ..tiny_config(0)
        },
        gan_playground::train::TrainConfig {
            lr_d: -1.0,
            ..tiny_config(0)
        },
        gan_playground::train::TrainConfig {
            d_steps: 0,
            ..tiny_config(0)
        },
        gan_playground::train::TrainConfig {
            beta_1: 1.0,
            ..tiny_config(0)
        },
        gan_playground::train::TrainConfig {
            epsilon: 0.0,
            ..tiny_config(0)
        },
    ];
    for config in bad {
        let err = Trainer::new(tiny_model(), config.clone(), &device)
            .err()
            .expect("refused");
        assert!(!err.to_string().is_empty(), "{config:?}");
    }
    // A dataset that does not fit the model is an error, not a panic.
    let mut trainer = Trainer::new(
        gan_playground::model::ModelConfig::new(32, 1, 8, 4, 4).unwrap(),
        tiny_config(0),
        &device,
    )
    .unwrap();
    assert!(trainer.iteration(&mnist_slice()).is_err());
}

#[test]
fn our_adam_steps_exactly_as_burns() {
    // The same gradients through Burn's Adam and ours, three times: the same weights, bit for
    // bit (so the optimizer's move into this crate changed no figure).
    use burn::module::Module;
    use burn::optim::{AdamConfig, GradientsParams};
    use gan_playground::Generator;
    use gan_playground::train::Adam;
    let plain = Device::flex();
    let device = plain.clone().autodiff();
    let model = tiny_model();
    let mut ours = Generator::init(&model, 3, &plain).unwrap().train();
    let mut theirs = Generator::init(&model, 3, &plain).unwrap().train();
    let mut adam = Adam::new(0.5, 0.999, 1e-8);
    let mut burn_adam = AdamConfig::new()
        .with_beta_1(0.5)
        .with_beta_2(0.999)
        .with_epsilon(1e-8)
        .init();
    for step in 0..3u64 {
        let z = gan_playground::latent::to_tensor(
            gan_playground::latent::sample(gan_playground::train::Prior::Normal, 4, 32, step),
            32,
            &device,
        )
        .unwrap();
        let loss = |g: &Generator| g.forward(z.clone()).powi_scalar(2).mean();
        let grads = GradientsParams::from_grads(loss(&ours).backward(), &ours);
        ours = adam.step(2e-4, ours, grads);
        let grads = GradientsParams::from_grads(loss(&theirs).backward(), &theirs);
        theirs = burn_adam.step(2e-4, theirs, grads);
        let read = |g: &Generator| {
            gan_playground::model::read_values(&model.generator_tensors(), g.valid().flat_tensors())
                .unwrap()
        };
        assert_eq!(read(&ours), read(&theirs), "step {step}");
    }
}
