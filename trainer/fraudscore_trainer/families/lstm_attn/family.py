"""The lstm_attn family (BiLSTM + multi-head attention, two heads) as a plug-in:
events per key; the first head scores the payment (the label), the second the
key itself (the entity). The entity label is the description's `entity_label`
column if it has one; otherwise "this key sees fraud within its next `length`
rows", so the second head says how likely a card or account is to be hit soon."""
import hashlib
import io
from dataclasses import asdict

import numpy as np
import pandas as pd
import torch

from fraudscore_trainer.evaluation import baselines
from fraudscore_trainer.modelfile import export
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.modelfile import golden
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.features import reasons
from fraudscore_trainer.features import windows as win
from fraudscore_trainer.families.lstm_attn.network import LstmAttn
from fraudscore_trainer.families.torch_parts import checkpoint_path, load_finished, save_finished
from fraudscore_trainer.families.lstm_attn.training import LstmAttnTrainConfig, choose_imbalance, predict, train
from fraudscore_trainer.evaluation.operating_point import risk_settings
from fraudscore_trainer.families import Family, register

VALIDATION_SAMPLE = 30_000


def entity_labels(keys, y, horizon):
    """1 where the row's key has a positive label in this row or its next horizon - 1 rows."""
    out = np.zeros(len(y), dtype=np.int64)
    frame = pd.DataFrame({"key": keys, "y": y, "row": np.arange(len(y))})
    for _, group in frame.groupby("key", sort=False):
        labels = group["y"].to_numpy()
        # ahead[i] = any positive in labels[i : i + horizon]
        padded = np.r_[labels, np.zeros(horizon, dtype=labels.dtype)]
        ahead = np.zeros(len(labels), dtype=bool)
        for lag in range(horizon):
            ahead |= padded[lag:lag + len(labels)] == 1
        out[group["row"].to_numpy()] = ahead
    return out


def _training_rows(rows, ya, yr, max_windows, rng):
    """Every row with a positive label of either kind, and as many negatives as fit."""
    positive = rows[(ya[rows] == 1) | (yr[rows] == 1)]
    negative = rows[(ya[rows] == 0) & (yr[rows] == 0)]
    take = max(0, min(len(negative), max_windows - len(positive)))
    return np.sort(np.concatenate([positive, rng.choice(negative, take, replace=False)]))


def fit(data, spec, split, options, log):
    frame, ya = data.frame, data.y
    feat.fit_normalisation(frame.iloc[split.train], spec)
    x = feat.compute(frame, spec)
    keys = frame[spec.key_column].to_numpy() if spec.key_column else np.zeros(len(frame))
    idx = win.window_indices(len(frame), spec.window_length, keys if spec.key_column else None)
    yr = data.entity_y if data.entity_y is not None else entity_labels(keys, ya, spec.window_length)
    rng = np.random.default_rng(options.seed)
    subset = _training_rows(split.train, ya, yr, options.max_windows, rng)
    val_sample = np.sort(rng.choice(split.val, min(len(split.val), VALIDATION_SAMPLE), replace=False))
    log(f"[{options.name}] training on {len(subset):,} windows ({ya[subset].mean():.1%} fraud, "
        f"{yr[subset].mean():.1%} entity positives)")
    cfg = LstmAttnTrainConfig(epochs=options.epochs, seed=options.seed, threads=options.threads)
    checkpoint = checkpoint_path(options, data, "lstm_attn.pt")
    run_key = repr((asdict(cfg), x.shape, hashlib.sha256(subset.tobytes() + val_sample.tobytes()).hexdigest()))
    saved = load_finished(checkpoint, run_key, log)
    if saved:
        remedy, comparison, history = saved["imbalance"], saved["imbalance_comparison"], saved["history"]
        model = LstmAttn(x.shape[1])
        model.load_state_dict(saved["model"])
        model.eval()
    else:
        # Class weights or focal loss: whichever does better on validation after one brief epoch each.
        remedy, comparison = choose_imbalance(x, idx, subset, ya, yr, val_sample, cfg, rng, log)
        cfg.imbalance = remedy
        model, history = train(x, idx[subset], ya[subset], yr[subset], idx[val_sample], ya[val_sample],
                               yr[val_sample], cfg, log)
        save_finished(checkpoint, run_key, {"model": model.state_dict(), "history": history, "imbalance": remedy,
                                            "imbalance_comparison": comparison})
    za_val, zr_val, _ = predict(model, x, idx[split.val])
    za_test, zr_test, att_test = predict(model, x, idx[split.test])
    platt = metrics.fit_platt(za_val, ya[split.val]) if ya[split.val].sum() else (1.0, 0.0)
    has_entity = 0 < yr[split.val].sum() < len(split.val)
    entity_platt = metrics.fit_platt(zr_val, yr[split.val]) if has_entity else (1.0, 0.0)
    p_val = metrics.apply_platt(za_val, *platt)
    p_test = metrics.apply_platt(za_test, *platt)
    risk = risk_settings(ya[split.val], p_val, platt, float(ya[split.train].mean()), options.policy)
    risk["entity_platt"] = entity_platt
    entity_test = metrics.apply_platt(zr_test, *entity_platt)
    entity_threshold = metrics.tune_threshold_max_f1(yr[split.val], metrics.apply_platt(zr_val, *entity_platt)) \
        if has_entity else 0.5
    flat = lambda rows: win.gather(x, idx[rows]).reshape(len(rows), -1)
    models = baselines.train_baselines(flat(subset), ya[subset], flat(split.val), ya[split.val], seed=options.seed)
    return {
        "model": model, "spec": spec, "risk": risk, "history": history, "split": split, "x": x, "indices": idx,
        "imbalance": remedy, "imbalance_comparison": comparison,
        "y": ya, "p_val": p_val, "p_test": p_test, "raw_test": metrics.apply_platt(za_test, 1.0, 0.0),
        "attention_test": att_test, "train_windows": int(len(subset)),
        "test": metrics.summary(ya[split.test], p_test, risk["decision_threshold"]),
        "entity_test": metrics.summary(yr[split.test], entity_test, entity_threshold)
        if 0 < yr[split.test].sum() < len(split.test) else None,
        "entity_source": data.description.entity_label.name if data.entity_y is not None else None,
        "baselines": baselines.evaluate_baselines(models, flat(split.val), ya[split.val], flat(split.test),
                                                  ya[split.test]),
    }


