"""sadec_desk.files: the one temp + fsync + rename write."""

from __future__ import annotations

import os
import time

import pytest

from sadec_desk import files
from sadec_desk.errors import InvalidInput


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


# --- private modes (#14 item 9) --------------------------------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


@posix_only
def test_atomic_writes_are_private_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        files.atomic_write(tmp_path / "a.pdf", b"%PDF personal data")
        folder = files.private_dir(tmp_path / "exports" / "2026")
    finally:
        os.umask(old)
    assert (tmp_path / "a.pdf").stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "exports").stat().st_mode & 0o777 == 0o700


@posix_only
def test_private_dir_tightens_a_folder_an_older_version_left_open(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    files.private_dir(folder)
    assert folder.stat().st_mode & 0o777 == 0o700


@posix_only
def test_the_private_umask_makes_files_libraries_create_private(tmp_path):
    old = os.umask(0o022)
    try:
        files.set_private_umask()
        (tmp_path / "lib.log").write_text("x")  # a library opening with its own 0666
        assert (tmp_path / "lib.log").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


# --- bounded reads (#14 item 10), as a hostile file would --------------------------------


def test_read_bounded_reads_a_small_file_whole(tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(b"x" * 1000)
    assert files.read_bounded(path, 1000) == b"x" * 1000


def test_a_sparse_3_gb_file_is_refused_at_once_without_reading_it(tmp_path):
    path = tmp_path / "huge.jpg"
    with open(path, "wb") as out:
        out.truncate(3 * 1024 ** 3)  # sparse: no disk used, 3 GB by its size
    start = time.monotonic()
    with pytest.raises(InvalidInput, match="quá lớn"):
        files.read_bounded(path, 20 * 1024 * 1024)
    assert time.monotonic() - start < 1


def test_a_file_that_lies_about_its_size_is_cut_at_the_limit(tmp_path, monkeypatch):
    # /proc files say 0 bytes and give more: the limit holds on what is read
    path = tmp_path / "grows.bin"
    path.write_bytes(b"y" * 5000)
    real_fstat = os.fstat

    class Shrunk:
        def __init__(self, info):
            self._info = info

        def __getattr__(self, name):
            return 0 if name == "st_size" else getattr(self._info, name)

    monkeypatch.setattr(os, "fstat", lambda fd: Shrunk(real_fstat(fd)))
    with pytest.raises(InvalidInput, match="quá lớn"):
        files.read_bounded(path, 4096)


@posix_only
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_without_reading_forever(device):
    start = time.monotonic()
    with pytest.raises(InvalidInput, match="không phải tệp thông thường"):
        files.read_bounded(device, 1024)
    assert time.monotonic() - start < 1


@posix_only
def test_a_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "photo.jpg"
    link.symlink_to("/dev/zero")
    with pytest.raises(InvalidInput, match="không phải tệp thông thường"):
        files.read_bounded(link, 1024)


@posix_only
def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(InvalidInput, match="không phải tệp thông thường"):
        files.read_bounded(fifo, 1024)
    assert time.monotonic() - start < 1


def test_a_directory_and_a_missing_file_get_a_sentence(tmp_path):
    with pytest.raises(InvalidInput, match="là một thư mục"):
        files.read_bounded(tmp_path, 1024)
    with pytest.raises(InvalidInput, match="không có tệp này"):
        files.read_bounded(tmp_path / "none.png", 1024)
