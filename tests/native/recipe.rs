//! The modern recipe's levers: the hinge loss and its G cost against their closed forms,
//! spectral norm's σ against a known largest singular value (its PyTorch parity is in
//! `parity.rs`), instance noise a pure function of (seed, iteration), every lever saved with a
//! run so that it resumes exactly, and the recipes' settings.

use crate::common;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::checkpoint::{
    Precision, RunSnapshot, discriminator_to_safetensors, from_safetensors,
};
use gan_playground::model::{
    Discriminator, DiscriminatorNorm, ModelConfig, SpectralNorm, TensorRole,
};
use gan_playground::train::{GeneratorCost, InstanceNoise, Loss, Recipe, TrainConfig, Trainer};

fn logits(v: &[f32], device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap()
}

#[test]
fn hinge_loss_and_its_generator_cost_match_their_closed_forms() {
    let device = Device::flex().autodiff();
    let (real, fake) = (
        [-2.0f32, -0.5, 0.0, 0.7, 1.0, 3.0],
        [-3.0f32, -1.0, -0.2, 0.0, 0.9, 2.5],
    );
    let mean =
        |v: &[f32], f: &dyn Fn(f32) -> f32| v.iter().map(|x| f(*x)).sum::<f32>() / v.len() as f32;
    let expected = mean(&real, &|l| (1.0 - l).max(0.0)) + mean(&fake, &|l| (1.0 + l).max(0.0));
    let (r, f) = (
        logits(&real, &device).require_grad(),
        logits(&fake, &device).require_grad(),
    );
    let loss = Loss::Hinge.discriminator(r.clone(), f.clone());
    let got = loss.clone().into_scalar::<f32>();
    assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
    // Its gradient: −1/n where a real logit is below 1, +1/n where a fake one is above −1.
    let grads = loss.backward();
    let n = real.len() as f32;
    let dr = values(r.grad(&grads).unwrap());
    let df = values(f.grad(&grads).unwrap());
    for (l, g) in real.iter().zip(dr) {
        let want = if *l < 1.0 { -1.0 / n } else { 0.0 };
        assert!((g - want).abs() < 1e-7, "real logit {l}: {g} vs {want}");
    }
    for (l, g) in fake.iter().zip(df) {
        let want = if *l > -1.0 { 1.0 / n } else { 0.0 };
        assert!((g - want).abs() < 1e-7, "fake logit {l}: {g} vs {want}");
    }
    // G's cost is −E l whatever the cross-entropy cost says; its slope is −1/n everywhere.
    for cost in GeneratorCost::ALL {
        let f = logits(&fake, &device).require_grad();
        let g_cost = Loss::Hinge.generator(f.clone(), cost);
        let expected = -mean(&fake, &|l| l);
        assert!((g_cost.clone().into_scalar::<f32>() - expected).abs() < 1e-6);
        let grads = g_cost.backward();
        assert!(
            values(f.grad(&grads).unwrap())
                .iter()
                .all(|g| (g + 1.0 / n).abs() < 1e-7)
        );
    }
    // Cross-entropy is the loss every run had before.
    assert_eq!(Loss::default(), Loss::CrossEntropy);
    assert_eq!(Loss::parse("hinge"), Ok(Loss::Hinge));
    assert!(
        Loss::parse("wasserstein")
            .unwrap_err()
            .contains("cross_entropy or hinge")
    );
}

#[test]
fn spectral_norm_divides_by_the_largest_singular_value() {
    let device = Device::flex();
    // W = [[3, 0, 0], [0, 1, 0]] as a [2, 3, 1, 1] weight: singular values 3 and 1.
    let w = Tensor::<4>::from_data(
        TensorData::new(vec![3.0f32, 0.0, 0.0, 0.0, 1.0, 0.0], [2, 3, 1, 1]),
        &device,
    );
    let sn = SpectralNorm::from_values(vec![0.6, 0.8], vec![0.5, 0.5, 0.70710677], &device);
    for _ in 0..30 {
        sn.power_iteration(w.clone());
    }
    let sigma = sn.sigma(w.clone()).into_scalar::<f32>();
    assert!((sigma - 3.0).abs() < 1e-4, "σ {sigma}");
    let normalised = values(sn.normalise(w));
    assert!((normalised[0] - 1.0).abs() < 1e-4 && (normalised[4] - 1.0 / 3.0).abs() < 1e-4);
    // u and v stay unit vectors.
    let [u, v] = sn.tensors();
    for x in [values(u), values(v)] {
        let norm: f32 = x.iter().map(|a| a * a).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
    }
}

