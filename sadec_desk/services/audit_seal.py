"""What ``audit verify`` trusts outside the database, authenticated (#14 item 8).

The hash chain (:mod:`sadec_desk.services.audit`) shows an edit or a gap, but a forger who
rewrites the chain's end, or cuts it, leaves a chain that is valid on its own. Three
records outside the database say where the chain stood, each sealed with an HMAC-SHA256
under the machine's audit key, which is kept in the secret store
(:func:`sadec_desk.services.secrets.audit_key`: the OS keyring, else a private file beside
the data dir), never in the database nor in a backup:

* **the head** (``<data dir>/audit/head.json``): the newest events this machine wrote, on
  disk before their transaction commits. The chain must still hold it; on SQLite (one
  writer, this machine) it must also end there, so an event added outside the software
  shows. If the chain ends exactly where it stood before that write, the save was either
  interrupted (a power cut) or its events were deleted at once: named as a warning, since
  nothing on disk can tell the two apart.
* **the anchors** (``<data dir>/audit/anchors.jsonl``): the chain head at every backup and
  restore. Each line's seal covers the previous line's seal, and the secret store keeps the
  number of lines and the last seal, so an edited, inserted, reordered, appended or cut
  line, or a deleted file, is named.
* **the backup manifests** (``audit_seq``/``audit_hash`` with ``audit_mac``): the newest
  backup's chain head must be in the chain.

Honest limits: whoever can read the key can forge these records — with the key file
fallback that is anyone who acts as this user; the OS keyring raises that bar. With
PostgreSQL several machines write the chain: each checks the events it wrote itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from sadec_desk.config import Config, data_dir
from sadec_desk.files import atomic_write, fsync_dir, private_dir
from sadec_desk.i18n import _
from sadec_desk.services import secrets

#: the secret store's record of the anchors file: "<authenticated lines>:<last seal>"
ANCHOR_TIP = "audit_anchor_tip"


def audit_dir() -> Path:
    return data_dir() / "audit"


def anchors_file() -> Path:
    return audit_dir() / "anchors.jsonl"


def head_file() -> Path:
    return audit_dir() / "head.json"


def backup_folder(config: Config) -> Path:
    """Where backups go: ``backup.dir``, else ``<data dir>/backups`` (not created here)."""
    configured = config["backup.dir"]
    return Path(configured).expanduser() if configured else config.data_dir / "backups"


def _canonical(fields: list) -> bytes:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(fields: list, key: bytes | None = None) -> str:
    """HMAC-SHA256 (hex) of ``fields`` under the audit key (made on first use)."""
    return hmac.new(key or secrets.audit_key(), _canonical(fields), hashlib.sha256).hexdigest()


def is_sealed(fields: list, mac: object, key: bytes | None) -> bool:
    """Whether ``mac`` is the seal of ``fields`` under ``key`` (no key: nothing is sealed)."""
    return (key is not None and isinstance(mac, str)
            and hmac.compare_digest(seal(fields, key), mac))


# --- the head -------------------------------------------------------------------------


#: the head record is one 4 KiB block (a page, a modern disk's sector) overwritten in place
#: and flushed with fdatasync: one disk flush per write, where a temp file and a rename cost
#: three (bench/audit_seal.py)
HEAD_BLOCK = 4096
#: anomalies noticed at write time kept in the record (sticky: the next write cannot hide
#: them); when full, the oldest unexplained loss makes room
MAX_NOTICED = 8


def _head_fields(record: dict) -> list:
    return ["head", record["seq"], record["hash"], record["prev_seq"], record["prev_hash"],
            record["at"], record.get("noticed", [])]


def _load_head(key: bytes | None) -> tuple[dict | None, bool]:
    """(the record, whether it is intact); (None, True) when there is none."""
    try:
        text = head_file().read_bytes().decode("utf-8").strip()
    except FileNotFoundError:
        return None, True
    except (OSError, UnicodeDecodeError):
        return None, False
    try:
        record = json.loads(text)
        return record, is_sealed(_head_fields(record), record.get("mac"), key)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, False


def _store_head(record: dict) -> None:
    data = json.dumps(record, separators=(",", ":")).encode("utf-8")
    if len(data) > HEAD_BLOCK:
        raise ValueError("audit head record over one block")
    path = head_file()
    if not hasattr(os, "pwrite"):  # Windows: the temp file and the rename
        atomic_write(path, data)
        return
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, data.ljust(HEAD_BLOCK), 0)
        os.fdatasync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)


def write_head(seq: int, chain_hash: str, prev_seq: int, prev_hash: str, at: str, *,
               single_writer: bool) -> None:
    """Called inside the writing transaction, before it commits: on disk first, so that a
    commit is never ahead of this record (a crash leaves it ahead, never behind).

    With one writer (SQLite) the chain must start this write where the previous record
    left it — at its head (committed) or where it stood before it (that save did not
    complete). Anything else means the chain was cut or added to outside the software since:
    noted in the record for good, so that later writes cannot hide it."""
    key = secrets.audit_key()
    old, intact = _load_head(key)
    noticed = list(old.get("noticed", [])) if old and intact else []
    if not intact:
        noticed.append(["head", at, 0, prev_seq])
    elif old is None and prev_seq and single_writer:
        noticed.append(["missing", at, 0, prev_seq])
    elif old is not None and single_writer:
        if [prev_seq, prev_hash] == [old["prev_seq"], old["prev_hash"]] != [old["seq"],
                                                                           old["hash"]]:
            # the previous write's events are not there: its save did not complete, or they
            # were deleted right after it (nothing tells the two apart)
            noticed.append(["lost", old["at"], old["prev_seq"] + 1, old["seq"]])
        elif [prev_seq, prev_hash] != [old["seq"], old["hash"]]:
            noticed.append(["changed", at, old["seq"], prev_seq])
    while len(noticed) > MAX_NOTICED:
        lost = [n for n in noticed if n[0] == "lost"]
        noticed.remove(lost[0] if lost else noticed[-1])
    _seal_and_store({"seq": seq, "hash": chain_hash, "prev_seq": prev_seq,
                     "prev_hash": prev_hash, "at": at, "noticed": noticed}, key)


def reset_head(seq: int, chain_hash: str, at: str) -> None:
    """After a restore the chain legitimately ends elsewhere: the record starts from the
    restored head (what was noticed before is kept)."""
    key = secrets.audit_key()
    old, intact = _load_head(key)
    noticed = list(old.get("noticed", [])) if old and intact else []
    _seal_and_store({"seq": seq, "hash": chain_hash, "prev_seq": seq, "prev_hash": chain_hash,
                     "at": at, "noticed": noticed}, key)


def _seal_and_store(record: dict, key: bytes) -> None:
    record["mac"] = seal(_head_fields(record), key)
    private_dir(audit_dir())
    _store_head(record)


@dataclass
class Findings:
    """What the records outside the database say, before the chain is compared to them."""

    #: (seq, hash, at, what) every chain must hold: anchors and the newest backup
    anchors: list[dict] = field(default_factory=list)
    #: every restore the sealed anchors record ({"seq", "hash", "at"}), kept after later ones
    restores: list[dict] = field(default_factory=list)
    head: dict | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _read_head(found: Findings, key: bytes | None) -> None:
    record, intact = _load_head(key)
    if not intact:
        found.problems.append(_("Tệp đầu chuỗi {path} đã bị sửa, thay hoặc hỏng (mã xác thực "
                                "không khớp): không còn biết sự kiện mới nhất phần mềm đã ghi."
                                ).format(path=head_file()))
        return
    if record is None:
        return
    for kind, at, before, then in record.get("noticed", []):
        if kind == "changed":
            found.problems.append(_(
                "Lúc {at} (UTC), khi ghi sự kiện mới, phần mềm thấy nhật ký không còn như lần "
                "ghi trước (lần trước dừng ở sự kiện số {before}, lúc đó ở số {then}): nhật ký đã "
                "bị cắt bớt hoặc thêm sự kiện từ bên ngoài.").format(
                    at=at, before=before, then=then))
        elif kind == "head":
            found.problems.append(_(
                "Lúc {at} (UTC), khi ghi sự kiện mới, tệp đầu chuỗi đã bị sửa hoặc hỏng.").format(
                    at=at))
        elif kind == "lost":
            found.warnings.append(_(
                "Sự kiện số {first}–{last} ghi lúc {at} (UTC) không có trong nhật ký ở lần ghi "
                "sau: hoặc lần lưu đó không hoàn tất (mất điện, lỗi), hoặc các sự kiện ấy đã bị "
                "xoá ngay sau khi ghi. Nếu lúc đó không có sự cố, nhật ký đã bị cắt bớt.").format(
                    first=before, last=then, at=at))
        else:
            found.warnings.append(_(
                "Lúc {at} (UTC) chưa có bản ghi đầu chuỗi (nhật ký đến sự kiện số {then} do phiên "
                "bản trước ghi, hoặc tệp đã bị xoá): phần trước đó chỉ được đối chiếu với các "
                "mốc sao lưu.").format(at=at, then=then))
    found.head = {k: record[k] for k in ("seq", "hash", "prev_seq", "prev_hash", "at")}


# --- the anchors ----------------------------------------------------------------------


def _anchor_fields(anchor: dict, prev_mac: str) -> list:
    return ["anchor", anchor["at"], anchor["seq"], anchor["hash"], anchor.get("reason", ""),
            bool(anchor.get("restore")), prev_mac]


def _tip() -> tuple[int, str] | None:
    text = secrets.read_secret(ANCHOR_TIP)
    count, _sep, mac = text.partition(":")
    return (int(count), mac) if count.isdigit() and mac else None


def append_anchor(anchor: dict) -> dict:
    """One more sealed line in the anchors file, on disk before the caller goes on; then
    the secret store's tip moves to it."""
    path = anchors_file()
    private_dir(path.parent)
    tip = _tip()
    prev = tip[1] if tip else ""
    line = {**anchor, "prev": prev}
    line["mac"] = seal(_anchor_fields(anchor, prev))
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())
    secrets.write_secret(ANCHOR_TIP, f"{(tip[0] if tip else 0) + 1}:{line['mac']}")
    return line


