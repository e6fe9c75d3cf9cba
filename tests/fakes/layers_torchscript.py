#!/usr/bin/env python3
"""Writes a TorchScript model of torch.nn's standard layers (a convolution,
a batch norm, a linear head) whose weights are far from any fresh
initialisation (all 3.0, the norm's running statistics too), for the tests of
[models.NAME] init = "reset" (a norm without parameters among them); with --own-parameter it also holds a
parameter of its own (a learned scale), which a reset does not know.

    layers_torchscript.py [--own-parameter] OUT.pt
"""
import argparse

import torch
from torch import nn


class Layers(nn.Module):
    def __init__(self, own_parameter: bool):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.norm = nn.BatchNorm2d(4)
        self.plain_norm = nn.BatchNorm2d(4, affine=False)  # running statistics, no parameters
        self.head = nn.Linear(4 * 14 * 14, 10)
        self.scale = nn.Parameter(torch.ones(1)) if own_parameter else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.head(torch.flatten(nn.functional.max_pool2d(torch.relu(self.plain_norm(self.norm(self.conv(x)))), 2), 1))
        if self.scale is not None:
            y = y * self.scale
        return y


p = argparse.ArgumentParser()
p.add_argument("--own-parameter", action="store_true")
p.add_argument("out")
a = p.parse_args()
model = Layers(a.own_parameter)
with torch.no_grad():
    for t in list(model.parameters()) + [model.norm.running_mean, model.norm.running_var,
                                         model.plain_norm.running_mean, model.plain_norm.running_var]:
        t.fill_(3.0)
torch.jit.save(torch.jit.script(model), a.out)
