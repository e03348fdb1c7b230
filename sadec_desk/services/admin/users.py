"""Staff accounts and sign-in (the roles and the check live in :mod:`sadec_desk.services.access`).

Passwords and PINs are hashed with argon2id (argon2-cffi); never stored, never
logged. Failed sign-ins are rate-limited per account: after
:data:`FREE_ATTEMPTS` consecutive failures the account waits
:data:`FIRST_LOCK_SECONDS`, doubling with every further failure up to
:data:`MAX_LOCK_SECONDS`; the count lives in the database, so restarting the app
or trying at another counter does not reset it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from sadec_desk.db.database import translated_errors
from sadec_desk.db.user_models import User
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _
from sadec_desk.services.access import (
    ADMIN_ROLES,
    ROLE_LABELS,
    ROLES,
    require_role,
    role_label,
)
from sadec_desk.services.actors import RESERVED_USERNAMES

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

FREE_ATTEMPTS = 5
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
#: a new PIN has at least 6 digits (a million guesses); accounts made with a shorter one
#: (4 digits were allowed before) still sign in, and are asked to change it at once
MIN_PIN = 6
_PIN = re.compile(rf"^\d{{{MIN_PIN},8}}$")
MIN_PASSWORD = 8

# argon2id cost: whoever copies the database file can guess offline, so one guess must
# cost at least 0.5 s of CPU on an office PC. Measured on this project's 2-core reference
# machine (bench/argon2_cost.py, docs/benchmarks.md): argon2-cffi's defaults (t=3, 64 MiB,
# p=4) cost 0.25-0.34 s of CPU per guess; t=3 with 128 MiB 0.55-0.73 s, too close to the
# target; t=4 with 128 MiB about 0.75-0.9 s, so half of the 6-digit PINs take about five
# days of one core, and a sign-in waits about half a second (two lanes use both cores).
TIME_COST = 4
MEMORY_COST_KIB = 128 * 1024
PARALLELISM = 2
#: the production hasher, never replaced (tests check its parameters)
PRODUCTION_HASHER = argon2.PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB,
                                          parallelism=PARALLELISM)
#: the hasher in use; tests swap in cheaper parameters (argon2.profiles.CHEAPEST)
HASHER = PRODUCTION_HASHER
# verified against when the username is unknown, so a wrong name costs the same time
# as a wrong password and does not tell which names exist
_DUMMY_HASH = None


class SignInFailed(UserError):
    code = "sign_in_failed"


class SignInLocked(SignInFailed):
    code = "sign_in_locked"


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    secret_kind: str  # password | pin
    counter: int | None
    active: bool
    last_sign_in_at: datetime | None
    #: signed in with a PIN shorter than :data:`MIN_PIN`: must set a new one before working
    must_change_secret: bool = False


def _info(row: User) -> UserInfo:
    return UserInfo(id=row.id, username=row.username, full_name=row.full_name, role=row.role,
                    role_label=_(ROLE_LABELS[row.role]), secret_kind=row.secret_kind,
                    counter=row.counter, active=row.active,
                    last_sign_in_at=(row.last_sign_in_at.astimezone(VN_TZ)
                                     if row.last_sign_in_at else None))


# --- validation ---------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput(_("Tên đăng nhập '{name}' không hợp lệ: dùng 3–32 chữ cái không dấu, "
                             "chữ số, dấu chấm, gạch dưới hoặc gạch ngang (ví dụ: hoa.nt).")
                           .format(name=username))
    if name in RESERVED_USERNAMES:
        raise InvalidInput(_("Tên đăng nhập '{name}' dành riêng cho hệ thống (phần mềm ghi tên "
                             "này vào lịch sử hồ sơ); hãy chọn tên khác, ví dụ họ tên viết tắt "
                             "như hoa.nt.").format(name=name))
    return name


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise InvalidInput(_("Vai trò '{role}' không có; chọn một trong: {known}.")
                           .format(role=role, known=", ".join(
                               f"{r} ({role_label(r)})" for r in ROLES)))
    return role


def check_secret(*, password: str | None, pin: str | None) -> tuple[str, str]:
    """(kind, secret) after checking that exactly one good password or PIN was given."""
    if (password is None) == (pin is None):
        raise InvalidInput(_("Hãy đặt một mật khẩu hoặc một mã PIN (chỉ một trong hai)."))
    if pin is not None:
        if not _PIN.match(pin):
            raise InvalidInput(_("Mã PIN phải gồm {low} đến 8 chữ số.").format(low=MIN_PIN))
        return "pin", pin
    assert password is not None  # exactly one of the two was given, and not the PIN
    if len(password) < MIN_PASSWORD or not password.strip():
        raise InvalidInput(_("Mật khẩu phải có ít nhất {n} ký tự.").format(n=MIN_PASSWORD))
    if len(password) > 256:
        raise InvalidInput(_("Mật khẩu quá dài (tối đa 256 ký tự)."))
    return "password", password


def _check_full_name(full_name: str) -> str:
    name = " ".join((full_name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput(_("Họ tên cán bộ không được để trống (tối đa 100 ký tự)."))
    return name


def _check_counter(counter: int | None) -> int | None:
    if counter is not None and not 1 <= counter <= 999:
        raise InvalidInput(_("Số quầy phải từ 1 đến 999."))
    return counter


# --- accounts -----------------------------------------------------------------------------


def has_users(ctx: AppContext) -> bool:
    with translated_errors():
        return User.select().exists()


def create_user(ctx: AppContext, *, username: str, full_name: str, role: str,
                password: str | None = None, pin: str | None = None,
                counter: int | None = None) -> UserInfo:
    """Add a staff account. Only IT may, except for the very first account of the office,
    which must be an IT account (the first-start set-up)."""
    if getattr(ctx, "user", None) is not None:  # nobody signed in: checked below
        require_role(ctx, *ADMIN_ROLES)
    username = normalise_username(username)
    full_name = _check_full_name(full_name)
    role = check_role(role)
    kind, secret = check_secret(password=password, pin=pin)
    counter = _check_counter(counter)
    secret_hash = HASHER.hash(secret)  # slow on purpose: outside the write lock
    now = ctx.now()
    with translated_errors(), ctx.database.atomic():
        if User.select().exists():
            require_role(ctx, *ADMIN_ROLES)
        elif role != "it":
            raise InvalidInput(_("Tài khoản đầu tiên phải là cán bộ CNTT (vai trò it): "
                                 "người đó sẽ tạo tài khoản cho các cán bộ khác."))
        if User.select().where(User.username == username).exists():
            raise InvalidInput(_("Tên đăng nhập '{name}' đã có người dùng; chọn tên khác.")
                               .format(name=username))
        row = User.create(username=username, full_name=full_name, role=role, secret_kind=kind,
                          secret_hash=secret_hash, counter=counter, created_at=now,
                          updated_at=now)
    return _info(row)


def list_users(ctx: AppContext) -> list[UserInfo]:
    require_role(ctx, *ADMIN_ROLES)
    with translated_errors():
        return [_info(u) for u in User.select().order_by(User.role, User.username)]


def _get(username: str) -> User:
    row = User.get_or_none(User.username == (username or "").strip().lower())
    if row is None:
        raise NotFound(_("Không có tài khoản '{name}'.").format(name=username))
    return row


def get_user(ctx: AppContext, username: str) -> UserInfo:
    require_role(ctx, *ADMIN_ROLES)
    with translated_errors():
        return _info(_get(username))


def set_secret(ctx: AppContext, username: str, *, password: str | None = None,
               pin: str | None = None, current: str | None = None) -> UserInfo:
    """Set a new password or PIN: IT for anyone, a signed-in user for themselves — with
    their ``current`` secret, so that a counter left signed in does not let a passer-by
    take the account. A wrong current secret counts as a failed sign-in (the same
    lock-out). Clears a lock-out."""
    username = (username or "").strip().lower()
    user = getattr(ctx, "user", None)
    own = user is not None and user.username == username
    if not own:
        require_role(ctx, *ADMIN_ROLES)
    kind, secret = check_secret(password=password, pin=pin)
    if own:
        with translated_errors():
            row = _get(username)
        if not (current and len(current) <= 256 and _verify(row.secret_hash, current)):
            _refuse_after_failure(ctx, row, _("Mật khẩu/mã PIN hiện tại không đúng; hãy nhập "
                                              "lại để đổi."))
    secret_hash = HASHER.hash(secret)
    with translated_errors(), ctx.database.atomic():
        row = _get(username)
        User.update(secret_kind=kind, secret_hash=secret_hash, failed_attempts=0,
                    locked_until=None, updated_at=ctx.now()).where(User.id == row.id).execute()
        info = _info(User.get_by_id(row.id))
    if own:
        ctx.user = info  # the new secret meets the rules: nothing left to change
    return info


def set_active(ctx: AppContext, username: str, active: bool) -> UserInfo:
    require_role(ctx, *ADMIN_ROLES)
    with translated_errors(), ctx.database.atomic():
        row = _get(username)
        if not active and row.role == "it" and User.select().where(
                User.role == "it", User.active, User.id != row.id).count() == 0:
            raise InvalidInput(_("Không thể khóa tài khoản CNTT cuối cùng: sẽ không ai quản lý "
                                 "được người dùng nữa."))
        User.update(active=active, updated_at=ctx.now()).where(User.id == row.id).execute()
        return _info(User.get_by_id(row.id))


# --- signing in ---------------------------------------------------------------------------


def lock_seconds(failures: int) -> int:
    """How long an account waits after ``failures`` consecutive failures."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** (failures - FREE_ATTEMPTS))