def _read_anchors(found: Findings, key: bytes | None) -> None:
    """The anchors that still apply, every problem of the file, and a warning when there is
    none (the chain's end is then protected by nothing outside the database)."""
    path, tip = anchors_file(), _tip()
    if not path.exists():
        if tip:
            found.problems.append(_("Tệp mốc kiểm tra {path} đã bị xoá: phần mềm đã ghi {n} mốc "
                                    "vào đó.").format(path=path, n=tip[0]))
        else:
            found.warnings.append(_("Chưa có tệp mốc kiểm tra {path} (chưa sao lưu lần nào): "
                                    "phần cuối nhật ký chưa được đối chiếu với mốc nào ngoài cơ "
                                    "sở dữ liệu. Hãy sao lưu.").format(path=path))
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    torn = lines.pop() if lines else ""  # after the last newline: empty, or a torn write
    if torn:
        found.warnings.append(_("Dòng cuối của tệp mốc kiểm tra bị ghi dở (mất điện?) và được "
                                "bỏ qua."))
    sealed, legacy, prev = 0, 0, ""
    for number, text_line in enumerate(lines, start=1):
        try:
            line = json.loads(text_line)
            anchor = {"seq": int(line["seq"]), "hash": str(line["hash"]),
                      "at": str(line["at"]), "reason": str(line.get("reason", "")),
                      "restore": bool(line.get("restore"))}
        except (ValueError, KeyError, TypeError):
            found.problems.append(_("Dòng {n} của tệp mốc kiểm tra không đọc được: tệp đã bị "
                                    "sửa.").format(n=number))
            continue
        if "mac" not in line and not sealed:
            legacy += 1  # written by a version before the seals
        elif key is None:
            found.problems.append(_("Không có khoá xác thực mốc kiểm tra trong {where}: không "
                                    "kiểm được tệp mốc.").format(where=secrets.where_kept()))
            return
        elif not is_sealed(_anchor_fields(anchor, prev), line.get("mac"), key):
            found.problems.append(_("Dòng {n} của tệp mốc kiểm tra (mốc lúc {at}, sự kiện số "
                                    "{seq}) đã bị sửa, chèn thêm hoặc đổi chỗ: mã xác thực không "
                                    "khớp.").format(n=number, at=anchor["at"], seq=anchor["seq"]))
            continue
        else:
            sealed += 1
            prev = line["mac"]
        if anchor["restore"]:
            found.restores.append(anchor)
            # a restore legitimately ends the chain earlier: later anchors no longer apply
            found.anchors = [a for a in found.anchors if a["seq"] <= anchor["seq"]]
        found.anchors.append(anchor)
    if legacy:
        found.warnings.append(_("{n} mốc kiểm tra cũ (ghi bởi phiên bản trước) không có mã xác "
                                "thực.").format(n=legacy))
    if tip and sealed < tip[0]:
        found.problems.append(_("Tệp mốc kiểm tra thiếu {n} dòng cuối so với những gì phần mềm "
                                "đã ghi: tệp đã bị cắt bớt.").format(n=tip[0] - sealed))
    elif tip and sealed and prev != tip[1]:
        found.problems.append(_("Dòng cuối của tệp mốc kiểm tra không phải dòng phần mềm ghi "
                                "sau cùng: tệp đã bị thay hoặc thêm dòng."))
    elif sealed and not tip:
        found.warnings.append(_("Kho khoá không còn ghi số mốc kiểm tra đã ghi: không biết tệp "
                                "mốc có bị cắt bớt hay không."))


