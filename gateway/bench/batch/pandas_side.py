"""What a user would do instead of a Slipway batch job: pandas read_csv in chunks, the fitted
scikit-learn model's predict (and predict_proba) per chunk, the predictions appended to a CSV.

The models are fitted here exactly as the fixtures' scripts fit them before exporting them
(gateway/test/fixtures/onnx/make_onnx.py, iris_classifier(zipmap=True); pmml/make_pmml.py,
s2p_gbm_regressor_100), and checked against scikit-learn's predictions stored beside the
fixture. Only the scoring loop is timed (read, predict, write), not the imports or the fit.

Usage: python pandas_side.py <iris|gbm> <input.csv> <output.csv> <chunk rows> <fixtures dir>
Prints one JSON line.
"""

import json
import resource
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

model_name, input_path, output_path, chunk_rows, fixtures = sys.argv[1:6]
chunk_rows = int(chunk_rows)


def iris_model():
    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]).fit(X, y)


def houses(n=400, seed=7):
    """make_pmml.py's houses(), the GBM's training data."""
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(
        {
            "area": rng.uniform(30, 200, n).round(1),
            "rooms": rng.randint(1, 7, n).astype(float),
            "year": rng.randint(1950, 2020, n).astype(float),
            "district": rng.choice(["north", "south", "east", "west"], n).astype(object),
        }
    )
    bonus = frame.district.map({"north": 40.0, "south": -10.0, "east": 5.0, "west": 20.0})
    y = 3.1 * frame.area + 12 * frame.rooms + 0.4 * (frame.year - 1950) + bonus + rng.normal(0, 8, n)
    frame.loc[rng.uniform(size=n) < 0.08, "year"] = np.nan
    frame.loc[rng.uniform(size=n) < 0.08, "district"] = np.nan
    return frame, y


def gbm_model():
    X, y = houses()
    numeric, categorical = ["area", "rooms", "year"], ["district"]
    prep = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler())]), numeric),
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                categorical,
            ),
        ]
    )
    model = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=1)
    return Pipeline([("prep", prep), ("model", model)]).fit(X, y)


def iris_features(frame):
    # The cell holds the four measurements as a JSON list.
    return np.array(frame["X"].map(json.loads).tolist(), dtype=np.float32)


def iris_predict(model, frame):
    X = iris_features(frame)
    proba = model.predict_proba(X)
    out = pd.DataFrame({"id": frame["id"].to_numpy(), "output_label": model.classes_[proba.argmax(axis=1)]})
    for k, label in enumerate(model.classes_):
        out[f"output_probability.{label}"] = proba[:, k]
    return out


def gbm_predict(model, frame):
    return pd.DataFrame({"id": frame["id"].to_numpy(), "price": model.predict(frame.drop(columns=["id"]))})


def check(model, predict_fixture):
    """Largest difference from scikit-learn's predictions stored beside the fixture."""
    fixture = "onnx/classifier_zipmap" if model_name == "iris" else "pmml/s2p_gbm_regressor_100"
    expected = json.load(open(f"{fixtures}/{fixture}.expected.json"))
    return predict_fixture(model, expected)


def iris_check(model, expected):
    X = np.array([r["X"] for r in expected["records"]], dtype=np.float32)
    proba = model.predict_proba(X)
    want = np.array([[p["output_probability"][str(c)] for c in model.classes_] for p in expected["predictions"]])
    return float(np.abs(proba - want).max())


def gbm_check(model, expected):
    frame = pd.DataFrame(expected["records"], columns=["area", "rooms", "year", "district"])
    got = model.predict(frame)
    want = np.array([p["price"] for p in expected["predictions"]])
    return float(np.abs(got - want).max())


fit0 = time.perf_counter()
model = iris_model() if model_name == "iris" else gbm_model()
fit_seconds = time.perf_counter() - fit0
max_difference = check(model, iris_check if model_name == "iris" else gbm_check)
predict = iris_predict if model_name == "iris" else gbm_predict
dtypes = {"id": str, "X": str} if model_name == "iris" else {"id": str, "district": object}

cpu0 = time.process_time()
start = time.perf_counter()
rows = 0
first = True
sample = []
with open(output_path, "w", newline="") as out:
    for frame in pd.read_csv(input_path, chunksize=chunk_rows, dtype=dtypes):
        scored = predict(model, frame)
        scored.to_csv(out, header=first, index=False)
        if first:
            sample = scored.head(20).drop(columns=["id"]).to_dict(orient="records")
        first = False
        rows += len(frame)
seconds = time.perf_counter() - start
print(
    json.dumps(
        {
            "rows": rows,
            "seconds": seconds,
            "cpuSeconds": time.process_time() - cpu0,
            "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "fitSeconds": fit_seconds,
            "maxDifference": max_difference,
            "versions": {
                "python": sys.version.split()[0],
                "pandas": pd.__version__,
                "scikit-learn": sklearn.__version__,
                "numpy": np.__version__,
            },
            "sample": sample,
        },
        default=float,
    )
)
