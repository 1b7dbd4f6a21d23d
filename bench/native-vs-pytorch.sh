#!/usr/bin/env bash
# Issue 20, item 8: native training throughput, ours (the CLI's `train`) against PyTorch on the
# CPU, the same net, batch and thread count: pytorch/examples' DCGAN (--arch pytorch-dcgan:
# 64x64, nz 100, ngf = ndf = 64, grey), batch 64, a D step and a G step an iteration.
# Ours: two runs of `train` from scratch, of S and S + N iterations, and (t₂ − t₁) / N, so the
# start-up (reading MNIST, building the nets, writing the checkpoint) cancels out; thread count
# by RAYON_NUM_THREADS (burn-flex's pool). PyTorch: bench/pytorch_train.py (median of N after a
# warm-up), torch.set_num_threads.
#
# Usage: bench/native-vs-pytorch.sh [threads] [N] [S]
#   PYTHON: a Python with torch (python3 -m venv /tmp/torchenv &&
#           /tmp/torchenv/bin/pip install torch numpy safetensors); CLI: the gan-playground binary;
#   UPSAMPLE: how G upsamples in ours (transposed, the default, or sub-pixel: issue 32).
# Needs data/mnist (scripts/fetch-data.sh). Prints a Markdown row and writes
# bench/results/native-vs-pytorch-<threads>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
n=${2:-10}
s=${3:-3}
cli=${CLI:-${CARGO_TARGET_DIR:-target}/release/gan-playground}
upsample=${UPSAMPLE:-transposed}
python=${PYTHON:-python3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ours() { # iterations → seconds
  local t0 t1
  t0=$(date +%s.%N)
  RAYON_NUM_THREADS=$threads "$cli" train --arch pytorch-dcgan --images data/mnist/train-images-idx3-ubyte.gz \
    --limit 2000 --batch-size 64 --iterations "$1" --seed 1 --sample-every 1000000 \
    --checkpoint-every 1000000 --upsample "$upsample" --fresh --out "$out/run" > /dev/null 2>&1
  t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)"
}
short=$(ours "$s")
long=$(ours $((s + n)))
ours_ms=$(python3 -c "print(round(($long - $short) / $n * 1000, 1))")
theirs=$("$python" bench/pytorch_train.py "$threads" "$n")
torch_ms=$(python3 -c "import json,sys; print(round(json.loads(sys.argv[1])['median_ms'], 1))" "$theirs")
ratio=$(python3 -c "print(round($torch_ms / $ours_ms, 2))")
echo "| $threads | $upsample | $ours_ms | $torch_ms | ${ratio}× |"
mkdir -p bench/results
suffix=$([ "$upsample" = transposed ] && echo "" || echo "-$upsample")
python3 - "$threads" "$n" "$s" "$short" "$long" "$ours_ms" "$theirs" "$cli" "$upsample" > "bench/results/native-vs-pytorch-$threads$suffix.json" <<'PY'
import json, sys
threads, n, s, short, long, ours_ms, theirs, cli, upsample = sys.argv[1:]
print(json.dumps({
    "threads": int(threads), "iterations": int(n), "start_iterations": int(s), "upsample": upsample,
    "ours": {"cli": cli, "seconds_short": float(short), "seconds_long": float(long), "ms_per_iteration": float(ours_ms)},
    "pytorch": json.loads(theirs),
    "throughput_ours_over_pytorch": json.loads(theirs)["median_ms"] / float(ours_ms),
}, indent=1))
PY
