"""A training program of your own as a joulegrid cell: the cell protocol,
version 1 (docs/protocol.md), for Python. Standard library only; copy this
file beside your script or put joulegrid's python/ folder on PYTHONPATH.

    import joulegrid_cell

    cell = joulegrid_cell.start(parameters=count, device="cuda:0")
    for epoch in cell.epochs():            # until joulegrid says stop
        with cell.training():
            loss, train_acc = train_one_epoch()
        with cell.evaluation():
            test_acc = evaluate()
        cell.report(loss=loss, train_acc=train_acc, test_acc=test_acc)

joulegrid meters the energy between the phase events that training() and
evaluation() send, and decides after each report() whether the next epoch
runs (its stopping criterion). Anything the program prints goes to standard
error: standard output carries the protocol only. `cell.parameters` is the
cell joulegrid sent (its size, batch_size, learning_rate, seed, data, ...).

To keep a long cell's progress across a time limit, pass save(path, epoch)
and restore(path) -> epoch to start(): joulegrid asks for the state between
epochs and hands it back to the next attempt.
"""

import contextlib
import json
import os
import signal
import sys
import threading
import time
import traceback

PROTOCOL = 1


class ProtocolVersionError(RuntimeError):
    """joulegrid speaks a version of the cell protocol this module does not."""


class _Cell:
    def __init__(self, parameters, out, save, restore, resumed_epoch):
        self.parameters = parameters
        self._out = out
        self._save = save
        self._restore = restore
        self._epoch = resumed_epoch
        self._train_s = self._eval_s = 0.0
        self._checkpoint_asked = False
        self.has_validation = False  # start() gave validation_samples

    # -- what the program calls -------------------------------------------------
    def epochs(self):
        """The epochs to train, from the first one a restored state lacks."""
        while True:
            yield self._epoch + 1
            if not self._go_on():
                return

    @contextlib.contextmanager
    def training(self):
        self._send({"event": "phase", "phase": "train_begin", "epoch": self._epoch + 1})
        start = time.monotonic()
        yield
        self._train_s = time.monotonic() - start

    @contextlib.contextmanager
    def evaluation(self):
        self._send({"event": "phase", "phase": "eval_begin", "epoch": self._epoch + 1})
        start = time.monotonic()
        yield
        self._eval_s = time.monotonic() - start

    def report(self, *, loss, train_acc, test_acc, val_acc=None, **more):
        """The epoch's record: accuracies are fractions from 0 to 1. `more`
        may add batches, train_samples, eval_samples, train_eval_acc.
        val_acc is required of a program that said validation_samples to
        start(), and is the test accuracy of one that did not."""
        if val_acc is None and self.has_validation:
            raise ValueError("report(): start() was given validation_samples, so give val_acc too")
        self._epoch += 1
        record = {"event": "epoch", "epoch": self._epoch, "loss": float(loss),
                  "train_acc": float(train_acc), "test_acc": float(test_acc),
                  "val_acc": float(test_acc if val_acc is None else val_acc),
                  "train_s": self._train_s, "eval_s": self._eval_s}
        record.update(more)
        self._send(record)

    def fail(self, kind, message):
        """Says why the program gives up (kind: input, nonfinite_loss,
        out_of_memory, internal), before it exits with a non-zero code."""
        self._send({"event": "error", "kind": kind, "message": str(message)[:2000]})

    # -- the protocol -------------------------------------------------------------
    def _send(self, event):
        self._out.write(json.dumps(event) + "\n")
        self._out.flush()

    def _go_on(self):
        """joulegrid's word after an epoch: continue, stop, or checkpoint first."""
        while True:
            line = sys.stdin.readline()
            if not line:
                return False  # its input closed: as told stop
            word = line.strip()
            if word == "checkpoint":
                self._checkpoint_asked = True
                continue
            if word != "continue":
                return False
            self._keep_state()
            return True

    def _keep_state(self):
        every = self.parameters.get("train", {}).get("checkpoint_every", 0) or 0
        path = self.parameters.get("checkpointing", {}).get("checkpoint_to", "")
        due = every > 0 and self._epoch % every == 0
        if self._save and path and (due or self._checkpoint_asked):
            self._save(path, self._epoch)
            self._send({"event": "checkpoint", "epoch": self._epoch})
        self._checkpoint_asked = False


def start(*, parameters=0, device="cpu", flops_per_sample=0, init="", save=None, restore=None, **more):
    """Reads the cell joulegrid sends, says ready, and returns the cell.
    Raises ProtocolVersionError when joulegrid speaks another version."""
    line = sys.stdin.readline()
    if not line:
        raise ProtocolVersionError("no cell on standard input: run this program through joulegrid")
    cell = json.loads(line)
    spoken = cell.get("protocol")
    if spoken != PROTOCOL:
        raise ProtocolVersionError(
            "joulegrid speaks cell protocol version %s; this joulegrid_cell.py speaks version %d: "
            "use the joulegrid_cell.py of the joulegrid that runs the study" % (spoken, PROTOCOL))
    # Standard output is the protocol's: the program's prints (and a
    # library's) go to standard error from here on.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    resumed = 0
    resume_from = cell.get("checkpointing", {}).get("resume_from", "")
    if resume_from and restore:
        resumed = int(restore(resume_from))
    c = _Cell(cell, out, save, restore, resumed)
    ready = {"event": "ready", "protocol": PROTOCOL, "parameters": int(parameters), "device": str(device),
             "flops_per_sample": int(flops_per_sample), "init": init, "resumed_epoch": resumed}
    ready.update(more)
    # Without a validation split of its own, its val_acc is its test
    # accuracy: joulegrid must know, or a criterion on the validation split
    # would select on the test set.
    c.has_validation = bool(more.get("validation_samples"))
    ready["validation_is_test"] = not c.has_validation
    c._send(ready)

    # A worker killed outright (kill -9, a lost node) leaves its program
    # running in a process group of its own: the program ends its group
    # when its parent is gone, rather than train on for nobody.
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(1)
        if os.getpgrp() == os.getpid():  # the group joulegrid made for it: its helpers too
            os.killpg(0, signal.SIGKILL)
        os._exit(1)
    threading.Thread(target=watch_parent, daemon=True).start()

    def said_before_exit(kind, value, tb):
        c.fail("internal", "".join(traceback.format_exception_only(kind, value)).strip())
        sys.__excepthook__(kind, value, tb)
    sys.excepthook = said_before_exit
    return c
