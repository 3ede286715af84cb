"""PNG figures for the evaluation report.

One function per figure; each takes the output path, writes a small (6 x 4 in, 100 dpi) PNG and
returns the path, so the caller can put it straight into the report's ``plots`` mapping.
The Agg backend is forced because the trainer runs headless.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (must follow matplotlib.use)
import numpy as np  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from fraudscore_trainer.evaluation import metrics  # noqa: E402
from fraudscore_trainer.features import windows as win  # noqa: E402

_FIGSIZE = (6, 4)
_DPI = 100


def plot_roc(curves: dict, path) -> Path:
    """ROC curves ``{name: (y, p)}`` with their AUCs; curves lacking a class are skipped."""
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    for name, (y, p) in curves.items():
        y = np.asarray(y)
        if 0 < y.sum() < len(y):
            fpr, tpr, _ = roc_curve(y, p)
            ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, p):.4f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1, label="chance")
    _finish(ax, "False positive rate", "True positive rate", "ROC")
    return _save(fig, path)


def plot_pr(curves: dict, path) -> Path:
    """Precision-recall curves ``{name: (y, p)}`` with average precision.

    Dashed lines mark each distinct prevalence: the precision of a random ranking, which at
    natural fraud prevalence is what a PR curve must be read against.
    """
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    prevalences = set()
    for name, (y, p) in curves.items():
        y = np.asarray(y)
        if y.sum() > 0:
            precision, recall, _ = precision_recall_curve(y, p)
            ax.step(recall, precision, where="post",
                    label=f"{name} (AP {average_precision_score(y, p):.4f})")
            prevalences.add(round(float(y.mean()), 6))
    for prevalence in sorted(prevalences):
        ax.axhline(prevalence, color="grey", linestyle="--", linewidth=1,
                   label=f"prevalence {prevalence:.4%}")
    _finish(ax, "Recall", "Precision", "Precision-recall")
    return _save(fig, path)


def plot_calibration(y, p_raw, p_calibrated, path) -> Path:
    """Reliability diagram (10 equal-width bins) of raw and Platt-calibrated probabilities.

    Marker area grows with the bin's count, so the nearly empty high-score bins, where the
    observed rate is noisy, are visibly lighter than the crowded bin near 0.
    """
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1, label="perfect")
    for label, p in (("raw", p_raw), ("Platt-calibrated", p_calibrated)):
        rows = metrics.calibration_table(y, p)
        predicted = [row["mean_predicted"] for row in rows]
        observed = [row["observed_rate"] for row in rows]
        sizes = [10 + 10 * np.log10(row["count"]) ** 2 for row in rows]
        ece = metrics.expected_calibration_error(y, p)
        line, = ax.plot(predicted, observed, linewidth=1, label=f"{label} (ECE {ece:.4f})")
        ax.scatter(predicted, observed, s=sizes, color=line.get_color(), alpha=0.7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    _finish(ax, "Mean predicted probability", "Observed fraud rate", "Calibration")
    return _save(fig, path)


def plot_confusion(y, p, threshold: float, path) -> Path:
    """Confusion matrix at ``p >= threshold``, coloured on a log scale since TN dwarfs the rest."""
    counts = metrics.at_threshold(y, p, threshold)
    matrix = np.array([[counts["tn"], counts["fp"]], [counts["fn"], counts["tp"]]])
    fig, ax = plt.subplots(figsize=(4, 3.5))
    ax.imshow(np.log10(matrix + 1), cmap="Blues")
    for (row, col), value in np.ndenumerate(matrix):
        ax.text(col, row, f"{value:,}", ha="center", va="center",
                color="white" if value > matrix.max() ** 0.5 else "black")
    ax.set_xticks([0, 1], ["legit", "fraud"])
    ax.set_yticks([0, 1], ["legit", "fraud"])
    ax.set_xlabel("Predicted")
    ax.set_ylabel("Actual")
    ax.set_title(f"Confusion matrix (threshold {threshold:.4g})")
    return _save(fig, path)


def plot_attention(window_features, feature_names, attention, path, title: str) -> Path:
    """One window's features as the network sees them, with its attention weights above.

    ``window_features`` is ``[T, F]`` (already normalized model input), ``attention`` is ``[T]``.
    Steps with zero attention are the window's left padding and are greyed out and labelled
    "pad", so an empty-looking column is not mistaken for a real transaction.
    """
    features = np.asarray(window_features, dtype=np.float64)
    weights = np.asarray(attention, dtype=np.float64)
    steps, n_features = features.shape
    if weights.shape != (steps,) or len(feature_names) != n_features:
        raise ValueError("attention must be [T] and feature_names [F] for window_features [T, F]")
    padded = weights == 0
    fig, (top, bottom) = plt.subplots(2, 1, figsize=_FIGSIZE, sharex=True,
                                      gridspec_kw={"height_ratios": [1, 3]})
    top.bar(np.arange(steps), weights, color=np.where(padded, "lightgrey", "tab:orange"))
    for step in np.flatnonzero(padded):
        top.text(step, 0, "pad", ha="center", va="bottom", fontsize=7, color="grey")
    top.set_ylabel("attention", fontsize=8)
    top.set_title(title, fontsize=10)
    limit = max(float(np.abs(features[~padded]).max()) if (~padded).any() else 0.0, 1e-9)
    shown = np.ma.masked_array(features.T, mask=np.broadcast_to(padded, (n_features, steps)))
    cmap = matplotlib.colormaps["coolwarm"].copy()
    cmap.set_bad("lightgrey")
    image = bottom.imshow(shown, aspect="auto", cmap=cmap, vmin=-limit, vmax=limit,
                          interpolation="nearest")
    bottom.set_yticks(np.arange(n_features), feature_names, fontsize=7)
    bottom.set_xticks(np.arange(steps), [f"t-{steps - 1 - s}" for s in range(steps)], fontsize=7)
    bottom.set_xlabel("window step (t-0 = scored transaction)", fontsize=8)
    fig.colorbar(image, ax=[top, bottom], shrink=0.6, pad=0.02)
    return _save(fig, path)


def plot_loss_curves(runs: dict, path) -> Path:
    """Training and validation loss per epoch, one panel per run ``{name: history}`` (history:
    training's [{"epoch", "train_loss", "val_loss"}, ...]); the epoch with the lowest validation loss
    (the weights kept) is marked. Log scale: the two losses differ in size (see the caption)."""
    fig, axes = plt.subplots(1, max(1, len(runs)), figsize=(_FIGSIZE[0] * max(1, len(runs)), _FIGSIZE[1]),
                             squeeze=False)
    for ax, (name, history) in zip(axes[0], runs.items()):
        epochs = [h["epoch"] for h in history]
        ax.plot(epochs, [h["train_loss"] for h in history], marker="o", label="training loss")
        ax.plot(epochs, [h["val_loss"] for h in history], marker="s", label="validation loss")
        if history:
            best = min(history, key=lambda h: h["val_loss"])
            ax.axvline(best["epoch"], color="grey", linestyle=":", linewidth=1,
                       label=f"lowest validation loss (epoch {best['epoch']})")
        ax.set_yscale("log")
        ax.set_xticks(epochs)
        _finish(ax, "epoch", "loss (log scale)", name)
    return _save(fig, path)


def _finish(ax, xlabel: str, ylabel: str, title: str) -> None:
    """Shared axis labels, title and a compact legend."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)


def _save(fig, path) -> Path:
    """Write the figure as PNG, creating the directory, and release its memory."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return out


def report_plots(result, out_dir, label):
    """ROC, precision-recall, calibration, confusion, and an attention example when the model has
    attention; `label` names the model beside the baselines. Returns title -> file name."""
    split, y = result["split"], result["y"]
    y_test = y[split.test]
    curves = {label: (y_test, result["p_test"])}
    for name, b in result.get("baselines", {}).items():
        curves[name] = (y_test, b["test_scores"])
    out = {
        "ROC": plot_roc(curves, out_dir / "roc.png"),
        "Precision-recall": plot_pr(curves, out_dir / "pr.png"),
        "Calibration": plot_calibration(y_test, result["raw_test"], result["p_test"], out_dir / "calibration.png"),
        "Confusion matrix": plot_confusion(y_test, result["p_test"], result["risk"]["decision_threshold"],
                                                 out_dir / "confusion.png"),
    }
    # An attention example: the highest-scored fraud in the test split.
    fraud = np.flatnonzero(y_test == 1)
    if len(fraud) and result.get("attention_test") is not None:
        i = fraud[np.argmax(result["p_test"][fraud])]
        window = win.gather(result["x"], result["indices"][split.test][i:i + 1])[0]
        out["Attention example"] = plot_attention(window, result["spec"].feature_names,
                                                        result["attention_test"][i], out_dir / "attention.png",
                                                        f"attention over the window of a fraud (p = "
                                                        f"{result['p_test'][i]:.4f})")
    return {k: Path(v).name for k, v in out.items()}
