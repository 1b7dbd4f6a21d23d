//! The native integration tests, in one binary: every test file links Burn, and thirteen test
//! binaries took 47 minutes of a cold CI run to link. `tests/memory.rs` stays apart (it
//! measures its own process's memory) and `tests/web.rs` is the wasm suite.

#[path = "../common/mod.rs"]
mod common;

mod augment;
mod average;
mod checkpoint;
mod cli;
mod data;
mod directions;
mod encoder;
mod invert;
mod lab;
mod latent;
mod loss;
mod manifest;
mod metrics;
mod nearest;
mod npy;
mod own_images;
mod parity;
mod plane;
mod quality;
mod recipe;
mod schedule;
mod settings;
mod studio;
mod subpixel;
mod training;
