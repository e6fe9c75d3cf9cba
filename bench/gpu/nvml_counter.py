#!/usr/bin/env python3
"""NVML's energy counter against the integral of NVML's power, on one GPU.

    nvml_counter.py --seconds 20 [--library libnvidia-ml.so.1] [--index 0]
    nvml_counter.py --fake LIB --seconds 6     # the rehearsal: a scripted card

While a load alternates between training (LeNet-5 on random images, on the
GPU) and idle, a thread reads the card's energy counter (mJ) and its power
(mW) every few milliseconds. From those readings, prints one JSON object:

- how often each reading changes (the counter's update period: about 100 ms
  on recent cards, so a window shorter than that can read the same value at
  both ends);
- over each busy and idle phase, the counter's joules against the trapezoid
  integral of the power readings over the same window;
- for windows of 10 ms to 1 s at every start the readings allow, the share
  that read no change of the counter at all, and the median error of the
  counter against the integral.

--fake runs the same readings and analysis against a fake NVML library
(tests/fakes/fake_nvml.cpp) whose state a thread of this script writes: a
card of known power whose counter moves every --fake-period-ms. The analysis
must find that period and a ratio near 1; bench/gpu/run --rehearse checks it.
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import tempfile
import threading
import time


class Nvml:
    """The four NVML calls this needs, through ctypes."""

    def __init__(self, library, index):
        self.lib = ctypes.CDLL(library)
        self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
        self.handle = ctypes.c_void_p()
        self._check(self.lib.nvmlDeviceGetHandleByIndex_v2(ctypes.c_uint(index), ctypes.byref(self.handle)),
                    f"nvmlDeviceGetHandleByIndex_v2({index})")

    def _check(self, rc, call):
        if rc != 0:
            self.lib.nvmlErrorString.restype = ctypes.c_char_p
            raise RuntimeError(f"{call} failed: NVML error {rc} ({self.lib.nvmlErrorString(rc).decode()})")

    def energy_mj(self):
        v = ctypes.c_ulonglong()
        self._check(self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(v)),
                    "nvmlDeviceGetTotalEnergyConsumption")
        return v.value

    def power_mw(self):
        v = ctypes.c_uint()
        self._check(self.lib.nvmlDeviceGetPowerUsage(self.handle, ctypes.byref(v)), "nvmlDeviceGetPowerUsage")
        return v.value

    def close(self):
        self.lib.nvmlShutdown()


class FakeCard:
    """Writes the fake NVML's state file: power `busy_w` while busy, `idle_w`
    otherwise; the counter holds the exact integral, updated every
    `period_s`; the power reading, within 1 W of those, every 20 ms."""

    def __init__(self, state_file, period_s, busy_w=300.0, idle_w=80.0):
        self.state_file, self.period_s = state_file, period_s
        self.busy_w, self.idle_w = busy_w, idle_w
        self.busy = False
        self.stop = threading.Event()
        self.energy_j = 1000.0
        self._write(self.energy_j, idle_w)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _write(self, energy_j, power_w):
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{int(energy_j * 1000)} {int(power_w * 1000)} GPU-fake-0 00000000:01:00.0\n")
        os.replace(tmp, self.state_file)

    def _run(self):
        last = time.monotonic()
        next_counter = last + self.period_s
        shown_energy = self.energy_j
        tick = 0
        while not self.stop.is_set():
            time.sleep(0.02)
            now = time.monotonic()
            tick += 1
            watts = (self.busy_w if self.busy else self.idle_w) + (tick % 3) * 0.5  # a reading that moves
            self.energy_j += watts * (now - last)
            last = now
            if now >= next_counter:
                shown_energy = self.energy_j
                next_counter += self.period_s
            self._write(shown_energy, watts)


def gpu_load():
    """A training step of LeNet-5 on random images on the GPU, as a callable."""
    import torch
    import torch.nn as nn
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from python_peer import LeNet
    model = LeNet(5).cuda()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    x = torch.randn(256, 1, 28, 28, device="cuda")
    y = torch.randint(0, 10, (256,), device="cuda")
    loss_of = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_of(model(x), y).backward()
        opt.step()
    return step, torch.cuda.synchronize


def read_continuously(nvml, stop, readings, every_s):
    while not stop.is_set():
        t = time.monotonic()
        readings.append((t, nvml.energy_mj(), nvml.power_mw()))
        time.sleep(max(0.0, every_s - (time.monotonic() - t)))


def change_period(times, values):
    """Median seconds between the readings at which a value changed."""
    changes = [t for (t, v, w) in zip(times[1:], values[1:], values[:-1]) if v != w]
    gaps = [b - a for a, b in zip(changes, changes[1:])]
    return statistics.median(gaps) if gaps else math.nan


def cumulative_integral_j(readings):
    """c[k]: the trapezoid integral of the power readings 0..k, in joules."""
    c = [0.0]
    for a, b in zip(readings, readings[1:]):
        c.append(c[-1] + (b[0] - a[0]) * (a[2] + b[2]) / 2000.0)
    return c


def analyse(readings, phases):
    times = [r[0] for r in readings]
    c = cumulative_integral_j(readings)
    integral_j = lambda i, j: c[j] - c[i]
    out = {"readings": len(readings),
           "reading_interval_ms": 1000 * statistics.median(b - a for a, b in zip(times, times[1:])),
           "counter_update_ms": 1000 * change_period(times, [r[1] for r in readings]),
           "power_update_ms": 1000 * change_period(times, [r[2] for r in readings])}
    # Each phase as a window of whole readings.
    rows = []
    for kind, t0, t1 in phases:
        idx = [k for k, t in enumerate(times) if t0 <= t <= t1]
        if len(idx) < 2:
            continue
        i, j = idx[0], idx[-1]
        counter = (readings[j][1] - readings[i][1]) / 1000.0
        integral = integral_j(i, j)
        rows.append({"phase": kind, "seconds": times[j] - times[i], "counter_j": counter, "integral_j": integral,
                     "ratio": counter / integral if integral > 0 else math.nan})
    out["phases"] = rows
    for kind in ("busy", "idle"):
        ratios = [r["ratio"] for r in rows if r["phase"] == kind and math.isfinite(r["ratio"])]
        if ratios:
            out[f"{kind}_ratio_median"] = statistics.median(ratios)
            out[f"{kind}_ratio_spread"] = max(ratios) - min(ratios)
    whole = integral_j(0, len(readings) - 1)
    out["whole_counter_j"] = (readings[-1][1] - readings[0][1]) / 1000.0
    out["whole_integral_j"] = whole
    out["whole_ratio"] = out["whole_counter_j"] / whole if whole > 0 else math.nan
    # Short windows: every start, the reading nearest start + width as the end.
    short = []
    for width_ms in (10, 20, 50, 100, 200, 500, 1000):
        zero, errors, n, j = 0, [], 0, 0
        for i in range(len(readings)):
            while j < len(readings) and times[j] < times[i] + width_ms / 1000.0:
                j += 1
            if j >= len(readings):
                break
            n += 1
            counter = (readings[j][1] - readings[i][1]) / 1000.0
            integral = integral_j(i, j)
            if counter == 0:
                zero += 1
            if integral > 0:
                errors.append(abs(counter - integral) / integral)
        if n:
            row = {"window_ms": width_ms, "windows": n, "zero_share": zero / n}
            if errors:
                row["median_error"] = statistics.median(errors)
            short.append(row)
    out["short_windows"] = short
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", default="libnvidia-ml.so.1")
    ap.add_argument("--index", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--busy", type=float, default=1.5, help="seconds of each busy phase")
    ap.add_argument("--idle", type=float, default=0.5, help="seconds of each idle phase")
    ap.add_argument("--every-ms", type=float, default=2.0, help="the readings' interval")
    ap.add_argument("--fake", help="a fake NVML library: rehearse against a scripted card")
    ap.add_argument("--fake-period-ms", type=float, default=100.0)
    a = ap.parse_args()

    fake = None
    if a.fake:
        state = tempfile.NamedTemporaryFile(prefix="nvml-state-", delete=False).name
        os.environ["FAKE_NVML_STATE"] = state
        fake = FakeCard(state, a.fake_period_ms / 1000.0)
        fake.thread.start()
        library = a.fake
        step, sync = (lambda: time.sleep(0.005)), (lambda: None)
    else:
        library = a.library
        step, sync = gpu_load()
    nvml = Nvml(library, a.index)
    readings, stop = [], threading.Event()
    reader = threading.Thread(target=read_continuously, args=(nvml, stop, readings, a.every_ms / 1000.0),
                              daemon=True)
    phases = []
    reader.start()
    try:
        start = time.monotonic()
        while time.monotonic() - start < a.seconds:
            t0 = time.monotonic()
            if fake:
                fake.busy = True
            while time.monotonic() - t0 < a.busy:
                step()
            sync()
            if fake:
                fake.busy = False
            t1 = time.monotonic()
            phases.append(("busy", t0, t1))
            time.sleep(a.idle)
            phases.append(("idle", t1, time.monotonic()))
    finally:
        stop.set()
        reader.join()
        nvml.close()
        if fake:
            fake.stop.set()
            fake.thread.join()
            os.unlink(os.environ["FAKE_NVML_STATE"])
    result = analyse(readings, phases)
    result["library"] = library
    result["fake_period_ms"] = a.fake_period_ms if fake else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
