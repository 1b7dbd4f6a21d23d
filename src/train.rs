//! One training iteration: `k` discriminator steps, then `m` generator steps, two Adam
//! optimizers, the chosen generator cost.
//!
//! The loop is written here rather than with `burn-train`'s Learner because it must also run
//! in wasm on WebGPU. For the same reason an iteration's statistics come back as one tensor
//! ([`PendingStats`]) that the caller reads synchronously natively or asynchronously on the web.
//! All randomness (z, batch order, init) is a pure function of `(seed, iteration)`, so a run is
//! deterministic on a given backend and resumes exactly.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{self, ImageSet};
use crate::latent;
pub use crate::latent::Prior;
use crate::limits::{self, Range, SettingError};
pub use crate::loss::{GeneratorCost, Loss};
use crate::model::{Discriminator, Generator, ModelConfig, ModelError, NormMode};

mod adam;
mod augment;
mod average;
pub mod noise;
mod recipe;
mod schedule;
mod stats;
pub use adam::{Adam, Moments};
pub use augment::Augment;
pub use average::{GeneratorAverage, RECALIBRATION_SAMPLES, averaged_generator, recalibrate};
pub use noise::InstanceNoise;
pub use recipe::Recipe;
pub use schedule::LinearDecay;
pub use stats::{IterationStats, Measure, PendingStats};

/// Hyperparameters of a run. Defaults are the DCGAN paper's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Discriminator steps per iteration (`k`).
    pub d_steps: usize,
    /// Generator steps per iteration (`m`).
    pub g_steps: usize,
    pub lr_d: f64,
    pub lr_g: f64,
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    pub cost: GeneratorCost,
    pub prior: Prior,
    pub batch_size: usize,
    pub seed: u64,
    /// D's inputs through DiffAugment (absent in runs saved before it existed: none).
    #[serde(default)]
    pub augment: Augment,
    /// Also keep an exponential moving average of G's weights with this decay (training is
    /// unchanged; the average is what a run ships).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ema: Option<f64>,
    /// D's loss and G's matching cost (runs saved before there was a choice: cross-entropy).
    #[serde(default)]
    pub loss: Loss,
    /// D's layers spectrally normalised, one power iteration per D step.
    #[serde(default)]
    pub spectral_norm: bool,
    /// Gaussian noise on D's inputs, annealed to zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_noise: Option<InstanceNoise>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            d_steps: 1,
            g_steps: 1,
            lr_d: 2e-4,
            lr_g: 2e-4,
            beta_1: 0.5,
            beta_2: 0.999,
            epsilon: 1e-8,
            cost: GeneratorCost::NonSaturating,
            prior: Prior::Normal,
            batch_size: 64,
            seed: 0,
            augment: Augment::default(),
            ema: None,
            loss: Loss::CrossEntropy,
            spectral_norm: false,
            instance_noise: None,
        }
    }
}

/// Steps of D or of G per iteration a run may take.
const STEPS: Range<usize> = Range { min: 1, max: 100 };
/// Batch norm needs at least two samples to have a variance.
const BATCH: Range<usize> = Range { min: 2, max: 4096 };
/// Far past any sensible rate on purpose: the studio shows what divergence is.
const MAX_LR: f64 = 1e30;

impl TrainConfig {
    pub fn validate(&self) -> Result<(), SettingError> {
        STEPS.check("discriminator steps", self.d_steps)?;
        STEPS.check("generator steps", self.g_steps)?;
        for (name, lr) in [
            ("discriminator learning rate", self.lr_d),
            ("generator learning rate", self.lr_g),
        ] {
            if !(lr > 0.0 && lr <= MAX_LR) {
                let expected = format!("a number above 0, at most {}", limits::number(MAX_LR));
                return Err(SettingError::new(name, expected, limits::number(lr)));
            }
        }
        // [0, 1): Adam's betas and the average's decay.
        let below_one = |name: &str, v: f64, got: String| {
            let expected = "a number from 0 up to, not including, 1";
            (0.0..1.0)
                .contains(&v)
                .then_some(())
                .ok_or_else(|| SettingError::new(name, expected, got))
        };
        below_one("Adam β1", self.beta_1.into(), limits::written(self.beta_1))?;
        below_one("Adam β2", self.beta_2.into(), limits::written(self.beta_2))?;
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            let got = limits::written(self.epsilon);
            return Err(SettingError::new("Adam ε", "a number above 0", got));
        }
        BATCH.check("batch size", self.batch_size)?;
        if let Some(decay) = self.ema {
            below_one("average decay", decay, limits::written(decay))?;
        }
        if let Some(noise) = &self.instance_noise {
            noise.validate()?;
        }
        Ok(())
    }

    fn adam(&self) -> Adam {
        Adam::new(self.beta_1, self.beta_2, self.epsilon)
    }
}

