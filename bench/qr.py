"""Benchmark: reading citizen ID card QR codes from distorted photos (docs/design.md §3.5).

Generates a deterministic synthetic set of 640×480 card frames (tests/qr_samples.py),
one group per distortion, and decodes every frame with each method in the same run:

  pyzbar-naive      pyzbar.decode(frame) on the colour frame, all symbologies,
                    .data.decode("utf-8") - what code usually does (the baseline)
  pyzbar            pyzbar on greyscale, QR only, ZBar's charset guess undone, no fallback
  pyzbar+fallbacks  decode_qr_image(decoders=("pyzbar",)): pyzbar through all stages
  zxing             zxing-cpp on greyscale, text from .bytes, no fallback
  zxing+stretch     zxing-cpp, then zxing-cpp on the contrast-stretched frame
  zxing+fallbacks   decode_qr_image(decoders=("zxing",)): zxing-cpp through all stages
  pipeline-old      decode_qr_image(decoders=("zxing", "pyzbar")): the default pipeline before
                    issue #16.6 - zxing-cpp through all stages on the whole frame, then pyzbar
  pipeline          decode_qr_image(): the fast pipeline (stops at frames with no finder
                    pattern; upscaling, sharpening and ZBar on the candidate's region)

It prints the success rate per distortion and method, the number of wrong texts
(a decoded text that is not the expected one after NFC), the decode time per
frame (p50/p95/max, including greyscale conversion) and, on frames with no QR,
false positives and the time a miss costs. Then the machine and library versions.

    .venv/bin/python bench/qr.py                  # default: 25 frames per distortion
    .venv/bin/python bench/qr.py --per-kind 40 --seed 7
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import platform
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

from sadec_desk.adapters import qr_image, qr_stages
from sadec_desk.adapters.qr_image import PYZBAR, ZXING, decode_qr_image, read_with, to_grey

ROOT = Path(__file__).resolve().parent.parent


def _load_samples_module():
    # tests/ is not a package: load the shared generator by path.
    path = ROOT / "tests" / "support" / "qr_samples.py"
    spec = importlib.util.spec_from_file_location("qr_samples", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["qr_samples"] = module
    spec.loader.exec_module(module)
    return module


qr_samples = _load_samples_module()


# --------------------------------------------------------------------- methods


def _pyzbar_naive(frame) -> list[str]:
    from pyzbar import pyzbar

    return [code.data.decode("utf-8", errors="replace") for code in pyzbar.decode(frame)]


def _texts(found) -> list[str]:
    return [qr.text for qr in found]


def _pyzbar_plain(frame) -> list[str]:
    return _texts(read_with(PYZBAR, to_grey(frame)))


def _pyzbar_fallbacks(frame) -> list[str]:
    return _texts(decode_qr_image(frame, decoders=(PYZBAR,)))


def _zxing_plain(frame) -> list[str]:
    return _texts(read_with(ZXING, to_grey(frame)))


def _zxing_fallbacks(frame) -> list[str]:
    return _texts(decode_qr_image(frame, decoders=(ZXING,)))


def _zxing_stretch(frame) -> list[str]:
    grey = to_grey(frame)
    return _texts(read_with(ZXING, grey) or read_with(ZXING, qr_stages.stretch(grey)))


def _pipeline(frame) -> list[str]:
    return _texts(decode_qr_image(frame))


def _pipeline_old(frame) -> list[str]:
    # the pipeline before issue #16.6, still what explicit decoders select
    return _texts(decode_qr_image(frame, decoders=(ZXING, PYZBAR)))


METHODS: dict[str, Callable] = {
    "pyzbar-naive": _pyzbar_naive,
    "pyzbar": _pyzbar_plain,
    "pyzbar+fallbacks": _pyzbar_fallbacks,
    "zxing": _zxing_plain,
    "zxing+stretch": _zxing_stretch,
    "zxing+fallbacks": _zxing_fallbacks,
    "pipeline-old": _pipeline_old,
    "pipeline": _pipeline,
}
PYZBAR_METHODS = {"pyzbar-naive", "pyzbar", "pyzbar+fallbacks", "pipeline-old"}


# ---------------------------------------------------------------------- machine


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _zbar_version() -> str:
    try:
        from pyzbar import wrapper

        lib = wrapper.load_libzbar()
    except (ImportError, OSError) as exc:
        return f"not available ({exc})"
    major, minor, patch = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    # zbar 0.10 takes (major, minor), 0.23 takes (major, minor, patch); an
    # extra argument is harmless with the C calling convention.
    lib.zbar_version(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    return f"{major.value}.{minor.value}.{patch.value} ({getattr(lib, '_name', '?')})"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine() -> list[str]:
    return [
        f"platform: {platform.platform()} ({platform.machine()})",
        f"cpu: {_cpu_name()}, {os.cpu_count()} logical CPUs",
        f"python: {platform.python_version()} ({platform.python_implementation()})",
        f"zxing-cpp {_version('zxing-cpp')}, pyzbar {_version('pyzbar')}, "
        f"libzbar {_zbar_version()}",
        f"Pillow {_version('Pillow')}, numpy {_version('numpy')}, qrcode {_version('qrcode')}",
    ]


# ------------------------------------------------------------------------ run


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run(per_kind: int, seed: int, methods: list[str]) -> None:
    ok: dict[tuple[str, str], int] = defaultdict(int)
    wrong: dict[str, int] = defaultdict(int)
    times: dict[str, list[float]] = defaultdict(list)
    miss_times: dict[str, list[float]] = defaultdict(list)
    false_pos: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    wrong_examples: dict[str, list[str]] = defaultdict(list)
    kinds = qr_samples.KINDS

    started = time.perf_counter()
    for kind in kinds:
        for index in range(per_kind):
            sample = qr_samples.make_sample(kind, index, seed=seed)
            expected = unicodedata.normalize("NFC", sample.text)
            counts[kind] += 1
            for name in methods:
                t0 = time.perf_counter()
                texts = METHODS[name](sample.image)
                times[name].append(time.perf_counter() - t0)
                if expected in texts:
                    ok[(name, kind)] += 1
                bad = [t for t in texts if unicodedata.normalize("NFC", t) != expected]
                if bad:
                    wrong[name] += 1
                    if len(wrong_examples[name]) < 2:
                        wrong_examples[name].append(f"{expected.split('|')[2]!r} → {bad[0]!r}")
    # Frames without a code: what a miss costs, and whether anything is invented.
    blanks = max(5, per_kind // 2)
    for index in range(blanks):
        kind = kinds[index % len(kinds)]
        frame = qr_samples.make_sample(kind, index, seed=seed + 1, blank=True).image
        for name in methods:
            t0 = time.perf_counter()
            texts = METHODS[name](frame)
            miss_times[name].append(time.perf_counter() - t0)
            false_pos[name] += bool(texts)
    # What a miss costs the pipeline on larger camera frames and a phone photo.
    large: dict[tuple[int, int], float] = {}
    if "pipeline" in methods:
        blank = qr_samples.make_sample("desk", 0, seed=seed + 1, blank=True).image
        for size in ((1280, 720), (1920, 1080), (4000, 3000)):
            frame = blank.resize(size)
            t0 = time.perf_counter()
            _pipeline(frame)
            large[size] = time.perf_counter() - t0
    elapsed = time.perf_counter() - started

    total = sum(counts.values())
    width = 16
    col = max(len(m) for m in methods) + 2
    print(
        f"QR decoding of synthetic CCCD card frames (640×480), {per_kind} per distortion, "
        f"seed {seed}; success rate in %\n"
    )
    header = f"{'distortion':<{width}}" + "".join(f"{m:>{col}}" for m in methods)
    print(header)
    print("-" * len(header))
    for kind in kinds:
        row = "".join(f"{100 * ok[(m, kind)] / counts[kind]:>{col}.0f}" for m in methods)
        print(f"{kind:<{width}}{row}")
    print("-" * len(header))
    all_ok = {m: sum(ok[(m, k)] for k in kinds) for m in methods}
    print(f"{'all':<{width}}" + "".join(f"{100 * all_ok[m] / total:>{col}.1f}" for m in methods))
    label = f"read (of {total})"
    print(f"{label:<{width}}" + "".join(f"{all_ok[m]:>{col}}" for m in methods))
    print(f"{'wrong text':<{width}}" + "".join(f"{wrong[m]:>{col}}" for m in methods))
    for label, q in (("ms p50", 50), ("ms p95", 95), ("ms max", 100)):
        row = "".join(f"{1000 * _percentile(times[m], q):>{col}.1f}" for m in methods)
        print(f"{label:<{width}}{row}")
    print(f"\nframes with no QR ({blanks}):")
    print(f"{'false positives':<{width}}" + "".join(f"{false_pos[m]:>{col}}" for m in methods))
    for label, q in (("ms p50", 50), ("ms max", 100)):
        row = "".join(f"{1000 * _percentile(miss_times[m], q):>{col}.1f}" for m in methods)
        print(f"{label:<{width}}{row}")
    if large:
        print(
            "pipeline on a larger frame with no QR: "
            + ", ".join(f"{w}×{h} {1000 * t:.0f} ms" for (w, h), t in large.items())
        )
    for name, examples in wrong_examples.items():
        print(f"\nwrong texts from {name}, e.g.: " + "; ".join(examples))
    print(f"\nbench time {elapsed:.1f} s; machine:")
    for line in machine():
        print("  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=25, help="frames per distortion (25)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the synthetic set (2024)")
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help="comma-separated subset of: " + ", ".join(METHODS),
    )
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown methods: {', '.join(unknown)}")
    if PYZBAR not in qr_image.available_decoders():
        skipped = [m for m in methods if m in PYZBAR_METHODS]
        print(f"libzbar not available: skipping {', '.join(skipped)}\n")
        methods = [m for m in methods if m not in PYZBAR_METHODS]
    if args.per_kind < 1:
        parser.error("--per-kind must be at least 1")
    run(args.per_kind, args.seed, methods)
    return 0


if __name__ == "__main__":
    sys.exit(main())
