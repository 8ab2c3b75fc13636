"""Pickled models: one model per worker process (`python -m slipway_worker --serve models`).

The gateway starts one such worker per pickle deployment, so that a model that crashes, runs
past its deadline (the gateway kills the worker: a Python thread cannot be stopped) or runs
out of memory takes down its own deployment only, and so that a deployment with its own
`requirements` runs on its own interpreter. Unpickling runs code from the file: it happens
here, never in the gateway.

Work runs in threads, so the event loop keeps answering pings while a model predicts.
"""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from .model_io import ModelInput, Record, to_json
from .model_signature import describe
from .protocol import JsonObject, RequestId, WorkerError

Snippet = Callable[..., Any]
"""A function the publisher's snippet defines: preprocess(records) or predict(model, data)."""


def load_file(path: str) -> tuple[Any, list[str]]:
    """Loads a pickle, joblib (compressed or not) or cloudpickle file. joblib.load reads plain
    pickles too (cloudpickle writes plain pickles that need cloudpickle importable), so one
    loader covers the three."""
    import joblib

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = joblib.load(path)
        # e.g. scikit-learn's InconsistentVersionWarning: the publisher should hear of it.
        notes = sorted({_short(w.message, 300) for w in caught if issubclass(w.category, UserWarning)})
        return model, notes
    except MemoryError:
        # A truncated file makes pickle read a garbage length and ask for that much memory.
        raise WorkerError(
            "InvalidModel",
            "the file cannot be unpickled: it asks for more memory than the worker may use "
            "(a corrupt file, or a model too large for config.memoryMb)",
        ) from None
    except ModuleNotFoundError as exc:
        raise WorkerError(
            "InvalidModel",
            f"the pickle needs the Python module {exc.name!r}, which is not installed; list it in config.requirements",
        ) from None
    except Exception as exc:  # noqa: BLE001 - any failure to unpickle is a bad artifact
        raise WorkerError(
            "InvalidModel", f"the file cannot be unpickled ({type(exc).__name__}: {_short(exc)})"
        ) from None


def compile_snippets(preprocess: str | None, predict: str | None) -> tuple[Snippet | None, Snippet | None]:
    """Runs the publisher's snippets in one fresh namespace and returns the two functions (or
    None); `predict` may use helpers that the preprocess snippet defines."""
    namespace: dict[str, Any] = {"__name__": "slipway_snippets"}
    found: dict[str, Snippet] = {}
    for name, source in (("preprocess", preprocess), ("predict", predict)):
        if not source:
            continue
        try:
            exec(compile(source, f"<config.{name}>", "exec"), namespace)  # noqa: S102 - the publisher's own code
        except SyntaxError as exc:
            raise WorkerError(
                "InvalidSnippet", f"config.{name}: syntax error on line {exc.lineno}: {exc.msg}", field=f"config.{name}"
            ) from None
        except Exception as exc:  # noqa: BLE001
            raise WorkerError(
                "InvalidSnippet",
                f"config.{name} failed when run: {type(exc).__name__}: {_short(exc)}",
                field=f"config.{name}",
            ) from None
        fn = namespace.get(name)
        if not callable(fn):
            raise WorkerError(
                "InvalidSnippet", f"config.{name} must define a function {name}(...)", field=f"config.{name}"
            )
        found[name] = fn
    return found.get("preprocess"), found.get("predict")