/// Tensors from one discriminator step (still on the device).
pub struct DiscriminatorStep {
    pub loss: Tensor<1>,
    pub real_logits: Tensor<1>,
    pub fake_logits: Tensor<1>,
}

/// Tensors from one generator step.
pub struct GeneratorStep {
    pub cost: Tensor<1>,
    pub fake_logits: Tensor<1>,
    pub grad_norm: Tensor<1>,
}

/// A generator, a discriminator, their optimizers and where the run is. Not `Clone`: a cloned
/// module shares its batch-norm running statistics with the original, so an independent copy
/// of a run is a [`crate::checkpoint::RunSnapshot`] restored.
pub struct Trainer {
    pub model: ModelConfig,
    pub config: TrainConfig,
    pub generator: Generator,
    pub discriminator: Discriminator,
    pub opt_g: Adam,
    pub opt_d: Adam,
    /// The moving average of G's weights, when `config.ema` asks for one.
    pub average: Option<GeneratorAverage>,
    /// Iterations completed.
    pub iteration: u64,
    /// Multiplies both learning rates (1 unless a schedule sets it; see [`LinearDecay`]).
    lr_scale: f64,
    device: Device,
}

impl Trainer {
    /// A fresh run: G and D initialised from `config.seed` on `device` (trained on its autodiff form).
    pub fn new(
        model: ModelConfig,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let device = device.clone().without_autodiff();
        let generator = Generator::init(&model, config.seed, &device)?;
        let discriminator = Discriminator::init(&model, config.seed, &device)?;
        Trainer::from_parts(model, config, generator, discriminator, &device)
    }

