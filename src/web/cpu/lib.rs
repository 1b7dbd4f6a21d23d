//! The page's cpu module: every export of `gan_playground_web`, linked into one cdylib.
pub use gan_playground_web::*;
