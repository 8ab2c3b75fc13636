"""The JSON-lines protocol: framing, the shapes of answers and errors, and lines that are not requests."""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import logging
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

import pytest

from slipway_worker.protocol import Channel, WorkerError, decode, encode, error_body, read_requests

# A bound for a worker that stops answering; what the tests wait on is each answer line.
ANSWER_TIMEOUT_SECONDS = 120


def test_a_message_is_one_line_of_json() -> None:
    line = encode({"id": 1, "result": {"text": "two\nlines", "values": (1, 2)}})
    assert "\n" not in line
    assert json.loads(line) == {"id": 1, "result": {"text": "two\nlines", "values": [1, 2]}}


def test_an_answer_is_compact_and_starts_with_its_id_then_result() -> None:
    # The gateway keeps the result's text for its log only from a line of this form.
    line = encode({"id": 7, "result": [{"label": "a", "p": 0.5}]})
    assert line.startswith('{"id":7,"result":')
    assert line == '{"id":7,"result":[{"label":"a","p":0.5}]}'


def test_nan_and_infinities_become_null() -> None:
    line = encode({"id": 1, "result": [1.5, float("nan"), {"x": float("inf")}, (float("-inf"),)]})
    assert json.loads(line) == {"id": 1, "result": [1.5, None, {"x": None}, [None]]}


def test_values_json_lacks_become_text() -> None:
    line = encode({"id": 1, "result": datetime.date(2024, 1, 2)})
    assert json.loads(line) == {"id": 1, "result": "2024-01-02"}


def test_a_worker_error_answers_its_type_message_and_details() -> None:
    assert error_body(WorkerError("NotebookFailed", "cell 2 raised ValueError", cell=2, ename="ValueError")) == {
        "type": "NotebookFailed",
        "message": "cell 2 raised ValueError",
        "details": {"cell": 2, "ename": "ValueError"},
    }
    assert error_body(WorkerError("Timeout", "too slow")) == {"type": "Timeout", "message": "too slow"}


def test_an_unexpected_error_carries_its_traceback_for_the_log() -> None:
    empty: dict[str, int] = {}
    try:
        empty["missing"]
    except KeyError as exc:
        body = error_body(exc)
    assert body["type"] == "KeyError"
    assert body["message"] == "'missing'"
    assert "Traceback (most recent call last)" in body["traceback"]
    assert "test_an_unexpected_error_carries_its_traceback_for_the_log" in body["traceback"]


def test_decode_reads_a_request() -> None:
    assert decode(b'{"id": 7, "method": "ping", "args": {}}\n') == {"id": 7, "method": "ping", "args": {}}


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (b"not json at all\n", "not JSON"),
        (b"\xff\xfe\n", "not JSON"),
        (b"[1, 2]\n", "not a JSON object"),
        (b'{"id": [1], "method": "ping"}\n', "id is not a number or a string"),
    ],
)
def test_decode_skips_and_logs_a_line_that_is_not_a_request(
    line: bytes, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="slipway_worker"):
        assert decode(line) is None
    assert [r.name for r in caplog.records] == ["slipway_worker.protocol"]
    assert said in caplog.records[0].getMessage()


def test_decode_skips_blank_lines_silently(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert decode(b"   \n") is None
    assert caplog.records == []


def test_the_channel_writes_answers_and_events_one_per_line() -> None:
    out = io.StringIO()

    async def scenario() -> None:
        channel = Channel(out)
        await channel.reply(1, {"ok": True})
        await channel.fail(2, WorkerError("Cancelled", "the call was cancelled"))
        channel.notify("process_group", pgid=812, alive=True)
        await channel.drain()

    asyncio.run(scenario())
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        {"id": 1, "result": {"ok": True}},
        {"id": 2, "error": {"type": "Cancelled", "message": "the call was cancelled"}},
        {"event": "process_group", "pgid": 812, "alive": True},
    ]