    /// A run from given networks (e.g. loaded weights), moved to `device` and made trainable.
    pub fn from_parts(
        model: ModelConfig,
        config: TrainConfig,
        generator: Generator,
        discriminator: Discriminator,
        device: &Device,
    ) -> Result<Self, ModelError> {
        model.validate()?;
        config.validate()?;
        // Plain tensors on the target device first, then `train()` makes them autodiff leaves.
        let plain = device.clone().without_autodiff();
        let generator = generator.valid().to_device(&plain);
        let average = config
            .ema
            .map(|decay| GeneratorAverage::new(&generator, decay))
            .transpose()?;
        let mut discriminator = discriminator.valid().to_device(&plain);
        if !config.spectral_norm {
            discriminator.spectral = Vec::new();
        } else if discriminator.spectral.is_empty() {
            let vectors = Discriminator::spectral_init(&model, config.seed);
            discriminator = discriminator.with_spectral(&model, vectors)?;
        }
        Ok(Trainer {
            generator: generator.train(),
            discriminator: discriminator.train(),
            opt_g: config.adam(),
            opt_d: config.adam(),
            average,
            model,
            config,
            iteration: 0,
            lr_scale: 1.0,
            device: plain.autodiff(),
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Starts keeping G's moving average in a run that had none (one resumed with an average
    /// asked for anew): from `from` (an average saved apart) or from G as it is.
    pub fn start_average(
        &mut self,
        decay: f64,
        from: Option<&Generator>,
    ) -> Result<(), ModelError> {
        self.average = Some(GeneratorAverage::new(
            from.unwrap_or(&self.generator),
            decay,
        )?);
        self.config.ema = Some(decay);
        Ok(())
    }

    /// Scales both learning rates from the next step on (a schedule's factor, in [0, 1]).
    pub fn set_lr_scale(&mut self, scale: f64) -> Result<(), ModelError> {
        if !(scale.is_finite() && (0.0..=1.0).contains(&scale)) {
            return Err(ModelError::Config(format!(
                "learning-rate scale {scale} is not in [0, 1]"
            )));
        }
        self.lr_scale = scale;
        Ok(())
    }

    pub fn lr_scale(&self) -> f64 {
        self.lr_scale
    }

    /// Latent batch `[batch, latent]` on the training device.
    pub fn latent_batch(&self, z: Vec<f32>) -> Result<Tensor<2>, ModelError> {
        Ok(latent::to_tensor(z, self.model.latent, &self.device)?)
    }

    /// `x` as D is shown it: through the run's augmentation and instance noise (none unless
    /// the config asks), draws `stream`.
    fn augment(&self, x: Tensor<4>, stream: u64) -> Tensor<4> {
        let x = self.config.augment.apply(x, self.config.seed, stream);
        match &self.config.instance_noise {
            Some(noise) => noise.apply(x, self.config.seed, self.iteration, stream),
            None => x,
        }
    }

    /// One discriminator step on a real batch and generated samples from `z`; `step` numbers
    /// the step (it picks the augmentation's draws).
    pub fn discriminator_step(
        &mut self,
        real: Tensor<4>,
        z: Tensor<2>,
        step: u64,
    ) -> DiscriminatorStep {
        // G with its parameters untracked: nothing backpropagates through this pass, and a
        // recorded one would be kept until G's next backward (never, in a head start). Its
        // running batch-norm statistics are shared with `self.generator`, so they still move.
        let fake = self.generator.clone().no_grad().forward(z);
        self.discriminator.power_iteration();
        let real_logits = self.discriminator.forward(self.augment(real, 4 * step));
        let fake_logits = self.discriminator.forward(self.augment(fake, 4 * step + 1));
        let loss = self
            .config
            .loss
            .discriminator(real_logits.clone(), fake_logits.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &self.discriminator);
        self.discriminator = self.opt_d.step(
            self.config.lr_d * self.lr_scale,
            self.discriminator.clone(),
            grads,
        );
        DiscriminatorStep {
            loss: loss.detach(),
            real_logits: real_logits.detach(),
            fake_logits: fake_logits.detach(),
        }
    }

    /// One generator step with the configured cost; `step` numbers it (the augmentation's
    /// draws).
    pub fn generator_step(&mut self, z: Tensor<2>, step: u64) -> GeneratorStep {
        let fake = self.augment(self.generator.forward(z), 4 * step + 2);
        // D with its parameters untracked: the backward pass then skips D's weight gradients,
        // which G's step would throw away (its batch-norm statistics still move, as above).
        let fake_logits = self.discriminator.clone().no_grad().forward(fake);
        let cost = self
            .config
            .loss
            .generator(fake_logits.clone(), self.config.cost);
        let grads = GradientsParams::from_grads(cost.backward(), &self.generator);
        let grad_norm = gradient_norm(&self.generator, &grads, &self.device);
        self.generator = self.opt_g.step(
            self.config.lr_g * self.lr_scale,
            self.generator.clone(),
            grads,
        );
        GeneratorStep {
            cost: cost.detach(),
            fake_logits: fake_logits.detach(),
            grad_norm,
        }
    }

    /// Refuses a dataset whose images do not fit the model.
    fn check_data(&self, data: &ImageSet) -> Result<(), ModelError> {
        if data.channels != self.model.channels
            || data.size != self.model.image_size
            || data.count == 0
        {
            return Err(ModelError::Config(format!(
                "dataset of {} {}x{}x{} images does not fit a model of {}x{}x{} images",
                data.count,
                data.channels,
                data.size,
                data.size,
                self.model.channels,
                self.model.image_size,
                self.model.image_size
            )));
        }
        Ok(())
    }

    /// Discriminator-only steps `from..from + steps` before training proper: D starts ahead,
    /// so D(G(z)) sits near 0, where the saturating cost gives G almost no gradient. Each step's
    /// batch and z are a function of (seed, step), so the head start can be taken in pieces and
    /// leaves the run's own data order unchanged; nothing is read back.
    pub fn discriminator_head_start(
        &mut self,
        data: &ImageSet,
        from: usize,
        steps: usize,
    ) -> Result<(), ModelError> {
        self.check_data(data)?;
        const HEAD: u64 = 0x4845_4144_5354_4152;
        let b = self.config.batch_size;
        for step in from as u64..(from + steps) as u64 {
            let indices = data::batch_indices(data.count, b, self.config.seed ^ HEAD, step);
            let real = data.batch(&indices, &self.device);
            let mut rng = latent::rng(self.config.seed ^ HEAD ^ step.wrapping_mul(0x9E37_79B9));
            let z = latent::sample_with(self.config.prior, b, self.model.latent, &mut rng);
            let z = self.latent_batch(z)?;
            // Draws apart from the iterations' (theirs are 4 · step + 0, 1, 2).
            self.discriminator_step(real, z, u64::MAX / 4 - step);
        }
        Ok(())
    }

    /// A full iteration on batches of `data` (which must match the model's image shape),
    /// measuring everything ([`Measure::All`]).
    pub fn iteration(&mut self, data: &ImageSet) -> Result<PendingStats, ModelError> {
        self.iteration_with(data, Measure::All)
    }

    /// A full iteration that measures `measure`; the training is the same whichever.
    pub fn iteration_with(
        &mut self,
        data: &ImageSet,
        measure: Measure,
    ) -> Result<PendingStats, ModelError> {
        self.check_data(data)?;
        let (k, m, b) = (
            self.config.d_steps,
            self.config.g_steps,
            self.config.batch_size,
        );
        let mut rng = latent::rng(
            self.config.seed ^ (self.iteration + 1).wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        let mut d_out = None;
        for i in 0..k {
            let step = self.iteration * k as u64 + i as u64;
            let real = data.batch(
                &data::batch_indices(data.count, b, self.config.seed, step),
                &self.device,
            );
            let z = self.latent_batch(latent::sample_with(
                self.config.prior,
                b,
                self.model.latent,
                &mut rng,
            ))?;
            d_out = Some(self.discriminator_step(real, z, step));
        }
        let mut first_g: Option<GeneratorStep> = None;
        let mut last_z = None;
        for j in 0..m {
            let z = self.latent_batch(latent::sample_with(
                self.config.prior,
                b,
                self.model.latent,
                &mut rng,
            ))?;
            let out = self.generator_step(z.clone(), self.iteration * m as u64 + j as u64);
            last_z = Some(z);
            first_g.get_or_insert(out);
        }
        let (d, g, z) = (
            d_out.expect("k >= 1"),
            first_g.expect("m >= 1"),
            last_z.expect("m >= 1"),
        );
        if let Some(average) = self.average.as_mut() {
            average.update(&self.generator, self.iteration + 1);
        }
        let fake_batch = sigmoid(g.fake_logits);
        let mut parts = vec![
            d.loss,
            g.cost,
            sigmoid(d.real_logits).mean(),
            fake_batch.clone().mean(),
        ];
        if measure == Measure::All {
            // How far the update moved D(G(z)): same z, batch statistics, nothing recorded.
            let after = self.discriminator.forward_with(
                self.generator.forward_with(z, NormMode::BatchStats),
                NormMode::BatchStats,
            );
            parts.push(sigmoid(after).mean());
        }
        parts.extend([g.grad_norm, fake_batch]);
        let values = Tensor::cat(
            parts
                .into_iter()
                .map(|t| t.detach().without_autodiff())
                .collect(),
            0,
        );
        self.iteration += 1;
        Ok(PendingStats {
            iteration: self.iteration,
            measure,
            values,
        })
    }

    /// Samples from the current generator in eval mode (running batch-norm statistics).
    pub fn sample(&self, z: Vec<f32>) -> Result<Tensor<4>, ModelError> {
        let device = self.device.clone().without_autodiff();
        let z = latent::to_tensor(z, self.model.latent, &device)?;
        Ok(self.generator.valid().forward(z))
    }
}

/// ‖∇θ J_G‖₂ over all generator parameters, as a `[1]` tensor (no read).
fn gradient_norm(generator: &Generator, grads: &GradientsParams, device: &Device) -> Tensor<1> {
    struct SquaredSum<'a> {
        grads: &'a GradientsParams,
        total: Tensor<1>,
    }
    impl ModuleVisitor for SquaredSum<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.get::<D>(param.id) {
                let s = g
                    .square()
                    .sum()
                    .reshape([1])
                    .to_device(&self.total.device());
                self.total = self.total.clone() + s;
            }
        }
    }
    let plain = device.clone().without_autodiff();
    let mut visitor = SquaredSum {
        grads,
        total: Tensor::zeros([1], &plain),
    };
    generator.visit(&mut visitor);
    visitor.total.sqrt()
}
