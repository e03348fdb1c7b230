"""Roles everywhere (issue #14 item 6): every public function of the service layer and of
the sync entry points either checks the role first or is listed in ``access.PUBLIC``.

The enumerating test calls every guarded function as an attacker would: with a context
whose only attributes are ``user`` and ``sign_in_required`` and ``None`` for every other
argument. The check must come first, so the call must end in ``PermissionDenied`` — with
nobody signed in while the GUI requires a sign-in, and with each role the function does
not allow. A function that is neither guarded nor listed fails (with its name).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from datetime import timedelta
from types import SimpleNamespace

import pytest

import sadec_desk.services
from sadec_desk.services import access
from sadec_desk.services.access import ANY_ROLE, ROLES, PermissionDenied

SYNC_ENTRY_MODULES = ("sadec_desk.sync.api", "sadec_desk.sync.engine", "sadec_desk.sync.state",
                      "sadec_desk.sync.conflicts")

#: functions whose check depends on the arguments (the roles the dummy call must meet)
ARGUMENT_DEPENDENT = {
    # a dossier's page is the counter's, a kiosk draft's page anyone's: with no row the
    # dummy call cannot say which; nobody-signed-in is refused either way
    "sadec_desk.services.pages.store.read_page": ANY_ROLE,
    "sadec_desk.services.pages.store.thumbnail": ANY_ROLE,
    "sadec_desk.services.pages.store.require_page_role": ANY_ROLE,
    "sadec_desk.services.pages.store.read_blob": ANY_ROLE,
    # the leader and IT for the book of dossiers, anyone signed in for the figures
    "sadec_desk.services.reports.build.export_report": ANY_ROLE,
    # a kiosk draft's page: anyone signed in; a dossier's (the dummy call's): the counter
    "sadec_desk.services.pages.dossier_pages.add_page": ("clerk", "leader"),
    # the owner of a draft-age: anyone signed in past the kiosk's stale age, IT sooner
    "sadec_desk.services.pages.dossier_pages.purge_stale_drafts": ("it",),
    # the scheduled backup into the configured folder: anyone signed in; any other
    # (the dummy call's default, purpose="manual"): the leader and IT
    "sadec_desk.services.admin.backup.create_backup": ("it", "leader"),
}
#: checked inside, on the database (a real test below each)
CHECKED_ON_THE_DATABASE = {
    # the very first account (first start, nobody can sign in yet) needs no role;
    # any other needs IT: see test_only_the_first_account_is_made_without_a_role
    "sadec_desk.services.admin.users.create_user",
}


def _modules():
    names = [m.name for m in pkgutil.walk_packages(sadec_desk.services.__path__,
                                                   "sadec_desk.services.")]
    return [importlib.import_module(n) for n in sorted(names) + list(SYNC_ENTRY_MODULES)]


def _public_functions():
    found = []
    for module in _modules():
        for name, value in sorted(vars(module).items()):
            if (not name.startswith("_") and inspect.isfunction(value)
                    and value.__module__ == module.__name__):
                found.append((f"{module.__name__}.{name}", value))
    return found


FUNCTIONS = _public_functions()
GUARDED = [(name, fn) for name, fn in FUNCTIONS
           if name not in access.PUBLIC and name not in CHECKED_ON_THE_DATABASE]


def _roles_named(fn) -> tuple[str, ...] | None:
    """The roles of the first ``require_role(ctx, ...)`` in ``fn`` (None: no direct call)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "require_role", "_require")):
            roles: list[str] = []
            for arg in node.args[1:]:
                value = eval(compile(ast.Expression(  # noqa: S307 - our own source
                    arg.value if isinstance(arg, ast.Starred) else arg), "<roles>", "eval"),
                    fn.__globals__)
                roles.extend(value if isinstance(arg, ast.Starred | ast.Name) and not
                             isinstance(value, str) else [value])
            return tuple(roles)
    return None


def _expected_roles(name: str, fn) -> tuple[str, ...]:
    if name in ARGUMENT_DEPENDENT:
        return ARGUMENT_DEPENDENT[name]
    roles = _roles_named(fn)
    assert roles is not None, f"{name}: no require_role() call and not in access.PUBLIC"
    assert roles and set(roles) <= set(ROLES), f"{name}: unknown roles {roles}"
    return roles


def _fake_user(role: str):
    return SimpleNamespace(id=99, username=f"mallory-{role}", full_name="Mallory", role=role,
                           counter=None)


