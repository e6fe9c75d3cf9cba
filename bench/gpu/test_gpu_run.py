#!/usr/bin/env python3
"""The parts of bench/gpu/run and bench/gpu/nvml_counter.py that decide a
figure or build a prefix, on made-up input: no GPU, no clock, no network.
CTest runs it (Bench.GpuScriptsAnalyseAndUnpack)."""
import importlib.machinery
import importlib.util
import io
import os
import sys
import tarfile
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


nvml_counter = load("nvml_counter", os.path.join(HERE, "nvml_counter.py"))
gpu_run = load("gpu_run", os.path.join(HERE, "run"))


def card(seconds, every_s, period_s, watts_at):
    """Readings of a card whose counter holds the exact integral, shown only
    every period_s, read every every_s: (t, mJ, mW)."""
    readings, energy_j, shown_j, next_update = [], 0.0, 0.0, period_s
    steps = int(seconds / every_s)
    for k in range(steps + 1):
        t = k * every_s
        if k:
            energy_j += watts_at(t - every_s) * every_s
        if t >= next_update - 1e-12:
            shown_j = energy_j
            next_update += period_s
        readings.append((t, int(shown_j * 1000), int(watts_at(t) * 1000)))
    return readings


class CounterAnalysis(unittest.TestCase):
    def test_a_known_period_and_energy_are_found_again(self):
        busy = lambda t: (t % 2.0) < 1.5
        watts = lambda t: 300.0 if busy(t) else 80.0
        readings = card(10.0, 0.002, 0.1, watts)
        phases = [(("busy", p, p + 1.5), ("idle", p + 1.5, p + 2.0)) for p in (0.0, 2.0, 4.0, 6.0, 8.0)]
        out = nvml_counter.analyse(readings, [w for pair in phases for w in pair])
        self.assertAlmostEqual(out["counter_update_ms"], 100.0, delta=3.0)
        self.assertAlmostEqual(out["reading_interval_ms"], 2.0, delta=0.01)
        self.assertAlmostEqual(out["whole_ratio"], 1.0, delta=0.02)
        short = {w["window_ms"]: w for w in out["short_windows"]}
        # A 20 ms window holds a counter update one time in five.
        self.assertAlmostEqual(short[20]["zero_share"], 0.8, delta=0.03)
        self.assertEqual(short[200]["zero_share"], 0.0)
        self.assertGreater(short[10]["median_error"], 0.99)  # no change read: the whole integral missed
        self.assertLess(short[1000]["median_error"], 0.1)

    def test_a_counter_that_never_moves_has_no_period(self):
        readings = [(k * 0.01, 5000, 100000) for k in range(100)]
        out = nvml_counter.analyse(readings, [])
        self.assertNotEqual(out["counter_update_ms"], out["counter_update_ms"])  # NaN: no two changes
        self.assertEqual(out["whole_counter_j"], 0.0)


def deb(path, files, links):
    """A minimal .deb: ar archive of debian-binary, control and data tarballs."""
    def tar_xz(entries, symlinks):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:xz") as t:
            for name, data in entries.items():
                info = tarfile.TarInfo("./" + name)
                info.size = len(data)
                info.mode = 0o755
                t.addfile(info, io.BytesIO(data))
            for name, target in symlinks.items():
                info = tarfile.TarInfo("./" + name)
                info.type = tarfile.SYMTYPE
                info.linkname = target
                t.addfile(info)
        return buf.getvalue()
    members = [("debian-binary", b"2.0\n"), ("control.tar.xz", tar_xz({"control": b"Package: x\n"}, {})),
               ("data.tar.xz", tar_xz(files, links))]
    with open(path, "wb") as f:
        f.write(b"!<arch>\n")
        for name, data in members:
            f.write(f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode())
            f.write(data)
            if len(data) % 2:
                f.write(b"\n")


class Unpack(unittest.TestCase):
    def test_a_package_unpacks_and_its_links_and_wrappers_point_into_the_prefix(self):
        with tempfile.TemporaryDirectory() as d:
            prefix = os.path.join(d, "prefix")
            h5cc = b'#!/bin/sh\nprefix="/usr"\nlibdir="${prefix}/lib"\n'
            deb(os.path.join(d, "a.deb"),
                {"usr/lib/libz.so.1": b"lib", "usr/bin/h5cc": h5cc, "usr/bin/mpirun.openmpi": b"#!/bin/sh\n"},
                {"usr/lib/libz.so": "/usr/lib/libz.so.1", "usr/lib/libq.so": "/usr/lib/not-in-the-prefix"})
            gpu_run.unpack_deb(os.path.join(d, "a.deb"), prefix)
            gpu_run.make_relocatable(prefix)
            self.assertEqual(os.readlink(os.path.join(prefix, "usr/lib/libz.so")), prefix + "/usr/lib/libz.so.1")
            self.assertEqual(os.readlink(os.path.join(prefix, "usr/lib/libq.so")), "/usr/lib/not-in-the-prefix")
            self.assertEqual(os.readlink(os.path.join(prefix, "usr/bin/mpirun")), "mpirun.openmpi")
            with open(os.path.join(prefix, "usr/bin/h5cc")) as f:
                self.assertIn(f'prefix="{prefix}/usr"', f.read())

    def test_a_file_that_is_not_a_package_is_refused_naming_it(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.deb")
            with open(bad, "wb") as f:
                f.write(b"<html>not found</html>")
            with self.assertRaisesRegex(gpu_run.StepFailed, "bad.deb: not a Debian package"):
                gpu_run.unpack_deb(bad, os.path.join(d, "prefix"))


if __name__ == "__main__":
    unittest.main()
