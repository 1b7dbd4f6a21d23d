"""PyTorch's side of bench/native-vs-pytorch.sh: milliseconds per training iteration of
pytorch/examples' DCGAN (the Generator and Discriminator of scripts/pytorch_parity.py, 64x64)
on the CPU, as our CLI's `train` runs it: a D step on a real and a fake batch, a G step on a
fresh z (non-saturating cost), Adam lr 2e-4, betas (0.5, 0.999), then D(G(z)) once more for
the statistics.

    python bench/pytorch_train.py THREADS ITERATIONS [--nc 1] [--ngf 64] [--ndf 64] [--batch 64]

Prints one JSON line: the median and every iteration's time after two warm-up iterations.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from pytorch_parity import Discriminator, Generator, weights_init  # noqa: E402

args = argparse.ArgumentParser()
args.add_argument("threads", type=int)
args.add_argument("iterations", type=int)
args.add_argument("--nc", type=int, default=1)
args.add_argument("--ngf", type=int, default=64)
args.add_argument("--ndf", type=int, default=64)
args.add_argument("--nz", type=int, default=100)
args.add_argument("--batch", type=int, default=64)
a = args.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(1)
netG, netD = Generator(a.nz, a.ngf, a.nc), Discriminator(a.ndf, a.nc)
netG.apply(weights_init)
netD.apply(weights_init)
optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
# Real images stand-in of the right shape and range: the arithmetic does not depend on them.
real = torch.rand(a.batch, a.nc, 64, 64) * 2 - 1


def iteration():
    optD.zero_grad()
    fake = netG(torch.randn(a.batch, a.nz, 1, 1)).detach()
    err_d = F.softplus(-netD.logits(real)).mean() + F.softplus(netD.logits(fake)).mean()
    err_d.backward()
    optD.step()
    optG.zero_grad()
    z = torch.randn(a.batch, a.nz, 1, 1)
    err_g = F.softplus(-netD.logits(netG(z))).mean()
    err_g.backward()
    optG.step()
    # Our trainer then measures how far the update moved D(G(z)): the same z through both
    # nets again, with nothing recorded for the gradient.
    with torch.no_grad():
        after = torch.sigmoid(netD.logits(netG(z))).mean()
    return err_d.item() + err_g.item() + after.item()  # read back, as the CLI reads its stats


times = []
for i in range(a.iterations + 2):
    t0 = time.perf_counter()
    iteration()
    if i >= 2:
        times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({
    "torch": torch.__version__, "threads": torch.get_num_threads(),
    "median_ms": statistics.median(times), "ms": [round(t, 1) for t in times],
}))
