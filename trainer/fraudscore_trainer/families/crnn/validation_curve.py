"""The validation curve (evaluation/validation_curve.py) of a crnn model made by
`build --variant` (the paper builder): its build writes it, and the
`validation-curve` subcommand regenerates it without retraining: it rebuilds
the training data from the provenance the file records (simulator seed and
size, or the data file), checks the data fingerprint, takes the time-ordered
split again, scores the validation rows with the network and calibration
stored in the file and writes

    models/reports/<model-name>/validation_curve.json

plus a short "Validation curve" section in the model card.
"""
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from fraudscore_trainer.evaluation.validation_curve import FILE_NAME, checksum_hex, curve, write_json
from fraudscore_trainer.modelfile import signing
from fraudscore_trainer.paths import REPO
from fraudscore_trainer.reports.modelcard import replace_card_section

CARD_THRESHOLDS = [round(0.1 * i, 1) for i in range(1, 10)]
SECTION = "## Validation curve"
TRAINER = REPO / "trainer"


def regenerate_command(model_path):
    """The command (from the repository root, for a file inside it) that regenerates the curve of a model file."""
    model_path = Path(model_path).resolve()
    try:
        shown = Path("..") / model_path.relative_to(REPO)
    except ValueError:
        shown = model_path
        return f"cd {TRAINER} && /usr/bin/python3 -m fraudscore_trainer validation-curve {shown}"
    return f"cd trainer && /usr/bin/python3 -m fraudscore_trainer validation-curve {shown}"


# --- the model card ----------------------------------------------------------

def _pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}%"


def card_section(data, json_link):
    """Markdown for the model card: a few points of the curve and a link to the JSON."""
    rows = [pt for pt in data["points"] if pt.get("mark") or pt["threshold"] in CARD_THRESHOLDS]
    lines = [SECTION, "",
             f"On the validation split the thresholds were tuned on ({data['rows']:,} rows, {data['positives']:,} "
             "fraud), a row is flagged when its calibrated probability is at or above the threshold:", "",
             "| threshold | flagged | alert rate | precision | recall |", "|---|---:|---:|---:|---:|"]
    for pt in rows:
        t = f"{pt['threshold']:.6g}"
        if pt.get("mark"):
            t = " = ".join(f"`{'step_up' if m == 'review' else m}`" for m in pt["mark"].split("+")) + f" {t}"
        lines.append(f"| {t} | {pt['flagged']:,} | {_pct(pt['alert_rate'])} | {_pct(pt['precision'])} | "
                     f"{_pct(pt['recall'])} |")
    if data.get("note"):
        lines += ["", data["note"]]
    lines += ["", f"All {len(data['points'])} points (thresholds 0 to 1 in steps of 0.005, plus the review and block "
              f"thresholds): [{json_link}]({json_link}).", ""]
    return "\n".join(lines)


def insert_card_section(card_path, section):
    """Put `section` into an existing card in place of its "Validation curve" section (or before
    "Known limits", else "Rebuild", else at the end). Nothing else in the card changes."""
    replace_card_section(card_path, "Validation curve", section)


def write_for_build(name, model_bytes, model_path, y_val, p_val, risk, report_dir):
    """Called by build: the curve of a freshly trained model, from its own validation scores."""
    data = curve(name, checksum_hex(model_bytes), y_val, p_val, risk["review_threshold"],
                 risk["decision_threshold"], regenerate_command(model_path))
    write_json(Path(report_dir) / FILE_NAME, data)
    return data


def boundary_note(y, p, review_threshold, target_recall, rounding=1e-5):
    """The review threshold is the score the build gave one fraud (the one that completes `target_recall`);
    rescored on another machine or by the core, such a row can land a rounding error below it. Says so
    when that changes the recall at the threshold; None otherwise."""
    y, p = np.asarray(y).astype(bool), np.asarray(p, dtype=np.float64)
    positives = int(y.sum())
    if not positives:
        return None
    tp = int((y & (p >= review_threshold)).sum())
    near = y & (p < review_threshold) & (p >= review_threshold - rounding)
    if tp / positives >= target_recall or not near.any():
        return None
    gap = float(review_threshold - p[near].max())
    k = int(near.sum())
    return (f"The review (step_up) threshold is the probability the build computed for the fraud that completes "
            f"{target_recall:.0%} of validation fraud; rescored from the model file, {k} fraud row(s) come out "
            f"{gap:.2g} below it (float32 rounding), so at that exact threshold this curve counts {tp} of "
            f"{positives} ({tp / positives:.2%}) where the build counted {tp + k} ({(tp + k) / positives:.2%}).")


