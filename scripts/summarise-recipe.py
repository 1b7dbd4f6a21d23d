"""The recipe measurement's rows (bench/results/recipe/*.csv, written by scripts/measure-recipe.sh)
as one Markdown table per file: for each lever and iteration count, the mean classifier score and
Fréchet distance over the seeds, each seed's in brackets, and the change from plain DCGAN at the
same count over the same seeds (a score up, or a distance down, is better). Where a count has no
`plain` row, plain's own run under another name (`lr-1e-3`, measured at the early counts) is
the baseline.

Usage: python3 scripts/summarise-recipe.py [bench/results/recipe/mnist-tiny.csv …]
"""

import csv
import glob
import sys
from collections import defaultdict


def table(path):
    rows = list(csv.DictReader(open(path)))
    runs = defaultdict(list)
    order = []
    for r in rows:
        key = (r["lever"], int(r["iterations"]))
        if key not in runs:
            order.append(key)
        runs[key].append(r)
    print(f"\n{path}\n")
    scored = any(r["score"] for r in rows)
    if not scored:
        print("| lever | iterations | seeds |\n|---|---:|---|")
        for lever, it in order:
            print(f"| {lever} | {it:,} | {', '.join(r['seed'] for r in runs[(lever, it)])} |")
        return
    print("| lever | iterations | score, mean (each seed) | vs plain | Fréchet distance, mean (each seed) | vs plain |")
    print("|---|---:|---|---:|---|---:|")
    mean = lambda rs, k: sum(float(r[k]) for r in rs) / len(rs)
    for lever, it in sorted(order, key=lambda k: (k[1], order.index(k))):
        rs = runs[(lever, it)]
        seeds = {r["seed"] for r in rs}
        base = runs.get(("plain", it)) or runs.get(("lr-1e-3", it)) or []
        plain = [r for r in base if r["seed"] in seeds]
        if lever in ("plain", "lr-1e-3"):
            plain = []
        s, f = mean(rs, "score"), mean(rs, "frechet")
        ds = f"{s - mean(plain, 'score'):+.2f}" if plain else ""
        df = f"{f - mean(plain, 'frechet'):+.0f}" if plain else ""
        each_s = ", ".join(f"{float(r['score']):.2f}" for r in rs)
        each_f = ", ".join(f"{float(r['frechet']):.0f}" for r in rs)
        print(f"| {lever} | {it:,} | {s:.2f} ({each_s}) | {ds} | {f:.0f} ({each_f}) | {df} |")


for path in sys.argv[1:] or sorted(glob.glob("bench/results/recipe/*.csv")):
    table(path)
