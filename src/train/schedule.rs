//! A learning-rate schedule for the end of a run: constant, then a linear fall towards zero.
//!
//! At a constant rate the generator keeps circling the equilibrium and its samples stay a
//! little blurred; letting both rates fall to zero over the last stretch lets it settle (the
//! linear decay of pix2pix/CycleGAN's last half). The scale is a pure function of the iteration,
//! so a resumed run follows the same schedule.

use crate::model::ModelError;

/// Both learning rates are multiplied by [`LinearDecay::scale`] at each iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearDecay {
    from: u64,
    to: u64,
}

impl LinearDecay {
    /// Full rate before iteration `from`, then falling linearly to reach zero at `to` (the
    /// run's last iteration, `to − 1`, still takes a small step).
    pub fn new(from: u64, to: u64) -> Result<Self, ModelError> {
        if from >= to {
            return Err(ModelError::Config(format!(
                "the learning rate must start falling before the run ends: decay from {from} \
                 is not before iteration {to}"
            )));
        }
        Ok(LinearDecay { from, to })
    }

    /// The factor for the iteration that starts after `iteration` completed ones: 1 before
    /// `from`, then (to − iteration) / (to − from), and 0 from `to` on.
    pub fn scale(&self, iteration: u64) -> f64 {
        if iteration < self.from {
            1.0
        } else {
            self.to.saturating_sub(iteration) as f64 / (self.to - self.from) as f64
        }
    }
}
