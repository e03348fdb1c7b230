"""Settings: declared once (name, type, default, help), read from a TOML file.

The file lives in the platform config dir (platformdirs) unless the environment
variable ``SADEC_DESK_CONFIG`` names another path; data (the SQLite database,
print previews, logs) live in the platform user data dir unless
``SADEC_DESK_DATA_DIR`` says otherwise. A broken or partly wrong file gives the
defaults plus warnings that the CLI and the GUI show — never a crash
(docs/design.md §2).
"""

from __future__ import annotations

import builtins
import os
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from playhouse import db_url

from sadec_desk.config_checks import CHECKS
from sadec_desk.errors import InvalidInput
from sadec_desk.files import atomic_write
from sadec_desk.i18n import _

APP_NAME = "sadec-desk"
CONFIG_ENV = "SADEC_DESK_CONFIG"
DATA_DIR_ENV = "SADEC_DESK_DATA_DIR"


@dataclass(frozen=True)
class Setting:
    name: str  # dotted: "<TOML table>.<key>"
    # builtins.type: the field named ``type`` hides the builtin inside the class body
    type: builtins.type
    default: Any
    help: str
    item_type: builtins.type | None = None  # element type of list and dict settings


SETTINGS: tuple[Setting, ...] = (
    Setting("office.agency_code", str, "000.00.00.H20",
            "Agency identifier (QCVN 102:2016) used in dossier codes "
            "(TT 01/2018/TT-VPCP Art. 19); set your commune's own code."),
    Setting("office.name", str, "UBND xã (chưa cấu hình)",
            "Office name printed on tickets and receipts."),
    Setting("office.province", str, "Đồng Tháp", "Province of the office."),
    Setting("database.url", str, "",
            "Database URL; empty = SQLite file in the data dir. "
            "e.g. postgresql://user:password@host:5432/sadec to share one server "
            "between several counters."),
    Setting("database.busy_timeout_ms", int, 5000,
            "How long a SQLite writer waits for another counter's lock."),
    Setting("calendar.working_weekdays", list, [0, 1, 2, 3, 4],
            "Working weekdays, 0 = Monday ... 6 = Sunday.", int),
    Setting("calendar.opening", str, "07:30", "Opening time of the desk (HH:MM)."),
    Setting("calendar.closing", str, "17:00", "Closing time of the desk (HH:MM)."),
    Setting("calendar.cutoff", str, "15:00",
            "Dossiers received after this time count from the next working day "
            "(NĐ 61/2018 Art. 18(2); Luật Hộ tịch 2014 Art. 9)."),
    Setting("calendar.same_day_weekdays", list, [],
            "Weekdays on which eligible procedures are returned the same day "
            "('Ngày thứ Năm không hẹn': [3]).", int),
    Setting("calendar.overrides_file", str, "",
            "TOML file of extra days off / extra working days; empty = the "
            "file shipped with the app."),
    Setting("queue.priority_interleave", int, 2,
            "At most this many priority tickets (elderly, disabled, pregnant, small "
            "children) are called in a row from a group while regular tickets wait."),
    Setting("queue.wait_promise_minutes", int, 15,
            "Promised longest wait (issue -> call); statistics show the share above it."),
    Setting("queue.no_wait_weekdays", list, [],
            "Weekdays the office promises no waiting ('Ngày thứ Ba và thứ Sáu không chờ': "
            "[1, 4]); shown in queue stats.", int),
    Setting("queue.announce_template", str,
            "Xin mời công dân có số thứ tự {number} đến quầy số {counter}",
            "Text of a call; placeholders {number} (A012), {counter} (2), {counter_name}."),
    Setting("queue.speech", bool, True,
            "Speak calls aloud (espeak-ng 'vi' on Linux, Windows speech on Windows); "
            "without an engine calls are only shown and logged."),
    Setting("queue.speech_voice", str, "vi", "espeak-ng voice of the announcements."),
    Setting("fees.council", dict, {},
            "Fees set by the provincial People's Council, VND per procedure "
            "code, e.g. {\"1.004873\" = 5000}; 0 until configured.", int),
    Setting("ui.language", str, "vi", "Language of the interface: vi or en."),
    Setting("clerk.name", str, "", "Name of the clerk at this counter (receipts, events)."),
    Setting("printing.printer", str, "preview",
            "Printer used when none is named: 'preview' (PNG files in the data dir, no "
            "hardware) or a name from printing.printers."),
    Setting("printing.printers", dict, {},
            "Printers by name -> connection, e.g. {quay1 = \"tcp://192.168.1.50:9100\"}; "
            "also usb://04b8:0202, serial:///dev/ttyUSB0?baudrate=9600, win32:NAME (Windows), "
            "cups:NAME, lp:NAME (Linux), file:///dev/usb/lp0, preview:.", str),
    Setting("printing.office_printer", str, "",
            "Office (laser) printer of the A5 forms Mẫu 01-05: a CUPS queue name on "
            "Linux/macOS (lp -d NAME), a printer name of the Windows spooler on Windows; "
            "empty = the form is only saved in the data dir's 'forms' folder."),
    Setting("printing.profile", str, "generic-80",
            "Printer model (paper width, dpi, cutter); see 'sadec-desk printer list-profiles'."),
    Setting("printing.profiles", dict, {},
            "Model per printer name when printers differ, e.g. {quay2 = \"generic-58\"}.", str),
    Setting("printing.mode", str, "raster",
            "'raster' draws slips as images (works on every printer, the default) or 'text' "
            "for printers whose firmware has a Vietnamese code page."),
    Setting("printing.text_encoding", str, "cp1258",
            "Text mode only: 'cp1258' (Windows-1258, tone marks as combining characters) or "
            "'tcvn3' (TCVN 5712 VN3, code pages 30/31)."),
    Setting("printing.timeout_seconds", int, 5,
            "Longest wait for a printer (connect, send, status); a dead printer fails in this "
            "time and the job waits in the queue."),
    Setting("printing.status_check", bool, True,
            "Ask Network/USB/serial printers for online/paper status around each job; turn "
            "off for printers that never answer status requests."),
    Setting("printing.max_attempts", int, 6, "Tries of a print job before it stays failed."),
    Setting("printing.retry_seconds", int, 10,
            "First wait before a failed job is retried; doubles each time (max 10 minutes)."),
    Setting("printing.preview_dir", str, "",
            "Folder of the preview printer's PNG files; empty = 'print-preview' in the data dir."),
    Setting("printing.font_file", str, "",
            "TrueType font with Vietnamese letters for slips; empty = DejaVu Sans, Noto Sans "
            "or Arial, found automatically."),
    Setting("printing.bold_font_file", str, "", "Bold font to go with printing.font_file."),
    Setting("printing.lookup_url", str,
            "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma-ho-so={code}",
            "Address in the receipt's lookup QR, {code} = dossier code (unverified default: "
            "set your province's lookup page); empty = the QR holds the bare code."),
    Setting("kiosk.procedure_url", str,
            "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html"
            "?ma_thu_tuc={code}",
            "Address in the kiosk's procedure QR, {code} = TTHC code (unverified default: "
            "set your province's procedure page); empty = no QR on the kiosk."),
    Setting("kiosk.form_idle_seconds", int, 120,
            "Kiosk submission: seconds without a touch on the form, papers or review step "
            "before the kiosk asks 'Bạn còn cần thêm thời gian?' (then, unanswered, discards "
            "the unfinished submission); the other kiosk screens reset after 30 s."),
    Setting("kiosk.allow_files", bool, True,
            "Kiosk submission: offer 'Chọn tệp từ USB' (image/PDF files on a USB stick the "
            "citizen plugs in, shown as a touch list; the PC's own folders are never shown). "
            "On by default: a citizen who brings e-copies of papers on a stick needs no "
            "scanner, and nothing but the stick's image/PDF files can be reached. Turn it off "
            "when the kiosk's USB ports are closed to the public."),
    Setting("poster.title", str, "QUÉT MÃ QR ĐỂ NỘP HỒ SƠ TRỰC TUYẾN",
            "Heading of the A4 QR poster ('sadec-desk print poster'); its procedure QRs "
            "open kiosk.procedure_url."),
    Setting("poster.extra_links", dict,
            {"Ứng dụng VNeID (định danh điện tử)": "https://vneid.gov.vn/",
             "Ứng dụng VssID (bảo hiểm xã hội số)": "https://baohiemxahoi.gov.vn/",
             "Thanh toán phí, lệ phí trực tuyến":
                 "https://dichvucong.gov.vn/p/home/dvc-thanh-toan-phi-le-phi-ho-so.html"},
            "Extra QR codes on the poster after the procedures: caption -> address "
            "(unverified defaults: check the VNeID, VssID and payment pages your province "
            "points citizens to); {} = procedures only.", str),
    Setting("printing.ticket_footer", str, "Vui lòng chờ gọi số. Xin cảm ơn!",
            "Short line at the bottom of queue tickets."),
    Setting("payment.bank_bin", str, "",
            "NAPAS BIN of the office's bank (6 digits, e.g. 970415 VietinBank) for the "
            "VietQR fee code on receipts; empty = no VietQR."),
    Setting("payment.account", str, "", "Account number that receives fees (VietQR)."),
    Setting("payment.account_name", str, "", "Account holder printed under the VietQR code."),
    Setting("sync.portal_url", str, "",
            "Base URL of the portal (https://...); empty = offline, nothing is sent."),
    Setting("sync.adapter", str, "reference",
            "Portal protocol: 'reference' (Sa Đéc Desk portal API, docs/portal-openapi.json) "
            "or 'gateway' (provincial LGSP DongBoHoSoMC / CapNhatTienDoHoSoMC)."),
    Setting("sync.ca_bundle", str, "",
            "PEM file of CA certificates trusted for the portal; empty = system store. "
            "Certificates are always verified."),
    Setting("sync.batch_size", int, 200, "Outbox operations sent per push request."),
    Setting("sync.chunk_bytes", int, 256 * 1024,
            "Bytes per request when uploading scanned pages; an interrupted upload "
            "resumes from the last chunk the portal confirmed."),
    Setting("sync.timeout_seconds", int, 20, "Network timeout of one portal request."),
    Setting("sync.interval_seconds", int, 60, "Pause between two sync runs of the worker."),
    Setting("sync.backoff_base_seconds", int, 5,
            "First wait after a network/server failure; doubles each time (with jitter)."),
    Setting("sync.backoff_max_seconds", int, 900, "Longest wait between two failed tries."),
    Setting("sync.gateway_envelope", str, "service-in-body",
            "How the provincial gateway takes DongBoHoSoMC / CapNhatTienDoHoSoMC "
            "(docs/sync.md 'Kết nối LGSP / DVCQG'): 'service-in-body' (one endpoint "
            "sync.gateway_url, service/session/madonvi in the body), 'url-per-service' "
            "(sync.gateway_create_url/_update_url/_progress_url, bare arrays) or 'query' "
            "(sync.gateway_url is the DongBoHoSoMC path; MaDinhDanhDV and isUpdating in "
            "the query)."),
    Setting("sync.gateway_url", str, "",
            "The provincial gateway (LGSP): the one endpoint ('service-in-body') or the "
            "DongBoHoSoMC path ('query')."),
    Setting("sync.gateway_auth_url", str, "",
            "Gateway login URL (body {username, password}, answer session); empty = no "
            "login (gateways that trust the office's network)."),
    Setting("sync.gateway_create_url", str, "", "'url-per-service': URL that creates dossiers."),
    Setting("sync.gateway_update_url", str, "", "'url-per-service': URL that updates dossiers."),
    Setting("sync.gateway_progress_url", str, "",
            "'url-per-service': URL of CapNhatTienDoHoSoMC (progress entries)."),
    Setting("sync.gateway_dstcode", str, "",
            "Value of the 'dstcode' header the province gives; empty = no header."),
    Setting("sync.gateway_username", str, "", "Gateway account; its password is stored "
            "by 'sadec-desk sync gateway-login --password-stdin'."),
    Setting("sync.gateway_unit_code", str, "",
            "Unit code sent as madonvi / MaDinhDanhDV; empty = office.agency_code."),
    Setting("sync.gateway_file_base_url", str, "",
            "File store the gateway downloads scanned pages from (DuongDanTaiTepTin): the "
            "reference portal's address; empty = scanned pages are not sent to the gateway."),
    Setting("sync.gateway_subject_id", str, "none",
            "What MaDoiTuong carries: 'none' (empty, as OpenCPS and Thanh Hóa send for desk "
            "dossiers) or 'id_number' (the CCCD number, as the Hà Giang client sends)."),
    Setting("sync.gateway_field_codes", dict, {},
            "Fallback MaLinhVuc per field name (TenLinhVuc) when the gateway's LayThuTuc "
            "does not answer for a procedure; codes look like G03-GD09.", str),
    Setting("sync.gateway_channel_map", dict,
            {"counter": "1", "kiosk": "1", "online": "2", "postal": "3"},
            "KenhThucHien per channel (national codes 1 desk, 2 online, 3 public post); "
            "whether the kiosk counts as 1 or 2 is unverified.", str),
    Setting("sync.gateway_status_map", dict,
            {"received": "2", "processing": "4", "supplement_requested": "5", "done": "9",
             "returned": "10", "refused": "3", "refused_after_processing": "8",
             "withdrawn": "7"},
            "TrangThaiHoSo / TrangThai per dossier status: the national list (2 received, "
            "3 refused at reception, 4 processing, 5 supplement, 7 withdrawn, 8 stopped, "
            "9 processed, 10 returned). No default for 'voided' (a record entered by "
            "mistake): the list has no code for it, so such a dossier is not sent; add the "
            "key only if the province names a code.", str),
    Setting("backup.dir", str, "",
            "Folder of database backups; empty = 'backups' in the data dir. Prefer another "
            "disk or a USB drive."),
    Setting("backup.interval_hours", int, 24,
            "Scheduled backups ('backup create --if-due', the app) run when the newest "
            "backup is older than this."),
    Setting("backup.keep_last", int, 14, "Retention: always keep this many newest backups."),
    Setting("backup.keep_monthly", int, 12,
            "Retention: also keep the newest backup of each of this many recent months."),
    Setting("backup.pg_bin_dir", str, "",
            "Folder of pg_dump/pg_restore for PostgreSQL databases; empty = search PATH."),
    Setting("scanning.device", str, "",
            "Scanner of the kiosk/counter: a SANE device name on Linux ('scanimage -L', "
            "e.g. 'genesys:libusb:001:004'), a WIA device id on Windows; empty = the first "
            "scanner found."),
    Setting("scanning.resolution", int, 200, "Scan resolution in dpi (200 reads well, "
            "stays small)."),
    Setting("scanning.mode", str, "Gray", "Scan mode passed to the scanner: Gray, Color or "
            "Lineart (pages are stored in greyscale anyway)."),
    Setting("scanning.timeout_seconds", int, 60,
            "Longest wait for one scan; a scanner that hangs fails in this time."),
    Setting("scanning.options", list, [],
            "Extra scanimage options for this scanner, e.g. [\"-x\", \"210\", \"-y\", "
            "\"297\"] to scan an A4 area or [\"--source\", \"ADF\"].", str),
    Setting("attachments.max_page_bytes", int, 1_000_000,
            "Largest stored page image in bytes; bigger scans are re-encoded at lower "
            "quality, then scaled down, until they fit."),
    Setting("attachments.max_long_side", int, 2339,
            "Longest side of a stored page in pixels (2339 = A4 at 200 dpi)."),
    Setting("attachments.max_pages", int, 60,
            "Most pages one dossier or kiosk submission may hold."),
    Setting("board.monitor", int, 0,
            "Monitor the display board ('sadec-desk board') fills, by index: 0 = the first "
            "one; 'sadec-desk board --list-monitors' lists this PC's monitors."),
    Setting("station.name", str, "",
            "Name of this PC in the IT screens' list of connected PCs ('sadec-desk "
            "stations'); empty = the computer's host name."),
    Setting("station.heartbeat_seconds", int, 30,
            "How often a running app (counter, kiosk, board) notes that it is alive in the "
            "shared database; shown as lost after twice this without a note."),
)

