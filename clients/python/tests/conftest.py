"""A real gateway process for the client's tests: tsx gateway/src/index.ts on a free port."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
GATEWAY = REPO / "gateway"
FIXTURES = GATEWAY / "test" / "fixtures"
ADMIN_TOKEN = "sa_client-test-admin-token-0123456789"
LISTENING = re.compile(r"\(listening on [^)]+\)")


@dataclass(frozen=True)
class Gateway:
    url: str
    admin_token: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def gateway() -> Iterator[Gateway]:
    """One gateway for the session, on a temp data dir; pickles run on SLIPWAY_TEST_PYTHON."""
    data_dir = tempfile.mkdtemp(prefix="slipway-client-")
    port = _free_port()
    env = {
        **os.environ,
        "SLIPWAY_HOST": "127.0.0.1",
        "SLIPWAY_PORT": str(port),
        "SLIPWAY_DATA_DIR": data_dir,
        "SLIPWAY_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    if os.environ.get("SLIPWAY_TEST_PYTHON"):
        env["SLIPWAY_PYTHON"] = os.environ["SLIPWAY_TEST_PYTHON"]
    node = shutil.which("node")
    assert node, "node is not on PATH"
    proc = subprocess.Popen(
        [node, "--import", "tsx", "src/index.ts"],
        cwd=GATEWAY,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    # Wait for the line that says it listens (or its exit); no clock decides.
    for line in proc.stdout:
        seen.append(line)
        if LISTENING.search(line):
            break
    else:
        proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
        pytest.fail("the gateway exited before listening:\n" + "".join(seen))
    # Keep reading its output so that it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
    try:
        yield Gateway(f"http://127.0.0.1:{port}", ADMIN_TOKEN)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
