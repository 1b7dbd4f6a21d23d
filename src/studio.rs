//! The training studio: one run a person sets up in the page (an architecture preset, the
//! hyperparameters, a dataset), trains, keeps and resumes. Its checkpoint is the CLI's own run
//! snapshot (`run.safetensors`), so a run moves between `gan-playground train` and the tab
//! unchanged, and resumes exactly under the same randomness rules.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::checkpoint::{CheckpointError, RunSnapshot};
use crate::data::ImageSet;
use crate::latent::Prior;
use crate::limits::{self, Range, SettingError};
use crate::loss::{GeneratorCost, Loss};
use crate::model::{DiscriminatorNorm, ModelConfig, ModelError};
use crate::train::{Augment, InstanceNoise, Recipe, TrainConfig, Trainer, noise};

/// Length of z in every preset (the DCGAN paper's).
pub const LATENT: usize = 100;

/// An architecture the studio offers. Each is a [`ModelConfig`] with the dataset's channels.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    #[serde(rename = "tiny-28")]
    Tiny28,
    #[serde(rename = "small-28")]
    Small28,
    #[serde(rename = "tiny-32")]
    Tiny32,
    #[serde(rename = "small-32")]
    Small32,
    /// pytorch/examples `dcgan/main.py` as the paper has it: 64×64, ngf = ndf = 64.
    #[serde(rename = "pytorch-dcgan")]
    PytorchDcgan,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::Tiny28,
        Preset::Small28,
        Preset::Tiny32,
        Preset::Small32,
        Preset::PytorchDcgan,
    ];

    /// Image side and network width (`ngf` = `ndf`).
    fn sizes(self) -> (usize, usize) {
        match self {
            Preset::Tiny28 => (28, 16),
            Preset::Small28 => (28, 32),
            Preset::Tiny32 => (32, 16),
            Preset::Small32 => (32, 32),
            Preset::PytorchDcgan => (64, 64),
        }
    }

    pub fn image_size(self) -> usize {
        self.sizes().0
    }

    pub fn model(self, channels: usize) -> Result<ModelConfig, ModelError> {
        let (size, width) = self.sizes();
        ModelConfig::new(size, channels, LATENT, width, width)
    }
}

/// What the studio accepts: the one definition the page's controls and its checks read.
/// The learning rate may go far past a sensible one on purpose: the studio shows what a
/// diverging run looks like (it pauses and rolls back) rather than forbidding it. With these
/// nets a rate needs to be about 1e20 before a loss turns NaN (at 1e10 the losses are ~1e22
/// and still finite: batch norm and Adam's bounded steps hold everything else).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StudioLimits {
    pub lr: Range<f64>,
    pub beta_1: Range<f32>,
    pub beta_2: Range<f32>,
    pub batch_size: Range<usize>,
    pub d_steps: Range<usize>,
    pub g_steps: Range<usize>,
    pub seed: Range<u64>,
    /// The decay of G's moving average (0: none).
    pub ema: Range<f64>,
    /// Instance noise's standard deviation at the start (0: none) and its span in iterations.
    pub instance_noise: Range<f64>,
    pub noise_span: Range<u64>,
    /// A run's target number of iterations (the page's progress bar).
    pub target_steps: Range<u64>,
    /// Steps between two frames of the page's history strip.
    pub history_every: Range<u64>,
    /// Steps between two quality measurements in the page (0: none).
    pub measure_every: Range<u64>,
    /// The most bytes of an uploaded checkpoint (the pytorch-dcgan preset's run is ~80 MB).
    pub checkpoint_bytes: Range<usize>,
}

pub const LIMITS: StudioLimits = StudioLimits {
    lr: Range {
        min: 1e-6,
        max: 1e30,
    },
    beta_1: Range {
        min: 0.0,
        max: 0.99,
    },
    beta_2: Range {
        min: 0.0,
        max: 0.9999,
    },
    // Batch norm needs two samples; a tab's wasm memory bounds the top.
    batch_size: Range { min: 2, max: 256 },
    d_steps: Range { min: 1, max: 10 },
    g_steps: Range { min: 1, max: 10 },
    seed: limits::SEED,
    ema: Range {
        min: 0.0,
        max: 0.9999,
    },
    instance_noise: noise::STD,
    noise_span: noise::SPAN,
    target_steps: Range {
        min: 1,
        max: 1_000_000,
    },
    history_every: Range {
        min: 1,
        max: 100_000,
    },
    measure_every: Range {
        min: 0,
        max: 100_000,
    },
    checkpoint_bytes: Range {
        min: 1,
        max: crate::checkpoint::MAX_GENERATOR_BYTES,
    },
};

