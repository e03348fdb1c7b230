"""Kiosk submissions: normalising and storing scanned pages, uploading them to the portal.

    .venv/bin/python bench/attachments.py [--pages 10] [--submissions 100] [--repeated 3]

1. Store: one submission of --pages A4 scans at 300 dpi (greyscale PNG, as `scanimage
   --format=png` gives them, each slightly skewed inside a dark scanner border) is
   normalised and stored through `services.pages.dossier_pages.add_page` (deskew, crop,
   downscale, JPEG, content-addressed file + rows): time per page and per submission,
   bytes per page before and after. Baseline in the same run: storing the raw scan
   bytes as they come (SHA-256 + write + fsync + rename), i.e. without normalising.
2. Upload: --submissions kiosk dossiers of --pages pages each are pushed to the
   reference portal (`sadec-desk portal serve` in a subprocess on 127.0.0.1) by the
   sync engine: pages go up in chunks (`sync.chunk_bytes`), then the dossier ops.
   Run (a): every page distinct. Run (b): --repeated pages of every submission are
   the same for all submissions (papers many citizens hand in identically), so the
   dedup by hash sends them once. Figures: page MB handed to sync per second, bytes
   actually sent. Baseline in the same run: the same page bytes PUT one request each
   to a bare waitress WSGI sink (no hashing, no database, no chunking) — the cost of
   moving those bytes over loopback HTTP at all.

Targets: none are set by the issue; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchutil import card, describe, machine

A4_300DPI = (2480, 3508)
PROCEDURE = "1.001193"  # birth registration: a form and a birth certificate


# --- synthetic scans ------------------------------------------------------------------


def _font(size: int):
    from PIL import ImageFont

    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def synthetic_scan(seed: int) -> bytes:
    """An A4 page at 300 dpi as a flatbed gives it: text lines, noise, 1-2° skew, border."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    page = Image.new("L", (A4_300DPI[0] - 160, A4_300DPI[1] - 200), 250)
    draw = ImageDraw.Draw(page)
    font, bold = _font(42), _font(60)
    draw.text((page.width // 2, 160), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold,
              fill=20, anchor="mm")
    words = ("Họ", "chữ", "đệm", "và", "tên", "ngày", "tháng", "năm", "sinh", "nơi", "cư",
             "trú", "Đồng", "Tháp", "Sa", "Đéc", "phường", "giấy", "chứng", "số", "cấp")
    y = 320
    while y < page.height - 220:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(6, 14)))
        draw.text((180, y), f"{line} {rng.randint(1, 99999):05d}", font=font, fill=30)
        y += rng.randint(70, 110)
    page = page.filter(ImageFilter.GaussianBlur(0.6))  # optics
    noise = Image.effect_noise(page.size, 10).point(lambda v: v // 8)
    page = Image.blend(page, noise, 0.06)
    page = page.rotate(rng.uniform(-2, 2), resample=Image.BICUBIC, expand=True, fillcolor=250)
    scan = Image.new("L", A4_300DPI, 35)  # the scanner lid's dark border
    scan.paste(page, ((A4_300DPI[0] - page.width) // 2 + rng.randint(-20, 20),
                      (A4_300DPI[1] - page.height) // 2 + rng.randint(-20, 20)))
    out = io.BytesIO()
    scan.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def raw_store(directory: Path, data: bytes) -> int:
    """The baseline: a content-addressed write of the bytes as they are."""
    sha = hashlib.sha256(data).hexdigest()
    path = directory / sha[:2] / f"{sha}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return len(data)


# --- part 1: normalise and store ------------------------------------------------------


def bench_store(workdir: Path, scans: list[bytes]) -> None:
    os.environ["SADEC_DESK_CONFIG"] = str(workdir / "store" / "config.toml")
    os.environ["SADEC_DESK_DATA_DIR"] = str(workdir / "store" / "data")
    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import load_config, save_setting
    from sadec_desk.services.pages import dossier_pages

    save_setting("office.agency_code", "000.00.14.H20")
    ctx = open_context(load_config())
    try:
        times, sizes = [], []
        rounds = 3
        per_submission = []
        for r in range(rounds):
            draft = str(uuid.uuid4())
            started = time.perf_counter()
            for scan in scans:
                t0 = time.perf_counter()
                page = dossier_pages.add_page(ctx, scan, paper_index=1,
                                              paper_name="Giấy chứng sinh", source="scanner",
                                              draft=draft)
                times.append(time.perf_counter() - t0)
                if r == 0:
                    sizes.append(page.size)
            per_submission.append(time.perf_counter() - started)
            if r < rounds - 1:
                dossier_pages.discard_draft(ctx, draft)  # the next round stores afresh
        base_dir = workdir / "raw-store"
        base_times = []
        for _ in range(rounds):
            for scan in scans:
                t0 = time.perf_counter()
                raw_store(base_dir, scan)
                base_times.append(time.perf_counter() - t0)
        raw = [len(s) for s in scans]
        print(describe("normalise + store one page", times, with_max=True))
        print(describe("baseline: store the raw scan as it is", base_times, with_max=True))
        print(f"one submission of {len(scans)} pages: median "
              f"{statistics.median(per_submission):.2f} s (of {rounds} runs)")
        print(f"bytes per page: scan {statistics.mean(raw) / 1e6:.2f} MB (PNG, 300 dpi) -> "
              f"stored {statistics.mean(sizes) / 1e3:.0f} kB (median "
              f"{statistics.median(sizes) / 1e3:.0f} kB, max {max(sizes) / 1e3:.0f} kB), "
              f"{statistics.mean(raw) / statistics.mean(sizes):.0f}x smaller")
    finally:
        ctx.close()


# --- part 2: upload ----------------------------------------------------------------------


def page_variants(normalised: list[bytes], count: int, seed: int) -> list[bytes]:
    """``count`` distinct normalised-looking pages: a stored page with a stamp drawn on
    it, re-encoded the way normalise_page encodes (cheaper than normalising anew)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    out = []
    for i in range(count):
        image = Image.open(io.BytesIO(normalised[i % len(normalised)]))
        image.load()
        draw = ImageDraw.Draw(image)
        draw.text((40 + rng.randint(0, 400), 40 + rng.randint(0, 400)),
                  f"{seed}-{i}-{rng.random():.12f}", fill=0, font=_font(28))
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=75, optimize=True)
        out.append(buf.getvalue())
    return out


class Sink:
    """A bare WSGI app under waitress that reads and drops request bodies."""

    def __init__(self):
        import waitress.server

        def app(environ, start_response):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            stream = environ["wsgi.input"]
            while length > 0:
                length -= len(stream.read(min(length, 1 << 16)) or b"x" * length)
            start_response("204 No Content", [])
            return [b""]

        self.server = waitress.server.create_server(app, host="127.0.0.1", port=0,
                                                    threads=2)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.server.run()
        except OSError:
            pass  # close() pulled the socket from under the loop: that is the stop

    def close(self):
        logging.getLogger("waitress").setLevel(logging.CRITICAL)
        self.server.close()
        self.thread.join(5)


def _load_sync_bench():
    """bench/sync.py's portal launcher and enrolled office (it is a script, not a module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("syncbench", Path(__file__).parent / "sync.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_upload(workdir: Path, normalised: list[bytes], args) -> None:
    import httpx

    syncbench = _load_sync_bench()
    proc, url = syncbench.start_portal(workdir)
    admin = httpx.Client(base_url=url + "/v1/admin",
                         headers={"X-Admin-Key": syncbench.ADMIN_KEY}, timeout=120)
    try:
        shared = page_variants(normalised, args.repeated, seed=999)
        # (the office names differ in length: bench/sync.py derives the agency code from it)
        for name, label, repeated in (
                ("distinct", "(a) every page distinct", 0),
                ("repeated-pages", f"(b) {args.repeated} of {args.pages} pages the same in every "
                 "submission", args.repeated)):
            office = syncbench.Office(workdir, name, url, admin, 500)
            from sadec_desk.db.attachment_models import PageBlob
            from sadec_desk.db.models import Dossier
            from sadec_desk.services.pages import dossier_pages
            from sadec_desk.services.reception import dossiers
            from sadec_desk.sync import engine

            distinct = page_variants(normalised, args.submissions * (args.pages - repeated),
                                     seed=repeated)
            logical = 0
            for s in range(args.submissions):
                office.tick = s
                pages = shared[:repeated] + distinct[s * (args.pages - repeated):
                                                     (s + 1) * (args.pages - repeated)]
                draft = str(uuid.uuid4())  # a kiosk draft id
                for data in pages:
                    dossier_pages.add_page(office.ctx, data, paper_index=1,
                                           paper_name="Giấy chứng sinh", source="scanner",
                                           draft=draft)
                logical += sum(p.size for p in dossier_pages.draft_pages(office.ctx, draft))
                with office.ctx.database.atomic():
                    info = dossiers.receive_dossier(office.ctx, procedure_code=PROCEDURE,
                                                    qr_text=card(s), channel="kiosk")
                    dossier_pages.attach_draft(office.ctx, draft,
                                               Dossier.get(Dossier.uuid == info.uuid).id)
            stored = sum(b.size for b in PageBlob.select(PageBlob.size))
            started = time.perf_counter()
            report = engine.run_once(office.ctx, force=True)
            took = time.perf_counter() - started
            assert not report.error, report.error
            left = PageBlob.select().where(PageBlob.uploaded_at.is_null()).count()
            assert left == 0, f"{left} pages not uploaded"
            sent = report.page_bytes_sent
            print(f"upload {label}: {args.submissions} submissions, "
                  f"{logical / 1e6:.1f} MB of pages ({stored / 1e6:.1f} MB distinct, "
                  f"{sent / 1e6:.1f} MB sent, {report.pages_uploaded} files) in {took:.2f} s "
                  f"= {logical / 1e6 / took:.1f} MB/s of pages, {sent / 1e6 / took:.1f} MB/s "
                  "on the wire")
            assert sent == stored, "a page went twice, or one is missing"
            office.ctx.close()

        sink = Sink()
        try:
            body = page_variants(normalised, args.pages, seed=7)
            total = 0
            with httpx.Client(base_url=sink.url, timeout=60) as client:
                started = time.perf_counter()
                for _ in range(args.submissions):
                    for data in body:
                        client.put("/blob", content=data).raise_for_status()
                        total += len(data)
                took = time.perf_counter() - started
            print(f"baseline: the same {total / 1e6:.1f} MB PUT one request per page to a bare "
                  f"waitress sink: {took:.2f} s = {total / 1e6 / took:.1f} MB/s")
        finally:
            sink.close()
    finally:
        admin.close()
        proc.terminate()
        proc.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--repeated", type=int, default=3)
    args = parser.parse_args()
    if not 0 <= args.repeated < args.pages:
        parser.error("--repeated must be between 0 and --pages - 1")
    sys.path.insert(0, str(Path(__file__).parent))
    workdir = Path(tempfile.mkdtemp(prefix="sadec-attach-bench-"))
    print("machine:", machine("Pillow", "numpy", "peewee", "httpx", "waitress"))
    print("work dir:", workdir)
    started = time.perf_counter()
    scans = [synthetic_scan(i) for i in range(args.pages)]
    print(f"made {len(scans)} synthetic A4 300 dpi scans in {time.perf_counter() - started:.1f} s")
    bench_store(workdir, scans)
    from sadec_desk.adapters.imaging import normalise_page

    normalised = [normalise_page(s).data for s in scans]
    bench_upload(workdir, normalised, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
