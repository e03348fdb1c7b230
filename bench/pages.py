"""Normalising one scanned page (issue #16.5): the pipeline now against the one before.

    .venv/bin/python bench/pages.py [--pages 5] [--rounds 3]

--pages synthetic A4 scans at 300 dpi (greyscale PNG inside a dark scanner border,
1-2° askew: bench/attachments.synthetic_scan) are normalised, interleaved in the same
run, by imaging.normalise_page and by the algorithm before #16.5 (frozen in
tests/support/page_reference.py). Printed: median and max per page (wall clock, and
the process's CPU time, which a machine shared with other work inflates less), and the
decoding of the PNG alone, the floor of any normalisation. Target: <= 150 ms median.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "support")]

from attachments import synthetic_scan  # noqa: E402
from benchutil import machine  # noqa: E402
from page_reference import reference_normalise_page  # noqa: E402
from PIL import Image  # noqa: E402

from sadec_desk.adapters.imaging import normalise_page  # noqa: E402


def _decode_only(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.pages < 1 or args.rounds < 1:
        parser.error("--pages and --rounds must be at least 1")
    print("machine:", machine("Pillow", "numpy"))
    scans = [synthetic_scan(i) for i in range(args.pages)]
    methods = {"now: normalise_page": normalise_page,
               "before #16.5: reference_normalise_page": reference_normalise_page,
               "floor: decoding the PNG alone": _decode_only}
    wall: dict[str, list[float]] = {name: [] for name in methods}
    cpu: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.rounds):
        for scan in scans:
            for name, run in methods.items():  # interleaved: the same load for all
                w, c = time.perf_counter(), time.process_time()
                run(scan)
                wall[name].append(time.perf_counter() - w)
                cpu[name].append(time.process_time() - c)
    print(f"{len(scans)} A4 300 dpi scans x {args.rounds} rounds "
          f"({sum(map(len, scans)) / len(scans) / 1e6:.1f} MB PNG each)")
    for name in methods:
        print(f"{name:42s} wall median {1000 * statistics.median(wall[name]):6.0f} ms "
              f"max {1000 * max(wall[name]):6.0f} ms | CPU median "
              f"{1000 * statistics.median(cpu[name]):6.0f} ms")
    now, before = (statistics.median(cpu[n]) for n in list(methods)[:2])
    print(f"now / before (CPU medians): {now / before:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