/// The studio's settings by the name the page sends them under, with the name a person reads.
pub const SETTINGS: [(&str, &str); 18] = [
    ("preset", "architecture"),
    ("lrD", "D learning rate"),
    ("lrG", "G learning rate"),
    ("beta1", "Adam β1"),
    ("beta2", "Adam β2"),
    ("batchSize", "batch size"),
    ("dSteps", "D steps per iteration"),
    ("gSteps", "G steps per iteration"),
    ("cost", "G cost"),
    ("prior", "prior"),
    ("seed", "seed"),
    ("augment", "DiffAugment"),
    ("ema", "average decay"),
    ("loss", "loss"),
    ("spectralNorm", "spectral norm"),
    ("dNorm", "D's norm"),
    ("instanceNoise", "instance noise"),
    ("noiseSpan", "instance noise span"),
];

/// The page's own cadences, not the run's settings (how far it trains, how often it keeps a
/// history frame or measures quality): the name the page uses, the name a person reads, the
/// range.
const CADENCES: [(&str, &str, Range<u64>); 3] = [
    ("targetSteps", "target steps", LIMITS.target_steps),
    (
        "historyEvery",
        "steps between history frames",
        LIMITS.history_every,
    ),
    (
        "measureEvery",
        "steps between quality measurements",
        LIMITS.measure_every,
    ),
];

/// One of [`CADENCES`] as the page gives it, read against its range.
pub fn read_cadence(key: &str, value: &Value) -> Result<u64, SettingError> {
    let Some((_, label, range)) = CADENCES.iter().find(|(k, ..)| *k == key) else {
        let names: Vec<&str> = CADENCES.iter().map(|(k, ..)| *k).collect();
        let expected = format!("one of {}", names.join(", "));
        return Err(SettingError::new(
            "a studio cadence",
            expected,
            format!("“{key}”"),
        ));
    };
    range.read(label, value)
}

/// A studio setting's name as a person reads it, from [`SETTINGS`].
fn label(key: &'static str) -> &'static str {
    SETTINGS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, l)| *l)
}

/// A studio set-up, as the page sends it (every field, camelCase), read by
/// [`StudioConfig::from_options`].
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StudioConfig {
    pub preset: Preset,
    pub lr_d: f64,
    pub lr_g: f64,
    pub beta_1: f32,
    pub beta_2: f32,
    pub batch_size: usize,
    pub d_steps: usize,
    pub g_steps: usize,
    pub cost: GeneratorCost,
    pub prior: Prior,
    pub seed: u64,
    /// D's inputs through DiffAugment (for small sets of one's own).
    pub augment: Augment,
    /// The decay of G's moving average, which downloads and the explorer then use (0: none).
    pub ema: f64,
    /// D's loss and G's matching cost (`cost` applies under cross-entropy).
    pub loss: Loss,
    /// D's layers spectrally normalised.
    pub spectral_norm: bool,
    /// Batch norm after D's middle layers, or none (SN-GAN's D): the preset's architecture.
    pub d_norm: DiscriminatorNorm,
    /// Instance noise's standard deviation at the start (0: none)…
    pub instance_noise: f64,
    /// …falling to 0 over this many iterations.
    pub noise_span: u64,
}

/// The studio's default learning rate for both networks: five times the DCGAN paper's 2e-4.
/// On the tiny net at the paper's rate G's output stays flat grey for the first ~1,000 steps
/// (its last layer, with no bias, moves its weights about lr a step, and needs ~0.1 to paint
/// MNIST's black ground): classifier score 1.0 at 1,000 steps, 2.8 at 2,000. At 1e-3: 5.9 and
/// 6.6 (docs/BENCHMARKS.md, "Training studio: how fast the default learns").
pub const DEFAULT_LR: f64 = 1e-3;

/// G's default rate, six times D's (two rates, measured: TTUR's pair turned round). G is the
/// slower learner here (the bias-less last layer above): at 6e-3 the tiny net reaches a
/// classifier score of 6 in 400 steps instead of 1,000 in the page, and is ahead at 2,000 too
/// (docs/BENCHMARKS.md, "Training studio: how fast the default learns"; the native
/// measurement over rates and seeds: docs/QUALITY.md, "The modern recipe").
pub const DEFAULT_LR_G: f64 = 6.0 * DEFAULT_LR;

impl Default for StudioConfig {
    /// The DCGAN paper's hyperparameters but the learning rates ([`DEFAULT_LR`] for D,
    /// [`DEFAULT_LR_G`] for G) on the tiny 28-pixel net, which trains in a tab.
    fn default() -> Self {
        StudioConfig {
            seed: 1,
            lr_d: DEFAULT_LR,
            lr_g: DEFAULT_LR_G,
            ..StudioConfig::from_train(Preset::Tiny28, &TrainConfig::default())
        }
    }
}

