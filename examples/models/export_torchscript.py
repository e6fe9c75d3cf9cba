#!/usr/bin/env python3
"""Export a PyTorch model as a TorchScript file that joulegrid trains.

joulegrid loads the file with libtorch, trains every parameter with the
spec's optimiser, batch size and stopping criteria, and evaluates it. What it
needs of the model:

- forward(x) takes a batch as the dataset gives it: [B, C, H, W] for images
  (Fashion-MNIST: [B, 1, 28, 28]), [B, F, T] for features by time;
- it returns [B, classes] logits (no softmax: joulegrid adds the
  log-softmax and the cross-entropy);
- one file per size of the grid: name it with the size, and give the spec
  `[models.NAME] torchscript = "FILE-{size}.pt"`.

The file must be written by a torch whose libtorch the joulegrid build
reads (the same version, or older): Debian's python3-torch for Debian's
libtorch-dev. The weights in the file are where training starts.

    python3 export_torchscript.py --size 1 --out tinycnn-1.pt            # torch.jit.script
    python3 export_torchscript.py --size 1 --trace --out tinycnn-1.pt    # torch.jit.trace

Use it as a pattern: replace TinyCnn with your own module.
"""

import argparse
import os

import torch
from torch import nn


class TinyCnn(nn.Module):
    """conv(4k, 3×3) → ReLU → max-pool → conv(8k, 3×3) → ReLU → max-pool → linear."""

    def __init__(self, size: int = 1, channels: int = 1, side: int = 28, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 4 * size, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4 * size, 8 * size, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(8 * size * (side // 4) * (side // 4), classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.features(x), 1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=1, help="width multiplier k")
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--side", type=int, default=28, help="input height and width")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--trace", action="store_true", help="torch.jit.trace on an example batch instead of torch.jit.script")
    p.add_argument("--seed", type=int, default=0, help="the initial weights")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    model = TinyCnn(a.size, a.channels, a.side, a.classes)
    if a.trace:
        module = torch.jit.trace(model, torch.zeros(2, a.channels, a.side, a.side))
    else:
        module = torch.jit.script(model)
    # Whole or not at all: a reader never sees half a file.
    part = f"{a.out}.part{os.getpid()}"
    torch.jit.save(module, part)
    os.replace(part, a.out)


if __name__ == "__main__":
    main()
