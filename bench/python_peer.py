#!/usr/bin/env python3
"""The Python peer: a plain PyTorch training loop with the same data, model,
batch size, optimiser and threads as joulegrid's trainer (bench/epoch_speed).
Debian's python3-torch is the same libtorch build as libtorch-dev.

  python_peer.py --arch lenet --size 1 --threads 2 --epochs 3 --subset 10000 [--device cuda]
On a GPU the subset lives in device memory and the order is drawn there, as
in joulegrid; an epoch's time ends when the device has finished it.
Prints one JSON object with the seconds of each training epoch.
"""
import argparse, gzip, json, math, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def load_subset(folder, n, seed):
    """A stratified subset of the training set, normalised like joulegrid ('mnist')."""
    raw = lambda f, off: torch.frombuffer(bytearray(gzip.open(f"{folder}/{f}").read()[off:]), dtype=torch.uint8)
    x = raw("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    y = raw("train-labels-idx1-ubyte.gz", 8).long()
    g = torch.Generator().manual_seed(seed)
    per_class = [torch.nonzero(y == c).flatten() for c in range(10)]
    picked = torch.cat([idx[torch.randperm(len(idx), generator=g)[: n // 10]] for idx in per_class]).sort().values
    return x[picked].float().div_(255).sub_(0.1307).div_(0.3081), y[picked]


class LeNet(nn.Module):
    def __init__(self, k, dropout=0.0):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 6 * k, 5, padding=2), nn.Conv2d(6 * k, 16 * k, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400 * k, 120 * k), nn.Linear(120 * k, 84 * k), nn.Linear(84 * k, 10)
        self.p = dropout

    def forward(self, x):
        d = (lambda t: F.dropout(t, self.p, True)) if self.p else (lambda t: t)
        x = d(F.max_pool2d(F.softplus(self.c1(x)), 2))
        x = d(F.max_pool2d(F.softplus(self.c2(x)), 2))
        x = d(F.softplus(self.f1(x.flatten(1))))
        x = d(F.softplus(self.f2(x)))
        return self.f3(x)

    def objective(self, x, y, n):
        return F.cross_entropy(self(x), y)


class Bayes(nn.Module):
    """Bayes by Backprop with the local reparameterisation trick, as in joulegrid."""
    def __init__(self, shape, out, conv_padding=None):
        super().__init__()
        self.w_mu = nn.Parameter(torch.empty(shape).normal_(0, 0.1))
        self.w_rho = nn.Parameter(torch.empty(shape).normal_(-5, 0.1))
        self.b_mu = nn.Parameter(torch.empty(out).normal_(0, 0.1))
        self.b_rho = nn.Parameter(torch.empty(out).normal_(-5, 0.1))
        self.padding = conv_padding

    def forward(self, x):
        op = (lambda a, w, b: F.conv2d(a, w, b, 1, self.padding)) if self.padding is not None else F.linear
        ws, bs = F.softplus(self.w_rho), F.softplus(self.b_rho)
        mean, var = op(x, self.w_mu, self.b_mu), op(x * x, ws.pow(2), bs.pow(2))
        return mean + torch.sqrt(var + 1e-16) * torch.randn_like(mean)

    def kl(self, sp=0.1):
        def one(mu, rho):
            sq = F.softplus(rho)
            return 0.5 * (2 * (math.log(sp) - torch.log(sq)) - 1 + (sq / sp).pow(2) + (mu / sp).pow(2)).sum()
        return one(self.w_mu, self.w_rho) + one(self.b_mu, self.b_rho)


class BCNN(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.layers = nn.ModuleList([Bayes((6 * k, 1, 5, 5), 6 * k, 2), Bayes((16 * k, 6 * k, 5, 5), 16 * k, 0),
                                     Bayes((120 * k, 400 * k), 120 * k), Bayes((84 * k, 120 * k), 84 * k),
                                     Bayes((10, 84 * k), 10)])

    def forward(self, x):
        c1, c2, f1, f2, f3 = self.layers
        x = F.max_pool2d(F.softplus(c1(x)), 2)
        x = F.max_pool2d(F.softplus(c2(x)), 2)
        return f3(F.softplus(f2(F.softplus(f1(x.flatten(1))))))

    def objective(self, x, y, n):
        return n * F.nll_loss(F.log_softmax(self(x), 1), y) + 0.1 * sum(l.kl() for l in self.layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="lenet")
    ap.add_argument("--size", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--subset", type=int, default=10000)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    a = ap.parse_args()
    device = torch.device(a.device)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x, y = load_subset(a.data, a.subset, 1)
    x, y = x.to(device), y.to(device)
    model = {"lenet": lambda: LeNet(a.size), "mcdropout": lambda: LeNet(a.size, 0.5),
             "bcnn": lambda: BCNN(a.size)}[a.arch]().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    n, seconds = len(y), []
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, device=device)
        for i in range(0, n, 256):
            idx = perm[i:i + 256]
            opt.zero_grad(set_to_none=True)
            loss = model.objective(x[idx], y[idx], n)
            loss.backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"runner": "python", "arch": a.arch, "size": a.size, "threads": a.threads, "device": a.device,
                      "samples": n, "epoch_seconds": seconds}))


if __name__ == "__main__":
    main()
