"""Names the system writes as an event's actor (or acts under) cannot be staff usernames:
events compare actors by username (services/actors.py)."""

from __future__ import annotations

import io

import argon2
import pytest

from sadec_desk import cli
from sadec_desk.errors import InvalidInput
from sadec_desk.services import actors
from sadec_desk.services.admin import users


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(users, "HASHER",
                        argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    monkeypatch.setattr(users, "_DUMMY_HASH", None)


@pytest.mark.parametrize("name", ["portal", " Portal ", "KIOSK", "system",
                                  actors.PORTAL_ACTOR])
def test_a_reserved_name_is_refused_at_account_creation(ctx, name):
    with pytest.raises(InvalidInput, match="dành riêng cho hệ thống") as refused:
        users.create_user(ctx, username=name, full_name="Nguyễn Văn Cổng", role="it",
                          password="mật khẩu dài")
    assert f"'{name.strip().lower()}'" in str(refused.value)
    assert not users.has_users(ctx)
    # names that merely contain one are ordinary usernames
    users.create_user(ctx, username=f"{name.strip().lower()}.nv", full_name="Nguyễn Văn A",
                      role="it", password="mật khẩu dài")


def test_the_first_start_refuses_it_before_writing_anything(ctx):
    with pytest.raises(InvalidInput, match="dành riêng cho hệ thống"):
        users.first_start(ctx, office_name="UBND phường 1", agency_code="000.00.14.H20",
                          username="portal", full_name="Lê Văn Tín", password="mật khẩu dài")
    assert not users.has_users(ctx) and ctx.user is None


def test_the_command_line_says_it_in_vietnamese(ctx, capsys, monkeypatch):
    ctx.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("mật khẩu dài\n"))
    assert cli.main(["user", "add", "portal", "--name", "Lê Văn Tín", "--role", "it"]) == 2
    err = capsys.readouterr().err
    assert "Tên đăng nhập 'portal' dành riêng cho hệ thống" in err and "Traceback" not in err

