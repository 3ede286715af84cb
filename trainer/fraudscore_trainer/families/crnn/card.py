"""The shipped crnn models' cards (crnn-paper, crnn-on-device): what a model is, what it was trained
on, how well it does (honest split first, paper protocol second), its thresholds, its limits and the
one command that rebuilds it. Every figure comes from the build run."""
from fraudscore_trainer.families.crnn.training import TrainConfig, best_epoch
from fraudscore_trainer.reports import paper_vs_ours
from fraudscore_trainer.reports.modelcard import blank_line_before_headings, features_table, table

RELEASE_ROWS = 6_362_620   # the public PaySim release
RELEASE_FRAUDS = 8_213
BUILD_BUDGET_MINUTES = 25  # the most one model build may take on the project's 2-core machines


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


def _ours_and_baselines(result):
    if not result:
        return []
    rows = [("crnn (ours)", result["test"])]
    return rows + [(name, b["test"]) for name, b in result.get("baselines", {}).items()]


def paper_section(honest, paper, paper_figures, abstract=None):
    """The "paper vs ours" section: both protocols, one table (reports/paper_vs_ours.py), notes."""
    text = [
        "Two protocols. **Paper's**: every row's window, split at random 80/20 stratified by label (a stratified "
        "12.5% of the training part validates); overlapping windows leak between train and test, so its figures "
        "are optimistic"
        + (f" ({paper['test']['positives']} fraud in {paper['test']['n']:,} test windows)" if paper else
           " (not run in this build: --skip-paper-protocol)") + ". "
        "**Honest**: train on the first 60% of rows in step order, validate on the next 20%, test on the last 20%, "
        f"at the natural prevalence ({honest['test']['positives']} fraud in {honest['test']['n']:,} test rows); "
        "the shipped weights are this run's. Thresholds: max F1 on each run's validation split (ours on "
        "calibrated probabilities); counts and FPR at that threshold on the test split.\n\n",
        paper_vs_ours.table(("paper (UPI Sentinel)", paper_figures), _ours_and_baselines(paper),
                            _ours_and_baselines(honest)),
    ]
    f = paper_figures
    note = (f"\nThe paper's row is its confusion counts (TP {f['tp']:,}, FP {f['fp']:,}, FN {f['fn']:,}: precision "
            f"{f['precision']:.3f}, recall {f['recall']:.3f}, F1 {f['f1']:.3f}) with its ROC-AUC, PR-AUC and threshold")
    if abstract:
        note += (f"; its abstract's precision {abstract['precision']:.2f} / recall {abstract['recall']:.2f} "
                 f"(F1 {abstract['f1']:.2f}) disagree with those counts")
    if "tn" in f.get("derived", ()):
        note += (f". It gives no TN: TP + FN = {f['tp'] + f['fn']:,} is 20% of the release's {RELEASE_FRAUDS:,} frauds, so its "
                 f"test set is taken as 20% of the release's {RELEASE_ROWS:,} rows ({f['tn'] + f['tp'] + f['fp'] + f['fn']:,}),"
                 " from which the TN and FPR marked ≈ follow")
    text.append(note + ".\n")
    return "".join(t if t.endswith("\n") else t + "\n" for t in text)


def _run_text(name, result, epochs):
    """`epochs`: that run's cap."""
    h = result["history"]
    best = best_epoch(h)
    stop = (f"stopped early after {len(h)} epochs" if len(h) < epochs else
            f"ran all {len(h)} epochs (the cap) without stopping early")
    return f"{name}: {stop}, the weights of epoch {best} kept"


