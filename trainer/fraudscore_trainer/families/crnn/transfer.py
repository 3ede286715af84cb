"""Does a crnn trained on simulated PaySim rows transfer to real ones? The real sample is scored as
the shipped model scores it, and again with one difference between the simulated stream and the
sample taken away at a time, by the crnn and by the same run's XGBoost baseline; beside it, the cues
those differences stand for, measured in the simulated rows and in the sample.

The counterfactuals change inputs only, never by label: they tell which of the paper's inputs the
model leans on that the real rows do not carry, not a score anyone could deploy.
"""
import numpy as np

from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.features import windows as win
from fraudscore_trainer.families.crnn.inference import predict, window_inputs

TARGET_ROC_AUC = 0.99   # issue 15: "transfers" means this ROC-AUC on the real sample
BASELINE = "xgboost"


def alone(n_rows, length):
    """Window indices that hold each row by itself (no history), as a first row is scored."""
    idx = np.full((n_rows, length), -1, dtype=np.int64)
    idx[:, -1] = np.arange(n_rows)
    return idx


def simulator_destination_books(df):
    """The rows with the payee's new balance booked as the simulator books it for TRANSFER and
    CASH_OUT (old balance + amount; the release often leaves both payee balances at 0)."""
    out = df.copy()
    moved = out["type"].isin(["TRANSFER", "CASH_OUT"]).to_numpy()
    out.loc[moved, "newbalanceDest"] = out.loc[moved, "oldbalanceDest"] + out.loc[moved, "amount"]
    return out


def scenarios(step_cap):
    """(label, change the rows, score each row alone)."""
    held = lambda df: df.assign(step=np.minimum(df["step"].to_numpy(), step_cap))
    same = lambda df: df
    return [
        ("the sample in step order (as shipped)", same, False),
        ("each row alone (no window history)", same, True),
        (f"`step` held at the training split's last step ({step_cap:g})", held, False),
        ("each row alone, `step` held", held, True),
        ("payee balances booked as the simulator books them", simulator_destination_books, False),
    ]


def _by_type(df, p, kind):
    rows = (df["type"] == kind).to_numpy()
    y = df["isFraud"].to_numpy()[rows]
    return metrics.summary(y, p[rows], 0.5)["roc_auc"] if 0 < y.sum() < len(y) else float("nan")


def score_scenarios(result, sample, step_cap):
    """One dict per scenario: the crnn's summary (calibrated, at the shipped decision threshold), its
    ROC-AUC on TRANSFER and on CASH_OUT rows, and the baseline's summary (at its own threshold)."""
    spec, model, risk = result["spec"], result["model"], result["risk"]
    y = sample["isFraud"].to_numpy()
    base = result.get("baseline_models", {}).get(BASELINE)
    base_threshold = result.get("baselines", {}).get(BASELINE, {}).get("threshold", 0.5)
    out = []
    for label, change, by_itself in scenarios(step_cap):
        rows = change(sample)
        x, idx = window_inputs(rows, spec)
        if by_itself:
            idx = alone(len(rows), spec.window_length)
        z, _ = predict(model, x, idx)
        p = metrics.apply_platt(z, *risk["platt"])
        entry = {"label": label, "crnn": metrics.summary(y, p, risk["decision_threshold"]),
                 "crnn_transfer": _by_type(rows, p, "TRANSFER"), "crnn_cash_out": _by_type(rows, p, "CASH_OUT")}
        if base is not None:
            q = base.predict_proba(win.gather(x, idx).reshape(len(rows), -1).astype(np.float32))[:, 1]
            entry["baseline"] = metrics.summary(y, q.astype(np.float64), base_threshold)
        out.append(entry)
    return out


def _previous(values, lag):
    out = np.empty_like(values)
    out[:lag] = values[0] if len(values) else values[:0]
    out[lag:] = values[:-lag]
    return out


def window_cues(df, window, step_cap):
    """Shares (0..1) of the cues a global window of the paper's columns offers, in rows `df` taken as
    one stream in their order; None where a share has no rows to count."""
    kind = df["type"].to_numpy()
    fraud = df["isFraud"].to_numpy() == 1
    amount = df["amount"].to_numpy()
    n = len(df)
    own_transfer = np.zeros(n, dtype=bool)     # its own fraud TRANSFER (same amount) among the previous rows
    fraud_near = np.zeros(n, dtype=bool)       # any fraud among the previous rows
    position = np.arange(n)
    for lag in range(1, window):
        exists = position >= lag
        prev_fraud = _previous(fraud, lag) & exists
        fraud_near |= prev_fraud
        own_transfer |= prev_fraud & (_previous(kind, lag) == "TRANSFER") & (_previous(amount, lag) == amount)
    cash_out = fraud & (kind == "CASH_OUT")
    transfer = fraud & (kind == "TRANSFER")
    books = (df["oldbalanceDest"].to_numpy() == 0) & (df["newbalanceDest"].to_numpy() == 0)
    share = lambda hits, rows: float(hits[rows].mean()) if rows.any() else None
    return {
        "cash_out_after_own_transfer": share(own_transfer, cash_out),
        "legit_with_fraud_in_window": share(fraud_near, ~fraud),
        "beyond_training_steps": share(df["step"].to_numpy() > step_cap, np.ones(n, dtype=bool)),
        "fraud_transfer_payee_zero": share(books, transfer),
    }


