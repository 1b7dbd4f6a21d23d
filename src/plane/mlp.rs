//! The plane lab's networks: small fully connected nets, G from 1-D or 2-D noise to the plane,
//! D from the plane to a logit. Written on Burn's parameters directly (not `nn::Linear`) so
//! the initial weights are a pure function of the seed, as every other model's here are.

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::GradientsParams;
use burn::tensor::activation::{leaky_relu, relu, tanh};
use burn::tensor::{Device, Tensor, TensorData};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::latent;

/// The hidden layers' activation.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Relu,
    /// Slope 0.2, as DCGAN's discriminator.
    LeakyRelu,
    Tanh,
}

impl Activation {
    pub const ALL: [Activation; 3] = [Activation::Relu, Activation::LeakyRelu, Activation::Tanh];

    fn apply(self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Activation::Relu => relu(x),
            Activation::LeakyRelu => leaky_relu(x, 0.2),
            Activation::Tanh => tanh(x),
        }
    }
}

/// `inputs → hidden × width → outputs`, the activation between layers, none after the last.
#[derive(Module, Debug)]
pub struct Mlp {
    pub weights: Vec<Param<Tensor<2>>>,
    pub biases: Vec<Param<Tensor<1>>>,
}

impl Mlp {
    /// PyTorch's default for a linear layer: weights and biases uniform in ±1/√fan-in, drawn
    /// from `seed` in layer order.
    pub fn init(sizes: &[usize], seed: u64, device: &Device) -> Mlp {
        let mut rng = latent::rng(seed);
        let (mut weights, mut biases) = (Vec::new(), Vec::new());
        for pair in sizes.windows(2) {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let bound = 1.0 / (fan_in as f32).sqrt();
            let mut draw = |n: usize| -> Vec<f32> {
                (0..n).map(|_| rng.random_range(-bound..=bound)).collect()
            };
            let w = draw(fan_in * fan_out);
            let b = draw(fan_out);
            weights.push(Param::from_tensor(Tensor::from_data(
                TensorData::new(w, [fan_in, fan_out]),
                device,
            )));
            biases.push(Param::from_tensor(Tensor::from_data(
                TensorData::new(b, [fan_out]),
                device,
            )));
        }
        Mlp { weights, biases }
    }

    pub fn forward(&self, mut x: Tensor<2>, activation: Activation) -> Tensor<2> {
        let last = self.weights.len().saturating_sub(1);
        for (i, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            x = x.matmul(w.val()) + b.val().unsqueeze_dim(0);
            if i < last {
                x = activation.apply(x);
            }
        }
        x
    }
}

/// One plain gradient-descent step (no momentum): `θ ← θ − lr · ∇θ`.
pub fn sgd_step<M: Module>(lr: f64, module: M, grads: GradientsParams) -> M {
    struct Step {
        grads: GradientsParams,
        lr: f64,
    }
    impl ModuleMapper for Step {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let (id, tensor, mapper) = param.consume();
            let Some(grad) = self.grads.remove::<D>(id) else {
                return Param::from_mapped_value(id, tensor, mapper);
            };
            let require_grad = tensor.is_require_grad();
            let mut updated = Tensor::from_inner(tensor.inner() - grad.mul_scalar(self.lr));
            if require_grad {
                updated = updated.require_grad();
            }
            Param::from_mapped_value(id, updated, mapper)
        }
    }
    module.map(&mut Step { grads, lr })
}
