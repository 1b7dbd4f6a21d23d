//! The loss lab: two runs that differ only in the generator's cost (saturating vs
//! non-saturating): same initial weights, same data order, same z, same discriminator head
//! start. Both the page and `gan-playground lab` drive this, through the ordinary [`Trainer`].
//!
//! The head start is one run; when it is done, its state is taken once as a [`RunSnapshot`]
//! and each run is restored from those bytes. The page hands the same bytes to two workers,
//! so the runs there are exactly the runs here.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::checkpoint::{CheckpointError, PendingSnapshot, RunSnapshot};
use crate::data::ImageSet;
use crate::limits::{self, Range, SettingError};
use crate::loss::GeneratorCost;
use crate::model::{ModelConfig, ModelError};
use crate::train::{PendingStats, TrainConfig, Trainer};

/// The two costs compared, in run order.
pub const COSTS: [GeneratorCost; 2] = [GeneratorCost::Saturating, GeneratorCost::NonSaturating];

/// What the lab accepts: the one definition the CLI, the page's controls and its checks read.
/// Tighter than a training run's own limits, because a tab's wasm memory is small and running
/// out of it aborts the module.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabLimits {
    // tsify reads a field named `Range<…>` as std's `start..end`: ours is `{ min, max }`.
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub lr: Range<f64>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub head_start: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub d_steps: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub g_steps: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub batch_size: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub width: Range<usize>,
}

pub const LIMITS: LabLimits = LabLimits {
    lr: Range {
        min: 1e-6,
        max: 0.1,
    },
    head_start: Range { min: 0, max: 1000 },
    d_steps: Range { min: 1, max: 10 },
    g_steps: Range { min: 1, max: 10 },
    // Batch norm needs two samples for a variance.
    batch_size: Range { min: 2, max: 256 },
    width: Range { min: 4, max: 64 },
};

/// A lab set-up; `train.cost` is ignored (each run has its own).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabConfig {
    pub train: TrainConfig,
    /// Generator and discriminator width (`ngf` = `ndf`).
    pub width: usize,
    /// Discriminator-only steps before the runs start (D a step ahead).
    pub head_start: usize,
}

impl Default for LabConfig {
    /// Small enough to train in a browser tab on a CPU, and chosen so the effect is plain
    /// (see docs/LOSS_LAB.md for the measurement).
    fn default() -> Self {
        LabConfig {
            train: TrainConfig {
                batch_size: 32,
                seed: 1,
                ..TrainConfig::default()
            },
            width: 16,
            head_start: 100,
        }
    }
}

impl LabConfig {
    pub fn model(&self, data: &ImageSet) -> Result<ModelConfig, ModelError> {
        ModelConfig::new(data.size, data.channels, 100, self.width, self.width)
    }

    /// Every setting within [`LIMITS`] (the first one outside is named), then the training
    /// run's own checks.
    pub fn validate(&self) -> Result<(), SettingError> {
        let (t, l) = (&self.train, &LIMITS);
        l.lr.check(label("lr"), t.lr_d)?;
        l.lr.check(label("lr"), t.lr_g)?;
        l.head_start.check(label("headStart"), self.head_start)?;
        l.d_steps.check(label("dSteps"), t.d_steps)?;
        l.g_steps.check(label("gSteps"), t.g_steps)?;
        l.batch_size.check(label("batchSize"), t.batch_size)?;
        l.width.check(label("width"), self.width)?;
        t.validate()
    }
}

/// The settings the page may give the lab, by the name it writes them under, with the name a
/// person reads.
pub const OPTIONS: [(&str, &str); 7] = [
    ("lr", "learning rate"),
    ("dSteps", "D steps per iteration"),
    ("gSteps", "G steps per iteration"),
    ("headStart", "head start"),
    ("batchSize", "batch size"),
    ("width", "width"),
    ("seed", "seed"),
];

/// A lab setting's name as a person reads it, from [`OPTIONS`] (every key the lab reads is
/// there).
fn label(key: &str) -> &'static str {
    OPTIONS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, l)| *l)
}

impl LabConfig {
    /// The lab's set-up from the page's options (JSON; anything left out keeps
    /// [`LabConfig::default`]), each read against [`LIMITS`]: a value that is not a number, not
    /// whole where it must be, or out of range is refused by its name, and so is a name the lab
    /// does not know (a misspelt option would otherwise be silently left at its default).
    pub fn from_options(options: &Value) -> Result<LabConfig, SettingError> {
        let mut config = LabConfig::default();
        let names: Vec<&str> = OPTIONS.iter().map(|(key, _)| *key).collect();
        let Some(object) = limits::options("lab options", options, &names)? else {
            return Ok(config);
        };
        let (t, l) = (&mut config.train, &LIMITS);
        for (key, value) in object {
            let label = label(key);
            match key.as_str() {
                "lr" => {
                    let lr = l.lr.read(label, value)?;
                    (t.lr_d, t.lr_g) = (lr, lr);
                }
                "dSteps" => t.d_steps = l.d_steps.read(label, value)?,
                "gSteps" => t.g_steps = l.g_steps.read(label, value)?,
                "headStart" => config.head_start = l.head_start.read(label, value)?,
                "batchSize" => t.batch_size = l.batch_size.read(label, value)?,
                "width" => config.width = l.width.read(label, value)?,
                _ => t.seed = limits::SEED.read(label, value)?,
            }
        }
        config.train.validate()?; // the run's own checks: each range was read above
        Ok(config)
    }
}