def _locked_message(until: datetime, now: datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return _("Đăng nhập sai quá nhiều lần. Hãy thử lại sau {n} giây, hoặc nhờ cán bộ CNTT "
             "đặt lại mật khẩu.").format(n=seconds)


def _verify(secret_hash: str, secret: str) -> bool:
    try:
        return HASHER.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_verify(secret: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = HASHER.hash("not a real account")
    _verify(_DUMMY_HASH, secret)


def sign_in(ctx: AppContext, username: str, secret: str) -> UserInfo:
    """Check the password or PIN; on success the user becomes ``ctx.user``."""
    wrong = _("Tên đăng nhập hoặc mật khẩu/PIN không đúng. Kiểm tra lại (chữ hoa/thường, "
              "bàn phím đang gõ tiếng Việt?) rồi thử lại.")
    name = (username or "").strip().lower()
    secret = secret or ""
    now = ctx.now()
    if len(name) > 64 or len(secret) > 256:
        raise SignInFailed(wrong)  # no account has such a name or secret
    with translated_errors():
        row = User.get_or_none(User.username == name) if name else None
    if row is None:
        _dummy_verify(secret)
        raise SignInFailed(wrong)
    if row.locked_until is not None and row.locked_until > now:
        raise SignInLocked(_locked_message(row.locked_until, now))
    ok = bool(secret) and _verify(row.secret_hash, secret)
    if not ok:
        # a disabled account answers exactly like an active one until the secret is right:
        # a guess must not learn which accounts exist or are disabled
        _refuse_after_failure(ctx, row, wrong)
    if not row.active:
        raise SignInFailed(_("Tài khoản '{name}' đã bị khóa; hãy liên hệ cán bộ CNTT.")
                           .format(name=name))
    with translated_errors(), ctx.database.atomic():
        changes: dict[Any, Any] = {User.failed_attempts: 0, User.locked_until: None,
                                   User.last_sign_in_at: now, User.updated_at: now}
        if HASHER.check_needs_rehash(row.secret_hash):
            changes[User.secret_hash] = HASHER.hash(secret)
        User.update(changes).where(User.id == row.id).execute()
        info = _info(User.get_by_id(row.id))
    if row.secret_kind == "pin" and len(secret) < MIN_PIN:
        info = replace(info, must_change_secret=True)
    ctx.user = info
    return info


def _refuse_after_failure(ctx: AppContext, row: User, message: str) -> NoReturn:
    """Count a wrong secret for ``row`` (in SQL: two counters failing at once both count),
    lock the account for a while after :data:`FREE_ATTEMPTS`, and refuse."""
    now = ctx.now()
    with translated_errors(), ctx.database.atomic():
        User.update(failed_attempts=User.failed_attempts + 1, updated_at=now
                    ).where(User.id == row.id).execute()
        failures = User.select(User.failed_attempts).where(User.id == row.id).scalar()
        wait = lock_seconds(failures)
        until = now + timedelta(seconds=wait)
        if wait:
            User.update(locked_until=until).where(User.id == row.id).execute()
    # raised after the commit: the failure must count
    if wait:
        raise SignInLocked(_locked_message(until, now))
    raise SignInFailed(message + " " + _("Còn {n} lần thử trước khi tạm khóa.")
                       .format(n=FREE_ATTEMPTS - failures))


def sign_out(ctx: AppContext) -> None:
    ctx.user = None


def current_user(ctx: AppContext) -> UserInfo | None:
    return getattr(ctx, "user", None)


def first_start(ctx: AppContext, *, office_name: str, agency_code: str, username: str,
                full_name: str, password: str | None = None, pin: str | None = None
                ) -> UserInfo:
    """The first start of the app on a new database: the office, then the first IT account,
    who is signed in. Everything is checked before anything is written."""
    from sadec_desk.domain.dossier_code import validate_agency_code
    from sadec_desk.services.admin.office import init_office

    if has_users(ctx):
        raise InvalidInput(_("Cơ quan này đã được thiết lập; hãy đăng nhập."))
    if not (office_name or "").strip():
        raise InvalidInput(_("Hãy nhập tên cơ quan (ví dụ: UBND phường 1)."))
    validate_agency_code((agency_code or "").strip())
    normalise_username(username)
    _check_full_name(full_name)
    check_secret(password=password, pin=pin)
    info = create_user(ctx, username=username, full_name=full_name, role="it",
                       password=password, pin=pin)
    ctx.user = info
    init_office(ctx, agency_code=agency_code.strip(), office_name=office_name.strip())
    return info
