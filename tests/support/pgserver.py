"""A throwaway PostgreSQL server for the tests.

The server lives in a fresh temp dir, listens on 127.0.0.1 on a free port with trust
authentication for the user ``sadec``, and is stopped and deleted afterwards. It uses the
server binaries of the machine (Debian: package ``postgresql``, which ``bootstrap.sh test``
installs). PostgreSQL refuses to run as root, so under root the data dir belongs to the
``postgres`` system user and the server runs as that user.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "sadec"
START_TIMEOUT = 60  # seconds; a cold start under load takes a few seconds at most
STOP_TIMEOUT = 30


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def find_bindir() -> Path:
    """The newest directory holding initdb and pg_ctl.

    ``SADEC_PG_BINDIR`` overrides; then Debian/Ubuntu's /usr/lib/postgresql/*/bin,
    RHEL's /usr/pgsql-*/bin, and finally whatever initdb is on PATH.
    """
    candidates: list[str] = []
    if os.environ.get("SADEC_PG_BINDIR"):
        candidates.append(os.environ["SADEC_PG_BINDIR"])
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates += sorted(glob.glob("/usr/pgsql-*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        bindir = Path(candidate)
        if all(os.access(bindir / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or "
        "on PATH; install the Debian package 'postgresql' (sh bootstrap.sh test does)"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start with :meth:`start`, stop (and delete everything) with :meth:`stop`."""

    def __init__(self, bindir: Path | None = None, *, durable: bool = False) -> None:
        self.bindir = bindir or find_bindir()
        # False (tests): fsync, synchronous_commit and full_page_writes off on the
        # command line, which ALTER SYSTEM cannot turn back on (a command-line setting
        # outranks postgresql.auto.conf); True (benchmarks): the server's defaults, on
        self.durable = durable
        self.base: Path | None = None
        self.port: int | None = None
        self._run_as: pwd.struct_passwd | None = None

    # -- helpers -----------------------------------------------------------------------

    @property
    def datadir(self) -> Path:
        assert self.base is not None
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        assert self.base is not None
        return self.base / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}"

    def _server_cmd(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        """Run a server binary, as the ``postgres`` user when we are root."""
        kwargs: dict = {}
        if self._run_as is not None:
            kwargs = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid,
                      "extra_groups": []}
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        if self._run_as is not None:
            env.update(HOME=str(self.base), USER=self._run_as.pw_name,
                       LOGNAME=self._run_as.pw_name)
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.base, env=env, capture_output=True, text=True,
            timeout=timeout, check=False, **kwargs,
        )

    def _log_tail(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no server log)"

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> PostgresServer:
        self.base = Path(tempfile.mkdtemp(prefix="sadec-pg-"))
        if os.geteuid() == 0:
            # PostgreSQL will not run as root. Debian's package creates 'postgres'.
            try:
                self._run_as = pwd.getpwnam("postgres")
            except KeyError:
                self._run_as = pwd.getpwnam("nobody")
            os.chown(self.base, self._run_as.pw_uid, self._run_as.pw_gid)
        atexit.register(self.stop)

        done = self._server_cmd(
            "initdb", "-D", str(self.datadir), "-U", USER, "-A", "trust",
            "-E", "UTF8", "--no-locale", "--no-sync", timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

        last_error = ""
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = _free_port()
            options = " ".join([
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.base}",
                *([] if self.durable else
                  ["-c fsync=off -c synchronous_commit=off -c full_page_writes=off"]),
                "-c max_connections=50",
            ])
            done = self._server_cmd(
                "pg_ctl", "start", "-D", str(self.datadir), "-l", str(self.logfile),
                "-w", "-t", str(START_TIMEOUT), "-o", options, timeout=START_TIMEOUT + 10,
            )
            if done.returncode == 0 and self._wait_accepting(deadline=time.monotonic() + 30):
                return self
            last_error = f"{done.stdout}\n{done.stderr}\n{self._log_tail()}"
            self._pg_ctl_stop()
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")

    def _wait_accepting(self, deadline: float) -> bool:
        """Poll with a bound until a real connection works (pg_ctl -w checks the socket)."""
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if self._query_ok():
                    return True
            except OSError:
                pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def _query_ok(self) -> bool:
        try:
            import psycopg2
        except ImportError:  # the test extra has it; without it the TCP probe must do
            return True
        try:
            conn = psycopg2.connect(self.url(), connect_timeout=2)
        except psycopg2.OperationalError:
            return False
        conn.close()
        return True

    def create_database(self, name: str) -> str:
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def execute(self, sql: str) -> None:
        """Run one statement in autocommit mode on the maintenance database."""
        try:
            import psycopg2
        except ImportError:
            done = subprocess.run(
                [str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                 "-d", self.url(), "-c", sql],
                capture_output=True, text=True, timeout=60, check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"psql failed: {done.stderr}") from None
            return
        conn = psycopg2.connect(self.url(), connect_timeout=10)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def _pg_ctl_stop(self) -> None:
        if self.base is None or not (self.datadir / "postmaster.pid").exists():
            return
        try:
            done = self._server_cmd("pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate",
                                    "-w", "-t", str(STOP_TIMEOUT), timeout=STOP_TIMEOUT + 10)
            if done.returncode == 0:
                return
        except subprocess.TimeoutExpired:
            pass
        # pg_ctl could not stop it: kill the postmaster named in its pid file.
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.datadir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.base is None:
            return
        self._pg_ctl_stop()
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None
        atexit.unregister(self.stop)
