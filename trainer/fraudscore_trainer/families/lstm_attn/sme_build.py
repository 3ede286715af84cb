"""Build the shipped lstm_attn-sme model end to end: simulate SME payments,
train under a time-ordered split, compare the imbalance remedies, evaluate
(anomalies and enterprise risk, overall and per sector, beside logistic
regression, random forest and XGBoost and the paper's figures), compare fixed
and dynamic thresholds under drift, calibrate, and export the model file,
golden vectors, example input, report and model card."""
import datetime
import hashlib
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from fraudscore_trainer import __version__
from fraudscore_trainer.evaluation import baselines
from fraudscore_trainer.modelfile import export
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.modelfile import signing
from fraudscore_trainer.evaluation import thresholds
from fraudscore_trainer.features import windows as win
from fraudscore_trainer.families.lstm_attn.training import LstmAttnTrainConfig, choose_imbalance, predict, train
from fraudscore_trainer.evaluation.operating_point import dynamic_settings, risk_settings
from fraudscore_trainer.dataset.simulators.sme_payments import SECTORS, simulate
from fraudscore_trainer.families.lstm_attn.sme_report import write_card_and_report
from fraudscore_trainer.families.lstm_attn.sme_spec import KEY_COLUMN, SEGMENT_COLUMN, sme_spec
from fraudscore_trainer.paths import PAPER_BUILDS

NAME = "lstm_attn-sme"
PAPER = {"accuracy": 0.985, "precision": 0.942, "roc_auc": 0.982}
TRAIN_END, VAL_END, DRIFT_DAY = 240.0, 300.0, 300.0
GOLDEN_ROWS, EXAMPLE_ROWS = 1200, 300


def add_arguments(p):
    p.add_argument("--enterprises", type=int, default=1500, help="SMEs to simulate (the paper: 7,500)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--window", type=int, default=16)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--max-windows", type=int, default=120_000, help="training windows (all positives first)")
    p.add_argument("--imbalance", choices=["compare", "weights", "focal"], default="compare",
                   help="'compare' trains both remedies briefly and keeps the better on validation")
    p.add_argument("--compare-epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--baseline-windows", type=int, default=40_000)
    p.add_argument("--models-dir", default=str(PAPER_BUILDS / "models"))
    p.add_argument("--golden-dir", default=str(PAPER_BUILDS / "golden"))
    p.add_argument("--reports-dir", default=str(PAPER_BUILDS / "reports"))
    p.add_argument("--example", default=str(PAPER_BUILDS / "examples/sme_payments.csv"))


def _prepare(df, spec, window):
    keys = df[KEY_COLUMN].to_numpy()
    return feat.compute(df, spec), win.window_indices(len(df), window, keys)


def _training_subset(rows, ya, yr, max_windows, rng):
    positive = rows[(ya[rows] == 1) | (yr[rows] == 1)]
    negative = rows[(ya[rows] == 0) & (yr[rows] == 0)]
    take = max(0, min(len(negative), max_windows - len(positive)))
    return np.sort(np.concatenate([positive, rng.choice(negative, take, replace=False)]))


def _probabilities(z, platt):
    return metrics.apply_platt(z.astype(np.float64), *platt)


def _sector_table(df, rows, y, p, threshold):
    out = {}
    for s in SECTORS:
        m = df[SEGMENT_COLUMN].to_numpy()[rows] == s
        if m.sum() and 0 < y[m].sum() < m.sum():
            out[s] = metrics.summary(y[m], p[m], threshold)
    return out


def _baselines(x, idx, rows_train, rows_val, rows_test, y, seed, log):
    flat = lambda r: win.gather(x, idx[r]).reshape(len(r), -1)
    models = baselines.train_baselines(flat(rows_train), y[rows_train], flat(rows_val), y[rows_val], seed)
    out = baselines.evaluate_baselines(models, flat(rows_val), y[rows_val], flat(rows_test), y[rows_test])
    for name, b in out.items():
        log(f"    {name}: F1 {b['test']['f1']:.4f}, ROC-AUC {b['test']['roc_auc']:.4f}")
    return out


