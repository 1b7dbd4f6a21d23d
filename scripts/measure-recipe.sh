#!/usr/bin/env bash
# Which of the modern small-GAN levers help, and by how much: plain DCGAN against each lever
# alone and against their combination (`--recipe modern`), on the studio's data and presets,
# from scratch, at the studio's learning rate (1e-3). Each run trains to every iteration count
# listed (resuming its own checkpoint) and is measured there: classifier score and Fréchet
# distance (`eval`, 10,000 samples against the 10k test set; MNIST and Fashion-MNIST), and a
# grid from a fixed z (samples/) to look at.
#
# Rows go to bench/results/recipe/<dataset>-<preset>.csv (appended; one per lever, seed and
# iteration count; train_seconds is the time from the previous count), the last grid of each
# run to bench/results/recipe/grids/. A run already at a count goes on from there: give only
# the counts still to come. docs/QUALITY.md
# ("The modern recipe") reads them. Needs ./scripts/fetch-data.sh (the test sets) and the CLI.
#
# Usage: scripts/measure-recipe.sh DATASET PRESET "ITERATIONS…" "SEEDS…" [LEVERS…]
#   e.g. scripts/measure-recipe.sh mnist tiny "2000 6000" "1 2"
#        scripts/measure-recipe.sh emoji small "2000" "1" plain modern
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=$1 preset=$2 iterations=$3 seeds=$4
shift 4
levers=${*:-plain hinge spectral-norm ttur instance-noise ema diffaugment ema-diffaugment hinge-ttur-ema combination modern}
cli=${CLI:-${CARGO_TARGET_DIR:-target}/debug/gan-playground}
runs=runs/recipe
results=bench/results/recipe
mkdir -p "$runs" "$results/grids"

case $dataset in
  mnist) images=assets/data/mnist/train-10k-images-idx3-ubyte.gz; size=28 ;;
  fashion) images=assets/data/fashion/train-5k-images-idx3-ubyte.gz; size=28 ;;
  emoji) images=assets/data/emoji/all-32px-images-idx3-ubyte.gz; size=32 ;;
  *) echo "unknown dataset $dataset (mnist, fashion or emoji)" >&2; exit 2 ;;
esac
case $preset in # the studio's presets (src/studio.rs)
  tiny) width=16 ;;
  small) width=32 ;;
  *) echo "unknown preset $preset (tiny or small)" >&2; exit 2 ;;
esac
model="--arch dcgan --image-size $size --nz 100 --ngf $width --ndf $width"

flags() { # a lever's flags over the studio's default (plain DCGAN at 1e-3)
  case $1 in
    plain) echo "" ;;
    hinge) echo "--loss hinge" ;;
    spectral-norm) echo "--spectral-norm on" ;;
    ttur) echo "--lr-d 2e-3 --lr-g 1e-3" ;;
    instance-noise) echo "--instance-noise 0.1 --instance-noise-span 1000" ;;
    ema) echo "--ema 0.999" ;;
    diffaugment) echo "--augment translation,cutout" ;;
    ema-diffaugment) echo "--ema 0.999 --augment translation,cutout" ;;
    hinge-ttur-ema) echo "--loss hinge --lr-d 2e-3 --lr-g 1e-3 --ema 0.999" ;;
    combination) echo "--loss hinge --spectral-norm on --lr-d 2e-3 --lr-g 1e-3 --ema 0.999" ;;
    # SN-GAN's D: no batch norm after its middle layers, so spectral norm scales every layer.
    no-bn) echo "--d-norm none" ;;
    spectral-norm-no-bn) echo "--spectral-norm on --d-norm none" ;;
    hinge-spectral-norm-no-bn) echo "--loss hinge --spectral-norm on --d-norm none" ;;
    combination-no-bn) echo "--loss hinge --spectral-norm on --lr-d 2e-3 --lr-g 1e-3 --ema 0.999 --d-norm none" ;;
    # Faster rates than the studio's 1e-3, for how soon a run gets going (the 90 s target).
    lr-1e-3) echo "--lr-d 1e-3 --lr-g 1e-3" ;; # plain, in a run of its own (the early counts)
    lr-2e-3) echo "--lr-d 2e-3 --lr-g 2e-3" ;;
    lr-g-2e-3) echo "--lr-g 2e-3" ;;
    lr-g-3e-3) echo "--lr-g 3e-3" ;;
    lr-g-4e-3) echo "--lr-g 4e-3" ;;
    lr-g-6e-3) echo "--lr-g 6e-3" ;;
    # The modern recipe's other levers with G's faster rate instead of D's.
    hinge-lr-g-6e-3) echo "--loss hinge --lr-g 6e-3" ;;
    ema-lr-g-6e-3) echo "--ema 0.999 --lr-g 6e-3" ;;
    hinge-ema-lr-g-6e-3) echo "--loss hinge --ema 0.999 --lr-g 6e-3" ;;
    modern) echo "--recipe modern" ;;
    *) echo "unknown lever $1" >&2; exit 2 ;;
  esac
}

csv="$results/$dataset-$preset.csv"
[ -f "$csv" ] || echo "lever,seed,iterations,score,frechet,train_seconds" > "$csv"
for lever in $levers; do
  for seed in $seeds; do
    run="$runs/$dataset-$preset-$lever-$seed"
    for it in $iterations; do
      start=$(date +%s.%N)
      # shellcheck disable=SC2046
      "$cli" train --images "$images" $model --batch-size 64 --lr 1e-3 --seed "$seed" \
        $(flags "$lever") --iterations "$it" --sample-every 1000 --checkpoint-every 1000 \
        --out "$run" 2>/dev/null
      seconds=$(python3 -c "import time; print(f'{time.time() - $start:.0f}')")
      weights="$run/checkpoint/generator.safetensors"
      [ -f "$run/checkpoint/generator-ema.safetensors" ] && weights="$run/checkpoint/generator-ema.safetensors"
      score="" fd=""
      if [ "$dataset" != emoji ]; then
        line=$("$cli" eval --dataset "$dataset" --weights "$weights" 2>&1 | grep "classifier score" | head -1)
        score=$(echo "$line" | sed -n 's/.*classifier score \([0-9.]*\).*/\1/p')
        fd=$(echo "$line" | sed -n 's/.*Fréchet distance \([0-9.]*\).*/\1/p')
      fi
      echo "$lever,$seed,$it,$score,$fd,$seconds" | tee -a "$csv"
    done
    grid=$(ls "$run"/samples/*.png | sort -V | tail -1)
    cp "$grid" "$results/grids/$dataset-$preset-$lever-$seed.png"
  done
done
