//! An exponential moving average of the generator's weights, the generator a run ships.
//!
//! GAN iterates circle the equilibrium rather than settle on it; averaging them (Yazıcı et al.
//! 2019, "The Unusual Effectiveness of Averaging in GAN Training"; ProGAN/StyleGAN's G_ema)
//! gives sharper samples for no training cost. Training itself is untouched: the average only
//! watches. Batch norm's running statistics do not average meaningfully, so the averaged
//! generator's are measured afresh ([`recalibrate`]) before it is used.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::latent::{self, Prior};
use crate::model::{Generator, ModelConfig, ModelError, NormMode, read_values};

/// `average ← d · average + (1 − d) · weights` once per iteration, where `d` warms up to the
/// decay: `d = min(decay, (1 + t) / (10 + t))` after `t` iterations (TensorFlow's
/// `ExponentialMovingAverage` with `num_updates`). Without the warm-up a short run's average
/// keeps `decay^t` of G's random start: 13.5% at 0.999 after 2,000 iterations, which measured
/// worse than G itself (docs/QUALITY.md, "The modern recipe").
#[derive(Clone)]
pub struct GeneratorAverage {
    decay: f64,
    values: Vec<Tensor<1>>,
}

impl GeneratorAverage {
    /// Starts the average at `generator`'s weights (a fresh run, or one resumed without one).
    pub fn new(generator: &Generator, decay: f64) -> Result<Self, ModelError> {
        if !(decay.is_finite() && (0.0..1.0).contains(&decay)) {
            return Err(ModelError::Config(format!(
                "average decay {decay} is not in [0, 1)"
            )));
        }
        Ok(GeneratorAverage {
            decay,
            values: generator.valid().flat_tensors(),
        })
    }

    /// An average whose values were saved (a run snapshot's `g_ema.*`), on their device.
    pub fn from_values(decay: f64, values: Vec<Tensor<1>>) -> Self {
        GeneratorAverage { decay, values }
    }

    /// The averaged tensors, in [`Generator::flat_tensors`] order.
    pub fn values(&self) -> &[Tensor<1>] {
        &self.values
    }

    /// The decay used for the update after `iterations` iterations (see the type).
    pub fn decay_at(&self, iterations: u64) -> f64 {
        let t = iterations as f64;
        self.decay.min((1.0 + t) / (10.0 + t))
    }

    /// Moves the average towards `generator`, the run having done `iterations` iterations.
    pub fn update(&mut self, generator: &Generator, iterations: u64) {
        let decay = self.decay_at(iterations);
        let current = generator.valid().flat_tensors();
        for (avg, now) in self.values.iter_mut().zip(current) {
            let now = now.to_device(&avg.device());
            *avg = avg
                .clone()
                .mul_scalar(decay)
                .add(now.mul_scalar(1.0 - decay));
        }
    }

    /// The averaged generator, batch norm recalibrated; reads the weights synchronously
    /// (native backends).
    pub fn generator(
        &self,
        model: &ModelConfig,
        prior: Prior,
        seed: u64,
        device: &Device,
    ) -> Result<Generator, ModelError> {
        let values = read_values(&model.generator_tensors(), self.values.clone())?;
        averaged_generator(model, values, prior, seed, device)
    }
}

/// A generator from averaged weights (already read), batch norm recalibrated.
pub fn averaged_generator(
    model: &ModelConfig,
    values: Vec<Vec<f32>>,
    prior: Prior,
    seed: u64,
    device: &Device,
) -> Result<Generator, ModelError> {
    let generator = Generator::from_values(model, values, device)?;
    recalibrate(&generator, model, prior, seed, device)?;
    Ok(generator)
}

/// Samples in the one batch that sets the running statistics.
pub const RECALIBRATION_SAMPLES: usize = 1024;

/// Sets `generator`'s batch-norm running statistics to those of one large batch from the
/// prior, layer by layer as it runs ("precise BN"): what inference should normalise with.
pub fn recalibrate(
    generator: &Generator,
    model: &ModelConfig,
    prior: Prior,
    seed: u64,
    device: &Device,
) -> Result<(), ModelError> {
    let n = RECALIBRATION_SAMPLES;
    let z = latent::sample(prior, n, model.latent, seed);
    let z = latent::to_tensor(z, model.latent, device)?;
    let _ = generator.forward_with(z, NormMode::Recalibrate);
    Ok(())
}
