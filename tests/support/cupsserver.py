"""A private CUPS scheduler on 127.0.0.1 for the print transport tests.

:class:`CupsServer` runs the machine's ``cupsd`` in the foreground with its own
``cupsd.conf`` / ``cups-files.conf`` in a temp dir (own spool, log, cache and state
dirs; no Bonjour, no browsing, no web interface, anonymous access from 127.0.0.1 only),
listening on a free loopback port. Clients find it through ``CUPS_SERVER=127.0.0.1:PORT``
(the ``cups_server`` fixture does not set it; tests do, with monkeypatch).

Queues are *raw* (``lpadmin -p NAME -E -v URI`` without ``-m``/``-P``): CUPS 2.4 still
accepts them and hands the job's bytes to the backend unchanged. Their device is
``socket://127.0.0.1:PORT`` (AppSocket, how a network receipt printer is set up in CUPS)
pointing at a :class:`printer_emulator.PrinterEmulator`, which records the bytes.

Why not ``FileDevice Yes`` and ``file:///tmp/.../out.bin``: CUPS 2.4's scheduler never
writes a raw job to a ``file:`` device. With no filter for a raw queue and no backend for
``file:`` URIs, nothing copies the spool file to the output file, and the job is still
marked "completed" (scheduler/job.c, cupsdContinueJob; seen with Debian's 2.4.2). The
same holds for ``file:/dev/usb/lp0``: a raw CUPS queue on a device node prints nothing
(use ``usb://`` in CUPS, or the app's own ``file:///dev/usb/lp0`` connection).
``FileDevice`` stays on in the config, but no test relies on it.

Needs the Debian packages ``cups-daemon`` (cupsd), ``cups-client`` (lp, lpadmin,
lpstat) and ``cups`` (the socket backend); ``sh bootstrap.sh test`` installs them. As
root, cupsd runs its backends as the ``lp`` user (the temp dir is made world-readable
for that); as another user, the config names that user.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 20  # seconds; cupsd answers in well under a second when idle
STOP_TIMEOUT = 10
COMMAND_TIMEOUT = 10  # one lpadmin/lpstat/cancel run against the private server
BACKEND_DIRS = ("/usr/lib/cups", "/usr/libexec/cups")  # ServerBin: Debian, Fedora/macOS


class CupsUnavailable(RuntimeError):
    """The CUPS scheduler or client programs are not installed."""


def _find(name: str) -> str | None:
    # cupsd and lpadmin live in /usr/sbin, which is not on a normal user's PATH
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")


def find_cups() -> dict[str, str]:
    """Paths of cupsd, the client programs and the socket backend."""
    found = {name: _find(name)
             for name in ("cupsd", "lp", "lpadmin", "lpstat", "cancel", "cupsreject")}
    backend = next((f"{d}/backend/socket" for d in BACKEND_DIRS
                    if os.access(f"{d}/backend/socket", os.X_OK)), None)
    found["socket-backend"] = backend
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise CupsUnavailable(
            f"CUPS is not installed (missing: {', '.join(missing)}); install the Debian "
            "packages cups-daemon cups-client cups (sh bootstrap.sh test does)")
    return {name: str(path) for name, path in found.items()}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CUPSD_CONF = """\