impl StudioConfig {
    /// Every setting within [`LIMITS`] (the first one outside is named).
    pub fn validate(&self) -> Result<(), SettingError> {
        let l = &LIMITS;
        l.lr.check(label("lrD"), self.lr_d)?;
        l.lr.check(label("lrG"), self.lr_g)?;
        l.beta_1.check(label("beta1"), self.beta_1)?;
        l.beta_2.check(label("beta2"), self.beta_2)?;
        l.batch_size.check(label("batchSize"), self.batch_size)?;
        l.d_steps.check(label("dSteps"), self.d_steps)?;
        l.g_steps.check(label("gSteps"), self.g_steps)?;
        l.seed.check(label("seed"), self.seed)?;
        l.ema.check(label("ema"), self.ema)?;
        l.instance_noise
            .check(label("instanceNoise"), self.instance_noise)?;
        l.noise_span.check(label("noiseSpan"), self.noise_span)?;
        self.train().validate()
    }

    /// The settings as the page sends them (JSON, every field, camelCase: numbers, or the
    /// text typed where a number belongs), each read against [`LIMITS`] under the name a person
    /// reads; an unknown or missing one is refused by its name too.
    pub fn from_options(options: &Value) -> Result<StudioConfig, SettingError> {
        let names: Vec<&str> = SETTINGS.iter().map(|(key, _)| *key).collect();
        let object = limits::options("studio settings", options, &names)?
            .ok_or_else(|| SettingError::new("studio settings", "an object", "nothing"))?;
        let nothing = Value::Null;
        // Each setting's name as a person reads it, and its value (nothing when left out).
        let get = |key: &'static str| (label(key), object.get(key).unwrap_or(&nothing));
        let l = &LIMITS;
        let (lr_d, lr_g, beta_1, beta_2) = (get("lrD"), get("lrG"), get("beta1"), get("beta2"));
        let (batch, k, m, seed, ema) = (
            get("batchSize"),
            get("dSteps"),
            get("gSteps"),
            get("seed"),
            get("ema"),
        );
        let (preset, cost, prior, augment) =
            (get("preset"), get("cost"), get("prior"), get("augment"));
        let (loss, spectral, noise, span, d_norm) = (
            get("loss"),
            get("spectralNorm"),
            get("instanceNoise"),
            get("noiseSpan"),
            get("dNorm"),
        );
        let config = StudioConfig {
            preset: limits::choice(preset.0, preset.1, &Preset::ALL)?,
            lr_d: l.lr.read(lr_d.0, lr_d.1)?,
            lr_g: l.lr.read(lr_g.0, lr_g.1)?,
            beta_1: l.beta_1.read(beta_1.0, beta_1.1)?,
            beta_2: l.beta_2.read(beta_2.0, beta_2.1)?,
            batch_size: l.batch_size.read(batch.0, batch.1)?,
            d_steps: l.d_steps.read(k.0, k.1)?,
            g_steps: l.g_steps.read(m.0, m.1)?,
            cost: limits::choice(cost.0, cost.1, &GeneratorCost::ALL)?,
            prior: limits::choice(prior.0, prior.1, &Prior::ALL)?,
            seed: l.seed.read(seed.0, seed.1)?,
            augment: serde_json::from_value(augment.1.clone()).map_err(|_| {
                let expected = "translation, cutout and colour, each true or false";
                SettingError::new(augment.0, expected, limits::describe(augment.1))
            })?,
            ema: l.ema.read(ema.0, ema.1)?,
            loss: limits::choice(loss.0, loss.1, &Loss::ALL)?,
            spectral_norm: spectral.1.as_bool().ok_or_else(|| {
                SettingError::new(spectral.0, "true or false", limits::describe(spectral.1))
            })?,
            instance_noise: l.instance_noise.read(noise.0, noise.1)?,
            noise_span: l.noise_span.read(span.0, span.1)?,
            d_norm: limits::choice(d_norm.0, d_norm.1, &DiscriminatorNorm::ALL)?,
        };
        config.train().validate()?; // the run's own checks: each range was read above
        Ok(config)
    }

