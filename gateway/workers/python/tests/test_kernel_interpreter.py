"""A notebook published with requirements: its kernels run on the interpreter of a venv of its
own (layered on the worker's, as the gateway makes it), the others' on the kernel spec's."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import execute
from jupyter_client.kernelspec import KernelSpecManager

from slipway_worker.kernels import InterpreterSpecs, Kernels
from slipway_worker.protocol import WorkerError

BOUND_SECONDS = 600


def layered_venv(root: Path) -> str:
    """A venv that sees this interpreter's packages after its own (as the gateway's
    `deploymentPython` makes one, less pip): its python's path."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = str(root / "bin" / "python")
    code = 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
    own = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    # Every site folder this interpreter reads, those it inherits through its own .pth included.
    inherited = [p for p in sys.path if p.endswith("site-packages")]
    Path(own, "_slipway_inherit.pth").write_text("\n".join(inherited) + "\n")
    return python


def prefix_notebook(path: Path) -> str:
    """A notebook whose output is its kernel's sys.prefix."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys\nsys.prefix")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, str(path))
    return str(path)


async def prefix_of_a_run(kernels: Kernels, key: str, path: str, python: str | None) -> object:
    pool = kernels.pool(key, "python3", python)
    kernel, _ = await pool.take()
    try:
        return (await execute(path, {}, kernel)).outputs()[0]
    finally:
        kernels.finish(kernel)


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_a_notebooks_kernels_run_on_the_interpreter_it_names(scratch: str, tmp_path: Path, fork: bool) -> None:
    python = layered_venv(tmp_path / "venv")
    path = prefix_notebook(tmp_path / "prefix.ipynb")
    kernels = Kernels(scratch, lambda pgid, alive: None, fork=fork)

    async def scenario() -> None:
        try:
            own = await prefix_of_a_run(kernels, "with-requirements", path, python)
            other = await prefix_of_a_run(kernels, "without", path, None)
            assert own == str(tmp_path / "venv")
            assert other == sys.prefix
            # The same key with another interpreter (a new version's requirements): a new pool.
            before = kernels.pools["with-requirements"]
            assert await prefix_of_a_run(kernels, "with-requirements", path, None) == sys.prefix
            assert kernels.pools["with-requirements"] is not before
        finally:
            await kernels.close()

    asyncio.run(asyncio.wait_for(scenario(), BOUND_SECONDS))


def test_the_spec_is_a_copy_with_the_interpreter_first(tmp_path: Path) -> None:
    specs = KernelSpecManager()
    original = specs.get_kernel_spec("python3")
    spec = InterpreterSpecs(specs, "/venvs/nb/bin/python").get_kernel_spec("python3")
    assert spec.argv == ["/venvs/nb/bin/python", *original.argv[1:]]
    assert spec.language == original.language
    assert specs.get_kernel_spec("python3").argv == original.argv


def test_only_a_python_kernel_takes_an_interpreter(scratch: str, tmp_path: Path) -> None:
    spec = tmp_path / "kernels" / "other"
    spec.mkdir(parents=True)
    argv = ["/usr/bin/env", "other-kernel", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Other", "language": "R"}))
    kernels = Kernels(scratch, lambda pgid, alive: None, KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]))
    assert kernels.check("other").language == "R"
    with pytest.raises(WorkerError) as refused:
        kernels.pool("nb", "other", "/venvs/nb/bin/python")
    assert refused.value.type == "InvalidArguments"
    assert "runs R, not Python" in refused.value.message
    assert kernels.pools == {}
