#!/bin/sh
# Sa Đéc Desk: set up everything on a Debian/Ubuntu machine that has python3, then
# start the app or run the test suite.
#
#   sh bootstrap.sh app  [ARGS...]         set up, then run `sadec-desk ARGS...`
#   sh bootstrap.sh test [PYTEST ARGS...]  set up, then ruff + mypy + pytest (exit code propagated)
#
# Safe to re-run: system packages are only installed when dpkg says they are missing,
# and the virtual environment (.venv) is only reinstalled when setup.cfg or
# pyproject.toml changed since the last install.
#
# Environment: PYTHON=/path/to/python3.x picks the interpreter for a new .venv;
# SADEC_BOOTSTRAP_NO_APT=1 skips system packages entirely (prints what is missing).
set -eu

usage() {
    cat <<'EOF'
usage: sh bootstrap.sh app  [ARGS...]         set up and start Sa Đéc Desk (sadec-desk ARGS...)
       sh bootstrap.sh test [PYTEST ARGS...]  set up and run lint (ruff), type checks (mypy)
                                              and all tests (pytest)
EOF
}

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'bootstrap: warning: %s\n' "$*" >&2; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
MODE=$1
shift
case $MODE in
    app | test) ;;
    -h | --help | help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")" && pwd)
cd "$ROOT"
VENV=$ROOT/.venv
MIN_PY=3.11

# --- Python --------------------------------------------------------------------------

py_ok() { # is "$1" a Python >= MIN_PY?
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        py_ok "$PYTHON" || die "PYTHON=$PYTHON is not a Python >= $MIN_PY"
        echo "$PYTHON"
        return
    fi
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && py_ok "$candidate"; then
            command -v "$candidate"
            return
        fi
    done
    die "Sa Đéc Desk needs Python >= $MIN_PY (python3 is $(python3 --version 2>&1 || echo missing)).
  On Debian 12 / Ubuntu 24.04 the system python3 is recent enough; elsewhere install
  python3.11 or newer and re-run with PYTHON=/path/to/python3.11 sh bootstrap.sh $MODE"
}

# Only the Debian/Ubuntu interpreter is helped by Debian's python3-* packages; a pyenv or
# self-built Python has to bring tkinter/venv itself.
is_debian_python() {
    "$1" -c 'import os, sys; sys.exit(0 if os.path.realpath(sys.executable).startswith("/usr/bin/") else 1)' \
        >/dev/null 2>&1
}

# --- System packages -------------------------------------------------------------------

SUDO=
CAN_INSTALL=no
if [ "${SADEC_BOOTSTRAP_NO_APT:-}" != 1 ] && command -v dpkg >/dev/null 2>&1 \
    && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        CAN_INSTALL=yes
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        SUDO="sudo -n"
        CAN_INSTALL=yes
    fi
fi
APT_UPDATED=no
# Wait for another apt/dpkg (unattended-upgrades, a second bootstrap) instead of failing.
APT_OPTS="-o DPkg::Lock::Timeout=300"

