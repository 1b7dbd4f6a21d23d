"""Write the spectral-norm parity fixture the Rust tests load (tests/fixtures/parity/spectral.safetensors).

The networks are scripts/pytorch_parity.py's (pytorch/examples `dcgan/main.py`), with every conv
of D wrapped in `torch.nn.utils.spectral_norm`. One training iteration is taken twice from the
same start: with the hinge loss (D: E relu(1 - l(x)) + E relu(1 + l(G(z))); G: -E l(G(z))) and
with cross-entropy and the non-saturating cost.

PyTorch's spectral norm takes a power iteration on every forward of a module in training mode.
The Rust trainer takes one per D step, however many times the step calls D, so here the convs are
in training mode for the D step's first forward only (batch norm stays in training mode
throughout, as in the trainer). Run as scripts/pytorch_parity.py says (torch only regenerates
fixtures):

    .venv-torch/bin/python scripts/pytorch_spectral.py

The file holds, besides the inputs and start state of pytorch_parity.py's fixtures:
  d_sn.main.N.weight_u / weight_v            the power-iteration vectors at the start
  {hinge,non_saturating}.g.* / .d.* / .d_sn.*  everything after the iteration (D's raw weights
                                               under PyTorch's `weight_orig`, renamed `weight`)
  {hinge,non_saturating}.loss                [D loss, G cost]
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

from pytorch_parity import BATCH, BETAS, EPS, LR, Discriminator, Generator, KinkWatch, make, warmed_up

NZ, NGF, NDF, NC = 100, 4, 4, 1


def normalised(netD, vectors=None):
    """Every conv of `netD` under spectral_norm; its u, v set to `vectors` when given."""
    for i, m in enumerate(netD.main):
        if isinstance(m, nn.Conv2d):
            netD.main[i] = spectral_norm(m)
            if vectors is not None:
                with torch.no_grad():
                    netD.main[i].weight_u.copy_(vectors[f"main.{i}.weight_u"])
                    netD.main[i].weight_v.copy_(vectors[f"main.{i}.weight_v"])
    return netD


def power_iterations(netD, on):
    for m in netD.main:
        if isinstance(m, nn.Conv2d):
            m.training = on


def sn_state(prefix, netD):
    """D's state by the Rust names: raw weights as `weight`, the vectors under `{prefix}d_sn.`."""
    out = {}
    for k, v in netD.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        v = v.detach().clone().contiguous()
        if k.endswith("weight_u") or k.endswith("weight_v"):
            out[f"{prefix}d_sn.{k}"] = v
        else:
            out[f"{prefix}d.{k.replace('weight_orig', 'weight')}"] = v
    return out


def one_iteration(netG, netD, real, z_d, z_g, loss):
    optD = torch.optim.Adam(netD.parameters(), lr=LR, betas=BETAS, eps=EPS)
    optG = torch.optim.Adam(netG.parameters(), lr=LR, betas=BETAS, eps=EPS)
    netG.train()
    netD.train()
    optD.zero_grad()
    fake = netG(z_d).detach()
    power_iterations(netD, True)
    real_logits = netD.logits(real)
    power_iterations(netD, False)
    fake_logits = netD.logits(fake)
    if loss == "hinge":
        err_d = F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    else:
        err_d = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    err_d.backward()
    optD.step()
    optG.zero_grad()
    logits = netD.logits(netG(z_g))
    err_g = -logits.mean() if loss == "hinge" else F.softplus(-logits).mean()
    err_g.backward()
    optG.step()
    return torch.tensor([err_d.item(), err_g.item()])


def attempt(nz, ngf, ndf, nc, seed):
    netG, netD = warmed_up(nz, ngf, ndf, nc, seed)
    start_g = {k: v.clone() for k, v in netG.state_dict().items()}
    start_d = {k: v.clone() for k, v in netD.state_dict().items()}
    normalised(netD)
    vectors = {k: v.clone() for k, v in netD.state_dict().items() if k.endswith(("weight_u", "weight_v"))}
    out = {f"g.{k}": v for k, v in start_g.items() if not k.endswith("num_batches_tracked")}
    out.update(sn_state("", netD))
    real = torch.rand(BATCH, nc, 64, 64) * 2 - 1
    z_d = torch.randn(BATCH, nz)
    z_g = torch.randn(BATCH, nz)
    out["step.real"], out["step.z_d"], out["step.z_g"] = real, z_d, z_g
    closest = float("inf")
    for loss in ("hinge", "non_saturating"):
        g = Generator(nz, ngf, nc)
        g.load_state_dict(start_g)
        d = Discriminator(ndf, nc)
        d.load_state_dict(start_d)
        normalised(d, vectors)
        watch = KinkWatch(g, d)
        out[f"{loss}.loss"] = one_iteration(g, d, real, z_d.view(BATCH, nz, 1, 1), z_g.view(BATCH, nz, 1, 1), loss)
        out.update({f"{loss}.g.{k}": v.detach().clone() for k, v in g.state_dict().items() if not k.endswith("num_batches_tracked")})
        out.update(sn_state(f"{loss}.", d))
        closest = min(closest, watch.closest)
    return out, closest


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    make("spectral", NZ, NGF, NDF, NC, 1, attempt)
