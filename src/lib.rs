//! gan-playground: a DCGAN in Burn, both generator costs, and the pieces the page and CLI share.
//!
//! The core has no web dependency and is tested natively; the same code compiles to wasm32,
//! where the `gan-playground-web` crate (`src/web/`) is the one thin boundary to JavaScript.

pub mod checkpoint;
pub mod data;
pub mod directions;
pub mod invert;
pub mod lab;
pub mod latent;
pub mod limits;
pub mod loss;
pub mod manifest;
pub mod metrics;
pub mod model;
pub mod nearest;
#[cfg(not(target_arch = "wasm32"))]
pub mod npy;
pub mod own_images;
pub mod plane;
pub mod studio;
pub mod train;

pub use model::{Discriminator, Generator, ModelConfig};
pub use train::{GeneratorCost, IterationStats, TrainConfig, Trainer};
