#!/usr/bin/env python3
"""A training program that learns nothing and trains in no time, for the
tests of command cells: it speaks the cell protocol through
python/joulegrid_cell.py and reports, at epoch e, test accuracy
min(0.9, 0.2 * e * size * learning_rate * 1000) and `size * 1000`
parameters, so a test can see which {placeholders} it was given.

    counting_trainer.py --size {size} --lr {learning_rate} [--busy-s S]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import joulegrid_cell  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, required=True)
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--busy-s", type=float, default=0.05, help="seconds of CPU work an epoch")
args = parser.parse_args()

cell = joulegrid_cell.start(parameters=args.size * 1000, device="cpu")
print("counting_trainer: a print goes to stderr, not into the protocol")


def burn(seconds):
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1
    return x


for epoch in cell.epochs():
    with cell.training():
        burn(args.busy_s)
    with cell.evaluation():
        burn(args.busy_s / 5)
    acc = min(0.9, 0.2 * epoch * args.size * args.lr * 1000)
    cell.report(loss=1.0 / epoch, train_acc=acc, test_acc=acc, batches=3, train_samples=300)
