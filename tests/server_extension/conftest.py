"""The server extension's tests: a real Jupyter server (pytest-jupyter) with jupyterlab_slipway
as installed, in front of an HTTP server standing in for the gateway that records what reaches
it. Run by `npm run test:wheel` in a fresh venv holding the built wheel."""

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.iostream import StreamClosedError
from tornado.testing import bind_unused_port

pytest_plugins = ["pytest_jupyter.jupyter_server"]

GATEWAY_TOKEN = "sa_proxy-test-credential-0123456789"


@dataclass
class Upstream:
    """What the stand-in gateway received, and how it answers."""

    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    # Set by a test to let a streamed answer finish.
    release: asyncio.Event = field(default_factory=asyncio.Event)
    # Set when the proxy closed an endless stream's connection (api/forever).
    closed: asyncio.Event = field(default_factory=asyncio.Event)


class Recorder(web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

    def initialize(self, upstream: Upstream) -> None:
        self.upstream = upstream

    async def _any(self, path: str) -> None:
        self.upstream.calls.append(
            {
                "method": self.request.method,
                "path": self.request.path,
                "query": self.request.query,
                "headers": dict(self.request.headers),
                "body": self.request.body,
            }
        )
        if path == "api/events":
            # An event stream: one event now, the end only when the test says so.
            self.set_header("Content-Type", "text/event-stream")
            self.write("event: hello\ndata: {}\n\n")
            await self.flush()
            await self.upstream.release.wait()
            return self.finish("event: bye\ndata: {}\n\n")
        if path == "api/forever":
            # A stream that ends only when the proxy hangs up: a keep-alive comment each turn.
            self.set_header("Content-Type", "text/event-stream")
            while not self.upstream.closed.is_set():
                self.write(": ping\n\n")
                try:
                    await self.flush()
                except StreamClosedError:
                    break
                await asyncio.sleep(0.05)
            return None
        if path == "api/refused":
            self.set_status(401)
            return self.finish(json.dumps({"error": {"code": "unauthorized", "message": "bad credential"}}))
        self.set_header("Content-Type", "application/json")
        self.set_header("X-Request-Id", "req-1")
        self.set_header("Set-Cookie", "gateway=secret")
        return self.finish(json.dumps({"ok": True, "bytes": len(self.request.body)}))

    get = post = put = patch = delete = _any  # type: ignore[assignment]

    def on_connection_close(self) -> None:
        self.upstream.closed.set()


@pytest.fixture
def upstream(io_loop: Any) -> Iterator[Upstream]:
    # On the test's own loop (pytest-jupyter's io_loop), as the Jupyter server is.
    sock, port = bind_unused_port()
    state = Upstream(url=f"http://127.0.0.1:{port}")
    server = HTTPServer(
        web.Application([(r"/(.*)", Recorder, {"upstream": state})]),
        max_body_size=64 * 1024 * 1024,
    )
    server.add_sockets([sock])
    yield state
    state.release.set()
    server.stop()


@pytest.fixture
def jp_server_config(upstream: Upstream) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_slipway": True}},
        "Slipway": {"gateway_url": upstream.url, "token": GATEWAY_TOKEN},
    }