# --- reading a shipped model file back ---------------------------------------

def _text(b):
    return b.decode() if isinstance(b, bytes) else b


def load_crnn(path):
    """(name, model bytes, Crnn with the file's weights, Spec, risk dict, provenance dict) of a crnn .fsmodel."""
    import torch

    from fraudscore_trainer.modelfile import schema_gen
    from fraudscore_trainer.families.crnn.network import Crnn
    from fraudscore_trainer.features.spec import WINDOW_PER_KEY, Column, Feature, Spec
    S = schema_gen.schema()
    for m in ("Model", "ModelBody", "FeatureSpec", "Column", "Feature", "Window", "Tensor", "RiskSettings",
              "Calibration", "CrnnConfig", "Architecture", "Provenance", "KeyValue", "Metric", "DynamicThreshold"):
        schema_gen.submodule(m)
    blob = signing.model_bytes(path)
    body = S.Model.ModelT.InitFromObj(S.Model.Model.GetRootAs(blob, 0)).body
    if body.kind != 1:
        raise ValueError(f"{path}: not a crnn model (kind {body.kind})")
    fs = body.spec
    columns = [Column(_text(c.name), c.type, [_text(v) for v in (c.vocabulary or [])], c.missingAllowed,
                      c.missingValue, c.minValue) for c in fs.columns]
    names = [c.name for c in columns]
    features = [Feature(_text(f.name), f.op, names[f.a], names[f.b] if f.op in (2, 3) else None, f.parameter,
                        _text(f.text) or "", f.log1p, f.clipMin, f.clipMax, f.mean, f.std,
                        _text(f.reasonCode) or "", _text(f.reasonText) or "", f.baseline, f.rangeMin, f.rangeMax)
                for f in fs.features]
    per_key = fs.window.mode == WINDOW_PER_KEY
    spec = Spec(columns, features, window_length=fs.window.length, window_mode=fs.window.mode,
                key_column=names[fs.window.keyColumn] if per_key else None,
                time_column=names[fs.timeColumn] if fs.timeColumn >= 0 else None, range_margin=fs.rangeMargin)
    cfg = body.architecture
    model = Crnn(len(features), conv_filters=cfg.convFilters, conv_kernel=cfg.convKernel, lstm_hidden=cfg.lstmHidden,
                 attention_dim=cfg.attentionDim, dense_units=cfg.denseUnits)
    state = {}
    for t in body.tensors:
        shape = [int(s) for s in t.shape]
        values = t.f32 if t.f32 is not None else t.f64
        state[_text(t.name)] = torch.from_numpy(np.asarray(values, dtype=np.float32).reshape(shape).copy())
    model.load_state_dict(state)
    model.eval()
    r = body.risk
    risk = {"decision_threshold": r.decisionThreshold, "review_threshold": r.reviewThreshold,
            "band_cuts": list(r.bandCuts), "platt": (r.calibration.a, r.calibration.b)}
    p = body.provenance
    provenance = {"data_fingerprint": _text(p.dataFingerprint), "seed": int(p.seed),
                  "config": {_text(kv.key): _text(kv.value) for kv in (p.config or [])},
                  "metrics": {_text(m.name): m.value for m in (p.metrics or [])}}
    return _text(body.name), blob, model, spec, risk, provenance


def _config_value(config, key, default=None):
    if key not in config:
        return default
    try:
        return json.loads(config[key])
    except ValueError:
        return config[key]  # strings are recorded as they are


def rebuild_data(provenance, data_override=None, log=print):
    """(dataframe, fingerprint, description) of the data the model was trained on."""
    from fraudscore_trainer.dataset.paysim import fingerprint, load_paysim
    config = provenance["config"]
    data = data_override or _config_value(config, "data")
    if data:
        return load_paysim(data), fingerprint(data), f"data file {data}"
    from fraudscore_trainer.dataset.simulators.paysim import simulate
    rows = int(_config_value(config, "simulate_rows"))
    seed = int(_config_value(config, "seed", provenance["seed"]))
    rate = float(_config_value(config, "sim_fraud_rate", 0.0013))
    started = time.time()
    df = simulate(rows, seed=seed, fraud_rate=rate)
    with tempfile.NamedTemporaryFile(suffix=".csv") as tmp:  # as build does it: the CSV's bytes
        df.to_csv(tmp.name, index=False)
        fp = fingerprint(tmp.name)
    log(f"simulated {rows:,} rows (seed {seed}, fraud rate {rate}) in {time.time() - started:.0f} s")
    return df, fp, f"simulator, {rows:,} rows, seed {seed}"


