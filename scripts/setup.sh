# Shared by serve.sh and test.sh: install what is missing, idempotently. Sourced, not run.
# Pinned: Trunk 0.21.14 (0.22 needs a newer rustc), wasm-bindgen-cli = the Cargo.lock version,
# wasm-opt from npm binaryen (Debian's is too old for wasm-bindgen's output).

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gan-playground/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/node_modules/.bin:$PATH"
TRUNK_VERSION=0.21.14

need_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

need_npm_packages() {
  # --ignore-scripts: no package here needs an install script, and none may download anything.
  if [ ! -x node_modules/.bin/wasm-opt ] || [ package.json -nt node_modules/.package-lock.json ]; then
    npm ci --ignore-scripts --no-audit --no-fund
  fi
}

# The tools are built from source (no registry serves their binaries). Their speed hardly
# matters (they move files and rewrite one wasm module), their build time does on a fresh
# machine: opt-level 1 without LTO, in their own target dir so the project's stays as it is.
quick_install() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install --target-dir "$CARGO_TARGET_DIR/../tools" "$@"
}

need_web_tools() {
  local wbg
  wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    # Not --locked: its lockfile pins a crate version the registry here does not serve.
    quick_install wasm-bindgen-cli --version "$wbg"
  fi
  if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
    quick_install trunk --version "$TRUNK_VERSION" --locked
  fi
  # Trunk runs offline: every crate must already be in cargo's cache.
  cargo fetch --locked
}

need_chromium() {
  # Debian's Chromium (and its chromedriver for wasm-bindgen-test); never a downloaded browser.
  # Xvfb: for the browser tests that need a real window, where a tab behind another is hidden
  # (headless Chromium treats every page as visible; tests/e2e/window.mjs).
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v Xvfb >/dev/null; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y chromium chromium-driver xvfb ||
      { $sudo apt-get update && $sudo apt-get install -y chromium chromium-driver xvfb; }
  fi
}
