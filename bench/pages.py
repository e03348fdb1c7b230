"""Normalising one scanned page (issue #16.5): the pipeline now against the one before.

    nice .venv/bin/python bench/pages.py [--pages 5] [--rounds 3] [--against REV]

--pages synthetic A4 scans at 300 dpi (greyscale, inside a dark scanner border, 1-2°
askew: bench/attachments.synthetic_scan) are normalised, interleaved in the same run
(every method meets the same load):

- now, from the scanner's raster: the page as ``scanimage --format=pnm`` gives it (P5,
  8.7 MB), which is what the kiosk and the counter's scan button now get
  (adapters/scanner.py), with the resampling on TRANSFORM_THREADS threads and on one;
- the kiosk's whole path for that raster: decoded once, the blank-page check
  (services/kiosk/page_checks.py), then normalised;
- now, from a PNG file (a USB stick, a phone, the CLI): its decode is most of the
  difference from the scanner's raster;
- before #16.5: the algorithm before (tests/support/page_reference.py), from the PNG;
- decoding the PNG alone, as Pillow does it (one thread, inflate and unfilter in one
  pass), and as adapters/imaging.open_image now does it (inflated on a second thread
  while Pillow unfilters, when TRANSFORM_THREADS > 1);
- with ``--against REV`` (a git revision, e.g. ``HEAD~1``): adapters/imaging.py as it was
  at REV, loaded beside the current one, on the scanner's PNM on 1 and TRANSFORM_THREADS
  threads and on the PNG file: the before/after of a change to the pipeline in the same
  run.

Printed: median and max per page (wall clock, and the process's CPU time, which a
machine shared with other work inflates less), the load average before and after, and
which rows meet the target: <= 150 ms median (wall) per page.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "support")]

from attachments import synthetic_scan  # noqa: E402
from benchutil import machine  # noqa: E402
from page_reference import reference_normalise_page  # noqa: E402
from PIL import Image  # noqa: E402

from sadec_desk.adapters import imaging  # noqa: E402
from sadec_desk.services.kiosk import page_checks  # noqa: E402

TARGET_MS = 150


def as_pnm(png: bytes) -> bytes:
    """The same page as scanimage --format=pnm writes it (binary P5 greyscale)."""
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).save(out, "PPM")
    return out.getvalue()


def _decode_only(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()


def _one_thread(data: bytes, module: ModuleType = imaging) -> None:
    threads = module.TRANSFORM_THREADS
    module.TRANSFORM_THREADS = 1
    try:
        module.normalise_page(data)
    finally:
        module.TRANSFORM_THREADS = threads


def imaging_at(revision: str) -> ModuleType:
    """sadec_desk/adapters/imaging.py as it was at a git ``revision``, as its own module."""
    source = subprocess.run(
        ["git", "show", f"{revision}:sadec_desk/adapters/imaging.py"], cwd=HERE.parent,
        check=True, capture_output=True).stdout
    with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as file:
        file.write(source)
    name = "imaging_at_" + "".join(c if c.isalnum() else "_" for c in revision)
    spec = importlib.util.spec_from_file_location(name, file.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    os.unlink(file.name)
    return module


def _kiosk(data: bytes) -> None:
    page = imaging.decode_page(data)
    page_checks.refuse_blank(page, "scanner")
    imaging.normalise_page(page)


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", metavar="REV",
                        help="also time adapters/imaging.py as it was at this git revision")
    args = parser.parse_args()
    if args.pages < 1 or args.rounds < 1:
        parser.error("--pages and --rounds must be at least 1")
    print("machine:", machine("Pillow", "numpy"))
    pngs = [synthetic_scan(i) for i in range(args.pages)]
    pnms = [as_pnm(png) for png in pngs]
    # (name, function, which input, a "now" row that the target applies to)
    methods: list[tuple[str, Callable[[bytes], object], str, bool]] = [
        (f"now: scanner's PNM, {imaging.TRANSFORM_THREADS} threads", imaging.normalise_page,
         "pnm", True),
        ("now: scanner's PNM, 1 thread", _one_thread, "pnm", True),
        ("now: kiosk, PNM + blank check, decoded once", _kiosk, "pnm", True),
        ("now: PNG file", imaging.normalise_page, "png", True),
        ("before #16.5: reference, PNG file", reference_normalise_page, "png", False),
        ("decoding the PNG: Pillow alone, one thread", _decode_only, "png", False),
        ("now: decoding the PNG: open_image", imaging.open_image, "png", False),
    ]
    if args.against:
        old = imaging_at(args.against)
        methods += [
            (f"{args.against}: scanner's PNM, {old.TRANSFORM_THREADS} threads",
             old.normalise_page, "pnm", False),
            (f"{args.against}: scanner's PNM, 1 thread",
             lambda data: _one_thread(data, old), "pnm", False),
            (f"{args.against}: PNG file", old.normalise_page, "png", False),
        ]
    wall: dict[str, list[float]] = {m[0]: [] for m in methods}
    cpu: dict[str, list[float]] = {m[0]: [] for m in methods}
    print("before:", _load())
    for _ in range(args.rounds):
        for png, pnm in zip(pngs, pnms, strict=True):
            for name, run, kind, _now in methods:  # interleaved: the same load for all
                data = pnm if kind == "pnm" else png
                w, c = time.perf_counter(), time.process_time()
                run(data)
                wall[name].append(time.perf_counter() - w)
                cpu[name].append(time.process_time() - c)
    print("after: ", _load())
    print(f"{len(pngs)} A4 300 dpi scans x {args.rounds} rounds "
          f"(PNG {sum(map(len, pngs)) / len(pngs) / 1e6:.1f} MB, "
          f"PNM {sum(map(len, pnms)) / len(pnms) / 1e6:.1f} MB each)")
    for name, _run, _kind, now in methods:
        median = 1000 * statistics.median(wall[name])
        verdict = ("" if not now else
                   f"  target <= {TARGET_MS} ms: {'met' if median <= TARGET_MS else 'NOT met'}")
        print(f"{name:50s} wall median {median:6.0f} ms max {1000 * max(wall[name]):6.0f} ms"
              f" | CPU median {1000 * statistics.median(cpu[name]):6.0f} ms{verdict}")
    before = statistics.median(cpu[methods[4][0]])
    for name in (methods[0][0], methods[3][0]):
        print(f"{name} / before (CPU medians): {statistics.median(cpu[name]) / before:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
