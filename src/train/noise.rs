//! Instance noise (Sønderby et al. 2016; Arjovsky & Bottou 2017): Gaussian noise on every input
//! of D, real and generated, in D's steps and G's, annealed to zero. Early on the two
//! distributions overlap where D sees them, so D cannot separate them perfectly and G's gradient
//! means something; by the end of the span D sees the images themselves.
//!
//! The standard deviation falls linearly from `std` at iteration 0 to 0 at `span`. The draws are
//! a pure function of `(seed, stream)`, as DiffAugment's are, so a resumed run gets exactly the
//! noise the original would have.

use burn::tensor::{Tensor, TensorData};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::latent;
use crate::limits::{Range, SettingError};

/// The noise's standard deviation at the start, in image units (images lie in [−1, 1]).
pub const STD: Range<f64> = Range { min: 0.0, max: 2.0 };
/// Iterations over which it falls to zero.
pub const SPAN: Range<u64> = Range {
    min: 1,
    max: 1_000_000,
};
/// The span when none is given.
pub const DEFAULT_SPAN: u64 = 1000;

/// Gaussian noise on D's inputs, `std` at iteration 0 falling linearly to 0 at `span`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceNoise {
    pub std: f64,
    pub span: u64,
}

impl InstanceNoise {
    pub fn validate(&self) -> Result<(), SettingError> {
        STD.check("instance noise", self.std)?;
        SPAN.check("instance noise span", self.span)
    }

    /// The standard deviation at `iteration` (0 from `span` on).
    pub fn std_at(&self, iteration: u64) -> f64 {
        let left = 1.0 - iteration as f64 / self.span as f64;
        self.std * left.max(0.0)
    }

    /// `x` plus noise of [`InstanceNoise::std_at`]`(iteration)`, drawn from `(seed, stream)`;
    /// `x` itself once the noise has died out.
    pub fn apply(&self, x: Tensor<4>, seed: u64, iteration: u64, stream: u64) -> Tensor<4> {
        let std = self.std_at(iteration);
        if std <= 0.0 {
            return x;
        }
        let mut rng =
            latent::rng(seed ^ 0x4E4F_4953_4521_4E4F ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let dims = x.dims();
        let n = dims.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                (e * std) as f32
            })
            .collect();
        let noise = Tensor::<4>::from_data(TensorData::new(values, dims), &x.device());
        x + noise
    }
}
