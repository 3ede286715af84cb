"""Golden vectors: raw rows in -> the trainer's expected outputs.

One CSV per model under tests/golden/, read by every test runner (native,
WebAssembly, ARM under emulation): the model's input columns as raw values,
then expected_probability, expected_raw_probability, expected_decision,
expected_band, expected_valid_steps and expected_attention (one weight per
step, oldest first, joined by ';'). A runner feeds the rows, in order, to a
fresh session and compares.
"""
import io

import numpy as np
import pandas as pd

from fraudscore_trainer.features import spec as features
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.families.crnn.inference import predict, window_inputs

DECISIONS = ("approve", "step_up", "block")
BANDS = ("low", "medium", "high", "critical")


def decision_for(p, risk, out_of_range=None):
    """0 approve, 1 step_up, 2 block; a row with features beyond the training range is at least
    step_up, as the core decides it (core/src/risk.cpp)."""
    d = np.where(p >= risk["decision_threshold"], 2, np.where(p >= risk["review_threshold"], 1, 0))
    if out_of_range is not None:
        d = np.where((np.asarray(out_of_range) > 0) & (d == 0), 1, d)
    return d


def band_for(p, risk):
    cuts = risk["band_cuts"]
    return np.where(p < cuts[0], 0, np.where(p < cuts[1], 1, np.where(p < cuts[2], 2, 3)))


def select_rows(df, spec, rows, count, seed, labels=None):
    """Pick >= count rows of `rows` (indices into df) that exercise the model:
    for a global window the contiguous run with the most fraud; for per-key
    windows every row of accounts with long histories and of fraud victims.
    `labels`: 0/1 per row of df (default: PaySim's isFraud column)."""
    labels = df["isFraud"].to_numpy() if labels is None else np.asarray(labels)
    if spec.key_column is None:
        y = labels[rows]
        if len(rows) <= count:
            return rows
        sums = np.convolve(y, np.ones(count, dtype=np.int64), mode="valid")
        start = int(np.argmax(sums))
        return rows[start:start + count]
    sub = df.iloc[rows]
    key = sub[spec.key_column]
    sizes = key.map(key.value_counts())
    victims = set(key[labels[rows] == 1])
    rng = np.random.default_rng(seed)
    accounts = list(victims) + list(rng.permutation(key[sizes >= 3].unique()))
    chosen, total = [], 0
    counts = key.value_counts()
    for a in dict.fromkeys(accounts):
        chosen.append(a)
        total += int(counts[a])
        if total >= count:
            break
    return rows[key.isin(set(chosen)).to_numpy()]


def expected_outputs(model, spec, risk, rows_df):
    """Score rows exactly as a fresh core session would (windows from these rows only)."""
    x, idx = window_inputs(rows_df, spec)
    z, att = predict(model, x, idx)
    p = metrics.apply_platt(z, *risk["platt"]) if risk.get("platt") else metrics.apply_platt(z, 1.0, 0.0)
    return z, p, att, (idx >= 0).sum(axis=1)


def write_golden(path, model, spec, risk, rows_df):
    columns = [c.name for c in spec.columns]
    # Round-trip through CSV text first, so the expectations come from exactly
    # the values a reader of the file sees.
    text = rows_df[columns].to_csv(index=False)
    rows_df = pd.read_csv(io.StringIO(text), float_precision="round_trip", dtype={c: str for c in columns
                                                                                  if rows_df[c].dtype == object})
    z, p, att, valid = expected_outputs(model, spec, risk, rows_df)
    out = rows_df[columns].copy()
    out["expected_probability"] = [f"{v:.12g}" for v in p]
    out["expected_raw_probability"] = [f"{v:.12g}" for v in metrics.apply_platt(z, 1.0, 0.0)]
    flagged = features.out_of_range(features.raw_features(rows_df, spec), spec)
    out["expected_decision"] = [DECISIONS[d] for d in decision_for(p, risk, flagged)]
    out["expected_band"] = [BANDS[b] for b in band_for(p, risk)]
    out["expected_valid_steps"] = valid
    out["expected_attention"] = [";".join(f"{w:.9g}" for w in row) for row in att]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return len(out)
