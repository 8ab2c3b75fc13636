"""JSON lines over stdio: {id, method, args} in, {id, result} | {id, error} out, and events
that answer no request: {event: "process_group", pgid, alive} announces each kernel's process
group, so that the gateway can kill what is left of them if this worker dies unannounced.

stdout belongs to the protocol. Anything else that writes to file descriptor 1 (a library,
a kernel this worker starts, a subprocess of a kernel) would corrupt it, so at start the
protocol keeps a private copy of fd 1 and fd 1 itself is pointed at stderr, which the
gateway sends to its log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import sys
import traceback
from collections.abc import AsyncIterator
from typing import IO, Any, TypedDict

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
"""A decoded JSON object; its values are whatever json.loads gives (or json.dumps takes)."""

RequestId = int | str | None
"""What the gateway numbers its calls with (an int); None for a request without one."""

# Parameters can be large (a JSON document): allow long lines.
MAX_LINE_BYTES = 256 * 1024 * 1024


class _ErrorFields(TypedDict):
    type: str
    message: str


class ErrorBody(_ErrorFields, total=False):
    """The `error` of a failed call: `traceback` only for an unexpected failure (the gateway
    logs it, no client sees it), `details` only for a WorkerError that has some."""

    traceback: str
    details: JsonObject


class WorkerError(Exception):
    """A failure the gateway maps to an HTTP answer: `type` names the kind, `details` are
    extra JSON fields for the gateway (never shown to clients as such)."""

    def __init__(self, type_: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message
        self.details: JsonObject = details


def claim_stdout() -> IO[str]:
    """Takes file descriptor 1 for the protocol: returns a private line-buffered stream on a copy
    of it, and points fd 1 (and sys.stdout) at stderr so that stray writes reach the log."""
    # os.dup returns a non-inheritable descriptor: kernels do not get the protocol pipe.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return out


# Without spaces: fewer bytes, and the gateway keeps an answer's `result` text as it came (for
# its invocation log) when the line starts `{"id":<n>,"result":`.
_COMPACT = (",", ":")


def encode(message: JsonObject) -> str:
    """One message as one line of compact JSON (no newline inside): NaN and infinities, which
    JSON lacks, become null; values json cannot encode become their str()."""
    try:
        return json.dumps(message, default=str, allow_nan=False, separators=_COMPACT)
    except ValueError:
        return json.dumps(_without_nan(message), default=str, separators=_COMPACT)


def error_body(exc: BaseException) -> ErrorBody:
    """What a failed call answers: a WorkerError as it is, anything else with its traceback."""
    if isinstance(exc, WorkerError):
        error: ErrorBody = {"type": exc.type, "message": exc.message}
        if exc.details:
            error["details"] = exc.details
        return error
    # Unexpected: the gateway logs the traceback; it never reaches a client.
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"type": type(exc).__name__, "message": str(exc), "traceback": text}


def decode(line: bytes) -> JsonObject | None:
    """The request on one line, or None (logged) for a line that is not a JSON object with a
    usable id; blank lines are None silently."""
    line = line.strip()
    if not line:
        return None
    try:
        request = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        log.warning("ignoring a line that is not JSON: %s", exc)
        return None
    if not isinstance(request, dict):
        log.warning("ignoring a line that is not a JSON object: %.80s", line.decode("utf-8", "replace"))
        return None
    if not isinstance(request.get("id"), RequestId):
        # Every call is kept by its id until it ends; a list or an object cannot be a key.
        log.warning("ignoring a request whose id is not a number or a string: %.80s", line.decode("utf-8", "replace"))
        return None
    return request


class Channel:
    """Writes protocol messages to `out`; one line each, never interleaved."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._lock = asyncio.Lock()
        self._notes: set[asyncio.Task[None]] = set()

    async def send(self, message: JsonObject) -> None:
        line = encode(message)
        async with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def notify(self, event: str, **fields: Any) -> None:
        """Sends a message that answers no request (`{"event": …}`), without waiting."""
        task = asyncio.ensure_future(self.send({"event": event, **fields}))
        self._notes.add(task)
        task.add_done_callback(self._notes.discard)

    async def drain(self) -> None:
        """Waits for the notifications under way."""
        await asyncio.gather(*self._notes, return_exceptions=True)

    async def reply(self, request_id: RequestId, result: Any) -> None:
        await self.send({"id": request_id, "result": result})

    async def fail(self, request_id: RequestId, exc: BaseException) -> None:
        await self.send({"id": request_id, "error": error_body(exc)})


def _without_nan(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_nan(v) for v in value]
    return value


async def read_requests(pipe: IO[Any] | None = None) -> AsyncIterator[JsonObject]:
    """Yields decoded requests from `pipe` (stdin) until it closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe or sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        request = decode(line)
        if request is not None:
            yield request
