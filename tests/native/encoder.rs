//! The projection's encoder (iGAN's first guess): its file round-trips and is checked whole,
//! training it on a generator's samples teaches it that generator's z, and its guess starts
//! the projection nearer the answer.

use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::checkpoint::Precision;
use gan_playground::checkpoint::generator_to_safetensors;
use gan_playground::invert::encoder::{EncoderTraining, errors, train_encoder};
use gan_playground::invert::{Encoder, InvertSettings, Projection};
use gan_playground::latent::{Prior, sample};
use gan_playground::model::{Generator, ModelConfig, TensorRole, read_values};

fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap()
}

/// A small generator: 28×28 grey, z of 8, its convs' weights 10× DCGAN's init (a fresh G
/// with N(0, 0.02) draws the same grey image for every z).
fn small() -> (ModelConfig, Generator) {
    let config = ModelConfig::new(28, 1, 8, 8, 8).unwrap();
    let device = Device::flex();
    let fresh = Generator::init(&config, 3, &device).unwrap();
    let specs = config.generator_tensors();
    let values = read_values(&specs, fresh.flat_tensors()).unwrap();
    let values = specs
        .iter()
        .zip(values)
        .map(|(spec, v)| match spec.role {
            TensorRole::ConvWeight => v.iter().map(|x| 10.0 * x).collect(),
            _ => v,
        })
        .collect();
    (
        config.clone(),
        Generator::from_values(&config, values, &device).unwrap(),
    )
}

/// A short training of a narrow encoder for [`small`]'s generator.
fn small_training() -> EncoderTraining {
    EncoderTraining {
        width: 8,
        steps: 150,
        batch: 32,
        z_weight: 1.0,
        ..EncoderTraining::new(Prior::Normal, 0)
    }
}

fn held_out(config: &ModelConfig, count: usize) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(
            sample(Prior::Normal, count, config.latent, 99),
            [count, config.latent],
        ),
        &Device::flex(),
    )
}

#[test]
fn training_teaches_the_encoder_the_generators_z() {
    let (config, g) = small();
    let settings = small_training();
    let device = Device::flex();
    let fresh = Encoder::init(&config, 8, 0, &device).unwrap();
    let before = errors(&fresh, &g, held_out(&config, 128));
    let trained = train_encoder(&g, &config, &settings, None, &device, |_, _, _| {}).unwrap();
    let after = errors(&trained, &g, held_out(&config, 128));
    let (pixel_before, z_before) = (read(before.0)[0], read(before.1)[0]);
    let (pixel_after, z_after) = (read(after.0)[0], read(after.1)[0]);
    println!("pixel {pixel_before} → {pixel_after}, z {z_before} → {z_after}");
    // On z it never saw: the guess halves the z error and the pixel error.
    assert!(z_after < 0.5 * z_before, "z {z_before} → {z_after}");
    assert!(
        pixel_after < 0.5 * pixel_before,
        "pixels {pixel_before} → {pixel_after}"
    );
}

#[test]
fn the_file_round_trips_and_bad_files_are_refused() {
    let (config, _) = small();
    let device = Device::flex();
    let encoder = Encoder::init(&config, 8, 1, &device).unwrap();
    let file = encoder.to_safetensors(&config).unwrap();
    let again = Encoder::from_safetensors(&config, &file, &device).unwrap();
    let x = Tensor::<4>::from_data(
        TensorData::new(sample(Prior::Uniform, 2, 784, 5), [2, 1, 28, 28]),
        &device,
    );
    let (a, b) = (read(encoder.forward(x.clone())), read(again.forward(x)));
    // f16 on disk.
    assert!(
        a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-2),
        "{a:?} {b:?}"
    );

    // Not an encoder, an encoder for another generator, and a generator's file.
    assert!(Encoder::from_safetensors(&config, b"not a file", &device).is_err());
    let other = ModelConfig::new(28, 1, 16, 8, 8).unwrap();
    let message = Encoder::from_safetensors(&other, &file, &device)
        .unwrap_err()
        .to_string();
    assert!(message.contains("main.2"), "{message}");
    let generator = generator_to_safetensors(
        &config,
        &Generator::init(&config, 0, &device).unwrap(),
        Precision::F32,
    )
    .unwrap();
    assert!(Encoder::from_safetensors(&config, &generator, &device).is_err());
    // A value that is not finite is named (the file's last 2 bytes: one f16 of some tensor).
    let mut values = file.clone();
    let at = values.len() - 2;
    values[at..].copy_from_slice(&half::f16::NAN.to_le_bytes());
    let message = Encoder::from_safetensors(&config, &values, &device)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("main.") && message.contains("not finite"),
        "{message}"
    );
}

