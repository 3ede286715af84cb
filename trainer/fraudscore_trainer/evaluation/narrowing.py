"""What narrowing a model's weights costs: the model file at float32, float16 and int8 (`quantize`),
each scored by the fraudscore CLI on labelled CSV files, side by side.

    python3 -m fraudscore_trainer narrowing-report MODEL.fsmodel --data FILE.csv [--data ...]
        [--label isFraud] [--order-by step] [--last-fraction 0.2 | --test-from VALUE] [--cli PATH]

Every file is scored as one stream (rows in --order-by order, stable; per-key windows as in
training); metrics are taken on the last --last-fraction of those rows, or on the rows whose --order-by
value is at least --test-from (the honest time split's test part when the file is the training data),
or on all rows (the default). Prints a markdown table:
file bytes, ROC-AUC and PR-AUC per data file, and the largest probability change from float32."""
import argparse
import io
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from fraudscore_trainer.modelfile import quantize
from fraudscore_trainer.paths import REPO


def _cli(path):
    if path:
        return path
    found = os.environ.get("FRAUDSCORE_CLI") or next(iter(sorted(REPO.glob("build/*/cli/fraudscore"))), None)
    if not found:
        raise SystemExit("narrowing-report: no fraudscore CLI (build one: cmake --preset ci && "
                         "cmake --build --preset ci --target fraudscore_cli, or give --cli)")
    return str(found)


def score(cli, model, csv_path) -> np.ndarray:
    out = subprocess.run([cli, "score", str(model), str(csv_path), "--reasons", "0"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"narrowing-report: {cli} score {model} {csv_path}: {out.stderr.strip()}")
    return pd.read_csv(io.StringIO(out.stdout))["probability"].to_numpy()


def add_arguments(p: argparse.ArgumentParser):
    p.add_argument("model")
    p.add_argument("--data", action="append", required=True, help="a labelled CSV with the model's columns")
    p.add_argument("--label", default="isFraud")
    p.add_argument("--order-by", default=None, help="score rows in this column's order (stable)")
    p.add_argument("--last-fraction", type=float, default=1.0, help="metrics on the last fraction of the rows")
    p.add_argument("--test-from", type=float, default=None,
                   help="metrics on the rows whose --order-by value is at least this (e.g. a test split's first day)")
    p.add_argument("--cli", default=None, help="the fraudscore CLI (default: $FRAUDSCORE_CLI or build/*/cli/fraudscore)")


def first_metric_row(df, order_by, test_from, last_fraction):
    """The index of the first row metrics are taken on, in `df` (already in `order_by` order): the first
    row whose `order_by` value is at least `test_from`, or the start of the last `last_fraction`."""
    if test_from is not None:
        return int((df[order_by].to_numpy() < test_from).sum())
    return int(round(len(df) * (1.0 - last_fraction)))


def run(args):
    if args.test_from is not None and not args.order_by:
        raise SystemExit("narrowing-report: --test-from needs --order-by")
    cli = _cli(args.cli)
    source = Path(args.model).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        files = {"float32": (Path(args.model), len(source))}
        for precision in quantize.PRECISIONS:
            data, _ = quantize.quantize_bytes(source, precision)
            path = Path(tmp) / f"{precision}.fsmodel"
            path.write_bytes(data)
            files[precision] = (path, len(data))
        metrics, reference = {}, {}
        for data_path in args.data:
            df = pd.read_csv(data_path)
            if args.order_by:
                df = df.sort_values(args.order_by, kind="stable")
            ordered = Path(tmp) / "ordered.csv"
            df.to_csv(ordered, index=False)
            first = first_metric_row(df, args.order_by, args.test_from, args.last_fraction)
            y = df[args.label].to_numpy()[first:]
            for precision, (path, _) in files.items():
                p = score(cli, path, ordered)[first:]
                if precision == "float32":
                    reference[data_path] = p
                metrics[(precision, data_path)] = (roc_auc_score(y, p), average_precision_score(y, p),
                                                   float(np.max(np.abs(p - reference[data_path]))))
    heads = " | ".join(f"{Path(d).name}: ROC-AUC / PR-AUC / max abs dp" for d in args.data)
    print(f"| weights | model file bytes | {heads} |")
    print("|---|---:|" + "---|" * len(args.data))
    for precision, (_, size) in files.items():
        cells = " | ".join(f"{m[0]:.4f} / {m[1]:.4f} / {m[2]:.2g}" for m in (metrics[(precision, d)] for d in args.data))
        print(f"| {precision} | {size:,} | {cells} |")
    part = (f"the rows with `{args.order_by}` >= {args.test_from:g}" if args.test_from is not None
            else f"the last {args.last_fraction:.0%} of each file's rows" + (f" in `{args.order_by}` order" if args.order_by else ""))
    print(f"\nmetrics on {part}; every file scored as one stream from its first row.")
