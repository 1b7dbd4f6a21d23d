#!/usr/bin/env bash
# Do the levers that win on the studio's presets carry to a shipped generator's size?
# $DATASET's shipped recipe (mnist unless given; docs/QUALITY.md, "Shipped": MNIST `ngf` 56 with
# `--g-extra 2`, Fashion-MNIST `ngf` 64 with `--g-extra 1`, `ndf` 32 for both, the full training
# set, the paper's base rate 2e-4, the average at 0.999) to 2,000 iterations, seed $SEED (1
# unless given), with a lever's flags over it; $G_EXTRA (the shipped count unless given) takes
# G's extra layers away, to tell G's depth from the base rate. Each run is measured with `eval`
# (10,000 samples against the 10k test set), G's own weights and its average both; rows go to
# bench/results/recipe/$DATASET-shipped-size.csv (the score and distance of the average, as in
# measure-recipe.sh, then G's own), the last grid (G's own samples) to bench/results/recipe/grids/.
#
# Usage: scripts/measure-shipped-size.sh NAME [TRAIN FLAGS…]
#   e.g. scripts/measure-shipped-size.sh plain
#        SEED=2 scripts/measure-shipped-size.sh plain
#        scripts/measure-shipped-size.sh lr-g-1.2e-3 --lr-g 1.2e-3
#        G_EXTRA=0 scripts/measure-shipped-size.sh g-extra-0-lr-g-4e-4 --lr-g 4e-4
#        DATASET=fashion scripts/measure-shipped-size.sh plain
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
shift
cli=${CLI:-${CARGO_TARGET_DIR:-target}/debug/gan-playground}
seed=${SEED:-1}
dataset=${DATASET:-mnist}
case $dataset in
  mnist) ngf=56 shipped_extra=2 ;;
  fashion) ngf=64 shipped_extra=1 ;;
  *) echo "DATASET is mnist or fashion (the shipped recipes measured here), not '$dataset'" >&2; exit 2 ;;
esac
g_extra=${G_EXTRA:-$shipped_extra}
run=runs/shipped-size/$dataset-$name-$seed
results=bench/results/recipe
mkdir -p "$results/grids"
csv=$results/$dataset-shipped-size.csv
[ -f "$csv" ] || echo "lever,seed,iterations,score,frechet,train_seconds,g_score,g_frechet" > "$csv"
start=$(date +%s)
"$cli" train --dataset "$dataset" --arch dcgan --image-size 28 --nz 100 --ngf "$ngf" --ndf 32 \
  --g-extra "$g_extra" --batch-size 64 --iterations 2000 --cost non-saturating --prior normal --seed "$seed" \
  --sample-every 1000 --checkpoint-every 1000 --ema 0.999 "$@" --out "$run" 2>/dev/null
seconds=$(($(date +%s) - start))
measure() { # score,distance of one weights file
  "$cli" eval --dataset "$dataset" --weights "$1" 2>&1 | grep "classifier score" | head -1 |
    sed -n 's/.*classifier score \([0-9.]*\).*Fréchet distance \([0-9.]*\).*/\1,\2/p'
}
average=$(measure "$run/checkpoint/generator-ema.safetensors")
own=$(measure "$run/checkpoint/generator.safetensors")
echo "$name,$seed,2000,$average,$seconds,$own" | tee -a "$csv"
cp "$run/samples/iter-0002000.png" "$results/grids/$dataset-shipped-size-$name-$seed.png"
