"""Entry point: python -m slipway_worker. Serves requests until stdin closes."""

import asyncio
import os
import signal
import sys
import time

from . import notebooks
from .kernels import KernelPool
from .protocol import Channel, WorkerError, read_requests


class Worker:
    def __init__(self):
        self.pools = {}
        self.running = {}

    def pool(self, key):
        pool = self.pools.get(key)
        if pool is None:
            raise WorkerError("NotPrepared", f"notebook {key} is not prepared on this worker")
        return pool

    async def ping(self, args):
        return {"pid": os.getpid()}

    async def inspect(self, args):
        return notebooks.inspect(args["path"])

    async def prepare(self, args):
        key = args["key"]
        nb = notebooks.read_notebook(args["path"])
        if key not in self.pools:
            self.pools[key] = KernelPool(
                notebooks.kernel_name_of(nb), int(args.get("warm", 1)), float(args.get("idleSeconds", 600)), args.get("cwd")
            )
        self.pools[key].refill()
        return {"key": key}

    async def run(self, args):
        pool = self.pool(args["key"])
        return await notebooks.run(pool, args["path"], args.get("parameters") or {}, float(args["timeout"]), args.get("outputPath"))

    async def release(self, args):
        pool = self.pools.pop(args["key"], None)
        if pool:
            await pool.close()
        return {}

    async def stats(self, args):
        return {"pools": {k: {"idle": len(p.idle), "pids": p.pids()} for k, p in self.pools.items()}}

    async def close(self):
        await asyncio.gather(*(p.close() for p in self.pools.values()))
        self.pools.clear()

    async def reap_idle(self):
        while True:
            await asyncio.sleep(1)
            now = time.monotonic()
            for pool in list(self.pools.values()):
                await pool.shrink_if_idle(now)


async def main():
    channel = Channel()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker()
    methods = {name: getattr(worker, name) for name in ("ping", "inspect", "prepare", "run", "release", "stats")}
    reaper = asyncio.create_task(worker.reap_idle())
    tasks = set()

    async def handle(request):
        request_id = request.get("id")
        method = methods.get(request.get("method"))
        try:
            if method is None:
                raise WorkerError("UnknownMethod", f"unknown method {request.get('method')!r}")
            await channel.reply(request_id, await method(request.get("args") or {}))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller
            await channel.fail(request_id, exc)

    async def serve():
        async for request in read_requests():
            task = asyncio.create_task(handle(request))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    serving = asyncio.create_task(serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    # stdin closed or a signal: the gateway is gone or stopping us. Leave no kernel behind.
    serving.cancel()
    reaper.cancel()
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await worker.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
