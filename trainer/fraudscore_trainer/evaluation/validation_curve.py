"""A validation curve: precision, recall and alert rate over a grid of thresholds
on the calibrated probabilities of the VALIDATION split (the split the block and
review thresholds are tuned on), written beside every model's report as
validation_curve.json.

A point flags the rows whose probability is >= its threshold (as the core's
decisions do): flagged, true_positives, precision = tp / flagged (null when
nothing is flagged), recall = tp / positives (null without positives),
alert_rate = flagged / rows. Points: the grid 0.000, 0.005, ..., 1.000 plus
the model's exact review (step_up) and block thresholds, which carry
"mark": "review" / "block" ("review+block" when they coincide).
"""
import json
import struct
from pathlib import Path

import numpy as np

from fraudscore_trainer.modelfile import signing

GRID = [round(i * 0.005, 3) for i in range(201)]
FILE_NAME = "validation_curve.json"


def _sig(x, digits=6):
    return None if x is None else float(f"{x:.{digits}g}")


def curve_points(y, p, review_threshold, block_threshold, grid=GRID):
    """Points sorted by threshold (see the module docstring)."""
    y = np.asarray(y).astype(np.int64)
    p = np.asarray(p, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"labels and probabilities differ in length ({len(y)} vs {len(p)})")
    order = np.argsort(p, kind="stable")
    p_sorted = p[order]
    # positives among the rows at or above sorted position i
    pos_from = np.concatenate([np.cumsum(y[order][::-1])[::-1], [0]])
    n, positives = len(p), int(y.sum())
    marks = {}
    for name, t in (("review", review_threshold), ("block", block_threshold)):
        marks[float(t)] = name if float(t) not in marks else marks[float(t)] + "+" + name
    thresholds = sorted(set(float(t) for t in grid) | set(marks))
    points = []
    for t in thresholds:
        first = int(np.searchsorted(p_sorted, t, side="left"))  # rows with p >= t start here
        flagged, tp = n - first, int(pos_from[first])
        point = {"threshold": t if t in marks else _sig(t),
                 "precision": _sig(tp / flagged) if flagged else None,
                 "recall": _sig(tp / positives) if positives else None,
                 "alert_rate": _sig(flagged / n) if n else None,
                 "flagged": flagged, "true_positives": tp}
        if t in marks:
            point["mark"] = marks[t]
        points.append(point)
    return points


def curve(model, checksum, y, p, review_threshold, block_threshold, command):
    y = np.asarray(y)
    return {"model": model, "model_checksum": checksum, "split": "validation", "rows": int(len(y)),
            "positives": int(np.sum(y)), "block_threshold": float(block_threshold),
            "review_threshold": float(review_threshold), "command": command,
            "points": curve_points(y, p, review_threshold, block_threshold)}


def write_json(path, data):
    """One point per line: small and diffable."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {k: v for k, v in data.items() if k != "points"}
    text = json.dumps(head, indent=2)[:-2]
    text += ',\n  "points": [\n' + ",\n".join("    " + json.dumps(pt) for pt in data["points"]) + "\n  ]\n}\n"
    path.write_text(text)
    return path


def checksum_hex(model_bytes):
    """The file's 64-bit checksum as the core prints it (%016llx), checked the
    way the core checks it (FNV-1a over the file with the checksum counted as 0)."""
    from fraudscore_trainer.modelfile.export import checksum_offset, fnv1a64
    buf = bytearray(signing.model_bytes(model_bytes))
    at = checksum_offset(buf)
    stored = struct.unpack("<Q", bytes(buf[at:at + 8]))[0]
    buf[at:at + 8] = b"\0" * 8
    if fnv1a64(bytes(buf)) != stored:
        raise ValueError("model file checksum mismatch (corrupt or altered file)")
    return f"{stored:016x}"
