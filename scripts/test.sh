#!/usr/bin/env bash
# Runs every test, installing what is missing first:
#   1. the page as it ships (trunk build: Rust → wasm32 for the CPU and WebGPU modules, with
#      LTO, wasm-bindgen, wasm-opt), and the types of the worker protocol against the core's
#      generated declarations (tsc),
#   2. the wasm API in headless Chromium (wasm-bindgen-test, WebGPU and CPU),
#   3. the native tests (PyTorch parity, training, checkpoints, CLI, quality, settings: one
#      test binary, tests/native, plus tests/memory in its own process), on the CPU backend,
#   4. the page end to end in headless Chromium (playwright-core, tests/e2e).
# Every stage runs even if an earlier one failed; the last line sums them all up.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
set -e
need_wasm_target
need_npm_packages
need_web_tools
need_chromium
set +e
echo "== installs took $SECONDS s"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
stage() {
  echo "== $1"
  local start=$SECONDS
  shift
  "$@" 2>&1 | tee -a "$log" || { echo "!! stage failed: $*"; failed=1; }
  echo "== took $((SECONDS - start)) s"
}

stage "the page (trunk build)" trunk build
stage "the worker protocol's JSDoc types against the core's declarations (tsc)" \
  node scripts/check-types.mjs
stage "wasm API in headless Chromium (wasm-bindgen-test)" \
  env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER="$(command -v chromedriver)" \
  cargo test --locked --target wasm32-unknown-unknown --profile wasm \
  -p gan-playground-web --features webgpu --test web
# Without the default `wgpu` feature: no native test runs on wgpu (the page's WebGPU path is
# the wasm stage's), and wgpu with CubeCL is a large part of a cold native build. `--tests`,
# not `--all-targets`: the latter builds the library and the CLI again as empty test harnesses
# (Cargo.toml's `test = false` only keeps them out of the default selection).
stage "native tests" cargo test --locked --tests --no-default-features
stage "the page end to end (playwright-core, Chromium)" \
  node --test --test-concurrency=1 --test-reporter=spec tests/e2e/

# One closing line for the whole run: cargo prints one summary per test binary, node its own.
awk '/^test result:/ { p += $4; f += $6 }
     /^ℹ pass / { p += $3 } /^ℹ fail / { f += $3 }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
[ "$failed" = 0 ]
