#!/usr/bin/env python3
"""A plain PyTorch training script as a joulegrid cell: a small CNN on
Fashion-MNIST, with its own data loading, its own loop and its own
optimiser. joulegrid gives it the cell's parameters on its command line
(examples/programs.toml) and meters it; the script only says, through
python/joulegrid_cell.py, where its epochs' training and evaluation begin
and what each epoch reached.

    fashion_mnist.py --data DIR --width {size} --lr {learning_rate}
                     --batch-size {batch_size} --seed {seed} [--train N --test N --validation F]

Needs Debian's python3-torch (or any torch); DIR holds the four
*-ubyte.gz files of Fashion-MNIST (Debian's dataset-fashion-mnist).
"""

import argparse
import gzip
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import joulegrid_cell  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def read_idx(path):
    """An IDX file (gzip'd or not) as a uint8 tensor of its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def split(folder, name, limit):
    def find(stem):
        for candidate in (stem + ".gz", stem):
            if os.path.exists(os.path.join(folder, candidate)):
                return os.path.join(folder, candidate)
        raise FileNotFoundError(os.path.join(folder, stem) + "[.gz]")
    images = read_idx(find(name + "-images-idx3-ubyte")).float().div_(255).sub_(0.2860).div_(0.3530)
    labels = read_idx(find(name + "-labels-idx1-ubyte")).long()
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images.unsqueeze(1), labels


def small_cnn(width):
    return nn.Sequential(
        nn.Conv2d(1, 4 * width, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4 * width, 8 * width, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * width * 16, 10))


def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--width", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train", type=int, default=0, help="the first N training images (0: all)")
    p.add_argument("--test", type=int, default=0, help="the first N test images (0: all)")
    p.add_argument("--validation", type=float, default=0.0,
                   help="the fraction of the training images held out for validation (0: none; then its "
                        "validation accuracy is the test accuracy, and joulegrid knows)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x, train_y = split(args.data, "train", args.train)
    test_x, test_y = split(args.data, "t10k", args.test)
    # The held-out images are a random subset fixed by the seed, as the built-in models' are.
    held = int(round(len(train_x) * args.validation))
    val_x, val_y = train_x[:0], train_y[:0]
    if held:
        order = torch.randperm(len(train_x))
        val_x, val_y = train_x[order[:held]], train_y[order[:held]]
        train_x, train_y = train_x[order[held:]], train_y[order[held:]]
    model = small_cnn(args.width)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_of = nn.CrossEntropyLoss()

    cell = joulegrid_cell.start(parameters=sum(t.numel() for t in model.parameters()), device="cpu",
                                train_samples=len(train_x), test_samples=len(test_x), threads=args.threads,
                                validation_samples=len(val_x))
    for epoch in cell.epochs():
        with cell.training():
            model.train()
            order = torch.randperm(len(train_x))
            total, correct, batches = 0.0, 0, 0
            for i in range(0, len(order), args.batch_size):
                idx = order[i:i + args.batch_size]
                out = model(train_x[idx])
                loss = loss_of(out, train_y[idx])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += loss.item() * len(idx)
                correct += (out.argmax(1) == train_y[idx]).sum().item()
                batches += 1
            if not torch.isfinite(torch.tensor(total)):
                cell.fail("nonfinite_loss", "the loss is not finite at epoch %d" % epoch)
                sys.exit(4)
        with cell.evaluation():
            test_acc = accuracy(model, test_x, test_y)
            val_acc = accuracy(model, val_x, val_y) if held else None
        cell.report(loss=total / len(train_x), train_acc=correct / len(train_x), test_acc=test_acc, val_acc=val_acc,
                    batches=batches, train_samples=len(train_x), eval_samples=len(test_x) + len(val_x))


if __name__ == "__main__":
    main()
