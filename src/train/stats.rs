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
    /// Mean D(G(z)) for the same z after G's last update.
    pub d_fake_after: f32,
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
            self.d_fake_after,
            self.g_grad_norm,
        ]
        .iter()
        .chain(&self.d_fake_batch)
        .all(|v| v.is_finite())
    }

    fn from_values(iteration: u64, v: Vec<f32>) -> Result<Self, ModelError> {
        if v.len() < SCALARS {
            return Err(ModelError::Other(format!(
                "statistics tensor has {} values",
                v.len()
            )));
        }
        Ok(IterationStats {
            iteration,
            d_loss: v[0],
            g_cost: v[1],
            d_real: v[2],
            d_fake_before: v[3],
            d_fake_after: v[4],
            g_grad_norm: v[5],
            d_fake_batch: v[SCALARS..].to_vec(),
        })
    }
}

const SCALARS: usize = 6;

/// An iteration's statistics still on the device: one tensor, one transfer.
pub struct PendingStats {
    pub(super) iteration: u64,
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
            data.try_into_vec()
                .map_err(|e| ModelError::Other(format!("{e:?}")))?,
        )
    }
}