    pub fn train(&self) -> TrainConfig {
        TrainConfig {
            d_steps: self.d_steps,
            g_steps: self.g_steps,
            lr_d: self.lr_d,
            lr_g: self.lr_g,
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            cost: self.cost,
            prior: self.prior,
            batch_size: self.batch_size,
            seed: self.seed,
            augment: self.augment,
            ema: (self.ema > 0.0).then_some(self.ema),
            loss: self.loss,
            spectral_norm: self.spectral_norm,
            instance_noise: (self.instance_noise > 0.0).then_some(InstanceNoise {
                std: self.instance_noise,
                span: self.noise_span,
            }),
            ..TrainConfig::default()
        }
    }

    /// This set-up with `recipe`'s levers at the studio's rate ([`DEFAULT_LR`]); the
    /// architecture (D's norm included), seed, batch and steps stay.
    pub fn with_recipe(&self, recipe: Recipe) -> StudioConfig {
        let train = recipe.apply(self.train(), DEFAULT_LR);
        StudioConfig {
            d_norm: self.d_norm,
            ..StudioConfig::from_train(self.preset, &train)
        }
    }

    /// The model this set-up trains on images of `channels`.
    pub fn model(&self, channels: usize) -> Result<ModelConfig, ModelError> {
        Ok(self
            .preset
            .model(channels)?
            .with_discriminator_norm(self.d_norm))
    }

    /// The set-up of a run from anywhere (the CLI's included): its preset, when its
    /// architecture is one.
    pub fn of_run(model: &ModelConfig, t: &TrainConfig) -> (Option<Preset>, StudioConfig) {
        let preset = Preset::ALL.into_iter().find(|p| {
            p.model(model.channels)
                .map(|m| m.with_discriminator_norm(model.d_norm))
                .as_ref()
                == Ok(model)
        });
        let config = StudioConfig {
            d_norm: model.d_norm,
            ..StudioConfig::from_train(preset.unwrap_or(Preset::Tiny28), t)
        };
        (preset, config)
    }

    /// `preset` with a training run's hyperparameters (the inverse of [`StudioConfig::train`];
    /// Adam's epsilon, which the studio does not set, stays in the run), DCGAN's D.
    fn from_train(preset: Preset, t: &TrainConfig) -> StudioConfig {
        StudioConfig {
            preset,
            lr_d: t.lr_d,
            lr_g: t.lr_g,
            beta_1: t.beta_1,
            beta_2: t.beta_2,
            batch_size: t.batch_size,
            d_steps: t.d_steps,
            g_steps: t.g_steps,
            cost: t.cost,
            prior: t.prior,
            seed: t.seed,
            augment: t.augment,
            ema: t.ema.unwrap_or(0.0),
            loss: t.loss,
            spectral_norm: t.spectral_norm,
            instance_noise: t.instance_noise.map_or(0.0, |n| n.std),
            noise_span: t.instance_noise.map_or(noise::DEFAULT_SPAN, |n| n.span),
            d_norm: DiscriminatorNorm::Batch,
        }
    }
}

/// A fresh run of `config` on `data` (fitted to the preset's size), and that data.
pub fn new_run(
    config: &StudioConfig,
    data: &ImageSet,
    device: &Device,
) -> Result<(Trainer, ImageSet), ModelError> {
    config.validate()?;
    let model = config.model(data.channels)?;
    let data = data
        .fit_to(model.image_size)
        .map_err(|e| ModelError::Config(e.to_string()))?;
    Ok((Trainer::new(model, config.train(), device)?, data))
}

/// A run from a snapshot's bytes (the studio's own, or `run.safetensors` from
/// `gan-playground train`), on `data` fitted to its size. Refused, with nothing built, when
/// the snapshot is bad, its images are not `data`'s kind, or its settings are outside the
/// studio's limits.
pub fn restore_run(
    bytes: Vec<u8>,
    data: &ImageSet,
    device: &Device,
) -> Result<(Trainer, ImageSet), CheckpointError> {
    let limit = LIMITS.checkpoint_bytes.max;
    if bytes.len() > limit {
        return Err(CheckpointError::Snapshot(format!(
            "the file is {} MB; the studio takes checkpoints up to {} MB",
            bytes.len() >> 20,
            limit >> 20
        )));
    }
    let snapshot = RunSnapshot::from_bytes(bytes)?;
    let (model, train) = (&snapshot.state.model, &snapshot.state.config);
    if model.channels != data.channels {
        let kind = |c| if c == 1 { "grey" } else { "colour" };
        return Err(ModelError::Other(format!(
            "this checkpoint was trained on {} images; the chosen dataset is {}",
            kind(model.channels),
            kind(data.channels)
        ))
        .into());
    }
    let (_, config) = StudioConfig::of_run(model, train);
    config.validate()?;
    let data = data
        .fit_to(model.image_size)
        .map_err(|e| ModelError::Config(e.to_string()))?;
    Ok((snapshot.restore(device)?, data))
}