#[test]
fn a_normalised_discriminator_saves_as_the_function_it_computes() {
    let device = Device::flex();
    let model = common::tiny_model();
    let config = TrainConfig {
        spectral_norm: true,
        batch_size: 8,
        ..common::tiny_config(4)
    };
    let mut trainer = Trainer::new(model.clone(), config, &device).unwrap();
    let images = common::mnist_slice();
    trainer.iteration(&images).unwrap().read().unwrap();
    let x = images.batch(&[0, 1, 2, 3], &device);
    let ours = values(trainer.discriminator.valid().forward(x.clone()));
    // D's own file holds the weights with σ folded in: read back without spectral norm, it
    // judges the same images the same way.
    let bytes =
        discriminator_to_safetensors(&model, &trainer.discriminator, Precision::F32).unwrap();
    let values_read = from_safetensors(&model.discriminator_tensors(), &bytes, "").unwrap();
    let folded = Discriminator::from_values(&model, values_read, &device).unwrap();
    let theirs = values(folded.forward(x));
    assert!(
        common::max_abs_diff(&ours, &theirs) < 1e-4,
        "{ours:?} vs {theirs:?}"
    );
}

#[test]
fn instance_noise_is_a_function_of_seed_and_iteration_and_dies_out() {
    let device = Device::flex();
    let noise = InstanceNoise {
        std: 0.5,
        span: 100,
    };
    assert_eq!(noise.std_at(0), 0.5);
    assert!((noise.std_at(50) - 0.25).abs() < 1e-12);
    assert_eq!(noise.std_at(100), 0.0);
    assert_eq!(noise.std_at(1000), 0.0);
    let x = Tensor::<4>::zeros([16, 1, 8, 8], &device);
    let a = values(noise.apply(x.clone(), 7, 10, 3));
    assert_eq!(a, values(noise.apply(x.clone(), 7, 10, 3)), "same draws");
    assert_ne!(
        a,
        values(noise.apply(x.clone(), 7, 10, 4)),
        "another stream"
    );
    assert_ne!(a, values(noise.apply(x.clone(), 8, 10, 3)), "another seed");
    // Its spread is the scheduled one (1,024 draws: within 10%).
    let spread = (a.iter().map(|v| v * v).sum::<f32>() / a.len() as f32).sqrt();
    let want = noise.std_at(10) as f32;
    assert!(
        (spread - want).abs() < 0.1 * want,
        "spread {spread} vs {want}"
    );
    assert_eq!(
        values(noise.apply(x.clone(), 7, 100, 3)),
        values(x),
        "gone at the span"
    );
    // Out-of-range settings are refused by name.
    let bad = InstanceNoise {
        std: 3.0,
        span: 100,
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("instance noise")
    );
    let bad = InstanceNoise { std: 0.1, span: 0 };
    assert!(bad.validate().unwrap_err().to_string().contains("span"));
}

