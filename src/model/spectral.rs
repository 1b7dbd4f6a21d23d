//! Spectral normalisation (Miyato et al. 2018) of a convolution's weight, as PyTorch's
//! `torch.nn.utils.spectral_norm`: the weight as a matrix `W` of `[out, in·k·k]` is divided by
//! its largest singular value σ, estimated by power iteration with vectors `u` (`[out]`) and `v`
//! (`[in·k·k]`) kept from step to step. D is then about 1-Lipschitz layer by layer, so its
//! verdicts change smoothly with the image and G's gradient does not blow up.
//!
//! Burn has no spectral norm; this is one. As in PyTorch, σ = uᵀ W v is differentiated through
//! `W` only (`u` and `v` are constants of the step), and `u`, `v` are running state, saved with
//! a run. PyTorch takes a power iteration on every training-mode forward; the trainer takes one
//! per D step (one step sees D twice, on real and generated images), so "one iteration per step"
//! holds however D is called (the parity fixture does the same in PyTorch).

use burn::module::{Module, RunningState};
use burn::tensor::{Device, Tensor, TensorData};

/// PyTorch's `F.normalize` floor on a vector's norm.
const EPSILON: f32 = 1e-12;

/// The power iteration's vectors for one weight.
#[derive(Module, Debug)]
pub struct SpectralNorm {
    pub u: RunningState<Tensor<1>>,
    pub v: RunningState<Tensor<1>>,
}

fn normalised(x: Tensor<2>) -> Tensor<2> {
    let norm = x.clone().square().sum().sqrt().clamp_min(EPSILON);
    x.div(norm.reshape([1, 1]))
}

/// `weight` `[out, in, k, k]` as the matrix `[out, in·k·k]`.
fn matrix(weight: Tensor<4>) -> Tensor<2> {
    let [out, ..] = weight.dims();
    weight.reshape([out as i64, -1])
}

impl SpectralNorm {
    /// From vectors in [`crate::model::ModelConfig::spectral_tensors`] form (checked by the caller).
    pub fn from_values(u: Vec<f32>, v: Vec<f32>, device: &Device) -> Self {
        let tensor = |x: Vec<f32>| {
            let n = x.len();
            Tensor::<1>::from_data(TensorData::new(x, [n]), device)
        };
        SpectralNorm {
            u: RunningState::new(tensor(u)),
            v: RunningState::new(tensor(v)),
        }
    }

    /// `u` and `v`, for saving.
    pub fn tensors(&self) -> [Tensor<1>; 2] {
        [self.u.value_sync(), self.v.value_sync()]
    }

    /// One power iteration on `weight` (nothing recorded): `v ← Wᵀu/‖Wᵀu‖`, `u ← Wv/‖Wv‖`.
    pub fn power_iteration(&self, weight: Tensor<4>) {
        let w = matrix(weight.detach().without_autodiff());
        let device = w.device();
        let [rows, cols] = w.dims();
        let u = self.u.value_sync().to_device(&device).reshape([rows, 1]);
        let v = normalised(w.clone().transpose().matmul(u));
        let u = normalised(w.matmul(v.clone()));
        self.u.update(u.reshape([rows]));
        self.v.update(v.reshape([cols]));
    }

    /// σ = uᵀ W v, `[1]`, differentiable in `weight`.
    pub fn sigma(&self, weight: Tensor<4>) -> Tensor<1> {
        let w = matrix(weight);
        let device = w.device();
        let [rows, cols] = w.dims();
        let u = self.u.value_sync().to_device(&device).reshape([rows, 1]);
        let v = self.v.value_sync().to_device(&device).reshape([cols, 1]);
        (w.matmul(v) * u).sum()
    }

    /// `weight / σ`.
    pub fn normalise(&self, weight: Tensor<4>) -> Tensor<4> {
        let sigma = self.sigma(weight.clone());
        weight.div(sigma.reshape([1, 1, 1, 1]))
    }
}
