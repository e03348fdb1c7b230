"""Staff accounts: argon2 hashes, roles enforced in the services, sign-in rate limit."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import argon2
import pytest
from appfixtures import SAMPLE_QR, make_ctx, sign_in_as
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sadec_desk import cli
from sadec_desk.db.user_models import User
from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import users
from sadec_desk.services.admin.users import SignInFailed, SignInLocked
from sadec_desk.services.queue import tickets
from sadec_desk.services.reception import dossiers


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    # the real parameters cost ~0.7 s a hash on purpose; the rules do not depend on them
    monkeypatch.setattr(users, "HASHER",
                        argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    monkeypatch.setattr(users, "_DUMMY_HASH", None)


def _staff(ctx):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="mật khẩu dài")
    sign_in_as(ctx, "admin")
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810", counter=1)
    users.create_user(ctx, username="lanh.dao", full_name="Trần Lãnh Đạo", role="leader",
                      password="lanhdao123")
    users.sign_out(ctx)


def test_secrets_are_stored_as_argon2id_hashes_only(ctx):
    users.create_user(ctx, username="Admin", full_name="  Lê   Văn Tín ", role="it",
                      password="mật khẩu dài")
    row = User.get(User.username == "admin")
    assert row.full_name == "Lê Văn Tín"
    assert row.secret_hash.startswith("$argon2id$")
    assert "mật khẩu" not in row.secret_hash
    info = users.sign_in(ctx, "ADMIN ", "mật khẩu dài")
    assert ctx.user == info and info.role_label == "Cán bộ CNTT"
    assert info.last_sign_in_at is not None


def test_first_account_must_be_it_and_then_only_it_adds_accounts(ctx):
    with pytest.raises(InvalidInput, match="đầu tiên phải là cán bộ CNTT"):
        users.create_user(ctx, username="hoa", full_name="Hoa", role="clerk", pin="123456")
    _staff(ctx)
    users.sign_in(ctx, "hoa.nt", "246810")
    with pytest.raises(PermissionDenied, match="Cán bộ CNTT"):
        users.create_user(ctx, username="x.y", full_name="X", role="clerk", pin="123456")
    # a clerk may change their own PIN, not someone else's
    users.set_secret(ctx, "hoa.nt", pin="135790", current="246810")
    with pytest.raises(PermissionDenied):
        users.set_secret(ctx, "admin", password="chiếm quyền!!")
    assert users.sign_in(ctx, "hoa.nt", "135790").username == "hoa.nt"


@pytest.mark.parametrize("kwargs, message", [
    ({"username": "a", "pin": "123456"}, "Tên đăng nhập"),
    ({"username": "có dấu", "pin": "123456"}, "Tên đăng nhập"),
    ({"username": "ok.name", "pin": "12a4"}, "PIN phải gồm 6 đến 8 chữ số"),
    ({"username": "ok.name", "password": "short"}, "ít nhất 8 ký tự"),
    ({"username": "ok.name"}, "một mật khẩu hoặc một mã PIN"),
    ({"username": "ok.name", "pin": "123456", "role": "boss"}, "Vai trò 'boss' không có"),
])
def test_bad_account_input_is_refused_with_a_sentence(ctx, kwargs, message):
    kwargs = {"full_name": "Tên", "role": "it", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        users.create_user(ctx, **kwargs)
    assert not users.has_users(ctx)


def test_failed_sign_ins_are_rate_limited_and_survive_a_restart(ctx, clock):
    _staff(ctx)
    for left in (4, 3, 2, 1):
        with pytest.raises(SignInFailed, match=f"Còn {left} lần thử"):
            users.sign_in(ctx, "hoa.nt", "0000")
    with pytest.raises(SignInLocked, match="sau 30 giây"):
        users.sign_in(ctx, "hoa.nt", "0000")
    # even the right PIN waits out the lock, also after a restart of the app
    ctx.close()
    ctx = make_ctx(clock)
    with pytest.raises(SignInLocked):
        users.sign_in(ctx, "hoa.nt", "246810")
    clock.moment += timedelta(seconds=31)
    with pytest.raises(SignInLocked, match="sau 60 giây"):  # doubled
        users.sign_in(ctx, "hoa.nt", "9999")
    clock.moment += timedelta(seconds=61)
    assert users.sign_in(ctx, "hoa.nt", "246810").username == "hoa.nt"
    assert User.get(User.username == "hoa.nt").failed_attempts == 0
    ctx.close()
    assert users.lock_seconds(100) == users.MAX_LOCK_SECONDS


def test_unknown_and_disabled_accounts(ctx):
    _staff(ctx)
    with pytest.raises(SignInFailed, match="không đúng"):
        users.sign_in(ctx, "nobody", "whatever")
    sign_in_as(ctx, "admin")
    users.set_active(ctx, "hoa.nt", False)
    with pytest.raises(InvalidInput, match="CNTT cuối cùng"):
        users.set_active(ctx, "admin", False)
    users.sign_out(ctx)
    # a wrong secret answers as for an active account; only the right one says "disabled"
    with pytest.raises(SignInFailed, match="không đúng. .*Còn 4 lần thử"):
        users.sign_in(ctx, "hoa.nt", "000000")
    with pytest.raises(SignInFailed, match="đã bị khóa"):
        users.sign_in(ctx, "hoa.nt", "246810")


def test_services_check_roles_and_record_the_signed_in_user(ctx):
    _staff(ctx)
    ctx.sign_in_required = True  # as the desktop app runs
    with pytest.raises(PermissionDenied, match="đăng nhập"):
        dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=2)
    users.sign_in(ctx, "admin", "mật khẩu dài")
    with pytest.raises(PermissionDenied, match="Cán bộ tiếp nhận hoặc Lãnh đạo"):
        dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=2)
    with pytest.raises(PermissionDenied):
        tickets.call_next(ctx, 1)
    users.sign_in(ctx, "hoa.nt", "246810")
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=2)
    assert info.received_by == "Nguyễn Thị Hoa"
    users.sign_in(ctx, "lanh.dao", "lanhdao123")
    moved = dossiers.advance_dossier(ctx, info.code, "processing")
    assert [e.actor for e in moved.events] == ["Nguyễn Thị Hoa", "Trần Lãnh Đạo"]


def test_the_command_line_is_the_machines_administrator(ctx, capsys, monkeypatch):
    ctx.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("mật khẩu dài\n"))
    assert cli.main(["user", "add", "admin", "--name", "Lê Văn Tín", "--role", "it"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("246810\n"))
    assert cli.main(["user", "add", "hoa.nt", "--name", "Nguyễn Thị Hoa", "--role", "clerk",
                     "--pin", "--counter", "1"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("135711\n"))
    assert cli.main(["user", "passwd", "hoa.nt", "--pin"]) == 0
    capsys.readouterr()
    assert cli.main(["user", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["username"], r["role"], r["secret_kind"]) for r in rows] == [
        ("hoa.nt", "clerk", "pin"), ("admin", "it", "password")]
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert cli.main(["user", "passwd", "hoa.nt", "--pin"]) == 2
    assert "6 đến 8 chữ số" in capsys.readouterr().err


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=80), secret=st.text(max_size=300))
def test_nothing_typed_at_sign_in_does_worse_than_refuse(ctx, name, secret):
    if not users.has_users(ctx):
        _staff(ctx)
    try:
        info = users.sign_in(ctx, name, secret)
    except SignInFailed as exc:
        assert str(exc)
    else:  # only a real account's secret gets in
        assert (info.username, secret) in {("admin", "mật khẩu dài"), ("hoa.nt", "246810"),
                                           ("lanh.dao", "lanhdao123")}