def test_concurrent_answers_never_share_a_line() -> None:
    class SlowWriter(io.StringIO):
        """Gives other tasks a chance between a line's characters, were the channel to let them."""

        def write(self, text: str) -> int:
            for char in text:
                super().write(char)
            return len(text)

    out = SlowWriter()

    async def scenario() -> None:
        channel = Channel(out)
        await asyncio.gather(*(channel.reply(i, "x" * 1000) for i in range(50)))

    asyncio.run(scenario())
    lines = out.getvalue().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == list(range(50))


def test_read_requests_yields_the_requests_of_a_pipe_until_it_closes(caplog: pytest.LogCaptureFixture) -> None:
    read_fd, write_fd = os.pipe()

    def write() -> None:
        with os.fdopen(write_fd, "wb") as w:
            w.write(b'{"id": 1, "method": "ping"}\n\nnot json\n{"id": 2, "method": "stats", "args": {"a": "')
            # Longer than asyncio's default line limit (64 KiB), and than a pipe holds.
            w.write(b"x" * 100_000 + b'"}}\n')

    async def collect() -> list[dict[str, Any]]:
        with os.fdopen(read_fd, "rb") as r:
            return [request async for request in read_requests(r)]

    writer = threading.Thread(target=write)
    writer.start()
    with caplog.at_level(logging.WARNING, logger="slipway_worker"):
        requests = asyncio.run(collect())
    writer.join()
    assert [(r["id"], r["method"]) for r in requests] == [(1, "ping"), (2, "stats")]
    assert len(requests[1]["args"]["a"]) == 100_000
    assert any("not JSON" in r.getMessage() for r in caplog.records)


class WorkerProcess:
    """`python -m slipway_worker` on pipes, one request line and one answer line at a time."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "slipway_worker", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.stdout, selectors.EVENT_READ)
        self.pending = b""

    def write(self, line: bytes) -> None:
        self.stdin.write(line)
        self.stdin.flush()

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        self.write(json.dumps(message).encode() + b"\n")
        return self.answer()

    def answer(self) -> dict[str, Any]:
        """The next line on stdout, decoded; waits for it (within a generous bound)."""
        deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no answer from the worker in {ANSWER_TIMEOUT_SECONDS} s")
            if self.selector.select(timeout=left):
                chunk = os.read(self.stdout.fileno(), 65536)
                assert chunk, "the worker closed its stdout"
                self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> tuple[int, str, str]:
        """Closes stdin (the worker then stops); its exit code, and what was left on its pipes."""
        self.selector.close()
        rest, errors = self.proc.communicate(timeout=ANSWER_TIMEOUT_SECONDS)
        return self.proc.returncode, (self.pending + rest).decode(), errors.decode()


@pytest.fixture
def worker() -> Iterator[WorkerProcess]:
    proc = WorkerProcess()
    yield proc
    if proc.proc.poll() is None:
        proc.proc.kill()
        proc.proc.communicate()


def test_the_worker_answers_on_stdout_and_logs_on_stderr(worker: WorkerProcess) -> None:
    ping = worker.request({"id": 1, "method": "ping", "args": {}})
    assert ping["id"] == 1
    assert ping["result"]["pid"] == worker.proc.pid
    assert ping["result"]["python"] == sys.version.split()[0]

    worker.write(b"this is not json\n")
    assert worker.request({"id": 2, "method": "no_such_method"}) == {
        "id": 2,
        "error": {"type": "UnknownMethod", "message": "unknown method 'no_such_method'"},
    }
    missing = worker.request({"id": 3, "method": "inspect_notebook", "args": {"path": "/nonexistent/x.ipynb"}})
    assert missing["id"] == 3
    assert missing["error"]["type"] == "InvalidNotebook"
    assert set(missing["error"]) == {"type", "message"}
    # An unexpected failure (args without the path) answers with its traceback, for the log.
    broken = worker.request({"id": 4, "method": "inspect_notebook", "args": {}})
    assert broken["error"]["type"] == "KeyError"
    assert "Traceback" in broken["error"]["traceback"]

    code, rest, errors = worker.close()
    assert code == 0
    assert rest == ""
    assert "WARNING slipway_worker.protocol: ignoring a line that is not JSON" in errors
