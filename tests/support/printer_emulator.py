"""A network ESC/POS printer on 127.0.0.1 for tests (raw TCP, like port 9100).

Behaviours:

- ``ok``: reads everything, answers ``DLE EOT 1`` / ``DLE EOT 4`` status requests
  (online, paper present), records each connection's bytes as one job;
- ``no_paper``: like ``ok`` but the paper sensor says the roll is empty;
- ``stall``: accepts connections and then neither reads nor answers;
- ``close_mid_job``: answers the first status requests, then closes the connection
  after ``close_after`` bytes of the job;
- :func:`refusing_port`: a port where nothing listens (connection refused).

Threads only block on sockets with timeouts, and :meth:`stop` ends them.
"""

from __future__ import annotations

import socket
import threading
import time

STATUS_ONLINE = b"\x10\x04\x01"
STATUS_PAPER = b"\x10\x04\x04"
ONLINE_OK = b"\x16"  # bit 3 clear: online (bits 1, 2, 4 are fixed 1/0 per Epson spec)
PAPER_OK = b"\x12"
PAPER_OUT = b"\x72"  # bits 5-6: paper end


class PrinterEmulator:
    def __init__(self, behaviour: str = "ok", *, port: int = 0, close_after: int = 4096):
        self.behaviour = behaviour
        self.close_after = close_after
        self.jobs: list[bytes] = []  # one entry per finished connection
        self.connections = 0
        self._stop = threading.Event()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        _release(port)  # "the printer is switched on again" on a refusing_port()
        self._server.bind(("127.0.0.1", port))
        self._server.listen(8)
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        accept = threading.Thread(target=self._accept_loop, daemon=True)
        accept.start()
        self._threads.append(accept)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._server.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.connections += 1
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        received = bytearray()
        try:
            if self.behaviour == "stall":
                self._stop.wait()
                return
            status_answers = 0
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                received += chunk
                # a real printer answers a real-time request as soon as it reads it; the
                # client waits for each answer, so a request is always at the end here
                if received.endswith(STATUS_ONLINE):
                    conn.sendall(ONLINE_OK)
                    status_answers += 1
                elif received.endswith(STATUS_PAPER):
                    conn.sendall(PAPER_OUT if self.behaviour == "no_paper" else PAPER_OK)
                    status_answers += 1
                if (self.behaviour == "close_mid_job" and status_answers >= 2
                        and len(received) > self.close_after):
                    # unread data + close = the peer sees a reset, like a printer that
                    # was switched off in the middle of a job
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    break
        finally:
            conn.close()
            with self._lock:
                self.jobs.append(bytes(received))

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.jobs) >= count:
                    return list(self.jobs)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} jobs, got {len(self.jobs)}")

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        for thread in self._threads:
            thread.join(2)

    def __enter__(self) -> PrinterEmulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


#: the sockets that hold the refusing ports for the rest of the process
_HELD_PORTS: list[socket.socket] = []


def refusing_port() -> int:
    """A loopback port with no listener: connecting to it is refused at once.

    The socket stays bound (never listening) until a PrinterEmulator takes the port or the
    process ends: a closed probe would hand the number back to the system, and a parallel
    test worker (pytest -n) starting a server on a free port could then get it and accept
    the connection meant to fail."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    _HELD_PORTS.append(probe)
    return probe.getsockname()[1]


def _release(port: int) -> None:
    for held in list(_HELD_PORTS):
        if held.getsockname()[1] == port:
            _HELD_PORTS.remove(held)
            held.close()
