"""A 100 MB request body against ``careers-ledger serve``: refused without the server holding it.

The body (nested JSON objects, the shape that once took a server from 126 MB to 1.82 GB)
is streamed by the client over a raw socket, both chunked and with a ``Content-Length``;
the client stops sending as soon as an answer arrives.  Without a token the answer is 401
before the body is read; with one it is 413 once the body passes its limit.  The server's
resident memory (``VmRSS`` in ``/proc/<pid>/status``) is read before and after.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BODY_BYTES = 100 * 1024 * 1024
CHUNK = b'{"a":' * (1024 * 1024 // 5)  # ~1 MB of ever deeper objects
ANSWER_WITHIN_S = 60.0  # generous: the refusals take milliseconds when the machine is free
MAX_GROWTH_KB = 50 * 1024

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def send_huge_body(port: int, token: str | None, *, chunked: bool) -> tuple[int, bytes, int]:
    """POST ~100 MB to /api/v1/students; the status, the answer's head, and the bytes sent."""
    head = [
        "POST /api/v1/students HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Idempotency-Key: 0b6f3c1e-body-limit",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY_BYTES}",
    ]
    if token is not None:
        head.append(f"Authorization: Bearer {token}")
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_WITHIN_S) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sock.settimeout(2)
        while sent < BODY_BYTES:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the server has answered: stop sending
            piece = CHUNK[: BODY_BYTES - sent]
            frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            try:
                sock.sendall(frame)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                break  # the server stopped reading: its answer is waiting
            sent += len(piece)
        sock.settimeout(ANSWER_WITHIN_S)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except TimeoutError:
            pass  # no answer within the bound: status 0
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, answer, sent


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "CAREERS_LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "CAREERS_LEDGER_KEY_FILE": str(tmp_path / "keys"),
    }
    cli = str(Path(sys.executable).parent / "careers-ledger")
    created = subprocess.run(
        [cli, "users", "create", "--role", "adviser", "--institution", "100001"],
        env=env,
        capture_output=True,
        check=True,
    )
    token = next(line for line in created.stdout.decode().splitlines() if line.startswith("clt_"))
    process = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, "serve exited"
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        yield process, port, token
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.mark.slow
def test_a_100_mb_body_is_refused_without_the_server_holding_it(
    server: tuple[subprocess.Popen[bytes], int, str],
) -> None:
    process, port, token = server
    before = rss_kb(process.pid)
    for who, expected in ((None, 401), (token, 413)):
        for chunked in (True, False):
            started = time.monotonic()
            status, answer, sent = send_huge_body(port, who, chunked=chunked)
            took = time.monotonic() - started
            after = rss_kb(process.pid)
            print(
                f"token={who is not None} chunked={chunked}: {status} after {took:.2f} s, "
                f"{sent / 1e6:.1f} MB sent, RSS {before} -> {after} kB"
            )
            assert status == expected, answer[:500]
            assert b"application/problem+json" in answer
            assert took < ANSWER_WITHIN_S
            assert after - before < MAX_GROWTH_KB
    # the server is still answering
    assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10).status_code == 200
