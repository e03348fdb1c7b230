"""A PNG file decoded in about the time of its unfiltering alone (issue #16 item 5).

Pillow's PNG decoder inflates the image data (zlib) and unfilters each row in one serial
pass; here a second thread inflates while Pillow unfilters the rows already inflated
(:func:`load_overlapped`): a 300 dpi A4 scan's decode 58-64 ms against Pillow's 82-85 ms
(docs/benchmarks.md, "Faster pages"). Used by adapters/imaging.open_image; any failure
falls back to Pillow's plain decode, so what a damaged file gives stays Pillow's.
"""

from __future__ import annotations

import bisect
import io
import math
import struct
import threading
import zlib
from typing import IO, cast

from PIL import Image

#: a PNG of at least this many pixels is inflated on a second thread
#: while Pillow unfilters the rows already inflated (:func:`load_overlapped`), when
#: the machine has a second core; a smaller one is decoded as it is (threads cost more
#: than they save)
PNG_OVERLAP_MIN_PIXELS = 1_000_000
#: ... and at most this many bytes of rows (the inflated copy is held while Pillow
#: reads it): an A4 page in colour at 400 dpi; a bigger PNG is decoded the plain way
PNG_OVERLAP_MAX_RAW = 64_000_000


def load_png(image: Image.Image, data: bytes, *, overlap: bool) -> Image.Image:
    """``image`` (a PNG opened from ``data``, not yet loaded) loaded: overlapped (see
    :func:`load_overlapped`) when ``overlap`` (a second core) and the size make that pay,
    else as Pillow does it. Any failure of the overlapped decode (a broken, truncated or
    odd file) leaves the answer to the plain one, so errors, and what a damaged file
    gives, stay exactly Pillow's."""
    layout = None
    if (overlap and image.width * image.height >= PNG_OVERLAP_MIN_PIXELS
            and not getattr(image, "is_animated", False)):
        layout = png_layout(data)
    if layout is not None:
        try:
            return load_overlapped(data, *layout)
        except Exception:  # the plain decode below reports it as it always did
            pass
    image.load()
    return image


