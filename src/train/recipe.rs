//! The recipes a run can start from: plain DCGAN (the paper's levers only) and the modern
//! small-GAN recipe, whose levers were chosen by measurement (docs/QUALITY.md, "The modern
//! recipe"; `scripts/measure-recipe.sh`). A recipe sets the levers; the sizes, the seed, the
//! batch and the cadences stay the run's.

use serde::{Deserialize, Serialize};

use super::{Augment, InstanceNoise, Loss, TrainConfig};

/// A starting set of levers.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipe {
    /// Radford et al. 2016: cross-entropy, no normalisation of D, one rate for both, no average.
    #[default]
    Dcgan,
    /// The winner of the measurement (see the module's documentation).
    Modern,
}

impl Recipe {
    pub const ALL: [Recipe; 2] = [Recipe::Dcgan, Recipe::Modern];

    /// Its name in the CLI, the page and serde.
    pub fn name(self) -> &'static str {
        match self {
            Recipe::Dcgan => "dcgan",
            Recipe::Modern => "modern",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        crate::limits::by_name("recipe", name, &Recipe::ALL, Recipe::name)
    }

    /// `config` with this recipe's levers; its learning rates are `lr` scaled by the recipe's
    /// ratio for D and G (TTUR), so a recipe fits the studio's rate and the paper's alike.
    pub fn apply(self, config: TrainConfig, lr: f64) -> TrainConfig {
        match self {
            Recipe::Dcgan => TrainConfig {
                lr_d: lr,
                lr_g: lr,
                loss: Loss::CrossEntropy,
                spectral_norm: false,
                instance_noise: None,
                augment: Augment::default(),
                ema: None,
                ..config
            },
            Recipe::Modern => TrainConfig {
                lr_d: lr * MODERN.lr_d,
                lr_g: lr * MODERN.lr_g,
                loss: MODERN.loss,
                spectral_norm: MODERN.spectral_norm,
                instance_noise: MODERN.instance_noise,
                augment: MODERN.augment,
                ema: MODERN.ema,
                ..config
            },
        }
    }
}

/// A recipe's levers (rates as multiples of the run's base rate).
struct Levers {
    lr_d: f64,
    lr_g: f64,
    loss: Loss,
    spectral_norm: bool,
    instance_noise: Option<InstanceNoise>,
    augment: Augment,
    ema: Option<f64>,
}

/// The measured winner (docs/QUALITY.md, "The modern recipe"): the hinge loss, D's rate twice
/// G's, and G's average. Spectral norm (on this D, which keeps batch norm) and DiffAugment (on
/// full data sets) measured worse, and instance noise no better, so they are left off; each
/// is still a lever of its own. G faster than D (the studio's default, `DEFAULT_LR_G`) beats
/// this pair on the studio's nets but collapsed the shipped generator's net at the paper's
/// rate, with either loss, so a recipe, which applies over any net, keeps D the faster.
const MODERN: Levers = Levers {
    lr_d: 2.0,
    lr_g: 1.0,
    loss: Loss::Hinge,
    spectral_norm: false,
    instance_noise: None,
    augment: Augment {
        translation: false,
        cutout: false,
        colour: false,
    },
    ema: Some(0.999),
};
