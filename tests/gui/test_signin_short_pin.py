"""A clerk whose PIN predates the 6-digit rule signs in and must set a new PIN before the
counter opens (issue #18)."""

from appfixtures import sign_in_as
from guikit import type_text

from sadec_desk.db.user_models import User
from sadec_desk.services.admin import users


def test_a_short_pin_must_be_changed_at_sign_in(shell, ctx):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810", counter=1)
    # made before the rule: a 4-digit PIN
    User.update(secret_hash=users.HASHER.hash("2468")).where(
        User.username == "hoa.nt").execute()
    users.sign_out(ctx)
    shell.on_sign_out()
    shell.tasks.pump()
    view = shell.screen
    type_text(view.username, "hoa.nt")
    type_text(view.secret, "2468", enter=True)
    assert shell.tasks.pump(until=lambda: hasattr(view, "new_pin"))
    assert type(shell.screen).__name__ == "SignInView"
    assert "quá ngắn" in view.message.text
    type_text(view.new_pin, "1357")
    type_text(view.new_pin2, "1357", enter=True)
    shell.tasks.pump()
    assert "6 đến 8 chữ số" in view.message.text
    assert type(shell.screen).__name__ == "SignInView"
    type_text(view.new_pin, "135790")
    type_text(view.new_pin2, "135791", enter=True)
    assert "không giống nhau" in view.message.text
    type_text(view.new_pin, "135790")
    type_text(view.new_pin2, "135790", enter=True)
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "CounterView"), (
        view.message.text)
    assert not ctx.user.must_change_secret
    users.sign_out(ctx)
    assert users.sign_in(ctx, "hoa.nt", "135790").username == "hoa.nt"
