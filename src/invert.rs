//! A drawing or a photo into z (GAN inversion, as iGAN projects a sketch): Adam on z through a
//! fixed G with Burn's autodiff, minimising the pixel error plus a term that keeps ‖z‖ near the
//! prior's typical norm (where G was trained). Several restarts run as one batch; the best so
//! far is what the page shows, and the worst restarts are dropped early (`InvertSettings`).
//! An encoder's guess for the target may be the first restart (`invert/encoder.rs`). For the
//! uniform prior, an entry that leaves [−1, 1] is drawn again (stochastic clipping, Lipton &
//! Tripathi 2017), which escapes the box's corners that plain clipping sticks in. On the last
//! restart, Gauss–Newton steps (`invert/refine.rs`) settle what Adam found.
//!
//! Like a training step, a step here reads nothing back: [`Projection::step`] answers the
//! errors and z as tensors, which the caller reads (asynchronously on WebGPU) and hands to
//! [`Projection::observe`].

pub mod encoder;
mod refine;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use crate::checkpoint::{generator_from_safetensors, infer_generator_config};
use crate::latent::{self, Prior};
use crate::model::{Generator, ModelConfig, ModelError, NormMode};
pub use encoder::Encoder;

/// Most restarts one projection runs together.
pub const MAX_RESTARTS: usize = 64;
/// Most steps one call may take.
pub const MAX_STEPS: usize = 1_000;

/// How a projection searches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvertSettings {
    pub prior: Prior,
    /// Starts from this many z at once (one batch).
    pub restarts: usize,
    /// After `prune_after` steps only the `keep` best restarts go on: many starts find the
    /// basin, and each later step costs a fraction as much.
    pub keep: usize,
    pub prune_after: usize,
    /// An earlier cut: after `narrow_after` steps, `narrow_to` restarts go on (`keep` ≤ it).
    pub narrow_after: usize,
    pub narrow_to: usize,
    /// After this many steps, with one restart left, each step is one Gauss–Newton step
    /// (Levenberg–Marquardt damped; `invert/refine.rs`) instead of Adam's.
    pub refine_after: usize,
    /// Adam's step size on z.
    pub learning_rate: f64,
    /// Weight of ((‖z‖ / typical norm) − 1)² against the mean squared pixel error.
    pub norm_weight: f64,
    pub seed: u64,
}

impl InvertSettings {
    /// What the page uses (tests/native/invert.rs and bench/ measure it).
    pub fn new(prior: Prior, seed: u64) -> Self {
        InvertSettings {
            prior,
            restarts: 16,
            keep: 1,
            prune_after: 20,
            narrow_after: 10,
            narrow_to: 4,
            refine_after: 20,
            learning_rate: 0.1,
            norm_weight: 0.002,
            seed,
        }
    }
}

/// The best candidate so far.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Projected {
    /// Steps taken.
    pub iteration: usize,
    /// Mean squared error per pixel, on [−1, 1], of the best z's image against the target.
    pub error: f32,
    /// The best z so far.
    pub z: Vec<f32>,
    /// Whether this answer's best is newer than the last one's.
    pub improved: bool,
}

/// What one call of [`Projection::step`] leaves to read: each restart's pixel error and its z,
/// both from the last forward pass (the z the errors belong to).
pub struct PendingProjection {
    pub errors: Tensor<1>,
    pub z: Tensor<2>,
    /// In the Gauss–Newton phase, the batch's images `[1 + latent, pixels]` (the Jacobian's).
    pub images: Option<Tensor<2>>,
}

pub struct Projection {
    generator: Generator,
    config: ModelConfig,
    settings: InvertSettings,
    target: Tensor<4>,
    z: Tensor<2>,
    first: Tensor<2>,
    second: Tensor<2>,
    iteration: usize,
    best: Option<(f32, Vec<f32>)>,
    /// The best z as found (the answer is it quantized, as a link stores z).
    best_raw: Vec<f32>,
    refine: Option<refine::Refine>,
    target_values: Vec<f32>,
    device: Device,
}

const BETA_1: f64 = 0.9;
const BETA_2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

