"""Where the Slipway gateway is and how the Jupyter server authenticates to it: server-side
configuration (traitlets, or the environment), never sent to the browser."""

import os

from traitlets import Float, Unicode, default
from traitlets.config import Configurable


class Slipway(Configurable):
    """``c.Slipway.gateway_url`` and ``c.Slipway.token`` in a Jupyter server config file, or
    ``SLIPWAY_GATEWAY_URL`` and ``SLIPWAY_GATEWAY_TOKEN`` in the server's environment."""

    gateway_url = Unicode(
        help="Base URL of the Slipway gateway the server extension proxies to, e.g. http://127.0.0.1:8787."
    ).tag(config=True)

    token = Unicode(
        help="The credential the Jupyter server sends to the gateway (Authorization: Bearer …). "
        "Kept on the server: the browser never sees it."
    ).tag(config=True)

    connect_timeout = Float(10.0, help="Seconds to wait for the gateway to accept a connection.").tag(config=True)

    request_timeout = Float(
        3600.0,
        help="Seconds one proxied call may take in all (an event stream is reopened by the extension after it).",
    ).tag(config=True)

    @default("gateway_url")
    def _gateway_url_default(self) -> str:
        return os.environ.get("SLIPWAY_GATEWAY_URL", "")

    @default("token")
    def _token_default(self) -> str:
        return os.environ.get("SLIPWAY_GATEWAY_TOKEN", "")

    def missing(self) -> str | None:
        """What the administrator must still set, in words; None when the proxy can run."""
        if not self.gateway_url:
            return (
                "the Jupyter server has no Slipway gateway: set c.Slipway.gateway_url in its "
                "config (or SLIPWAY_GATEWAY_URL in its environment) and restart it"
            )
        if not self.gateway_url.startswith(("http://", "https://")):
            return f"c.Slipway.gateway_url must be an http(s) URL, not {self.gateway_url!r}"
        if not self.token:
            return (
                "the Jupyter server has no credential for the Slipway gateway: set c.Slipway.token "
                "(or SLIPWAY_GATEWAY_TOKEN) and restart it"
            )
        return None
