"""Scoring raw rows as a fresh core session does (one stream, windows from these rows only), and the
gbdt's golden vectors (modelfile/golden.py: the format and the shared rules). The expectations are
XGBoost's own margin and TreeSHAP values (predict.py), so the core is checked against XGBoost."""
import io

import pandas as pd

from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.features import windows as win
from fraudscore_trainer.modelfile import golden
from fraudscore_trainer.features.reasons import format_reasons
from fraudscore_trainer.families.gbdt import predict
from fraudscore_trainer.families.gbdt.inputs import stream_inputs
from fraudscore_trainer.families.gbdt.reasons import group_contributions, top_reasons


def as_read_back(rows, spec):
    """The rows as a reader of their CSV text sees them, so expectations come from exactly those values."""
    columns = [c.name for c in spec.columns]
    text = rows[columns].to_csv(index=False)
    return pd.read_csv(io.StringIO(text), float_precision="round_trip",
                       dtype={c.name: str for c in spec.columns if c.type in (feat.CATEGORICAL, feat.IDENTIFIER)})


def probabilities(booster, spec, risk, rows):
    """Calibrated probabilities of rows scored in order as one fresh stream."""
    x, idx = stream_inputs(rows, spec)
    return metrics.apply_platt(predict.margins(booster, x, idx), *risk["platt"])


def write_golden(path, booster, spec, risk, rows, top=3):
    rows = as_read_back(rows, spec)
    x, idx = stream_inputs(rows, spec)
    z = predict.margins(booster, x, idx)
    p = metrics.apply_platt(z, *risk["platt"])
    values, groups = group_contributions(predict.contributions(booster, x, idx), spec)
    flagged = feat.out_of_range(feat.raw_features(rows, spec), spec)
    out = rows[[c.name for c in spec.columns]].copy()
    out["expected_probability"] = [f"{v:.12g}" for v in p]
    out["expected_raw_probability"] = [f"{v:.12g}" for v in metrics.apply_platt(z, 1.0, 0.0)]
    golden.write_decisions(out, rows, spec, p, risk, flagged)
    out["expected_band"] = [golden.BANDS[b] for b in golden.band_for(p, risk)]
    out["expected_valid_steps"] = win.valid_steps(idx)
    out["expected_attention"] = ""        # trees have no attention (nor an entity output: no column)
    out["expected_reasons"] = [format_reasons(r) for r in top_reasons(values, groups, top)]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return len(out)
