"""Warm kernel pools: kernels started ahead of demand so a run pays for its cells only."""

import asyncio
import sys
import time

from jupyter_client.manager import AsyncKernelManager


class Kernel:
    def __init__(self, km, kc):
        self.km = km
        self.kc = kc

    @property
    def pid(self):
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    async def shutdown(self):
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - a dead channel must not stop the kill
            pass
        try:
            await self.km.shutdown_kernel(now=True)
        except Exception as exc:  # noqa: BLE001
            print(f"slipway worker: kernel shutdown failed: {exc}", file=sys.stderr)


async def start_kernel(kernel_name, cwd=None):
    km = AsyncKernelManager(kernel_name=kernel_name)
    await km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
    except Exception:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        raise
    return Kernel(km, kc)


class KernelPool:
    """Up to `size` idle kernels for one notebook; each run takes one and never gives it back."""

    def __init__(self, kernel_name, size, idle_seconds, cwd=None):
        self.kernel_name = kernel_name
        self.size = size
        self.idle_seconds = idle_seconds
        self.cwd = cwd
        self.idle = []
        self.starting = 0
        self.last_used = time.monotonic()
        self.closed = False

    def refill(self):
        """Starts kernels in the background until the pool is full again."""
        if self.closed:
            return
        for _ in range(self.size - len(self.idle) - self.starting):
            self.starting += 1
            asyncio.create_task(self._start_one())

    async def _start_one(self):
        try:
            kernel = await start_kernel(self.kernel_name, self.cwd)
        except Exception as exc:  # noqa: BLE001 - a failed warm start only costs the next call a cold start
            print(f"slipway worker: warm kernel start failed: {exc}", file=sys.stderr)
            return
        finally:
            self.starting -= 1
        if self.closed:
            await kernel.shutdown()
        else:
            self.idle.append(kernel)

    async def take(self):
        """A ready kernel and whether the caller had to wait for a cold start."""
        self.last_used = time.monotonic()
        if self.idle:
            kernel, cold = self.idle.pop(0), False
        else:
            kernel, cold = await start_kernel(self.kernel_name, self.cwd), True
        self.refill()
        return kernel, cold

    async def shrink_if_idle(self, now):
        """Scale to zero: an unused pool gives its kernels back."""
        if self.idle and now - self.last_used >= self.idle_seconds:
            idle, self.idle = self.idle, []
            await asyncio.gather(*(k.shutdown() for k in idle))
            return True
        return False

    async def close(self):
        self.closed = True
        idle, self.idle = self.idle, []
        await asyncio.gather(*(k.shutdown() for k in idle))

    def pids(self):
        return [k.pid for k in self.idle if k.pid]
