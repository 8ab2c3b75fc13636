# The package's version is the npm package's (package.json), read by hatch at build time.
try:
    from importlib.metadata import version

    __version__ = version("jupyterlab-slipway")
except Exception:  # not installed (a source checkout on PYTHONPATH)  # noqa: BLE001
    __version__ = "0.0.0+source"
