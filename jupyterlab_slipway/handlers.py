"""The proxy: ``<base_url>/slipway/api/…`` and ``<base_url>/slipway/fn/…`` on the Jupyter
server, authenticated by Jupyter's own auth, forwarded to the gateway with the server's
credential and the caller's Jupyter identity. Bodies stream both ways (uploads of artifacts,
event streams), nothing of the browser's credentials (cookies, Jupyter's token) goes on."""

import asyncio
import json
from typing import Any
from urllib.parse import quote

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import httpclient, web
from tornado.httputil import HTTPHeaders, HTTPInputError

from .config import Slipway

# Headers that stay on this side: the browser's credentials (cookies, Jupyter's token, its
# XSRF token), a user name the browser might claim, and those of the connection itself.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
REQUEST_KEPT_BACK = HOP_BY_HOP | {"host", "cookie", "authorization", "x-xsrftoken", "x-slipway-user"}
# The gateway's cookies and CORS answers are not the browser's business here; the length and
# framing are the Jupyter server's own.
RESPONSE_KEPT_BACK = HOP_BY_HOP | {"set-cookie", "content-length", "server", "date"}
# The header that carries the Jupyter user's name to the gateway.
USER_HEADER = "X-Slipway-User"
# Methods the gateway's API takes.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class ClientGone(HTTPInputError):
    """The browser closed its connection: the proxied call is given up. Raised in the client's
    body callback, where tornado ends the connection to the gateway; an HTTPInputError, which
    tornado closes quietly (any other exception there is logged as uncaught)."""


@web.stream_request_body
class GatewayProxyHandler(JupyterHandler):
    """One proxied call; ``prefix`` is the gateway's path it maps to (``/api`` or ``/fn``)."""

    SUPPORTED_METHODS = METHODS

    def initialize(self, slipway: Slipway, prefix: str) -> None:
        self.slipway = slipway
        self.prefix = prefix
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=8)
        self._upstream: asyncio.Future[Any] | None = None
        self._answer_started = False
        self._client_gone = False
        # The gateway's status, from its answer's first line (502 until one came).
        self._upstream_status = 502

    async def prepare(self) -> None:  # type: ignore[override]
        # Jupyter's auth (and XSRF) before a byte of the body is read: no redirect, a 403.
        await super().prepare(_redirect_to_login=False)
        # Jupyter lets handlers decide (allow_unauthenticated_access): this one never serves a stranger.
        if self.current_user is None:
            raise web.HTTPError(403, "the Slipway proxy needs a Jupyter login")
        missing = self.slipway.missing()
        if missing:
            return self._fail(503, "proxy_not_configured", missing)
        self._upstream = asyncio.ensure_future(self._forward())
        return None

    async def data_received(self, chunk: bytes) -> None:
        await self._queue.put(chunk)

    async def _finish_body(self, path: str = "") -> None:
        if self._upstream is None:
            return
        await self._queue.put(None)
        await self._upstream

    get = head = post = put = patch = delete = _finish_body  # type: ignore[assignment]

    def _target(self) -> str:
        path = self.path_kwargs.get("path", "")
        url = self.slipway.gateway_url.rstrip("/") + self.prefix + "/" + quote(path, safe="/:@!$&'()*+,;=-._~%")
        query = self.request.query
        return f"{url}?{query}" if query else url

    def _request_headers(self) -> dict[str, str]:
        headers = {k: v for k, v in self.request.headers.get_all() if k.lower() not in REQUEST_KEPT_BACK}
        headers["Authorization"] = f"Bearer {self.slipway.token}"
        user = self.current_user
        name = getattr(user, "username", None) or getattr(user, "name", None)
        if name:
            headers[USER_HEADER] = str(name)
        return headers

    async def _forward(self) -> None:
        method = self.request.method or "GET"
        with_body = method in ("POST", "PUT", "PATCH", "DELETE")
        headers = self._request_headers()
        response_headers = HTTPHeaders()

        async def produce(write: Any) -> None:
            while (chunk := await self._queue.get()) is not None:
                await write(chunk)

        def on_header(line: str) -> None:
            if line.startswith("HTTP/"):
                response_headers.clear()
                parts = line.split(" ", 2)
                self._upstream_status = int(parts[1])
                return
            if line.strip():
                response_headers.parse_line(line)

        def on_chunk(chunk: bytes) -> None:
            if self._client_gone:
                # Raised in the client's callback, it ends the call to the gateway too.
                raise ClientGone
            if not self._answer_started:
                self._start_answer(response_headers)
            self.write(chunk)
            # An event stream's events reach the browser as they come.
            self.flush()

        request = httpclient.HTTPRequest(
            self._target(),
            method=method,
            headers=headers,
            body_producer=produce if with_body else None,
            allow_nonstandard_methods=True,
            follow_redirects=False,
            header_callback=on_header,
            streaming_callback=on_chunk,
            decompress_response=False,
            connect_timeout=self.slipway.connect_timeout,
            request_timeout=self.slipway.request_timeout,
        )
        try:
            await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        except Exception as err:  # noqa: BLE001 (the gateway could not be reached at all)
            if self._client_gone:
                return None
            if not self._answer_started:
                # The gateway's address is the server's configuration: the log has it, the browser not.
                self.log.warning("Slipway: the gateway at %s did not answer: %s", self.slipway.gateway_url, err)
                return self._fail(
                    502,
                    "gateway_unreachable",
                    "the Jupyter server could not reach the Slipway gateway; its administrator checks "
                    "c.Slipway.gateway_url (the server's log says what failed)",
                )
            return None
        if not self._answer_started:
            self._start_answer(response_headers)
        if not self._finished:
            self.finish()
        return None

    def _start_answer(self, headers: HTTPHeaders) -> None:
        self._answer_started = True
        self.set_status(self._upstream_status)
        self.clear_header("Content-Type")
        for name, value in headers.get_all():
            lower = name.lower()
            if lower in RESPONSE_KEPT_BACK or lower.startswith("access-control-"):
                continue
            self.add_header(name, value)
        if headers.get("Content-Type", "").startswith("text/event-stream"):
            # No buffering between here and the browser.
            self.set_header("X-Accel-Buffering", "no")

    def _fail(self, status: int, code: str, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"code": code, "message": message}}))

    def on_connection_close(self) -> None:
        # The browser went away (a closed event stream): the next chunk from the gateway ends
        # the call there, and a body still coming from the browser never will.
        self._client_gone = True
        if not self._queue.full():
            self._queue.put_nowait(None)


class ProxyStatusHandler(JupyterHandler):
    """``GET <base_url>/slipway/status``: whether the proxy is configured (never its URL or
    credential), for the extension to say what the administrator must fix."""

    @web.authenticated
    def get(self) -> None:
        slipway: Slipway = self.settings["slipway_config"]
        missing = slipway.missing()
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"configured": missing is None, "problem": missing}))


def setup_handlers(server_app: Any) -> None:
    web_app = server_app.web_app
    slipway = Slipway(parent=server_app)
    web_app.settings["slipway_config"] = slipway
    base = url_path_join(web_app.settings["base_url"], "slipway")
    host = ".*$"
    web_app.add_handlers(
        host,
        [
            (url_path_join(base, "status"), ProxyStatusHandler),
            (url_path_join(base, "api", "(?P<path>.*)"), GatewayProxyHandler, {"slipway": slipway, "prefix": "/api"}),
            (url_path_join(base, "fn", "(?P<path>.*)"), GatewayProxyHandler, {"slipway": slipway, "prefix": "/fn"}),
        ],
    )
