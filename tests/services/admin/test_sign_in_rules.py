"""Sign-in rules of issue #18: a disabled account is not revealed by a wrong secret, one's
own PIN changes only with the old one, new PINs have 6+ digits (older short PINs must be
changed at the next sign-in), and the production hash cost."""

import argon2
import pytest
from appfixtures import sign_in_as

from sadec_desk.db.user_models import User
from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import users
from sadec_desk.services.admin.users import SignInFailed, SignInLocked
from sadec_desk.services.reception import dossiers


def _staff(ctx):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="mật khẩu dài")
    sign_in_as(ctx, "admin")
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810")
    users.sign_out(ctx)


def test_a_disabled_account_answers_like_a_wrong_secret(ctx):
    _staff(ctx)
    users.create_user(ctx, username="lan.tt", full_name="Trần Thị Lan", role="clerk",
                      pin="975310")
    users.set_active(ctx, "hoa.nt", False)
    answers = []
    for name in ("hoa.nt", "lan.tt"):  # disabled, active
        with pytest.raises(SignInFailed) as caught:
            users.sign_in(ctx, name, "000000")
        answers.append(str(caught.value))
    assert answers[0] == answers[1] and "đã bị khóa" not in answers[0]
    # a disabled account is rate-limited like any other
    for _ in range(4):
        with pytest.raises(SignInFailed):
            users.sign_in(ctx, "hoa.nt", "000000")
    with pytest.raises(SignInLocked):
        users.sign_in(ctx, "hoa.nt", "246810")


def test_changing_ones_own_pin_needs_the_old_one(ctx):
    _staff(ctx)
    users.sign_in(ctx, "hoa.nt", "246810")
    with pytest.raises(SignInFailed, match="hiện tại không đúng"):
        users.set_secret(ctx, "hoa.nt", pin="135790")
    with pytest.raises(SignInFailed, match="hiện tại không đúng"):
        users.set_secret(ctx, "hoa.nt", pin="135790", current="111111")
    assert User.get(User.username == "hoa.nt").failed_attempts == 2  # guesses count
    users.set_secret(ctx, "hoa.nt", pin="135790", current="246810")
    assert users.sign_in(ctx, "hoa.nt", "135790").username == "hoa.nt"
    # IT resets someone else's without it
    users.sign_in(ctx, "admin", "mật khẩu dài")
    users.set_secret(ctx, "hoa.nt", pin="864200")
    assert users.sign_in(ctx, "hoa.nt", "864200").username == "hoa.nt"


def test_new_pins_have_six_digits_and_old_short_ones_must_change(ctx):
    _staff(ctx)
    sign_in_as(ctx, "admin")
    with pytest.raises(InvalidInput, match="6 đến 8 chữ số"):
        users.create_user(ctx, username="ngan.pt", full_name="Phạm Ngân", role="clerk",
                          pin="2468")
    # an account from before the rule: a 4-digit PIN hashed as it was then
    User.update(secret_hash=users.HASHER.hash("2468")).where(
        User.username == "hoa.nt").execute()
    users.sign_out(ctx)
    ctx.sign_in_required = True
    info = users.sign_in(ctx, "hoa.nt", "2468")
    assert info.must_change_secret
    with pytest.raises(PermissionDenied, match="mã PIN mới"):
        dossiers.list_dossiers(ctx)
    with pytest.raises(InvalidInput, match="6 đến 8"):
        users.set_secret(ctx, "hoa.nt", pin="1357", current="2468")
    changed = users.set_secret(ctx, "hoa.nt", pin="135790", current="2468")
    assert not changed.must_change_secret and not ctx.user.must_change_secret
    assert dossiers.list_dossiers(ctx) == []
    assert not users.sign_in(ctx, "hoa.nt", "135790").must_change_secret


def test_production_hash_parameters():
    """The cost measured in bench/argon2_cost.py (>= 0.5 s of CPU per guess on the
    reference machine): argon2id, t=4, 128 MiB, 2 lanes."""
    hasher = users.PRODUCTION_HASHER
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (4, 128 * 1024, 2)
    assert hasher.type is argon2.Type.ID
    # accounts hashed with cheaper parameters are re-hashed at their next sign-in
    cheap = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST).hash("246810")
    assert hasher.check_needs_rehash(cheap)
