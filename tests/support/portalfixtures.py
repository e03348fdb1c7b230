"""Start the reference portal on 127.0.0.1 (free port) and talk to it as its operator;
a small TCP proxy that drops connections, for fault injection. Everything is
bounded in time."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
from appfixtures import AGENCY

from sadec_desk.sync.portal.app import create_app
from sadec_desk.sync.portal.models import open_portal_database
from sadec_desk.sync.portal.store import PortalStore

ADMIN_KEY = "test-admin-key"


class RunningPortal:
    def __init__(self, server, thread, store):
        self.server = server
        self.thread = thread
        self.store = store
        self.url = f"http://127.0.0.1:{server.effective_port}"
        self.http = httpx.Client(base_url=self.url + "/v1", timeout=10,
                                 headers={"X-Admin-Key": ADMIN_KEY})

    def admin(self, method: str, path: str, json=None):
        response = self.http.request(method, "/admin" + path, json=json)
        response.raise_for_status()
        return response.json()

    def new_code(self, agency: str = AGENCY) -> str:
        """A one-time enrolment code for a device of office ``agency`` (by default the
        one appfixtures' offices have)."""
        return self.admin("POST", "/enrolments", {"agency": agency})["code"]

    def faults(self, **values) -> None:
        self.admin("POST", "/faults", values)

    def dossiers(self) -> list[dict]:
        return self.admin("GET", "/dossiers")["dossiers"]

    def device_client(self, agency: str = AGENCY) -> httpx.Client:
        """An HTTP client holding the token of a device newly enrolled for office
        ``agency`` (the caller closes it): a second device of an office, or an attacker's
        device of another one, talking to the API directly."""
        api = httpx.Client(base_url=self.url + "/v1", timeout=10)
        answer = api.post("/devices/enrol", json={"code": self.new_code(agency),
                                                  "name": "x", "agency_code": agency})
        assert answer.status_code == 200, answer.text
        api.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        return api

    def stop(self) -> None:
        from waitress import wasyncore

        self.http.close()
        wasyncore.close_all(self.server._map)
        self.server.task_dispatcher.shutdown(timeout=5)
        self.thread.join(10)
        assert not self.thread.is_alive(), "portal thread did not stop"
        close_all = getattr(self.store.database, "close_all", None)
        if close_all is not None:  # PostgreSQL: the pool's connections
            close_all()


def start_portal(path: Path, *, token_ttl: int = 3600, test_hooks: bool = True,
                 database_url: str | None = None) -> RunningPortal:
    """The portal on the SQLite file ``path``, or on the PostgreSQL database at
    ``database_url`` (its blobs then beside ``path``)."""
    from waitress import create_server

    database = open_portal_database(database_url, path, connections=5)
    store = PortalStore(database, token_ttl=timedelta(seconds=token_ttl),
                        blob_dir=path.parent / "portal-blobs")
    app = create_app(store, admin_key=ADMIN_KEY, test_hooks=test_hooks)
    server = create_server(app, host="127.0.0.1", port=0, threads=4,
                           asyncore_loop_timeout=0.2)
    failure: list[str] = []

    def run():
        try:
            server.run()
        except Exception as exc:  # noqa: BLE001 (the waiting loop below reports it)
            # stop() closes the sockets under the loop's select() (an OSError); that ends
            # the loop. Before the portal answered, it is the reason it did not start.
            failure.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=run, daemon=True, name="test-portal")
    thread.start()
    running = RunningPortal(server, thread, store)
    deadline = time.monotonic() + 10
    last = "no answer"
    while True:
        try:
            answer = httpx.get(running.url + "/v1/health", timeout=1)
            if answer.status_code == 200:
                return running
            last = f"/v1/health answered {answer.status_code}: {answer.text[:500]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            running.stop()
            reason = failure[0] if failure else last
            raise RuntimeError(f"the reference portal did not start: {reason}")
        time.sleep(0.02)


class _LoopbackListener:
    """Accepts connections on 127.0.0.1 in a thread and serves each in its own thread."""

    scheme = "http"

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        raise NotImplementedError

    def stop(self):
        self._stop.set()
        self.listener.close()
        self.thread.join(5)


def _shut(*sockets) -> None:
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _pump_down(upstream, client, dropping: threading.Event | None = None) -> None:
    """Forward the portal's answers to the client until either side closes (or,
    once ``dropping`` is set, drop the answer), then close both connections."""
    try:
        while data := upstream.recv(65536):
            if dropping is not None and dropping.is_set():
                break
            client.sendall(data)
    except OSError:
        pass
    finally:
        _shut(client, upstream)
        for s in (client, upstream):
            s.close()