pkg_installed() {
    command -v dpkg-query >/dev/null 2>&1 || return 1
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# install_packages WHY PKG... : installs the missing ones, or says which are missing.
install_packages() {
    why=$1
    shift
    missing=
    for pkg in "$@"; do
        pkg_installed "$pkg" || missing="$missing $pkg"
    done
    [ -n "$missing" ] || return 0
    if [ "$CAN_INSTALL" != yes ]; then
        warn "missing system packages ($why):$missing
  install them as root, e.g.: sudo apt-get install --no-install-recommends$missing
  continuing without them; what needs them will fail or be skipped."
        return 0
    fi
    say "installing system packages ($why):$missing"
    if [ "$APT_UPDATED" = no ]; then
        # shellcheck disable=SC2086  # $SUDO, $APT_OPTS: word lists
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get $APT_OPTS update -qq \
            || warn "apt-get update failed; trying the install with the old package lists"
        APT_UPDATED=yes
    fi
    # shellcheck disable=SC2086
    if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get $APT_OPTS install -y -qq \
        --no-install-recommends $missing >/dev/null; then
        warn "could not install:$missing (continuing; what needs them will fail or be skipped)"
    fi
}

# The system servers the tests start privately: their versions go to the CI log, so a
# package update that changes their behaviour shows up there (cups-daemon 2.4.2-3+deb12u10
# began to refuse a 'Printcap' line without a value).
print_server_versions() {
    for pkg in cups-daemon sane-utils libsane1 xvfb; do
        ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
        say "found $pkg ${ver:-(not installed)}"
    done
    # cupsd has no --version; its package version above is the one to read
    if command -v scanimage >/dev/null 2>&1; then
        say "found $(scanimage --version 2>&1 | head -n 1)"
    fi
    pg=
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/postgres" ] && pg=$d/postgres
    done
    if [ -n "$pg" ]; then
        say "found $("$pg" --version 2>&1 | head -n 1) ($pg)"
    else
        say "found no PostgreSQL server under /usr/lib/postgresql"
    fi
}

PY=$(find_python)

# App: libzbar0 (pyzbar loads it at run time), DejaVu fonts (Vietnamese slips are drawn
# with Pillow), libusb (USB receipt printers through pyusb), espeak-ng (the display board
# says the calls, offline), sane-utils (scanimage: the kiosk's and counter's document
# scanner; the tests scan from its virtual 'test' device, and test mode installs this
# app list too), Tk (only the Debian interpreter can get it from a package).
APP_PKGS="libzbar0 fonts-dejavu-core libusb-1.0-0 espeak-ng sane-utils"
VENV_PY=$PY
[ -x "$VENV/bin/python" ] && VENV_PY=$VENV/bin/python
if ! "$VENV_PY" -c 'import tkinter' >/dev/null 2>&1; then
    if is_debian_python "$PY"; then
        # python3-tk is Tk for the distribution's python3 only; another /usr/bin Python (Ubuntu
        # 22.04's 3.12 from the deadsnakes PPA) has its own pythonX.Y-tk
        pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        if [ "$pyver" = "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' \
                2>/dev/null)" ]; then
            APP_PKGS="$APP_PKGS python3-tk"
        else
            APP_PKGS="$APP_PKGS python$pyver-tk"
        fi
    else
        warn "$PY cannot import tkinter and is not Debian's python3, so python3-tk would not help:
  rebuild that Python with Tk (e.g. apt-get install tk-dev, then pyenv install again) or use
  PYTHON=/usr/bin/python3. The command line and the tests that need no window still work."
    fi
fi
# shellcheck disable=SC2086  # a word list
install_packages "app" $APP_PKGS

if [ "$MODE" = test ]; then
    # Xvfb for GUI tests; PostgreSQL server binaries for the throwaway test server
    # (tests/pgserver.py); xauth for xvfb-run.
    # openssl: the sync tests make a throwaway CA and server certificate (TLS verification)
    TEST_PKGS="xvfb xauth openssl cups-daemon cups-client cups libcups2-dev gcc python3-dev"
    have_pg=no
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && have_pg=yes
    done
    [ "$have_pg" = yes ] || TEST_PKGS="$TEST_PKGS postgresql"
    # poppler-utils: the report tests read the PDFs back (pdftotext, pdfinfo, pdfimages)
    TEST_PKGS="$TEST_PKGS poppler-utils"
    # shellcheck disable=SC2086
    install_packages "tests" $TEST_PKGS
    print_server_versions
fi

# --- Virtual environment -------------------------------------------------------------

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV with $PY ($("$PY" --version 2>&1))"
    if ! "$PY" -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        if is_debian_python "$PY"; then
            # Debian splits venv/ensurepip out of python3; the versioned package is what
            # actually ships ensurepip (python3-venv depends on it).
            pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
            install_packages "python venv" python3-venv "python$pyver-venv"
        fi
        "$PY" -m venv "$VENV" || {
            rm -rf "$VENV"
            die "'$PY -m venv' failed; on Debian/Ubuntu install python3-venv and re-run"
        }
    fi
fi
VPY=$VENV/bin/python
"$VPY" -c 'import tkinter' >/dev/null 2>&1 \
    || warn "this venv's Python cannot import tkinter: the GUI and its tests will not run"

case $MODE in
    test) EXTRA="test" ;;
    *) EXTRA="postgres" ;;
esac

# What the install depends on: the packaging files, the interpreter, and the extra.
fingerprint() {
    printf '%s\n' "$1" "$("$VPY" -c 'import sys; print(sys.version)')"
    cat setup.cfg pyproject.toml
}
stamp_ok() { # stamp_ok EXTRA: installed with EXTRA for the current packaging files?
    [ -f "$VENV/.bootstrap-$1" ] && [ -x "$VENV/bin/sadec-desk" ] \
        && [ "$(fingerprint "$1" | cksum)" = "$(cat "$VENV/.bootstrap-$1")" ]
}

# The test extra is a superset of the postgres extra, so a test install serves the app too.
if stamp_ok "$EXTRA" || { [ "$EXTRA" = postgres ] && stamp_ok test; }; then
    :
