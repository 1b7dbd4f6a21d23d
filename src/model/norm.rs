//! Batch norm as PyTorch's `BatchNorm2d`, and the three ways a forward pass can use it.

use burn::module::{Module, Param, RunningState};
use burn::tensor::module::{batch_norm, batch_norm_train};
use burn::tensor::{Device, Tensor, TensorData};

const BN_EPSILON: f64 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;

/// How batch norm treats a forward pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormMode {
    /// Batch statistics, and the running statistics move towards them (training).
    Train,
    /// Batch statistics, running statistics untouched (measuring a training batch).
    BatchStats,
    /// Running statistics (inference).
    Eval,
    /// Batch statistics, and the running statistics become exactly them (setting them from
    /// one large batch; see `train::recalibrate`).
    Recalibrate,
}

impl NormMode {
    /// Burn's convention: a forward on an autodiff device is a training pass.
    pub(crate) fn for_device(device: &Device) -> Self {
        if device.is_autodiff() {
            NormMode::Train
        } else {
            NormMode::Eval
        }
    }
}

/// Batch norm over channels, as PyTorch's `BatchNorm2d`: the running variance is updated with
/// the unbiased batch variance (Burn's own `BatchNorm` uses the biased one), which the
/// PyTorch parity of a training step needs.
#[derive(Module, Debug)]
pub struct BatchNorm2d {
    pub gamma: Param<Tensor<1>>,
    pub beta: Param<Tensor<1>>,
    pub running_mean: RunningState<Tensor<1>>,
    pub running_var: RunningState<Tensor<1>>,
}

impl BatchNorm2d {
    pub fn forward(&self, x: Tensor<4>, mode: NormMode) -> Tensor<4> {
        if mode == NormMode::Eval {
            let device = x.device();
            let mean = self.running_mean.value_sync().to_device(&device);
            let var = self.running_var.value_sync().to_device(&device);
            return batch_norm(x, self.gamma.val(), self.beta.val(), mean, var, BN_EPSILON);
        }
        let [b, _, h, w] = x.dims();
        let result = batch_norm_train(x, self.gamma.val(), self.beta.val(), BN_EPSILON);
        let momentum = match mode {
            NormMode::Train => Some(BN_MOMENTUM),
            NormMode::Recalibrate => Some(1.0),
            NormMode::BatchStats | NormMode::Eval => None,
        };
        if let Some(momentum) = momentum {
            let n = (b * h * w) as f64;
            let unbiased = result.variance.mul_scalar(n / (n - 1.0).max(1.0));
            let device = result.mean.device();
            let mean = self.running_mean.value_sync().to_device(&device);
            let var = self.running_var.value_sync().to_device(&device);
            let mean = mean
                .mul_scalar(1.0 - momentum)
                .add(result.mean.mul_scalar(momentum));
            let var = var
                .mul_scalar(1.0 - momentum)
                .add(unbiased.mul_scalar(momentum));
            self.running_mean.update(mean.detach());
            self.running_var.update(var.detach());
        }
        result.output
    }
}

pub(crate) fn norm_tensors(norm: &BatchNorm2d) -> [Tensor<1>; 4] {
    [
        norm.gamma.val(),
        norm.beta.val(),
        norm.running_mean.value_sync(),
        norm.running_var.value_sync(),
    ]
}

pub(crate) fn norm_from(
    values: &mut impl Iterator<Item = Vec<f32>>,
    features: usize,
    device: &Device,
) -> BatchNorm2d {
    let mut next = || {
        Tensor::<1>::from_data(
            TensorData::new(values.next().expect("count checked"), [features]),
            device,
        )
    };
    BatchNorm2d {
        gamma: Param::from_tensor(next()),
        beta: Param::from_tensor(next()),
        running_mean: RunningState::new(next()),
        running_var: RunningState::new(next()),
    }
}
