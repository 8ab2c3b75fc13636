"""The Evidently side of bench/monitoring.mjs: the same rows, timed the same way.

Reads the columns monitoring.mjs wrote (raw little-endian arrays, one file per column), builds
the pandas frames once (not timed), then times, after a warm-up, the median of `--runs` runs each
(the warm-up on the first 10,000 rows only):

- Evidently's ``Report([DataDriftPreset()]).run`` of the current rows against the reference
  (20 features and the prediction, the columns Slipway's drift report covers);
- scikit-learn's classification metrics over every labelled prediction: the figures Slipway's
  quality report gives (accuracy, per-class precision/recall/F1 and support, macro averages,
  ROC AUC, log loss, confusion matrix), for the whole window and for each hour.

Prints one JSON line: timings (ms) and the answers, for the report to compare with Slipway's.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd

NUMERIC = [f"n{i}" for i in range(15)]
CATEGORICAL = [f"c{i}" for i in range(5)]
CLASSES = np.array(["no", "yes"], dtype=object)


def column(directory, prefix, name, dtype):
    return np.fromfile(os.path.join(directory, f"{prefix}.{name}.bin"), dtype=dtype)


def frame(directory, prefix):
    data = {name: column(directory, prefix, name, "<f8") for name in NUMERIC}
    for name in CATEGORICAL:
        codes = column(directory, prefix, name, "u1")
        names = np.array([f"{name}_v{i}" for i in range(256)], dtype=object)
        data[name] = names[codes]
    data["prediction"] = CLASSES[column(directory, prefix, "predicted", "u1")]
    labels = {
        "actual": CLASSES[column(directory, prefix, "actual", "u1")],
        "p_yes": column(directory, prefix, "p_yes", "<f8"),
    }
    return pd.DataFrame(data), labels


def timed(fn, warm_up, runs):
    warm_up()
    times = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return {"ms": statistics.median(times), "all": times}, result


def drift(cur, ref):
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(
        numerical_columns=NUMERIC, categorical_columns=CATEGORICAL + ["prediction"]
    )

    def run():
        snapshot = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(cur, data_definition=definition),
            Dataset.from_pandas(ref, data_definition=definition),
        )
        out = {"columns": {}}
        for m in snapshot.dict()["metrics"]:
            config = m["config"]
            if config["type"].endswith("DriftedColumnsCount"):
                out["count"] = m["value"]["count"]
                out["share"] = m["value"]["share"]
            elif config["type"].endswith("ValueDrift"):
                out["columns"][config["column"]] = {
                    "method": config["method"],
                    "threshold": config["threshold"],
                    "score": float(m["value"]),
                }
        return out

    return run


def quality(actual, predicted, p_yes, hours):
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        log_loss,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    def metrics(y, yhat, p):
        labels = np.unique(np.concatenate([y, yhat]))
        prf = precision_recall_fscore_support(y, yhat, labels=labels, zero_division=0)
        macro = precision_recall_fscore_support(
            y, yhat, labels=labels, average="macro", zero_division=0
        )
        both = len(np.unique(y)) > 1
        probabilities = np.column_stack([1 - p, p])
        return {
            "labelled": int(len(y)),
            "accuracy": float(accuracy_score(y, yhat)),
            "perClass": [[float(x) for x in col] for col in prf],
            "macro": [float(x) for x in macro[:3]],
            "rocAuc": float(roc_auc_score(y == "yes", p)) if both else None,
            "logLoss": float(log_loss(y, probabilities, labels=list(CLASSES))),
            "confusionMatrix": confusion_matrix(y, yhat, labels=labels).tolist(),
        }

    def run():
        overall = metrics(actual, predicted, p_yes)
        series = [
            metrics(actual[hours == h], predicted[hours == h], p_yes[hours == h])
            for h in np.unique(hours)
        ]
        return {"overall": overall, "buckets": len(series)}

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--reference", type=int, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import evidently
    import sklearn

    t = time.perf_counter()
    cur, cur_labels = frame(args.dir, "current")
    ref, _ = frame(args.dir, "reference")
    frames_ms = (time.perf_counter() - t) * 1000
    # The calls are spread evenly over 24 hours, in order: the hour of row r.
    hours = (np.arange(args.rows) * 24) // args.rows
    print(f"frames built in {frames_ms:.0f} ms; timing Evidently", file=sys.stderr)
    # Warm-ups on the first 10,000 rows: imports and caches, without another full run.
    drift_time, drift_result = timed(drift(cur, ref), drift(cur.head(10_000), ref), args.runs)
    print(f"Evidently drift {drift_time['ms']:.0f} ms; timing scikit-learn", file=sys.stderr)
    actual, predicted, p_yes = cur_labels["actual"], cur["prediction"].to_numpy(), cur_labels["p_yes"]
    quality_time, quality_result = timed(
        quality(actual, predicted, p_yes, hours),
        quality(actual[:10_000], predicted[:10_000], p_yes[:10_000], hours[:10_000]),
        args.runs,
    )
    print(
        json.dumps(
            {
                "versions": {
                    "python": sys.version.split()[0],
                    "evidently": evidently.__version__,
                    "sklearn": sklearn.__version__,
                    "pandas": pd.__version__,
                    "numpy": np.__version__,
                },
                "framesMs": frames_ms,
                "drift": {**drift_time, "result": drift_result},
                "quality": {**quality_time, "result": quality_result},
            }
        )
    )


if __name__ == "__main__":
    main()