class LoadedModel:
    """A model loaded from its file, with its snippets and what it takes and answers."""

    def __init__(self, args: JsonObject) -> None:
        self.model, load_notes = load_file(args["path"])
        self.preprocess, self.custom_predict = compile_snippets(args.get("preprocess"), args.get("predict"))
        if self.custom_predict is None and not callable(getattr(self.model, "predict", None)):
            raise WorkerError(
                "InvalidModel",
                f"the file holds a {type(self.model).__name__}, which has no predict method; give a predict snippet (config.predict)",
            )
        self.info = describe(
            self.model,
            args.get("signature"),
            has_preprocess=self.preprocess is not None,
            has_predict=self.custom_predict is not None,
        )
        self.info["warnings"] = load_notes + self.info["warnings"]
        self.input = ModelInput(self.info["inputs"], self.info["layout"])
        # A pipeline answering label and probabilities would run its transforms twice (once
        # in predict, once in predict_proba); run them once and ask the final step both, which
        # is what Pipeline itself does, step for step.
        steps: Any = getattr(self.model, "steps", None)
        split = self.info["kind"] == "classifier" and self.info["probabilities"] and steps and len(steps) > 1
        self.head = self.model[:-1] if split else None
        self.final = steps[-1][1] if split else self.model

    def predict(self, records: list[Record]) -> list[JsonObject]:
        if self.preprocess is None:
            data = self.input.frame(records)
        else:
            try:
                data = self.preprocess(records)
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - the publisher's code failed: tell them how
                raise WorkerError(
                    "SnippetFailed", f"config.preprocess raised {type(exc).__name__}: {_short(exc)}"
                ) from None
        if self.custom_predict is not None:
            return self._custom(self.custom_predict, records, data)
        kind = self.info["kind"]
        if self.head is not None:
            data = self.head.transform(data)
        labels = self.final.predict(data)
        if kind == "classifier":
            proba = self.final.predict_proba(data) if self.info["probabilities"] else None
            keys = self.info["classKeys"]
            out = []
            for i, label in enumerate(labels):
                p: JsonObject = {"label": to_json(label)}
                if proba is not None:
                    p["probabilities"] = {k: float(v) for k, v in zip(keys, proba[i], strict=False)}
                out.append(p)
            return out
        name = "cluster" if kind == "cluster" else "prediction"
        return [{name: to_json(v)} for v in labels]

    def _custom(self, predict: Snippet, records: list[Record], data: Any) -> list[JsonObject]:
        try:
            result = predict(self.model, data)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - the publisher's code failed: tell them how
            raise WorkerError("SnippetFailed", f"config.predict raised {type(exc).__name__}: {_short(exc)}") from None
        rows = list(result.to_dict("records") if hasattr(result, "to_dict") and hasattr(result, "columns") else result)
        if len(rows) != len(records):
            raise WorkerError(
                "SnippetFailed",
                f"config.predict returned {len(rows)} results for {len(records)} records; it must return one per record",
            )
        # With declared outputs a dict per record is the answer itself; else it is `prediction`.
        if self.info["declaredOutputs"]:
            return [to_json(r) if isinstance(r, dict) else {self.info["outputs"][0]["name"]: to_json(r)} for r in rows]
        return [{"prediction": to_json(r)} for r in rows]


class ModelWorker:
    """The methods a model worker answers; one model at a time."""

    METHODS: ClassVar[tuple[str, ...]] = ("ping", "load_model", "predict", "cancel")

    def __init__(self) -> None:
        self.calls: dict[RequestId, asyncio.Future[None]] = {}
        self.loaded: LoadedModel | None = None
        self.key: str | None = None

    async def ping(self, args: JsonObject) -> JsonObject:
        return {"pid": os.getpid(), "python": sys.version.split()[0], "model": self.key}

    async def load_model(self, args: JsonObject) -> JsonObject:
        """Loads the file at `path` as model `key`, with optional snippets and signature."""
        try:
            self.loaded = await asyncio.to_thread(LoadedModel, args)
        except MemoryError:
            raise WorkerError("MemoryError", "the model does not fit in memory") from None
        self.key = args.get("key")
        info = self.loaded.info
        return {k: info[k] for k in ("inputs", "outputs", "kind", "warnings")}

    async def predict(self, args: JsonObject) -> list[JsonObject]:
        """Predicts `records` (validated by the gateway) with the loaded model `key`."""
        if self.loaded is None or self.key != args.get("key"):
            # A restarted or woken worker: the gateway loads the model again and retries.
            raise WorkerError("ModelNotLoaded", "the model is not loaded in this worker")
        records = args.get("records") or []
        if not records:
            return []
        loaded = self.loaded
        try:
            return await asyncio.to_thread(loaded.predict, records)
        except WorkerError:
            raise
        except MemoryError:
            # numpy raises a subclass (_ArrayMemoryError): one name for the gateway to map.
            raise WorkerError("MemoryError", "the model ran out of memory") from None
        except Exception as exc:  # noqa: BLE001 - the model's own complaint, for the caller
            raise WorkerError("PredictionFailed", f"the model raised {type(exc).__name__}: {_short(exc)}") from None

    async def cancel(self, args: JsonObject) -> JsonObject:
        # A thread cannot be stopped; the gateway kills this worker after a deadline instead.
        return {"cancelled": False}

    async def reap_idle(self) -> None:
        return None

    async def close(self) -> None:
        return None


def _short(exc: object, limit: int = 400) -> str:
    text = str(exc).strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"
