"""A kernel zygote: a process that has imported ipykernel and forks a fresh kernel on request.

Started as `python <this file>` by a worker (kernel_forks.py), on the interpreter its kernels
run on; it imports nothing of the worker's package. A Python kernel spends most of its start importing IPython,
ipykernel, zmq and tornado (~180 ms of CPU on this machine); here that is paid once, and each
kernel is a fork of a process that has never run user code: a fresh copy of the imported
modules, a fresh namespace, its own working directory, environment, memory limit and process
group, and then `python -m ipykernel_launcher` run in it exactly as the interpreter runs it
(runpy, the command line the kernel spec gives). No variable, module state or file of one
kernel can reach another: each is a separate process forked from the same clean template.

The zygote starts no thread and opens no zmq context before forking (a fork copies only the
calling thread, and zmq contexts are not fork-safe); the kernel opens its own after the fork.

Protocol on stdin/stdout, JSON lines. The worker asks
`{"id", "argv", "cwd", "env", "memoryMb"}` and is answered `{"id", "pid"}` or
`{"id", "error"}`; when a kernel ends, the zygote (its parent) reaps it and says
`{"exited": pid, "status": code}` (a negative code is the signal that ended it). The zygote
ends when its stdin closes; the kernels it forked live on in their own process groups, which
the worker has announced to the gateway and kills itself.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import sys
from collections.abc import Callable
from typing import Any

# This script's folder is not an import path (it holds the worker's modules: protocol.py, …).
# `python -m ipykernel_launcher` starts with the working directory there, which the launcher
# removes in the same way: a kernel's sys.path is the same either way (the kernel adds '' back
# itself, InteractiveShellApp.init_path).
del sys.path[0]
_ENV_BEFORE_IMPORTS = dict(os.environ)

import importlib  # noqa: E402
import runpy  # noqa: E402

# What a kernel imports before its first cell, so that no kernel pays for it again. Not numpy,
# pandas or anything else a notebook brings: their global state (numpy's random generator) would
# be shared by every fork, and a zygote must hold nothing a notebook could tell apart.
PRELOADED = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    # IPython's history (in memory for the worker's kernels, still SQLite).
    "sqlite3",
)
for _name in PRELOADED:
    importlib.import_module(_name)

# What those imports did to the environment (debugpy sets PYDEVD_USE_FRAME_EVAL): a kernel's
# imports do it to its own environment, so each kernel gets it over the one it is given.
_ENV_SET_BY_IMPORTS = {k: v for k, v in os.environ.items() if _ENV_BEFORE_IMPORTS.get(k) != v}
_ENV_UNSET_BY_IMPORTS = [k for k in _ENV_BEFORE_IMPORTS if k not in os.environ]

set_title: Callable[[str], None] | None
try:
    from setproctitle import setproctitle as set_title
except ImportError:  # an interpreter without it: kernels keep the zygote's command line
    set_title = None

LAUNCHER = "ipykernel_launcher"


def _become_kernel(request: dict[str, Any], inherited: list[int]) -> None:
    """In the forked child: the process the kernel spec's command line would have started;
    `inherited` are the zygote's descriptors, closed here."""
    status = 1
    try:
        os.setsid()
        # The interpreter's signal state first: the wakeup fd is among those closed next.
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd in inherited:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.chdir(request["cwd"])
        memory = request.get("memoryMb")
        if memory:
            import resource

            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory * 1024 * 1024
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        argv: list[str] = request["argv"]
        if set_title is not None:
            # What `ps` and /proc/<pid>/cmdline show: the command line the kernel spec gives.
            # Before the environment changes: the title takes the space of the original one.
            set_title(" ".join(argv))
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update(_ENV_SET_BY_IMPORTS)
        for name in _ENV_UNSET_BY_IMPORTS:
            os.environ.pop(name, None)
        sys.orig_argv = list(argv)
        # argv is [python, -m, ipykernel_launcher, ...]: what `python -m` leaves in sys.argv.
        sys.argv = ["-m", *argv[3:]]
        runpy.run_module(LAUNCHER, run_name="__main__", alter_sys=True)
        status = 0
    except SystemExit as exc:
        code = exc.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:  # noqa: BLE001 - a kernel that cannot start says why on stderr
        import traceback

        traceback.print_exc()
    finally:
        # The exit the interpreter would make: atexit handlers (the kernel's own), flushed streams.
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _reap(out: Any) -> None:
    """Reaps every kernel that ended and tells the worker."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out.write(json.dumps({"exited": pid, "status": code}) + "\n")


def main() -> None:
    # fd 1 is the protocol's; kernels (and stray writes here) get stderr as their stdout, as a
    # kernel started by the worker does.
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    # A handler (not SIG_DFL) so that SIGCHLD wakes the selector through the wakeup fd.
    signal.signal(signal.SIGCHLD, lambda *_: None)
    # The worker's group may be interrupted; its zygote goes only when its stdin closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "requests")
    selector.register(wake_read, selectors.EVENT_READ, "children")
    # What a kernel must not hold: the protocol, the wakeup pipe, the selector.
    keep = [out.fileno(), wake_read, wake_write, selector.fileno()]
    pending = b""
    # The modules every kernel starts with, for the worker to see what a fork saves.
    out.write(json.dumps({"ready": os.getpid(), "modules": sorted(sys.modules)}) + "\n")
    while True:
        for key, _ in selector.select():
            if key.data == "children":
                while True:
                    try:
                        if not os.read(wake_read, 4096):
                            break
                    except BlockingIOError:
                        break
                _reap(out)
                continue
            chunk = os.read(0, 1 << 20)
            if not chunk:
                return
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    _answer(json.loads(line), out, keep)
        _reap(out)


def _answer(request: dict[str, Any], out: Any, keep: list[int]) -> None:
    argv = request.get("argv") or []
    if argv[1:3] != ["-m", LAUNCHER]:
        out.write(json.dumps({"id": request.get("id"), "error": f"not an ipykernel command line: {argv!r}"}) + "\n")
        return
    try:
        pid = os.fork()
    except OSError as exc:
        out.write(json.dumps({"id": request.get("id"), "error": f"fork failed: {exc}"}) + "\n")
        return
    if pid == 0:
        _become_kernel(request, keep)
    out.write(json.dumps({"id": request.get("id"), "pid": pid}) + "\n")


if __name__ == "__main__":
    main()
