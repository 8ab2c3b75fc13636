"""The side-by-side benchmark's model, made once into a cache directory (not the repository).

A GradientBoostingRegressor (100 trees of depth 3) fitted on a seeded synthetic dataset of 8
float features, saved as a joblib pickle and as ONNX (skl2onnx, float input `X` of shape
[None, 8]), with the records every server is checked on and scikit-learn's answers for them.

Usage: python make_models.py OUT_DIR   (in a venv from requirements-models.txt: the worker's
scikit-learn, so that Slipway's worker and every peer load the pickle with the version that made it)
"""

import json
import sys
from pathlib import Path

import joblib
import numpy as np
import onnxruntime as ort
import skl2onnx
import sklearn
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import GradientBoostingRegressor

FEATURES = 8
CHECK_RECORDS = 20
BATCH_ROWS = 1000


def dataset(rng, n):
    # Four decimals: the JSON every server is sent is short and parses to the same float32.
    x = np.round(rng.normal(size=(n, FEATURES)), 4)
    y = 10 + 2 * np.sin(x[:, 0]) + x[:, 1] * x[:, 2] + np.abs(x[:, 3]) - 0.5 * x[:, 4] ** 2
    return x, y + rng.normal(scale=0.1, size=n)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20)
    x, y = dataset(rng, 5000)
    model = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0).fit(x, y)
    joblib.dump(model, out / "gbm.joblib")

    onx = convert_sklearn(model, initial_types=[("X", FloatTensorType([None, FEATURES]))])
    (out / "gbm.onnx").write_bytes(onx.SerializeToString())

    test, _ = dataset(rng, BATCH_ROWS)
    want = model.predict(test)
    session = ort.InferenceSession(str(out / "gbm.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {"X": test.astype(np.float32)})[0].ravel()
    worst = float(np.max(np.abs(got - want) / np.abs(want)))
    if worst > 1e-4:
        raise SystemExit(f"ONNX differs from scikit-learn by {worst:.2e} relative (> 1e-4)")

    (out / "records.json").write_text(
        json.dumps(
            {
                "features": FEATURES,
                "check": test[:CHECK_RECORDS].tolist(),
                "checkPredictions": want[:CHECK_RECORDS].tolist(),
                "batch": test.tolist(),
                "batchPredictions": want.tolist(),
                "onnxWorstRelative": worst,
                "versions": {
                    "python": sys.version.split()[0],
                    "scikit-learn": sklearn.__version__,
                    "skl2onnx": skl2onnx.__version__,
                    "onnxruntime": ort.__version__,
                    "numpy": np.__version__,
                    "joblib": joblib.__version__,
                },
            }
        )
    )
    sys.stdout.write(json.dumps({"out": str(out), "onnxWorstRelative": worst}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
