//! Differentiable augmentation for D (Zhao et al. 2020, "Differentiable Augmentation for
//! Data-Efficient GAN Training"). With a few hundred images D memorises them, its verdicts stop
//! meaning anything, and G collapses. DiffAugment shows D every image, real and generated,
//! through the same random colour change, translation and cutout, on every D and G step. Each
//! transform is differentiable in the image, so G's gradient passes through it. G never learns
//! to make augmented images, because D sees real images augmented in the same way.
//!
//! The draws are a pure function of `(seed, stream)`. The trainer derives the stream from the
//! iteration and the step, so a resumed run augments exactly as the original would have.

use burn::tensor::{Tensor, TensorData};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::latent;

/// Which transforms D's inputs go through (all off: none; DiffAugment's full policy is all
/// three).
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Augment {
    /// Shifts of up to 1/8 of the side, with zeros (mid-grey) filled in.
    pub translation: bool,
    /// A square of half the side, anywhere, set to zero.
    pub cutout: bool,
    /// Random brightness, saturation and contrast.
    pub colour: bool,
}

impl Augment {
    pub const ALL: Augment = Augment {
        translation: true,
        cutout: true,
        colour: true,
    };

    pub fn is_on(&self) -> bool {
        self.translation || self.cutout || self.colour
    }

    /// From a comma-separated list (`translation,cutout,colour`, or `none`).
    pub fn parse(text: &str) -> Result<Augment, String> {
        let mut a = Augment::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "translation" => a.translation = true,
                "cutout" => a.cutout = true,
                "colour" | "color" => a.colour = true,
                "none" => {}
                other => {
                    return Err(format!(
                        "unknown augmentation “{other}” (expected translation, cutout, colour or none)"
                    ));
                }
            }
        }
        Ok(a)
    }

    /// `x` ([B, C, S, S] in [−1, 1]) through the chosen transforms, drawn from `(seed, stream)`,
    /// in DiffAugment's order: colour, translation, cutout.
    pub fn apply(&self, x: Tensor<4>, seed: u64, stream: u64) -> Tensor<4> {
        if !self.is_on() {
            return x;
        }
        let mut rng =
            latent::rng(seed ^ 0x4155_474D_454E_5421 ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let [b, _, s, _] = x.dims();
        let device = x.device();
        let mut uniform = |n: usize| (0..n).map(|_| rng.random::<f32>()).collect::<Vec<_>>();
        let per_sample =
            |v: Vec<f32>| Tensor::<4>::from_data(TensorData::new(v, [b, 1, 1, 1]), &device);
        let mut x = x;
        if self.colour {
            let brightness = per_sample(uniform(b).into_iter().map(|r| r - 0.5).collect());
            x = x + brightness;
            let saturation = per_sample(uniform(b).into_iter().map(|r| 2.0 * r).collect());
            let mean = x.clone().mean_dim(1);
            x = (x - mean.clone()) * saturation + mean;
            let contrast = per_sample(uniform(b).into_iter().map(|r| r + 0.5).collect());
            let mean = x.clone().mean_dim(1).mean_dim(2).mean_dim(3);
            x = (x - mean.clone()) * contrast + mean;
        }
        if self.translation {
            let reach = s / 8;
            let mut shift = || {
                uniform(b)
                    .into_iter()
                    .map(|r| ((r * (2 * reach + 1) as f32) as usize).min(2 * reach))
                    .collect::<Vec<_>>()
            };
            // out[i] = in[i − d], zero outside: with the image padded by `reach` zeros, that
            // is rows `reach − d ..` of the padded image. Each of the 2·reach + 1 shifts is
            // one slice of the whole batch, and a one-hot weight per sample picks its own:
            // slices and products only (no gather, no matrix product), so the gradient is
            // plain and the WebGPU module links no extra kernels.
            let (dy, dx) = (shift(), shift());
            let padded = x.pad((reach, reach, reach, reach), 0.0);
            let pick = |chosen: &[usize], k: usize| {
                per_sample(chosen.iter().map(|&c| (c == k) as u8 as f32).collect())
            };
            // Along `dim`, index k is the shift d = k − reach: the s rows from 2·reach − k on.
            let shifted = |x: Tensor<4>, dim: usize, chosen: &[usize]| {
                let part = |k: usize| x.clone().narrow(dim, 2 * reach - k, s) * pick(chosen, k);
                (1..=2 * reach).fold(part(0), |sum, k| sum + part(k))
            };
            x = shifted(shifted(padded, 2, &dy), 3, &dx);
        }
        if self.cutout {
            let half = s / 2;
            let mut mask = vec![1.0f32; b * s * s];
            let (ys, xs) = (uniform(b), uniform(b));
            // The square's centre anywhere in the image (DiffAugment's range); what of the
            // square lies inside the image is cut.
            let range = s + 1 - half % 2;
            let centre = |r: f32| ((r * range as f32) as usize).min(range - 1) as i64;
            for i in 0..b {
                let (cy, cx) = (centre(ys[i]), centre(xs[i]));
                let (y0, x0) = (cy - (half / 2) as i64, cx - (half / 2) as i64);
                for y in y0.max(0)..(y0 + half as i64).min(s as i64) {
                    for xx in x0.max(0)..(x0 + half as i64).min(s as i64) {
                        mask[i * s * s + y as usize * s + xx as usize] = 0.0;
                    }
                }
            }
            let mask = Tensor::<4>::from_data(TensorData::new(mask, [b, 1, s, s]), &device);
            x = x * mask;
        }
        x
    }
}