_BY_NAME = {s.name: s for s in SETTINGS}




def _has_control_characters(value: Any) -> bool:
    texts = (value if isinstance(value, list) else list(value.values()) + list(value)
             if isinstance(value, dict) else [value])
    return any(isinstance(t, str) and any(unicodedata.category(c) in ("Cc", "Cs") for c in t)
               for t in texts)


def check_value(setting: Setting, value: Any) -> Any:
    """The value as stored, or ValueError saying what the setting expects."""
    value = _coerce(setting, value)
    if _has_control_characters(value):
        raise ValueError(_("không được có ký tự điều khiển hay byte không phải UTF-8"))
    check = CHECKS.get(setting.name)
    if check is not None:
        return check(value)
    if setting.type is int and value < 0:
        raise ValueError(_("cần một số không âm"))
    return value


def config_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Config:
    values: dict[str, Any]
    path: Path
    warnings: tuple[str, ...] = field(default=())

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def data_dir(self) -> Path:
        return data_dir()

    @property
    def uses_server_database(self) -> bool:
        url = self.values["database.url"]
        return bool(url) and not url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: ``sqlite:///path`` in database.url, else one in the data dir."""
        url = self.values["database.url"]
        if url.startswith("sqlite:"):
            return Path(db_url.parse(url)["database"])
        return self.data_dir / "sadec_desk.sqlite3"