def _drift_experiment(model, spec, risk, args, log):
    """Score a fresh simulated year whose behaviour drifts from DRIFT_DAY, as one stream in time order,
    with the model's fixed thresholds and with dynamic ones."""
    df = simulate(args.enterprises, seed=args.seed + 1, drift_day=DRIFT_DAY)
    x, idx = _prepare(df, spec, args.window)
    rows = np.flatnonzero(df["day"].to_numpy() >= TRAIN_END)
    rows = rows[np.argsort(df["day"].to_numpy()[rows], kind="stable")]
    za, _, _ = predict(model, x, idx[rows])
    p = _probabilities(za, risk["platt"])
    y = df["is_anomaly"].to_numpy()[rows]
    seg = thresholds.segment_indices(df[SEGMENT_COLUMN].to_numpy()[rows], SECTORS)
    block, _, decision = thresholds.run_stream(risk, seg, p, len(SECTORS) + 1)
    day = df["day"].to_numpy()[rows]
    fixed = p >= risk["decision_threshold"]
    dynamic = decision == 2
    buckets = []
    for start in np.arange(TRAIN_END, 365.0, 15.0):
        m = (day >= start) & (day < start + 15)
        if m.any():
            buckets.append({"day": float(start), "fixed": float(fixed[m].mean()), "dynamic": float(dynamic[m].mean()),
                            "anomaly_rate": float(y[m].mean())})
    after = day >= DRIFT_DAY
    result = {"buckets": buckets, "target": risk["dynamic"]["target_alert_rate"],
              "fixed": metrics.at_threshold(y[after], fixed[after].astype(float), 0.5),
              "dynamic": metrics.at_threshold(y[after], dynamic[after].astype(float), 0.5),
              "fixed_alert_rate": float(fixed[after].mean()), "dynamic_alert_rate": float(dynamic[after].mean()),
              "final_thresholds": {SECTORS[s]: float(block[seg == s][-1]) for s in range(len(SECTORS))
                                   if (seg == s).any()}}
    log(f"  drift: alert rate after day {DRIFT_DAY:.0f}: fixed {result['fixed_alert_rate']:.4f}, dynamic "
        f"{result['dynamic_alert_rate']:.4f} (target {result['target']:.4f})")
    return result


def _golden_and_example(df, x_spec, model, spec, risk, rows_test, args, log):
    """Whole enterprises of the test period with anomalies, from 30 days before it, as one stream."""
    from fraudscore_trainer.families.lstm_attn.sme_golden import write_golden, write_example
    n = write_golden(Path(args.golden_dir) / f"{NAME}.csv", df, model, spec, risk, VAL_END - 30.0, GOLDEN_ROWS,
                     args.seed)
    m = write_example(Path(args.example), df, spec, VAL_END, EXAMPLE_ROWS, args.seed)
    log(f"wrote {n} golden rows and an example of {m} rows")


