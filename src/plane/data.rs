//! The real data of the plane lab: every preset, and every drawing, is an equal mixture of
//! isotropic Gaussians (`centres`, one `spread`), so its density is known in closed form (what
//! the divergences compare against) and "a mode" has a meaning (what mode coverage counts).

use rand::RngExt;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::latent;

/// What the plane shows: data units on both axes, `[-VIEW, VIEW]`. Every preset lies well
/// inside it; a drawn point must lie inside it.
pub const VIEW: f32 = 1.2;

/// The data's shape: a preset, or the points a person drew.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Line,
    TwoGaussians,
    Ring,
    ThreeClusters,
    /// 5 × 5 Gaussians: the usual test of mode collapse (Metz et al. 2017, unrolled GANs).
    Grid,
    Spiral,
    /// The drawn points are the centres.
    Drawn,
}

impl Shape {
    pub const ALL: [Shape; 7] = [
        Shape::Line,
        Shape::TwoGaussians,
        Shape::Ring,
        Shape::ThreeClusters,
        Shape::Grid,
        Shape::Spiral,
        Shape::Drawn,
    ];

    /// The preset's own centres (none for a drawing).
    pub fn centres(self) -> Vec<[f32; 2]> {
        use std::f32::consts::PI;
        match self {
            Shape::Line => (0..16)
                .map(|i| {
                    let t = i as f32 / 15.0 - 0.5;
                    [1.4 * t, 0.8 * t]
                })
                .collect(),
            Shape::TwoGaussians => vec![[-0.5, 0.3], [0.5, -0.3]],
            Shape::Ring => (0..8)
                .map(|i| {
                    let a = 2.0 * PI * i as f32 / 8.0;
                    [0.75 * a.cos(), 0.75 * a.sin()]
                })
                .collect(),
            Shape::ThreeClusters => vec![[-0.55, -0.4], [0.55, -0.4], [0.0, 0.55]],
            Shape::Grid => (0..25)
                .map(|i| [0.4 * (i % 5) as f32 - 0.8, 0.4 * (i / 5) as f32 - 0.8])
                .collect(),
            Shape::Spiral => (0..48)
                .map(|i| {
                    let t = i as f32 / 47.0;
                    let (r, a) = (0.1 + 0.75 * t, 3.0 * PI * t);
                    [r * a.cos(), r * a.sin()]
                })
                .collect(),
            Shape::Drawn => Vec::new(),
        }
    }

    /// The spread a preset is shown with (a drawing's default too).
    pub fn default_spread(self) -> f32 {
        match self {
            Shape::Line | Shape::Spiral => 0.03,
            Shape::TwoGaussians => 0.12,
            Shape::Ring | Shape::Grid => 0.04,
            Shape::ThreeClusters => 0.08,
            Shape::Drawn => 0.05,
        }
    }
}

/// An equal mixture of `N(centre, spread² I)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture {
    pub centres: Vec<[f32; 2]>,
    pub spread: f32,
}

impl Mixture {
    /// `count` points, a pure function of `seed`.
    pub fn sample(&self, count: usize, seed: u64) -> Vec<[f32; 2]> {
        let mut rng = latent::rng(seed ^ 0x5245_414c_5045_5453);
        (0..count)
            .map(|_| {
                let c = self.centres[rng.random_range(0..self.centres.len())];
                let (dx, dy): (f32, f32) = (rng.sample(StandardNormal), rng.sample(StandardNormal));
                [c[0] + self.spread * dx, c[1] + self.spread * dy]
            })
            .collect()
    }

    /// The density at `p` of this mixture smoothed by a Gaussian kernel of width `bandwidth`
    /// (a Gaussian convolved with a Gaussian: the variances add). `bandwidth` 0 is the mixture.
    pub fn density(&self, p: [f64; 2], bandwidth: f64) -> f64 {
        let var = f64::from(self.spread).powi(2) + bandwidth * bandwidth;
        let norm = 1.0 / (2.0 * std::f64::consts::PI * var * self.centres.len() as f64);
        self.centres
            .iter()
            .map(|c| {
                let (dx, dy) = (p[0] - f64::from(c[0]), p[1] - f64::from(c[1]));
                (-(dx * dx + dy * dy) / (2.0 * var)).exp()
            })
            .sum::<f64>()
            * norm
    }
}