Listen 127.0.0.1:{port}
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
LogLevel info
# write printers.conf at once, so a queue survives a killed and restarted scheduler
DirtyCleanInterval 0
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
FileDevice Yes
Printcap {base}/printcap
ServerRoot {base}
RequestRoot {base}/spool
TempDir {base}/tmp
CacheDir {base}/cache
StateDir {base}/state
AccessLog {base}/log/access_log
ErrorLog {base}/log/error_log
PageLog {base}/log/page_log
{identity}
"""


class CupsServer:
    """Start with :meth:`start`, stop (and delete everything) with :meth:`stop`."""

    def __init__(self) -> None:
        self.tools = find_cups()
        self.base: Path | None = None
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """What a client needs to use this server instead of the system's."""
        return {"CUPS_SERVER": self.address}

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> CupsServer:
        self.base = Path(tempfile.mkdtemp(prefix="sadec-cups-"))
        # cupsd runs backends as 'lp'; they read the spool files under this dir
        self.base.chmod(0o755)
        for sub in ("spool", "tmp", "cache", "state", "log"):
            (self.base / sub).mkdir()
        if os.geteuid() == 0:
            identity = "SystemGroup root"
        else:
            group = grp.getgrgid(os.getegid()).gr_name
            identity = (f"User {pwd.getpwuid(os.geteuid()).pw_name}\nGroup {group}\n"
                        f"SystemGroup {group}")
        (self.base / "cups-files.conf").write_text(
            CUPS_FILES_CONF.format(base=self.base, identity=identity))
        atexit.register(self.stop)
        self.port = _free_port()
        (self.base / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port))
        self.check_config()
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = _free_port()
            (self.base / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port))
            try:
                self._launch()
                return self
            except RuntimeError as exc:
                last_error = str(exc)
                self._kill()
        self.stop()
        raise RuntimeError(f"cupsd did not start:\n{last_error}")

    def check_config(self) -> None:
        """``cupsd -t``: let the installed cupsd judge the generated files before it runs.

        A cupsd that refuses its config exits at once and writes the reason to stderr
        only (its error log is not open yet), so without this check a refusal reads as
        "cupsd exited with 1: (no cupsd log)". Debian's 2.4.2-3+deb12u10 refuses a
        directive without a value (``Printcap`` alone) that earlier builds took."""
        assert self.base is not None
        done = subprocess.run(
            [self.tools["cupsd"], "-t", "-c", str(self.base / "cupsd.conf"),
             "-s", str(self.base / "cups-files.conf")],
            capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
            env=dict(os.environ, LC_ALL="C"), check=False)
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"cupsd refused the generated config (cupsd -t exited with "
                               f"{done.returncode}): {(done.stderr + done.stdout).strip()}")

    def _launch(self) -> None:
        assert self.base is not None
        self._kill()
        with contextlib.suppress(FileNotFoundError):
            (self.base / "log" / "error_log").unlink()
        output = open(self.base / "log" / "cupsd.out", "ab")  # noqa: SIM115 (child keeps it)
        try:
            self.proc = subprocess.Popen(
                [self.tools["cupsd"], "-f", "-c", str(self.base / "cupsd.conf"),
                 "-s", str(self.base / "cups-files.conf")],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                env=dict(os.environ, LC_ALL="C"), start_new_session=True)
        finally:
            output.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cupsd exited with {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            if "Unable to open listen socket" in self._error_log():
                raise RuntimeError(f"port {self.port} is taken:\n{self.log_tail()}")
            if self._answers():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cupsd did not answer within {START_TIMEOUT} s:\n"
                                   f"{self.log_tail()}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
        except OSError:
            return False
        done = self.run("lpstat", "-r", check=False)
        return done.stdout.strip() == "scheduler is running"

    def restart(self) -> None:
        """Start the scheduler again on the same port, with the same queues and spool."""
        self._launch()

    def kill(self) -> None:
        """Kill the scheduler at once (SIGKILL), like a crash; :meth:`restart` brings it back."""
        self._kill(sig=signal.SIGKILL)

    def _kill(self, sig: int = signal.SIGTERM) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)

    def stop(self) -> None:
        self._kill()
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    # -- helpers -------------------------------------------------------------------------

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a CUPS client program against this server (bounded in time)."""
        done = subprocess.run([self.tools[tool], "-h", self.address, *args],
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              env=dict(os.environ, LC_ALL="C", CUPS_SERVER=self.address),
                              check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({done.returncode}): "
                               f"{done.stdout}{done.stderr}\n{self.log_tail()}")
        return done

    def add_queue(self, name: str, device_uri: str) -> None:
        """Create (or re-point) a raw, enabled queue accepting jobs."""
        self.run("lpadmin", "-p", name, "-E", "-v", device_uri)

    @contextlib.contextmanager
    def raw_queue(self, name: str, monkeypatch) -> Iterator:
        """A raw queue ``name`` printing to a fresh printer emulator, which is yielded;
        clients find this scheduler through CUPS_SERVER."""
        from printer_emulator import PrinterEmulator

        monkeypatch.setenv("CUPS_SERVER", self.address)
        with PrinterEmulator("ok") as printer:
            self.add_queue(name, f"socket://127.0.0.1:{printer.port}/?snmp=false")
            try:
                yield printer
            finally:
                self.cancel_all()

    def cancel_all(self) -> None:
        self.run("cancel", "-a", "-x", check=False)

    def unfinished_jobs(self) -> list[str]:
        done = self.run("lpstat", "-W", "not-completed", "-o", check=False)
        return [line for line in done.stdout.splitlines() if line.strip()]

    def _error_log(self) -> str:
        if self.base is None:
            return ""
        try:
            return (self.base / "log" / "error_log").read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self) -> str:
        out = ""
        if self.base is not None:
            with contextlib.suppress(OSError):
                out = (self.base / "log" / "cupsd.out").read_text(errors="replace")
        return (out + self._error_log())[-3000:] or "(no cupsd log)"


@pytest.fixture(scope="session")
def cups_server() -> Iterator[CupsServer]:
    """A private cupsd for the test session (not the machine's CUPS, which is left alone)."""
    try:
        server = CupsServer()
    except CupsUnavailable as exc:
        if os.environ.get("CI"):
            # CI installs CUPS (bootstrap.sh test): a skip there would hide a broken setup.
            pytest.fail(f"CI is set but {exc}", pytrace=False)
        pytest.skip(str(exc))
    server.start()
    try:
        yield server
    finally:
        server.stop()
