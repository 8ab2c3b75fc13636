"""Kernels forked from a zygote (kernel_forks.py, kernel_zygote.py), on real ipykernel processes:
each is the process `python -m ipykernel_launcher` would have been, nothing of one reaches
the next, and the zygote is replaced when it dies and gone when the worker closes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager

from slipway_worker.kernel_forks import KernelZygotes, Zygote, was_forked
from slipway_worker.kernels import Kernel, Kernels

BOUND_SECONDS = 600

# What a kernel's process looks like from inside: the same for a forked kernel and for one
# started as a new interpreter, but for what differs by design (its pid, its folder).
PROBE = """
import json as _json, os as _os, sys as _sys
_main = _sys.modules["__main__"]
print(_json.dumps({
    "argv": [_os.path.basename(_sys.argv[0])] + ["<file>" if a.endswith(".json") else a for a in _sys.argv[1:]],
    "path": _sys.path,
    "name": __name__,
    "main": type(_main).__name__,
    "env": sorted(k for k in _os.environ if k not in ("JPY_SESSION_NAME",)),
    "parent": _os.environ.get("JPY_PARENT_PID"),
    "cwd_is_own": _os.path.basename(_os.getcwd()).startswith("kernel-"),
    "leader": _os.getpgid(0) == _os.getpid() == _os.getsid(0),
    "modules": sorted(m for m in _sys.modules if m.split(".")[0] in ("numpy", "pandas", "sklearn")),
}))
"""


async def evaluate(kernel: Kernel, code: str) -> Any:
    """Runs `code` on `kernel` and reads the JSON it printed."""
    printed: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            raise AssertionError(f"the probe raised {msg['content']['ename']}: {msg['content']['evalue']}")

    reply = await kernel.kc.execute_interactive(code, output_hook=hook, timeout=BOUND_SECONDS)
    assert reply["content"]["status"] == "ok", reply["content"]
    return json.loads("".join(printed))


def run(kernels: Kernels, scenario: Any) -> None:
    async def main() -> None:
        try:
            await asyncio.wait_for(scenario(), BOUND_SECONDS)
        finally:
            await kernels.close()

    asyncio.run(main())


def forking(scratch: str) -> tuple[Kernels, KernelZygotes]:
    """A worker's kernels, forked from its zygotes."""
    kernels = Kernels(scratch, lambda *_: None, fork=True)
    assert kernels.zygotes is not None
    return kernels, kernels.zygotes