#[test]
fn the_guess_starts_the_projection_nearer() {
    let (config, g) = small();
    let device = Device::flex();
    let settings = small_training();
    let encoder = train_encoder(&g, &config, &settings, None, &device, |_, _, _| {}).unwrap();
    let weights = generator_to_safetensors(&config, &g, Precision::F32).unwrap();
    let known = held_out(&config, 1);
    let target = read(g.forward(known));
    let first = |guided: bool| {
        let mut p = Projection::new(
            &weights,
            &target,
            InvertSettings {
                restarts: 1,
                narrow_to: 1,
                ..InvertSettings::new(Prior::Normal, 0)
            },
            &device,
        )
        .unwrap();
        if guided {
            p.start_from(&encoder).unwrap();
        }
        let pending = p.step(1).unwrap();
        let seen = p
            .observe(&read(pending.errors), &read(pending.z), None)
            .unwrap();
        // A guess comes before the first step only.
        assert!(p.start_from(&encoder).is_err());
        seen.error
    };
    let (random, guessed) = (first(false), first(true));
    assert!(guessed < 0.5 * random, "{random} against {guessed}");
}

/// The shipped MNIST generator's encoder: its guess is nearer than the prior's draws, and the
/// guided search (the page's, with it) settles images the generator made to ≤ 1e-3.
#[test]
fn the_shipped_encoder_guides_the_projection() {
    let root = format!("{}/assets/weights", env!("CARGO_MANIFEST_DIR"));
    let weights = std::fs::read(format!("{root}/mnist-generator.safetensors")).unwrap();
    let file = std::fs::read(format!("{root}/mnist-encoder.safetensors")).unwrap();
    let device = Device::flex();
    let config = gan_playground::checkpoint::infer_generator_config(&weights).unwrap();
    let g =
        gan_playground::checkpoint::generator_from_safetensors(&config, &weights, &device).unwrap();
    let encoder = Encoder::from_safetensors(&config, &file, &device).unwrap();
    for trial in 0..3u64 {
        let known = Tensor::from_data(
            TensorData::new(sample(Prior::Normal, 1, 100, 1000 + trial), [1, 100]),
            &device,
        );
        let target = read(g.forward(known));
        let run = |guided: bool, calls: usize| {
            let settings = if guided {
                InvertSettings::guided(Prior::Normal, trial)
            } else {
                InvertSettings::new(Prior::Normal, trial)
            };
            let mut p = Projection::new(&weights, &target, settings, &device).unwrap();
            if guided {
                p.start_from(&encoder).unwrap();
            }
            let mut errors = Vec::new();
            for _ in 0..calls {
                let pending = p.step(1).unwrap();
                let images = pending.images.map(read);
                let seen = p
                    .observe(&read(pending.errors), &read(pending.z), images.as_deref())
                    .unwrap();
                errors.push(seen.error);
            }
            errors
        };
        let (prior, guided) = (run(false, 1), run(true, 60));
        assert!(guided[0] < prior[0], "{} against {}", guided[0], prior[0]);
        assert!(guided[59] <= 1e-3, "{guided:?}");
    }
}
