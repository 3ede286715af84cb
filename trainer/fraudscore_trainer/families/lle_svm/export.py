"""lle_svm model file, scoring of raw rows as the core does, and golden vectors."""
import io

import numpy as np
import pandas as pd

from fraudscore_trainer.modelfile import export
from fraudscore_trainer.features import spec as features
from fraudscore_trainer.modelfile import golden
from fraudscore_trainer.features import reasons
from fraudscore_trainer.families.lle_svm import derive

NAME = "lle_svm-listed"


def tensors(model):
    """The Float64 tensors of schemas/README.md's lle_svm table."""
    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    return {"zscore.mean": f64(model.mean), "zscore.std": f64(model.std),
            "lle.train_points": f64(model.train_points), "lle.train_embedding": f64(model.train_embedding),
            "svm.support_vectors": f64(model.support_vectors), "svm.dual_coef": f64(model.dual_coef),
            "kmeans.centroids": f64(model.centroids)}


def arch_config(model, clip):
    return dict(indicators=len(model.mean) // len(derive.FORMS), derived_clip=float(clip),
                neighbours=model.neighbours, embedding_dim=model.embedding_dim, lle_reg=float(model.lle_reg),
                gamma=float(model.gamma), intercept=float(model.intercept), grades=list(model.grades))


def model_bytes(model, spec, risk, provenance, clip, description):
    return export.build_model_bytes(NAME, description, spec, arch_config(model, clip), tensors(model), risk,
                                    provenance, kind=export.KIND_LLE_SVM, arch_type="LleSvmConfig")


def prob_fn(model, clip):
    """prob_fn(windows [n, 2, I] float32, valid [n]) -> calibrated probabilities (for reasons.py)."""
    return lambda windows, valid: model.score(derive.derive_windows(windows, valid, clip))["probability"]


def score_rows(model, spec, risk, rows_df, clip, top=3):
    """Score raw rows fed in order to a fresh core session: outputs and reason codes."""
    windows, valid = derive.company_windows(rows_df, spec)
    out = model.score(derive.derive_windows(windows, valid, clip))
    out["valid"] = valid
    out["reasons"] = reasons.occlusion_reasons(prob_fn(model, clip), windows, valid, spec, top=top)
    return out


def golden_rows(df, test_mask, key, time, label=None, max_rows=None):
    """The test company-years with each one's previous year, grouped by company in year order.
    With max_rows, whole companies up to that many rows: those with a fraud year first (keeps the
    checked-in file small while every path of the model is exercised)."""
    keep = np.asarray(test_mask, dtype=bool).copy()
    same = df[key].to_numpy()[1:] == df[key].to_numpy()[:-1]
    keep[:-1] |= keep[1:] & same  # the row before a test row of the same company (df sorted by key, year)
    rows = df[keep].sort_values([key, time], kind="stable").reset_index(drop=True)
    if max_rows is None or len(rows) <= max_rows:
        return rows
    counts = rows[key].value_counts(sort=False)
    fraud = set(rows.loc[rows[label] == 1, key]) if label else set()
    order = sorted(counts.index, key=lambda c: (c not in fraud, c))
    chosen, total = set(), 0
    for company in order:
        if total >= max_rows:
            break
        chosen.add(company)
        total += int(counts[company])
    return rows[rows[key].isin(chosen)].reset_index(drop=True)


def write_golden(path, model, spec, risk, rows_df, clip):
    columns = [c.name for c in spec.columns]
    text = rows_df[columns].to_csv(index=False)
    rows_df = pd.read_csv(io.StringIO(text), float_precision="round_trip", dtype={spec.key_column: str})
    s = score_rows(model, spec, risk, rows_df, clip)
    p = s["probability"]
    out = rows_df[columns].copy()
    out["expected_probability"] = [f"{v:.12g}" for v in p]
    out["expected_raw_probability"] = [f"{v:.12g}" for v in s["raw_probability"]]
    flagged = features.out_of_range(features.raw_features(rows_df, spec), spec)
    golden.write_decisions(out, rows_df, spec, p, risk, flagged)
    out["expected_band"] = [golden.BANDS[b] for b in golden.band_for(p, risk)]
    out["expected_valid_steps"] = s["valid"]
    out["expected_attention"] = ""
    out["expected_grade"] = [model.grades[c] for c in s["cluster"]]
    if "expected_threshold" not in out:   # fixed: exact (shortest round trip)
        out["expected_threshold"] = repr(float(risk["decision_threshold"]))
    out["expected_reasons"] = [reasons.format_reasons(r) for r in s["reasons"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return len(out)