def network_section(variant, honest, paper, cfg, paper_epochs=None, loss_link=None, json_link=None):
    """`paper_epochs`: the paper-protocol run's epoch cap (default: cfg's)."""
    conv = cfg.conv_dropout_rate
    why = "the paper's rate" if variant == "paper" else "the trainer's default"
    runs = [_run_text("the honest run (the shipped weights)", honest, cfg.epochs)]
    if paper:
        runs.append(_run_text("the paper-protocol run", paper, paper_epochs or cfg.epochs))
    text = ("Causal Conv1D(64, kernel 2) + ReLU → dropout → BiLSTM(64 per direction) → additive attention "
            "(score_t = v·tanh(W·h_t + b), softmax over real steps) → Dense(128) + ReLU → dropout → Dense(1). "
            f"Dropout {conv:g} after the convolution ({why}) and {cfg.dropout:g} after Dense(128) (the trainer's "
            "default); dropout acts in training only. "
            f"Trained on {honest['train_windows']:,} windows (SMOTE on training windows only, balanced subset), "
            f"Adam lr {cfg.lr:g}, batch {cfg.batch_size}, early stopping on the validation loss (patience "
            f"{cfg.patience}, at most {cfg.epochs} epochs"
            + (f", {paper_epochs} for the paper-protocol run" if paper and paper_epochs and paper_epochs != cfg.epochs
               else "") + "): " + "; ".join(runs) + ".")
    if loss_link:
        text += (f" Training and validation loss per epoch of both runs: [{loss_link}]({loss_link})"
                 + (f" (numbers: [{json_link}]({json_link}))" if json_link else "") + ".")
    return text + "\n"


def scale_text(args, seconds):
    """What scale the build ran at, what it cost, and why not the release's 6.36M rows when it did not."""
    if args.data:
        return ""
    minutes = seconds / 60
    text = f"This variant's build (both runs, baselines, evaluation and export; the simulation before it excluded) took {minutes:.0f} min"
    if args.simulate_rows >= RELEASE_ROWS:
        return text + " at the release's scale.\n"
    factor = RELEASE_ROWS / args.simulate_rows
    return text + (
        f" on {args.simulate_rows:,} simulated rows. A build on the release's {RELEASE_ROWS:,} rows was not run: it "
        f"trains the same {args.max_windows:,}-window subsets, but computes, windows and scores {factor:.1f}× the "
        f"rows (each protocol's validation and test splits, by the crnn and by every baseline), so it would "
        f"take longer than this build, beyond the project's {BUILD_BUDGET_MINUTES}-minute budget for one build "
        "on its 2-core machines" if minutes > BUILD_BUDGET_MINUTES else
        f" on {args.simulate_rows:,} simulated rows; rebuild with `--simulate-rows {RELEASE_ROWS}` for the "
        "release's scale") + ".\n"


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
               report_dir, paper_figures, curve=None, cfg=None, loss_plot=None, diagnosis=None, seconds=None,
               abstract=None):
    """`curve`: the validation curve (validation_curve.curve) to summarise, written beside the report;
    `cfg`: the TrainConfig of both runs; `loss_plot`: the loss-curve PNG; `diagnosis`: transfer.diagnose()
    on the real sample; `seconds`: how long the build took; `abstract`: the paper abstract's figures."""
    from fraudscore_trainer.families.crnn import transfer
    cfg = cfg or TrainConfig(epochs=args.epochs)
    spec, risk = honest["spec"], honest["risk"]
    rel = lambda p: p.relative_to(path.parent).as_posix()
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
        scale_text(args, seconds) if seconds is not None else "",
        "" if args.data else "How the simulator compares with real PaySim rows: "
        "[reports/simulator_vs_real.md](reports/simulator_vs_real.md).\n",
        "## Features\n", features_table(spec),
        "Missing numbers become 0 (the paper's rule); negative amounts and balances, non-numbers, NaN/Inf and "
        "unknown transaction types are refused with an error naming the row and column.\n",
        "## Network\n",
        network_section(variant, honest, paper, cfg, args.paper_epochs, rel(loss_plot) if loss_plot else None,
                        rel(loss_plot.parent / "loss_history.json") if loss_plot else None),
        "## Paper vs ours\n",
        paper_section(honest, paper, paper_figures, abstract),
    ]
    if sample:
        parts += ["\n## The real PaySim sample\n", sample_section(sample)]
        if diagnosis:
            parts += ["\n### Does it transfer to real rows?\n", transfer.section(diagnosis)]
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
