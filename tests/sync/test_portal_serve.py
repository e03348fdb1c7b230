"""`sadec-desk portal serve` holds many offices' connections at once (issue #16 item 7):
a province's sync workers keep theirs open, and waitress's own default (100) would leave
the 101st office waiting for an answer that never comes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading


def test_serve_answers_on_150_connections_held_open_at_once(tmp_path):
    env = dict(os.environ, SADEC_DESK_DATA_DIR=str(tmp_path / "data"),
               SADEC_DESK_CONFIG=str(tmp_path / "config.toml"))
    proc = subprocess.Popen([sys.executable, "-m", "sadec_desk", "portal", "serve",
                             "--host", "127.0.0.1", "--port", "0", "--admin-key", "k",
                             "--threads", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    found: list[str] = []
    seen = threading.Event()

    def read():
        for line in proc.stdout:
            if line.startswith("listening on "):
                found.append(line.split(":")[-1].strip())
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    held: list[socket.socket] = []
    try:
        assert seen.wait(60), "the portal did not start"
        port = int(found[0])
        for _ in range(150):
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            held.append(conn)  # kept open, as an office's sync client keeps it
            conn.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Connection: keep-alive\r\n\r\n")
            answer = conn.recv(4096)  # TimeoutError past the server's connection limit
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        for conn in held:
            conn.close()
        proc.terminate()
        proc.wait(15)


def test_serve_refusals_are_sentences(monkeypatch, tmp_path, capsys):
    """A PostgreSQL server that is not there, a URL that is not one, and thread or
    connection counts out of range: exit 2 with a Vietnamese sentence, no traceback."""
    from appfixtures import run_cli

    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SADEC_DESK_CONFIG", str(tmp_path / "config.toml"))
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    for argv, words in (
            (["--database-url", f"postgresql://sadec@127.0.0.1:{free}/portal"],
             "Không mở được cơ sở dữ liệu"),
            (["--database-url", "postgresql://a@[bad/x"], "không dùng được"),
            (["--threads", "0"], "Số luồng (--threads)"),
            (["--connection-limit", "0"], "(--connection-limit)")):
        code, _out, err = run_cli(capsys, "portal", "serve", "--port", "0",
                                  "--admin-key", "k", *argv)
        assert code == 2 and words in err and "Traceback" not in err, (argv, err)
