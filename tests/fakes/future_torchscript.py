#!/usr/bin/env python3
"""Copies a TorchScript file as a newer torch would have written it: the
archive's format version raised to 99, which no libtorch of today reads.

    future_torchscript.py IN.pt OUT.pt
"""
import sys
import zipfile

src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename.endswith("/version") or item.filename.endswith("/.data/version"):
            data = b"99\n"
        zout.writestr(item.filename, data)
