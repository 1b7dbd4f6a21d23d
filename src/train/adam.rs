//! Adam, with its state in this crate's hands.
//!
//! The arithmetic is Burn 0.22's `Adam` step for step (so a run is bit for bit what Burn's
//! optimizer gives, and PyTorch parity holds), but the moments are kept here, keyed by parameter
//! id. Burn's own optimizer records can only be written with synchronous reads (which WebGPU
//! forbids) and are loaded on the default device (WebGPU in the page, even on the CPU backend);
//! with the state here, a run is saved and restored by parameter name on the device it runs on,
//! and read asynchronously in the page (see `checkpoint::RunSnapshot`).

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

/// One parameter's moments, flattened (the update is elementwise, so the shape is irrelevant).
#[derive(Clone)]
pub struct Moments {
    /// Updates taken (PyTorch's `step`).
    pub time: usize,
    /// First moment (PyTorch's `exp_avg`).
    pub first: Tensor<1>,
    /// Second moment (PyTorch's `exp_avg_sq`).
    pub second: Tensor<1>,
}

/// Adam without weight decay or AMSGrad (the DCGAN recipe).
#[derive(Clone)]
pub struct Adam {
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    moments: HashMap<ParamId, Moments>,
}

impl Adam {
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32) -> Self {
        Adam {
            beta_1,
            beta_2,
            epsilon,
            moments: HashMap::new(),
        }
    }

    /// Updates every parameter of `module` that has a gradient in `grads`.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        module.map(&mut Step {
            adam: self,
            grads,
            lr,
        })
    }

    pub fn moments(&self, id: &ParamId) -> Option<&Moments> {
        self.moments.get(id)
    }

    /// Replaces the state with `moments` (validated by the caller against the module).
    pub fn set_moments(&mut self, moments: HashMap<ParamId, Moments>) {
        self.moments = moments;
    }

    /// `(update, new moments)` for one gradient: Burn's `AdaptiveMomentum::transform`.
    fn transform(&self, grad: Tensor<1>, state: Option<Moments>) -> (Tensor<1>, Moments) {
        let state = match state {
            Some(Moments {
                time,
                first,
                second,
            }) => Moments {
                time: time + 1,
                first: first
                    .mul_scalar(self.beta_1)
                    .add(grad.clone().mul_scalar(1.0 - self.beta_1)),
                second: second
                    .mul_scalar(self.beta_2)
                    .add(grad.square().mul_scalar(1.0 - self.beta_2)),
            },
            None => Moments {
                time: 1,
                first: grad.clone().mul_scalar(1.0 - self.beta_1),
                second: grad.square().mul_scalar(1.0 - self.beta_2),
            },
        };
        let time = state.time as i32;
        let bias_correction_2 = (1.0 - self.beta_2.powi(time)).sqrt();
        let factor = bias_correction_2 / (1.0 - self.beta_1.powi(time));
        let update = state.first.clone().mul_scalar(factor).div(
            state
                .second
                .clone()
                .sqrt()
                .add_scalar(self.epsilon * bias_correction_2),
        );
        (update, state)
    }
}

struct Step<'a> {
    adam: &'a mut Adam,
    grads: GradientsParams,
    lr: f64,
}

impl ModuleMapper for Step<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        let dims = tensor.dims();
        let state = self.adam.moments.remove(&id);
        let (update, state) = self.adam.transform(grad.reshape([-1]), state);
        self.adam.moments.insert(id, state);
        let delta = update.mul_scalar(self.lr).reshape(dims);
        let mut updated = Tensor::from_inner(tensor.inner() - delta);
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}
