"""lstm_attn-sme golden vectors (tests/golden/, read by every core test runner)
and the example input (examples/sme_payments.csv)."""
import io

import numpy as np
import pandas as pd
import torch

from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.modelfile import golden
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.features import reasons
from fraudscore_trainer.evaluation import thresholds
from fraudscore_trainer.features import windows as win
from fraudscore_trainer.families.lstm_attn.training import predict
from fraudscore_trainer.dataset.simulators.sme_payments import SECTORS
from fraudscore_trainer.families.lstm_attn.sme_spec import KEY_COLUMN, SEGMENT_COLUMN, TIME_COLUMN


def stream_of_enterprises(df, from_day, max_rows, seed):
    """Whole enterprises' payments from `from_day` on, those with anomalies first, as one stream in time order."""
    recent = df[df[TIME_COLUMN] >= from_day]
    counts = recent[KEY_COLUMN].value_counts(sort=False)
    flagged = set(recent.loc[recent["is_anomaly"] == 1, KEY_COLUMN]) | set(recent.loc[recent["risk_label"] == 1,
                                                                                       KEY_COLUMN])
    rng = np.random.default_rng(seed)
    order = sorted(counts.index, key=lambda k: (k not in flagged, rng.random()))
    chosen, total = [], 0
    for key in order:
        if total >= max_rows:
            break
        chosen.append(key)
        total += int(counts[key])
    rows = recent[recent[KEY_COLUMN].isin(set(chosen))]
    return rows.sort_values([TIME_COLUMN, KEY_COLUMN], kind="stable").reset_index(drop=True)


def score_stream(model, spec, risk, rows_df, top=3):
    """Everything a fresh core session returns for these rows, in order (dynamic thresholds on)."""
    x = feat.compute(rows_df, spec)
    idx = win.window_indices(len(rows_df), spec.window_length, rows_df[KEY_COLUMN].to_numpy())
    za, zr, att = predict(model, x, idx)
    p = metrics.apply_platt(za.astype(np.float64), *risk["platt"])
    entity = metrics.apply_platt(zr.astype(np.float64), *risk["entity_platt"])

    def prob(windows, valid):
        with torch.no_grad():
            z, _, _ = model(torch.from_numpy(windows), torch.from_numpy(np.asarray(valid)))
        return metrics.apply_platt(z.numpy().astype(np.float64), *risk["platt"])

    why = reasons.occlusion_reasons(prob, win.gather(x, idx), win.valid_steps(idx), spec, top=top)
    seg = thresholds.segment_indices(rows_df[SEGMENT_COLUMN].to_numpy(), SECTORS)
    block, review, decision = thresholds.run_stream(risk, seg, p, len(SECTORS) + 1)
    return dict(p=p, raw=1 / (1 + np.exp(-za.astype(np.float64))), entity=entity, attention=att,
                valid=win.valid_steps(idx), reasons=why, block=block, decision=decision)


def write_golden(path, df, model, spec, risk, from_day, max_rows, seed):
    columns = [c.name for c in spec.columns]
    rows = stream_of_enterprises(df, from_day, max_rows, seed)
    text = rows[columns].to_csv(index=False)
    rows = pd.read_csv(io.StringIO(text), float_precision="round_trip",
                       dtype={c.name: str for c in spec.columns if c.type in (1, 2)})
    s = score_stream(model, spec, risk, rows)
    out = rows[columns].copy()
    out["expected_probability"] = [f"{v:.12g}" for v in s["p"]]
    out["expected_raw_probability"] = [f"{v:.12g}" for v in s["raw"]]
    out["expected_decision"] = [golden.DECISIONS[d] for d in s["decision"]]
    out["expected_band"] = [golden.BANDS[b] for b in golden.band_for(s["p"], risk)]
    out["expected_valid_steps"] = s["valid"]
    out["expected_attention"] = [";".join(f"{w:.9g}" for w in row) for row in s["attention"]]
    out["expected_enterprise_risk"] = [f"{v:.12g}" for v in s["entity"]]
    out["expected_threshold"] = [f"{v:.12g}" for v in s["block"]]
    out["expected_reasons"] = [reasons.format_reasons(r) for r in s["reasons"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return len(out)


def write_example(path, df, spec, from_day, max_rows, seed):
    rows = stream_of_enterprises(df, from_day, max_rows, seed + 1)
    columns = [c.name for c in spec.columns]
    extra = ["counterparty_id", "is_anomaly", "anomaly_type", "risk_label"]
    path.parent.mkdir(parents=True, exist_ok=True)
    rows[columns + extra].to_csv(path, index=False)
    return len(rows)
