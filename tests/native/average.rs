//! The generator's weight average and batch-norm recalibration.

use crate::common;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use gan_playground::latent::{Prior, sample};
use gan_playground::model::{NormMode, read_values};
use gan_playground::train::{GeneratorAverage, RECALIBRATION_SAMPLES, Trainer, recalibrate};

fn values(g: &gan_playground::model::Generator) -> Vec<Vec<f32>> {
    read_values(&tiny_model().generator_tensors(), g.valid().flat_tensors()).unwrap()
}

#[test]
fn the_average_moves_by_one_minus_decay_towards_each_new_generator_once_warmed_up() {
    let device = Device::flex();
    let data = mnist_slice();
    let mut trainer = Trainer::new(tiny_model(), tiny_config(3), &device).unwrap();
    let before = values(&trainer.generator);
    let mut average = GeneratorAverage::new(&trainer.generator, 0.75).unwrap();
    trainer.iteration(&data).unwrap();
    let after = values(&trainer.generator);
    // Long into a run: the decay itself.
    average.update(&trainer.generator, 1_000_000);
    let model = tiny_model();
    let plain = device.clone();
    // Read the average without recalibration: the first conv's weights (no batch norm involved).
    let averaged = average.generator(&model, Prior::Normal, 0, &plain).unwrap();
    let got = &values(&averaged)[0];
    let moved = before[0]
        .iter()
        .zip(&after[0])
        .filter(|(a, b)| a != b)
        .count();
    assert!(moved > got.len() / 2, "the step moved only {moved} weights");
    for ((g, b), a) in got.iter().zip(&before[0]).zip(&after[0]) {
        let want = 0.75 * b + 0.25 * a;
        assert!((g - want).abs() < 1e-6, "{g} vs {want}");
    }
}

#[test]
fn the_average_warms_up_so_a_short_run_forgets_its_random_start() {
    let device = Device::flex();
    let trainer = Trainer::new(tiny_model(), tiny_config(3), &device).unwrap();
    let average = GeneratorAverage::new(&trainer.generator, 0.999).unwrap();
    assert!((average.decay_at(1) - 2.0 / 11.0).abs() < 1e-12);
    assert!((average.decay_at(90) - 0.91).abs() < 1e-12);
    assert_eq!(average.decay_at(1_000_000), 0.999);
    // What is left of the start after 2,000 updates: the product of the decays, under 1e-3
    // (a constant 0.999 leaves e^-2 ≈ 13.5%).
    let left: f64 = (1..=2000).map(|t| average.decay_at(t)).product();
    assert!(left < 1e-3, "{left}");
}

#[test]
fn recalibrated_running_statistics_are_those_of_the_prior_batch() {
    let device = Device::flex();
    let model = tiny_model();
    let trainer = Trainer::new(model.clone(), tiny_config(4), &device).unwrap();
    let g = trainer.generator.valid();
    // Fresh running statistics (mean 0, var 1) do not describe G's activations ...
    let z = sample(Prior::Normal, RECALIBRATION_SAMPLES, model.latent, 9);
    let z = Tensor::<2>::from_data(
        TensorData::new(z, [RECALIBRATION_SAMPLES, model.latent]),
        &device,
    );
    let batch = g.forward_with(z.clone(), NormMode::BatchStats);
    let stale = g.forward_with(z.clone(), NormMode::Eval);
    let gap =
        |a: &Tensor<4>, b: &Tensor<4>| (a.clone() - b.clone()).abs().max().into_scalar::<f32>();
    assert!(gap(&batch, &stale) > 0.05, "{}", gap(&batch, &stale));
    // ... after recalibrating on that same batch, inference reproduces the batch-statistics pass.
    recalibrate(&g, &model, Prior::Normal, 9, &device).unwrap();
    let eval = g.forward_with(z, NormMode::Eval);
    assert!(gap(&batch, &eval) < 1e-3, "{}", gap(&batch, &eval));
}

#[test]
fn an_average_with_a_decay_outside_zero_to_one_is_refused() {
    let device = Device::flex();
    let trainer = Trainer::new(tiny_model(), tiny_config(1), &device).unwrap();
    for decay in [1.0, -0.1, f64::NAN] {
        let err = GeneratorAverage::new(&trainer.generator, decay)
            .err()
            .unwrap();
        assert!(err.to_string().contains("decay"), "{err}");
    }
}

#[test]
fn a_run_keeping_an_average_saves_it_in_its_snapshot_and_resumes_it_exactly() {
    use gan_playground::checkpoint::RunSnapshot;
    use gan_playground::train::TrainConfig;
    let device = Device::flex();
    let data = mnist_slice();
    let config = TrainConfig {
        batch_size: 8,
        ema: Some(0.5),
        ..tiny_config(4)
    };
    let mut whole = Trainer::new(tiny_model(), config, &device).unwrap();
    for _ in 0..2 {
        whole.iteration(&data).unwrap().read().unwrap();
    }
    let snapshot = RunSnapshot::of(&whole).unwrap();
    let mut resumed = snapshot.restore(&device).unwrap();
    assert_eq!(resumed.config.ema, Some(0.5));
    whole.iteration(&data).unwrap().read().unwrap();
    resumed.iteration(&data).unwrap().read().unwrap();
    let specs = tiny_model().generator_tensors();
    let avg =
        |t: &Trainer| read_values(&specs, t.average.as_ref().unwrap().values().to_vec()).unwrap();
    assert_eq!(avg(&whole), avg(&resumed), "the average goes on exactly");
    // What the run ships is the average (recalibrated), not G.
    let shipped = RunSnapshot::of(&whole).unwrap();
    let g = shipped.generator_safetensors().unwrap();
    let averaged = shipped.shipped_generator_safetensors(&device).unwrap();
    assert_ne!(g, averaged);
    let loaded =
        gan_playground::checkpoint::generator_from_safetensors(&tiny_model(), &averaged, &device)
            .unwrap();
    assert_eq!(
        values(&loaded)[0],
        avg(&whole)[0],
        "the first conv's weights are the average's"
    );
    // A run without one ships G itself.
    let plain = Trainer::new(tiny_model(), tiny_config(4), &device).unwrap();
    let s = RunSnapshot::of(&plain).unwrap();
    assert_eq!(
        s.shipped_generator_safetensors(&device).unwrap(),
        s.generator_safetensors().unwrap()
    );
}
