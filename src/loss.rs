//! The discriminator loss and both generator costs, written from D's logits.
//!
//! `D(x) = σ(l)`, so `log D = −softplus(−l)` and `log(1 − D) = −softplus(l)`: no `log(sigmoid)`,
//! which loses everything once σ rounds to 0 or 1 (|l| ≳ 17 in f32).
//!
//! The closed-form functions at the bottom are what the page plots: each cost and its slope
//! with respect to D(G(z)) and to the logit, in f64, on the true scale.

use burn::tensor::Tensor;
use burn::tensor::activation::{relu, softplus};
use serde::{Deserialize, Serialize};

/// Which cost the generator minimises.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorCost {
    /// Minimax: `J_G = E log(1 − D(G(z)))`. Its gradient vanishes when D rejects the samples.
    Saturating,
    /// `J_G = −E log D(G(z))`: same fixed point, strong gradient where D rejects the samples.
    NonSaturating,
    /// Goodfellow (2016), §3.2.3: `J_G = −½ E exp(σ⁻¹(D(G(z))))`, i.e. `−½ E e^l`.
    MaximumLikelihood,
}

impl GeneratorCost {
    pub const ALL: [GeneratorCost; 3] = [
        GeneratorCost::Saturating,
        GeneratorCost::NonSaturating,
        GeneratorCost::MaximumLikelihood,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GeneratorCost::Saturating => "saturating",
            GeneratorCost::NonSaturating => "non_saturating",
            GeneratorCost::MaximumLikelihood => "maximum_likelihood",
        }
    }

    /// Parses `saturating` / `minimax`, `non_saturating` / `non-saturating`, `maximum_likelihood`.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.replace('-', "_").as_str() {
            "saturating" | "minimax" => Ok(GeneratorCost::Saturating),
            "non_saturating" => Ok(GeneratorCost::NonSaturating),
            "maximum_likelihood" => Ok(GeneratorCost::MaximumLikelihood),
            _ => Err(format!(
                "unknown generator cost {name:?}: expected saturating, non_saturating or maximum_likelihood"
            )),
        }
    }
}

/// The pair of losses a run trains with. The lab and the theory plots are about the first; the
/// second is the modern recipe's (Lim & Ye 2017; Miyato et al. 2018, with spectral norm).
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// D minimises binary cross-entropy; G the chosen [`GeneratorCost`].
    #[default]
    CrossEntropy,
    /// D minimises `E max(0, 1 − l(x)) + E max(0, 1 + l(G(z)))`; G minimises `−E l(G(z))`
    /// (the generator cost is then not used).
    Hinge,
}

impl Loss {
    pub const ALL: [Loss; 2] = [Loss::CrossEntropy, Loss::Hinge];

    pub fn name(self) -> &'static str {
        match self {
            Loss::CrossEntropy => "cross_entropy",
            Loss::Hinge => "hinge",
        }
    }

    /// Parses a name of [`Loss::name`], with `-` for `_`.
    pub fn parse(name: &str) -> Result<Self, String> {
        crate::limits::by_name("loss", &name.replace('-', "_"), &Loss::ALL, Loss::name)
    }

    /// D's loss on a batch of real and one of generated logits.
    pub fn discriminator(self, real_logits: Tensor<1>, fake_logits: Tensor<1>) -> Tensor<1> {
        match self {
            Loss::CrossEntropy => discriminator_loss(real_logits, fake_logits),
            Loss::Hinge => {
                relu(real_logits.neg().add_scalar(1.0)).mean()
                    + relu(fake_logits.add_scalar(1.0)).mean()
            }
        }
    }

    /// G's cost on D's logits for generated samples (`cost` under cross-entropy).
    pub fn generator(self, fake_logits: Tensor<1>, cost: GeneratorCost) -> Tensor<1> {
        match self {
            Loss::CrossEntropy => generator_cost(fake_logits, cost),
            Loss::Hinge => fake_logits.mean().neg(),
        }
    }
}

