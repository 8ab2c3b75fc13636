"""The oracle for oracle.test.ts: scipy's statistics and Evidently's drift verdicts.

Reads one JSON object on stdin and writes one on stdout:
  in:  {"cases": [{"kind", "reference", "current"}], "tables": [[[count]]],
        "kstwo": [[x, n]], "chi2": [[x, df]], "datasets": [{"columns": [{"name", "kind",
        "reference", "current"}]}]}
  out: {"versions", "cases": [...], "tables": [...], "kstwo": [...], "chi2": [...],
        "datasets": [...]}
Missing values arrive as null; numeric columns are float64, as the gateway's are.
"""

import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
import evidently
from scipy import stats
from scipy.spatial import distance

from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
from evidently.legacy.calculations.stattests.ks_stattest import _ks_stat_test
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.calculations.stattests.utils import get_binned_data
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import (
    _wasserstein_distance_norm,
)
from evidently.legacy.calculations.stattests.z_stattest import (
    _z_stat_test,
    proportions_diff_z_stat_ind,
)
from evidently.legacy.core import ColumnType

warnings.filterwarnings("ignore")

METHODS = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
}


def num(x):
    """A float for JSON: NaN and infinities as strings."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def series(values, kind):
    """The column as Evidently's drift code sees it after its clean-up."""
    if kind == "numeric":
        s = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    else:
        s = pd.Series(values, dtype="object")
    return s.replace([-np.inf, np.inf], np.nan).dropna()


def case_result(case):
    kind = case["kind"]
    ref = series(case["reference"], kind)
    cur = series(case["current"], kind)
    ctype = ColumnType.Numerical if kind == "numeric" else ColumnType.Categorical
    out = {}
    if kind == "numeric":
        ks = stats.ks_2samp(ref.to_numpy(), cur.to_numpy())
        out["ks"] = [num(ks.statistic), num(ks.pvalue)]
        out["ks_evidently_p"] = num(_ks_stat_test(ref, cur, ctype, 0.05)[0])
        out["wasserstein"] = num(stats.wasserstein_distance(ref, cur))
        out["wasserstein_normed"] = num(_wasserstein_distance_norm(ref, cur, ctype, 0.1)[0])
        if ref.nunique() > 20:
            combined = np.asarray(pd.concat([ref, cur]).values)
            out["edges"] = [num(e) for e in np.histogram_bin_edges(combined, bins="sturges")]
    keys = list(set(ref.unique()) | set(cur.unique()))
    if len(keys) <= 60:
        # Evidently's chi-square on its own construction of observed and expected counts.
        rc, cc = ref.value_counts(), cur.value_counts()
        k_norm = cur.shape[0] / ref.shape[0]
        f_exp = [rc.get(k, 0) * k_norm for k in keys]
        f_obs = [cc.get(k, 0) for k in keys]
        with np.errstate(divide="ignore", invalid="ignore"):
            chi = stats.chisquare(f_obs, f_exp)
            out["chisquare"] = [num(chi.statistic), num(chi.pvalue)]
            out["chisquare_evidently_p"] = num(_chi_stat_test(ref, cur, ctype, 0.05)[0])
    if len(keys) <= 2:
        out["z_evidently_p"] = num(_z_stat_test(ref, cur, ctype, 0.05)[0])
        if len(keys) == 2:
            first = sorted(keys)[0]
            z = proportions_diff_z_stat_ind(
                ref.apply(lambda x: 0 if x == first else 1),
                cur.apply(lambda x: 0 if x == first else 1),
            )
            out["z"] = num(z)
    out["jensenshannon"] = num(_jensenshannon(ref, cur, ctype, 0.1)[0])
    out["psi"] = num(_psi(ref, cur, ctype, 0.1)[0])
    r_shares, c_shares = get_binned_data(ref, cur, ctype, 30, False)
    if "edges" in out:
        out["shares"] = [[num(r) for r in r_shares], [num(c) for c in c_shares]]
    else:
        # Shares by value, so that the order of Python's set does not matter.
        out["shares_by_value"] = [
            [k.item() if hasattr(k, "item") else k, num(r), num(c)]
            for k, r, c in zip(keys, r_shares, c_shares)
        ]
    js_direct = distance.jensenshannon(r_shares, c_shares)
    out["jensenshannon_scipy"] = num(js_direct)
    return out


def frame(columns, side):
    data = {}
    for c in columns:
        values = c[side]
        if c["kind"] == "numeric":
            data[c["name"]] = pd.Series(
                [np.nan if v is None else v for v in values], dtype="float64"
            )
        else:
            data[c["name"]] = pd.Series(values, dtype="object")
    return pd.DataFrame(data)


def dataset_result(dataset):
    from evidently import DataDefinition, Dataset, Report as NewReport
    from evidently.legacy.metric_preset import DataDriftPreset as LegacyPreset
    from evidently.legacy.pipeline.column_mapping import ColumnMapping
    from evidently.legacy.report import Report as LegacyReport
    from evidently.presets import DataDriftPreset

    columns = dataset["columns"]
    numeric = [c["name"] for c in columns if c["kind"] == "numeric"]
    categorical = [c["name"] for c in columns if c["kind"] == "categorical"]
    ref, cur = frame(columns, "reference"), frame(columns, "current")

    legacy = LegacyReport(metrics=[LegacyPreset()])
    legacy.run(
        reference_data=ref,
        current_data=cur,
        column_mapping=ColumnMapping(
            numerical_features=numeric,
            categorical_features=categorical,
            target=None,
            prediction=None,
        ),
    )
    table = next(m for m in legacy.as_dict()["metrics"] if m["metric"] == "DataDriftTable")
    result = table["result"]
    per_column = {
        name: {
            "method": METHODS[c["stattest_name"]],
            "threshold": c["stattest_threshold"],
            "score": num(c["drift_score"]),
            "drift": bool(c["drift_detected"]),
        }
        for name, c in result["drift_by_columns"].items()
    }

    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    report = NewReport([DataDriftPreset()]).run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )
    new = {"columns": {}}
    for m in report.dict()["metrics"]:
        config = m["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            new["count"] = m["value"]["count"]
            new["share"] = m["value"]["share"]
        elif config["type"].endswith("ValueDrift"):
            new["columns"][config["column"]] = {
                "method": METHODS[config["method"]],
                "threshold": config["threshold"],
                "score": num(m["value"]),
            }
    return {
        "columns": per_column,
        "drifted": result["number_of_drifted_columns"],
        "share": result["share_of_drifted_columns"],
        "dataset_drift": bool(result["dataset_drift"]),
        "preset": new,
    }


def main():
    request = json.load(sys.stdin)
    response = {
        "versions": {"scipy": scipy.__version__, "evidently": evidently.__version__},
        "cases": [case_result(c) for c in request.get("cases", [])],
        "tables": [],
        "kstwo": [num(stats.kstwo.sf(x, n)) for x, n in request.get("kstwo", [])],
        "chi2": [num(stats.chi2.sf(x, df)) for x, df in request.get("chi2", [])],
        "datasets": [dataset_result(d) for d in request.get("datasets", [])],
    }
    for t in request.get("tables", []):
        r = stats.chi2_contingency(np.array(t))
        response["tables"].append([num(r.statistic), num(r.pvalue), int(r.dof)])
    json.dump(response, sys.stdout)


if __name__ == "__main__":
    main()
