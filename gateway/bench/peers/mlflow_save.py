"""Saves the benchmark's model as MLflow models, for `mlflow models serve`.

The pickle through mlflow.sklearn in MLflow's default format (skops), whose save refuses a
gradient-boosted model until the types skops does not trust by default are listed: they are
the model's own scikit-learn and numpy classes, taken from skops itself. The ONNX file through
mlflow.onnx (CPU provider only). Both with a tensor signature (float64 resp. float32 of shape [-1, 8]).

Usage: python mlflow_save.py MODELS_DIR   (writes MODELS_DIR/mlflow-sklearn, MODELS_DIR/mlflow-onnx)
"""

import json
import shutil
import sys
from pathlib import Path

import joblib
import mlflow.onnx
import mlflow.sklearn
import numpy as np
import onnx
import skops.io
from mlflow.models import infer_signature


def main(models: Path) -> None:
    records = json.loads((models / "records.json").read_text())
    x = np.asarray(records["check"], dtype=np.float64)

    model = joblib.load(models / "gbm.joblib")
    out = models / "mlflow-sklearn"
    shutil.rmtree(out, ignore_errors=True)
    probe = models / "gbm.skops"
    skops.io.dump(model, probe)
    trusted = skops.io.get_untrusted_types(file=probe)
    probe.unlink()
    mlflow.sklearn.save_model(
        model,
        out,
        signature=infer_signature(x, model.predict(x)),
        skops_trusted_types=trusted,
    )

    out = models / "mlflow-onnx"
    shutil.rmtree(out, ignore_errors=True)
    x32 = x.astype(np.float32)
    mlflow.onnx.save_model(
        onnx.load(models / "gbm.onnx"),
        out,
        signature=infer_signature(x32, x32[:, 0]),
        onnx_execution_providers=["CPUExecutionProvider"],
    )
    # The benchmark's report says which types had to be trusted.
    (models / "mlflow-trusted.json").write_text(json.dumps(trusted))
    sys.stdout.write(json.dumps({"trusted": trusted}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
