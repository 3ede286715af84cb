"""The Markdown evaluation report, and the metrics list embedded in the model file.

``write_report`` takes one ``context`` dict so the training script decides *what* is reported
and this module only decides *how* it looks. The structure (only ``title`` and ``protocols`` are
required; every other key may be left out and its section is then omitted)::

    {
        "title": str,                       # the report's H1
        "model": str,                       # Markdown: architecture, training setup
        "data": str,                        # Markdown: dataset, splits, prevalence
        "protocols": [                      # one metrics table per evaluation protocol
            {
                "name": str,                # e.g. "time-ordered split (honest)"
                "description": str,         # optional Markdown paragraph above the table
                "rows": {label: summary},   # metrics.summary() dicts, e.g. "crnn (ours)": {...}
                "threshold_note": str,      # optional Markdown paragraph below the table
            },
        ],
        "paper": {"roc_auc": float, "pr_auc": float, "f1": float,
                  "precision": float, "recall": float},   # added as a last row to every table
        "confusion": bool,                  # optional: add FPR and the TP/FP/FN/TN columns
        "calibration": [row, ...],          # metrics.calibration_table() rows
        "calibration_note": str,            # optional Markdown, e.g. which model/split/probs
        "plots": {caption: relative_path},  # PNGs, linked relative to the report's directory
        "extra_sections": [(heading, markdown_text), ...],
    }

Numbers are printed with 4 decimals (thresholds below 0.001 with 4 significant digits, rates such as
FPR with 3), counts as integers, and NaN / missing values as "n/a".
"""

from __future__ import annotations

import math
from numbers import Real
from pathlib import Path

from fraudscore_trainer.reports.paper_vs_ours import fpr

PAPER_LABEL = "paper (reported)"

# (header, summary key, number format: see _format)
_METRIC_COLUMNS = [
    ("ROC-AUC", "roc_auc", "metric"),
    ("PR-AUC", "pr_auc", "metric"),
    ("F1", "f1", "metric"),
    ("Precision", "precision", "metric"),
    ("Recall", "recall", "metric"),
    ("Accuracy", "accuracy", "metric"),
    ("Threshold", "threshold", "threshold"),
    ("n", "n", "count"),
    ("Positives", "positives", "count"),
]
_CONFUSION_COLUMNS = [
    ("FPR", "fpr", "rate"),
    ("TP", "tp", "count"),
    ("FP", "fp", "count"),
    ("FN", "fn", "count"),
    ("TN", "tn", "count"),
]
_CALIBRATION_COLUMNS = [
    ("Mean predicted", "mean_predicted", "metric"),
    ("Observed rate", "observed_rate", "metric"),
    ("Count", "count", "count"),
    ("Positives", "positives", "count"),
]
_SMALL_THRESHOLD = 1e-3


def write_report(path_md, context: dict) -> Path:
    """Render ``context`` (see the module docstring) to Markdown at ``path_md``; return the path."""
    out = Path(path_md)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(context), encoding="utf-8")
    return out


def render_report(context: dict) -> str:
    """The report's Markdown text, sections in a fixed order."""
    parts = [f"# {context['title']}"]
    parts += _text_section("Model", context.get("model"))
    parts += _text_section("Data", context.get("data"))
    parts.append("## Results")
    for protocol in context["protocols"]:
        parts += _protocol_section(protocol, context.get("paper"), context.get("confusion", False))
    if context.get("calibration"):
        parts += _calibration_section(context["calibration"], context.get("calibration_note"))
    if context.get("plots"):
        parts += _plots_section(context["plots"])
    for heading, text in context.get("extra_sections", []):
        parts += _text_section(heading, text)
    return "\n\n".join(parts) + "\n"


def metrics_for_model_file(summary: dict, prefix: str) -> list[tuple[str, float]]:
    """Flatten a summary into ``("prefix.key", value)`` pairs, keeping finite numbers only.

    The model file stores plain floats, so counts become floats and NaN AUCs (a split without
    positives) are dropped rather than written as values a reader might trust.
    """
    pairs = []
    for key, value in summary.items():
        if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value):
            pairs.append((f"{prefix}.{key}" if prefix else key, float(value)))
    return pairs


def _text_section(heading: str, text) -> list[str]:
    """A ``##`` section, or nothing when there is no text for it."""
    return [f"## {heading}", text.strip()] if text else []


def _protocol_section(protocol: dict, paper, confusion=False) -> list[str]:
    """One protocol: heading, description, the metrics table with the paper's row, note; with
    `confusion`, FPR and the confusion counts too (FPR computed from FP and TN when absent)."""
    parts = [f"### {protocol['name']}"]
    if protocol.get("description"):
        parts.append(protocol["description"].strip())
    rows = list(protocol["rows"].items())
    if paper:
        rows.append((PAPER_LABEL, paper))
    columns = _METRIC_COLUMNS
    if confusion:
        columns = _METRIC_COLUMNS + _CONFUSION_COLUMNS
        rows = [(label, dict(values, fpr=values.get("fpr", fpr(values)))) for label, values in rows]
    parts.append(_table("Model", columns, rows))
    if protocol.get("threshold_note"):
        parts.append(protocol["threshold_note"].strip())
    return parts


def _calibration_section(rows: list, note) -> list[str]:
    """The reliability table, one line per non-empty probability bin."""
    parts = ["## Calibration"]
    if note:
        parts.append(note.strip())
    labelled = [(_bin_label(row), row) for row in rows]
    parts.append(_table("Probability bin", _CALIBRATION_COLUMNS, labelled))
    return parts


def _plots_section(plots: dict) -> list[str]:
    """Each plot as a captioned image link."""
    parts = ["## Plots"]
    for caption, path in plots.items():
        parts.append(f"**{caption}**\n\n![{caption}]({Path(path).as_posix()})")
    return parts


def _table(first_header: str, columns: list, rows: list) -> str:
    """A Markdown table: one row per ``(label, values dict)``, missing keys as "n/a"."""
    headers = [first_header] + [header for header, _, _ in columns]
    lines = [_row(headers), _row(["---"] + ["---:"] * len(columns))]
    for label, values in rows:
        cells = [_format(values.get(key), kind) for _, key, kind in columns]
        lines.append(_row([_escape(str(label))] + cells))
    return "\n".join(lines)


def _row(cells: list) -> str:
    return "| " + " | ".join(cells) + " |"


def _format(value, kind: str) -> str:
    """4 decimals, integers for counts, "n/a" for missing or non-finite values.

    A threshold below 0.001 (an uncalibrated model at 0.13 % prevalence) gets 4 significant
    digits instead, so it does not print as a misleading 0.0000.
    """
    if value is None or isinstance(value, bool) or not isinstance(value, Real):
        return "n/a"
    if not math.isfinite(value):
        return "n/a"
    if kind == "count":
        return f"{int(value):d}"
    if kind == "rate":
        return f"{value:.3g}"
    if kind == "threshold" and 0 < abs(value) < _SMALL_THRESHOLD:
        return f"{value:.4g}"
    return f"{value:.4f}"


def _bin_label(row: dict) -> str:
    """``[lower, upper)``, closed on the right for the last bin, which holds p = 1."""
    closing = "]" if row["bin_upper"] >= 1.0 else ")"
    return f"[{row['bin_lower']:.2f}, {row['bin_upper']:.2f}{closing}"


def _escape(text: str) -> str:
    """Keep a ``|`` in a label from splitting the table row."""
    return text.replace("|", "\\|")
