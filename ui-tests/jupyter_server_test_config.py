"""Jupyter server configuration for the UI tests: Galata's test set-up on the port the
tests expect. Never use it to serve anything: it turns the server's security off."""

import os

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 (provided by Jupyter when it reads this file)
configure_jupyter_server(c)
c.ServerApp.port = int(os.environ.get("SLIPWAY_LAB_PORT", "18888"))
