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
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from .model_flavours import HEAD_BYTES, PIP_NAMES, adapt, load_native, sniff
from .model_io import ModelInput, Record, to_json
from .model_signature import describe
from .protocol import JsonObject, RequestId, WorkerError

Snippet = Callable[..., Any]
"""A function the publisher's snippet defines: preprocess(records) or predict(model, data)."""


def load_file(path: str) -> tuple[Any, list[str]]:
    """Loads a model file by its content (see model_flavours): an XGBoost or LightGBM model
    file into its Booster; anything else as a pickle, joblib (compressed or not) or cloudpickle
    file. joblib.load reads plain pickles too (cloudpickle writes plain pickles that need
    cloudpickle importable), so one loader covers the three."""
    with open(path, "rb") as f:
        flavour = sniff(f.read(HEAD_BYTES))
    if flavour != "pickle":
        return load_native(path, flavour), []
    import joblib

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = joblib.load(path)
        return model, load_notes(caught)
    except MemoryError:
        # A truncated file makes pickle read a garbage length and ask for that much memory.
        raise WorkerError(
            "InvalidModel",
            "the file cannot be unpickled: it asks for more memory than the worker may use "
            "(a corrupt file, or a model too large for config.memoryMb)",
        ) from None
    except ModuleNotFoundError as exc:
        raise WorkerError("InvalidModel", missing_module(str(exc.name))) from None
    except AttributeError as exc:
        missing = missing_attribute(str(exc))
        if missing is None:
            raise WorkerError("InvalidModel", f"the file cannot be unpickled (AttributeError: {_short(exc)})") from None
        raise WorkerError("InvalidModel", missing) from None
    except Exception as exc:  # noqa: BLE001 - any failure to unpickle is a bad artifact
        raise WorkerError(
            "InvalidModel", f"the file cannot be unpickled ({type(exc).__name__}: {_short(exc)})"
        ) from None


def missing_module(module: str) -> str:
    top = module.split(".")[0]
    if top in PIP_NAMES:
        return (
            f"the pickle needs the Python module {module!r}, which is not installed; list the package "
            f"{PIP_NAMES[top]} in config.requirements, pinned to the version that saved the model"
        )
    return (
        f"the pickle needs the Python module {module!r}, which is not installed: pickle stores a class or function "
        f"by its module and name only. If {top!r} is a package, list it in config.requirements; if it is your own "
        f"code, either install it as a package and list that, or save the model with cloudpickle after "
        f"cloudpickle.register_pickle_by_value({top}), which stores your code inside the file"
    )


# "Can't get attribute 'Doubler' on <module '__main__' from '…'>" (pickle's words), and the
# plain AttributeError of newer Pythons.
_CANT_GET = re.compile(r"Can't get attribute '([^']+)' on <module '([^']+)'")
_NO_ATTRIBUTE = re.compile(r"module '([^']+)' has no attribute '([^']+)'")


def missing_attribute(message: str) -> str | None:
    """What to do when the pickle names a class its module does not have, or None."""
    found = _CANT_GET.search(message)
    name, module = found.groups() if found else (None, None)
    if found is None and (other := _NO_ATTRIBUTE.search(message)):
        module, name = other.groups()
    if name is None or module is None:
        return None
    # The running __main__ shows as its spec's name: `slipway_worker.__main__` in the worker.
    if module in ("__main__", "__mp_main__") or module.endswith(".__main__"):
        return (
            f"the pickle needs the class {name} from module __main__ — the notebook or script that saved it — and "
            f"pickle stores a class by module and name only, so the class is not in the file. Either save the model "
            f"with cloudpickle (cloudpickle.dump(model, f) in that notebook: it stores classes defined there by value), "
            f"or move {name} into a module of your own, install it as a package and list it in config.requirements "
            f"(or save with cloudpickle after cloudpickle.register_pickle_by_value(that_module))"
        )
    return (
        f"the pickle needs {name} from module {module}, which the installed {module.split('.')[0]} does not have: "
        f"it was likely saved with another version; pin that version in config.requirements"
    )


def load_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """What the publisher should hear of the warnings unpickling gave: scikit-learn's
    InconsistentVersionWarning as one note naming both versions and the pin that fixes it."""
    versions: dict[tuple[str, str], list[str]] = {}
    notes: set[str] = set()
    for w in caught:
        message: Any = w.message
        if type(message).__name__ == "InconsistentVersionWarning":
            key = (str(message.original_sklearn_version), str(message.current_sklearn_version))
            versions.setdefault(key, []).append(str(message.estimator_name))
        elif issubclass(w.category, UserWarning):
            notes.add(_short(message, 300))
    for (saved, current), names in sorted(versions.items()):
        notes.add(
            f"the model was pickled with scikit-learn {saved} and is served with scikit-learn {current} "
            f"({', '.join(sorted(set(names)))}): its predictions may differ or fail. Serve it with the version "
            f'that made it: config.requirements: ["scikit-learn=={saved}"]'
        )
    return sorted(notes)


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
        # A predict snippet gets the object as the file holds it (a Booster, a statsmodels
        # results object); the worker's own predictions go through its adapter.
        self.model, notes = load_file(args["path"])
        self.preprocess, self.custom_predict = compile_snippets(args.get("preprocess"), args.get("predict"))
        served = adapt(self.model)
        if self.custom_predict is None and not callable(getattr(served, "predict", None)):
            raise WorkerError(
                "InvalidModel",
                f"the file holds a {type(self.model).__name__}, which has no predict method; give a predict snippet (config.predict)",
            )
        self.info = describe(
            served,
            args.get("signature"),
            has_preprocess=self.preprocess is not None,
            has_predict=self.custom_predict is not None,
        )
        self.info["warnings"] = notes + self.info["warnings"]
        self.input = ModelInput(self.info["inputs"], self.info["layout"])
        # A pipeline answering label and probabilities would run its transforms twice (once
        # in predict, once in predict_proba); run them once and ask the final step both, which
        # is what Pipeline itself does, step for step.
        steps: Any = getattr(served, "steps", None)
        split = self.info["kind"] == "classifier" and self.info["probabilities"] and steps and len(steps) > 1
        self.head = served[:-1] if split else None
        self.final = steps[-1][1] if split else served

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
        both = getattr(self.final, "labels_and_proba", None)
        if kind == "classifier" and self.info["probabilities"] and both is not None:
            # A Booster's labels come from its probabilities: one pass, not two.
            labels, proba = both(data)
        else:
            labels = self.final.predict(data)
            proba = None
        if kind == "classifier":
            if proba is None and self.info["probabilities"]:
                proba = self.final.predict_proba(data)
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
