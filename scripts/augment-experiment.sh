#!/usr/bin/env bash
# Does DiffAugment help a GAN trained on a small set? Two runs that differ only in --augment,
# on 200 images (a shuffled draw, seed 7): emoji (32 px colour) and MNIST (28 px grey).
# Measured at each checkpoint:
#   - D's memorisation: mean D(x) on the 200 training images against 1,000 held-out images of
#     the same set (a D that has memorised says "real" to the first and not to the second);
#   - MNIST only: the classifier score and Fréchet distance (`eval`, 10,000 samples against
#     the 10k test set);
#   - grids from a fixed z, to look at (runs/augment/*/samples/).
# Needs ./scripts/fetch-data.sh (MNIST's test set) and the CLI (cargo build). Results go to
# runs/augment/results.md; docs/QUALITY.md has the figures and the command.
#
# Usage: scripts/augment-experiment.sh [iterations per stage] [stages] [first stage] [sets]
# A first stage above 1 goes on from the runs' checkpoints and appends to results.md, e.g.
# `scripts/augment-experiment.sh 1000 6 3 emoji` takes the emoji runs from 2,000 to 6,000.
set -euo pipefail
cd "$(dirname "$0")/.."
per_stage=${1:-1000}
stages=${2:-3}
first=${3:-1}
sets=${4:-emoji mnist}
cli=${CLI:-${CARGO_TARGET_DIR:-target}/debug/gan-playground}
out=runs/augment
mkdir -p "$out"

# A shuffled split of an idx file: the first 200 of the draw to train on, the next 1,000 held out.
split() {
  python3 - "$1" "$2" <<'EOF'
import gzip, random, struct, sys
src, dst = sys.argv[1], sys.argv[2]
raw = gzip.open(src).read()
dims = struct.unpack(">" + "I" * raw[3], raw[4:4 + 4 * raw[3]])
body = raw[4 + 4 * raw[3]:]
size = len(body) // dims[0]
order = list(range(dims[0]))
random.Random(7).shuffle(order)
for name, part in (("train", order[:200]), ("held", order[200:1200])):
    head = raw[:4] + struct.pack(">I", len(part)) + raw[8:4 + 4 * raw[3]]
    with gzip.open(f"{dst}-{name}.idx.gz", "wb") as f:
        f.write(head + b"".join(body[i * size:(i + 1) * size] for i in part))
EOF
}
split assets/data/emoji/all-32px-images-idx3-ubyte.gz "$out/emoji"
split data/mnist/train-images-idx3-ubyte.gz "$out/mnist"

mean_d() { # weights, model flags, idx file → mean D(x)
  "$cli" discriminate --weights "$1" $2 --images "$3" --out "$out/d.npy" 2>&1 | sed -n 's/^mean D(x) over [0-9]* images: //p'
}

if [ "$first" = 1 ]; then
  echo "| set | augment | iterations | D(train) | D(held out) | gap | score | FD |" > "$out/results.md"
  echo "|---|---|---|---|---|---|---|---|" >> "$out/results.md"
fi
for set in $sets; do
  if [ "$set" = emoji ]; then size=32; nc=3; else size=28; nc=1; fi
  model="--arch dcgan --image-size $size --nc $nc --nz 100 --ngf 32 --ndf 32"
  for augment in none translation,cutout,colour; do
    run="$out/$set-${augment//,/-}"
    for stage in $(seq "$first" "$stages"); do
      it=$((stage * per_stage))
      "$cli" train --images "$out/$set-train.idx.gz" $model --batch-size 32 --seed 1 \
        --augment "$augment" --iterations "$it" --sample-every "$per_stage" \
        --checkpoint-every "$per_stage" --out "$run" 2>/dev/null
      d="$run/checkpoint/discriminator.safetensors"
      train=$(mean_d "$d" "$model" "$out/$set-train.idx.gz")
      held=$(mean_d "$d" "$model" "$out/$set-held.idx.gz")
      gap=$(python3 -c "print(f'{$train - $held:.3f}')")
      score="–"; fd="–"
      if [ "$set" = mnist ]; then
        line=$("$cli" eval --dataset mnist --weights "$run/checkpoint/generator.safetensors" 2>&1 | grep -i "score" | head -1)
        score=$(echo "$line" | sed -n 's/.*score \([0-9.]*\).*/\1/p')
        fd=$(echo "$line" | sed -n 's/.* distance \([0-9.]*\).*/\1/p')
      fi
      echo "| $set | $augment | $it | $train | $held | $gap | $score | $fd |" | tee -a "$out/results.md"
    done
  done
done