/// Binary cross-entropy of D: real labelled 1, fake labelled 0, each term a batch mean
/// (as `BCELoss(D(x), 1) + BCELoss(D(G(z)), 0)` in the PyTorch recipe).
pub fn discriminator_loss(real_logits: Tensor<1>, fake_logits: Tensor<1>) -> Tensor<1> {
    softplus(real_logits.neg(), 1.0).mean() + softplus(fake_logits, 1.0).mean()
}

/// The generator's cost over a batch of D's logits on generated samples.
pub fn generator_cost(fake_logits: Tensor<1>, cost: GeneratorCost) -> Tensor<1> {
    match cost {
        GeneratorCost::Saturating => softplus(fake_logits, 1.0).neg().mean(),
        GeneratorCost::NonSaturating => softplus(fake_logits.neg(), 1.0).mean(),
        // exp overflows f32 past l ≈ 88; D's logits never get there in practice, and clamping
        // keeps a runaway D from turning the loss into inf.
        GeneratorCost::MaximumLikelihood => {
            fake_logits.clamp_max(80.0).exp().mul_scalar(-0.5).mean()
        }
    }
}

/// `ln(1 + e^x)` in f64, exact in both tails.
pub fn softplus_f64(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

pub fn sigmoid_f64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `σ⁻¹(d)`; ±∞ at the ends of [0, 1].
pub fn logit_f64(d: f64) -> f64 {
    (d / (1.0 - d)).ln()
}

/// A generator cost as a function of D's logit `l` for one sample.
pub fn cost_of_logit(cost: GeneratorCost, l: f64) -> f64 {
    match cost {
        GeneratorCost::Saturating => -softplus_f64(l),
        GeneratorCost::NonSaturating => softplus_f64(-l),
        GeneratorCost::MaximumLikelihood => -0.5 * l.exp(),
    }
}

/// dJ/dl: the gradient that actually flows into the generator through D.
pub fn slope_wrt_logit(cost: GeneratorCost, l: f64) -> f64 {
    match cost {
        GeneratorCost::Saturating => -sigmoid_f64(l),
        GeneratorCost::NonSaturating => -sigmoid_f64(-l),
        GeneratorCost::MaximumLikelihood => -0.5 * l.exp(),
    }
}

/// A generator cost as a function of `d = D(G(z))` on [0, 1].
pub fn cost_of_d(cost: GeneratorCost, d: f64) -> f64 {
    match cost {
        GeneratorCost::Saturating => (-d).ln_1p(),
        GeneratorCost::NonSaturating => -d.ln(),
        GeneratorCost::MaximumLikelihood => -0.5 * d / (1.0 - d),
    }
}

/// dJ/dd. The saturating one is −1/(1 − d): −1 at d = 0, not 0 as the mis-scaled figure suggests.
pub fn slope_wrt_d(cost: GeneratorCost, d: f64) -> f64 {
    match cost {
        GeneratorCost::Saturating => -1.0 / (1.0 - d),
        GeneratorCost::NonSaturating => -1.0 / d,
        GeneratorCost::MaximumLikelihood => -0.5 / ((1.0 - d) * (1.0 - d)),
    }
}

/// One sample of a theory curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurvePoint {
    pub d: f64,
    pub logit: f64,
    pub cost: f64,
    pub slope_d: f64,
    pub slope_logit: f64,
}

/// `points` evenly spaced samples of a cost over [0, 1], ends included. Values at the ends may
/// be infinite (−log 0); the logit slope is taken from the logit form, so it is exact there
/// (saturating: 0 at d = 0, the vanishing gradient).
pub fn cost_curve(cost: GeneratorCost, points: usize) -> Vec<CurvePoint> {
    let n = points.max(2);
    (0..n)
        .map(|i| curve_point(cost, i as f64 / (n - 1) as f64))
        .collect()
}

/// One point of the curve: value and both slopes at D(G(z)) = `d`.
pub fn curve_point(cost: GeneratorCost, d: f64) -> CurvePoint {
    let logit = logit_f64(d);
    CurvePoint {
        d,
        logit,
        cost: cost_of_d(cost, d),
        slope_d: slope_wrt_d(cost, d),
        slope_logit: slope_wrt_logit(cost, logit),
    }
}
