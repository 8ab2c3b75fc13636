"""The ONNX role: onnxruntime sessions in Python, for the execution providers only the Python
package has here (CUDA through onnxruntime-gpu; the npm package cannot download its CUDA build).

The gateway keeps everything else of ONNX serving (the signature, stacking records into
tensors, reading the outputs): this role opens a session and runs tensors through it, so
that the answers are computed exactly as on the gateway's CPU path, only on another device.

- `open_session {key, path, providers, threads?}` → the inputs' and outputs' metadata as
  onnxruntime-node shows it, and the providers the session really uses
- `run {key, feeds: {name: {type, dims, data}}, fetches}` → `{name: {type, dims, data}}`
- `close_session {key}`, `ping`, `cancel`
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any, ClassVar

from .protocol import JsonObject, RequestId, WorkerError

# onnxruntime's element types by their names in onnxruntime-node, and back.
ORT_TO_NODE = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
    "tensor(string)": "string",
    "tensor(float16)": "float16",
}
NUMPY_OF_NODE = {
    "float32": "float32",
    "float64": "float64",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
    "bool": "bool",
    "string": "object",
    "float16": "float16",
}
NODE_OF_NUMPY = {v: k for k, v in NUMPY_OF_NODE.items() if k != "string"}


def metadata(value: Any) -> JsonObject:
    """One input or output as onnxruntime-node's `ValueMetadata` describes it."""
    node_type = ORT_TO_NODE.get(value.type)
    if node_type is None:
        return {"name": value.name, "isTensor": False}
    shape = [d if isinstance(d, int) else (d if isinstance(d, str) else "?") for d in (value.shape or [])]
    return {"name": value.name, "isTensor": True, "type": node_type, "shape": shape}


def to_array(feed: JsonObject) -> Any:
    import numpy as np

    kind = NUMPY_OF_NODE.get(feed["type"])
    if kind is None:
        raise WorkerError("InvalidInput", f"element type {feed['type']} cannot be fed")
    return np.asarray(feed["data"], dtype=kind).reshape(feed["dims"])


def from_array(value: Any) -> JsonObject:
    import numpy as np

    array = np.asarray(value)
    if array.dtype.kind in ("U", "S", "O"):
        return {"type": "string", "dims": list(array.shape), "data": [str(x) for x in array.ravel()]}
    name = NODE_OF_NUMPY.get(array.dtype.name)
    if name is None:
        raise WorkerError(
            "PredictionFailed", f"the model answered a tensor of {array.dtype.name}, which cannot be served"
        )
    return {"type": name, "dims": list(array.shape), "data": array.ravel().tolist()}


class OnnxWorker:
    """onnxruntime sessions by key; runs go to a thread, so pings are answered meanwhile."""

    METHODS: ClassVar[tuple[str, ...]] = ("ping", "open_session", "run", "close_session", "cancel")

    def __init__(self) -> None:
        self.calls: dict[RequestId, asyncio.Future[None]] = {}
        self.sessions: dict[str, Any] = {}

    async def ping(self, args: JsonObject) -> JsonObject:
        return {
            "pid": os.getpid(),
            "python": sys.version.split()[0],
            "sessions": len(self.sessions),
            "devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        }

    async def open_session(self, args: JsonObject) -> JsonObject:
        try:
            import onnxruntime as ort  # type: ignore[import-untyped]
        except ImportError:
            raise WorkerError(
                "InvalidModel",
                "onnxruntime is not installed in the worker's Python: add it to config.requirements (onnxruntime-gpu for the gpu pool)",
            ) from None
        providers: list[str] = list(args.get("providers") or ["CPUExecutionProvider"])
        available = ort.get_available_providers()
        missing = [p for p in providers if p not in available]
        if missing:
            raise WorkerError(
                "InvalidModel",
                f"{', '.join(missing)} is not available in this worker's onnxruntime {ort.__version__} (it has {', '.join(available)}); "
                "the gpu pool needs onnxruntime-gpu with the CUDA libraries it was built for",
            )
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if args.get("threads"):
            options.intra_op_num_threads = int(args["threads"])
        # Intra-op threads wait for work asleep, not spinning: they share the cores with the
        # gateway and other models (as the gateway's own ONNX sessions do).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = await asyncio.to_thread(ort.InferenceSession, args["path"], options, providers=providers)
        except Exception as exc:  # noqa: BLE001 - onnxruntime's reason, for the publisher
            raise WorkerError("InvalidModel", f"not a loadable ONNX model: {str(exc).strip()[:400]}") from None
        # A provider that could not start (no device, a missing CUDA library) is dropped by
        # onnxruntime with a log line only: never a silent fallback to the CPU.
        used = session.get_providers()
        dropped = [p for p in providers if p not in used]
        if dropped:
            raise WorkerError(
                "InvalidModel",
                f"{', '.join(dropped)} could not start (no device visible, or a CUDA library is missing); the session would run on {', '.join(used)}",
            )
        self.sessions[args["key"]] = session
        return {
            "inputs": [metadata(v) for v in session.get_inputs()],
            "outputs": [metadata(v) for v in session.get_outputs()],
            "providers": used,
        }

    async def run(self, args: JsonObject) -> JsonObject:
        session = self.sessions.get(args.get("key", ""))
        if session is None:
            raise WorkerError("ModelNotLoaded", "the model is not loaded in this worker")
        feeds = {name: to_array(feed) for name, feed in (args.get("feeds") or {}).items()}
        fetches = list(args.get("fetches") or [o.name for o in session.get_outputs()])
        try:
            results = await asyncio.to_thread(session.run, fetches, feeds)
        except MemoryError:
            raise WorkerError("MemoryError", "the model ran out of memory") from None
        except Exception as exc:  # noqa: BLE001 - onnxruntime's complaint, for the caller
            raise WorkerError("PredictionFailed", f"onnxruntime failed: {str(exc).strip()[:400]}") from None
        return {name: from_array(value) for name, value in zip(fetches, results, strict=True)}

    async def close_session(self, args: JsonObject) -> JsonObject:
        self.sessions.pop(args.get("key", ""), None)
        return {}

    async def cancel(self, args: JsonObject) -> JsonObject:
        # A session's run cannot be stopped; the gateway kills this worker past a deadline.
        return {"cancelled": False}

    async def reap_idle(self) -> None:
        return None

    async def close(self) -> None:
        self.sessions.clear()