#[test]
fn a_run_with_every_lever_resumes_exactly() {
    let device = Device::flex();
    let images = common::mnist_slice();
    let config = TrainConfig {
        batch_size: 8,
        loss: Loss::Hinge,
        spectral_norm: true,
        instance_noise: Some(InstanceNoise { std: 0.3, span: 50 }),
        ema: Some(0.9),
        ..common::tiny_config(5)
    };
    let mut whole = Trainer::new(common::tiny_model(), config.clone(), &device).unwrap();
    let mut quiet = Trainer::new(
        common::tiny_model(),
        TrainConfig {
            instance_noise: None,
            ..config.clone()
        },
        &device,
    )
    .unwrap();
    for _ in 0..2 {
        whole.iteration(&images).unwrap().read().unwrap();
        quiet.iteration(&images).unwrap().read().unwrap();
    }
    let snapshot = RunSnapshot::of(&whole).unwrap();
    let mut resumed = snapshot.restore(&device).unwrap();
    assert_eq!(resumed.config, config);
    assert_eq!(
        values(resumed.discriminator.spectral_tensors()[0].clone()),
        values(whole.discriminator.spectral_tensors()[0].clone()),
        "the power-iteration vectors are saved"
    );
    for _ in 0..2 {
        let a = whole.iteration(&images).unwrap().read().unwrap();
        let b = resumed.iteration(&images).unwrap().read().unwrap();
        assert_eq!(a.d_loss, b.d_loss);
        assert_eq!(a.g_cost, b.g_cost);
    }
    let c = quiet.iteration(&images).unwrap().read().unwrap();
    let a = whole.iteration(&images).unwrap().read().unwrap();
    assert_ne!(a.d_loss, c.d_loss, "the noise changes what D sees");
}

#[test]
fn a_discriminator_without_batch_norm_trains_saves_and_resumes() {
    let device = Device::flex();
    let model = common::tiny_model().with_discriminator_norm(DiscriminatorNorm::None);
    // No batch-norm tensors in D (SN-GAN's D); G keeps its own.
    let norm_roles = |specs: Vec<gan_playground::model::TensorSpec>| {
        specs
            .iter()
            .filter(|s| s.role != TensorRole::ConvWeight)
            .count()
    };
    assert_eq!(norm_roles(model.discriminator_tensors()), 0);
    assert!(norm_roles(common::tiny_model().discriminator_tensors()) > 0);
    assert!(norm_roles(model.generator_tensors()) > 0);
    // DCGAN's D is left out of a saved config, so older runs read (and write) as before.
    let dcgan = serde_json::to_value(common::tiny_model()).unwrap();
    assert!(dcgan.get("d_norm").is_none(), "{dcgan}");
    let read: ModelConfig = serde_json::from_value(dcgan).unwrap();
    assert_eq!(read.d_norm, DiscriminatorNorm::Batch);
    assert_eq!(serde_json::to_value(&model).unwrap()["d_norm"], "none");

    let config = TrainConfig {
        batch_size: 8,
        loss: Loss::Hinge,
        spectral_norm: true,
        ..common::tiny_config(7)
    };
    let images = common::mnist_slice();
    let mut whole = Trainer::new(model.clone(), config.clone(), &device).unwrap();
    assert!(whole.discriminator.norms.is_empty());
    whole.iteration(&images).unwrap().read().unwrap();
    let mut resumed = RunSnapshot::of(&whole).unwrap().restore(&device).unwrap();
    assert_eq!(resumed.model, model, "the norm is saved with the run");
    for _ in 0..2 {
        let a = whole.iteration(&images).unwrap().read().unwrap();
        let b = resumed.iteration(&images).unwrap().read().unwrap();
        assert!(a.d_loss.is_finite());
        assert_eq!(a.d_loss, b.d_loss);
        assert_eq!(a.g_cost, b.g_cost);
    }
    // Its own file loads as the same D; DCGAN's D (with batch norm) refuses it by name.
    let bytes = discriminator_to_safetensors(&model, &whole.discriminator, Precision::F32).unwrap();
    let read = from_safetensors(&model.discriminator_tensors(), &bytes, "").unwrap();
    let x = images.batch(&[0, 1, 2, 3], &device);
    let ours = values(whole.discriminator.valid().forward(x.clone()));
    let theirs = values(
        Discriminator::from_values(&model, read, &device)
            .unwrap()
            .forward(x),
    );
    assert!(common::max_abs_diff(&ours, &theirs) < 1e-4);
    let err = from_safetensors(&common::tiny_model().discriminator_tensors(), &bytes, "")
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing tensor \"main.3.weight\""), "{err}");
}

