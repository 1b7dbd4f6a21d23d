#!/usr/bin/env bash
# Fuzzes the decoders that read what a user or a served file hands us (idx, idx.gz,
# safetensors weights and run snapshots, .npy, the z code in a link) with cargo fuzz, for a
# bounded time each. A crash (a panic is one) is saved under fuzz/artifacts/<target>/ and fails
# the script. The corpus in fuzz/corpus/ is committed: each run starts from it and adds what it
# finds; `cargo +nightly fuzz cmin <target>` keeps it small before a commit.
#
# Usage: scripts/fuzz.sh [seconds per target, default 60] [target …]
# Needs a nightly toolchain (libFuzzer's instrumentation); the first run builds Burn with it
# (about 20 minutes on two cores), in a target folder of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(idx idx_gz safetensors npy latent_code)
case $seconds in ''|*[!0-9]*) echo "seconds must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "cargo fuzz needs a nightly toolchain, and none is installed (rustup toolchain install nightly)" >&2
  exit 2
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.1 --locked
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/gan-playground/fuzz-target}"

for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  # -rss_limit_mb: a decoder that allocates what a hostile header claims is a finding.
  cargo +nightly fuzz run --release "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
done
