"""Starts one freshet server for the Python driver tests.

The binary is $FRESHET_BIN, else $CARGO_TARGET_DIR/debug/freshet (the
target folder defaulting to ~/.cache/freshet-target, as in bin/lib/common.sh).
The server listens on a free port with its data in a temporary folder, and
is killed when the session ends.
"""

import os
import queue
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import psycopg
import pytest

# How long the server may take to start listening.
STARTUP_DEADLINE_S = 60


def freshet_bin() -> Path:
    if "FRESHET_BIN" in os.environ:
        return Path(os.environ["FRESHET_BIN"])
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/freshet-target"))
    return Path(target) / "debug" / "freshet"


class Server:
    def __init__(self, proc: subprocess.Popen, host: str, port: int, log: Path):
        self.proc = proc
        self.host = host
        self.port = port
        self.log = log

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user=materialize dbname=materialize"

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.dsn, **kwargs)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="session")
def server():
    binary = freshet_bin()
    if not binary.exists():
        pytest.fail(f"no freshet binary at {binary}: build it, or set FRESHET_BIN")
    with tempfile.TemporaryDirectory(prefix="freshet-pytest-") as tmp:
        log = Path(tmp) / "server.log"
        with open(log, "wb") as stderr:
            proc = subprocess.Popen(
                [str(binary), "--listen-addr", "127.0.0.1:0", "--data-dir", str(Path(tmp) / "data")],
                stdout=subprocess.PIPE,
                stderr=stderr,
                env={**os.environ, "FRESHET_LOG": os.environ.get("FRESHET_LOG", "warn")},
            )
        addresses: queue.Queue = queue.Queue()

        def read_stdout():
            for line in proc.stdout:
                text = line.decode(errors="replace").strip()
                if text.startswith("listening on "):
                    addresses.put(text.removeprefix("listening on "))

        threading.Thread(target=read_stdout, daemon=True).start()
        try:
            try:
                addr = addresses.get(timeout=STARTUP_DEADLINE_S)
            except queue.Empty:
                pytest.fail(f"freshet did not start listening within {STARTUP_DEADLINE_S} s:\n{log.read_text()}")
            host, port = addr.rsplit(":", 1)
            server = Server(proc, host, int(port), log)
            yield server
            # Whatever the tests did, the server is still up.
            assert proc.poll() is None, f"freshet exited with {proc.returncode}:\n{server.log_tail()}"
        finally:
            proc.kill()
            proc.wait()


@pytest.fixture
def conn(server):
    """An autocommit connection, closed after the test."""
    with server.connect(autocommit=True) as conn:
        yield conn


@pytest.fixture
def table_name():
    """A table name no other test uses (all tests share one server)."""
    return f"t_{uuid.uuid4().hex[:12]}"