def png_layout(data: bytes) -> tuple[list[tuple[int, int]], int] | None:
    """Where the IDAT chunks of a PNG lie in ``data`` ((start, end) of each chunk, all in
    one run as the format requires) and how many bytes their data inflates to; None for
    a file the overlapped decode leaves to the plain one: chunks not laid out so, an
    interlaced image (rare in scans), or more than :data:`PNG_OVERLAP_MAX_RAW` bytes."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack_from(">IIBBBBB", data, 16)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None or interlace != 0:
        return None
    raw_size = height * (1 + (width * channels * depth + 7) // 8)
    if raw_size > PNG_OVERLAP_MAX_RAW:
        return None
    idats: list[tuple[int, int]] = []
    pos = 8
    while pos + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > len(data):
            return None
        if kind == b"IDAT":
            if idats and idats[-1][1] != pos:
                return None  # IDAT chunks apart from each other
            idats.append((pos, end))
        elif kind == b"IEND":
            break
        pos = end
    return (idats, raw_size) if idats else None


def load_overlapped(data: bytes, idats: list[tuple[int, int]], raw_size: int
                         ) -> Image.Image:
    """The PNG ``data`` decoded by Pillow, in about the time of its unfiltering alone.

    Pillow's PNG decoder inflates the image data (zlib) and unfilters each row (mostly
    Paeth, which needs the row before) in one serial pass; inflating is ~40 % of it. Here
    a second thread inflates the data with Python's zlib (which releases the GIL) and
    hands it on as *stored* (uncompressed) deflate blocks in IDAT chunks of the same PNG,
    so Pillow's decoder, reading them from a :class:`_GrowingStream` as they come, only
    copies and unfilters: the two halves of the work run at once. Pillow still parses
    every chunk and decodes every row, so the image (mode, palette, transparency, text,
    EXIF) is the plain decode's, pixel for pixel (tests/adapters/test_imaging.py checks
    it for every PNG colour type). Raises when the inflating thread gave up on the file
    (its zlib stream broken, cut short or longer than the rows)."""
    stream = _GrowingStream()
    stream.append(data[:idats[0][0]])  # signature and the chunks before the image data
    inflater = threading.Thread(target=_inflate_to_stored,
                                args=(data, idats, raw_size, stream), name="sadec-png",
                                daemon=True)
    inflater.start()
    try:
        image = Image.open(cast(IO[bytes], stream), formats=("PNG",))
        image.load()
    finally:
        stream.cancel()
        inflater.join()
    if stream.abandoned:
        raise OSError("the PNG's image data did not inflate to its rows")
    return image


#: raw bytes handed on at a time (~1 ms of inflating: the unfiltering starts at once)
#: and compressed bytes inflated at a time (a bound on each step's output and copies)
_STORED_PIECE = 1 << 18
_COMPRESSED_STEP = 1 << 16
_STORED_BLOCK = 65535  # the most one stored deflate block holds
_IDAT_CRC = zlib.crc32(b"IDAT")


def _inflate_to_stored(data: bytes, idats: list[tuple[int, int]], raw_size: int,
                       stream: _GrowingStream) -> None:
    """The producer of :func:`load_overlapped`: the IDAT data of ``data`` inflated
    and appended to ``stream`` as IDAT chunks holding a zlib stream of stored blocks, then
    the chunks after the image data. A zlib stream that is broken, ends early or holds
    more than the ``raw_size`` bytes of the rows abandons ``stream`` instead (at most
    one step, :data:`_STORED_PIECE` bytes, is inflated beyond ``raw_size``)."""
    view = memoryview(data)
    try:
        inflater = zlib.decompressobj()
        pending: list[bytes] = []
        pending_size = done = 0
        tail = b""  # the last 4 compressed bytes taken: the zlib trailer, at its end
        header = b"\x78\x01"  # zlib header: deflate, 32 KiB window, no dictionary
        for start, end in idats:
            for step in range(start + 8, end - 4, _COMPRESSED_STEP):
                compressed: bytes | memoryview = view[step:min(end - 4,
                                                               step + _COMPRESSED_STEP)]
                while compressed and not inflater.eof:
                    if stream.cancelled:
                        return
                    raw = inflater.decompress(compressed, _STORED_PIECE)
                    left = inflater.unconsumed_tail or inflater.unused_data
                    taken = len(compressed) - len(left)
                    tail = (tail + bytes(compressed[max(0, taken - 4):taken]))[-4:]
                    compressed = inflater.unconsumed_tail
                    pending.append(raw)
                    pending_size += len(raw)
                    if done + pending_size > raw_size:
                        stream.abandon()  # more data than rows
                        return
                    if pending_size >= _STORED_PIECE:
                        stream.append(_idat_chunk(header + _stored_blocks(b"".join(pending))))
                        header, done, pending, pending_size = b"", done + pending_size, [], 0
        if not inflater.eof or done + pending_size != raw_size:
            stream.abandon()  # the stream ends before the rows do
            return
        # the last stored block (empty), then the Adler-32 of the raw data: the original's
        # trailer, which zlib has just checked against the same raw data
        final = _stored_blocks(b"".join(pending)) + b"\x01\x00\x00\xff\xff" + tail
        stream.append(_idat_chunk(header + final))
        stream.append(view[idats[-1][1]:])  # the chunks after the image data, IEND
    except Exception:  # zlib.error for a broken stream: the plain decode reports it
        stream.abandon()
    finally:
        stream.finish()


def _stored_blocks(raw: bytes) -> bytes:
    view = memoryview(raw)
    parts: list[bytes | memoryview] = []
    for start in range(0, len(raw), _STORED_BLOCK):
        block = view[start:start + _STORED_BLOCK]
        parts += (struct.pack("<BHH", 0, len(block), len(block) ^ 0xFFFF), block)
    return b"".join(parts)


def _idat_chunk(body: bytes) -> bytes:
    return b"".join((struct.pack(">I4s", len(body), b"IDAT"), body,
                     struct.pack(">I", zlib.crc32(body, _IDAT_CRC))))


class _GrowingStream:
    """A read-only binary file whose bytes another thread appends: ``read`` and ``seek``
    wait until the bytes they need are there or the writer has finished (a read then
    returns what there is, short, as at the end of a file). When the writer gave up
    (:meth:`abandon`), reads past what it wrote raise OSError."""

    def __init__(self) -> None:
        self._pieces: list[bytes | memoryview] = []
        self._starts: list[int] = []
        self._size = 0
        self._finished = False
        self.abandoned = False
        self.cancelled = False
        self._ready = threading.Condition()
        self._pos = 0
        self._piece = 0  # the piece self._pos lies in, and where in it
        self._offset = 0

    def append(self, piece: bytes | memoryview) -> None:
        with self._ready:
            self._pieces.append(piece)
            self._starts.append(self._size)
            self._size += len(piece)
            self._ready.notify_all()

    def abandon(self) -> None:
        self.abandoned = True

    def finish(self) -> None:
        with self._ready:
            self._finished = True
            self._ready.notify_all()

    def cancel(self) -> None:
        """The reader is done (or failed): the writer may stop."""
        self.cancelled = True

    def _wait_for(self, end: float) -> None:
        with self._ready:
            while self._size < end and not self._finished:
                self._ready.wait()
        if self._size < end and self.abandoned:
            raise OSError("the PNG's image data did not inflate to its rows")

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            pos += self._pos
        elif whence == io.SEEK_END:
            self._wait_for(math.inf)
            pos += self._size
        if pos < 0:
            raise ValueError("negative seek position")
        self._wait_for(pos)
        self._pos = pos
        self._piece = max(0, bisect.bisect_right(self._starts, pos) - 1)
        self._offset = pos - (self._starts[self._piece] if self._starts else 0)
        return pos

    def read(self, size: int = -1) -> bytes:
        wanted = size if size >= 0 else 1 << 62
        self._wait_for(self._pos + wanted if size >= 0 else math.inf)
        parts: list[bytes] = []
        while wanted and self._piece < len(self._pieces):
            piece = self._pieces[self._piece]
            part = bytes(piece[self._offset:self._offset + wanted])
            parts.append(part)
            wanted -= len(part)
            self._offset += len(part)
            self._pos += len(part)
            if self._offset >= len(piece):
                self._piece += 1
                self._offset = 0
        return parts[0] if len(parts) == 1 else b"".join(parts)
