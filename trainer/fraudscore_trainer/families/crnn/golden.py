"""The crnn's golden vectors (modelfile/golden.py: the file format and the shared rules)."""
import io

import pandas as pd

from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.features import spec as features
from fraudscore_trainer.families.crnn.inference import predict, window_inputs
from fraudscore_trainer.modelfile.golden import BANDS, band_for, write_decisions


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
    write_decisions(out, rows_df, spec, p, risk, flagged)
    out["expected_band"] = [BANDS[b] for b in band_for(p, risk)]
    out["expected_valid_steps"] = valid
    out["expected_attention"] = [";".join(f"{w:.9g}" for w in row) for row in att]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return len(out)