def run(args):
    started = time.time()
    log = lambda m: print(m, flush=True)
    df = simulate(args.enterprises, seed=args.seed)
    fingerprint = hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()
    description = (f"Simulated by the trainer's SME payments simulator (`sme_payments`, seed {args.seed}): "
                   f"{args.enterprises:,} enterprises, {len(df):,} payments over a year, {df.is_anomaly.mean():.2%} "
                   f"anomalous, {df.risk_label.mean():.2%} made within 180 days before the payer's distress.")
    log(f"data: {description}")
    spec = sme_spec(args.window)
    day = df["day"].to_numpy()
    rows_train = np.flatnonzero(day < TRAIN_END)
    rows_val = np.flatnonzero((day >= TRAIN_END) & (day < VAL_END))
    rows_test = np.flatnonzero(day >= VAL_END)
    feat.fit_normalisation(df.iloc[rows_train], spec)
    x, idx = _prepare(df, spec, args.window)
    ya, yr = df["is_anomaly"].to_numpy(), df["risk_label"].to_numpy()
    rng = np.random.default_rng(args.seed)
    subset = _training_subset(rows_train, ya, yr, args.max_windows, rng)
    val_sample = np.sort(rng.choice(rows_val, min(len(rows_val), 30_000), replace=False))
    log(f"windows: {len(subset):,} training ({ya[subset].mean():.1%} anomalous), {len(rows_val):,} validation, "
        f"{len(rows_test):,} test")

    comparison = {}
    remedy = args.imbalance
    if remedy == "compare":
        cfg = LstmAttnTrainConfig(seed=args.seed, threads=args.threads)
        remedy, comparison = choose_imbalance(x, idx, subset, ya, yr, val_sample, cfg, rng, log, windows=40_000,
                                              epochs=args.compare_epochs)
    cfg = LstmAttnTrainConfig(epochs=args.epochs, seed=args.seed, threads=args.threads, imbalance=remedy)
    model, history = train(x, idx[subset], ya[subset], yr[subset], idx[val_sample], ya[val_sample], yr[val_sample],
                           cfg, log)

    za_val, zr_val, _ = predict(model, x, idx[rows_val])
    za_test, zr_test, att_test = predict(model, x, idx[rows_test])
    platt = metrics.fit_platt(za_val, ya[rows_val])
    # Tiny data may hold no distress in the validation period: then the risk head stays uncalibrated.
    has_risk = 0 < yr[rows_val].sum() < len(rows_val)
    entity_platt = metrics.fit_platt(zr_val, yr[rows_val]) if has_risk else (1.0, 0.0)
    p_val, p_test = _probabilities(za_val, platt), _probabilities(za_test, platt)
    er_val, er_test = _probabilities(zr_val, entity_platt), _probabilities(zr_test, entity_platt)
    risk = risk_settings(ya[rows_val], p_val, platt, float(ya[rows_val].mean()))
    risk["entity_platt"] = entity_platt
    risk["dynamic"] = dynamic_settings(p_val, risk, SEGMENT_COLUMN)
    entity_threshold = metrics.tune_threshold_max_f1(yr[rows_val], er_val) if has_risk else 0.5

    log("evaluation (test period, natural prevalence):")
    ours = {"anomaly": metrics.summary(ya[rows_test], p_test, risk["decision_threshold"]),
            "risk": metrics.summary(yr[rows_test], er_test, entity_threshold)}
    log(f"  lstm_attn anomaly F1 {ours['anomaly']['f1']:.4f} ROC-AUC {ours['anomaly']['roc_auc']:.4f}; risk F1 "
        f"{ours['risk']['f1']:.4f} ROC-AUC {ours['risk']['roc_auc']:.4f}")
    base_rows = np.sort(rng.choice(rows_train, min(len(rows_train), args.baseline_windows), replace=False))
    base_rows = np.union1d(base_rows, rows_train[(ya[rows_train] == 1)][:args.baseline_windows // 4])
    log("  baselines, anomaly:")
    base_anomaly = _baselines(x, idx, base_rows, rows_val, rows_test, ya, args.seed, log)
    log("  baselines, enterprise risk:")
    base_risk = _baselines(x, idx, base_rows, rows_val, rows_test, yr, args.seed, log)
    sectors = {"anomaly": _sector_table(df, rows_test, ya[rows_test], p_test, risk["decision_threshold"]),
               "risk": _sector_table(df, rows_test, yr[rows_test], er_test, entity_threshold)}
    drift = _drift_experiment(model, spec, risk, args, log)

    metric_pairs = [(f"test.anomaly.{k}", ours["anomaly"][k]) for k in ("roc_auc", "pr_auc", "f1", "precision",
                                                                        "recall", "accuracy")]
    metric_pairs += [(f"test.risk.{k}", ours["risk"][k]) for k in ("roc_auc", "pr_auc", "f1", "precision", "recall",
                                                                   "accuracy")]
    metric_pairs += [("test.risk.threshold", entity_threshold)]
    config = {k: v for k, v in vars(args).items() if k not in ("func", "command")}
    config.update(imbalance_used=remedy, epochs_run=len(history), train_windows=int(len(subset)),
                  torch=torch.__version__, python=platform.python_version())
    provenance = {"trainer_version": __version__,
                  "created_utc": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
                  "data_fingerprint": fingerprint, "data_description": description, "seed": args.seed,
                  "config": {k: json.dumps(v) if not isinstance(v, str) else v for k, v in config.items()},
                  "metrics": metric_pairs}
    description_text = ("lstm_attn on SME payments: BiLSTM + multi-head attention over an enterprise's last "
                        f"{args.window} payments; the latest payment's anomaly probability and the enterprise's "
                        "risk of distress, with dynamic thresholds per industry sector.")
    model_bytes = export.build_model_bytes(NAME, description_text, spec, model.config, model.state_dict(), risk,
                                           provenance, kind=export.KIND_LSTM_ATTN, arch_type="LstmAttnConfig")
    models_dir = Path(args.models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    signing.write_model(models_dir / f"{NAME}.fsmodel", model_bytes, getattr(args, "signing_key", None))
    log(f"wrote {models_dir / (NAME + '.fsmodel')} ({len(model_bytes):,} bytes)")
    _golden_and_example(df, x, model, spec, risk, rows_test, args, log)
    write_card_and_report(models_dir / f"{NAME}.md", Path(args.reports_dir) / NAME, dict(
        name=NAME, description=description, fingerprint=fingerprint, spec=spec, risk=risk, args=args,
        model_bytes=len(model_bytes), history=history, remedy=remedy, comparison=comparison, ours=ours,
        base_anomaly=base_anomaly, base_risk=base_risk, sectors=sectors, drift=drift, paper=PAPER,
        entity_threshold=entity_threshold, y_test=(ya[rows_test], yr[rows_test]), p_test=(p_test, er_test),
        attention_example=(att_test, p_test, ya[rows_test]), train_windows=len(subset)))
    log(f"done in {time.time() - started:.0f} s")
