//! What an iteration measured: on the device (`PendingStats`, one tensor, one transfer) and
//! read back (`IterationStats`).

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::model::ModelError;

/// What one iteration measured, read back from the device.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IterationStats {
    /// Iterations completed, this one included.
    pub iteration: u64,
    /// D's binary cross-entropy in its last step.
    pub d_loss: f32,
    /// The generator's cost in its last step (before that step's update).
    pub g_cost: f32,
    /// Mean D(x) on the real batch of D's last step.
    pub d_real: f32,
    /// Mean D(G(z)) in G's first step, before any generator update this iteration.
    pub d_fake_before: f32,
    /// Mean D(G(z)) for the same z after G's last update, when the iteration measured it
    /// ([`Measure::All`]).
    pub d_fake_after: Option<f32>,
    /// L2 norm of the generator's gradient in its first step.
    pub g_grad_norm: f32,
    /// Each sample's D(G(z)) in G's first step (where the batch sits on the cost curve).
    pub d_fake_batch: Vec<f32>,
}

impl IterationStats {
    pub fn is_finite(&self) -> bool {
        [
            self.d_loss,
            self.g_cost,
            self.d_real,
            self.d_fake_before,
            self.g_grad_norm,
        ]
        .iter()
        .chain(&self.d_fake_after) // when measured
        .chain(&self.d_fake_batch)
        .all(|v| v.is_finite())
    }

    fn from_values(iteration: u64, measure: Measure, v: Vec<f32>) -> Result<Self, ModelError> {
        let scalars = measure.scalars();
        if v.len() < scalars {
            return Err(ModelError::Other(format!(
                "statistics tensor has {} values",
                v.len()
            )));
        }
        let mut next = v[..scalars].iter().copied();
        let mut take = || next.next().expect("length checked");
        Ok(IterationStats {
            iteration,
            d_loss: take(),
            g_cost: take(),
            d_real: take(),
            d_fake_before: take(),
            d_fake_after: (measure == Measure::All).then(&mut take),
            g_grad_norm: take(),
            d_fake_batch: v[scalars..].to_vec(),
        })
    }
}

/// What an iteration measures besides training (which is the same either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Everything, `d_fake_after` included: one more forward pass of G and D (batch
    /// statistics, nothing updated), what the CLI's log records.
    All,
    /// Everything but `d_fake_after`: what the page (studio and lab) shows, ~1/7 less work a
    /// step.
    WithoutAfter,
}

impl Measure {
    /// The scalars before the per-sample D(G(z)) in the statistics tensor.
    fn scalars(self) -> usize {
        match self {
            Measure::All => 6,
            Measure::WithoutAfter => 5,
        }
    }
}

/// An iteration's statistics still on the device: one tensor, one transfer.
pub struct PendingStats {
    pub(super) iteration: u64,
    pub(super) measure: Measure,
    pub(super) values: Tensor<1>,
}

impl PendingStats {
    /// Synchronous read: native backends only (it panics-free errors on WebGPU, use `read_async`).
    pub fn read(self) -> Result<IterationStats, ModelError> {
        let data = self
            .values
            .try_into_data()
            .map_err(|e| ModelError::Other(format!("{e:?}")))?;
        IterationStats::from_values(
            self.iteration,
            self.measure,
            data.try_into_vec()
                .map_err(|e| ModelError::Other(format!("{e:?}")))?,
        )
    }

    pub async fn read_async(self) -> Result<IterationStats, ModelError> {
        let data = self
            .values
            .into_data_async()
            .await
            .map_err(|e| ModelError::Other(format!("{e:?}")))?;
        IterationStats::from_values(
            self.iteration,
            self.measure,
            data.try_into_vec()
                .map_err(|e| ModelError::Other(format!("{e:?}")))?,
        )
    }
}