def model_bytes(name, description_text, result, provenance):
    model = result["model"]
    return export.build_model_bytes(name, description_text, result["spec"], model.config, model.state_dict(),
                                    result["risk"], provenance, kind=export.KIND_LSTM_ATTN,
                                    arch_type="LstmAttnConfig")


def _scored(model, spec, rows):
    """(features, window indices, (payment logits, entity logits, attention)) of rows as one fresh stream."""
    x = feat.compute(rows, spec)
    idx = win.window_indices(len(rows), spec.window_length,
                             rows[spec.key_column].to_numpy() if spec.key_column else None)
    return x, idx, predict(model, x, idx)


def probabilities(result, rows):
    za = _scored(result["model"], result["spec"], rows)[2][0]
    return metrics.apply_platt(za, *result["risk"]["platt"])


def write_golden(path, result, rows):
    """The rows as one stream, with everything a fresh core session returns for them."""
    model, spec, risk = result["model"], result["spec"], result["risk"]
    columns = [c.name for c in spec.columns]
    text = rows[columns].to_csv(index=False)
    rows = pd.read_csv(io.StringIO(text), float_precision="round_trip",
                       dtype={c.name: str for c in spec.columns if c.type in (feat.CATEGORICAL, feat.IDENTIFIER)})
    x, idx, (za, zr, att) = _scored(model, spec, rows)
    p = metrics.apply_platt(za, *risk["platt"])

    def prob(windows, valid):
        with torch.no_grad():
            z, _, _ = model(torch.from_numpy(windows), torch.from_numpy(np.asarray(valid)))
        return metrics.apply_platt(z.numpy(), *risk["platt"])

    why = reasons.occlusion_reasons(prob, win.gather(x, idx), win.valid_steps(idx), spec)
    flagged = feat.out_of_range(feat.raw_features(rows, spec), spec)
    out = rows[columns].copy()
    out["expected_probability"] = [f"{v:.12g}" for v in p]
    out["expected_raw_probability"] = [f"{v:.12g}" for v in metrics.apply_platt(za, 1.0, 0.0)]
    golden.write_decisions(out, rows, spec, p, risk, flagged)
    out["expected_band"] = [golden.BANDS[b] for b in golden.band_for(p, risk)]
    out["expected_valid_steps"] = win.valid_steps(idx)
    out["expected_attention"] = [";".join(f"{w:.9g}" for w in row) for row in att]
    out["expected_enterprise_risk"] = [f"{v:.12g}" for v in metrics.apply_platt(zr, *risk["entity_platt"])]
    out["expected_reasons"] = [reasons.format_reasons(r) for r in why]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return len(out)


def _remedy_text(result):
    c, chosen = result["imbalance_comparison"], result["imbalance"]
    other = next(k for k in c if k != chosen)
    pr = lambda k: f"{c[k]['anomaly_pr_auc']:.3f} + {c[k]['risk_pr_auc']:.3f}"
    name = {"weights": "class-weighted cross-entropy", "focal": "focal loss"}
    return (f"{name[chosen]} against the imbalance (chosen over {name[other]}: validation PR-AUC payment + entity "
            f"{pr(chosen)} against {pr(other)} after one epoch each)")


def network_text(result):
    c = result["model"].config
    entity = (f"the description's `{result['entity_source']}`" if result["entity_source"]
              else "whether the key sees fraud within its next window of rows")
    text = (f"BiLSTM({c['lstm_hidden']} per direction) → {c['heads']}-head self-attention → Dense({c['dense_units']}) "
            f"with two heads: the payment's fraud score and the key's entity risk (trained on {entity}). Trained on "
            f"{result['train_windows']:,} windows (every positive, negatives up to --max-windows), Adam, "
            f"{len(result['history'])} epochs with early stopping, {_remedy_text(result)}.")
    if result["entity_test"]:
        e = result["entity_test"]
        text += (f" Entity risk on the test split: ROC-AUC {e['roc_auc']:.4f}, PR-AUC {e['pr_auc']:.4f} "
                 f"({e['positives']} positives in {e['n']:,} rows).")
    return text


FAMILY = register(Family(name="lstm_attn", summary="BiLSTM + multi-head attention with a payment head and an "
                         "entity-risk head (SME payments)", window_modes=("per_key", "global"), fit=fit,
                         model_bytes=model_bytes, write_golden=write_golden, network_text=network_text,
                         probabilities=probabilities))