else
    # Editable installs with package_dir need PEP 660, i.e. pip >= 21.3.
    if ! "$VPY" -c 'import sys, pip; sys.exit(0 if tuple(map(int, pip.__version__.split(".")[:2])) >= (21, 3) else 1)' \
        >/dev/null 2>&1; then
        say "upgrading pip in .venv"
        "$VPY" -m pip install -q --disable-pip-version-check --upgrade pip
    fi
    say "installing sadec-desk (editable, extra '$EXTRA') into .venv"
    "$VPY" -m pip install -q --disable-pip-version-check -e ".[$EXTRA]"
    fingerprint "$EXTRA" | cksum >"$VENV/.bootstrap-$EXTRA"
fi

# --- Run -------------------------------------------------------------------------------

if [ "$MODE" = app ]; then
    exec "$VENV/bin/sadec-desk" "$@"
fi

# test: start a private virtual screen for GUI tests when there is no display.
XVFB_PID=
XVFB_DIR=
cleanup() {
    if [ -n "$XVFB_PID" ]; then
        kill "$XVFB_PID" 2>/dev/null || true
        wait "$XVFB_PID" 2>/dev/null || true
    fi
    [ -z "$XVFB_DIR" ] || rm -rf "$XVFB_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DISPLAY:-}" ]; then
    if command -v Xvfb >/dev/null 2>&1; then
        XVFB_DIR=$(mktemp -d)
        # -displayfd: Xvfb picks a free display number and writes it once it accepts
        # connections, so there is neither a fixed :99 to collide on nor a sleep.
        Xvfb -displayfd 9 -screen 0 1280x1024x24 -nolisten tcp \
            9>"$XVFB_DIR/display" 2>"$XVFB_DIR/log" &
        XVFB_PID=$!
        tries=0
        while [ ! -s "$XVFB_DIR/display" ] && [ $tries -lt 100 ]; do
            kill -0 "$XVFB_PID" 2>/dev/null || break
            sleep 0.1
            tries=$((tries + 1))
        done
        if [ -s "$XVFB_DIR/display" ]; then
            DISPLAY=:$(tr -dc 0-9 <"$XVFB_DIR/display")
            export DISPLAY
            say "started Xvfb on $DISPLAY for GUI tests"
        else
            warn "Xvfb did not start within 10 s (GUI tests will fail or skip):"
            cat "$XVFB_DIR/log" >&2 || true
            # the GUI tests quote it when they fail for want of a display
            SADEC_XVFB_ERROR=$(tail -c 2000 "$XVFB_DIR/log" 2>/dev/null || true)
            export SADEC_XVFB_ERROR
            cleanup
            XVFB_PID=
            XVFB_DIR=
        fi
    else
        warn "no DISPLAY and no Xvfb: GUI tests will fail or skip (install xvfb)"
    fi
fi

say "ruff check ."
ruff_rc=0
"$VENV/bin/ruff" check . || ruff_rc=$?

# The type-clean packages (config in pyproject.toml). Through tools/typecheck.py, which
# shows mypy sadec_desk.db and sadec_desk.printers (db/ and printers/, mapped in by
# setup.cfg's package_dir, are invisible to a plain mypy run).
say "mypy sadec_desk/domain sadec_desk/services sadec_desk/adapters sadec_desk/sync (and db/, printers/ as they import them)"
mypy_rc=0
"$VPY" -m sadec_desk.tools.typecheck sadec_desk/domain sadec_desk/services sadec_desk/adapters sadec_desk/sync || mypy_rc=$?

# Two worker processes (pytest-xdist): the CI machine has 2 cores and the suite, run in
# one process, took 16-26 minutes. worksteal: each worker starts with half of the tests
# and an idle one takes over the end of the other's (tests/conftest.py puts the long ones
# first). SADEC_TEST_WORKERS=0 runs everything in one process; a -n given after `test`
# overrides it too.
WORKERS=${SADEC_TEST_WORKERS:-2}
say "pytest -q -n $WORKERS --dist worksteal $*"
pytest_rc=0
"$VPY" -m pytest -q -n "$WORKERS" --dist worksteal "$@" || pytest_rc=$?

if [ "$ruff_rc" -ne 0 ]; then
    warn "ruff check failed (exit $ruff_rc)"
fi
if [ "$mypy_rc" -ne 0 ]; then
    warn "mypy failed (exit $mypy_rc)"
fi
if [ "$pytest_rc" -ne 0 ]; then
    exit "$pytest_rc"
fi
if [ "$ruff_rc" -ne 0 ]; then
    exit "$ruff_rc"
fi
exit "$mypy_rc"