# --- the backup manifests -------------------------------------------------------------


def _backup_fields(name: str, manifest: dict) -> list:
    return ["backup", name, manifest["created_at"], int(manifest["audit_seq"]),
            str(manifest["audit_hash"])]


def seal_backup(name: str, manifest: dict) -> str:
    return seal(_backup_fields(name, manifest))


def _read_newest_backup(found: Findings, folder: Path, key: bytes | None) -> None:
    """The newest backup manifest's chain head joins the anchors, if its seal holds and no
    restore since then made the chain legitimately shorter."""
    newest: tuple[str, str, dict] | None = None
    if folder.is_dir():
        for manifest in folder.glob("*.json"):
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                created = str(data["created_at"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if newest is None or created > newest[0]:
                newest = (created, manifest.name[:-len(".json")], data)
    if newest is None:
        return
    created, name, data = newest
    try:
        fields = _backup_fields(name, data)
    except (KeyError, ValueError, TypeError):
        found.problems.append(_("Tệp mô tả của bản sao lưu mới nhất {name} thiếu mốc nhật ký: "
                                "đã bị sửa.").format(name=name))
        return
    if "audit_mac" not in data:
        found.warnings.append(_("Bản sao lưu mới nhất {name} (phiên bản trước) không có mã xác "
                                "thực mốc nhật ký.").format(name=name))
        return
    if not is_sealed(fields, data.get("audit_mac"), key):
        found.problems.append(_("Mốc nhật ký trong tệp mô tả của bản sao lưu {name} đã bị sửa "
                                "(mã xác thực không khớp).").format(name=name))
        return
    restores = [a for a in found.anchors if a["restore"] and a["at"] >= created]
    if fields[3] and not any(r["seq"] < fields[3] for r in restores):
        found.anchors.append({"seq": fields[3], "hash": fields[4], "at": created,
                              "reason": f"backup {name}", "restore": False})


def read_all(config: Config) -> Findings:
    """Everything outside the database that the chain must agree with."""
    found = Findings()
    key = secrets.existing_audit_key()
    _read_anchors(found, key)
    _read_head(found, key)
    _read_newest_backup(found, backup_folder(config), key)
    return found
