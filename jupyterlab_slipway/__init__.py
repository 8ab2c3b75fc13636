"""Slipway for JupyterLab: the prebuilt labextension and a Jupyter server extension that
proxies the extension's calls to the Slipway gateway, so that the browser never holds the
gateway's credentials (they are the Jupyter server's configuration, see ``config.py``)."""

from typing import Any

from ._version import __version__

__all__ = ["__version__"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    # Only read by a development install: a wheel puts the labextension in share/jupyter itself.
    return [{"src": "labextension", "dest": "slipway"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyterlab_slipway"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from .handlers import setup_handlers

    setup_handlers(server_app)
