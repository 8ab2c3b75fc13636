"""The proxy: Jupyter's auth in front, the server's credential and the user's name behind,
bodies streamed both ways, and each failure a JSON error saying what to fix."""

import asyncio
import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import GATEWAY_TOKEN, Upstream


async def test_forwards_the_call_with_the_servers_credential_and_the_user(jp_fetch: Any, upstream: Upstream) -> None:
    body = b"x" * (3 * 1024 * 1024)  # more than one chunk of a streamed body
    r = await jp_fetch(
        "slipway",
        "api",
        "deployments",
        "iris",
        "jobs",
        method="POST",
        body=body,
        params={"limit": "5"},
        headers={
            "Content-Type": "text/csv",
            "Cookie": "session=browser",
            "X-Request-Id": "mine",
            "X-Slipway-Trigger": "button",
            # The browser cannot choose who it is to the gateway.
            "X-Slipway-User": "root",
        },
    )
    assert r.code == 200
    assert json.loads(r.body) == {"ok": True, "bytes": len(body)}
    assert r.headers["X-Request-Id"] == "req-1"
    assert "gateway=secret" not in r.headers.get_list("Set-Cookie")
    (call,) = upstream.calls
    assert call["method"] == "POST"
    assert call["path"] == "/api/deployments/iris/jobs"
    assert call["query"] == "limit=5"
    assert call["body"] == body
    headers = call["headers"]
    assert headers["Authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert headers["Content-Type"] == "text/csv"
    assert headers["X-Request-Id"] == "mine"
    assert headers["X-Slipway-Trigger"] == "button"
    assert headers["X-Slipway-User"] not in ("", "root")
    assert "Cookie" not in headers
    assert "X-Xsrftoken" not in headers


async def test_fn_calls_go_to_the_gateways_fn(jp_fetch: Any, upstream: Upstream) -> None:
    r = await jp_fetch("slipway", "fn", "iris", method="POST", body=b'{"X": [1, 2, 3, 4]}')
    assert r.code == 200
    assert upstream.calls[0]["path"] == "/fn/iris"


async def test_a_stranger_gets_403_and_nothing_reaches_the_gateway(jp_fetch: Any, upstream: Upstream) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("slipway", "api", "pools", headers={"Authorization": ""})
    assert refused.value.code == 403
    assert upstream.calls == []


async def test_an_event_stream_reaches_the_browser_as_it_comes(jp_fetch: Any, upstream: Upstream) -> None:
    first = asyncio.get_running_loop().create_future()
    chunks: list[bytes] = []

    def on_chunk(chunk: bytes) -> None:
        chunks.append(chunk)
        if not first.done():
            first.set_result(chunk)

    call = asyncio.ensure_future(jp_fetch("slipway", "api", "events", streaming_callback=on_chunk))
    # The first event arrives while the gateway still holds the stream open.
    assert b"event: hello" in await first
    assert not call.done()
    upstream.release.set()
    r = await call
    assert r.code == 200
    assert r.headers["Content-Type"].startswith("text/event-stream")
    assert b"event: bye" in b"".join(chunks)


async def test_a_browser_that_hangs_up_ends_the_call_to_the_gateway(
    jp_fetch: Any, jp_serverapp: Any, jp_http_port: int, jp_base_url: str, upstream: Upstream
) -> None:
    # A raw connection (jp_fetch's server listening on jp_http_port), to hang up as a closed
    # browser tab does.
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    path = f"{jp_base_url.rstrip('/')}/slipway/api/forever"
    token = jp_serverapp.identity_provider.token
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token {token}\r\n\r\n".encode())
    await writer.drain()
    assert b": ping" in await asyncio.wait_for(reader.readuntil(b": ping"), timeout=60)
    writer.close()
    await writer.wait_closed()
    # The proxy closes its connection to the gateway in turn (else it would stream on, unread).
    await asyncio.wait_for(upstream.closed.wait(), timeout=60)


async def test_the_gateways_refusal_comes_back_as_it_is(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("slipway", "api", "refused")
    assert refused.value.code == 401
    assert json.loads(refused.value.response.body)["error"]["message"] == "bad credential"


async def test_status_says_configured_without_the_url_or_credential(jp_fetch: Any, upstream: Upstream) -> None:
    r = await jp_fetch("slipway", "status")
    assert json.loads(r.body) == {"configured": True, "problem": None}
    assert upstream.url.encode() not in r.body
    assert GATEWAY_TOKEN.encode() not in r.body


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"token": GATEWAY_TOKEN}, "c.Slipway.gateway_url"),
        ({"gateway_url": "ftp://gateway"}, "must be an http(s) URL"),
        ({"gateway_url": "http://127.0.0.1:9"}, "c.Slipway.token"),
    ],
)
async def test_a_server_not_configured_says_what_to_set(
    jp_fetch: Any, jp_serverapp: Any, config: dict[str, str], expected: str
) -> None:
    slipway = jp_serverapp.web_app.settings["slipway_config"]
    slipway.gateway_url = config.get("gateway_url", "")
    slipway.token = config.get("token", "")
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("slipway", "api", "pools")
    assert refused.value.code == 503
    error = json.loads(refused.value.response.body)["error"]
    assert error["code"] == "proxy_not_configured"
    assert expected in error["message"]
    status = json.loads((await jp_fetch("slipway", "status")).body)
    assert status["configured"] is False
    assert expected in status["problem"]


async def test_an_unreachable_gateway_is_a_502_that_keeps_its_address_from_the_browser(
    jp_fetch: Any, jp_serverapp: Any
) -> None:
    slipway = jp_serverapp.web_app.settings["slipway_config"]
    # Port 9 (discard) is closed here: the connection is refused.
    slipway.gateway_url = "http://127.0.0.1:9"
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("slipway", "api", "pools")
    assert refused.value.code == 502
    error = json.loads(refused.value.response.body)["error"]
    assert error["code"] == "gateway_unreachable"
    assert "c.Slipway.gateway_url" in error["message"]
    assert "127.0.0.1:9" not in error["message"]
