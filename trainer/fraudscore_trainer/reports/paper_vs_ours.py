"""The "paper vs ours" table, laid out the same way in every family's model card: the paper's
reported figures first, then ours and the baselines under the paper's protocol, then ours and the
baselines under the honest protocol; each row with its confusion counts and false-positive rate at
its own decision threshold.

Rows are ``(model, protocol, figures)``; ``figures`` is a metrics.summary() dict (or the paper's
figures from ``reported``). A figure that the paper does not report but that follows from what it
does report under a stated assumption is given in ``figures["derived"]`` (a set of keys) and printed
with "≈"; a missing figure prints as "n/a".
"""
import math

HEADER = ("| model | protocol | ROC-AUC | PR-AUC | F1 | precision | recall | FPR | TP | FP | FN | TN | threshold |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")


def fpr(figures):
    """FP / (FP + TN), or None when either count is missing or both are 0."""
    fp, tn = figures.get("fp"), figures.get("tn")
    if fp is None or tn is None or fp + tn == 0:
        return None
    return fp / (fp + tn)


def with_fpr(summary):
    """A copy of a metrics.summary() dict with its false-positive rate under "fpr"."""
    return dict(summary, fpr=fpr(summary))


def reported(tp, fp, fn, test_rows=None, **figures):
    """The paper's row from its confusion counts: precision, recall and F1 follow from TP, FP and FN;
    with `test_rows` (the size of its test set, when the paper gives it or it follows from the split)
    TN and FPR are derived too and marked so. `figures`: what else it reports (roc_auc, pr_auc,
    threshold)."""
    out = dict(figures, tp=tp, fp=fp, fn=fn, precision=tp / (tp + fp), recall=tp / (tp + fn),
               f1=2 * tp / (2 * tp + fp + fn), derived=set())
    if test_rows is not None:
        out["tn"] = test_rows - tp - fp - fn
        out["fpr"] = fpr(out)
        out["derived"] = {"tn", "fpr"}
    return out


def _missing(x):
    return x is None or (isinstance(x, float) and math.isnan(x))


def _metric(x):
    return "n/a" if _missing(x) else f"{x:.4f}"


def _rate(x):
    return "n/a" if _missing(x) else f"{x:.3g}"


def _count(x):
    return "n/a" if _missing(x) else f"{int(x):,}"


def _cells(figures):
    derived = figures.get("derived", set())
    rate = figures.get("fpr", fpr(figures))
    cells = [_metric(figures.get("roc_auc")), _metric(figures.get("pr_auc")), _metric(figures.get("f1")),
             _metric(figures.get("precision")), _metric(figures.get("recall")), _rate(rate),
             _count(figures.get("tp")), _count(figures.get("fp")), _count(figures.get("fn")),
             _count(figures.get("tn")), _metric(figures.get("threshold"))]
    keys = ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr", "tp", "fp", "fn", "tn", "threshold")
    return [("≈" + c if k in derived and c != "n/a" else c) for k, c in zip(keys, cells)]


def table(paper_row, paper_protocol_rows, honest_rows, paper_protocol="paper's", honest="honest"):
    """The Markdown table. `paper_row`: (label, figures); `paper_protocol_rows` and `honest_rows`:
    [(label, summary)], ours first, then the baselines (either list may be empty when that protocol
    was not run)."""
    rows = [(paper_row[0], paper_protocol, paper_row[1])]
    rows += [(name, paper_protocol, s) for name, s in paper_protocol_rows]
    rows += [(name, honest, s) for name, s in honest_rows]
    return HEADER + "".join(f"| {name} | {protocol} | " + " | ".join(_cells(s)) + " |\n"
                            for name, protocol, s in rows)
