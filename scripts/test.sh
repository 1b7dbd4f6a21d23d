#!/usr/bin/env bash
# Runs every test: builds the crate for wasm32 (what the page runs), then the native tests
# (unit, PyTorch parity, training, checkpoints, CLI). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
need_wasm_target
echo "== wasm32 build (profile wasm)"
cargo build --locked --target wasm32-unknown-unknown --profile wasm
echo "== native tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked --all-targets 2>&1 | tee "$log"
# One closing line for the whole run (cargo prints one summary per test binary).
awk '/^test result:/ { p += $4; f += $6 } END { printf "%d passed, %d failed\n", p, f }' "$log"