def _coerce(setting: Setting, value: Any) -> Any:
    """Value of the declared type, or ValueError."""
    if setting.type is int and isinstance(value, bool):
        raise ValueError
    if setting.type is list:
        if not isinstance(value, list):
            raise ValueError
        assert setting.item_type is not None  # every list setting names its item type
        return [_coerce(Setting("", setting.item_type, None, ""), v) for v in value]
    if setting.type is dict:
        if not isinstance(value, dict):
            raise ValueError
        assert setting.item_type is not None  # every dict setting names its item type
        return {str(k): _coerce(Setting("", setting.item_type, None, ""), v)
                for k, v in value.items()}
    if not isinstance(value, setting.type):
        raise ValueError
    return value


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name not in _BY_NAME:
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    values = {s.name: s.default for s in SETTINGS}
    warnings: list[str] = []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raw = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        warnings.append(_("Tệp cấu hình {path} bị lỗi ({error}); đang dùng giá trị mặc định. "
                          "Hãy sửa hoặc xoá tệp này.").format(path=path, error=exc))
        raw = {}
    for name, value in _flatten(raw).items():
        setting = _BY_NAME.get(name)
        if setting is None:
            warnings.append(_("Bỏ qua thiết lập không xác định '{name}' trong {path}.")
                            .format(name=name, path=path))
            continue
        try:
            values[name] = check_value(setting, value)
        except (ValueError, TypeError):
            warnings.append(_("Thiết lập '{name}' có giá trị không hợp lệ ({value!r}); "
                              "đang dùng mặc định {default!r}.")
                            .format(name=name, value=value, default=setting.default))
    return Config(values=values, path=path, warnings=tuple(warnings))


