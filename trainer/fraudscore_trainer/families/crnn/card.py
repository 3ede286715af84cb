"""The shipped crnn models' cards (crnn-paper, crnn-on-device): what a model is, what it was trained
on, how well it does (honest split first, paper protocol second), its thresholds, its limits and the
one command that rebuilds it. Every figure comes from the build run."""
from fraudscore_trainer.reports.modelcard import blank_line_before_headings, features_table, table


LIMITS = {
    "paper": [
        "Uses the destination balances and the balances after the transaction, which a payer's device does not "
        "know before it submits a payment: this variant reproduces the paper, it is not the product default.",
        "PaySim's balance columns make fraud far easier to separate than real data; expect much lower figures on "
        "real transactions.",
        "The paper's preprocessing z-scores heavy-tailed amounts and balances without a log transform; trained "
        "this way the network trails the tree baselines on the same split (see the tables).",
    ],
    "on-device": [
        "Sees only the paying account's own history: a first transaction of an account is scored from itself alone "
        "(a padded window).",
        "Trained on simulated PaySim-like data; retrain on your own transactions (trainer/README.md) before relying "
        "on its thresholds.",
    ],
}
COMMON_LIMITS = [
    "The real sample in shared/data is a sample, not a stream, with fraud over-represented (500 of 3,000 rows): "
    "its windows are not the histories the model was trained on, and its figures are not comparable with the "
    "test split's.",
    "Probabilities are calibrated (Platt scaling) to the prevalence of the validation split; a deployment with a "
    "different fraud rate should recalibrate.",
]


def _protocol_table(result, paper_figures):
    rows = [("crnn (ours)", result["test"])]
    rows += [(name, b["test"]) for name, b in result.get("baselines", {}).items()]
    rows.append(("paper (UPI Sentinel, reported)", dict(paper_figures, threshold=0.9975)))
    return table(rows)


def sample_section(s):
    return (f"Scored in step order with the shipped model: {s['n']} rows, {s['positives']} fraud. "
            "The rows are a sample, not a stream, so windows join unrelated transactions.\n\n"
            + table([("crnn (ours)", s)]) +
            f"\nAt the decision threshold: {s['tp']} of {s['positives']} frauds blocked, {s['fp']} false alarms.\n")


def rebuild_command(args, variant):
    data = f"--data {args.data}" if args.data else f"--simulate-rows {args.simulate_rows}"
    return (f"/usr/bin/python3 -m fraudscore_trainer build --variant {variant} {data} --seed {args.seed} "
            f"--epochs {args.epochs} --paper-epochs {args.paper_epochs or args.epochs} "
            f"--max-windows {args.max_windows}")


def write_card(path, name, variant, honest, paper, sample, data_description, fingerprint, args, model_bytes,
               report_dir, paper_figures, curve=None):
    """`curve`: the validation curve (validation_curve.curve) to summarise, written beside the report."""
    spec, risk = honest["spec"], honest["risk"]
    window = (f"the last {spec.window_length} transactions of the same `{spec.key_column}`" if spec.key_column
              else f"the last {spec.window_length} transactions of the stream")
    parts = [
        f"# {name}\n",
        f"{honest_description(variant)}\n",
        "## Use\n",
        f"`fraudscore score models/{name}.fsmodel transactions.csv` — the CSV needs the columns "
        + ", ".join(f"`{c.name}`" for c in spec.columns) + "; other columns are ignored. "
        f"Each row is scored on {window}, oldest first; shorter histories are left-padded with zeros and "
        "their padded steps get no attention.\n",
        "## Data\n",
        f"{data_description}\n\nTraining data fingerprint (SHA-256): `{fingerprint}`. "
        f"Model file: {len(model_bytes):,} bytes.\n",
        "" if args.data else "How the simulator compares with real PaySim rows: "
        "[reports/simulator_vs_real.md](reports/simulator_vs_real.md).\n",
        "## Features\n", features_table(spec),
        "Missing numbers become 0 (the paper's rule); negative amounts and balances, non-numbers, NaN/Inf and "
        "unknown transaction types are refused with an error naming the row and column.\n",
        "## Network\n",
        "Causal Conv1D(64, kernel 2) + ReLU → BiLSTM(64 per direction) → additive attention "
        "(score_t = v·tanh(W·h_t + b), softmax over real steps) → Dense(128) + ReLU → Dense(1). "
        f"Trained on {honest['train_windows']:,} windows (SMOTE on training windows only, balanced subset), "
        f"Adam lr 1e-3, batch 64, {len(honest['history'])} epochs with early stopping (patience 3).\n",
        "## Evaluation — time-ordered split (honest)\n",
        "Train on the first 60% of rows in step order, validate on the next 20%, test on the last 20%, at the "
        f"natural prevalence ({honest['test']['positives']} fraud in {honest['test']['n']:,} test rows).\n\n",
        _protocol_table(honest, paper_figures),
    ]
    if paper:
        parts += ["\n## Evaluation — the paper's protocol (optimistic)\n",
                  "Random 80/20 stratified split of every row's window; overlapping windows leak between train and "
                  f"test ({paper['test']['positives']} fraud in {paper['test']['n']:,} test windows).\n\n",
                  _protocol_table(paper, paper_figures)]
    if sample:
        parts += ["\n## The real PaySim sample\n", sample_section(sample)]
    parts += [
        "\n## Thresholds and bands\n",
        f"Probabilities are Platt-calibrated on validation logits at the natural prevalence "
        f"(a = {risk['platt'][0]:.6g}, b = {risk['platt'][1]:.6g}).\n\n"
        f"- `block` at or above **{risk['decision_threshold']:.6g}** (max F1 on validation);\n"
        f"- `step_up` at or above **{risk['review_threshold']:.6g}** (catches 95% of validation fraud);\n"
        f"- bands: low < {risk['band_cuts'][0]:.6g} ≤ medium < {risk['band_cuts'][1]:.6g} ≤ high < "
        f"{risk['band_cuts'][2]:.6g} ≤ critical.\n",
    ]
    if curve:
        from fraudscore_trainer.families.crnn.validation_curve import FILE_NAME, card_section
        link = f"{report_dir.relative_to(path.parent).as_posix()}/{FILE_NAME}"
        parts += ["\n" + card_section(curve, link)]
    parts += [
        "\n## Known limits\n", "".join(f"- {x}\n" for x in LIMITS[variant] + COMMON_LIMITS),
        f"\nFull report with plots: [{report_dir.relative_to(path.parent)}/report.md]"
        f"({report_dir.relative_to(path.parent)}/report.md).\n",
        "\n## Rebuild\n", f"From `trainer/`:\n\n```\n{rebuild_command(args, variant)}\n```\n",
        "\nSeeds and the whole configuration are recorded in the model file (`fraudscore info`).\n",
    ]
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
    path.write_text(blank_line_before_headings(text))


def honest_description(variant):
    return {
        "paper": "The UPI Sentinel network on every PaySim column in one global window, as the paper used them. "
                 "Kept to compare with the paper; the product default is `crnn-on-device`.",
        "on-device": "The product default: the UPI Sentinel network on only what a payer's device knows before "
                     "it submits a payment — type, amount, its own balance, the payee's kind, the hour and its own "
                     "history — in a window per paying account.",
    }[variant]
