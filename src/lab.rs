//! The loss lab: two runs that differ only in the generator's cost (saturating vs
//! non-saturating): same initial weights, same data order, same z, same discriminator head
//! start. Both the page and `gan-playground lab` drive this, through the ordinary [`Trainer`].

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::ImageSet;
use crate::loss::GeneratorCost;
use crate::model::{ModelConfig, ModelError};
use crate::train::{PendingStats, TrainConfig, Trainer};

/// The two costs compared, in run order.
pub const COSTS: [GeneratorCost; 2] = [GeneratorCost::Saturating, GeneratorCost::NonSaturating];

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

    pub fn validate(&self) -> Result<(), ModelError> {
        self.train.validate()?;
        if !(4..=64).contains(&self.width) || self.head_start > 1000 {
            return Err(ModelError::Config(format!(
                "lab width {} (4 to 64) or head start {} (0 to 1000) out of range",
                self.width, self.head_start
            )));
        }
        Ok(())
    }
}

/// Two trainers, one per cost in [`COSTS`].
pub struct LossLab {
    pub config: LabConfig,
    /// One run during the head start, then the two runs.
    pub runs: Vec<Trainer>,
    head_done: usize,
}

impl LossLab {
    /// One run initialised and given the discriminator head start, then cloned: the two runs
    /// start from the very same state and differ only in the generator's cost.
    pub fn new(config: LabConfig, data: &ImageSet, device: &Device) -> Result<Self, ModelError> {
        let mut lab = LossLab::prepare(config, data, device)?;
        while lab.advance_head_start(data, usize::MAX)? > 0 {}
        Ok(lab)
    }

    /// The first run, before its head start; take it with [`LossLab::advance_head_start`]
    /// (in pieces, so a page stays responsive).
    pub fn prepare(
        config: LabConfig,
        data: &ImageSet,
        device: &Device,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        let model = config.model(data)?;
        let train = TrainConfig {
            cost: COSTS[0],
            ..config.train.clone()
        };
        Ok(LossLab {
            runs: vec![Trainer::new(model, train, device)?],
            config,
            head_done: 0,
        })
    }

    /// Up to `steps` more head-start steps; returns how many remain. When none remain the
    /// run is cloned into the second one.
    pub fn advance_head_start(
        &mut self,
        data: &ImageSet,
        steps: usize,
    ) -> Result<usize, ModelError> {
        let n = steps.min(self.config.head_start - self.head_done);
        self.runs[0].discriminator_head_start(data, self.head_done, n)?;
        self.head_done += n;
        if self.head_done == self.config.head_start && self.runs.len() == 1 {
            let mut second = self.runs[0].clone();
            second.config.cost = COSTS[1];
            self.runs.push(second);
        }
        Ok(self.config.head_start - self.head_done)
    }

    /// One iteration of each run; read the statistics with `read` or `read_async`.
    pub fn step(&mut self, data: &ImageSet) -> Result<Vec<PendingStats>, ModelError> {
        if self.runs.len() < COSTS.len() {
            return Err(ModelError::Config(
                "the discriminator's head start is not finished".into(),
            ));
        }
        self.runs
            .iter_mut()
            .map(|run| run.iteration(data))
            .collect()
    }

    /// Each run's samples from the same latent batch.
    pub fn samples(&self, z: &[f32]) -> Vec<Tensor<4>> {
        self.runs.iter().map(|run| run.sample(z.to_vec())).collect()
    }

    pub fn iteration(&self) -> u64 {
        self.runs[0].iteration
    }
}
