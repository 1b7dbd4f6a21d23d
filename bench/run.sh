#!/usr/bin/env bash
# Every measurement of issue 20 in one go, on a quiet machine: writes bench/RESULTS.md (each
# item's table under the command that made it) beside the JSON each script writes in
# bench/results/. Items 1–2 TF.js (bench/tfjs.mjs), 3 browser against native
# (browser-vs-native.mjs), 4 size, 5 first image, 6 frames/s while dragging (drag.mjs),
# 7 memory over 2,000 lab steps (lab-heap.mjs), 8 native training against PyTorch (when a
# Python with torch is given).
#
# Usage: trunk build && cargo build --release && npm ci --prefix bench && bench/run.sh
#   PYTHON=/tmp/torchenv/bin/python bench/run.sh   # item 8 too (see native-vs-pytorch.sh)
#   LAB_STEPS=2000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp)
trap 'rm -f "$results"' EXIT
lab_steps=${LAB_STEPS:-2000}

# section TITLE COMMAND…: the command's standard output (a Markdown table) under TITLE, and the
# command (SHOWN instead, when set).
section() {
  local title=$1
  shift
  echo "== $title: $*" >&2
  { echo "## $title"; echo; echo "\`${SHOWN:-$*}\`"; echo; "$@"; echo; } >> "$results"
}

node bench/tfjs.mjs > /dev/null # writes bench/results/tfjs.md and .json
# TF.js's threaded build keeps a pthread pool in the page, which competes with our workers for
# the two cores: the CPU pair again without it (tfjs-no-isolation.md and .json).
node bench/tfjs.mjs --pairs cpu --no-train --no-isolation > /dev/null
section "3. Our CPU path in the browser against native flex, one thread each" node bench/browser-vs-native.mjs
section "4. Transfer size (weights and datasets apart)" node bench/size.mjs
section "5. Page load to the first image" node bench/first-image.mjs 3
section "6. Frames per second while a slider is dragged (CPU backend, lab idle)" node bench/drag.mjs
section "7. Memory over $lab_steps lab steps (CPU backend, two lab workers)" node bench/lab-heap.mjs --steps "$lab_steps" --label "$lab_steps"
pytorch() {
  echo "| threads | ours (ms an iteration) | PyTorch (ms an iteration) | ours / PyTorch, throughput (target ≥ 1.0×) |"
  echo "|---:|---:|---:|---:|"
  for threads in 1 "$(nproc)"; do bench/native-vs-pytorch.sh "$threads"; done
}
if [ -n "${PYTHON:-}" ]; then
  export PYTHON
  SHOWN="bench/native-vs-pytorch.sh 1; bench/native-vs-pytorch.sh $(nproc)" \
    section "8. Native training against PyTorch on the CPU (pytorch/examples' DCGAN, batch 64)" pytorch
else
  echo "(item 8 skipped: no PYTHON with torch given)" >&2
fi

{
  echo "# Issue 20's benchmarks"
  echo
  echo "Written by \`bench/run.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)$(git status --porcelain --untracked-files=no | grep -q . && echo ' (uncommitted changes)'), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)). The browser is Debian's Chromium, headless; the set-up of items 1–2 (browser, adapter, TF.js) is at their end. Raw samples: \`bench/results/\`."
  echo
  for part in tfjs tfjs-no-isolation; do
    sed -e 's/^## /### /' -e 's/^# /## /' "bench/results/$part.md"
    echo
  done
  cat "$results"
} > bench/RESULTS.md
echo "wrote bench/RESULTS.md" >&2