def forked(kernel: Kernel) -> bool:
    """Whether the kernel came from a zygote (else it was started as a new interpreter)."""
    return was_forked(kernel.km.provisioner)


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def command_line(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode().strip()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_forked_kernel_is_the_process_the_launcher_would_have_started(scratch: str) -> None:
    forking, starting = Kernels(scratch, lambda *_: None, fork=True), Kernels(scratch, lambda *_: None, fork=False)

    async def scenario() -> None:
        try:
            (a, _), (b, _) = await asyncio.gather(
                forking.pool("a", "python3").take(), starting.pool("b", "python3").take()
            )
            assert forked(a)
            assert not forked(b)
            zygotes = forking.zygotes
            assert zygotes is not None
            assert a.pid is not None
            assert parent_of(a.pid) in zygotes.pids()
            assert a.pgid == a.pid, "its own process group, as Popen(start_new_session=True) gives"
            # ps and /proc show the command line of the kernel spec, with its connection file.
            assert command_line(a.pid) == " ".join(a.km.format_kernel_cmd(["--HistoryManager.hist_file=:memory:"]))
            seen_forked, seen_started = await evaluate(a, PROBE), await evaluate(b, PROBE)
            # Named apart first, so that a difference says which variables.
            assert set(seen_forked.pop("env")) ^ set(seen_started.pop("env")) == set()
            assert seen_forked == seen_started
            assert seen_forked["argv"][0] == "ipykernel_launcher.py"
            assert seen_forked["parent"] == str(os.getpid())
            assert seen_forked["leader"]
            assert seen_forked["cwd_is_own"]
            assert seen_forked["modules"] == [], "the zygote imports no library a notebook brings"
            # What the kernel would import, its zygote has imported already.
            (zygote,) = zygotes.running()
            assert {"ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "zmq", "tornado", "jupyter_client"} <= set(
                zygote.modules
            )
            forking.finish(a)
            starting.finish(b)
        finally:
            await starting.close()

    run(forking, scenario)


def test_nothing_of_one_forked_kernel_reaches_the_next(scratch: str) -> None:
    kernels = Kernels(scratch, lambda *_: None, fork=True)
    leave = """
import json, os, random, sys
secret = 41
json.left_by_the_first = True
sys.modules["planted"] = json
os.environ["LEFT"] = "1"
open("left.txt", "w").write("x")
print(json.dumps({"random": random.random()}))
"""
    look = """
import json, os, random, sys
print(json.dumps({
    "variable": "secret" in globals(),
    "module_state": hasattr(json, "left_by_the_first"),
    "module": "planted" in sys.modules,
    "env": "LEFT" in os.environ,
    "files": os.listdir("."),
    "random": random.random(),
}))
"""

    async def scenario() -> None:
        pool = kernels.pool("nb", "python3")
        pool.configure(warm=2, idle_seconds=600)
        await kernels.settled()
        first, _ = await pool.take()
        left = await evaluate(first, leave)
        second, _ = await pool.take()
        seen = await evaluate(second, look)
        assert forked(first)
        assert forked(second)
        assert seen["variable"] is False
        assert seen["module_state"] is False
        assert seen["module"] is False
        assert seen["env"] is False
        assert seen["files"] == []
        # Python reseeds `random` in a forked child: two kernels never share a sequence.
        assert seen["random"] != left["random"]
        kernels.finish(first)
        kernels.finish(second)

    run(kernels, scenario)


def test_a_dead_zygote_is_replaced_and_a_closed_worker_leaves_none(scratch: str) -> None:
    kernels, zygotes = forking(scratch)

    async def scenario() -> None:
        pool = kernels.pool("nb", "python3")
        first, _ = await pool.take()
        (dead,) = zygotes.pids()
        os.kill(dead, signal.SIGKILL)
        # The kernel it forked was orphaned: its exit is read from the process table now.
        kernels.finish(first)
        await kernels.settled()
        assert first.pid is not None
        assert not alive(first.pid)
        second, _ = await pool.take()
        assert forked(second)
        (replacement,) = zygotes.pids()
        assert replacement != dead
        assert await evaluate(second, "print(1 + 1)") == 2
        kernels.finish(second)
        await kernels.close()
        assert not alive(replacement)

    run(kernels, scenario)


def test_a_kernel_spec_that_is_not_the_launchers_starts_as_a_new_interpreter(scratch: str, tmp_path: Path) -> None:
    spec = tmp_path / "kernels" / "flagged"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-X", "utf8", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Flagged", "language": "python"}))
    kernels = Kernels(scratch, lambda *_: None, KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]), fork=True)

    async def scenario() -> None:
        kernel, _ = await kernels.pool("nb", "flagged").take()
        assert not forked(kernel)
        assert await evaluate(kernel, "import sys; print(sys.flags.utf8_mode)") == 1
        kernels.finish(kernel)

    run(kernels, scenario)


def test_an_idle_zygote_is_stopped_once_its_kernels_are_gone_and_started_again_when_needed(scratch: str) -> None:
    kernels, zygotes = forking(scratch)

    async def scenario() -> None:
        pool = kernels.pool("nb", "python3")
        kernel, _ = await pool.take()
        (zygote,) = zygotes.running()
        an_hour_on = time.monotonic() + 3600
        await zygotes.close_idle(60, an_hour_on)
        assert zygotes.running() == [zygote], "a kernel it forked still lives"
        kernels.finish(kernel)
        await kernels.settled()
        await zygotes.close_idle(60, time.monotonic())
        assert zygotes.running() == [zygote], "it forked within the idle time"
        await zygotes.close_idle(60, an_hour_on)
        assert zygotes.running() == []
        assert zygote.pid is not None
        assert not alive(zygote.pid)
        again, _ = await pool.take()
        assert forked(again)
        (replacement,) = zygotes.running()
        assert replacement is not zygote
        kernels.finish(again)

    run(kernels, scenario)


def test_a_kernel_that_ends_at_once_is_seen_to_end() -> None:
    """Its exit can come in the same read as its fork's answer: it must not be missed."""

    async def scenario() -> None:
        zygote = Zygote(sys.executable)
        await zygote.start()
        try:
            argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "kernel.json"]
            # No such folder: the child fails at chdir and exits with 1 right after the fork.
            process = await zygote.fork(argv, "/nonexistent-slipway-folder", dict(os.environ), None)
            while process.poll() is None:
                await asyncio.sleep(0.01)  # until the zygote's exit notice is read
            assert process.returncode == 1
            assert zygote.idle_since(time.monotonic()) is not None
        finally:
            await zygote.close()

    asyncio.run(asyncio.wait_for(scenario(), BOUND_SECONDS))


def test_an_exit_read_just_after_the_forks_answer_is_not_lost() -> None:
    """The reader can take both lines before the fork's caller runs again (the race above,
    made certain): the kernel is known from its answer on, so its exit finds it."""

    async def scenario() -> None:
        zygote = Zygote(sys.executable)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        zygote._replies[1] = answer
        zygote._dispatch({"id": 1, "pid": 4_000_000})
        zygote._dispatch({"exited": 4_000_000, "status": -9})
        assert (await answer).poll() == -9

    asyncio.run(scenario())