CUES = [
    ("cash_out_after_own_transfer", "fraud CASH_OUT rows whose own fraud TRANSFER (same amount) is among the "
                                    "previous {w} rows of the window"),
    ("legit_with_fraud_in_window", "legitimate rows with a fraud row among the previous {w} rows"),
    ("beyond_training_steps", "rows with `step` beyond the training split's last step ({cap:g})"),
    ("fraud_transfer_payee_zero", "fraud TRANSFER rows that leave both payee balances at 0"),
]


def diagnose(result, df, sample):
    """Everything the card's transfer section reports: scenarios and cues (`df`: the training data,
    `sample`: the real rows in step order)."""
    step_cap = float(df["step"].to_numpy()[result["split"].train].max())
    window = result["spec"].window_length
    return {"step_cap": step_cap, "window": window, "scenarios": score_scenarios(result, sample, step_cap),
            "cues_sim": window_cues(df, window, step_cap), "cues_real": window_cues(sample, window, step_cap)}


def _f(x):
    return "n/a" if x is None or x != x else f"{x:.4f}"


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


def section(d, sim_label="simulated rows (this build)"):
    """The card's Markdown: verdict, the scenario table, the cue table and what they show."""
    sc = d["scenarios"]
    shipped = sc[0]["crnn"]["roc_auc"]
    best = max(sc, key=lambda e: e["crnn"]["roc_auc"])
    reached = shipped >= TARGET_ROC_AUC
    base = "baseline" in sc[0]
    lines = [
        f"Target: ROC-AUC ≥ {TARGET_ROC_AUC} on the real sample. **{'Reached' if reached else 'Not reached'}**: "
        f"{shipped:.4f} as shipped; the best of the counterfactuals below, \"{best['label']}\", "
        f"{best['crnn']['roc_auc']:.4f}.\n",
        "Each line scores the same 3,000 real rows with the shipped weights after taking away one difference "
        "between the simulated stream and the sample (inputs only, never by label)"
        + (f"; the {BASELINE} baseline of the same honest run, trained on the same flattened windows, beside it"
           if base else "") + ".\n",
        "| scored as | crnn ROC-AUC | crnn PR-AUC | crnn ROC-AUC, TRANSFER rows | crnn ROC-AUC, CASH_OUT rows"
        + (f" | {BASELINE} ROC-AUC | {BASELINE} PR-AUC |" if base else " |"),
        "|---|---:|---:|---:|---:" + ("|---:|---:|" if base else "|"),
    ]
    for e in sc:
        cells = [_f(e["crnn"]["roc_auc"]), _f(e["crnn"]["pr_auc"]), _f(e["crnn_transfer"]), _f(e["crnn_cash_out"])]
        if base:
            cells += [_f(e["baseline"]["roc_auc"]), _f(e["baseline"]["pr_auc"])]
        lines.append(f"| {e['label']} | " + " | ".join(cells) + " |")
    w = d["window"] - 1
    lines += ["", f"What the paper's inputs carry in the {sim_label} and in the real sample, each read as one "
                  "stream in step order:", "",
              f"| cue | {sim_label} | real sample |", "|---|---:|---:|"]
    for key, text in CUES:
        lines.append(f"| {text.format(w=w, cap=d['step_cap'])} | {_pct(d['cues_sim'][key])} | "
                     f"{_pct(d['cues_real'][key])} |")
    if reached:
        lines += ["", "The shipped model reaches the target on real rows despite the differences measured above.", ""]
    else:
        lines += ["", WHY_NOT, ""]
    return "\n".join(lines)


WHY_NOT = (
    "Why it cannot transfer with the paper's features: they describe the stream, not the payment. The global "
    "window sees the rows that came just before, whoever made them; in the simulated stream a fraud CASH_OUT "
    "follows its own TRANSFER, while the sample's rows are drawn one by one and fraud-enriched, so that context "
    "is missing around its frauds and present around its legitimate rows. `step` is an absolute time, and the "
    "honest split trains only on its early part. The release and the simulator book the payee balances of a "
    "fraud differently. The lines above take each of these away in turn; a model of the paper's inputs can "
    "only be checked on a real *stream* (the full release in its order), which the project does not hold. "
    "`crnn-on-device` reads a window per paying account of log amounts, the payment-to-balance ratio and the "
    "hour (no absolute time, no payee balances) and is the variant to score real rows with "
    "(models/crnn-on-device.md).")