#[test]
fn a_snapshot_without_its_spectral_vectors_is_refused() {
    let device = Device::flex();
    let config = TrainConfig {
        spectral_norm: true,
        batch_size: 8,
        ..common::tiny_config(6)
    };
    let trainer = Trainer::new(common::tiny_model(), config, &device).unwrap();
    let snapshot = RunSnapshot::of(&trainer).unwrap();
    // The same bytes claiming a run without spectral norm load; one claiming it, with the
    // vectors gone, does not.
    let plain = Trainer::new(common::tiny_model(), common::tiny_config(6), &device).unwrap();
    let plain_bytes = RunSnapshot::of(&plain).unwrap().into_bytes();
    let mut state = snapshot.state.clone();
    state.config.spectral_norm = true;
    let forged = with_run_state(&plain_bytes, &state);
    let Err(err) = RunSnapshot::from_bytes(forged).unwrap().restore(&device) else {
        panic!("a snapshot without its spectral vectors was restored");
    };
    assert!(err.to_string().contains("weight_u"), "{err}");
    // Vectors of zeros (which would divide D's weights by 0) are refused by name.
    let bytes = snapshot.into_bytes();
    let zeroed = with_tensor_zeroed(&bytes, "d_sn.main.0.weight_v");
    let Err(err) = RunSnapshot::from_bytes(zeroed).unwrap().restore(&device) else {
        panic!("a zero power-iteration vector was restored");
    };
    assert!(
        err.to_string()
            .contains("d_sn.main.0.weight_v has length 0"),
        "{err}"
    );
}

/// `bytes` (a safetensors file) with tensor `name`'s bytes all zero.
fn with_tensor_zeroed(bytes: &[u8], name: &str) -> Vec<u8> {
    use safetensors::SafeTensors;
    let file = SafeTensors::deserialize(bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    let zeros = vec![0u8; file.tensor(name).unwrap().data().len()];
    let tensors: Vec<(String, safetensors::tensor::TensorView)> = file
        .tensors()
        .into_iter()
        .map(|(n, t)| {
            let view = if n == name {
                safetensors::tensor::TensorView::new(t.dtype(), t.shape().to_vec(), &zeros).unwrap()
            } else {
                t
            };
            (n, view)
        })
        .collect();
    safetensors::serialize(tensors, header.metadata().clone()).unwrap()
}

/// `bytes` (a run snapshot) with its run state replaced by `state`.
fn with_run_state(bytes: &[u8], state: &gan_playground::checkpoint::RunState) -> Vec<u8> {
    use safetensors::SafeTensors;
    let file = SafeTensors::deserialize(bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    let mut metadata = header.metadata().clone().unwrap();
    metadata.insert("run".into(), serde_json::to_string(state).unwrap());
    safetensors::serialize(file.tensors(), Some(metadata)).unwrap()
}

#[test]
fn the_recipes_set_their_levers() {
    let base = TrainConfig {
        seed: 3,
        batch_size: 32,
        ..TrainConfig::default()
    };
    let plain = Recipe::Dcgan.apply(base.clone(), 1e-3);
    assert_eq!((plain.lr_d, plain.lr_g), (1e-3, 1e-3));
    assert_eq!(plain.loss, Loss::CrossEntropy);
    assert!(!plain.spectral_norm && plain.ema.is_none());
    let modern = Recipe::Modern.apply(base, 1e-3);
    assert_eq!(
        (modern.seed, modern.batch_size),
        (3, 32),
        "the run's own settings stay"
    );
    assert!(modern.validate().is_ok());
    // D at twice G's rate: G faster than D wins on the studio's nets but collapses the
    // shipped generator's (docs/QUALITY.md, "At the shipped generator's size").
    assert_eq!(
        (modern.lr_d, modern.lr_g),
        (2e-3, 1e-3),
        "both rates from the base rate"
    );
    assert_eq!(modern.loss, Loss::Hinge);
    assert_eq!(modern.ema, Some(0.999));
    assert_ne!(modern, plain);
    assert_eq!(Recipe::parse("modern"), Ok(Recipe::Modern));
    assert!(Recipe::parse("fancy").is_err());
}
