"""Every path that reads a file a person picks goes through files.read_bounded (#14 items 10
and 11): a 3 GB sparse file, /dev/zero, a FIFO, a directory and a symlink to a device are
refused at once with a sentence, and nothing is stored — through the CLI (``pages add``,
``citizen scan``), the counter's file pages and the kiosk's file step."""

from __future__ import annotations

import os
import time

import pytest
from appfixtures import SAMPLE_QR, run_cli

from sadec_desk.db.attachment_models import DossierPage
from sadec_desk.errors import UserError
from sadec_desk.services.kiosk import submission
from sadec_desk.services.reception import dossiers, papers

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev")


@pytest.fixture
def hostile(tmp_path):
    """name -> path of each hostile input."""
    sparse = tmp_path / "huge.png"
    with open(sparse, "wb") as out:
        out.truncate(3 * 1024 ** 3)
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    link = tmp_path / "zero.jpg"
    link.symlink_to("/dev/zero")
    folder = tmp_path / "folder.png"
    folder.mkdir()
    return {"sparse 3 GB": sparse, "/dev/zero": "/dev/zero", "fifo": fifo,
            "symlink to a device": link, "directory": folder}


KINDS = ["sparse 3 GB", "/dev/zero", "fifo", "symlink to a device", "directory"]


def _pages() -> int:
    return DossierPage.select().count()


@pytest.mark.parametrize("kind", KINDS)
def test_cli_pages_add_refuses_with_a_sentence(ctx, capsys, hostile, kind):
    code = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR).code
    start = time.monotonic()
    exit_code, _out, err = run_cli(capsys, "pages", "add", code, "--paper", "1",
                                   str(hostile[kind]))
    assert exit_code == 2 and "Traceback" not in err and str(hostile[kind]) in err
    assert time.monotonic() - start < 5
    assert _pages() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_cli_citizen_scan_refuses_with_a_sentence(capsys, hostile, kind):
    start = time.monotonic()
    exit_code, _out, err = run_cli(capsys, "citizen", "scan", str(hostile[kind]))
    assert exit_code == 2 and "Traceback" not in err and err.strip()
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("kind", KINDS)
def test_the_counters_file_pages_refuse(ctx, hostile, kind):
    code = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=SAMPLE_QR).code
    with pytest.raises(UserError):
        papers.add_file_pages(ctx, code, 0, [str(hostile[kind])])
    assert _pages() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_the_kiosks_file_step_refuses(ctx, hostile, kind):
    draft = submission.start(ctx)
    start = time.monotonic()
    with pytest.raises(UserError):
        submission.file_page(ctx, draft, "1.004873", 0, str(hostile[kind]))
    assert time.monotonic() - start < 5
    assert _pages() == 0
