//! PyTorch parity checks on Burn's CPU backend, against fixtures written by
//! `scripts/pytorch_parity.py` from the `Generator` and `Discriminator` of pytorch/examples
//! `dcgan/main.py` (torch 2.x, CPU, float32). Shared by the native suite (`tests/native/parity.rs`)
//! and the wasm one (`tests/web.rs`), so the CPU backend is checked where the page runs it too.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::checkpoint::from_safetensors;
use gan_playground::model::{Discriminator, Generator, ModelConfig, read_values};
use gan_playground::train::{GeneratorCost, Loss, TrainConfig, Trainer};
use safetensors::SafeTensors;

use super::max_abs_diff;

pub const TOL: f32 = 1e-4;

struct Fixture {
    bytes: Vec<u8>,
    config: ModelConfig,
    lr: f64,
    eps: f32,
}

impl Fixture {
    fn new(bytes: &[u8]) -> Fixture {
        let bytes = bytes.to_vec();
        let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
        let meta = meta.metadata().clone().unwrap();
        let get = |k: &str| meta[k].parse::<usize>().unwrap();
        let config =
            ModelConfig::pytorch_dcgan(get("nz"), get("ngf"), get("ndf"), get("nc")).unwrap();
        let (lr, eps) = (meta["lr"].parse().unwrap(), meta["eps"].parse().unwrap());
        Fixture {
            bytes,
            config,
            lr,
            eps,
        }
    }

    fn array(&self, name: &str) -> (Vec<usize>, Vec<f32>) {
        let file = SafeTensors::deserialize(&self.bytes).unwrap();
        let t = file.tensor(name).unwrap();
        let v = t
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        (t.shape().to_vec(), v)
    }

    fn tensor<const D: usize>(&self, name: &str, device: &Device) -> Tensor<D> {
        let (shape, v) = self.array(name);
        Tensor::from_data(TensorData::new(v, shape), device)
    }

    fn networks(&self, device: &Device) -> (Generator, Discriminator) {
        let g = from_safetensors(&self.config.generator_tensors(), &self.bytes, "g.").unwrap();
        let d = from_safetensors(&self.config.discriminator_tensors(), &self.bytes, "d.").unwrap();
        (
            Generator::from_values(&self.config, g, device).unwrap(),
            Discriminator::from_values(&self.config, d, device).unwrap(),
        )
    }
}

/// G's images and D's probabilities in eval mode against PyTorch's.
pub fn eval_parity(name: &str, fixture: &[u8]) {
    let fx = Fixture::new(fixture);
    let device = Device::flex();
    let (g, d) = fx.networks(&device);
    let images: Vec<f32> = g
        .forward(fx.tensor::<2>("eval.z", &device))
        .into_data()
        .try_into_vec()
        .unwrap();
    let (_, expected) = fx.array("eval.images");
    let err = max_abs_diff(&images, &expected);
    assert!(err <= TOL, "{name}: generator images differ by {err}");
    let probs: Vec<f32> = d
        .probabilities(fx.tensor::<4>("eval.x", &device))
        .into_data()
        .try_into_vec()
        .unwrap();
    let (_, expected) = fx.array("eval.prob");
    let err = max_abs_diff(&probs, &expected);
    assert!(
        err <= TOL,
        "{name}: discriminator probabilities differ by {err}"
    );
    // The fixture is not degenerate: D's outputs vary across the batch by far more than TOL.
    let spread = expected.iter().fold(f32::MIN, |a, b| a.max(*b))
        - expected.iter().fold(f32::MAX, |a, b| a.min(*b));
    assert!(
        spread > 20.0 * TOL,
        "{name}: D's probabilities only span {spread}"
    );
}

/// One training iteration (a D step, then a G step, with Adam): the losses and every weight
/// against PyTorch's.
pub fn step_parity(name: &str, fixture: &[u8], cost: GeneratorCost) {
    recipe_step_parity(name, fixture, cost.name(), Loss::CrossEntropy, cost, false);
}

/// As [`step_parity`] for a fixture of `scripts/pytorch_spectral.py`: D spectrally normalised
/// (its power-iteration vectors checked too), with `loss`, the results under `variant.`.
pub fn spectral_step_parity(fixture: &[u8], variant: &str, loss: Loss, cost: GeneratorCost) {
    recipe_step_parity("spectral", fixture, variant, loss, cost, true);
}

fn recipe_step_parity(
    name: &str,
    fixture: &[u8],
    variant: &str,
    loss: Loss,
    cost: GeneratorCost,
    spectral_norm: bool,
) {
    let fx = Fixture::new(fixture);
    let device = Device::flex();
    let (g, mut d) = fx.networks(&device);
    let sn_specs = fx.config.spectral_tensors();
    if spectral_norm {
        let vectors = from_safetensors(&sn_specs, &fx.bytes, "d_sn.").unwrap();
        d = d.with_spectral(&fx.config, vectors).unwrap();
    }
    let config = TrainConfig {
        lr_d: fx.lr,
        lr_g: fx.lr,
        epsilon: fx.eps,
        cost,
        loss,
        spectral_norm,
        batch_size: 8,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::from_parts(fx.config.clone(), config, g, d, &device).unwrap();
    let ad = trainer.device().clone();
    let d_out = trainer.discriminator_step(
        fx.tensor::<4>("step.real", &ad),
        fx.tensor::<2>("step.z_d", &ad),
        0,
    );
    let g_out = trainer.generator_step(fx.tensor::<2>("step.z_g", &ad), 0);
    let losses = [
        d_out.loss.into_scalar::<f32>(),
        g_out.cost.into_scalar::<f32>(),
    ];
    let (_, expected_losses) = fx.array(&format!("{variant}.loss"));
    assert!(
        max_abs_diff(&losses, &expected_losses) <= TOL,
        "{name} {variant}: losses {losses:?} vs {expected_losses:?}"
    );

    let mut nets: Vec<(&str, Vec<_>, Vec<Tensor<1>>)> = vec![
        (
            "g",
            fx.config.generator_tensors(),
            trainer.generator.valid().flat_tensors(),
        ),
        (
            "d",
            fx.config.discriminator_tensors(),
            trainer.discriminator.valid().flat_tensors(),
        ),
    ];
    if spectral_norm {
        nets.push(("d_sn", sn_specs, trainer.discriminator.spectral_tensors()));
    }
    for (net, specs, tensors) in nets {
        let ours = read_values(&specs, tensors).unwrap();
        let start = from_safetensors(&specs, &fx.bytes, &format!("{net}.")).unwrap();
        let torch = from_safetensors(&specs, &fx.bytes, &format!("{variant}.{net}.")).unwrap();
        let mut moved = 0.0f32;
        for ((spec, ours), (torch, start)) in specs.iter().zip(&ours).zip(torch.iter().zip(&start))
        {
            let err = max_abs_diff(ours, torch);
            assert!(
                err <= TOL,
                "{name} {variant}: {net}.{} differs from PyTorch by {err}",
                spec.name
            );
            moved = moved.max(max_abs_diff(torch, start));
        }
        // The step moved weights far beyond the tolerance, so a no-op could not pass.
        assert!(
            moved > 10.0 * TOL,
            "{name} {net}: the reference step only moved weights by {moved}"
        );
    }
}
