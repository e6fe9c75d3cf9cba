#!/usr/bin/env python3
"""A training program that breaks the cell protocol in one chosen way, for
the tests of the worker's guards (docs/protocol.md, "A training program of
your own"). It speaks the protocol by hand, without the client, so that
each misbehaviour is exactly the one named:

    misbehaving.py MODE

silent         never says ready
garbage        says ready, then prints a line that is not an event
version2       says ready in protocol version 2
no_fields      sends an epoch without its accuracies
out_of_order   sends an epoch without its phases
done_unasked   trains well, then says done though no cell line asked it to stay (warm)
exit_mid_epoch burns the CPU for 0.3 s into its first epoch's training, then exits 3
ignores_stop   trains well, but goes on burning the CPU after stop, ignoring SIGTERM
chatty         writes 8 MiB to stderr and 100 KiB lines of it while it trains, then trains well
leaves_child   forks a child that outlives it and holds its pipes, then trains well
"""

import json
import os
import signal
import sys
import time

mode = sys.argv[1]
cell = json.loads(sys.stdin.readline())


def send(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def burn(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def ready(version=1):
    send({"event": "ready", "protocol": version, "parameters": 10, "device": "cpu"})


def epoch(e):
    send({"event": "phase", "phase": "train_begin", "epoch": e})
    burn(0.05)
    send({"event": "phase", "phase": "eval_begin", "epoch": e})
    send({"event": "epoch", "epoch": e, "loss": 1.0, "train_acc": 0.5, "val_acc": 0.5, "test_acc": 0.5,
          "train_s": 0.05, "eval_s": 0.0})


def train_well():
    e = 0
    while True:
        e += 1
        epoch(e)
        if sys.stdin.readline().strip() != "continue":
            return


if mode == "silent":
    time.sleep(60)
elif mode == "garbage":
    ready()
    print("Downloading weights ... 100%")
    sys.stdout.flush()
    time.sleep(60)
elif mode == "version2":
    ready(2)
    time.sleep(60)
elif mode == "no_fields":
    ready()
    send({"event": "phase", "phase": "train_begin", "epoch": 1})
    send({"event": "phase", "phase": "eval_begin", "epoch": 1})
    send({"event": "epoch", "epoch": 1, "loss": 1.0, "train_s": 0.1, "eval_s": 0.1})
    time.sleep(60)
elif mode == "out_of_order":
    ready()
    send({"event": "epoch", "epoch": 1, "loss": 1.0, "train_acc": 0.5, "val_acc": 0.5, "test_acc": 0.5,
          "train_s": 0.1, "eval_s": 0.1})
    time.sleep(60)
elif mode == "done_unasked":
    ready()
    train_well()
    send({"event": "done"})
    time.sleep(60)
elif mode == "exit_mid_epoch":
    ready()
    send({"event": "phase", "phase": "train_begin", "epoch": 1})
    burn(0.3)
    sys.exit(3)
elif mode == "ignores_stop":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready()
    train_well()
    burn(120)
elif mode == "test_as_validation":
    ready()  # says nothing of a validation split: its val_acc is its test accuracy
    train_well()
elif mode == "chatty":
    ready()
    block = "x" * (1 << 16) + "\n"
    for _ in range(128):
        sys.stderr.write(block)
    sys.stderr.write("the last words of a chatty program\n")
    sys.stderr.flush()
    train_well()
elif mode == "leaves_child":
    ready()
    if os.fork() == 0:
        time.sleep(120)  # holds stdout and stderr open
        os._exit(0)
    train_well()
