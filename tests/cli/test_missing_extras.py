"""A missing optional extra is a sentence naming the extra, never exit 70 (issue #19)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from sadec_desk.adapters import camera
from sadec_desk.cli import main


def test_portal_serve_without_the_portal_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SADEC_DESK_CONFIG", str(tmp_path / "config.toml"))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "waitress" else real(name, *a))
    assert main(["portal", "serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "sadec-desk[portal]" in err and "waitress" in err and "Traceback" not in err


def test_camera_without_the_camera_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # import fails as without OpenCV
    assert camera.camera_library() == ""
    with pytest.raises(camera.CameraUnavailable) as failure:
        camera.open_source(0)
    assert "sadec-desk[camera]" in str(failure.value)
