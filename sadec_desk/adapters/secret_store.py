"""Where this machine keeps its secrets: the operating system's keyring, or a private file.

Two stores with one shape (:class:`SecretStore`): :class:`KeyringStore` goes through the
``keyring`` library (Windows Credential Manager, macOS Keychain, the Secret Service of a
Linux desktop); :class:`FileStore` is a JSON file, mode 0600, for machines where no keyring
backend works (a kiosk without a desktop session, this build machine). Neither is inside
the database, so no backup and no copy of the database carries a secret.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Protocol

from sadec_desk.errors import UserError
from sadec_desk.files import atomic_write, make_private
from sadec_desk.i18n import _


class SecretStoreError(UserError):
    code = "secret_store"


class SecretStore(Protocol):
    description: str

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


def working_keyring():
    """The keyring backend in use, or None when none works here (keyring's own
    ``fail``/``null`` backends, or keyring not importable).

    On Linux the only keyring is a desktop session's Secret Service, reached over D-Bus:
    without a session bus there is none, and probing for it costs about a second (every
    command that writes an event would pay it), so it is not probed."""
    if sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    return backend


class KeyringStore:
    """Secrets as ``service`` entries in the OS keyring, one user name per secret (the
    ``scope`` keeps two data dirs of one account apart)."""

    def __init__(self, backend, service: str, scope: str):
        self.backend, self.service, self.scope = backend, service, scope
        self.description = _("kho khoá của hệ điều hành ({name})").format(
            name=type(backend).__name__)

    def _user(self, name: str) -> str:
        return f"{self.scope}/{name}"

    def _call(self, action, *args):
        from keyring.errors import KeyringError

        try:
            return action(self.service, *args)
        except KeyringError as exc:
            raise SecretStoreError(_("Kho khoá của hệ điều hành không trả lời ({error}).")
                                   .format(error=exc)) from None

    def get(self, name: str) -> str | None:
        return self._call(self.backend.get_password, self._user(name))

    def set(self, name: str, value: str) -> None:
        self._call(self.backend.set_password, self._user(name), value)

    def delete(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            self._call(self.backend.delete_password, self._user(name))


class FileStore:
    """Secrets in one JSON file readable by the user only (0600, rewritten atomically)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.description = _("tệp khoá riêng {path} (chỉ người dùng này đọc được)").format(
            path=self.path)

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SecretStoreError(_("Tệp khoá {path} không đọc được ({error}); sửa hoặc xoá "
                                     "tệp rồi đăng ký lại thiết bị.").format(
                                         path=self.path, error=exc)) from None
        if not isinstance(data, dict):
            raise SecretStoreError(_("Tệp khoá {path} sai định dạng; sửa hoặc xoá tệp rồi đăng "
                                     "ký lại thiết bị.").format(path=self.path))
        make_private(self.path)  # a copy put back by hand with a looser mode
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, data: dict[str, str]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(data, indent=1, sort_keys=True))
        except OSError as exc:
            raise SecretStoreError(_("Không ghi được tệp khoá {path} ({error}).").format(
                path=self.path, error=exc)) from None

    def get(self, name: str) -> str | None:
        return self._load().get(name)

    def set(self, name: str, value: str) -> None:
        data = self._load()
        if data.get(name) != value:
            data[name] = value
            self._save(data)

    def delete(self, name: str) -> None:
        data = self._load()
        if data.pop(name, None) is not None:
            self._save(data)