/// The discriminator's head start: one run, D-only steps taken in pieces.
pub struct HeadStart {
    pub config: LabConfig,
    run: Trainer,
    done: usize,
}

impl HeadStart {
    /// The run before its head start, initialised from the config's seed.
    pub fn new(config: LabConfig, data: &ImageSet, device: &Device) -> Result<Self, ModelError> {
        config.validate()?;
        let train = TrainConfig {
            cost: COSTS[0],
            ..config.train.clone()
        };
        let run = Trainer::new(config.model(data)?, train, device)?;
        Ok(HeadStart {
            config,
            run,
            done: 0,
        })
    }

    pub fn remaining(&self) -> usize {
        self.config.head_start - self.done
    }

    /// Up to `steps` more head-start steps (so a page can take it in pieces); returns how many
    /// remain.
    pub fn advance(&mut self, data: &ImageSet, steps: usize) -> Result<usize, ModelError> {
        let n = steps.min(self.remaining());
        self.run.discriminator_head_start(data, self.done, n)?;
        self.done += n;
        Ok(self.remaining())
    }

    /// The run itself (what the head start has trained so far).
    pub fn into_run(self) -> Trainer {
        self.run
    }

    /// The state both runs start from, once the head start is done (read it with `read`, or
    /// `read_async` on WebGPU).
    pub fn hand_over(&self) -> Result<PendingSnapshot, CheckpointError> {
        if self.remaining() > 0 {
            return Err(ModelError::Other(format!(
                "the discriminator's head start is not finished ({} of {} steps)",
                self.done, self.config.head_start
            ))
            .into());
        }
        PendingSnapshot::of(&self.run)
    }
}

/// One of the lab's runs: the head start's state, restored, with its own cost.
pub fn restore_run(
    snapshot: &RunSnapshot,
    cost: GeneratorCost,
    device: &Device,
) -> Result<Trainer, CheckpointError> {
    let mut run = snapshot.restore(device)?;
    run.config.cost = cost;
    Ok(run)
}

/// Where a lab stands: the head start, then the two runs (in [`COSTS`] order).
pub enum LabPhase {
    HeadStart(Box<HeadStart>),
    Runs(Box<[Trainer; 2]>),
}

/// Both runs in one place, one after the other: the CLI's lab, and the reference the page's
/// two-worker lab is tested against.
pub struct LossLab {
    pub config: LabConfig,
    pub phase: LabPhase,
}

impl LossLab {
    /// The lab with its head start taken.
    pub fn new(config: LabConfig, data: &ImageSet, device: &Device) -> Result<Self, ModelError> {
        let mut lab = LossLab::prepare(config, data, device)?;
        lab.advance_head_start(data, usize::MAX)?;
        Ok(lab)
    }

    /// The lab before its head start; take it with [`LossLab::advance_head_start`].
    pub fn prepare(
        config: LabConfig,
        data: &ImageSet,
        device: &Device,
    ) -> Result<Self, ModelError> {
        Ok(LossLab {
            phase: LabPhase::HeadStart(Box::new(HeadStart::new(config.clone(), data, device)?)),
            config,
        })
    }

    /// Up to `steps` more head-start steps; returns how many remain. When none remain the two
    /// runs are restored from the head start's snapshot.
    pub fn advance_head_start(
        &mut self,
        data: &ImageSet,
        steps: usize,
    ) -> Result<usize, ModelError> {
        let LabPhase::HeadStart(head) = &mut self.phase else {
            return Ok(0);
        };
        if head.advance(data, steps)? > 0 {
            return Ok(head.remaining());
        }
        let snapshot = head
            .hand_over()
            .and_then(PendingSnapshot::read)
            .map_err(other)?;
        let device = head.run.device().clone();
        let run = |cost| restore_run(&snapshot, cost, &device).map_err(other);
        self.phase = LabPhase::Runs(Box::new([run(COSTS[0])?, run(COSTS[1])?]));
        Ok(0)
    }

    fn runs(&mut self) -> Result<&mut [Trainer; 2], ModelError> {
        match &mut self.phase {
            LabPhase::Runs(runs) => Ok(runs),
            LabPhase::HeadStart(_) => Err(ModelError::Other(
                "the discriminator's head start is not finished".into(),
            )),
        }
    }

    /// One iteration of each run; read the statistics with `read` or `read_async`.
    pub fn step(&mut self, data: &ImageSet) -> Result<Vec<PendingStats>, ModelError> {
        self.runs()?
            .iter_mut()
            .map(|run| run.iteration(data))
            .collect()
    }

    /// Each run's samples from the same latent batch.
    pub fn samples(&mut self, z: &[f32]) -> Result<Vec<Tensor<4>>, ModelError> {
        self.runs()?
            .iter()
            .map(|run| run.sample(z.to_vec()))
            .collect()
    }

    /// Iterations both runs have done (0 during the head start).
    pub fn iteration(&self) -> u64 {
        match &self.phase {
            LabPhase::Runs(runs) => runs[0].iteration,
            LabPhase::HeadStart(_) => 0,
        }
    }
}

fn other(e: CheckpointError) -> ModelError {
    match e {
        CheckpointError::Model(m) => m,
        e => ModelError::Other(e.to_string()),
    }
}
