"""JSON lines over stdio: {id, method, args} in, {id, result} | {id, error} out.

stdout carries protocol messages only: anything else printed by libraries goes to stderr.
"""

import asyncio
import json
import os
import sys
import traceback


class WorkerError(Exception):
    """An error the gateway maps to an HTTP answer: `type` names the kind."""

    def __init__(self, type_, message, **details):
        super().__init__(message)
        self.type = type_
        self.message = message
        self.details = details


class Channel:
    def __init__(self):
        # Keep the real stdout for protocol messages; everything else printed goes to stderr.
        self._out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
        sys.stdout = sys.stderr
        self._lock = asyncio.Lock()

    async def send(self, message):
        line = json.dumps(message, default=str)
        async with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    async def reply(self, request_id, result):
        await self.send({"id": request_id, "result": result})

    async def fail(self, request_id, exc):
        if isinstance(exc, WorkerError):
            error = {"type": exc.type, "message": exc.message, **exc.details}
        else:
            traceback.print_exc(file=sys.stderr)
            error = {"type": type(exc).__name__, "message": str(exc)}
        await self.send({"id": request_id, "error": error})


async def read_requests():
    """Yields decoded requests from stdin until it closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"slipway worker: ignoring a line that is not JSON: {exc}", file=sys.stderr)