class DroppingProxy(_LoopbackListener):
    """Loopback TCP proxy in front of the portal that drops the connection carrying
    the answer to the ``drop_push``-th push request (1-based): the portal has
    committed that batch, the client never hears of it. ``request`` names another
    request to count instead (e.g. ``b"POST /v1/devices/enrol"``)."""

    def __init__(self, target_port: int, drop_push: int = 0,
                 request: bytes = b"POST /v1/push"):
        self.drop_push = drop_push
        self.request = request
        self.pushes = 0
        self.lock = threading.Lock()
        super().__init__(target_port)

    def _serve(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        client.settimeout(10)
        dropping = threading.Event()

        def pump_up():
            try:
                while data := client.recv(65536):
                    if data.startswith(self.request):
                        with self.lock:
                            self.pushes += 1
                            if self.pushes == self.drop_push:
                                dropping.set()
                    upstream.sendall(data)
            except OSError:
                pass

        threading.Thread(target=pump_up, daemon=True).start()
        _pump_down(upstream, client, dropping)


_METHODS = (b"GET ", b"HEAD ", b"POST ", b"PATCH ", b"PUT ", b"DELETE ")


class UploadProxy(_LoopbackListener):
    """Loopback TCP proxy in front of the portal that watches blob uploads: it counts
    PATCH requests and the body bytes they carry, can cut the connection after
    ``cut_after`` bytes of the ``cut_patch``-th PATCH (1-based; the portal never
    gets that request whole) and can flip the first body byte of the
    ``corrupt_patch``-th PATCH. A request starts a read: the client sends the next
    one only after the answer to the previous one came back through here."""

    def __init__(self, target_port: int, *, cut_patch: int = 0, cut_after: int = 0,
                 corrupt_patch: int = 0):
        self.cut_patch, self.cut_after, self.corrupt_patch = cut_patch, cut_after, corrupt_patch
        self.patches = 0
        self.patch_body_bytes = 0
        self.cuts = 0
        self.lock = threading.Lock()
        super().__init__(target_port)

    def _serve(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        client.settimeout(10)

        def pump_up():
            number = forwarded = 0  # the current request's PATCH number, bytes sent of it
            in_header, flip_next = False, False
            try:
                while data := client.recv(65536):
                    if data.startswith(_METHODS):
                        number, forwarded, in_header, flip_next = 0, 0, True, False
                        if data.startswith(b"PATCH "):
                            with self.lock:
                                self.patches += 1
                                number = self.patches
                    if number:
                        body_at = 0
                        if in_header:
                            end = data.find(b"\r\n\r\n")
                            body_at = len(data) if end < 0 else end + 4
                            in_header = end < 0
                        if number == self.corrupt_patch and (flip_next or (
                                not in_header and body_at < len(data))):
                            data = data[:body_at] + bytes([data[body_at] ^ 0xFF]) \
                                + data[body_at + 1:]
                            self.corrupt_patch = 0
                        elif number == self.corrupt_patch and not in_header:
                            flip_next = True  # the body starts with the next read
                            body_at = len(data)
                        if number == self.cut_patch and forwarded + len(data) > self.cut_after:
                            keep = self.cut_after - forwarded
                            upstream.sendall(data[:keep])
                            with self.lock:
                                self.patch_body_bytes += max(0, keep - body_at)
                                self.cuts += 1
                            self.cut_patch = 0
                            _shut(client, upstream)
                            return
                        with self.lock:
                            self.patch_body_bytes += len(data) - body_at
                        forwarded += len(data)
                    upstream.sendall(data)
            except OSError:
                pass

        threading.Thread(target=pump_up, daemon=True).start()
        _pump_down(upstream, client)


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 (openssl CLI); returns
    (ca.pem, server.pem, server.key)."""
    import subprocess

    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True,
                       timeout=30)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Sa Dec Desk test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (directory / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "extendedKeyUsage=serverAuth\n", encoding="ascii")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


class TlsProxy(_LoopbackListener):
    """Loopback TLS terminator in front of the portal (waitress speaks plain HTTP)."""

    scheme = "https"

    def __init__(self, target_port: int, cert: Path, key: Path):
        import ssl

        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        super().__init__(target_port)

    def _serve(self, raw):
        import ssl

        raw.settimeout(10)
        try:
            client = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # the client refused our certificate: that is the point
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)

        def pump(src, dst):
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.close()
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        pump(upstream, client)
