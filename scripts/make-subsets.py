"""Cuts the committed dataset subsets the page trains on in the browser, from data/
(scripts/fetch-data.sh), into assets/data/<name>/ as gzip idx files.

    python3 scripts/make-subsets.py

Only the Python standard library; the first N records of each file, unchanged.
"""

import gzip
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSETS = {
    # name: (images, labels or None, count, output prefix replacing "train")
    "mnist": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 10_000, "train-10k"),
    "fashion": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 5_000, "train-5k"),
    "emoji": ("train-images-idx3-ubyte.gz", None, 10_000, "all-32px"),  # all 3,926
}


def take(src, dst, n):
    raw = gzip.open(src).read()
    rank = raw[3]
    dims = list(struct.unpack(f">{rank}I", raw[4 : 4 + 4 * rank]))
    per = 1
    for d in dims[1:]:
        per *= d
    n = min(n, dims[0])
    header = raw[:4] + struct.pack(f">{rank}I", n, *dims[1:])
    body = raw[4 + 4 * rank : 4 + 4 * rank + n * per]
    dst.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives byte-identical files.
    with open(dst, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0) as g:
        g.write(header + body)
    print(f"{dst.relative_to(ROOT)}: {n} of {dims[0]}, {dst.stat().st_size} bytes")


for name, (images, labels, n, prefix) in SUBSETS.items():
    for f in [images] + ([labels] if labels else []):
        take(ROOT / "data" / name / f, ROOT / "assets" / "data" / name / f.replace("train", prefix, 1), n)
