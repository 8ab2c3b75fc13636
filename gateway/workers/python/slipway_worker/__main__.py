"""Entry point: python -m slipway_worker [--max-runs N] [--memory-mb MB] [--serve notebooks|models].

Serves JSON-lines requests on stdin/stdout until stdin closes.
"""

import argparse
import asyncio
import sys


def _limit_memory(megabytes):
    """Caps the address space of this process; kernels inherit the cap (each its own), so a
    notebook that allocates too much gets a MemoryError instead of starving the machine."""
    try:
        import resource
    except ImportError:  # not on POSIX: no limit, and say so
        print("slipway worker: --memory-mb is not supported on this platform; running unlimited", file=sys.stderr)
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="slipway_worker")
    parser.add_argument("--max-runs", type=int, default=8, help="notebook runs at once; more wait")
    parser.add_argument("--memory-mb", type=int, default=0, help="address-space limit per process (0: none)")
    parser.add_argument("--serve", choices=("notebooks", "models"), default="notebooks", help="what this worker runs")
    args = parser.parse_args(argv)
    if args.memory_mb > 0:
        _limit_memory(args.memory_mb)
    # Imported after the limit so that it covers everything the worker loads.
    from .server import serve

    try:
        asyncio.run(serve(max(1, args.max_runs), args.serve))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
