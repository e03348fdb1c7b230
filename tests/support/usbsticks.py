"""A USB stick for the kiosk's tests: a folder where udisks2 would mount one
(``<base>/<user>/<label>``), with the adapter's mount bases pointed at a test folder; the
adapter's own Linux code then finds it (nothing of it is mocked)."""

from __future__ import annotations

import getpass


def usb_stick(tmp_path, monkeypatch, label: str = "USB-HOA"):
    from sadec_desk.adapters import removable_media

    folder = tmp_path / "media" / getpass.getuser() / label
    folder.mkdir(parents=True)
    monkeypatch.setattr(removable_media, "MOUNT_BASES", (tmp_path / "media",))
    return folder