impl Projection {
    /// A projection of `target` (`[channels, size, size]` in [−1, 1], the generator's own size)
    /// through the generator in `weights` (pytorch-dcgan safetensors), on `device` (made
    /// autodiff here). Everything is checked before anything is built.
    pub fn new(
        weights: &[u8],
        target: &[f32],
        settings: InvertSettings,
        device: &Device,
    ) -> Result<Self, ModelError> {
        if !(1..=MAX_RESTARTS).contains(&settings.restarts) {
            return Err(ModelError::Config(format!(
                "from 1 to {MAX_RESTARTS} restarts; got {}",
                settings.restarts
            )));
        }
        if !(settings.keep..=settings.restarts).contains(&settings.narrow_to) {
            return Err(ModelError::Config(format!(
                "the projection narrows to from {} to {} restarts; got {}",
                settings.keep, settings.restarts, settings.narrow_to
            )));
        }
        if !(1..=settings.restarts).contains(&settings.keep) {
            return Err(ModelError::Config(format!(
                "the projection keeps from 1 to {} restarts; got {}",
                settings.restarts, settings.keep
            )));
        }
        for (name, value) in [
            ("learning rate", settings.learning_rate),
            ("norm weight", settings.norm_weight),
        ] {
            // NaN and infinity fall outside the range too.
            if !(0.0..=10.0).contains(&value) {
                return Err(ModelError::Config(format!(
                    "the projection's {name} must be from 0 to 10; got {value}"
                )));
            }
        }
        let config =
            infer_generator_config(weights).map_err(|e| ModelError::Other(e.to_string()))?;
        let (c, s) = (config.channels, config.image_size);
        if target.len() != c * s * s {
            return Err(ModelError::Config(format!(
                "the target has {} values; this generator makes {s}×{s} images of {c} channel(s) ({})",
                target.len(),
                c * s * s
            )));
        }
        if target.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::Config(
                "the target holds a value that is not finite".into(),
            ));
        }
        let plain = device.clone().without_autodiff();
        let generator = generator_from_safetensors(&config, weights, &plain)
            .map_err(|e| ModelError::Other(e.to_string()))?
            .to_device(&plain.clone().autodiff())
            .no_grad();
        let target_tensor =
            Tensor::from_data(TensorData::new(target.to_vec(), [1, c, s, s]), &plain);
        let z = Tensor::from_data(
            TensorData::new(
                latent::sample(
                    settings.prior,
                    settings.restarts,
                    config.latent,
                    settings.seed,
                ),
                [settings.restarts, config.latent],
            ),
            &plain,
        );
        let zeros = Tensor::<2>::zeros([settings.restarts, config.latent], &plain);
        Ok(Projection {
            generator,
            config,
            settings,
            target: target_tensor,
            first: zeros.clone(),
            second: zeros,
            z,
            iteration: 0,
            best: None,
            best_raw: Vec::new(),
            refine: None,
            target_values: target.to_vec(),
            device: plain,
        })
    }

    /// `steps` Adam steps on every restart's z (1 to [`MAX_STEPS`]), fewer where a phase ends
    /// sooner (`narrow_after`, `prune_after`, `refine_after`); once one restart is left after
    /// `refine_after` steps, one Gauss–Newton call instead, whatever `steps` is.
    pub fn step(&mut self, steps: usize) -> Result<PendingProjection, ModelError> {
        if !(1..=MAX_STEPS).contains(&steps) {
            return Err(ModelError::Config(format!(
                "from 1 to {MAX_STEPS} steps at once; got {steps}"
            )));
        }
        let [r, latent] = self.z.dims();
        if r == 1 && self.iteration >= self.settings.refine_after && !self.best_raw.is_empty() {
            return Ok(self.refine_step());
        }
        let typical = self.settings.prior.typical_norm(latent) as f64;
        // A call ends at the next phase boundary: the restarts are cut in `observe`, so the
        // steps after a boundary are the kept restarts' (or Gauss–Newton's), whatever `steps`.
        let s = &self.settings;
        let boundary = [s.narrow_after, s.prune_after, s.refine_after]
            .into_iter()
            .filter(|b| *b > self.iteration)
            .min();
        let steps = boundary.map_or(steps, |b| steps.min(b - self.iteration));
        let mut last = None;
        for _ in 0..steps {
            let z = self.z.clone().autodiff().require_grad();
            let images = self.generator.forward_with(z.clone(), NormMode::Eval);
            let errors = (images - self.target.clone().autodiff())
                .square()
                .reshape([r as i32, -1])
                .mean_dim(1)
                .reshape([r]);
            let norms = z.clone().square().sum_dim(1).sqrt().reshape([r]);
            let drift = norms.div_scalar(typical).sub_scalar(1.0).square();
            let total = errors.clone().sum() + drift.sum().mul_scalar(self.settings.norm_weight);
            let grads = total.backward();
            let grad = z
                .grad(&grads)
                .ok_or_else(|| ModelError::Other("z has no gradient".into()))?;
            last = Some(PendingProjection {
                errors: errors.without_autodiff(),
                z: self.z.clone(),
                images: None,
            });
            self.adam(grad);
        }
        last.ok_or_else(|| ModelError::Other("no step was taken".into()))
    }

    /// One Gauss–Newton step: a try of the solved step, or the batch that gives G's Jacobian.
    fn refine_step(&mut self) -> PendingProjection {
        let latent = self.config.latent;
        let bound = (self.settings.prior == Prior::Uniform).then_some(1.0);
        let refine = self
            .refine
            .get_or_insert_with(|| refine::Refine::new(self.best_raw.clone(), bound));
        let batch = refine.batch();
        let count = batch.len() / latent;
        let rows = Tensor::from_data(TensorData::new(batch, [count, latent]), &self.device);
        let candidate = Tensor::from_data(
            TensorData::new(refine.first().to_vec(), [1, latent]),
            &self.device,
        );
        let images = self
            .generator
            .valid()
            .forward_with(rows, NormMode::Eval)
            .reshape([count as i32, -1]);
        let errors = (images.clone().slice(0..1) - self.target.clone().reshape([1, -1]))
            .square()
            .mean_dim(1)
            .reshape([1]);
        self.iteration += 1;
        PendingProjection {
            errors,
            z: candidate,
            images: Some(images),
        }
    }

    fn adam(&mut self, grad: Tensor<2>) {
        self.iteration += 1;
        let t = self.iteration as i32;
        self.first = self
            .first
            .clone()
            .mul_scalar(BETA_1)
            .add(grad.clone().mul_scalar(1.0 - BETA_1));
        self.second = self
            .second
            .clone()
            .mul_scalar(BETA_2)
            .add(grad.square().mul_scalar(1.0 - BETA_2));
        let step =
            self.settings.learning_rate * (1.0 - BETA_2.powi(t)).sqrt() / (1.0 - BETA_1.powi(t));
        let update = self
            .first
            .clone()
            .div(self.second.clone().sqrt().add_scalar(EPSILON))
            .mul_scalar(step);
        let mut z = self.z.clone() - update;
        if self.settings.prior == Prior::Uniform {
            // Stochastic clipping: what left [−1, 1] is drawn again, from (seed, iteration).
            let [r, latent] = z.dims();
            let fresh = Tensor::from_data(
                TensorData::new(
                    latent::sample(
                        Prior::Uniform,
                        r,
                        latent,
                        self.settings.seed ^ (self.iteration as u64).wrapping_mul(0x9E37_79B9),
                    ),
                    [r, latent],
                ),
                &self.device,
            );
            z = z.clone().mask_where(z.abs().greater_elem(1.0), fresh);
        }
        self.z = z;
    }

    /// Keeps the `keep` restarts with the lowest errors (their z and Adam moments).
    fn prune(&mut self, errors: &[f32], keep: usize) {
        let mut order: Vec<usize> = (0..errors.len()).collect();
        order.sort_by(|&a, &b| errors[a].total_cmp(&errors[b]));
        order.truncate(keep.max(1));
        let rows: Vec<i64> = order.iter().map(|&i| i as i64).collect();
        let index = Tensor::<1, burn::tensor::Int>::from_data(
            TensorData::new(rows.clone(), [rows.len()]),
            &self.device,
        );
        self.z = self.z.clone().select(0, index.clone());
        self.first = self.first.clone().select(0, index.clone());
        self.second = self.second.clone().select(0, index);
    }

    /// Takes what [`Projection::step`] left, read: `errors` (one per restart) and `z` (row per
    /// restart). Keeps the best and answers it.
    pub fn observe(
        &mut self,
        errors: &[f32],
        z: &[f32],
        images: Option<&[f32]>,
    ) -> Result<Projected, ModelError> {
        let latent = self.config.latent;
        if let (Some(images), Some(refine)) = (images, self.refine.as_mut()) {
            refine
                .observe(images, &self.target_values)
                .map_err(ModelError::Other)?;
        }
        if errors.len() * latent != z.len() || errors.is_empty() {
            return Err(ModelError::Other(format!(
                "{} errors do not go with {} values of z",
                errors.len(),
                z.len()
            )));
        }
        let (at, error) = errors
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_finite())
            .fold((usize::MAX, f32::INFINITY), |best, (i, e)| {
                if *e < best.1 { (i, *e) } else { best }
            });
        let improved = at != usize::MAX && self.best.as_ref().is_none_or(|(b, _)| error < *b);
        let [rows, _] = self.z.dims();
        let keep = if self.iteration >= self.settings.prune_after {
            self.settings.keep
        } else if self.iteration >= self.settings.narrow_after {
            self.settings.narrow_to
        } else {
            rows
        };
        if rows > keep && rows == errors.len() {
            self.prune(errors, keep);
        }
        if improved {
            self.best_raw = z[at * latent..(at + 1) * latent].to_vec();
            self.best = Some((error, latent::quantize(&self.best_raw)));
        }
        let (error, z) = self
            .best
            .clone()
            .ok_or_else(|| ModelError::Other("every restart's error is NaN".into()))?;
        Ok(Projected {
            iteration: self.iteration,
            error,
            z,
            improved,
        })
    }
}
