"""What every model card shows the same way: the features and how each is computed, the results
table, the training history; and the Markdown layout."""
import math
import re
from pathlib import Path

from fraudscore_trainer.features.spec import (OP_CATEGORY_INDEX, OP_DAY_OF_WEEK, OP_DIFFERENCE, OP_MODULO, OP_ONE_HOT, OP_PREFIX_FLAG, OP_RATIO,
                       OP_RELATIVE_TO_HISTORY, OP_SINCE_PREVIOUS, OP_VALUE)

_OPS = {OP_VALUE: "value of {a}", OP_CATEGORY_INDEX: "label-encoded {a}", OP_DIFFERENCE: "{a} − {b}",
        OP_RATIO: "{a} / max({b}, {p:g})", OP_MODULO: "{a} mod {p:g}", OP_PREFIX_FLAG: "{a} starts with '{t}'",
        OP_ONE_HOT: "{a} is category #{p:.0f}", OP_DAY_OF_WEEK: "day of week of {a} (days of {p:g}; 0 = Monday)",
        OP_SINCE_PREVIOUS: "{a} − {a} of the key's previous row ({p:g} for its first)",
        OP_RELATIVE_TO_HISTORY: "{a} / max(mean {a} of the window's previous rows, {p:g}) (1 for a first row)"}

def _fmt(x):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4f}"


def table(rows):
    head = "| model | ROC-AUC | PR-AUC | F1 | precision | recall | threshold |\n|---|---|---|---|---|---|---|\n"
    return head + "".join(f"| {name} | {_fmt(s.get('roc_auc'))} | {_fmt(s.get('pr_auc'))} | {_fmt(s.get('f1'))} | "
                          f"{_fmt(s.get('precision'))} | {_fmt(s.get('recall'))} | {_fmt(s.get('threshold'))} |\n"
                          for name, s in rows)


def history_section(history):
    lines = ["| epoch | train loss | validation loss | seconds |", "|---|---|---|---|"]
    lines += [f"| {h['epoch']} | {h['train_loss']:.4f} | {h['val_loss']:.5f} | {h['seconds']:.0f} |" for h in history]
    return "\n".join(lines) + "\n"


def features_table(spec, notes=None):
    """One row per feature; with `notes` (column name -> the description's note), a column saying what the
    column a feature reads as it is means."""
    notes = notes or {}
    meaning = lambda f: notes.get(f.a, "") if f.op in (OP_VALUE, OP_ONE_HOT, OP_CATEGORY_INDEX) \
        else ""
    shown = any(meaning(f) for f in spec.features)
    lines = ["| feature | computed as | log1p | clip | mean | std |" + (" meaning |" if shown else ""),
             "|---|---|---|---|---|---|" + ("---|" if shown else "")]
    for f in spec.features:
        what = _OPS[f.op].format(a=f.a, b=f.b, p=f.parameter, t=f.text)
        clip = " ".join(([f"≥ {f.clip_min:g}"] if not math.isnan(f.clip_min) else []) +
                        ([f"≤ {f.clip_max:g}"] if not math.isnan(f.clip_max) else []))
        lines.append(f"| {f.name} | {what} | {'yes' if f.log1p else ''} | {clip} | {f.mean:.6g} | {f.std:.6g} |"
                     + (f" {meaning(f)} |" if shown else ""))
    return "\n".join(lines) + "\n"


def blank_line_before_headings(text):
    lines = text.split("\n")
    out = []
    for line in lines:
        if line.startswith("## ") and out and out[-1] != "":
            out.append("")
        out.append(line)
    return "\n".join(out)


def replace_card_section(card_path, heading, section):
    """Put `section` (Markdown starting with "## {heading}") into an existing card: in place of the
    card's own "## {heading}" section, else before "Known limits", else before "Rebuild", else at the
    end. Nothing else in the card changes; running it twice gives the same card."""
    card_path = Path(card_path)
    text = card_path.read_text()
    section = section.rstrip("\n") + "\n\n"
    existing = re.search(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    if existing:
        text = text[:existing.start()] + section + text[existing.end():]
    else:
        for before in ("## Known limits", "## Rebuild"):
            at = text.find("\n" + before + "\n")
            if at >= 0:
                text = text[:at + 1] + section + text[at + 1:]
                break
        else:
            text = text.rstrip("\n") + "\n\n" + section
    card_path.write_text(text.rstrip("\n") + "\n")
