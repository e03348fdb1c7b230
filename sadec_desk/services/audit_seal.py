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
from sadec_desk.files import atomic_write, private_dir
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


def _sealed(fields: list, mac: object, key: bytes | None) -> bool:
    return (key is not None and isinstance(mac, str)
            and hmac.compare_digest(seal(fields, key), mac))


# --- the head -------------------------------------------------------------------------


def _head_fields(record: dict) -> list:
    return ["head", record["seq"], record["hash"], record["prev_seq"], record["prev_hash"],
            record["at"]]


def write_head(seq: int, chain_hash: str, prev_seq: int, prev_hash: str, at: str) -> None:
    """Called inside the writing transaction, before it commits: on disk first, so that a
    commit is never ahead of this record (a crash leaves it ahead, never behind)."""
    record = {"seq": seq, "hash": chain_hash, "prev_seq": prev_seq, "prev_hash": prev_hash,
              "at": at}
    record["mac"] = seal(_head_fields(record))
    private_dir(audit_dir())
    atomic_write(head_file(), json.dumps(record))


def forget_head() -> None:
    """After a restore the chain legitimately ends elsewhere: the next write records it."""
    try:
        os.unlink(head_file())
    except FileNotFoundError:
        pass


@dataclass
class Findings:
    """What the records outside the database say, before the chain is compared to them."""

    #: (seq, hash, at, what) every chain must hold: anchors and the newest backup
    anchors: list[dict] = field(default_factory=list)
    head: dict | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _read_head(found: Findings, key: bytes | None) -> None:
    path = head_file()
    if not path.exists():
        return
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        fields = _head_fields(record)
        intact = _sealed(fields, record.get("mac"), key)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        intact = False
    if not intact:
        found.problems.append(_("Tệp đầu chuỗi {path} đã bị sửa, thay hoặc hỏng (mã xác thực "
                                "không khớp): không còn biết sự kiện mới nhất phần mềm đã ghi."
                                ).format(path=path))
        return
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
        elif not _sealed(_anchor_fields(anchor, prev), line.get("mac"), key):
            found.problems.append(_("Dòng {n} của tệp mốc kiểm tra (mốc lúc {at}, sự kiện số "
                                    "{seq}) đã bị sửa, chèn thêm hoặc đổi chỗ: mã xác thực không "
                                    "khớp.").format(n=number, at=anchor["at"], seq=anchor["seq"]))
            continue
        else:
            sealed += 1
            prev = line["mac"]
        if anchor["restore"]:
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
    if not _sealed(fields, data.get("audit_mac"), key):
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
