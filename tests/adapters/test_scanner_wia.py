"""WIA scanning (Windows) with stand-ins for pywin32's ``pythoncom`` and ``win32com.client``
(issue #19 item 5): each call on its own thread with COM initialised there, a timeout, the
page asked for as BMP and handed on as PNG, driver errors as sentences."""

from __future__ import annotations

import io
import sys
import threading
import time
import types
from types import SimpleNamespace

import pytest
from PIL import Image

from sadec_desk.adapters import scanner

SCANNER_ID = "{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}\\0000"


class ComError(Exception):
    """pywintypes.com_error: (hresult, text, excepinfo, argerr)."""


def bmp_page() -> bytes:
    out = io.BytesIO()
    Image.new("L", (40, 30), 200).save(out, "BMP")
    return out.getvalue()


class FakeWia:
    """WIA.DeviceManager with one scanner; records the thread of every COM call."""

    def __init__(self):
        self.threads: set[int] = set()
        self.formats: list[str] = []
        self.properties: dict[str, object] = {}
        self.transfer_error: Exception | None = None
        self.transfer_data: bytes | None = None  # None: a BMP page
        self.hang = threading.Event()
        self.hanging = False

    def seen(self):
        self.threads.add(threading.get_ident())

    # DeviceManager
    @property
    def DeviceInfos(self):  # noqa: N802 - WIA's names
        self.seen()
        wia = self

        class Infos:
            Count = 1

            def __call__(self, index):
                return wia.info()

        return Infos()

    def info(self):
        wia = self

        def props(name):
            return SimpleNamespace(Value={"Manufacturer": "Canon", "Name": "LiDE 300"}[name])

        def connect():
            wia.seen()
            return SimpleNamespace(Items=lambda n: wia.item())

        return SimpleNamespace(Type=1, DeviceID=SCANNER_ID, Properties=props, Connect=connect)

    def item(self):
        wia = self

        class Prop:
            def __init__(self, name):
                self.name = name

            @property
            def Value(self):  # noqa: N802
                return wia.properties.get(self.name)

            @Value.setter
            def Value(self, value):  # noqa: N802
                wia.properties[self.name] = value

        def transfer(fmt):
            wia.seen()
            wia.formats.append(fmt)
            if wia.hanging:
                wia.hang.wait(30)
            if wia.transfer_error is not None:
                raise wia.transfer_error
            data = bmp_page() if wia.transfer_data is None else wia.transfer_data
            return SimpleNamespace(FileData=SimpleNamespace(BinaryData=data))

        return SimpleNamespace(Properties=Prop, Transfer=transfer)


@pytest.fixture
def wia(monkeypatch):
    fake = FakeWia()
    com = types.ModuleType("pythoncom")
    com.calls = []
    com.CoInitialize = lambda: com.calls.append(("init", threading.get_ident()))
    com.CoUninitialize = lambda: com.calls.append(("uninit", threading.get_ident()))
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda name: fake if name == "WIA.DeviceManager" else None
    package = types.ModuleType("win32com")
    package.client = client
    monkeypatch.setitem(sys.modules, "pythoncom", com)
    monkeypatch.setitem(sys.modules, "win32com", package)
    monkeypatch.setitem(sys.modules, "win32com.client", client)
    fake.com = com
    yield fake
    fake.hang.set()


def ctx(timeout: int = 10):
    return SimpleNamespace(config={"scanning.timeout_seconds": timeout,
                                   "scanning.resolution": 200, "scanning.device": ""})


def test_scan_runs_on_its_own_com_thread_and_gives_the_bmp_as_it_came(wia):
    data = scanner.WiaDriver().scan(ctx(), "")
    assert data == bmp_page()  # not re-encoded: the page is decoded once, when normalised
    with Image.open(io.BytesIO(data)) as page:
        assert page.format == "BMP" and page.size == (40, 30)
    assert wia.formats == ["{B96B3CAB-0728-11D3-9D7B-0000F81EF32E}"]  # wiaFormatBMP
    assert wia.properties == {"6146": 2, "6147": 200, "6148": 200}  # grey, 200 dpi
    # every COM call on one thread that is not the caller's, initialised and released there
    [thread] = wia.threads
    assert thread != threading.get_ident()
    assert wia.com.calls == [("init", thread), ("uninit", thread)]


def test_listing_uses_a_com_thread_too(wia):
    [found] = scanner.WiaDriver().available(ctx())
    assert (found.device, found.label, found.driver) == (SCANNER_ID, "Canon LiDE 300", "wia")
    assert threading.get_ident() not in wia.threads and len(wia.com.calls) == 2


def test_hanging_driver_times_out_with_a_sentence(wia):
    wia.hanging = True
    started = time.monotonic()
    with pytest.raises(scanner.ScannerUnavailable) as failure:
        scanner.WiaDriver().scan(ctx(timeout=1), "")
    assert time.monotonic() - started < 5
    assert failure.value.code == "scanner_timeout" and "1 giây" in str(failure.value)


@pytest.mark.parametrize(("hresult", "code", "words"), [
    (0x80210003, "scanner_no_paper", "không có giấy"),
    (0x80210002, "scanner_jammed", "kẹt"),
    (0x80210006, "scanner_busy", "đang bận"),
    (0x80210016, "scanner_cover_open", "Nắp"),
])
def test_driver_errors_are_sentences(wia, hresult, code, words):
    wia.transfer_error = ComError(-2147352567, "Exception occurred.",
                                  (0, None, None, None, 0, hresult - (1 << 32)), None)
    with pytest.raises(scanner.ScannerUnavailable) as failure:
        scanner.WiaDriver().scan(ctx(), "")
    assert failure.value.code == code and words in str(failure.value)
    assert "chụp ảnh" in str(failure.value)  # the kiosk can always go on


def test_a_transfer_that_is_no_picture_is_a_sentence(wia):
    wia.transfer_data = b"garbage from a broken driver"
    with pytest.raises(scanner.ScannerUnavailable) as failure:
        scanner.WiaDriver().scan(ctx(), "")
    assert failure.value.code == "scanner_failed" and "không phải ảnh" in str(failure.value)


def test_unknown_device_is_a_sentence(wia):
    with pytest.raises(scanner.ScannerUnavailable) as failure:
        scanner.WiaDriver().scan(ctx(), "{nothing}")
    assert failure.value.code == "scanner_missing"


def test_without_pywin32_a_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "pythoncom", None)
    with pytest.raises(scanner.ScannerUnavailable) as failure:
        scanner.WiaDriver().scan(ctx(), "")
    assert "pywin32" in str(failure.value)


def test_as_png_refuses_what_is_no_picture():
    assert scanner.as_png(bmp_page()).startswith(scanner.PNG_SIGNATURE)
    with pytest.raises(scanner.ScannerUnavailable):
        scanner.as_png(b"not a picture")
