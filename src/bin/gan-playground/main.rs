//! `gan-playground`, the native command line (see `cli.rs`). It is native-only: on wasm32 the
//! page uses the library, and this binary compiles to an empty `main` so that
//! `cargo build --target wasm32-unknown-unknown` of this package does not pull in files,
//! threads or clap.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    cli::main();
}
