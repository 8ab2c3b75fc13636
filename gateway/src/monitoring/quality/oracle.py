"""The scikit-learn figures that oracle.test.ts holds gateway/src/monitoring/quality to.

Reads {"cases": [...]} as JSON on stdin and writes {"results": [...]} in the same order.

A classification case: {"kind": "classification", "actual": [...], "predicted": [...],
"probaKeys": [...] | null, "proba": [[...] | null, ...] | null}; row i's probability of class c is
proba[i][probaKeys.index(str(c))], as the gateway keys a model's answer by the class's string form.
A regression case: {"kind": "regression", "actual": [...], "predicted": [...]}.
"""

import json
import math
import sys
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize
from sklearn.utils.multiclass import unique_labels


def finite_or_none(x):
    x = float(x)
    return None if math.isnan(x) else x


def probability_matrix(case, classes, labelled):
    """P with a column per class in class order, or None where the gateway answers null."""
    keys, rows = case.get("probaKeys"), case.get("proba")
    if keys is None or rows is None or any(r is None for r in rows):
        return None
    column = {k: j for j, k in enumerate(keys)}
    if any(str(c) not in column for c in labelled):
        return None
    # A class only predicted may have no column; it weighs nothing in log_loss (its indicator
    # is zero in every row) and has no ROC curve, so 0 stands in.
    return np.array(
        [[row[column[str(c)]] if str(c) in column else 0.0 for c in classes] for row in rows],
        dtype=np.float64,
    )


def roc_auc(y, P, classes, labelled):
    if len(labelled) < 2:
        return None
    if len(classes) == 2:
        return float(roc_auc_score(y, P[:, 1]))
    if len(labelled) == len(classes):
        return float(roc_auc_score(y, P, multi_class="ovr", average="macro", labels=classes))
    # A class never labelled: one-vs-rest per class (NaN for that class), mean of the others.
    per_class = roc_auc_score(label_binarize(y, classes=classes), P, average=None)
    return float(np.nanmean(per_class))


def classification(case):
    y, yp = np.array(case["actual"]), np.array(case["predicted"])
    classes = unique_labels(y, yp)
    labelled = unique_labels(y)
    p, r, f, s = precision_recall_fscore_support(y, yp, labels=classes, average=None)
    mp, mr, mf, _ = precision_recall_fscore_support(y, yp, labels=classes, average="macro")
    P = probability_matrix(case, classes, labelled)
    return {
        "task": "classification",
        "labelled": len(y),
        "accuracy": accuracy_score(y, yp),
        "classes": classes.tolist(),
        "perClass": [
            {
                "class": c,
                "precision": float(p[j]),
                "recall": float(r[j]),
                "f1": float(f[j]),
                "support": int(s[j]),
            }
            for j, c in enumerate(classes.tolist())
        ],
        "macro": {"precision": mp, "recall": mr, "f1": mf},
        "rocAuc": None if P is None else roc_auc(y, P, classes, labelled),
        "logLoss": None if P is None or len(classes) < 2 else log_loss(y, P, labels=classes),
        "confusionMatrix": confusion_matrix(y, yp, labels=classes).tolist(),
    }


def regression(case):
    y = np.array(case["actual"], dtype=np.float64)
    yp = np.array(case["predicted"], dtype=np.float64)
    return {
        "task": "regression",
        "labelled": len(y),
        "mae": mean_absolute_error(y, yp),
        "rmse": math.sqrt(mean_squared_error(y, yp)),
        "r2": finite_or_none(r2_score(y, yp)),
        "mape": mean_absolute_percentage_error(y, yp),
    }


def main():
    warnings.simplefilter("ignore", UndefinedMetricWarning)
    warnings.simplefilter("ignore", UserWarning)
    cases = json.load(sys.stdin)["cases"]
    compute = {"classification": classification, "regression": regression}
    results = [compute[case["kind"]](case) for case in cases]
    json.dump({"results": results}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
