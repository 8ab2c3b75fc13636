"""Entry point: python -m slipway_worker [--max-runs N] [--memory-mb MB] [--serve notebooks|models|onnx]
[--kernel-start fork|exec].

Serves JSON-lines requests on stdin/stdout until stdin closes. Logs go to stderr, which the
gateway copies into its own log, each line after the worker's label (`[python worker 812]`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

log = logging.getLogger("slipway_worker")

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """One line per record on stderr (stdout is the protocol's): `WARNING slipway_worker.kernels:
    …`. Libraries' records (papermill, nbclient, jupyter_client) come the same way."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _limit_memory(megabytes: int) -> None:
    """Caps the address space of this process; kernels inherit the cap (each its own), so a
    notebook that allocates too much gets a MemoryError instead of starving the machine."""
    try:
        import resource
    except ImportError:  # not on POSIX: no limit, and say so
        log.warning("--memory-mb is not supported on this platform; running unlimited")
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="slipway_worker")
    parser.add_argument("--max-runs", type=int, default=8, help="notebook runs at once; more wait")
    parser.add_argument("--memory-mb", type=int, default=0, help="address-space limit per process (0: none)")
    parser.add_argument(
        "--serve", choices=("notebooks", "models", "onnx"), default="notebooks", help="what this worker runs"
    )
    parser.add_argument(
        "--kernel-start",
        choices=("fork", "exec"),
        default="fork",
        help="notebook kernels forked from a zygote that has imported ipykernel, or each a new interpreter",
    )
    parser.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="WARNING",
        help="the least severe records logged to stderr",
    )
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    if args.memory_mb > 0:
        _limit_memory(args.memory_mb)
    # Imported after the limit so that it covers everything the worker loads.
    from .server import serve

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(max(1, args.max_runs), args.serve, fork_kernels=args.kernel_start == "fork"))


if __name__ == "__main__":
    main()
