"""What the sync engine needs of a portal adapter, and the transport rules both keep.

Two adapters implement :class:`SyncAdapter`: the reference portal client
(:mod:`sadec_desk.sync.adapters.reference`, push + pull + page blobs) and the provincial
gateway (:mod:`sadec_desk.sync.adapters.gateway`, push only). The engine picks one from
``sync.adapter`` (:func:`sadec_desk.sync.engine.make_adapter`) and talks to it through
this interface only; an adapter never imports the engine.

Failures are the classes of :mod:`sadec_desk.sync.errors`: ``TransientError`` (keep the
rows, try later), ``AuthExpired`` (already retried once with a fresh login), ``Refused``
(a 4xx: the engine narrows a refused batch down op by op).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import IO, Protocol, cast
from urllib.parse import urlsplit

from sadec_desk.i18n import _
from sadec_desk.sync.errors import SyncError


class SyncAdapter(Protocol):
    """A portal as the engine sees it: what every adapter does (push).

    What only some do is in the protocols below, each with the flag that says an adapter
    has it: ``supports_pull`` (:class:`PullAdapter`), ``uploads_blobs``
    (:class:`BlobUploader`), ``keeps_anchor`` (:class:`AnchorKeeper`). The engine reads
    the flags with ``getattr`` and a default (:func:`pulling`, :func:`uploader`,
    :func:`anchor_keeper`), so a stand-in with only ``supports_pull`` and :meth:`push`
    (tests) is enough; the provincial gateway is push only.
    """

    #: the ``sync.adapter`` value that selects it
    name: str
    supports_pull: bool

    def push(self, ops: list[dict]) -> list[dict]:
        """Send outbox operations (``outbox_ops.as_op`` shape), oldest first; one answer
        per op, in order: ``{"op_id", "result": applied|duplicate|conflict|rejected,
        "version"?, "message"?, "dossier"?}`` (sync/protocol.py)."""
        ...

    def close(self) -> None:
        ...


class PullAdapter(SyncAdapter, Protocol):
    """An adapter whose ``supports_pull`` is true: the change feed, the catalogue and the
    page files of online dossiers come down from it."""

    def changes(self, since: int, limit: int) -> dict:
        """The change feed after cursor ``since``: ``{"changes", "cursor", "has_more"}``."""
        ...

    def procedures(self) -> list[dict]:
        """The portal's procedure catalogue: ``[{"code", "version", "data"}]``."""
        ...

    def download_blob(self, sha256: str, out: IO[bytes], limit: int) -> str:
        """Stream a page file into ``out``; returns the SHA-256 of what came."""
        ...


class BlobUploader(Protocol):
    """An adapter whose ``uploads_blobs`` is true: the engine uploads the page files a
    ``dossier.pages`` op names before it pushes that op."""

    uploads_blobs: bool

    def upload_blob(self, sha256: str, data: bytes, chunk_bytes: int) -> int:
        """Make the portal hold a whole page file; returns the bytes sent."""
        ...


class AnchorKeeper(Protocol):
    """An adapter whose ``keeps_anchor`` is true: the portal keeps the office's audit
    chain head (sync/office_anchor.py)."""

    keeps_anchor: bool

    def office_anchor(self) -> dict:
        """What the portal holds for this office."""
        ...

    def acknowledge_anchor(self, head: dict) -> tuple[bool, dict]:
        """Send the chain head: (acknowledged, what the portal holds)."""
        ...


# The flags are what an adapter promises (a class attribute, or set per office: the
# gateway uploads pages only when it has a file store); these give the type that goes
# with a flag that is set, and None when it is not.


def pulling(adapter: SyncAdapter) -> PullAdapter | None:
    return cast(PullAdapter, adapter) if getattr(adapter, "supports_pull", False) else None


def uploader(adapter: SyncAdapter) -> BlobUploader | None:
    return cast(BlobUploader, adapter) if getattr(adapter, "uploads_blobs", False) else None


def anchor_keeper(adapter: SyncAdapter) -> AnchorKeeper | None:
    return cast(AnchorKeeper, adapter) if getattr(adapter, "keeps_anchor", False) else None


def tls_verify(ca_bundle: str) -> ssl.SSLContext | bool:
    """Always verify; with a bundle, trust exactly the CAs in it."""
    if not ca_bundle:
        return True
    path = Path(ca_bundle)
    if not path.is_file():
        raise SyncError(_("Không tìm thấy tệp chứng chỉ CA '{path}' (thiết lập sync.ca_bundle). "
                          "Sửa đường dẫn hoặc để trống để dùng kho chứng chỉ của hệ thống."
                          ).format(path=ca_bundle))
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise SyncError(_("Tệp chứng chỉ CA '{path}' không đọc được ({error}).").format(
            path=ca_bundle, error=exc)) from None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def check_portal_url(url: str) -> None:
    """https:// only; plain http:// is allowed to this machine (rehearsals, tests),
    never across a network where the device token would travel in clear."""
    parsed = urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return
    if parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS:
        return
    raise SyncError(_("Địa chỉ cổng '{url}' không dùng được: cần dạng https://tên-máy "
                      "(http:// chỉ dùng cho cổng thử nghiệm trên chính máy này).").format(url=url))
