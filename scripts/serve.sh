#!/usr/bin/env bash
# Builds the playground (Rust → wasm with Trunk) and serves it on http://127.0.0.1:8080.
# Installs what is missing first; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
need_wasm_target
need_npm_packages
need_web_tools
exec trunk serve --release "$@"
