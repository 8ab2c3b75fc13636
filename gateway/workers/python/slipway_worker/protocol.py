"""JSON lines over stdio: {id, method, args} in, {id, result} | {id, error} out, and events
that answer no request: {event: "process_group", pgid, alive} announces each kernel's process
group, so that the gateway can kill what is left of them if this worker dies unannounced.

stdout belongs to the protocol. Anything else that writes to file descriptor 1 (a library,
a kernel this worker starts, a subprocess of a kernel) would corrupt it, so at start the
protocol keeps a private copy of fd 1 and fd 1 itself is pointed at stderr, which the
gateway sends to its log.
"""

import asyncio
import json
import math
import os
import sys
import traceback


class WorkerError(Exception):
    """A failure the gateway maps to an HTTP answer: `type` names the kind, `details` are
    extra JSON fields for the gateway (never shown to clients as such)."""

    def __init__(self, type_, message, **details):
        super().__init__(message)
        self.type = type_
        self.message = message
        self.details = details


class Channel:
    """Writes protocol messages; one line each, never interleaved."""

    def __init__(self):
        # os.dup returns a non-inheritable descriptor: kernels do not get the protocol pipe.
        self._out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
        sys.stdout.flush()
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        sys.stdout = sys.stderr
        self._lock = asyncio.Lock()
        self._notes = set()

    async def send(self, message):
        # allow_nan=False: NaN is not JSON; default=str keeps odd values readable.
        try:
            line = json.dumps(message, default=str, allow_nan=False)
        except ValueError:
            line = json.dumps(_without_nan(message), default=str)
        async with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def notify(self, event, **fields):
        """Sends a message that answers no request (`{"event": …}`), without waiting."""
        task = asyncio.ensure_future(self.send({"event": event, **fields}))
        self._notes.add(task)
        task.add_done_callback(self._notes.discard)

    async def drain(self):
        await asyncio.gather(*self._notes, return_exceptions=True)

    async def reply(self, request_id, result):
        await self.send({"id": request_id, "result": result})

    async def fail(self, request_id, exc):
        if isinstance(exc, WorkerError):
            error = {"type": exc.type, "message": exc.message}
            if exc.details:
                error["details"] = exc.details
        else:
            # Unexpected: the gateway logs the traceback; it never reaches a client.
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            error = {"type": type(exc).__name__, "message": str(exc), "traceback": text}
        await self.send({"id": request_id, "error": error})


def _without_nan(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_nan(v) for v in value]
    return value


async def read_requests():
    """Yields decoded requests from stdin until it closes."""
    loop = asyncio.get_running_loop()
    # Parameters can be large (a JSON document): allow long lines.
    reader = asyncio.StreamReader(limit=256 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"slipway worker: ignoring a line that is not JSON: {exc}", file=sys.stderr)
            continue
        if isinstance(request, dict):
            yield request
