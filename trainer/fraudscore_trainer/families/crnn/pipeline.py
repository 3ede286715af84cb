"""One training run of a crnn variant under one evaluation protocol.

Protocols
- `time`  (honest): rows in step order; the first 60% of rows train, the
  next 20% validate, the last 20% test, each at the natural prevalence.
  Windows may look back across a boundary (history is history) but no label
  of a later split is ever trained on.
- `paper`: every row's window, split at random 80/20 stratified by label, as
  the paper did; overlapping windows then leak between train and test. The
  validation set is a stratified 12.5% of the training part.

Both: normalisation statistics from the training rows, SMOTE on training
windows only, a balanced subset of about `max_windows` windows, class
weights, Adam, early stopping; then Platt calibration on validation logits
(natural prevalence) and the decision threshold tuned for max F1 on the
calibrated validation scores.
"""
import numpy as np
from sklearn.model_selection import train_test_split

from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.evaluation.operating_point import risk_settings
from fraudscore_trainer.evaluation.splits import Split, split_by_time
from fraudscore_trainer.features import resample
from fraudscore_trainer.features import windows as win
from fraudscore_trainer.families.crnn.inference import predict
from fraudscore_trainer.families.crnn.training import TrainConfig, train_crnn
from fraudscore_trainer.families.crnn.variants import spec_for

def split_rows(df, protocol, seed):
    n = len(df)
    y = df["isFraud"].to_numpy()
    if protocol == "time":
        return split_by_time(df["step"].to_numpy())
    if protocol == "paper":
        strat = y if y.sum() >= 4 else None
        train, test = train_test_split(np.arange(n), test_size=0.2, random_state=seed, stratify=strat)
        strat_tr = y[train] if strat is not None else None
        train, val = train_test_split(train, test_size=0.125, random_state=seed, stratify=strat_tr)
        return Split(np.sort(train), np.sort(val), np.sort(test))
    raise ValueError(f"unknown protocol {protocol!r}")


def run(df, variant, protocol, cfg: TrainConfig, max_windows=100_000, window=10, checkpoint=None, log=print,
        with_baselines=True):
    """Train and evaluate a PaySim variant under a protocol (see run_spec)."""
    return run_spec(df, spec_for(variant, window), df["isFraud"].to_numpy().astype(np.int64),
                    split_rows(df, protocol, cfg.seed), cfg, f"{variant}/{protocol}", max_windows=max_windows,
                    checkpoint=checkpoint, log=log, with_baselines=with_baselines)


def run_spec(df, spec, y, split: Split, cfg: TrainConfig, tag="crnn", max_windows=100_000, checkpoint=None, log=print,
             with_baselines=True, policy=None):
    """Train and evaluate a crnn on `spec` over rows `df` with labels `y` (int64 0/1) and
    split `split`; returns a dict with the model, spec, risk settings, validation/test
    scores and summaries (and the baselines' when asked)."""
    variant, protocol = (tag.split("/", 1) + [""])[:2]
    window = spec.window_length
    feat.fit_normalisation(df.iloc[split.train], spec)
    x = feat.compute(df, spec)
    keys = df[spec.key_column].to_numpy() if spec.key_column else None
    idx = win.window_indices(len(df), window, keys)
    log(f"[{tag}] rows: train {len(split.train)} ({y[split.train].sum()} fraud), "
        f"val {len(split.val)} ({y[split.val].sum()}), test {len(split.test)} ({y[split.test].sum()})")

    tw, tv, ty = resample.balanced_windows(x, idx[split.train], y[split.train], max_windows, cfg.seed)
    log(f"[{tag}] training on {len(ty)} resampled windows ({ty.sum()} fraud)")
    model, history = train_crnn(tw, tv, ty, x, idx[split.val], y[split.val], cfg, checkpoint=checkpoint, log=log)

    z_val, _ = predict(model, x, idx[split.val])
    z_test, att_test = predict(model, x, idx[split.test])
    platt = metrics.fit_platt(z_val, y[split.val]) if y[split.val].sum() else (1.0, 0.0)
    if not y[split.val].sum():
        log(f"[{tag}] no fraud in the validation split: thresholds and calibration left neutral")
    p_val = metrics.apply_platt(z_val, *platt)
    p_test = metrics.apply_platt(z_test, *platt)
    risk = risk_settings(y[split.val], p_val, platt, float(y[split.train].mean()), policy)
    out = {
        "variant": variant, "protocol": protocol, "spec": spec, "model": model, "history": history,
        "risk": risk, "split": split, "x": x, "indices": idx, "y": y,
        "p_val": p_val, "p_test": p_test, "z_test": z_test, "attention_test": att_test,
        "raw_test": metrics.apply_platt(z_test, 1.0, 0.0),
        "test": metrics.summary(y[split.test], p_test, risk["decision_threshold"]),
        "train_windows": int(len(ty)),
    }
    if with_baselines:
        from fraudscore_trainer.evaluation import baselines
        flat = tw.reshape(len(ty), -1)
        xv = win.gather(x, idx[split.val]).reshape(len(split.val), -1)
        xt = win.gather(x, idx[split.test]).reshape(len(split.test), -1)
        models = baselines.train_baselines(flat, ty, xv, y[split.val], seed=cfg.seed)
        out["baselines"] = baselines.evaluate_baselines(models, xv, y[split.val], xt, y[split.test])
        out["baseline_models"] = models
    return out