def score_with_cli(cli, model_path, df, spec, rows, log=print):
    """Probabilities of df rows `rows` from the native CLI, fed every row up to the
    last one wanted (windows need the history). Per-key windows are kept for
    every key (no LRU eviction), as the trainer computes them."""
    columns = [c.name for c in spec.columns]
    last = int(rows.max())
    keys = df[spec.key_column].iloc[:last + 1].nunique() if spec.key_column else 1
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "rows.csv"
        df[columns].iloc[:last + 1].to_csv(csv, index=False)
        started = time.time()
        out = subprocess.run([str(cli), "score", "--reasons", "0", "--max-keys", str(keys + 16), str(model_path),
                              str(csv)], check=True, capture_output=True, text=True).stdout
    log(f"native CLI scored {last + 1:,} rows in {time.time() - started:.0f} s")
    import io

    import pandas as pd
    scored = pd.read_csv(io.StringIO(out), usecols=["row", "probability"])
    p = scored["probability"].to_numpy(dtype=np.float64)
    if not np.array_equal(scored["row"].to_numpy(), np.arange(last + 1)):
        raise ValueError("the CLI's rows do not line up with the input")
    return p[rows]


def regenerate(model_path, reports_dir=None, card_path=None, data=None, cli=None, threads=None, log=print):
    """Rebuild the validation split of a shipped crnn model, score it with the
    file, check the thresholds reproduce, write the JSON and the card section.
    Returns (curve dict, checks dict)."""
    from fraudscore_trainer.features import spec as feat
    from fraudscore_trainer.evaluation import metrics
    from fraudscore_trainer.features import windows as win
    from fraudscore_trainer.families.crnn.inference import predict
    from fraudscore_trainer.evaluation.operating_point import REVIEW_RECALL
    from fraudscore_trainer.families.crnn.pipeline import split_rows
    from fraudscore_trainer.families.crnn.variants import spec_for

    model_path = Path(model_path)
    name, blob, model, spec, risk, provenance = load_crnn(model_path)
    if "description_text" in provenance["config"]:
        raise ValueError(f"{name} was built from a dataset description: its build wrote the curve "
                         f"({name}-report/{FILE_NAME}); a rerun of the build command in its card with --checkpoints "
                         "writes it again")
    checksum = checksum_hex(blob)
    log(f"{name}: checksum {checksum}, block {risk['decision_threshold']:.9g}, review {risk['review_threshold']:.9g}")
    df, fp, what = rebuild_data(provenance, data, log=log)
    if provenance["data_fingerprint"] and fp != provenance["data_fingerprint"]:
        raise ValueError(f"{name}: rebuilt data ({what}) has fingerprint {fp}, the model was trained on "
                         f"{provenance['data_fingerprint']}: not the same data")
    log(f"{name}: data fingerprint {fp} matches the model's provenance")
    seed = int(_config_value(provenance["config"], "seed", provenance["seed"]))
    # Torch threads as the build had them (0: all cores), so the scores are computed the same way.
    import os

    import torch
    threads = int(_config_value(provenance["config"], "threads", 0)) if threads is None else threads
    torch.set_num_threads(threads or os.cpu_count() or 1)
    split = split_rows(df, "time", seed)  # the shipped model is the honest (time-ordered) run
    y = df["isFraud"].to_numpy().astype(np.int64)

    # The split check: normalisation statistics refitted on the rebuilt training rows must be the file's.
    variant = _config_value(provenance["config"], "variant")
    refit = spec_for(variant, spec.window_length)
    feat.fit_normalisation(df.iloc[split.train], refit)
    stats_ok = all(np.isclose(a.mean, b.mean, rtol=1e-9, atol=1e-12) and np.isclose(a.std, b.std, rtol=1e-9)
                   for a, b in zip(refit.features, spec.features)) and len(refit.features) == len(spec.features)
    if not stats_ok:
        raise ValueError(f"{name}: the rebuilt training rows do not give the file's normalisation statistics")

    started = time.time()
    x = feat.compute(df, spec)
    keys = df[spec.key_column].to_numpy() if spec.key_column else None
    idx = win.window_indices(len(df), spec.window_length, keys)
    z, _ = predict(model, x, idx[split.val])
    p = metrics.apply_platt(z, *risk["platt"])
    y_val = y[split.val]
    log(f"{name}: scored {len(split.val):,} validation rows ({int(y_val.sum())} fraud) in "
        f"{time.time() - started:.0f} s")

    checks = {"rows": len(split.val), "positives": int(y_val.sum()), "fingerprint": fp}
    if cli:
        p_cli = score_with_cli(cli, model_path, df, spec, split.val, log=log)
        checks["cli_max_abs_diff"] = float(np.max(np.abs(p_cli - p))) if len(p) else 0.0
        log(f"{name}: native CLI vs trainer, largest probability difference {checks['cli_max_abs_diff']:.3g}")
    # The thresholds tuned on these scores must be the file's.
    checks["retuned_block"] = metrics.tune_threshold_max_f1(y_val, p)
    checks["retuned_review"] = min(metrics.threshold_for_recall(y_val, p, REVIEW_RECALL), checks["retuned_block"])
    log(f"{name}: thresholds retuned on the rebuilt validation scores: block {checks['retuned_block']:.9g} "
        f"(file {risk['decision_threshold']:.9g}), review {checks['retuned_review']:.9g} "
        f"(file {risk['review_threshold']:.9g})")
    checks["thresholds_match"] = bool(np.isclose(checks["retuned_block"], risk["decision_threshold"], rtol=1e-6)
                                      and np.isclose(checks["retuned_review"], risk["review_threshold"], rtol=1e-6))
    if not checks["thresholds_match"]:
        log(f"WARNING {name}: the thresholds retuned on the rebuilt validation split are not the file's")

    data_out = curve(name, checksum, y_val, p, risk["review_threshold"], risk["decision_threshold"],
                     regenerate_command(model_path))
    note = boundary_note(y_val, p, risk["review_threshold"], REVIEW_RECALL)
    if note:
        data_out["note"] = note
        log(f"{name}: {note}")
    reports_dir = Path(reports_dir) if reports_dir else model_path.parent / "reports"
    json_path = write_json(reports_dir / name / FILE_NAME, data_out)
    log(f"wrote {json_path}")
    if card_path is None:
        card_path = model_path.with_suffix(".md")
    if card_path and Path(card_path).exists():
        link = Path(json_path).resolve().relative_to(Path(card_path).resolve().parent).as_posix() \
            if Path(json_path).resolve().is_relative_to(Path(card_path).resolve().parent) else str(json_path)
        insert_card_section(card_path, card_section(data_out, link))
        log(f"updated the validation curve section of {card_path}")
    return data_out, checks


def add_arguments(p):
    p.add_argument("models", nargs="*", default=[str(REPO / "models/crnn-paper.fsmodel")],
                   help="crnn model files made by `build --variant` (default: crnn-paper)")
    p.add_argument("--reports-dir", default=None, help="default: reports/ beside the model file")
    p.add_argument("--data", default=None, help="the training data file, when the model's provenance names one "
                   "that has moved (default: what the provenance records, or the simulator)")
    p.add_argument("--no-card", action="store_true", help="write only the JSON, leave the model card alone")
    p.add_argument("--check-cli", nargs="?", const=str(REPO / "build/ci/cli/fraudscore"), default=None,
                   metavar="FRAUDSCORE", help="also score the rows with the native CLI and compare (after the "
                   "model files, or with the CLI's path)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for torch (0: all cores; default: "
                   "what the model's build recorded)")


def run(args):
    started = time.time()
    for path in args.models:
        try:
            regenerate(path, reports_dir=args.reports_dir, card_path=False if args.no_card else None, data=args.data,
                       cli=args.check_cli, threads=args.threads, log=lambda m: print(m, flush=True))
        except ValueError as e:
            raise SystemExit(f"fraudscore-train: error: {e}")
    print(f"done in {time.time() - started:.0f} s", flush=True)
