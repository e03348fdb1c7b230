"""sadec_desk.files: the one temp + fsync + rename write."""

from __future__ import annotations

import os

import pytest

from sadec_desk import files


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "settings.toml"
    target.write_text("old")
    files.atomic_write(target, "mới: Phường An Hòa")
    assert target.read_text(encoding="utf-8") == "mới: Phường An Hòa"
    files.atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temp(tmp_path):
    target = tmp_path / "backup.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), files.atomic_writer(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("disk unplugged")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.json"]


def test_the_file_is_fsynced_then_renamed_then_the_folder_is_fsynced(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append("replace"),
                                                     real_replace(a, b))[1])
    files.atomic_write(tmp_path / "a.bin", b"x")
    expected = ["fsync", "replace", "fsync"] if os.name == "posix" else ["fsync", "replace"]
    assert calls == expected
    calls.clear()
    files.atomic_write(tmp_path / "b.bin", b"x", durable=False)
    assert calls == ["replace"]