def parse_value(name: str, text: str) -> Any:
    """Parse a command-line value for setting ``name`` (TOML syntax, or a bare string)."""
    setting = _BY_NAME.get(name)
    if setting is None:
        raise InvalidInput(_("Không có thiết lập '{name}'. Xem danh sách bằng "
                             "'sadec-desk config show'.").format(name=name))
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    if setting.type is str and not isinstance(value, str):
        # a text setting takes the text as typed: 970436 is a bank BIN, not a number
        value = text.strip()
    try:
        return check_setting(name, value)
    except InvalidInput:
        if isinstance(value, str) and setting.type is not str:
            raise InvalidInput(_("Giá trị {value!r} không hợp lệ cho '{name}' (cần kiểu {type})."
                                 ).format(value=text, name=name, type=setting.type.__name__)
                               ) from None
        raise


def check_setting(name: str, value: Any) -> Any:
    """``value`` checked for ``name``'s type and meaning, as it will be stored; InvalidInput
    naming the setting and what it expects."""
    setting = _BY_NAME.get(name)
    if setting is None:
        raise InvalidInput(_("Không có thiết lập '{name}'. Xem danh sách bằng "
                             "'sadec-desk config show'.").format(name=name))
    try:
        return check_value(setting, value)
    except ValueError as exc:
        expected = str(exc) or _("cần kiểu {type}").format(type=setting.type.__name__)
        raise InvalidInput(_("Giá trị {value!r} không hợp lệ cho '{name}': {expected}.")
                           .format(value=value, name=name, expected=expected)) from None
    except TypeError:
        raise InvalidInput(_("Giá trị {value!r} không hợp lệ cho '{name}' (cần kiểu {type})."
                             ).format(value=value, name=name, type=setting.type.__name__)
                           ) from None


def save_setting(name: str, value: Any, path: Path | None = None) -> Path:
    """Write one setting into the TOML file, keeping the others as they are."""
    path = path or config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raw = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(_("Không ghi được vì tệp cấu hình {path} đang bị lỗi ({error}). "
                             "Hãy sửa hoặc xoá tệp này trước.").format(path=path, error=exc)
                           ) from None
    value = check_setting(name, value)
    table, _sep, key = name.rpartition(".")
    if not isinstance(raw.get(table), dict):
        # e.g. `office = "x"`: already ignored with a warning when read; the table replaces it
        raw[table] = {}
    raw[table][key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomli_w.dumps(raw))
    return path