def _call(fn, ctx):
    """Call ``fn`` with ``ctx`` and None for every other argument it requires."""
    args, kwargs = [], {}
    for param in inspect.signature(fn).parameters.values():
        value = ctx if param.name == "ctx" else None
        if param.default is not inspect.Parameter.empty or param.kind in (
                param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind == param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    return fn(*args, **kwargs)


def test_the_walk_finds_the_services():
    names = {name for name, _ in FUNCTIONS}
    assert len(names) > 300
    for expected in ("sadec_desk.services.queue.setup.create_counter",
                     "sadec_desk.sync.engine.run_once", "sadec_desk.sync.state.set_state",
                     "sadec_desk.sync.conflicts.resolve",
                     "sadec_desk.services.reception.dossiers.get_dossier"):
        assert expected in names


def test_the_public_list_names_only_real_functions_with_a_reason():
    names = {name for name, _ in FUNCTIONS}
    assert set(access.PUBLIC) <= names, sorted(set(access.PUBLIC) - names)
    assert all(len(reason) > 20 for reason in access.PUBLIC.values())


@pytest.mark.parametrize(("name", "fn"), GUARDED, ids=[n for n, _ in GUARDED])
def test_every_service_checks_the_role_first(name, fn):
    assert "ctx" in inspect.signature(fn).parameters, (
        f"{name} takes no ctx: it cannot check a role; guard it or list it in access.PUBLIC")
    roles = _expected_roles(name, fn)
    nobody = SimpleNamespace(user=None, sign_in_required=True)
    with pytest.raises(PermissionDenied):
        _call(fn, nobody)
    for role in ROLES:
        if role not in roles:
            with pytest.raises(PermissionDenied):
                _call(fn, SimpleNamespace(user=_fake_user(role), sign_in_required=True))


# --- the holes the issue found, on a real database ------------------------------------


@pytest.fixture
def as_clerk(ctx):
    from sadec_desk.services.admin import users
    users.create_user(ctx, username="tin.lv", full_name="Lê Văn Tín", role="it",
                      password="mật-khẩu-dài-0")
    users.create_user(ctx, username="mallory", full_name="Mallory Trần", role="clerk",
                      password="mật-khẩu-dài-1")
    ctx.user = users.get_user(ctx, "mallory")
    ctx.sign_in_required = True
    return ctx


def test_a_clerk_is_refused_the_set_up_and_the_engine(as_clerk, tmp_path):
    from sadec_desk.services import audit, catalogue
    from sadec_desk.services.admin import backup, users
    from sadec_desk.services.pages import dossier_pages
    from sadec_desk.services.printing import jobs
    from sadec_desk.services.queue import setup
    from sadec_desk.sync import conflicts, engine, state

    ctx = as_clerk
    attempts = [
        lambda: setup.create_counter(ctx, number=9, name="Quầy giả", groups=[]),
        lambda: setup.set_same_day_weekdays(ctx, [0, 1, 2, 3, 4, 5, 6]),
        lambda: catalogue.adopt_procedure(ctx, None, "portal"),
        lambda: backup.create_backup(ctx, purpose="scheduled", folder=tmp_path / "stolen"),
        lambda: backup.verify_backup(ctx, "x"),
        lambda: audit.record_restore(ctx),
        lambda: jobs.print_test_page(ctx),
        lambda: jobs.reprint_job(ctx, 1),
        lambda: dossier_pages.purge_stale_drafts(ctx, timedelta(0)),
        lambda: users.list_users(ctx),
        lambda: engine.run_once(ctx),
        lambda: state.set_state(ctx, "portal_url", "https://evil.example"),
        lambda: conflicts.resolve(ctx, "x", "mine"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as caught:
            attempt()
        assert "Cán bộ tiếp nhận" in str(caught.value)  # a sentence, naming the role
    assert not (tmp_path / "stolen").exists()
    assert state.get_state("portal_url", "") != "https://evil.example"


def test_nobody_signed_in_reads_no_dossier(ctx):
    from appfixtures import SAMPLE_QR

    from sadec_desk.services.reception import dossiers, search
    info = dossiers.receive_dossier(ctx, procedure_code=_any_procedure(ctx), qr_text=SAMPLE_QR)
    ctx.sign_in_required = True  # the GUI, nobody signed in
    for attempt in (lambda: dossiers.get_dossier(ctx, info.code),
                    lambda: dossiers.list_dossiers(ctx),
                    lambda: search.find_dossiers(ctx, "Nguyễn")):
        with pytest.raises(PermissionDenied, match="đăng nhập"):
            attempt()
    ctx.sign_in_required = False  # the command line: the machine's administrator
    assert dossiers.get_dossier(ctx, info.code).code == info.code


def _any_procedure(ctx):
    from sadec_desk.services import catalogue
    return catalogue.list_procedures(ctx)[0].code


def test_as_machine_is_a_private_copy(as_clerk):
    machine = access.as_machine(as_clerk)
    assert machine.user is None and machine.sign_in_required is False
    assert as_clerk.user.username == "mallory" and as_clerk.sign_in_required is True
    access.require_role(machine, "it")  # the machine's administrator, like the CLI


def test_only_the_first_account_is_made_without_a_role(ctx):
    from sadec_desk.services.admin import users
    ctx.sign_in_required = True  # the GUI's first start: nobody can sign in yet
    users.create_user(ctx, username="tin.lv", full_name="Lê Văn Tín", role="it",
                      password="mật-khẩu-dài-1")
    with pytest.raises(PermissionDenied, match="đăng nhập"):
        users.create_user(ctx, username="mallory", full_name="Mallory", role="it",
                          password="mật-khẩu-dài-2")
    ctx.user = SimpleNamespace(**vars(_fake_user("clerk")))
    with pytest.raises(PermissionDenied):
        users.create_user(ctx, username="mallory", full_name="Mallory", role="it",
                          password="mật-khẩu-dài-2")


def test_the_background_rounds_run_as_the_machine_under_a_clerk(as_clerk):
    """The sync and print workers share the GUI's context: with a clerk signed in they
    still run (as the machine), while the clerk's own calls to the same engine are refused."""
    import socket

    from sadec_desk.services.printing.worker import PrintRounds
    from sadec_desk.sync import engine, state
    from sadec_desk.sync.worker import SyncWorker

    ctx = as_clerk
    with socket.socket() as s:  # a port nobody listens on: the round fails on the network
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx.config.values["sync.portal_url"] = f"http://127.0.0.1:{port}"
    state_before = state.get_state("last_attempt_at", "")
    report = SyncWorker(ctx).step()
    assert report is not None  # no PermissionDenied swallowed in the log
    assert state.get_state("last_attempt_at", "") != state_before
    assert PrintRounds(ctx)().failed == 0
    assert ctx.user.username == "mallory" and ctx.sign_in_required is True
    with pytest.raises(PermissionDenied):
        engine.run_once(ctx, force=True)
